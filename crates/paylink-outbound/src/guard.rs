//! The check at send time: resolve once, vet every address, and a client pinned to them.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::redirect;
use tokio::time::Instant;
use url::{Host, Url};

use crate::{OutboundPolicy, Refusal};

/// What a merchant reads when the guard refused a request: the same words whatever the rule,
/// so that the reason says nothing about what lies behind the URL.
pub const REFUSED_REASON: &str = "refused by paylink's outbound policy";

/// Every request to a merchant-given URL goes through one of these: built once at start,
/// cheap to clone.
#[derive(Clone, Debug)]
pub struct OutboundGuard {
    policy: OutboundPolicy,
    user_agent: String,
    timeout: Duration,
}

/// A vetted URL and a client that reaches only the addresses that were vetted.
#[derive(Debug)]
pub struct Prepared {
    /// The URL, parsed.
    pub url: Url,
    /// No redirects, no proxy, the host pinned to its vetted addresses, and what is left of
    /// the attempt's time as its timeout.
    pub client: reqwest::Client,
}

/// Why no request was made.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// The policy refuses the URL or an address its host resolves to.
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// The host has no address (no such name, or the lookup failed).
    #[error("the host has no address")]
    NoAddress,
    /// The lookup took the whole attempt's time.
    #[error("the host did not resolve in time")]
    LookupTimeout,
    /// The client could not be built (no TLS backend).
    #[error("no HTTP client: {0}")]
    Client(reqwest::Error),
}

impl OutboundGuard {
    /// A guard for `policy`; each request it prepares sends `user_agent` and takes at most
    /// `timeout`, lookup included. Builds one client to find a bad setting at start.
    pub fn new(
        policy: OutboundPolicy,
        user_agent: &str,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let guard = Self {
            policy,
            user_agent: user_agent.to_owned(),
            timeout,
        };
        guard.client(None, timeout)?;
        Ok(guard)
    }

    /// The policy the guard applies.
    pub fn policy(&self) -> &OutboundPolicy {
        &self.policy
    }

    /// Checks `url` ([`OutboundPolicy::check_url`]), resolves its host once (within the
    /// attempt's time), refuses it when any address is refused, and returns a client that
    /// connects to those addresses only: a later DNS answer cannot change where it goes.
    pub async fn prepare(&self, url: &str) -> Result<Prepared, GuardError> {
        let deadline = Instant::now() + self.timeout;
        let url = self.policy.check_url(url)?;
        let pin = match url.host() {
            Some(Host::Domain(name)) => {
                let port = url.port_or_known_default().unwrap_or(443);
                let addresses = self.resolve(name, port, deadline).await?;
                Some((name.to_owned(), addresses))
            }
            // An address written in the URL was checked above and is connected to as it is.
            _ => None,
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(GuardError::LookupTimeout);
        }
        let client = self
            .client(
                pin.as_ref()
                    .map(|(name, addresses)| (name.as_str(), &addresses[..])),
                left,
            )
            .map_err(GuardError::Client)?;
        Ok(Prepared { url, client })
    }

    /// The addresses of `name`, every one permitted.
    async fn resolve(
        &self,
        name: &str,
        port: u16,
        deadline: Instant,
    ) -> Result<Vec<SocketAddr>, GuardError> {
        let found = tokio::time::timeout_at(deadline, tokio::net::lookup_host((name, port)))
            .await
            .map_err(|_| GuardError::LookupTimeout)?
            .map_err(|_| GuardError::NoAddress)?;
        let addresses: Vec<SocketAddr> = found.collect();
        if addresses.is_empty() {
            return Err(GuardError::NoAddress);
        }
        for address in &addresses {
            self.policy.permits(address.ip())?;
        }
        Ok(addresses)
    }

    fn client(
        &self,
        pin: Option<(&str, &[SocketAddr])>,
        timeout: Duration,
    ) -> Result<reqwest::Client, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect is an answer, not a new destination: it would skip the checks.
            .redirect(redirect::Policy::none())
            // A proxy would resolve the name again, out of the guard's sight.
            .no_proxy()
            .user_agent(&self.user_agent);
        if let Some((name, addresses)) = pin {
            builder = builder.resolve_to_addrs(name, addresses);
        }
        builder.build()
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::Rule;

    fn guard(policy: OutboundPolicy) -> OutboundGuard {
        OutboundGuard::new(policy, "paylink-test", Duration::from_secs(5)).unwrap()
    }

    fn http_only() -> OutboundPolicy {
        OutboundPolicy {
            allow_http: true,
            allowed_networks: Vec::new(),
        }
    }

    /// A name whose DNS answer is loopback is refused after the lookup, before any connection.
    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused() {
        let guard = guard(http_only());
        let refused = guard
            .resolve("localhost", 80, Instant::now() + Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused,
                GuardError::Refused(Refusal::Address {
                    rule: Rule::Loopback,
                    ..
                })
            ),
            "{refused:?}"
        );
        // Through the entry point, the name is refused without asking DNS.
        assert!(matches!(
            guard.prepare("http://localhost:9/hook").await,
            Err(GuardError::Refused(Refusal::Localhost))
        ));
        assert!(matches!(
            guard.prepare("http://0177.0.0.1:9/hook").await,
            Err(GuardError::Refused(Refusal::Address { .. }))
        ));
        assert!(matches!(
            guard.prepare("http://name.invalid/hook").await,
            Err(GuardError::NoAddress | GuardError::LookupTimeout)
        ));
    }

    /// The prepared client goes to the vetted address without a second lookup (the name here
    /// has none), and hands back a redirect instead of following it.
    #[tokio::test]
    async fn the_client_is_pinned_and_does_not_follow_redirects() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buffer = [0; 4096];
            let read = stream.read(&mut buffer).await.unwrap();
            stream
                .write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await
                .unwrap();
            String::from_utf8_lossy(&buffer[..read]).into_owned()
        });
        let guard = guard(OutboundPolicy {
            allow_http: true,
            allowed_networks: vec!["127.0.0.0/8".parse().unwrap()],
        });
        let client = guard
            .client(Some(("pinned.invalid", &[addr])), Duration::from_secs(5))
            .unwrap();
        let response = client
            .get(format!("http://pinned.invalid:{}/hook", addr.port()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::FOUND);
        let request = server.await.unwrap();
        assert!(request.starts_with("GET /hook HTTP/1.1"), "{request}");
        assert!(
            request
                .to_ascii_lowercase()
                .contains("host: pinned.invalid"),
            "{request}"
        );
        // An address written in the URL and allowed gets a client too.
        let prepared = guard
            .prepare(&format!("http://127.0.0.1:{}/hook", addr.port()))
            .await
            .unwrap();
        assert_eq!(
            prepared.url.host_str(),
            Some(&*IpAddr::V4(Ipv4Addr::LOCALHOST).to_string())
        );
    }
}
