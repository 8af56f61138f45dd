//! The address rules: which addresses no merchant-given URL may reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use ipnet::IpNet;

/// Why an address is refused: the range it falls in. Display names the range, for the
/// operator's log (never for the merchant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    /// `0.0.0.0/8` (including `0.0.0.0`) and `::`.
    #[error("unspecified or \"this network\" address")]
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    #[error("loopback address")]
    Loopback,
    /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`.
    #[error("private address")]
    Private,
    /// `100.64.0.0/10`, shared address space of carrier-grade NAT.
    #[error("carrier-grade NAT address")]
    SharedNat,
    /// `169.254.0.0/16` (cloud metadata services live here), `fe80::/10`.
    #[error("link-local address")]
    LinkLocal,
    /// `fc00::/7` and the deprecated site-local `fec0::/10`.
    #[error("unique-local or site-local IPv6 address")]
    UniqueLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    #[error("multicast address")]
    Multicast,
    /// `255.255.255.255`.
    #[error("broadcast address")]
    Broadcast,
    /// Documentation and benchmarking ranges: `192.0.2.0/24`, `198.51.100.0/24`,
    /// `203.0.113.0/24`, `198.18.0.0/15`, `2001:db8::/32`.
    #[error("documentation or benchmarking address")]
    Documentation,
    /// Ranges with no business receiving callbacks: IETF protocol assignments (`192.0.0.0/24`,
    /// `2001::/23`, Teredo included), the 6to4 relay (`192.88.99.0/24`), `240.0.0.0/4`, the
    /// IPv6 discard prefix (`100::/64`), local-use NAT64 (`64:ff9b:1::/48`) and the deprecated
    /// IPv4-compatible IPv6 addresses (`::/96`).
    #[error("reserved address")]
    Reserved,
}

/// The refused ranges, most specific first where they overlap.
static REFUSED: LazyLock<Vec<(IpNet, Rule)>> = LazyLock::new(|| {
    [
        ("0.0.0.0/8", Rule::Unspecified),
        ("10.0.0.0/8", Rule::Private),
        ("100.64.0.0/10", Rule::SharedNat),
        ("127.0.0.0/8", Rule::Loopback),
        ("169.254.0.0/16", Rule::LinkLocal),
        ("172.16.0.0/12", Rule::Private),
        ("192.0.0.0/24", Rule::Reserved),
        ("192.0.2.0/24", Rule::Documentation),
        ("192.88.99.0/24", Rule::Reserved),
        ("192.168.0.0/16", Rule::Private),
        ("198.18.0.0/15", Rule::Documentation),
        ("198.51.100.0/24", Rule::Documentation),
        ("203.0.113.0/24", Rule::Documentation),
        ("224.0.0.0/4", Rule::Multicast),
        ("255.255.255.255/32", Rule::Broadcast),
        ("240.0.0.0/4", Rule::Reserved),
        ("::/128", Rule::Unspecified),
        ("::1/128", Rule::Loopback),
        ("::/96", Rule::Reserved),
        ("64:ff9b:1::/48", Rule::Reserved),
        ("100::/64", Rule::Reserved),
        ("2001:db8::/32", Rule::Documentation),
        ("2001::/23", Rule::Reserved),
        ("fc00::/7", Rule::UniqueLocal),
        ("fe80::/10", Rule::LinkLocal),
        ("fec0::/10", Rule::UniqueLocal),
        ("ff00::/8", Rule::Multicast),
    ]
    .into_iter()
    .map(|(net, rule)| {
        let net = net
            .parse()
            .unwrap_or_else(|_| unreachable!("{net} is a CIDR range"));
        (net, rule)
    })
    .collect()
});

/// The rule that refuses `ip`, or None when a merchant's URL may reach it. An IPv6 address that
/// carries an IPv4 address (IPv4-mapped, IPv4-translated, NAT64, 6to4) is judged by that one too.
pub fn refused(ip: IpAddr) -> Option<Rule> {
    if let Some(rule) = REFUSED
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, rule)| *rule)
    {
        return Some(rule);
    }
    match ip {
        IpAddr::V6(v6) => embedded_v4(v6).and_then(|v4| refused(IpAddr::V4(v4))),
        IpAddr::V4(_) => None,
    }
}

/// The IPv4 address an IPv6 one stands for, when it carries one: `::ffff:a.b.c.d`
/// (IPv4-mapped), `::ffff:0:a.b.c.d` (IPv4-translated), `64:ff9b::a.b.c.d` (NAT64) and
/// `2002:aabb:ccdd::/48` (6to4). The IPv4-compatible `::a.b.c.d` is refused as a whole instead.
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let segments = ip.segments();
    let octets = ip.octets();
    let last_four = || Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]);
    match segments {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(last_four()),
        [0, 0, 0, 0, 0xffff, 0, _, _] => Some(last_four()),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(last_four()),
        [0x2002, ..] => Some(Ipv4Addr::new(octets[2], octets[3], octets[4], octets[5])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(ip: &str) -> Option<Rule> {
        refused(ip.parse().expect(ip))
    }

    /// Every refused range, in its IPv4 and IPv6 forms, at its edges.
    #[test]
    fn every_refused_range_is_refused() {
        use Rule::*;
        for (ip, expected) in [
            ("0.0.0.0", Unspecified),
            ("0.255.255.255", Unspecified),
            ("::", Unspecified),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("::1", Loopback),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.0.1", Private),
            ("192.168.255.255", Private),
            ("100.64.0.1", SharedNat),
            ("100.127.255.255", SharedNat),
            ("169.254.169.254", LinkLocal),
            ("169.254.0.1", LinkLocal),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("fec0::1", UniqueLocal),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("ff02::1", Multicast),
            ("ff05::2", Multicast),
            ("255.255.255.255", Broadcast),
            ("240.0.0.1", Reserved),
            ("192.0.0.8", Reserved),
            ("192.88.99.1", Reserved),
            ("::7f00:1", Reserved),
            ("100::1", Reserved),
            ("64:ff9b:1::a00:1", Reserved),
            ("2001::1", Reserved),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Documentation),
            ("198.19.255.255", Documentation),
            ("2001:db8::1", Documentation),
            // IPv4-mapped, IPv4-translated, NAT64 and 6to4 forms of refused IPv4 addresses.
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:7f00:1", Loopback),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::ffff:100.64.0.1", SharedNat),
            ("::ffff:0.0.0.0", Unspecified),
            ("::ffff:255.255.255.255", Broadcast),
            ("::ffff:224.0.0.1", Multicast),
            ("::ffff:0:127.0.0.1", Loopback),
            ("::ffff:0:192.168.1.1", Private),
            ("64:ff9b::127.0.0.1", Loopback),
            ("64:ff9b::a9fe:a9fe", LinkLocal),
            ("64:ff9b::172.16.0.1", Private),
            ("2002:7f00:1::1", Loopback),
            ("2002:c0a8:101::1", Private),
        ] {
            assert_eq!(rule(ip), Some(expected), "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "169.253.255.255",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(rule(ip), None, "{ip}");
        }
    }
}
