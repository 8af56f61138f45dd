//! The operator's policy and the checks that need no DNS: scheme, IP literals, `localhost`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use url::{Host, Url};

use crate::rules::{Rule, embedded_v4, refused};

/// What the operator lets merchant-given URLs reach beyond the rules. The default is the safe
/// one: https only, no exceptions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Whether `http://` URLs are called (development and tests; default false).
    pub allow_http: bool,
    /// Ranges let through despite the address rules (default none).
    pub allowed_networks: Vec<IpNet>,
}

/// Why a URL was refused. Display is for the operator's log and for the merchant who wrote the
/// URL when it is set; at send time the merchant only ever reads [`crate::REFUSED_REASON`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not an absolute URL with a host.
    #[error("is not an absolute URL with a host")]
    NotAUrl,
    /// A scheme other than https (or http when allowed).
    #[error("must be an https URL")]
    Scheme,
    /// The URL names, or its host resolves to, an address the rules refuse.
    #[error("must not point at a {rule} ({ip})")]
    Address {
        /// The address.
        ip: IpAddr,
        /// The rule that refuses it.
        rule: Rule,
    },
    /// `localhost` or a name under `.localhost`, which always mean this machine (RFC 6761).
    #[error("must not point at localhost")]
    Localhost,
}

impl OutboundPolicy {
    /// Whether a merchant's URL may reach `ip`: an allowed network holds it (or the IPv4
    /// address it carries), or no rule refuses it.
    pub fn permits(&self, ip: IpAddr) -> Result<(), Refusal> {
        let carried = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        let allowed = |ip: IpAddr| self.allowed_networks.iter().any(|net| net.contains(&ip));
        if allowed(ip) || carried.is_some_and(allowed) {
            return Ok(());
        }
        match refused(ip) {
            Some(rule) => Err(Refusal::Address { ip, rule }),
            None => Ok(()),
        }
    }

    /// The checks that need no DNS, made when a merchant sets a URL and again before each
    /// request: the scheme, an IP address written in the URL (in any spelling the URL standard
    /// reads, decimal `2130706433` and octal `0177.0.0.1` included), and `localhost` names,
    /// which stand for `127.0.0.1` and `::1` and are refused unless both are permitted.
    pub fn check_url(&self, url: &str) -> Result<Url, Refusal> {
        let url = Url::parse(url).map_err(|_| Refusal::NotAUrl)?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => return Err(Refusal::Scheme),
        }
        match url.host() {
            None => return Err(Refusal::NotAUrl),
            Some(Host::Ipv4(ip)) => self.permits(IpAddr::V4(ip))?,
            Some(Host::Ipv6(ip)) => self.permits(IpAddr::V6(ip))?,
            Some(Host::Domain(name)) if is_localhost(name) => {
                for ip in [
                    IpAddr::V4(Ipv4Addr::LOCALHOST),
                    IpAddr::V6(Ipv6Addr::LOCALHOST),
                ] {
                    self.permits(ip).map_err(|_| Refusal::Localhost)?;
                }
            }
            Some(Host::Domain(_)) => {}
        }
        Ok(url)
    }
}

/// `localhost`, `LOCALHOST.`, `api.localhost`: names that mean this machine.
fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback_allowed() -> OutboundPolicy {
        OutboundPolicy {
            allow_http: true,
            allowed_networks: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
        }
    }

    /// Through the URL entry point, in the spellings a merchant could write.
    #[test]
    fn urls_naming_refused_addresses_are_refused_in_every_spelling() {
        let strict = OutboundPolicy::default();
        for url in [
            "https://127.0.0.1/hook",
            "https://127.1/hook",
            "https://2130706433/hook",
            "https://0177.0.0.1/hook",
            "https://0x7f.0.0.1/hook",
            "https://0x7f000001/hook",
            "https://[::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::ffff:7f00:1]/hook",
            "https://[64:ff9b::127.0.0.1]/hook",
            "https://[::ffff:0:127.0.0.1]/hook",
            "https://0.0.0.0/hook",
            "https://0/hook",
            "https://[::]/hook",
            "https://10.0.0.5:8443/hook",
            "https://172.16.1.1/hook",
            "https://192.168.1.1/hook",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fe80::1]/hook",
            "https://100.64.0.1/hook",
            "https://[fd00::1]/hook",
            "https://[::ffff:169.254.169.254]/hook",
            "https://[::ffff:10.0.0.1]/hook",
            "https://224.0.0.1/hook",
            "https://[ff02::1]/hook",
            "https://255.255.255.255/hook",
            "https://192.0.2.1/hook",
            "https://[2001:db8::1]/hook",
        ] {
            assert!(
                matches!(strict.check_url(url), Err(Refusal::Address { .. })),
                "{url}: {:?}",
                strict.check_url(url)
            );
        }
    }

    #[test]
    fn localhost_names_are_refused() {
        let strict = OutboundPolicy::default();
        for url in [
            "https://localhost/hook",
            "https://LOCALHOST:8443/hook",
            "https://localhost./hook",
            "https://api.localhost/hook",
        ] {
            assert_eq!(strict.check_url(url), Err(Refusal::Localhost), "{url}");
        }
        assert!(loopback_allowed().check_url("http://localhost:9/").is_ok());
        let v4_only = OutboundPolicy {
            allow_http: true,
            allowed_networks: vec!["127.0.0.0/8".parse().unwrap()],
        };
        assert_eq!(
            v4_only.check_url("http://localhost:9/"),
            Err(Refusal::Localhost)
        );
    }

    #[test]
    fn https_only_unless_http_is_allowed() {
        let strict = OutboundPolicy::default();
        assert_eq!(
            strict.check_url("http://hooks.example.com/"),
            Err(Refusal::Scheme)
        );
        assert_eq!(strict.check_url("ftp://example.com/"), Err(Refusal::Scheme));
        assert_eq!(strict.check_url("file:///etc/passwd"), Err(Refusal::Scheme));
        assert_eq!(strict.check_url("not a url"), Err(Refusal::NotAUrl));
        assert!(strict.check_url("https://hooks.example.com/p?q=1").is_ok());
        assert!(strict.check_url("https://8.8.8.8/").is_ok());
        assert!(strict.check_url("https://[2606:4700::1111]/").is_ok());
        let http = OutboundPolicy {
            allow_http: true,
            ..OutboundPolicy::default()
        };
        assert!(http.check_url("http://hooks.example.com/").is_ok());
        assert!(http.check_url("ftp://example.com/").is_err());
        // Allowing http lets no address through.
        assert!(http.check_url("http://127.0.0.1:8080/").is_err());
    }

    #[test]
    fn allowed_networks_let_their_addresses_through_and_no_others() {
        let policy = loopback_allowed();
        assert!(policy.check_url("http://127.0.0.1:8080/").is_ok());
        assert!(policy.check_url("http://2130706433:8080/").is_ok());
        assert!(policy.check_url("http://[::ffff:127.0.0.1]:8080/").is_ok());
        assert!(policy.check_url("http://[::1]:8080/").is_ok());
        assert!(policy.check_url("http://10.0.0.1/").is_err());
        assert!(policy.check_url("http://169.254.169.254/").is_err());
        let private = OutboundPolicy {
            allow_http: false,
            allowed_networks: vec!["10.20.0.0/16".parse().unwrap()],
        };
        assert!(private.check_url("https://10.20.3.4/").is_ok());
        assert!(private.check_url("https://10.21.3.4/").is_err());
        assert!(private.check_url("http://10.20.3.4/").is_err());
    }
}
