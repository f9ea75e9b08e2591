//! The one error type of the crate.

use std::time::Duration;

use spendlens_core::Platform;

use crate::cipher::CipherError;
use crate::quota::Quota;

/// Why a connector call failed.
///
/// Every variant names the platform and, where the platform answered, the HTTP status plus the
/// platform's own error code and a short message of ours for that code (see `reason`), because
/// that is what a person needs to fix a connection ("Meta code 190: the access token is invalid
/// or has expired" rather than "HTTP 400"). The text shows up in API answers and is stored as a
/// connection's `last_error`, so variants never carry a token, a request URL (Meta's paging URLs
/// embed one) or any text of the response: the platform's free-text message is read only to
/// classify the error, its code is cut to [`MAX_CODE_CHARS`] of a safe alphabet, reqwest errors
/// are stripped of their URL before they are wrapped, and decoding messages (which may quote a
/// value) lose their control characters and are cut to [`MAX_MESSAGE_CHARS`].
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The platform refused the request for a reason retrying will not fix (bad request,
    /// permission denied, unknown account).
    #[error("{platform}: HTTP {status}{}: {message}", code_suffix(code.as_deref()))]
    Api {
        platform: Platform,
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// The platform throttled us and a short wait may help; `retry_after` is the platform's own
    /// hint (a `Retry-After` header, Google's `retryDelay`, Meta's usage header) when it gave one.
    #[error("{platform}: rate limited (HTTP {status}{}): {message}", code_suffix(code.as_deref()))]
    RateLimited {
        platform: Platform,
        status: u16,
        code: Option<String>,
        message: String,
        retry_after: Option<Duration>,
    },
    /// A quota is used up (`quota` names it and says when it comes back): the client waited for
    /// it as long as the sync's wait budget allowed, and no longer. `wait` is how long from the
    /// answer until the quota is back (when known), so the app can schedule the next attempt.
    #[error("{platform}: quota exhausted (HTTP {status}{}): {quota}", code_suffix(code.as_deref()))]
    QuotaExhausted {
        platform: Platform,
        status: u16,
        code: Option<String>,
        message: String,
        quota: Quota,
        wait: Option<Duration>,
    },
    /// The platform no longer serves the API version the request named (Google Ads
    /// `UNSUPPORTED_VERSION`, Meta #2635, LinkedIn 426 `NONEXISTENT_VERSION`): nothing works until
    /// a current version is configured.
    #[error("{platform}: HTTP {status}{}: the platform no longer serves {}", code_suffix(code.as_deref()), version_words(version.as_deref()))]
    RetiredVersion {
        platform: Platform,
        status: u16,
        code: Option<String>,
        version: Option<String>,
    },
    /// A temporary server-side failure (5xx, Meta `is_transient`, Google `UNAVAILABLE`).
    #[error("{platform}: temporarily unavailable (HTTP {status}{}): {message}", code_suffix(code.as_deref()))]
    Unavailable {
        platform: Platform,
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// The platform rejected the access token and it could not be refreshed: the user has to
    /// authorise the connection again. The stored connection must be kept (not deleted).
    #[error("{platform}: not authorised (HTTP {status}{}): {message}; the connection needs to be re-authorised", code_suffix(code.as_deref()))]
    Unauthorized {
        platform: Platform,
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// The grant's own lifetime is over (LinkedIn refresh tokens last 365 days and refreshing
    /// does not extend them): no refresh can help, the user has to authorise again. Reported
    /// with the day instead of the token endpoint's bare `invalid_grant`.
    #[error("the authorisation expired on {expired_on}; the connection needs to be re-authorised")]
    GrantExpired { expired_on: chrono::NaiveDate },
    /// Every day asked for is older than the platform keeps reports (Meta: 37 months), so no
    /// request is sent: the platform would refuse it, and its refusal says less.
    #[error(
        "{platform}: the platform keeps reports for {months} months, so the earliest day it serves is {earliest}: ask for days from {earliest} on"
    )]
    BeyondRetention {
        platform: Platform,
        months: u32,
        earliest: chrono::NaiveDate,
    },
    /// The request did not complete (connection refused, timeout, TLS). The URL is removed.
    #[error("{platform}: request failed: {source}")]
    Transport {
        platform: Platform,
        #[source]
        source: reqwest::Error,
    },
    /// The platform answered 2xx but with a payload this crate cannot read completely, so the
    /// whole fetch is refused rather than returning some of the rows.
    #[error("{platform}: unexpected response: {message}")]
    Decode { platform: Platform, message: String },
    /// The OAuth authorisation server refused a code exchange or a refresh (`invalid_grant`
    /// means the user must authorise again).
    #[error("OAuth token endpoint: {code}: {message}")]
    OAuth { code: String, message: String },
    /// The connector or OAuth configuration is unusable (bad base URL, malformed account id).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Sealing or opening a stored token failed.
    #[error(transparent)]
    Cipher(#[from] CipherError),
}

/// Messages are cut to this many characters before they go into an error.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// Platform error codes are cut to this many characters.
pub const MAX_CODE_CHARS: usize = 64;

fn version_words(version: Option<&str>) -> String {
    version.map_or_else(
        || "the API version in use".to_owned(),
        |v| format!("API version {v}"),
    )
}

fn code_suffix(code: Option<&str>) -> String {
    code.map(|c| format!(", code {c}")).unwrap_or_default()
}

impl ConnectError {
    /// Wrap a reqwest error without the URL it carries (Meta's URLs can hold a token).
    pub(crate) fn transport(platform: Platform, source: reqwest::Error) -> Self {
        ConnectError::Transport {
            platform,
            source: source.without_url(),
        }
    }

    /// A payload that cannot be read; the message may quote a value of the response, so it is
    /// cleaned and cut like any text that came from outside.
    pub(crate) fn decode(platform: Platform, message: impl Into<String>) -> Self {
        ConnectError::Decode {
            platform,
            message: clip(&message.into()),
        }
    }

    /// Whether the failure is the platform asking us to slow down for a short while.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, ConnectError::RateLimited { .. })
    }

    /// How long until the platform takes calls again, when it said so and the client did not
    /// wait: a quota's reset, or a throttle hint longer than the client may wait. The app turns
    /// it into a scheduled retry instead of a failure to fix.
    pub fn wait(&self) -> Option<Duration> {
        match self {
            ConnectError::QuotaExhausted { wait, quota, .. } => {
                Some(wait.unwrap_or_else(|| quota.reset.longest_wait()))
            }
            ConnectError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The same error naming the API version the failed request used (a retired-version answer
    /// does not always say which).
    pub(crate) fn with_version(self, used: &str) -> Self {
        match self {
            ConnectError::RetiredVersion {
                platform,
                status,
                code,
                version: None,
            } => ConnectError::RetiredVersion {
                platform,
                status,
                code,
                version: Some(used.to_owned()),
            },
            other => other,
        }
    }

    /// Whether the platform no longer serves the API version the request named.
    pub fn is_retired_version(&self) -> bool {
        matches!(self, ConnectError::RetiredVersion { .. })
    }

    /// Whether the user has to authorise the connection again.
    pub fn requires_reauthorization(&self) -> bool {
        match self {
            ConnectError::Unauthorized { .. } | ConnectError::GrantExpired { .. } => true,
            ConnectError::OAuth { code, .. } => code == "invalid_grant",
            _ => false,
        }
    }
}

/// Whether a character may not be shown: control characters (a forged log line, a terminal
/// escape) and the invisible formatting ones that reorder or hide text (bidi overrides such as
/// U+202E, zero-width characters, the byte-order mark).
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// A text from outside made safe to show: hidden characters removed, whitespace runs folded to
/// one space, cut to `max` characters (with `…` when cut).
pub fn safe_text(text: &str, max: usize) -> String {
    let cleaned: String = text
        .split(|c: char| c.is_whitespace() || is_hidden(c))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut out: String = cleaned.chars().take(max).collect();
    if cleaned.chars().count() > max {
        out.push('…');
    }
    out
}

/// A platform's error code made safe to show: letters, digits and `_ . / : -` only, at most
/// [`MAX_CODE_CHARS`]; `None` when nothing is left.
pub fn safe_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | ':' | '-'))
        .take(MAX_CODE_CHARS)
        .collect();
    (!code.is_empty()).then_some(code)
}

/// Cut a message to [`MAX_MESSAGE_CHARS`] characters, without hidden characters.
pub(crate) fn clip(message: &str) -> String {
    safe_text(message, MAX_MESSAGE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_platform_status_and_code() {
        let e = ConnectError::Api {
            platform: Platform::Meta,
            status: 400,
            code: Some("100".into()),
            message: "Invalid parameter".into(),
        };
        assert_eq!(e.to_string(), "meta: HTTP 400, code 100: Invalid parameter");
    }

    #[test]
    fn long_messages_are_clipped() {
        let long = "x".repeat(1000);
        let clipped = clip(&long);
        assert_eq!(clipped.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(clip(" short "), "short");
    }

    #[test]
    fn hidden_characters_are_removed_and_codes_keep_a_safe_alphabet() {
        assert_eq!(
            safe_text("a\r\nFAKE LOG LINE\u{1b}[31m \u{202E}gpj.exe\u{0}", 100),
            "a FAKE LOG LINE [31m gpj.exe"
        );
        assert_eq!(safe_text("x\u{200B}y", 100), "x y");
        assert_eq!(safe_code("190/463").as_deref(), Some("190/463"));
        assert_eq!(
            safe_code("quotaError.RESOURCE_EXHAUSTED").as_deref(),
            Some("quotaError.RESOURCE_EXHAUSTED")
        );
        assert_eq!(safe_code("<script>\n").as_deref(), Some("script"));
        assert_eq!(
            safe_code(&"A".repeat(500)).map(|c| c.len()),
            Some(MAX_CODE_CHARS)
        );
        assert_eq!(safe_code(" \u{202E} "), None);
    }
}
