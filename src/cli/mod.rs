//! The command line: `serve`, `migrate`, merchant and key administration, schema printing and the
//! development set-up used by `make run`.

mod admin;
mod dev;

use clap::{Parser, Subcommand};
use paylink_store::{PoolSettings, Store, StoreError, migrations};

use crate::config::{Config, ConfigError};
use crate::server::{self, Server};
use crate::telemetry::LogFormat;

/// paylink: a GraphQL gateway for payment links. Configuration comes from environment
/// variables (see the README); `DATABASE_URL` is required by every command that uses the database.
#[derive(Debug, Parser)]
#[command(name = "paylink", version, about)]
pub struct Cli {
    /// How log lines are written.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
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
}

/// Schema commands.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print the served schema as SDL.
    Print,
    /// Check that the served schema equals the SDL in a folder, type by type; exit 1 if not.
    Check {
        /// The folder of `.graphql` files that is the contract.
        #[arg(long, default_value = "schema")]
        dir: std::path::PathBuf,
    },
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
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve { no_migrate } => serve(!no_migrate),
        Command::Migrate => {
            let store = database_store()?;
            let applied = store.run_sync(migrations::run_pending)?;
            if applied.is_empty() {
                println!("database is up to date");
            }
            for version in applied {
                println!("applied {version}");
            }
            Ok(())
        }
        Command::Merchant(command) => admin::merchant(&database_store()?, command),
        Command::Key(command) => admin::key(&database_store()?, command),
        Command::Schema(SchemaCommand::Print) => {
            print!("{}", crate::graphql::schema().as_sdl());
            Ok(())
        }
        Command::Schema(SchemaCommand::Check { dir }) => schema_check(&dir),
        Command::Dev(command) => dev::run(command),
    }
}

/// A store for `DATABASE_URL` alone, for the administrative commands.
fn database_store() -> Result<Store, CliError> {
    let url = crate::config::database_url(std::env::var("DATABASE_URL").ok())?;
    Ok(Store::new(
        &url,
        &PoolSettings {
            max_size: 2,
            ..PoolSettings::default()
        },
    )?)
}

fn schema_check(dir: &std::path::Path) -> Result<(), CliError> {
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

fn serve(migrate: bool) -> Result<(), CliError> {
    let config = Config::from_env()?;
    let store = Store::new(
        config.database_url.expose(),
        &server::pool_settings(&config),
    )?;
    if migrate {
        for version in store.run_sync(migrations::run_pending)? {
            tracing::info!(version, "applied migration");
        }
    } else {
        let pending = store.run_sync(migrations::pending)?;
        if !pending.is_empty() {
            return Err(CliError::Refused(format!(
                "{} migration(s) pending ({}); run `paylink migrate` or start without --no-migrate",
                pending.len(),
                pending.join(", ")
            )));
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = Server::bind(&config, store).await?;
        tracing::info!(address = %server.local_addr()?, "serving GraphQL at /graphql");
        server.run(server::shutdown_signal()).await
    })?;
    Ok(())
}
