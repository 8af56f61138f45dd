//! A wrapper that keeps credentials out of logs and error messages.

use std::fmt;

/// A value whose Debug and Display print "***".
///
/// Settings hold credentials in this type so that printing a settings struct, or a struct that
/// contains one, cannot leak them; only [`Secret::expose`] gives the value, at the point of use
/// (an `Authorization` header, a MAC key).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The credential itself; call this only where it is sent to the provider.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("sk_test_123");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(secret.to_string(), "***");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Settings {
            key: Secret,
        }
        let printed = format!("{:?}", Settings { key: secret });
        assert!(!printed.contains("sk_test_123"), "{printed}");
    }

    #[test]
    fn expose_gives_the_value_however_it_was_made() {
        assert_eq!(Secret::new("a").expose(), "a");
        assert_eq!(Secret::from("b").expose(), "b");
        assert_eq!(Secret::from(String::from("c")).expose(), "c");
        assert_eq!(Secret::new("d").clone().expose(), "d");
    }
}
