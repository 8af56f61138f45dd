//! The command line: `serve`, `migrate`, merchant and key administration, the schema commands
//! (print, check, diff) and the development set-up used by `make run`.

mod admin;
mod dev;
mod schema;

use clap::{Parser, Subcommand};
use paylink_store::{PoolSettings, Store, StoreError};

use crate::config::{Config, ConfigError};
use crate::server::{self, Server};
use crate::telemetry::LogFormat;

pub use schema::{DiffArgs, FailOn, Format, SchemaCommand};

/// paylink: a GraphQL gateway for payment links. Configuration comes from environment
/// variables and, optionally, a TOML file (see the README); `DATABASE_URL` is required by every
/// command that uses the database.
#[derive(Debug, Parser)]
#[command(name = "paylink", version, about)]
pub struct Cli {
    /// How log lines are written.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// A TOML file of settings (keys as in the README); environment variables override it.
    #[arg(long, global = true, env = "PAYLINK_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of the binary.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (applies pending migrations first unless --no-migrate).
    Serve {
        /// Do not apply pending migrations at start; refuse to start if any are pending.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Manage merchants.
    #[command(subcommand)]
    Merchant(admin::MerchantCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(admin::KeyCommand),
    /// Work with the GraphQL schema.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Development helpers.
    #[command(subcommand)]
    Dev(dev::DevCommand),
    /// Work with the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// Configuration commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print the effective settings, secrets redacted.
    Check,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A setting is missing or malformed.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// The database refused or failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A file or socket failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The command cannot do what was asked.
    #[error("{0}")]
    Refused(String),
    /// An input of the command (such as a side of `schema diff`) cannot be read.
    #[error("{0}")]
    Unreadable(String),
}

impl CliError {
    /// The process's exit status for this error: 2 when an input cannot be read, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Unreadable(_) => 2,
            _ => 1,
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve { no_migrate } => serve(cli.config.as_deref(), !no_migrate),
        Command::Config(ConfigCommand::Check) => config_check(cli.config.as_deref()),
        Command::Migrate => {
            let store = database_store(cli.config.as_deref())?;
            let applied = block_on(store.apply_migrations())??;
            if applied.is_empty() {
                println!("database is up to date");
            }
            for version in applied {
                println!("applied {version}");
            }
            Ok(())
        }
        Command::Merchant(command) => {
            admin::merchant(&database_store(cli.config.as_deref())?, command)
        }
        Command::Key(command) => admin::key(&database_store(cli.config.as_deref())?, command),
        Command::Schema(command) => schema::run(command),
        Command::Dev(command) => dev::run(command, cli.config.as_deref()),
    }
}

/// Runs one store operation for a command that is otherwise synchronous.
fn block_on<F: std::future::Future>(work: F) -> std::io::Result<F::Output> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(work))
}

/// A store for the administrative commands, from `DATABASE_URL` in the environment or `file`.
/// They run one statement at a time, so they open few connections whatever the server's
/// `PAYLINK_DB_POOL_SIZE`.
fn database_store(file: Option<&std::path::Path>) -> Result<Store, CliError> {
    let url = crate::config::load_database_url(file)?;
    Ok(Store::new(
        url.expose(),
        &PoolSettings {
            max_size: 2,
            ..PoolSettings::default()
        },
    )?)
}

fn config_check(file: Option<&std::path::Path>) -> Result<(), CliError> {
    Config::load(file)?;
    let sources = crate::config::sources::Sources::load(file)?;
    for setting in crate::config::settings::SETTINGS {
        let (value, source) = sources.get(setting.env);
        let shown = match (&value, setting.secret) {
            (Some(_), true) => "***".to_owned(),
            (Some(value), false) => value.clone(),
            (None, _) if setting.default.is_empty() => "(unset)".to_owned(),
            (None, _) => setting.default.to_owned(),
        };
        let source = match source {
            crate::config::sources::Source::Environment => "environment",
            crate::config::sources::Source::File => "config file",
            crate::config::sources::Source::Default => "default",
        };
        println!(
            "{} = {shown}    # {}, from {source}",
            setting.file_key(),
            setting.env
        );
    }
    println!("configuration is valid");
    Ok(())
}

fn serve(file: Option<&std::path::Path>, migrate: bool) -> Result<(), CliError> {
    let config = Config::load(file)?;
    let store = Store::new(
        config.database_url.expose(),
        &server::pool_settings(&config),
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if migrate {
        for version in runtime.block_on(store.apply_migrations())? {
            tracing::info!(version, "applied migration");
        }
    } else {
        let pending = runtime.block_on(store.pending_migrations())?;
        if !pending.is_empty() {
            return Err(CliError::Refused(format!(
                "{} migration(s) pending ({}); run `paylink migrate` or start without --no-migrate",
                pending.len(),
                pending.join(", ")
            )));
        }
    }
    runtime.block_on(async {
        let server = Server::bind(&config, store).await?;
        tracing::info!(address = %server.local_addr()?, "serving GraphQL at /graphql and /, GraphiQL to browsers there");
        server.run(server::shutdown_signal()).await
    })?;
    Ok(())
}
