//! Where settings come from: the environment and, when given, a TOML file, merged (the
//! environment wins). Unknown file keys are refused, so a typo never silently falls back to a
//! default.

use std::collections::BTreeMap;
use std::path::Path;

use super::ConfigError;
use super::settings::{SETTINGS, Setting};

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
}
