//! `paylink-bench`: the load benchmark behind `make bench`.
//!
//! It makes a fresh database, migrates and seeds it, measures the database's own ceiling for the
//! first page, starts `paylink serve` (a release build) as a child process with SMS going to a
//! local Twilio stand-in, drives each scenario over HTTP at each concurrency with a closed-loop
//! load generator, and prints a table (also written as JSON) with the targets checked.
//! See the README's "Benchmarks" section for what it measures and how to configure it.

mod ceiling;
mod cpu;
mod database;
mod http_client;
mod load;
mod machine;
mod measure;
mod pgbench;
mod report;
mod row;
mod run;
mod scenarios;
mod seed;
mod server;
mod settings;
mod sms_endpoint;
mod targets;

use std::process::ExitCode;

use clap::Parser;

/// The result of a step that may fail for any reason worth showing to the person running it.
pub(crate) type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> ExitCode {
    let settings = settings::Settings::parse();
    if let Err(message) = settings.check() {
        eprintln!("paylink-bench: {message}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("paylink-bench: no runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match run::run(&settings, &runtime) {
        Ok(run::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(run::Outcome::Errors) => {
            eprintln!("paylink-bench: some requests failed (see the errors column)");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("paylink-bench: {error}");
            ExitCode::FAILURE
        }
    }
}
