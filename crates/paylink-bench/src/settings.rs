//! What a run measures and where: command-line arguments, each also readable from a `BENCH_*`
//! environment variable.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use serde::Serialize;

/// Settings of one run.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "paylink-bench",
    about = "Seeds a fresh database, serves it with paylink and drives load over HTTP; prints a \
             table and writes it as JSON. `make bench` runs it."
)]
pub(crate) struct Settings {
    /// The `paylink` binary to serve with (a release build).
    #[arg(long, env = "BENCH_SERVER", default_value = "target/release/paylink")]
    pub(crate) server: PathBuf,
    /// URL of a maintenance database of the PostgreSQL server, whose role may create databases.
    #[arg(long, env = "BENCH_ADMIN_DATABASE_URL")]
    pub(crate) admin_url: String,
    /// Name of the database made afresh (dropped first) for the run.
    #[arg(long, env = "BENCH_DATABASE", default_value = "paylink_bench")]
    pub(crate) database: String,
    /// Seconds measured per scenario and concurrency, after the warm-up.
    #[arg(long, env = "BENCH_DURATION_SECS", default_value_t = 4.0)]
    pub(crate) duration_secs: f64,
    /// Seconds of load before each measurement, not counted.
    #[arg(long, env = "BENCH_WARMUP_SECS", default_value_t = 1.0)]
    pub(crate) warmup_secs: f64,
    /// Concurrencies (requests in flight at once), comma-separated.
    #[arg(
        long,
        env = "BENCH_CONCURRENCY",
        value_delimiter = ',',
        default_value = "1,8,32,64"
    )]
    pub(crate) concurrency: Vec<usize>,
    /// Payment links seeded.
    #[arg(long, env = "BENCH_LINKS", default_value_t = 100_000)]
    pub(crate) links: u32,
    /// Payments seeded, spread over the merchants as the links are (95 % for the first).
    #[arg(long, env = "BENCH_PAYMENTS", default_value_t = 100_000)]
    pub(crate) payments: u32,
    /// Merchants seeded; the first holds 95 % of the links, the others share the rest.
    #[arg(long, env = "BENCH_MERCHANTS", default_value_t = 20)]
    pub(crate) merchants: u32,
    /// The server's `PAYLINK_DB_POOL_SIZE`; default twice the number of cores.
    #[arg(long, env = "BENCH_POOL_SIZE")]
    pub(crate) pool_size: Option<u32>,
    /// Where the JSON results are written.
    #[arg(
        long,
        env = "BENCH_OUTPUT",
        default_value = "target/bench/results.json"
    )]
    pub(crate) output: PathBuf,
    /// Only these scenarios (ids as the table prints them, comma-separated); all by default.
    #[arg(long, env = "BENCH_SCENARIOS", value_delimiter = ',')]
    pub(crate) scenarios: Vec<String>,
}

impl Settings {
    /// Checks the values that clap cannot.
    pub(crate) fn check(&self) -> Result<(), String> {
        if !(self.duration_secs > 0.0 && self.duration_secs.is_finite()) {
            return Err("BENCH_DURATION_SECS must be a positive number of seconds".into());
        }
        if !(self.warmup_secs >= 0.0 && self.warmup_secs.is_finite()) {
            return Err("BENCH_WARMUP_SECS must be zero or more seconds".into());
        }
        if self.concurrency.is_empty() || self.concurrency.contains(&0) {
            return Err("BENCH_CONCURRENCY must list concurrencies of 1 or more".into());
        }
        if self.merchants == 0 || self.links < 100 {
            return Err("BENCH_MERCHANTS must be 1 or more and BENCH_LINKS 100 or more".into());
        }
        if self.pool_size == Some(0) {
            return Err("BENCH_POOL_SIZE must be 1 or more".into());
        }
        if !self
            .database
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err("BENCH_DATABASE must be letters, digits and _".into());
        }
        Ok(())
    }

    /// The measured time of one point.
    pub(crate) fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration_secs)
    }

    /// The warm-up before each point.
    pub(crate) fn warmup(&self) -> Duration {
        Duration::from_secs_f64(self.warmup_secs)
    }

    /// The server's pool size.
    pub(crate) fn pool_size(&self, cores: usize) -> u32 {
        self.pool_size
            .unwrap_or_else(|| u32::try_from(cores * 2).unwrap_or(u32::MAX))
    }

    /// Whether the scenario with this id is to run.
    pub(crate) fn wants(&self, scenario: &str) -> bool {
        self.scenarios.is_empty() || self.scenarios.iter().any(|s| s.trim() == scenario)
    }

    /// The scenarios to run: all of them in their order, or those `BENCH_SCENARIOS` names, in
    /// its order (a repeated id runs again, for checking that order does not matter).
    pub(crate) fn pick<T: Clone>(&self, all: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<T> {
        if self.scenarios.is_empty() {
            return all;
        }
        self.scenarios
            .iter()
            .filter_map(|wanted| all.iter().find(|s| id(s) == wanted.trim()).cloned())
            .collect()
    }

    /// The settings as recorded with the results (no database URL: it may hold a password).
    pub(crate) fn record(&self, cores: usize) -> RecordedSettings {
        RecordedSettings {
            duration_secs: self.duration_secs,
            warmup_secs: self.warmup_secs,
            concurrency: self.concurrency.clone(),
            links: self.links,
            payments: self.payments,
            merchants: self.merchants,
            pool_size: self.pool_size(cores),
            database: self.database.clone(),
            scenarios: self.scenarios.clone(),
        }
    }
}

/// The settings of a run as the JSON results show them.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RecordedSettings {
    /// `BENCH_DURATION_SECS`.
    pub(crate) duration_secs: f64,
    /// `BENCH_WARMUP_SECS`.
    pub(crate) warmup_secs: f64,
    /// `BENCH_CONCURRENCY`.
    pub(crate) concurrency: Vec<usize>,
    /// `BENCH_LINKS`.
    pub(crate) links: u32,
    /// `BENCH_PAYMENTS`.
    pub(crate) payments: u32,
    /// `BENCH_MERCHANTS`.
    pub(crate) merchants: u32,
    /// The server's pool size.
    pub(crate) pool_size: u32,
    /// `BENCH_DATABASE`.
    pub(crate) database: String,
    /// `BENCH_SCENARIOS` (empty: all).
    pub(crate) scenarios: Vec<String>,
}
