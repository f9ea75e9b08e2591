//! Which IP addresses are public: the special-purpose ranges of the IANA IPv4 and IPv6 registries
//! that a request made on a user's behalf must never reach (loopback, private networks,
//! link-local and the cloud metadata address, carrier-grade NAT, documentation, multicast…).
//!
//! std's `Ipv4Addr`/`Ipv6Addr` methods name most of them; the ranges std only has behind unstable
//! features (shared address space, benchmarking, reserved, `is_global`) are written out here, and
//! IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by the address they
//! embed, so `[::ffff:127.0.0.1]` is loopback like `127.0.0.1`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The special-purpose range an address belongs to (why it is not public).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// `0.0.0.0/8`, `::`: "this host", which most systems route to themselves.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// `10/8`, `172.16/12`, `192.168/16`, and IPv6 unique local `fc00::/7`, site-local
    /// `fec0::/10` and the local-use NAT64 prefix `64:ff9b:1::/48`.
    Private,
    /// `169.254/16` (the cloud metadata endpoint lives there), `fe80::/10`.
    LinkLocal,
    /// `100.64.0.0/10`, carrier-grade NAT (RFC 6598).
    SharedAddressSpace,
    /// `192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15`.
    Benchmarking,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// Everything else set aside: `192.0.0/24`, `192.88.99/24`, `240.0.0.0/4` with the
    /// broadcast address, `2001::/23`, `100::/64`, the IPv4-compatible `::/96` and IPv6 space
    /// outside global unicast `2000::/3`.
    Reserved,
}

impl Range {
    /// The words a refusal uses ("a loopback address").
    pub fn describe(self) -> &'static str {
        match self {
            Range::Unspecified => "an unspecified (this-host) address",
            Range::Loopback => "a loopback address",
            Range::Private => "a private-network address",
            Range::LinkLocal => "a link-local address",
            Range::SharedAddressSpace => "a carrier-grade NAT address",
            Range::Documentation => "a documentation address",
            Range::Benchmarking => "a benchmarking address",
            Range::Multicast => "a multicast address",
            Range::Reserved => "a reserved address",
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The special-purpose range of `ip`, or `None` when it is a public address.
pub fn special_range(ip: IpAddr) -> Option<Range> {
    match ip {
        IpAddr::V4(v4) => v4_range(v4),
        IpAddr::V6(v6) => v6_range(v6),
    }
}

/// Whether `ip` is a public address (no special-purpose range).
pub fn is_public(ip: IpAddr) -> bool {
    special_range(ip).is_none()
}

fn v4_range(ip: Ipv4Addr) -> Option<Range> {
    let [a, b, c, _] = ip.octets();
    if a == 0 {
        Some(Range::Unspecified)
    } else if ip.is_loopback() {
        Some(Range::Loopback)
    } else if ip.is_private() {
        Some(Range::Private)
    } else if ip.is_link_local() {
        Some(Range::LinkLocal)
    } else if a == 100 && (b & 0xc0) == 64 {
        Some(Range::SharedAddressSpace)
    } else if ip.is_documentation() {
        Some(Range::Documentation)
    } else if a == 198 && (b & 0xfe) == 18 {
        Some(Range::Benchmarking)
    } else if ip.is_multicast() {
        Some(Range::Multicast)
    } else if (a == 192 && b == 0 && c == 0) || (a == 192 && b == 88 && c == 99) || a >= 240 {
        Some(Range::Reserved)
    } else {
        None
    }
}

fn v6_range(ip: Ipv6Addr) -> Option<Range> {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if ip.is_unspecified() {
        Some(Range::Unspecified)
    } else if ip.is_loopback() {
        Some(Range::Loopback)
    } else if let Some(v4) = ip.to_ipv4_mapped() {
        v4_range(v4)
    } else if s[..6] == [0; 6] {
        // IPv4-compatible (`::a.b.c.d`), deprecated and never routed.
        Some(Range::Reserved)
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 (RFC 6052): the gateway connects to the embedded IPv4 address.
        v4_range(embedded(s[6], s[7]))
    } else if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        Some(Range::Private)
    } else if s[0] == 0x2002 {
        // 6to4: the relay forwards to the embedded IPv4 address.
        v4_range(embedded(s[1], s[2]))
    } else if (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && s[1] < 0x1000) {
        Some(Range::Documentation)
    } else if ip.is_unique_local() || (s[0] & 0xffc0) == 0xfec0 {
        Some(Range::Private)
    } else if ip.is_unicast_link_local() {
        Some(Range::LinkLocal)
    } else if ip.is_multicast() {
        Some(Range::Multicast)
    } else if (s[0] == 0x2001 && s[1] < 0x0200) || (s[0] & 0xe000) != 0x2000 {
        Some(Range::Reserved)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each address with the range it must be classified in (`None`: public).
    fn check(cases: &[(&str, Option<Range>)]) {
        for (text, expected) in cases {
            let ip: IpAddr = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(special_range(ip), *expected, "{text}");
        }
    }

    #[test]
    fn ipv4_ranges_on_both_sides_of_each_boundary() {
        use Range::*;
        check(&[
            ("0.0.0.0", Some(Unspecified)),
            ("0.255.255.255", Some(Unspecified)),
            ("1.0.0.0", None),
            ("9.255.255.255", None),
            ("10.0.0.0", Some(Private)),
            ("10.255.255.255", Some(Private)),
            ("11.0.0.0", None),
            ("100.63.255.255", None),
            ("100.64.0.0", Some(SharedAddressSpace)),
            ("100.127.255.255", Some(SharedAddressSpace)),
            ("100.128.0.0", None),
            ("126.255.255.255", None),
            ("127.0.0.0", Some(Loopback)),
            ("127.0.0.1", Some(Loopback)),
            ("127.255.255.255", Some(Loopback)),
            ("128.0.0.0", None),
            ("169.253.255.255", None),
            ("169.254.0.0", Some(LinkLocal)),
            ("169.254.169.254", Some(LinkLocal)),
            ("169.254.255.255", Some(LinkLocal)),
            ("169.255.0.0", None),
            ("172.15.255.255", None),
            ("172.16.0.0", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.0", None),
            ("191.255.255.255", None),
            ("192.0.0.0", Some(Reserved)),
            ("192.0.0.255", Some(Reserved)),
            ("192.0.1.0", None),
            ("192.0.2.0", Some(Documentation)),
            ("192.0.2.255", Some(Documentation)),
            ("192.0.3.0", None),
            ("192.88.98.255", None),
            ("192.88.99.0", Some(Reserved)),
            ("192.88.100.0", None),
            ("192.167.255.255", None),
            ("192.168.0.0", Some(Private)),
            ("192.168.255.255", Some(Private)),
            ("192.169.0.0", None),
            ("198.17.255.255", None),
            ("198.18.0.0", Some(Benchmarking)),
            ("198.19.255.255", Some(Benchmarking)),
            ("198.20.0.0", None),
            ("198.51.100.7", Some(Documentation)),
            ("203.0.113.9", Some(Documentation)),
            ("203.0.114.0", None),
            ("223.255.255.255", None),
            ("224.0.0.0", Some(Multicast)),
            ("239.255.255.255", Some(Multicast)),
            ("240.0.0.0", Some(Reserved)),
            ("255.255.255.255", Some(Reserved)),
            ("8.8.8.8", None),
            ("93.184.215.14", None),
        ]);
    }

    #[test]
    fn ipv6_ranges_and_embedded_ipv4_addresses() {
        use Range::*;
        check(&[
            ("::", Some(Unspecified)),
            ("::1", Some(Loopback)),
            ("::2", Some(Reserved)),
            ("::127.0.0.1", Some(Reserved)),
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:10.1.2.3", Some(Private)),
            ("::ffff:169.254.169.254", Some(LinkLocal)),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::7f00:1", Some(Loopback)),
            ("64:ff9b::a9fe:a9fe", Some(LinkLocal)),
            ("64:ff9b::808:808", None),
            ("64:ff9b:1::1", Some(Private)),
            ("100::1", Some(Reserved)),
            ("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Some(Reserved)),
            ("2000::", None),
            ("2001::1", Some(Reserved)),
            ("2001:1ff:ffff::", Some(Reserved)),
            ("2001:200::", None),
            ("2001:db7:ffff::", None),
            ("2001:db8::1", Some(Documentation)),
            ("2001:db9::", None),
            ("2002:7f00:1::", Some(Loopback)),
            ("2002:c0a8:101::", Some(Private)),
            ("2002:808:808::", None),
            ("2606:4700::1111", None),
            ("3ffe:ffff::", None),
            ("3fff::1", Some(Documentation)),
            ("3fff:fff::", Some(Documentation)),
            ("3fff:1000::", None),
            ("4000::", Some(Reserved)),
            ("fbff:ffff::", Some(Reserved)),
            ("fc00::", Some(Private)),
            ("fdff:ffff::1", Some(Private)),
            ("fe00::", Some(Reserved)),
            ("fe7f:ffff::", Some(Reserved)),
            ("fe80::", Some(LinkLocal)),
            ("fe80::1", Some(LinkLocal)),
            ("febf:ffff::", Some(LinkLocal)),
            ("fec0::", Some(Private)),
            ("feff:ffff::", Some(Private)),
            ("ff00::", Some(Multicast)),
            ("ff02::1", Some(Multicast)),
        ]);
    }
}
