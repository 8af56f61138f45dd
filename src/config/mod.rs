//! Server configuration, read from environment variables and checked at start-up.
//!
//! Every error names the variable at fault, so an operator can fix it without reading code.

pub mod delivery;
pub mod settings;

use std::net::SocketAddr;
use std::time::Duration;

use ipnet::IpNet;

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
    /// Largest `variables` object of one request, in bytes of JSON (`PAYLINK_MAX_VARIABLES_BYTES`).
    pub max_variables_bytes: usize,
    /// Document limits enforced before execution.
    pub query_limits: QueryLimits,
    /// Most operations in one batched request (`PAYLINK_MAX_BATCH_SIZE`); 1 refuses batches.
    pub max_batch_size: usize,
    /// Whether introspection queries are answered (`PAYLINK_INTROSPECTION`).
    pub introspection: bool,
    /// Whether browsers get GraphiQL at GET /graphql and the files it loads under /graphiql/
    /// (`PAYLINK_GRAPHIQL`).
    pub graphiql: bool,
    /// Peers whose `X-Forwarded-For` is believed (`PAYLINK_TRUSTED_PROXIES`, comma-separated
    /// addresses or CIDR ranges).
    pub trusted_proxies: Vec<IpNet>,
    /// Requests each API key may make (`PAYLINK_RATE_LIMIT_PER_SECOND`, `PAYLINK_RATE_LIMIT_BURST`).
    pub rate_limit: RateLimit,
    /// How long in-flight work may run on after a stop signal (`PAYLINK_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace: Duration,
    /// How long an `Idempotency-Key` is remembered (`PAYLINK_IDEMPOTENCY_TTL_SECS`).
    pub idempotency_ttl: Duration,
    /// How long a resolved API key is trusted without asking the database again, so also how
    /// long a revoked key may keep working (`PAYLINK_API_KEY_CACHE_SECS`; 0 turns it off).
    pub api_key_cache_ttl: Duration,
    /// Email, SMS and the dispatcher.
    pub delivery: DeliveryConfig,
}

/// Limits on a GraphQL document, checked while it is parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryLimits {
    /// Deepest nesting of selections (`PAYLINK_MAX_QUERY_DEPTH`).
    pub depth: usize,
    /// Most fields, fragment spreads expanded (`PAYLINK_MAX_QUERY_FIELDS`).
    pub fields: usize,
    /// Most tokens (`PAYLINK_MAX_QUERY_TOKENS`).
    pub tokens: usize,
}

/// A token bucket per API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second; 0 turns the limit off.
    pub per_second: u32,
    /// Requests allowed in a burst.
    pub burst: u32,
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
            max_variables_bytes: in_range(
                "PAYLINK_MAX_VARIABLES_BYTES",
                get("PAYLINK_MAX_VARIABLES_BYTES"),
                64 * 1024,
                64..=16 * 1024 * 1024,
            )?,
            query_limits: QueryLimits {
                depth: in_range(
                    "PAYLINK_MAX_QUERY_DEPTH",
                    get("PAYLINK_MAX_QUERY_DEPTH"),
                    15,
                    2..=200,
                )?,
                fields: in_range(
                    "PAYLINK_MAX_QUERY_FIELDS",
                    get("PAYLINK_MAX_QUERY_FIELDS"),
                    500,
                    1..=100_000,
                )?,
                tokens: in_range(
                    "PAYLINK_MAX_QUERY_TOKENS",
                    get("PAYLINK_MAX_QUERY_TOKENS"),
                    5000,
                    10..=1_000_000,
                )?,
            },
            max_batch_size: in_range(
                "PAYLINK_MAX_BATCH_SIZE",
                get("PAYLINK_MAX_BATCH_SIZE"),
                10,
                1..=1000,
            )?,
            introspection: boolean("PAYLINK_INTROSPECTION", get("PAYLINK_INTROSPECTION"), true)?,
            graphiql: boolean("PAYLINK_GRAPHIQL", get("PAYLINK_GRAPHIQL"), true)?,
            trusted_proxies: networks("PAYLINK_TRUSTED_PROXIES", get("PAYLINK_TRUSTED_PROXIES"))?,
            rate_limit: RateLimit {
                per_second: in_range(
                    "PAYLINK_RATE_LIMIT_PER_SECOND",
                    get("PAYLINK_RATE_LIMIT_PER_SECOND"),
                    50,
                    0..=1_000_000,
                )?,
                burst: in_range(
                    "PAYLINK_RATE_LIMIT_BURST",
                    get("PAYLINK_RATE_LIMIT_BURST"),
                    100,
                    1..=1_000_000,
                )?,
            },
            shutdown_grace: Duration::from_secs(in_range(
                "PAYLINK_SHUTDOWN_GRACE_SECS",
                get("PAYLINK_SHUTDOWN_GRACE_SECS"),
                10,
                0..=3600,
            )?),
            idempotency_ttl: Duration::from_secs(in_range(
                "PAYLINK_IDEMPOTENCY_TTL_SECS",
                get("PAYLINK_IDEMPOTENCY_TTL_SECS"),
                24 * 3600,
                60..=30 * 24 * 3600,
            )?),
            api_key_cache_ttl: Duration::from_secs(in_range(
                "PAYLINK_API_KEY_CACHE_SECS",
                get("PAYLINK_API_KEY_CACHE_SECS"),
                30,
                0..=3600,
            )?),
            delivery: DeliveryConfig::from_lookup(&get)?,
        })
    }

    /// Reads the configuration from the environment and, when given, a TOML file; the
    /// environment wins over the file.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let sources = settings::Sources::load(file)?;
        Self::from_lookup(|name| sources.get(name).0)
    }
}

/// Reads `DATABASE_URL` alone from the same sources as [`Config::load`] (the environment, else
/// the TOML file), with the same checks and messages. For the commands that need nothing but
/// the database: a setting only `serve` uses, such as an incomplete Twilio set-up, must not stop
/// `migrate` or key administration.
pub fn load_database_url(file: Option<&std::path::Path>) -> Result<Secret, ConfigError> {
    let sources = settings::Sources::load(file)?;
    let value = sources
        .get("DATABASE_URL")
        .0
        .filter(|value| !value.trim().is_empty());
    Ok(Secret::new(database_url(value)?))
}

fn boolean(
    variable: &'static str,
    value: Option<String>,
    default: bool,
) -> Result<bool, ConfigError> {
    match value
        .as_deref()
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(ConfigError {
            variable,
            message: format!("must be true or false, not {other:?}"),
        }),
    }
}

fn networks(variable: &'static str, value: Option<String>) -> Result<Vec<IpNet>, ConfigError> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| ConfigError {
                    variable,
                    message: format!("{item:?} is not an IP address or CIDR range"),
                })
        })
        .collect()
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
            ("PAYLINK_INTROSPECTION", "maybe"),
            ("PAYLINK_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local"),
            ("PAYLINK_MAX_QUERY_DEPTH", "0"),
            ("PAYLINK_DELIVERY_LEASE_SECS", "5"),
            ("PAYLINK_SMS_PROVIDER", "pigeon"),
            ("PAYLINK_SMTP_URL", "ftp://mail.example.com"),
        ] {
            let error = config(&[DB, (variable, bad)]).unwrap_err();
            assert_eq!(error.variable, variable, "{bad}");
            assert!(error.to_string().starts_with(variable));
        }
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges() {
        let config =
            config(&[DB, ("PAYLINK_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1")]).unwrap();
        assert_eq!(config.trusted_proxies.len(), 3);
        assert!(
            config.trusted_proxies[0].contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap())
        );
    }

    #[test]
    fn every_setting_read_is_registered_and_every_registered_one_is_read() {
        let read = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let _ = Config::from_lookup(|name| {
            read.borrow_mut().insert(name.to_owned());
            (name == "DATABASE_URL").then(|| "postgres://localhost/x".to_owned())
        });
        let registered: std::collections::BTreeSet<String> = settings::SETTINGS
            .iter()
            .map(|s| s.env.to_owned())
            .collect();
        let read = read.into_inner();
        // Twilio settings are only read when Twilio is chosen.
        let unread: Vec<_> = registered
            .difference(&read)
            .filter(|name| !name.starts_with("PAYLINK_TWILIO_"))
            .collect();
        assert!(unread.is_empty(), "registered but never read: {unread:?}");
        let unregistered: Vec<_> = read.difference(&registered).collect();
        assert!(
            unregistered.is_empty(),
            "read but not registered: {unregistered:?}"
        );
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
