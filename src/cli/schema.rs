//! `paylink schema ...`: print the served schema, check it against the SDL in `schema/`, and
//! diff two schemas with breaking-change classification (`paylink-contract`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use paylink_contract::{AcceptList, Criticality, Header, Report, Side};

use super::CliError;

/// Schema commands.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print the served schema as SDL.
    Print,
    /// Check that the served schema equals the SDL in a folder, type by type; exit 1 if not.
    Check {
        /// The folder of `.graphql` files that is the contract.
        #[arg(long, default_value = "schema")]
        dir: PathBuf,
    },
    /// Compare two schemas and classify each change as BREAKING, DANGEROUS or NON_BREAKING.
    ///
    /// Exit status: 0 when nothing fails, 1 when a change is BREAKING (or, with
    /// `--fail-on dangerous`, DANGEROUS) and not accepted, 2 when a side or the accept file
    /// cannot be read.
    Diff(DiffArgs),
}

/// The arguments of `paylink schema diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old schema, that clients were written against: an SDL file, a folder of `.graphql`
    /// files (top level only), `git:REV` (`schema/` at a git revision of the repository of
    /// the current directory) or an `http(s)://` GraphQL endpoint (read by introspection).
    pub old: String,
    /// The new schema, in the same forms as OLD.
    pub new: String,
    /// How changes are printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Which changes make the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Breaking)]
    pub fail_on: FailOn,
    /// An HTTP header for endpoint sides, such as `Authorization: Bearer plk_...`; repeatable.
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = Header::parse)]
    pub headers: Vec<Header>,
    /// A file of schema coordinates (one a line, `#` comments) whose breaking or dangerous
    /// changes are accepted: reported as accepted, and never failing.
    #[arg(long, value_name = "FILE")]
    pub accept: Option<PathBuf>,
}

/// Output format of `schema diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One aligned line per change, then a summary.
    Text,
    /// `{"changes": [...], "summary": {...}}`, as the README describes.
    Json,
}

/// The least severe criticality that fails `schema diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// BREAKING changes fail.
    Breaking,
    /// BREAKING and DANGEROUS changes fail.
    Dangerous,
}

/// Runs a schema command.
pub(super) fn run(command: SchemaCommand) -> Result<(), CliError> {
    match command {
        SchemaCommand::Print => {
            print!("{}", crate::graphql::schema().as_sdl());
            Ok(())
        }
        SchemaCommand::Check { dir } => check(&dir),
        SchemaCommand::Diff(args) => diff(&args),
    }
}

fn check(dir: &Path) -> Result<(), CliError> {
    let differences = crate::graphql::contract::differences(dir)?;
    if differences.is_empty() {
        println!("the served schema equals {}", dir.display());
        return Ok(());
    }
    for difference in &differences {
        println!("{difference}");
    }
    Err(CliError::Refused(format!(
        "the served schema differs from {} in {} place(s)",
        dir.display(),
        differences.len()
    )))
}

fn diff(args: &DiffArgs) -> Result<(), CliError> {
    let accept = args
        .accept
        .as_deref()
        .map(|path| {
            AcceptList::read(path).map_err(|error| {
                CliError::Unreadable(format!(
                    "cannot read the accept file {}: {error}",
                    path.display()
                ))
            })
        })
        .transpose()?;
    let load = |which: &str, argument: &str| {
        let side = Side::parse(argument);
        side.load(&args.headers).map_err(|error| {
            CliError::Unreadable(format!("cannot read the {which} schema ({side}): {error}"))
        })
    };
    let old = load("old", &args.old)?;
    let new = load("new", &args.new)?;

    let mut changes = paylink_contract::diff(&old, &new);
    if let (Some(accept), Some(path)) = (&accept, &args.accept) {
        for stale in accept.apply(&mut changes) {
            eprintln!(
                "note: {} lists {stale}, where no breaking or dangerous change was found",
                path.display()
            );
        }
    }
    let report = Report::new(changes);
    match args.format {
        Format::Text => print!("{}", report.to_text()),
        Format::Json => print!("{}", report.to_json()),
    }

    let (fail_on, what) = match args.fail_on {
        FailOn::Breaking => (Criticality::Breaking, "breaking"),
        FailOn::Dangerous => (Criticality::Dangerous, "breaking or dangerous"),
    };
    match report.failures(fail_on) {
        0 => Ok(()),
        failures => Err(CliError::Refused(format!(
            "{failures} {what} change(s) from {} to {}{}",
            args.old,
            args.new,
            if args.accept.is_some() {
                " that the accept file does not list"
            } else {
                ""
            }
        ))),
    }
}
