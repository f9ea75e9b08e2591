//! The shared HTTP client: one request with retries, backoff, quota waits and a token refresh
//! on 401.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::SecretString;
use spendlens_core::Platform;

use crate::error::ConnectError;
use crate::oauth::{Clock, TokenSource};
use crate::retry::{RetryPolicy, Sleeper, TokioSleeper, WaitBudget};

/// Turns a non-2xx response into the platform's error: the platform's error envelope decides
/// whether it is a rate limit, a bad token, a temporary failure or a plain refusal.
pub(crate) type Classify = fn(StatusCode, &HeaderMap, &str) -> ConnectError;

/// The reqwest client plus the retry policy and sleeper every connector shares.
///
/// One per process: it holds the connection pool. Redirects are off, so a token is never
/// forwarded to a host nobody configured. A sync takes a copy with its own [`WaitBudget`]
/// ([`HttpClient::with_wait_budget`]) and the app's clock ([`HttpClient::with_clock`]), which
/// dates a daily quota's reset.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    retry: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    /// Shared by every request of one sync; `None`: each request gets a fresh default budget.
    budget: Option<WaitBudget>,
    clock: Option<Arc<dyn Clock>>,
}

impl HttpClient {
    /// A client with a 60-second request timeout, no redirects, the default retry policy and
    /// real sleeping.
    pub fn new() -> Result<Self, ConnectError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("spendlens/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectError::Config(format!("HTTP client: {e}")))?;
        Ok(Self::from_client(client))
    }

    /// Wrap an existing reqwest client (its settings are kept as they are).
    pub fn from_client(client: reqwest::Client) -> Self {
        HttpClient {
            client,
            retry: RetryPolicy::default(),
            sleeper: Arc::new(TokioSleeper),
            budget: None,
            clock: None,
        }
    }

    /// The same client spending its quota waits from `budget` (one per sync: clones share it).
    pub fn with_wait_budget(mut self, budget: WaitBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The same client dating quota resets with `clock` (without one, the answer's `Date`
    /// header is used, and without that the longest wait the reset can take).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The clock's "now", when the app gave one (a sync's client always has it): what dates a
    /// platform's own limits that count back from today (Meta's 37 months of insights).
    pub(crate) fn now(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.clock.as_ref().map(|c| c.now())
    }

    /// Waits `duration` on the injected sleeper (the Meta report poller's pause between polls).
    pub(crate) async fn pause(&self, duration: Duration) {
        self.sleeper.sleep(duration).await;
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The same client with another sleeper (tests inject one that records instead of waiting).
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// The underlying reqwest client, for the OAuth token endpoints.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    /// Send the request `build` makes until it succeeds, fails for good, or the policy runs out;
    /// returns the 2xx body.
    ///
    /// `build` is called once per attempt with the current access token, because a retry after
    /// a refresh must carry the new one. A 401-style rejection triggers one renewal that does not
    /// count as an attempt.
    pub(crate) async fn send(
        &self,
        platform: Platform,
        token: Option<&dyn TokenSource>,
        build: impl Fn(&reqwest::Client, Option<&SecretString>) -> reqwest::RequestBuilder,
        classify: Classify,
    ) -> Result<String, ConnectError> {
        let mut retry = 0u32;
        let mut renewed = false;
        let budget = self.budget.clone().unwrap_or_default();
        loop {
            let access = match token {
                Some(t) => Some(t.access_token().await?),
                None => None,
            };
            let outcome = self
                .attempt(platform, build(&self.client, access.as_ref()), classify)
                .await;
            let err = match outcome {
                Ok(body) => return Ok(body),
                Err(err) => err,
            };
            let hint = match &err {
                ConnectError::Unauthorized { .. } => {
                    if let (Some(t), Some(a), false) = (token, access.as_ref(), renewed) {
                        renewed = true;
                        if t.renew(a).await? {
                            tracing::info!(%platform, "access token rejected; retrying with a renewed token");
                            continue;
                        }
                    }
                    return Err(err);
                }
                ConnectError::QuotaExhausted { .. } => {
                    let (err, wait) = self.dated(err);
                    retry += 1;
                    if retry >= self.retry.max_attempts || !budget.take(wait) {
                        tracing::warn!(%platform, wait_secs = wait.as_secs(), error = %err, "quota exhausted; not waiting that long");
                        return Err(err);
                    }
                    tracing::warn!(%platform, attempt = retry, wait_secs = wait.as_secs(), error = %err, "quota exhausted; waiting for it to come back");
                    self.sleeper.sleep(wait).await;
                    continue;
                }
                ConnectError::RateLimited { retry_after, .. } => *retry_after,
                ConnectError::Unavailable { .. } => None,
                ConnectError::Transport { source, .. }
                    if source.is_timeout()
                        || source.is_connect()
                        || source.is_request()
                        || source.is_body() =>
                {
                    None
                }
                _ => return Err(err),
            };
            retry += 1;
            let Some(delay) = self.retry.delay_for(retry, hint) else {
                tracing::warn!(%platform, attempts = retry, error = %err, "giving up");
                return Err(err);
            };
            tracing::warn!(
                %platform,
                attempt = retry,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %err,
                "retrying"
            );
            self.sleeper.sleep(delay).await;
        }
    }

    /// A quota error with its wait until the reset filled in (from the clock when the client has
    /// one, else from the answer's `Date`, else the longest the reset can take), and that wait.
    fn dated(&self, err: ConnectError) -> (ConnectError, Duration) {
        match err {
            ConnectError::QuotaExhausted {
                platform,
                status,
                code,
                message,
                quota,
                wait,
            } => {
                let wait = match &self.clock {
                    Some(clock) => quota.reset.wait_from(clock.now()),
                    None => wait.unwrap_or_else(|| quota.reset.longest_wait()),
                };
                let err = ConnectError::QuotaExhausted {
                    platform,
                    status,
                    code,
                    message,
                    quota,
                    wait: Some(wait),
                };
                (err, wait)
            }
            other => (other, Duration::ZERO),
        }
    }

    async fn attempt(
        &self,
        platform: Platform,
        request: reqwest::RequestBuilder,
        classify: Classify,
    ) -> Result<String, ConnectError> {
        let resp = request
            .send()
            .await
            .map_err(|e| ConnectError::transport(platform, e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .text()
            .await
            .map_err(|e| ConnectError::transport(platform, e))?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(classify(status, &headers, &body))
        }
    }
}

/// The error for a response that does not carry the platform's error envelope (a proxy page, an
/// empty body): classified by the status alone.
pub(crate) fn by_status(
    platform: Platform,
    status: StatusCode,
    headers: &HeaderMap,
    code: Option<String>,
    message: String,
) -> ConnectError {
    let status_u16 = status.as_u16();
    match status {
        StatusCode::UNAUTHORIZED => ConnectError::Unauthorized {
            platform,
            status: status_u16,
            code,
            message,
        },
        StatusCode::TOO_MANY_REQUESTS => ConnectError::RateLimited {
            platform,
            status: status_u16,
            code,
            message,
            retry_after: crate::retry::retry_after(headers),
        },
        s if s.is_server_error() => ConnectError::Unavailable {
            platform,
            status: status_u16,
            code,
            message,
        },
        _ => ConnectError::Api {
            platform,
            status: status_u16,
            code,
            message,
        },
    }
}

/// A used-up quota as an error, its wait dated by the answer's `Date` header when it has one
/// (the client replaces it with its clock's when it has a clock, see `HttpClient::with_clock`).
pub(crate) fn quota_exhausted(
    platform: Platform,
    status: StatusCode,
    headers: &HeaderMap,
    code: Option<String>,
    message: String,
    quota: crate::quota::Quota,
) -> ConnectError {
    let answered_at = headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v.trim()).ok())
        .map(|t| t.to_utc());
    ConnectError::QuotaExhausted {
        platform,
        status: status.as_u16(),
        code,
        message,
        quota,
        wait: answered_at.map(|now| quota.reset.wait_from(now)),
    }
}

/// Join path segments onto a configured base URL, percent-encoding each segment.
pub(crate) fn endpoint(base: &url::Url, segments: &[&str]) -> Result<url::Url, ConnectError> {
    let mut url = base.clone();
    {
        let mut path = url
            .path_segments_mut()
            .map_err(|()| ConnectError::Config(format!("base URL {base} cannot have a path")))?;
        path.pop_if_empty();
        for s in segments {
            path.push(s);
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_encodes_segments_and_keeps_base_path() {
        let base = url::Url::parse("http://127.0.0.1:9/prefix/").expect("url");
        let u = endpoint(
            &base,
            &["v4", "spreadsheets", "abc", "values", "'Spend Tracker'!A:J"],
        )
        .expect("url");
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:9/prefix/v4/spreadsheets/abc/values/'Spend%20Tracker'!A:J"
        );
    }
}
