//! The operator's exceptions to the outbound rule: networks (`10.0.0.0/8`), single addresses
//! (`127.0.0.1`) and host names (`hooks.internal`) a deployment really posts to although they
//! are internal. Empty by default; it is server configuration, never something a user sets.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

/// Networks and host names exempt from the refusal of non-public addresses.
///
/// A host name on the list is trusted whatever it resolves to (the operator named it); any other
/// name is judged by the addresses it resolves to, each checked against the networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    nets: Vec<IpNet>,
    hosts: Vec<String>,
}

/// An allow-list entry that is neither a network, an address nor a host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?} is not an address, a network (10.0.0.0/8) or a host name")]
pub struct AllowListError {
    pub entry: String,
}

impl AllowList {
    /// Parses the configured entries; the first unusable one is the error (the server refuses to
    /// start rather than guess what was meant).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<AllowList, AllowListError> {
        let mut list = AllowList::default();
        for raw in entries {
            let entry = raw.as_ref().trim();
            let bad = || AllowListError {
                entry: entry.to_owned(),
            };
            if entry.is_empty() {
                return Err(bad());
            }
            if let Ok(net) = entry.parse::<IpNet>() {
                list.nets.push(net.trunc());
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                list.nets.push(IpNet::from(ip));
            } else if entry.contains('/') {
                return Err(bad());
            } else {
                match url::Host::parse(entry).map_err(|_| bad())? {
                    url::Host::Domain(name) => list.hosts.push(host_key(&name)),
                    url::Host::Ipv4(ip) => list.nets.push(IpNet::from(IpAddr::V4(ip))),
                    url::Host::Ipv6(ip) => list.nets.push(IpNet::from(IpAddr::V6(ip))),
                }
            }
        }
        Ok(list)
    }

    /// Whether nothing is exempt (the default).
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty() && self.hosts.is_empty()
    }

    /// Whether `ip` lies in a listed network (an IPv4-mapped IPv6 address counts as its IPv4
    /// address).
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let canonical = ip.to_canonical();
        self.nets
            .iter()
            .any(|n| n.contains(&ip) || n.contains(&canonical))
    }

    /// Whether the host name is listed (case and a trailing dot do not matter).
    pub fn allows_host(&self, name: &str) -> bool {
        let key = host_key(name);
        self.hosts.contains(&key)
    }
}

impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self
            .nets
            .iter()
            .map(ToString::to_string)
            .chain(self.hosts.iter().cloned())
            .collect();
        write!(f, "[{}]", entries.join(", "))
    }
}

/// A host name as compared: lower case, without the trailing dot of a fully qualified name.
pub(crate) fn host_key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn networks_addresses_and_names() {
        let list = AllowList::parse(&[
            "10.0.0.0/8",
            "192.168.1.7",
            " fd00::/8 ",
            "Hooks.Internal.",
            "0x7f.1",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(list.allows_ip(ip("10.255.0.1")) && !list.allows_ip(ip("11.0.0.1")));
        assert!(list.allows_ip(ip("192.168.1.7")) && !list.allows_ip(ip("192.168.1.8")));
        assert!(list.allows_ip(ip("fd12::1")) && !list.allows_ip(ip("fc00::1")));
        assert!(
            list.allows_ip(ip("::ffff:10.1.1.1")),
            "mapped counts as IPv4"
        );
        assert!(list.allows_ip(ip("127.0.0.1")), "0x7f.1 is 127.0.0.1");
        assert!(list.allows_host("hooks.internal") && list.allows_host("HOOKS.internal."));
        assert!(!list.allows_host("other.internal"));
        assert_eq!(
            list.to_string(),
            "[10.0.0.0/8, 192.168.1.7/32, fd00::/8, 127.0.0.1/32, hooks.internal]"
        );
        assert!(AllowList::default().is_empty() && !list.is_empty());
    }

    #[test]
    fn an_unusable_entry_is_named() {
        for bad in ["", "10.0.0.0/33", "not a host", "10.0.0.0/x", "http://x/"] {
            assert_eq!(
                AllowList::parse(&[bad]),
                Err(AllowListError {
                    entry: bad.trim().to_owned()
                }),
                "{bad:?}"
            );
        }
    }
}
