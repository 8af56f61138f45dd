//! The client's address behind a reverse proxy: `X-Forwarded-For` is believed only when the
//! connection comes from a configured trusted proxy, and then only up to the first hop that is
//! not itself trusted (anyone can prepend addresses to the header).

use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

/// The address to log and account the request to.
pub(crate) fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |addr: &IpAddr| trusted.iter().any(|net| net.contains(addr));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    // Walk from the nearest hop outwards; the first untrusted one is the client.
    hops.iter()
        .rev()
        .find(|hop| !is_trusted(hop))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(xff).unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_taken_at_their_word_only() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_addr(ip("203.0.113.9"), &headers("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn trusted_proxies_pass_on_the_first_untrusted_hop() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_addr(
                ip("10.0.0.2"),
                &headers("6.6.6.6, 198.51.100.7, 10.0.0.9"),
                &trusted
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_addr(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
    }
}
