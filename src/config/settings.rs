//! Every setting: its environment variable, its key in the TOML file, its default, the values
//! it takes and whether it is a secret.

use super::ConfigError;

/// One setting: the single place its name, default, range and secrecy are written. Loading
/// (`Config::from_lookup`), `paylink config check` and the README's table (a test compares them)
/// all read it from here.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Environment variable.
    pub env: &'static str,
    /// Default, as text; empty when there is none.
    pub default: &'static str,
    /// What values it takes.
    pub kind: Kind,
    /// Whether the value must never be printed.
    pub secret: bool,
}

/// What values a setting takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A whole number in a range.
    Number {
        /// Smallest value allowed.
        min: u64,
        /// Largest value allowed.
        max: u64,
    },
    /// `true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    Switch,
    /// Text, checked where it is read (URLs, addresses, lists).
    Text,
}

impl Setting {
    /// The key in the TOML file: the variable without `PAYLINK_`, in lower case.
    pub fn file_key(&self) -> String {
        self.env.trim_start_matches("PAYLINK_").to_ascii_lowercase()
    }

    /// The value given, else the default (`None` when there is neither).
    pub fn text(&self, given: Option<String>) -> Option<String> {
        given.or_else(|| (!self.default.is_empty()).then(|| self.default.to_owned()))
    }

    /// A number setting's value: the one given, checked against the range, else the default.
    pub fn number<T>(&self, given: Option<String>) -> Result<T, ConfigError>
    where
        T: TryFrom<u64>,
    {
        let Kind::Number { min, max } = self.kind else {
            unreachable!("{} is not a number setting", self.env)
        };
        let text = self.text(given).unwrap_or_default();
        text.trim()
            .parse::<u64>()
            .ok()
            .filter(|value| (min..=max).contains(value))
            .and_then(|value| T::try_from(value).ok())
            .ok_or_else(|| ConfigError {
                variable: self.env,
                message: format!("must be a whole number from {min} to {max}, not {text:?}"),
            })
    }

    /// A switch setting's value: the one given, else the default.
    pub fn switch(&self, given: Option<String>) -> Result<bool, ConfigError> {
        debug_assert_eq!(self.kind, Kind::Switch, "{}", self.env);
        let text = self.text(given).unwrap_or_default();
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            other => Err(ConfigError {
                variable: self.env,
                message: format!("must be true or false, not {other:?}"),
            }),
        }
    }
}

const fn number(env: &'static str, default: &'static str, min: u64, max: u64) -> Setting {
    Setting {
        env,
        default,
        kind: Kind::Number { min, max },
        secret: false,
    }
}

const fn switch(env: &'static str, default: &'static str) -> Setting {
    Setting {
        env,
        default,
        kind: Kind::Switch,
        secret: false,
    }
}

const fn text(env: &'static str, default: &'static str) -> Setting {
    Setting {
        env,
        default,
        kind: Kind::Text,
        secret: false,
    }
}

const fn secret(env: &'static str) -> Setting {
    Setting {
        env,
        default: "",
        kind: Kind::Text,
        secret: true,
    }
}

/// `DATABASE_URL`.
pub const DATABASE_URL: Setting = secret("DATABASE_URL");
/// `PAYLINK_LISTEN`.
pub const LISTEN: Setting = text("PAYLINK_LISTEN", "127.0.0.1:8080");
/// `PAYLINK_PUBLIC_LINK_BASE_URL`.
pub const PUBLIC_LINK_BASE_URL: Setting =
    text("PAYLINK_PUBLIC_LINK_BASE_URL", "http://127.0.0.1:8080/pay");
/// `PAYLINK_PUBLIC_SESSION_BASE_URL`.
pub const PUBLIC_SESSION_BASE_URL: Setting = text(
    "PAYLINK_PUBLIC_SESSION_BASE_URL",
    "http://127.0.0.1:8080/plan",
);
/// `PAYLINK_PUBLIC_BASE_URL`.
pub const PUBLIC_BASE_URL: Setting = text("PAYLINK_PUBLIC_BASE_URL", "");
/// `PAYLINK_DB_POOL_SIZE`.
pub const DB_POOL_SIZE: Setting = number("PAYLINK_DB_POOL_SIZE", "10", 1, 1000);
/// `PAYLINK_MAX_BODY_BYTES`.
pub const MAX_BODY_BYTES: Setting =
    number("PAYLINK_MAX_BODY_BYTES", "1048576", 1024, 64 * 1024 * 1024);
/// `PAYLINK_MAX_VARIABLES_BYTES`.
pub const MAX_VARIABLES_BYTES: Setting =
    number("PAYLINK_MAX_VARIABLES_BYTES", "65536", 64, 16 * 1024 * 1024);
/// `PAYLINK_MAX_QUERY_DEPTH`.
pub const MAX_QUERY_DEPTH: Setting = number("PAYLINK_MAX_QUERY_DEPTH", "15", 2, 200);
/// `PAYLINK_MAX_QUERY_FIELDS`.
pub const MAX_QUERY_FIELDS: Setting = number("PAYLINK_MAX_QUERY_FIELDS", "500", 1, 100_000);
/// `PAYLINK_MAX_QUERY_TOKENS`.
pub const MAX_QUERY_TOKENS: Setting = number("PAYLINK_MAX_QUERY_TOKENS", "5000", 10, 1_000_000);
/// `PAYLINK_MAX_BATCH_SIZE`.
pub const MAX_BATCH_SIZE: Setting = number("PAYLINK_MAX_BATCH_SIZE", "10", 1, 1000);
/// `PAYLINK_INTROSPECTION`.
pub const INTROSPECTION: Setting = switch("PAYLINK_INTROSPECTION", "true");
/// `PAYLINK_GRAPHIQL`.
pub const GRAPHIQL: Setting = switch("PAYLINK_GRAPHIQL", "true");
/// `PAYLINK_PERSISTED_OPERATIONS`.
pub const PERSISTED_OPERATIONS: Setting = text("PAYLINK_PERSISTED_OPERATIONS", "");
/// `PAYLINK_CORS_ORIGINS`.
pub const CORS_ORIGINS: Setting = text("PAYLINK_CORS_ORIGINS", "");
/// `PAYLINK_TRUSTED_PROXIES`.
pub const TRUSTED_PROXIES: Setting = text("PAYLINK_TRUSTED_PROXIES", "");
/// `PAYLINK_RATE_LIMIT_PER_SECOND`.
pub const RATE_LIMIT_PER_SECOND: Setting =
    number("PAYLINK_RATE_LIMIT_PER_SECOND", "50", 0, 1_000_000);
/// `PAYLINK_RATE_LIMIT_BURST`.
pub const RATE_LIMIT_BURST: Setting = number("PAYLINK_RATE_LIMIT_BURST", "100", 1, 1_000_000);
/// `PAYLINK_RATE_LIMIT_REDIS_URL`.
pub const RATE_LIMIT_REDIS_URL: Setting = secret("PAYLINK_RATE_LIMIT_REDIS_URL");
/// `PAYLINK_SHUTDOWN_GRACE_SECS`.
pub const SHUTDOWN_GRACE_SECS: Setting = number("PAYLINK_SHUTDOWN_GRACE_SECS", "10", 0, 3600);
/// `PAYLINK_IDEMPOTENCY_TTL_SECS`.
pub const IDEMPOTENCY_TTL_SECS: Setting =
    number("PAYLINK_IDEMPOTENCY_TTL_SECS", "86400", 60, 30 * 24 * 3600);
/// `PAYLINK_API_KEY_CACHE_SECS`.
pub const API_KEY_CACHE_SECS: Setting = number("PAYLINK_API_KEY_CACHE_SECS", "30", 0, 3600);
/// `PAYLINK_SMTP_URL`.
pub const SMTP_URL: Setting = secret("PAYLINK_SMTP_URL");
/// `PAYLINK_EMAIL_FROM`.
pub const EMAIL_FROM: Setting = text("PAYLINK_EMAIL_FROM", "Paylink <no-reply@paylink.localhost>");
/// `PAYLINK_EMAIL_DIR`.
pub const EMAIL_DIR: Setting = text("PAYLINK_EMAIL_DIR", ".paylink/outbox/email");
/// `PAYLINK_SMS_PROVIDER`.
pub const SMS_PROVIDER: Setting = text("PAYLINK_SMS_PROVIDER", "file");
/// `PAYLINK_SMS_FILE`.
pub const SMS_FILE: Setting = text("PAYLINK_SMS_FILE", ".paylink/outbox/sms.jsonl");
/// `PAYLINK_TWILIO_BASE_URL`.
pub const TWILIO_BASE_URL: Setting = text(
    "PAYLINK_TWILIO_BASE_URL",
    paylink_notify::DEFAULT_TWILIO_BASE_URL,
);
/// `PAYLINK_TWILIO_ACCOUNT_SID`.
pub const TWILIO_ACCOUNT_SID: Setting = text("PAYLINK_TWILIO_ACCOUNT_SID", "");
/// `PAYLINK_TWILIO_AUTH_TOKEN`.
pub const TWILIO_AUTH_TOKEN: Setting = secret("PAYLINK_TWILIO_AUTH_TOKEN");
/// `PAYLINK_TWILIO_FROM`.
pub const TWILIO_FROM: Setting = text("PAYLINK_TWILIO_FROM", "");
/// `PAYLINK_TWILIO_MESSAGING_SERVICE_SID`.
pub const TWILIO_MESSAGING_SERVICE_SID: Setting = text("PAYLINK_TWILIO_MESSAGING_SERVICE_SID", "");
/// `PAYLINK_DELIVERY_TIMEOUT_MS`.
pub const DELIVERY_TIMEOUT_MS: Setting =
    number("PAYLINK_DELIVERY_TIMEOUT_MS", "15000", 100, 120_000);
/// `PAYLINK_DELIVERY_MAX_ATTEMPTS`.
pub const DELIVERY_MAX_ATTEMPTS: Setting = number("PAYLINK_DELIVERY_MAX_ATTEMPTS", "12", 1, 100);
/// `PAYLINK_DELIVERY_MAX_AGE_SECS`.
pub const DELIVERY_MAX_AGE_SECS: Setting =
    number("PAYLINK_DELIVERY_MAX_AGE_SECS", "3600", 1, 7 * 24 * 3600);
/// `PAYLINK_DELIVERY_RETRY_BASE_MS`.
pub const DELIVERY_RETRY_BASE_MS: Setting =
    number("PAYLINK_DELIVERY_RETRY_BASE_MS", "5000", 1, 3_600_000);
/// `PAYLINK_DELIVERY_RETRY_MAX_MS`.
pub const DELIVERY_RETRY_MAX_MS: Setting =
    number("PAYLINK_DELIVERY_RETRY_MAX_MS", "600000", 1, 86_400_000);
/// `PAYLINK_CALLBACK_MAX_AGE_SECS`: how long a merchant's callback is retried, Stripe's three
/// days by default.
pub const CALLBACK_MAX_AGE_SECS: Setting = number(
    "PAYLINK_CALLBACK_MAX_AGE_SECS",
    "259200",
    60,
    30 * 24 * 3600,
);
/// `PAYLINK_CALLBACK_MAX_ATTEMPTS`: attempts at a callback in all, enough by default for three
/// days at the longest wait.
pub const CALLBACK_MAX_ATTEMPTS: Setting =
    number("PAYLINK_CALLBACK_MAX_ATTEMPTS", "100", 1, 10_000);
/// `PAYLINK_CALLBACK_RETRY_MAX_MS`: the longest wait between two attempts at a callback.
pub const CALLBACK_RETRY_MAX_MS: Setting =
    number("PAYLINK_CALLBACK_RETRY_MAX_MS", "3600000", 1, 86_400_000);
/// `PAYLINK_DELIVERY_LEASE_SECS`.
pub const DELIVERY_LEASE_SECS: Setting = number("PAYLINK_DELIVERY_LEASE_SECS", "60", 1, 3600);
/// `PAYLINK_DELIVERY_SETTLE_SECS`.
pub const DELIVERY_SETTLE_SECS: Setting = number("PAYLINK_DELIVERY_SETTLE_SECS", "60", 1, 3600);
/// `PAYLINK_DELIVERY_POLL_MS`.
pub const DELIVERY_POLL_MS: Setting = number("PAYLINK_DELIVERY_POLL_MS", "1000", 10, 60_000);
/// `PAYLINK_OUTBOUND_ALLOW_HTTP`: a development setting; merchants' callbacks are https only
/// without it.
pub const OUTBOUND_ALLOW_HTTP: Setting = switch("PAYLINK_OUTBOUND_ALLOW_HTTP", "false");
/// `PAYLINK_OUTBOUND_ALLOWED_NETWORKS`: ranges merchants' callbacks may reach despite the
/// outbound guard's address rules.
pub const OUTBOUND_ALLOWED_NETWORKS: Setting = text("PAYLINK_OUTBOUND_ALLOWED_NETWORKS", "");
/// `PAYLINK_PAYMENTS_PROVIDER`.
pub const PAYMENTS_PROVIDER: Setting = text("PAYLINK_PAYMENTS_PROVIDER", "test");
/// `PAYLINK_STRIPE_BASE_URL`.
pub const STRIPE_BASE_URL: Setting = text(
    "PAYLINK_STRIPE_BASE_URL",
    paylink_payments::DEFAULT_STRIPE_BASE_URL,
);
/// `PAYLINK_STRIPE_SECRET_KEY`.
pub const STRIPE_SECRET_KEY: Setting = secret("PAYLINK_STRIPE_SECRET_KEY");
/// `PAYLINK_STRIPE_WEBHOOK_SECRET`.
pub const STRIPE_WEBHOOK_SECRET: Setting = secret("PAYLINK_STRIPE_WEBHOOK_SECRET");
/// `PAYLINK_STRIPE_TIMEOUT_MS`.
pub const STRIPE_TIMEOUT_MS: Setting = number("PAYLINK_STRIPE_TIMEOUT_MS", "10000", 100, 60_000);
/// `PAYLINK_CHECKOUT_EXPIRES_SECS`: how long a checkout takes a payment, within Stripe's
/// bounds for a Checkout Session's `expires_at` (30 minutes to 24 hours).
pub const CHECKOUT_EXPIRES_SECS: Setting =
    number("PAYLINK_CHECKOUT_EXPIRES_SECS", "3600", 1800, 86_400);
/// `PAYLINK_PAGE_POSTS_PER_MINUTE`.
pub const PAGE_POSTS_PER_MINUTE: Setting =
    number("PAYLINK_PAGE_POSTS_PER_MINUTE", "30", 0, 1_000_000);
/// `PAYLINK_PAGE_POSTS_BURST`.
pub const PAGE_POSTS_BURST: Setting = number("PAYLINK_PAGE_POSTS_BURST", "10", 1, 1_000_000);

/// Every setting the service reads, in the order of the README's table.
pub const SETTINGS: &[Setting] = &[
    DATABASE_URL,
    LISTEN,
    PUBLIC_LINK_BASE_URL,
    PUBLIC_SESSION_BASE_URL,
    PUBLIC_BASE_URL,
    DB_POOL_SIZE,
    MAX_BODY_BYTES,
    MAX_VARIABLES_BYTES,
    MAX_QUERY_DEPTH,
    MAX_QUERY_FIELDS,
    MAX_QUERY_TOKENS,
    MAX_BATCH_SIZE,
    INTROSPECTION,
    GRAPHIQL,
    PERSISTED_OPERATIONS,
    CORS_ORIGINS,
    TRUSTED_PROXIES,
    RATE_LIMIT_PER_SECOND,
    RATE_LIMIT_BURST,
    RATE_LIMIT_REDIS_URL,
    SHUTDOWN_GRACE_SECS,
    IDEMPOTENCY_TTL_SECS,
    API_KEY_CACHE_SECS,
    SMTP_URL,
    EMAIL_FROM,
    EMAIL_DIR,
    SMS_PROVIDER,
    SMS_FILE,
    TWILIO_BASE_URL,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM,
    TWILIO_MESSAGING_SERVICE_SID,
    DELIVERY_TIMEOUT_MS,
    DELIVERY_MAX_ATTEMPTS,
    DELIVERY_MAX_AGE_SECS,
    DELIVERY_RETRY_BASE_MS,
    DELIVERY_RETRY_MAX_MS,
    CALLBACK_MAX_ATTEMPTS,
    CALLBACK_MAX_AGE_SECS,
    CALLBACK_RETRY_MAX_MS,
    DELIVERY_LEASE_SECS,
    DELIVERY_POLL_MS,
    DELIVERY_SETTLE_SECS,
    OUTBOUND_ALLOW_HTTP,
    OUTBOUND_ALLOWED_NETWORKS,
    PAYMENTS_PROVIDER,
    STRIPE_BASE_URL,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
    STRIPE_TIMEOUT_MS,
    CHECKOUT_EXPIRES_SECS,
    PAGE_POSTS_PER_MINUTE,
    PAGE_POSTS_BURST,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_keys_drop_the_prefix() {
        assert_eq!(SMTP_URL.file_key(), "smtp_url");
        assert_eq!(DATABASE_URL.file_key(), "database_url");
    }

    #[test]
    fn numbers_keep_to_their_range_and_default() {
        assert_eq!(MAX_QUERY_DEPTH.number::<usize>(None), Ok(15));
        assert_eq!(MAX_QUERY_DEPTH.number::<usize>(Some(" 20 ".into())), Ok(20));
        let error = MAX_QUERY_DEPTH
            .number::<usize>(Some("1".into()))
            .unwrap_err();
        assert_eq!(error.variable, "PAYLINK_MAX_QUERY_DEPTH");
        assert!(error.message.contains("from 2 to 200"), "{error}");
        assert!(MAX_QUERY_DEPTH.number::<usize>(Some("x".into())).is_err());
        assert_eq!(GRAPHIQL.switch(Some("off".into())), Ok(false));
        assert!(GRAPHIQL.switch(Some("maybe".into())).is_err());
    }

    #[test]
    fn every_default_is_a_valid_value() {
        for setting in SETTINGS {
            match setting.kind {
                Kind::Number { .. } => {
                    setting.number::<u64>(None).unwrap();
                }
                Kind::Switch => {
                    setting.switch(None).unwrap();
                }
                Kind::Text => {}
            }
        }
    }

    /// The README's configuration table names every setting, with its default.
    #[test]
    fn the_readme_table_lists_every_setting_with_its_default() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("## Configuration")
            .nth(1)
            .and_then(|section| section.split("\n## ").next())
            .expect("a Configuration section");
        let rows: Vec<(&str, &str)> = table
            .lines()
            .filter(|line| line.starts_with("| `"))
            .filter_map(|line| {
                let mut cells = line.split(" | ");
                Some((cells.next()?, cells.next()?))
            })
            .collect();
        for setting in SETTINGS {
            let name = format!("`{}`", setting.env);
            let Some((names, defaults)) = rows.iter().find(|(names, _)| names.contains(&name))
            else {
                panic!(
                    "the README's configuration table has no row for {}",
                    setting.env
                );
            };
            if !setting.default.is_empty() {
                let default = format!("`{}`", setting.default);
                assert!(
                    defaults.contains(&default),
                    "the README gives {defaults} as the default of {names}, not {default}"
                );
            }
        }
        let listed = rows
            .iter()
            .flat_map(|(names, _)| names.split('`').skip(1).step_by(2))
            .filter(|name| !name.starts_with("RUST_"));
        for name in listed {
            assert!(
                SETTINGS.iter().any(|setting| setting.env == name),
                "the README lists {name}, which is not a setting"
            );
        }
    }
}
