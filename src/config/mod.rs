//! Server configuration, read from environment variables and checked at start-up.
//!
//! Every error names the variable at fault, so an operator can fix it without reading code.

pub mod delivery;

use std::net::SocketAddr;

pub use paylink_notify::Secret;
use url::Url;

pub use delivery::DeliveryConfig;

/// Default address the server listens on.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default base of public payment-link URLs, right for local development.
pub const DEFAULT_PUBLIC_LINK_BASE_URL: &str = "http://127.0.0.1:8080/pay";
/// Default base of public payment-plan session URLs, right for local development.
pub const DEFAULT_PUBLIC_SESSION_BASE_URL: &str = "http://127.0.0.1:8080/plan";
/// Default number of database connections.
pub const DEFAULT_POOL_SIZE: u32 = 10;
/// Default largest request body, in bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// What `paylink serve` needs to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// PostgreSQL connection URL (`DATABASE_URL`).
    pub database_url: Secret,
    /// Address to listen on (`PAYLINK_LISTEN`).
    pub listen: SocketAddr,
    /// Base of public payment-link URLs, without a trailing slash (`PAYLINK_PUBLIC_LINK_BASE_URL`).
    pub public_link_base_url: String,
    /// Base of public payment-plan session URLs, without a trailing slash
    /// (`PAYLINK_PUBLIC_SESSION_BASE_URL`).
    pub public_session_base_url: String,
    /// Most database connections (`PAYLINK_DB_POOL_SIZE`).
    pub pool_size: u32,
    /// Largest request body accepted, in bytes (`PAYLINK_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// Email, SMS and the dispatcher.
    pub delivery: DeliveryConfig,
}

/// A setting that is missing or malformed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
        Ok(Self {
            database_url: Secret::new(database_url(get("DATABASE_URL"))?),
            listen: parse("PAYLINK_LISTEN", get("PAYLINK_LISTEN"), DEFAULT_LISTEN)?,
            public_link_base_url: base_url(
                "PAYLINK_PUBLIC_LINK_BASE_URL",
                get("PAYLINK_PUBLIC_LINK_BASE_URL"),
                DEFAULT_PUBLIC_LINK_BASE_URL,
            )?,
            public_session_base_url: base_url(
                "PAYLINK_PUBLIC_SESSION_BASE_URL",
                get("PAYLINK_PUBLIC_SESSION_BASE_URL"),
                DEFAULT_PUBLIC_SESSION_BASE_URL,
            )?,
            pool_size: in_range(
                "PAYLINK_DB_POOL_SIZE",
                get("PAYLINK_DB_POOL_SIZE"),
                DEFAULT_POOL_SIZE,
                1..=1000,
            )?,
            max_body_bytes: in_range(
                "PAYLINK_MAX_BODY_BYTES",
                get("PAYLINK_MAX_BODY_BYTES"),
                DEFAULT_MAX_BODY_BYTES,
                1024..=64 * 1024 * 1024,
            )?,
            delivery: DeliveryConfig::from_lookup(&get)?,
        })
    }
}

/// Checks `DATABASE_URL`, which is required.
pub fn database_url(value: Option<String>) -> Result<String, ConfigError> {
    let value = value.ok_or(ConfigError {
        variable: "DATABASE_URL",
        message:
            "is not set; give a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/paylink"
                .into(),
    })?;
    match Url::parse(&value) {
        Ok(url) if matches!(url.scheme(), "postgres" | "postgresql") => Ok(value),
        _ => Err(ConfigError {
            variable: "DATABASE_URL",
            message: "must be a postgres:// or postgresql:// URL".into(),
        }),
    }
}

pub(crate) fn parse<T: std::str::FromStr>(
    variable: &'static str,
    value: Option<String>,
    default: &str,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let value = value.unwrap_or_else(|| default.to_owned());
    value.trim().parse().map_err(|e| ConfigError {
        variable,
        message: format!("cannot parse {value:?}: {e}"),
    })
}

pub(crate) fn in_range<T>(
    variable: &'static str,
    value: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(value) = value else {
        return Ok(default);
    };
    match value.trim().parse::<T>() {
        Ok(parsed) if range.contains(&parsed) => Ok(parsed),
        _ => Err(ConfigError {
            variable,
            message: format!(
                "must be a whole number from {} to {}, not {value:?}",
                range.start(),
                range.end()
            ),
        }),
    }
}

fn base_url(
    variable: &'static str,
    value: Option<String>,
    default: &str,
) -> Result<String, ConfigError> {
    let value = value.unwrap_or_else(|| default.to_owned());
    match Url::parse(&value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            if url.query().is_some() || url.fragment().is_some() {
                return Err(ConfigError {
                    variable,
                    message: "must not have a query or fragment".into(),
                });
            }
            Ok(value.trim_end_matches('/').to_owned())
        }
        _ => Err(ConfigError {
            variable,
            message: format!("must be an absolute http(s) URL, not {value:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://u:pw@localhost/paylink");

    #[test]
    fn defaults_apply_when_only_the_database_is_given() {
        let config = config(&[DB]).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.public_link_base_url, DEFAULT_PUBLIC_LINK_BASE_URL);
        assert_eq!(config.pool_size, DEFAULT_POOL_SIZE);
        assert_eq!(config.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
    }

    #[test]
    fn each_error_names_its_variable() {
        assert_eq!(config(&[]).unwrap_err().variable, "DATABASE_URL");
        assert_eq!(
            config(&[("DATABASE_URL", "mysql://x")])
                .unwrap_err()
                .variable,
            "DATABASE_URL"
        );
        for (variable, bad) in [
            ("PAYLINK_LISTEN", "localhost"),
            ("PAYLINK_PUBLIC_LINK_BASE_URL", "ftp://x"),
            ("PAYLINK_PUBLIC_LINK_BASE_URL", "/relative"),
            ("PAYLINK_DB_POOL_SIZE", "0"),
            ("PAYLINK_DB_POOL_SIZE", "ten"),
            ("PAYLINK_MAX_BODY_BYTES", "12"),
        ] {
            let error = config(&[DB, (variable, bad)]).unwrap_err();
            assert_eq!(error.variable, variable, "{bad}");
            assert!(error.to_string().starts_with(variable));
        }
    }

    #[test]
    fn base_url_loses_its_trailing_slash() {
        let config = config(&[
            DB,
            ("PAYLINK_PUBLIC_LINK_BASE_URL", "https://pay.example.com/l/"),
        ]);
        assert_eq!(
            config.unwrap().public_link_base_url,
            "https://pay.example.com/l"
        );
    }

    #[test]
    fn debug_output_hides_the_database_url() {
        let debug = format!("{:?}", config(&[DB]).unwrap());
        assert!(!debug.contains("pw"), "{debug}");
    }
}
