//! Every setting: its environment variable, its key in the TOML file, its default and whether
//! it is a secret. The file and the environment are merged here (the environment wins) and
//! unknown file keys are refused, so a typo never silently falls back to a default.

use std::collections::BTreeMap;
use std::path::Path;

use super::ConfigError;

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Environment variable.
    pub env: &'static str,
    /// Default, as text; empty when there is none.
    pub default: &'static str,
    /// Whether the value must never be printed.
    pub secret: bool,
}

impl Setting {
    /// The key in the TOML file: the variable without `PAYLINK_`, in lower case.
    pub fn file_key(&self) -> String {
        self.env.trim_start_matches("PAYLINK_").to_ascii_lowercase()
    }
}

const fn setting(env: &'static str, default: &'static str) -> Setting {
    Setting {
        env,
        default,
        secret: false,
    }
}

const fn secret(env: &'static str) -> Setting {
    Setting {
        env,
        default: "",
        secret: true,
    }
}

/// Every setting the service reads (the README's configuration table lists the same).
pub const SETTINGS: &[Setting] = &[
    secret("DATABASE_URL"),
    setting("PAYLINK_LISTEN", super::DEFAULT_LISTEN),
    setting(
        "PAYLINK_PUBLIC_LINK_BASE_URL",
        super::DEFAULT_PUBLIC_LINK_BASE_URL,
    ),
    setting(
        "PAYLINK_PUBLIC_SESSION_BASE_URL",
        super::DEFAULT_PUBLIC_SESSION_BASE_URL,
    ),
    setting("PAYLINK_DB_POOL_SIZE", "10"),
    setting("PAYLINK_MAX_BODY_BYTES", "1048576"),
    setting("PAYLINK_MAX_VARIABLES_BYTES", "65536"),
    setting("PAYLINK_MAX_QUERY_DEPTH", "15"),
    setting("PAYLINK_MAX_QUERY_FIELDS", "500"),
    setting("PAYLINK_MAX_QUERY_TOKENS", "5000"),
    setting("PAYLINK_MAX_BATCH_SIZE", "10"),
    setting("PAYLINK_INTROSPECTION", "true"),
    setting("PAYLINK_GRAPHIQL", "true"),
    setting("PAYLINK_PERSISTED_OPERATIONS", ""),
    setting("PAYLINK_CORS_ORIGINS", ""),
    setting("PAYLINK_TRUSTED_PROXIES", ""),
    setting("PAYLINK_RATE_LIMIT_PER_SECOND", "50"),
    setting("PAYLINK_RATE_LIMIT_BURST", "100"),
    setting("PAYLINK_SHUTDOWN_GRACE_SECS", "10"),
    setting("PAYLINK_IDEMPOTENCY_TTL_SECS", "86400"),
    setting("PAYLINK_API_KEY_CACHE_SECS", "30"),
    secret("PAYLINK_SMTP_URL"),
    setting("PAYLINK_EMAIL_FROM", super::delivery::DEFAULT_EMAIL_FROM),
    setting("PAYLINK_EMAIL_DIR", super::delivery::DEFAULT_EMAIL_DIR),
    setting("PAYLINK_SMS_PROVIDER", "file"),
    setting("PAYLINK_SMS_FILE", super::delivery::DEFAULT_SMS_FILE),
    setting("PAYLINK_TWILIO_BASE_URL", "https://api.twilio.com"),
    setting("PAYLINK_TWILIO_ACCOUNT_SID", ""),
    secret("PAYLINK_TWILIO_AUTH_TOKEN"),
    setting("PAYLINK_TWILIO_FROM", ""),
    setting("PAYLINK_TWILIO_MESSAGING_SERVICE_SID", ""),
    setting("PAYLINK_DELIVERY_TIMEOUT_MS", "15000"),
    setting("PAYLINK_DELIVERY_MAX_ATTEMPTS", "12"),
    setting("PAYLINK_DELIVERY_MAX_AGE_SECS", "3600"),
    setting("PAYLINK_DELIVERY_RETRY_BASE_MS", "5000"),
    setting("PAYLINK_DELIVERY_RETRY_MAX_MS", "600000"),
    setting("PAYLINK_DELIVERY_LEASE_SECS", "60"),
    setting("PAYLINK_DELIVERY_POLL_MS", "1000"),
];

/// Where a setting's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The environment.
    Environment,
    /// The TOML file.
    File,
    /// Nothing set it.
    Default,
}

/// The TOML file's values (as text) and the environment, merged.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    file: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
}

impl Sources {
    /// The process environment and, when given, the TOML file.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env = SETTINGS
            .iter()
            .filter_map(|s| std::env::var(s.env).ok().map(|v| (s.env.to_owned(), v)))
            .collect();
        let file = match file {
            Some(path) => read_file(path)?,
            None => BTreeMap::new(),
        };
        Ok(Self { file, env })
    }

    /// Sources from explicit maps, for tests.
    pub fn from_maps(file: BTreeMap<String, String>, env: BTreeMap<String, String>) -> Self {
        Self { file, env }
    }

    /// The value of the setting named by its environment variable, and where it came from.
    pub fn get(&self, env: &str) -> (Option<String>, Source) {
        if let Some(value) = self.env.get(env).filter(|v| !v.trim().is_empty()) {
            return (Some(value.clone()), Source::Environment);
        }
        let key = env.trim_start_matches("PAYLINK_").to_ascii_lowercase();
        match self.file.get(&key) {
            Some(value) => (Some(value.clone()), Source::File),
            None => (None, Source::Default),
        }
    }
}

/// Reads a flat TOML file of `key = value` settings.
fn read_file(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let error = |message: String| ConfigError {
        variable: "--config",
        message,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| error(format!("cannot read {}: {e}", path.display())))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| error(format!("{} is not valid TOML: {e}", path.display())))?;
    let known: Vec<String> = SETTINGS.iter().map(Setting::file_key).collect();
    let mut values = BTreeMap::new();
    for (key, value) in table {
        if !known.contains(&key) {
            return Err(error(format!(
                "{}: unknown setting {key:?}; the settings are {}",
                path.display(),
                known.join(", ")
            )));
        }
        let text = match value {
            toml::Value::String(text) => text,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(text) => Ok(text.clone()),
                    other => Err(error(format!(
                        "{key}: list items must be strings, not {other}"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(","),
            other => {
                return Err(error(format!(
                    "{key}: must be a string, a number or a boolean, not {other}"
                )));
            }
        };
        values.insert(key, text);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_wins_over_the_file() {
        let sources = Sources::from_maps(
            BTreeMap::from([("listen".into(), "0.0.0.0:1".into())]),
            BTreeMap::from([("PAYLINK_LISTEN".into(), "127.0.0.1:2".into())]),
        );
        assert_eq!(
            sources.get("PAYLINK_LISTEN"),
            (Some("127.0.0.1:2".into()), Source::Environment)
        );
        let sources = Sources::from_maps(
            BTreeMap::from([("listen".into(), "0.0.0.0:1".into())]),
            BTreeMap::new(),
        );
        assert_eq!(
            sources.get("PAYLINK_LISTEN"),
            (Some("0.0.0.0:1".into()), Source::File)
        );
        assert_eq!(sources.get("PAYLINK_DB_POOL_SIZE"), (None, Source::Default));
    }

    #[test]
    fn files_with_unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("paylink-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\nlisten_adress = \"x\"\n").unwrap();
        let error = read_file(&path).unwrap_err();
        assert!(error.message.contains("listen_adress"), "{error}");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\ndb_pool_size = 4\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n").unwrap();
        let values = read_file(&path).unwrap();
        assert_eq!(values["db_pool_size"], "4");
        assert_eq!(values["trusted_proxies"], "10.0.0.0/8,::1");
    }

    #[test]
    fn file_keys_drop_the_prefix() {
        assert_eq!(setting("PAYLINK_SMTP_URL", "").file_key(), "smtp_url");
        assert_eq!(secret("DATABASE_URL").file_key(), "database_url");
    }
}
