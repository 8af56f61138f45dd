//! Server configuration, read from environment variables and checked at start-up.
//!
//! Every error names the variable at fault, so an operator can fix it without reading code.

pub mod allow_list;
pub mod delivery;
pub mod payments;
pub mod settings;
pub mod sources;
mod values;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;

pub use paylink_notify::{OutboundPolicy, Secret};

pub use delivery::DeliveryConfig;
pub use payments::PaymentsConfig;
use settings::Setting;
pub use values::database_url;
use values::{base_url, cors_origins, networks, parse, redis_url};

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
    /// paylink's own address as providers reach it, behind any proxy, without a trailing slash
    /// (`PAYLINK_PUBLIC_BASE_URL`): where delivery receipts are asked to go. `None`: none are.
    pub public_base_url: Option<String>,
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
    /// The only documents to run, when set (`PAYLINK_PERSISTED_OPERATIONS`, a manifest file).
    pub allow_list: Option<Arc<allow_list::AllowList>>,
    /// Origins whose browser pages may call the API (`PAYLINK_CORS_ORIGINS`).
    pub cors_origins: CorsOrigins,
    /// Peers whose `X-Forwarded-For` is believed (`PAYLINK_TRUSTED_PROXIES`, comma-separated
    /// addresses or CIDR ranges).
    pub trusted_proxies: Vec<IpNet>,
    /// Requests each API key may make (`PAYLINK_RATE_LIMIT_PER_SECOND`, `PAYLINK_RATE_LIMIT_BURST`).
    pub rate_limit: RateLimit,
    /// Where the rate limit shared by every replica is kept (`PAYLINK_RATE_LIMIT_REDIS_URL`, a
    /// `redis://` or `rediss://` URL); `None` limits each process on its own.
    pub rate_limit_redis_url: Option<Secret>,
    /// How long in-flight work may run on after a stop signal (`PAYLINK_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace: Duration,
    /// How long an `Idempotency-Key` is remembered (`PAYLINK_IDEMPOTENCY_TTL_SECS`).
    pub idempotency_ttl: Duration,
    /// How long a resolved API key is trusted without asking the database again, so also how
    /// long a revoked key may keep working (`PAYLINK_API_KEY_CACHE_SECS`; 0 turns it off).
    pub api_key_cache_ttl: Duration,
    /// What merchant-given URLs (callbacks) may reach beyond the outbound guard's rules
    /// (`PAYLINK_OUTBOUND_ALLOW_HTTP`, `PAYLINK_OUTBOUND_ALLOWED_NETWORKS`).
    pub outbound: OutboundPolicy,
    /// Email, SMS and the dispatcher.
    pub delivery: DeliveryConfig,
    /// The payments provider and the public pages' limits.
    pub payments: PaymentsConfig,
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

/// Which browser origins may call the API across origins (CORS).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// None: browsers allow only pages served by paylink itself.
    #[default]
    None,
    /// These exact origins (`scheme://host[:port]`, lower case, default port left out).
    Exact(Vec<String>),
    /// Any origin (`*`). Safe because the API key is sent as a header, never as a cookie, so a
    /// page elsewhere can only use a key its user gave it.
    Any,
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
        let config = Self::read(lookup)?;
        values::page_paths(
            &config.public_link_base_url,
            &config.public_session_base_url,
        )?;
        Ok(config)
    }

    fn read(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |setting: &Setting| lookup(setting.env).filter(|value| !value.trim().is_empty());
        let outbound = OutboundPolicy {
            allow_http: settings::OUTBOUND_ALLOW_HTTP
                .switch(get(&settings::OUTBOUND_ALLOW_HTTP))?,
            allowed_networks: networks(
                &settings::OUTBOUND_ALLOWED_NETWORKS,
                get(&settings::OUTBOUND_ALLOWED_NETWORKS),
            )?,
        };
        Ok(Self {
            database_url: Secret::new(database_url(get(&settings::DATABASE_URL))?),
            listen: parse(&settings::LISTEN, get(&settings::LISTEN))?,
            public_link_base_url: base_url(
                &settings::PUBLIC_LINK_BASE_URL,
                get(&settings::PUBLIC_LINK_BASE_URL),
            )?,
            public_session_base_url: base_url(
                &settings::PUBLIC_SESSION_BASE_URL,
                get(&settings::PUBLIC_SESSION_BASE_URL),
            )?,
            public_base_url: get(&settings::PUBLIC_BASE_URL)
                .map(|given| base_url(&settings::PUBLIC_BASE_URL, Some(given)))
                .transpose()?,
            pool_size: settings::DB_POOL_SIZE.number(get(&settings::DB_POOL_SIZE))?,
            max_body_bytes: settings::MAX_BODY_BYTES.number(get(&settings::MAX_BODY_BYTES))?,
            max_variables_bytes: settings::MAX_VARIABLES_BYTES
                .number(get(&settings::MAX_VARIABLES_BYTES))?,
            query_limits: QueryLimits {
                depth: settings::MAX_QUERY_DEPTH.number(get(&settings::MAX_QUERY_DEPTH))?,
                fields: settings::MAX_QUERY_FIELDS.number(get(&settings::MAX_QUERY_FIELDS))?,
                tokens: settings::MAX_QUERY_TOKENS.number(get(&settings::MAX_QUERY_TOKENS))?,
            },
            max_batch_size: settings::MAX_BATCH_SIZE.number(get(&settings::MAX_BATCH_SIZE))?,
            introspection: settings::INTROSPECTION.switch(get(&settings::INTROSPECTION))?,
            graphiql: settings::GRAPHIQL.switch(get(&settings::GRAPHIQL))?,
            allow_list: get(&settings::PERSISTED_OPERATIONS)
                .map(|path| allow_list::AllowList::load(std::path::Path::new(path.trim())))
                .transpose()?
                .map(Arc::new),
            cors_origins: cors_origins(get(&settings::CORS_ORIGINS))?,
            trusted_proxies: networks(&settings::TRUSTED_PROXIES, get(&settings::TRUSTED_PROXIES))?,
            rate_limit: RateLimit {
                per_second: settings::RATE_LIMIT_PER_SECOND
                    .number(get(&settings::RATE_LIMIT_PER_SECOND))?,
                burst: settings::RATE_LIMIT_BURST.number(get(&settings::RATE_LIMIT_BURST))?,
            },
            rate_limit_redis_url: get(&settings::RATE_LIMIT_REDIS_URL)
                .map(|url| redis_url(&settings::RATE_LIMIT_REDIS_URL, url))
                .transpose()?,
            shutdown_grace: Duration::from_secs(
                settings::SHUTDOWN_GRACE_SECS.number(get(&settings::SHUTDOWN_GRACE_SECS))?,
            ),
            idempotency_ttl: Duration::from_secs(
                settings::IDEMPOTENCY_TTL_SECS.number(get(&settings::IDEMPOTENCY_TTL_SECS))?,
            ),
            api_key_cache_ttl: Duration::from_secs(
                settings::API_KEY_CACHE_SECS.number(get(&settings::API_KEY_CACHE_SECS))?,
            ),
            delivery: DeliveryConfig::from_lookup(&get, &outbound)?,
            outbound,
            payments: PaymentsConfig::from_lookup(&get)?,
        })
    }

    /// Reads the configuration from the environment and, when given, a TOML file; the
    /// environment wins over the file.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let sources = sources::Sources::load(file)?;
        Self::from_lookup(|name| sources.get(name).0)
    }
}

/// Reads `DATABASE_URL` alone from the same sources as [`Config::load`] (the environment, else
/// the TOML file), with the same checks and messages. For the commands that need nothing but
/// the database: a setting only `serve` uses, such as an incomplete Twilio set-up, must not stop
/// `migrate` or key administration.
pub fn load_database_url(file: Option<&std::path::Path>) -> Result<Secret, ConfigError> {
    let sources = sources::Sources::load(file)?;
    let value = sources
        .get(settings::DATABASE_URL.env)
        .0
        .filter(|value| !value.trim().is_empty());
    Ok(Secret::new(database_url(value)?))
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
        assert_eq!(config.listen.to_string(), settings::LISTEN.default);
        assert_eq!(
            config.public_link_base_url,
            settings::PUBLIC_LINK_BASE_URL.default
        );
        assert_eq!(config.pool_size.to_string(), settings::DB_POOL_SIZE.default);
        assert_eq!(
            config.max_body_bytes.to_string(),
            settings::MAX_BODY_BYTES.default
        );
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
            ("PAYLINK_OUTBOUND_ALLOW_HTTP", "sometimes"),
            ("PAYLINK_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8, intranet"),
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
        // Twilio's and Stripe's settings are only read when they are chosen.
        let unread: Vec<_> = registered
            .difference(&read)
            .filter(|name| {
                !name.starts_with("PAYLINK_TWILIO_") && !name.starts_with("PAYLINK_STRIPE_")
            })
            .collect();
        assert!(unread.is_empty(), "registered but never read: {unread:?}");
        let unregistered: Vec<_> = read.difference(&registered).collect();
        assert!(
            unregistered.is_empty(),
            "read but not registered: {unregistered:?}"
        );
    }

    #[test]
    fn the_outbound_policy_is_strict_unless_loosened() {
        assert_eq!(config(&[DB]).unwrap().outbound, OutboundPolicy::default());
        let loosened = config(&[
            DB,
            ("PAYLINK_OUTBOUND_ALLOW_HTTP", "true"),
            (
                "PAYLINK_OUTBOUND_ALLOWED_NETWORKS",
                "127.0.0.0/8, ::1, 10.20.0.0/16",
            ),
        ])
        .unwrap()
        .outbound;
        assert!(loosened.allow_http);
        assert_eq!(loosened.allowed_networks.len(), 3);
        assert!(loosened.check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(loosened.check_url("http://169.254.169.254/").is_err());
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
    fn payments_default_to_test_mode_and_stripe_needs_its_secrets() {
        let defaults = config(&[DB]).unwrap();
        assert!(matches!(
            defaults.payments.provider,
            payments::PaymentsProviderConfig::Test
        ));
        let stripe = ("PAYLINK_PAYMENTS_PROVIDER", "stripe");
        assert_eq!(
            config(&[DB, stripe]).unwrap_err().variable,
            "PAYLINK_STRIPE_SECRET_KEY"
        );
        let key = ("PAYLINK_STRIPE_SECRET_KEY", "sk_test_5ecr3tkey");
        assert_eq!(
            config(&[DB, stripe, key]).unwrap_err().variable,
            "PAYLINK_STRIPE_WEBHOOK_SECRET"
        );
        let hook = ("PAYLINK_STRIPE_WEBHOOK_SECRET", "whsec_5ecr3thook");
        let configured = config(&[DB, stripe, key, hook]).unwrap();
        let debug = format!("{configured:?}");
        assert!(!debug.contains("5ecr3t"), "{debug}");
        assert_eq!(
            config(&[
                DB,
                stripe,
                ("PAYLINK_STRIPE_SECRET_KEY", "pk_test_public"),
                hook
            ])
            .unwrap_err()
            .variable,
            "PAYLINK_STRIPE_SECRET_KEY",
            "a publishable key cannot make checkouts"
        );
        assert_eq!(
            config(&[DB, ("PAYLINK_PAYMENTS_PROVIDER", "paypal")])
                .unwrap_err()
                .variable,
            "PAYLINK_PAYMENTS_PROVIDER"
        );
    }

    #[test]
    fn the_pages_need_base_urls_with_paths_of_their_own() {
        for (link, session, variable) in [
            (
                "https://pay.example.com",
                "https://pay.example.com/plan",
                "PAYLINK_PUBLIC_LINK_BASE_URL",
            ),
            (
                "https://pay.example.com/pay",
                "https://pay.example.com/pay/",
                "PAYLINK_PUBLIC_SESSION_BASE_URL",
            ),
            (
                "https://pay.example.com/graphql",
                "https://pay.example.com/plan",
                "PAYLINK_PUBLIC_LINK_BASE_URL",
            ),
            (
                "https://pay.example.com/pay",
                "https://x.example.com/webhooks/x",
                "PAYLINK_PUBLIC_SESSION_BASE_URL",
            ),
        ] {
            let error = config(&[
                DB,
                ("PAYLINK_PUBLIC_LINK_BASE_URL", link),
                ("PAYLINK_PUBLIC_SESSION_BASE_URL", session),
            ])
            .unwrap_err();
            assert_eq!(error.variable, variable, "{link} {session}: {error}");
        }
        assert!(
            config(&[
                DB,
                ("PAYLINK_PUBLIC_LINK_BASE_URL", "https://pay.example.com/l"),
                (
                    "PAYLINK_PUBLIC_SESSION_BASE_URL",
                    "https://plans.example.com/s"
                ),
            ])
            .is_ok()
        );
    }

    #[test]
    fn debug_output_hides_the_database_url() {
        let debug = format!("{:?}", config(&[DB]).unwrap());
        assert!(!debug.contains("pw"), "{debug}");
    }
}
