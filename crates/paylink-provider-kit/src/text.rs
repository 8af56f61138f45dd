//! The text of an error as a provider client may store and show it: one line, bounded, and
//! without the credentials, whatever a server or a library put in it.

/// Longest reason kept from a provider's reply or a library's error: enough for any real
/// explanation, short enough for a stored error column and a merchant's screen.
pub const MAX_REASON_CHARS: usize = 500;

/// The messages of an error and its sources, joined by `": "`, without repeating a message
/// that merely wraps the next one (reqwest and hyper nest several layers).
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(error) = current {
        let text = error.to_string();
        if !text.is_empty() && !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        current = error.source();
    }
    parts.join(": ")
}

/// Puts text on one line (every run of white space becomes one space) and caps it at
/// [`MAX_REASON_CHARS`] characters, marking a cut with `…`.
pub fn tidy(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(MAX_REASON_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

/// Replaces every occurrence of a secret with `***` in text that came from elsewhere (a
/// server's reply, a library's error), as a last line of defence for what ends up in errors and
/// logs. Empty secrets are skipped.
pub fn redact(text: String, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(text, |text, secret| {
            if text.contains(secret) {
                text.replace(secret, "***")
            } else {
                text
            }
        })
}

/// [`tidy`] then [`redact`]: one line, bounded, and never one of `secrets`.
pub fn clean(text: &str, secrets: &[&str]) -> String {
    redact(tidy(text), secrets)
}

#[cfg(test)]
mod tests {
    use std::{error::Error, fmt};

    use super::*;

    /// An error with a message and an optional source.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1
                .as_deref()
                .map(|layer| layer as &(dyn Error + 'static))
        }
    }

    fn layers(messages: &[&'static str]) -> Layer {
        let (last, outer) = messages.split_last().expect("one message at least");
        outer
            .iter()
            .rev()
            .fold(Layer(last, None), |inner, message| {
                Layer(message, Some(Box::new(inner)))
            })
    }

    #[test]
    fn chain_joins_the_sources_and_skips_repeats_and_empty_messages() {
        let error = layers(&[
            "error sending request",
            "",
            "client error (Connect): dns error",
            "dns error",
            "no such host",
        ]);
        assert_eq!(
            chain(&error),
            "error sending request: client error (Connect): dns error: no such host"
        );
        assert_eq!(chain(&layers(&["alone"])), "alone");
    }

    #[test]
    fn tidy_puts_text_on_one_line() {
        assert_eq!(tidy("  a\n\tb   c \r\n"), "a b c");
        assert_eq!(tidy(""), "");
    }

    #[test]
    fn tidy_caps_the_length_in_characters() {
        let exact = "é".repeat(MAX_REASON_CHARS);
        assert_eq!(tidy(&exact), exact);
        let long = "é".repeat(MAX_REASON_CHARS + 1);
        let tidied = tidy(&long);
        assert_eq!(tidied.chars().count(), MAX_REASON_CHARS + 1);
        assert!(tidied.ends_with("é…"), "{tidied}");
    }

    #[test]
    fn redact_replaces_every_secret_and_ignores_empty_ones() {
        assert_eq!(
            redact("key sk_1 and sk_1, token t0k".into(), &["sk_1", "", "t0k"]),
            "key *** and ***, token ***"
        );
        assert_eq!(redact("nothing here".into(), &[""]), "nothing here");
    }

    #[test]
    fn clean_tidies_then_redacts() {
        assert_eq!(
            clean("Unauthorized:\n  bad token\tabc123", &["abc123"]),
            "Unauthorized: bad token ***"
        );
    }
}
