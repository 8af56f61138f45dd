//! The `paylink` binary: see `paylink --help`.

use std::process::ExitCode;

use clap::Parser;

// Under load glibc malloc took a fifth of the server's CPU (`make bench`, perf): requests
// allocate on async workers and free on blocking database threads, which its arenas handle
// poorly. jemalloc cut the server's CPU per request by about a seventh; mimalloc did as well but
// grew the RSS with every thread (80 MiB against jemalloc's 28 at 128 clients).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
