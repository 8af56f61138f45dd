//! The HTTP side every provider client shares: how its reqwest client is set up, and how a
//! provider's `Retry-After` is read.

use std::{fmt, time::Duration};

use reqwest::{
    header::{HeaderMap, RETRY_AFTER},
    redirect,
};

use crate::chain;

/// Builds the client a provider's requests go out with: `timeout` bounds a whole request and,
/// again, its connection; no redirect is followed (a redirect would be a misconfigured or
/// unexpected URL, and following it could carry the credentials somewhere else); requests say
/// `user_agent`, e.g. `concat!("paylink-payments/", env!("CARGO_PKG_VERSION"))`.
///
/// No network I/O; the client shares its connection pool among clones.
pub fn http_client(
    user_agent: &str,
    timeout: Duration,
) -> Result<reqwest::Client, HttpClientError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .map_err(HttpClientError)
}

/// Why [`http_client`] could not build a client (no TLS backend, a user agent that is not a
/// header value). Display is one line for a configuration error: `no HTTP client: …`.
#[derive(Debug)]
pub struct HttpClientError(reqwest::Error);

impl fmt::Display for HttpClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no HTTP client: {}", chain(&self.0))
    }
}

impl std::error::Error for HttpClientError {}

/// `Retry-After` given in whole seconds (the form Twilio and Stripe use), at most `at_most`; None
/// when the header is missing or is not a number of seconds (an HTTP date, say).
pub fn retry_after(headers: &HeaderMap, at_most: Duration) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(at_most))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(retry_after).unwrap());
        headers
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn retry_after_reads_whole_seconds() {
        assert_eq!(
            retry_after(&headers("7"), HOUR),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_after(&headers(" 0 "), HOUR), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_is_capped() {
        assert_eq!(retry_after(&headers("86400"), HOUR), Some(HOUR));
        assert_eq!(
            retry_after(&headers("18446744073709551615"), Duration::from_secs(2)),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn retry_after_is_none_without_a_number_of_seconds() {
        assert_eq!(retry_after(&HeaderMap::new(), HOUR), None);
        assert_eq!(retry_after(&headers(""), HOUR), None);
        assert_eq!(retry_after(&headers("-1"), HOUR), None);
        assert_eq!(retry_after(&headers("1.5"), HOUR), None);
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT"), HOUR),
            None
        );
    }

    #[test]
    fn a_client_builds_with_the_settings() {
        http_client("paylink-test/1", Duration::from_secs(5)).expect("a client");
    }

    #[test]
    fn a_bad_user_agent_is_a_one_line_error() {
        let error = http_client("bad\nagent", Duration::from_secs(5)).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("no HTTP client: "), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}
