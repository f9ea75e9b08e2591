//! The outbound rule for requests the server makes on a user's behalf to a URL a user (or a
//! platform's answer) supplied, such as the finance alert webhook: only public addresses, unless
//! the operator allowed an internal network or host ([`AllowList`]).
//!
//! The rule is applied twice. When the URL is saved, [`check_url`] parses it with the `url`
//! crate (the WHATWG parser every browser uses, which turns `2130706433`, `0x7f000001`, `127.1`,
//! `0177.0.0.1` and full-width digits into `127.0.0.1` and maps international names to ASCII)
//! and refuses credentials, `localhost` and literal non-public addresses. When the request is
//! made, the client from [`Outbound::client_builder`] resolves names through a resolver that drops
//! every non-public address, so a name that resolves to `127.0.0.1` at delivery time (DNS
//! rebinding) is never connected to; literal addresses never reach a resolver, so callers check
//! the URL again with [`Outbound::check_url`] right before sending. Redirects are off (a `302` to
//! `http://169.254.169.254/` is not followed) and so are proxies (a proxy would resolve the name
//! itself, out of the resolver's sight).
//!
//! The platform connectors do not go through this: their hosts are the operator's configuration,
//! and the one URL a platform hands back (Meta's `paging.next`) must stay on the configured
//! origin (see `platform::meta`).

mod address;
mod allow;

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

pub use address::{Range, is_public, special_range};
pub use allow::{AllowList, AllowListError};

use crate::retry::BoxFuture;

/// Why a URL may not be requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not an absolute `http://` or `https://` URL with a host.
    #[error("expected an http:// or https:// URL with a host")]
    NotHttp,
    /// `user:password@` in the URL: credentials do not belong in a URL (and `a@b` tricks the eye
    /// about which host is meant).
    #[error("the URL must not carry a user name or password")]
    Credentials,
    /// `localhost` or a name under `.localhost` (RFC 6761: always the machine itself).
    #[error(
        "{host} is this machine; use a public host (an operator can allow an internal one with webhooks.allow_private)"
    )]
    Localhost { host: String },
    /// A literal address in a special-purpose range.
    #[error(
        "{host} is {range}; use a public host (an operator can allow an internal one with webhooks.allow_private)"
    )]
    NotPublic { host: String, range: Range },
}

/// Checks a URL against the outbound rule and returns it parsed. Only the form of the URL is
/// judged here: what a name resolves to is checked when it is requested.
pub fn check_url(text: &str, allow: &AllowList) -> Result<Url, Refusal> {
    let text = text.trim();
    // The WHATWG parser forgives `https:///x`, `http:host` and backslashes for slashes; a URL
    // to post to is written out plainly.
    let (scheme, rest) = text.split_once("://").ok_or(Refusal::NotHttp)?;
    let http = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    if !http || rest.is_empty() || rest.starts_with(['/', '\\']) {
        return Err(Refusal::NotHttp);
    }
    let url = Url::parse(text).map_err(|_| Refusal::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    match url.host() {
        None => Err(Refusal::NotHttp),
        Some(url::Host::Domain(name)) => {
            let key = allow::host_key(name);
            if key.is_empty() {
                Err(Refusal::NotHttp)
            } else if (key == "localhost" || key.ends_with(".localhost"))
                && !allow.allows_host(name)
            {
                Err(Refusal::Localhost { host: key })
            } else {
                Ok(url)
            }
        }
        Some(url::Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip), allow).map(|()| url),
        Some(url::Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip), allow).map(|()| url),
    }
}

fn check_ip(ip: IpAddr, allow: &AllowList) -> Result<(), Refusal> {
    match special_range(ip) {
        Some(range) if !allow.allows_ip(ip) => Err(Refusal::NotPublic {
            host: ip.to_string(),
            range,
        }),
        _ => Ok(()),
    }
}

/// Whether an address may be connected to: public, or in an allowed network.
fn permitted(ip: IpAddr, allow: &AllowList) -> bool {
    is_public(ip) || allow.allows_ip(ip)
}

/// Resolves a host name to addresses: the system's resolver in production, a fixed table in
/// tests (a name that "resolves to 127.0.0.1 at delivery time").
pub trait HostLookup: Send + Sync + fmt::Debug {
    fn lookup(&self, host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>>;
}

/// The operating system's resolver (`getaddrinfo`, through tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl HostLookup for SystemLookup {
    fn lookup(&self, host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// The resolver error when every address of a name was refused. Found again in a request's
/// error chain by [`is_refused`].
#[derive(Debug, thiserror::Error)]
#[error("the host resolves only to addresses that are not allowed")]
pub struct AddressNotAllowed;

/// Drops the non-public addresses a name resolves to (unless allowed): the connection can only
/// be made to what is left, so re-resolving between a check and the connect cannot sneak an
/// internal address in.
#[derive(Debug)]
struct GuardedResolver {
    allow: Arc<AllowList>,
    lookup: Arc<dyn HostLookup>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let allow = self.allow.clone();
        let found = self.lookup.lookup(host.clone());
        Box::pin(async move {
            let found = found.await?;
            let trusted = allow.allows_host(&host);
            let kept: Vec<SocketAddr> = found
                .iter()
                .filter(|ip| trusted || permitted(**ip, &allow))
                .map(|ip| SocketAddr::new(*ip, 0))
                .collect();
            if kept.is_empty() {
                tracing::warn!(%host, "outbound request refused: the name resolves to no public address");
                return Err(Box::new(AddressNotAllowed) as Box<dyn std::error::Error + Send + Sync>);
            }
            if kept.len() < found.len() {
                tracing::warn!(%host, dropped = found.len() - kept.len(), "non-public addresses dropped from a name's answer");
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The outbound rule with its allow-list and resolver: what checks a URL and builds the HTTP
/// client for requests to user-supplied URLs.
#[derive(Clone)]
pub struct Outbound {
    allow: Arc<AllowList>,
    lookup: Arc<dyn HostLookup>,
}

impl fmt::Debug for Outbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbound")
            .field("allow", &self.allow.to_string())
            .field("lookup", &self.lookup)
            .finish()
    }
}

impl Default for Outbound {
    /// Public addresses only, through the system resolver.
    fn default() -> Self {
        Outbound::new(AllowList::default())
    }
}

impl Outbound {
    /// The rule with the operator's allow-list, resolving through the system.
    pub fn new(allow: AllowList) -> Self {
        Outbound {
            allow: Arc::new(allow),
            lookup: Arc::new(SystemLookup),
        }
    }

    /// The same rule resolving through `lookup` (tests map a name to a loopback address).
    pub fn with_lookup(mut self, lookup: Arc<dyn HostLookup>) -> Self {
        self.lookup = lookup;
        self
    }

    /// The allow-list in force.
    pub fn allow_list(&self) -> &AllowList {
        &self.allow
    }

    /// [`check_url`] with this rule's allow-list.
    pub fn check_url(&self, text: &str) -> Result<Url, Refusal> {
        check_url(text, &self.allow)
    }

    /// A reqwest client builder that resolves through the guard, follows no redirect and uses
    /// no proxy. Callers add their timeouts and build it.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                allow: self.allow.clone(),
                lookup: self.lookup.clone(),
            }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
    }
}

/// Whether a request failed because the guard refused every address of its host.
pub fn is_refused(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<AddressNotAllowed>() {
            return true;
        }
        source = err.source();
    }
    false
}

#[cfg(test)]
mod tests;
