//! Logging set-up: human-readable lines by default, JSON lines for machines.

use std::io::IsTerminal;
use std::sync::LazyLock;

use regex::Regex;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

/// Installs the global subscriber; the level comes from `RUST_LOG` (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // A second initialisation (tests) is harmless, so its error is ignored.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Email addresses and phone numbers in free text (such as a provider's error message), which
/// must not reach the logs.
static CONTACT_DETAILS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|\+?\d[\d ()-]{6,}\d")
        .unwrap_or_else(|_| unreachable!("the pattern is a constant"))
});

/// `text` with email addresses and phone numbers replaced by `[redacted]`.
pub fn redact_contact_details(text: &str) -> String {
    CONTACT_DETAILS.replace_all(text, "[redacted]").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_are_redacted() {
        assert_eq!(
            redact_contact_details("Twilio 21211: The 'To' number +1 (555) 010-9999 is not valid"),
            "Twilio 21211: The 'To' number [redacted] is not valid"
        );
        assert_eq!(
            redact_contact_details("SMTP 550 5.1.1 <jo.doe@example.com>: no such user"),
            "SMTP 550 5.1.1 <[redacted]>: no such user"
        );
        assert_eq!(
            redact_contact_details("SMTP 421 try later"),
            "SMTP 421 try later"
        );
    }
}
