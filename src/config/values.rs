//! Reading the values of text settings: addresses, URLs, origin and network lists. Each error
//! names the setting at fault.

use ipnet::IpNet;
use url::Url;

use super::settings::{self, Setting};
use super::{ConfigError, CorsOrigins};

pub(super) fn networks(
    setting: &Setting,
    value: Option<String>,
) -> Result<Vec<IpNet>, ConfigError> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| ConfigError {
                    variable: setting.env,
                    message: format!("{item:?} is not an IP address or CIDR range"),
                })
        })
        .collect()
}

/// Reads `PAYLINK_CORS_ORIGINS`: `*`, or comma-separated origins such as
/// `https://app.example.com`.
pub(super) fn cors_origins(value: Option<String>) -> Result<CorsOrigins, ConfigError> {
    const VARIABLE: &str = settings::CORS_ORIGINS.env;
    let Some(value) = value else {
        return Ok(CorsOrigins::None);
    };
    if value.trim() == "*" {
        return Ok(CorsOrigins::Any);
    }
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let error = |why: &str| ConfigError {
                variable: VARIABLE,
                message: format!(
                    "{item:?} is not an origin ({why}); write scheme://host[:port], or * alone"
                ),
            };
            let url = Url::parse(item).map_err(|_| error("not a URL"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(error("not http or https"));
            }
            if url.path() != "/"
                || item.ends_with('/')
                || url.query().is_some()
                || !url.username().is_empty()
            {
                return Err(error("an origin has no path, query or user"));
            }
            // Browsers send the serialised origin: lower case, default port left out.
            Ok(url.origin().ascii_serialization())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(CorsOrigins::Exact)
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

/// A text setting parsed as `T`, the default when it is not given.
pub(super) fn parse<T: std::str::FromStr>(
    setting: &Setting,
    given: Option<String>,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let value = setting.text(given).unwrap_or_default();
    value.trim().parse().map_err(|e| ConfigError {
        variable: setting.env,
        message: format!("cannot parse {value:?}: {e}"),
    })
}

/// An absolute http(s) URL without a query, its trailing `/` dropped.
pub(super) fn base_url(setting: &Setting, given: Option<String>) -> Result<String, ConfigError> {
    let variable = setting.env;
    let value = setting.text(given).unwrap_or_default();
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

/// A Redis URL: `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS). The value
/// is a secret (it may hold a password), so the message never repeats it.
pub(super) fn redis_url(
    setting: &Setting,
    given: String,
) -> Result<paylink_notify::Secret, ConfigError> {
    let fail = |message: &str| ConfigError {
        variable: setting.env,
        message: message.to_owned(),
    };
    let url = Url::parse(given.trim()).map_err(|_| fail("is not a URL"))?;
    if !matches!(url.scheme(), "redis" | "rediss") {
        return Err(fail("must be a redis:// or rediss:// URL"));
    }
    if url.host().is_none() {
        return Err(fail("has no host"));
    }
    Ok(paylink_notify::Secret::new(given.trim()))
}

/// Paths the server answers itself, which the payer's pages must not shadow.
const RESERVED_PATHS: [&str; 6] = [
    "/graphql",
    "/graphiql",
    "/webhooks",
    "/healthz",
    "/readyz",
    "/metrics",
];

/// Checks that the payer's pages, served at the paths of the two public base URLs, have paths
/// of their own: not the root, not each other's, not one of the server's own.
pub(super) fn page_paths(link_base_url: &str, session_base_url: &str) -> Result<(), ConfigError> {
    let path = |url: &str| {
        Url::parse(url)
            .map(|url| url.path().trim_end_matches('/').to_owned())
            .unwrap_or_default()
    };
    let (link, session) = (path(link_base_url), path(session_base_url));
    for (setting, own) in [
        (&settings::PUBLIC_LINK_BASE_URL, &link),
        (&settings::PUBLIC_SESSION_BASE_URL, &session),
    ] {
        let reserved = RESERVED_PATHS
            .iter()
            .any(|reserved| own == reserved || own.starts_with(&format!("{reserved}/")));
        if own.is_empty() || reserved {
            return Err(ConfigError {
                variable: setting.env,
                message: format!(
                    "needs a path of its own, where paylink serves its pages (such as /pay), not {:?}",
                    if own.is_empty() { "/" } else { own.as_str() }
                ),
            });
        }
    }
    if link == session {
        return Err(ConfigError {
            variable: settings::PUBLIC_SESSION_BASE_URL.env,
            message: format!(
                "must not have the same path as PAYLINK_PUBLIC_LINK_BASE_URL ({link})"
            ),
        });
    }
    Ok(())
}
