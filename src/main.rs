//! The `paylink` binary: see `paylink --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = paylink::cli::Cli::parse();
    // TLS to SMTP servers and Twilio uses rustls with the ring provider, chosen at start.
    paylink_notify::install_crypto_provider();
    paylink::telemetry::init(cli.log_format);
    match paylink::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
