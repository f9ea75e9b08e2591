//! Why a delivery failed, in the few words the alerts page and API show.

use std::fmt;

/// Why a delivery failed, as recorded on the alert and shown on the alerts page and API: a
/// category, never what the receiver answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryFailure {
    /// The host is not public (and not allowed), or resolves only to such addresses.
    AddressNotAllowed,
    /// The stored URL is no longer an http(s) URL.
    InvalidUrl,
    HostNotFound,
    ConnectionRefused,
    TimedOut,
    Tls,
    /// Any other network failure (reset, closed early).
    ConnectionFailed,
    /// The receiver answered with this non-2xx status.
    Http(u16),
    /// The stored secret cannot be opened with the server's key.
    SecretUnreadable,
    /// A secret is stored but the server has no key to open it.
    NoSecretKey,
    /// The sender could not be set up (no HTTP client, an unencodable body).
    NotSent,
}

impl fmt::Display for DeliveryFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeliveryFailure::AddressNotAllowed => "address not allowed",
            DeliveryFailure::InvalidUrl => "invalid URL",
            DeliveryFailure::HostNotFound => "host not found",
            DeliveryFailure::ConnectionRefused => "connection refused",
            DeliveryFailure::TimedOut => "timed out",
            DeliveryFailure::Tls => "TLS error",
            DeliveryFailure::ConnectionFailed => "connection failed",
            DeliveryFailure::Http(status) => return write!(f, "HTTP {status}"),
            DeliveryFailure::SecretUnreadable => {
                "the webhook secret cannot be opened (was secret_key changed?)"
            }
            DeliveryFailure::NoSecretKey => {
                "a webhook secret is stored but the server has no secret_key"
            }
            DeliveryFailure::NotSent => "not sent",
        })
    }
}

impl DeliveryFailure {
    /// The category of a request that got no answer.
    pub(super) fn of(e: &reqwest::Error) -> DeliveryFailure {
        if spendlens_connect::outbound::is_refused(e) {
            return DeliveryFailure::AddressNotAllowed;
        }
        if e.is_timeout() {
            return DeliveryFailure::TimedOut;
        }
        if e.is_dns() {
            return DeliveryFailure::HostNotFound;
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = source {
            source = err.source();
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => {
                        return DeliveryFailure::ConnectionRefused;
                    }
                    std::io::ErrorKind::TimedOut => return DeliveryFailure::TimedOut,
                    // rustls reports a failed handshake or certificate as invalid data.
                    std::io::ErrorKind::InvalidData => return DeliveryFailure::Tls,
                    _ => {}
                }
                // An io::Error's `source` skips the error it wraps: step into it instead.
                if let Some(inner) = io.get_ref() {
                    source = Some(inner);
                }
            }
        }
        DeliveryFailure::ConnectionFailed
    }

    /// Whether another try of the same delivery could go differently.
    pub fn is_transient(self) -> bool {
        !matches!(
            self,
            DeliveryFailure::AddressNotAllowed
                | DeliveryFailure::InvalidUrl
                | DeliveryFailure::SecretUnreadable
                | DeliveryFailure::NoSecretKey
                | DeliveryFailure::NotSent
        )
    }
}
