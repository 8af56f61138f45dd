//! The `paylink` binary: see `paylink --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = paylink::cli::Cli::parse();
    paylink::telemetry::init(cli.log_format);
    match paylink::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
