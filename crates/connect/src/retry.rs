//! Retries with exponential backoff, and the injectable [`Sleeper`] that does the waiting.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::DateTime;
use reqwest::header::{DATE, HeaderMap, RETRY_AFTER};
use spendlens_rng::SplitMix64;

/// A boxed, sendable future: what the object-safe traits of this crate return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Waits between attempts.
///
/// Injected so that tests run retries without waiting for real (and can assert on the delays
/// that were asked for); production uses [`TokioSleeper`].
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Wait for `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps on the tokio timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Where the random part of the backoff comes from.
///
/// A seed rather than a thread-local RNG so that a test can pin the exact delays; the app seeds
/// it once per process so that many workers do not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Exact exponential delays (tests).
    None,
    /// Each delay is drawn from `[delay / 2, delay]` by a generator seeded with this value.
    Seeded(u64),
}

/// How often and how long to retry a request the platform may accept later.
///
/// Retried: rate limiting (HTTP 429, Meta codes 4/17/32/613/80000–80014, Google
/// `RESOURCE_EXHAUSTED` with a `retryDelay`), temporary server errors and connection failures;
/// a used-up quota after its window, when the sync's [`WaitBudget`] covers the wait (a Sheets
/// per-minute quota). Not retried: client errors, a quota whose reset the budget cannot cover
/// (LinkedIn's daily limit, back at midnight UTC), and any wait the platform asks for that is
/// longer than `max_wait` (a sync that would sleep for eleven hours should fail now and be
/// rescheduled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, including the first (at least 1).
    pub max_attempts: u32,
    /// The delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// The cap on a computed backoff delay.
    pub max_delay: Duration,
    /// The longest platform-requested wait (`Retry-After`, `retryDelay`) that is honoured.
    pub max_wait: Duration,
    pub jitter: Jitter,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_wait: Duration::from_secs(120),
            jitter: Jitter::None,
        }
    }
}

impl RetryPolicy {
    /// One attempt and no retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (1 for the first retry): `base * 2^(retry-1)`,
    /// capped at `max_delay`, then jittered.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let delay = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        match self.jitter {
            Jitter::None => delay,
            Jitter::Seeded(seed) => {
                let r = SplitMix64::stream(seed, u64::from(retry)).next_u64();
                // A fraction in [0.5, 1.0] with 16 bits of resolution.
                let frac = 0.5 + (r >> 48) as f64 / f64::from(u32::from(u16::MAX)) / 2.0;
                delay.mul_f64(frac)
            }
        }
    }

    /// The wait before retry number `retry`: the platform's own hint when it gave one, the
    /// backoff otherwise. `None` means give up (out of attempts, or the hint exceeds `max_wait`).
    pub(crate) fn delay_for(&self, retry: u32, hint: Option<Duration>) -> Option<Duration> {
        if retry >= self.max_attempts {
            return None;
        }
        match hint {
            Some(wait) if wait > self.max_wait => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(retry)),
        }
    }
}

/// How long one sync may spend waiting, shared by every request it makes.
///
/// A wait the budget cannot cover is not taken: the request fails with the wait it would have
/// needed, and the app schedules the connection for after it (LinkedIn's daily limit resets at
/// midnight UTC; a sync should not hold a request open for hours). Clones share what was spent,
/// so the app makes one budget per sync ([`crate::HttpClient::with_wait_budget`]).
#[derive(Debug, Clone)]
pub struct WaitBudget {
    limit: Duration,
    spent: Arc<Mutex<Duration>>,
}

/// The wait budget of a client nobody gave one: enough for a per-minute quota or two.
pub const DEFAULT_WAIT_BUDGET: Duration = Duration::from_secs(5 * 60);

impl WaitBudget {
    /// A budget of `limit`, nothing spent.
    pub fn new(limit: Duration) -> Self {
        WaitBudget {
            limit,
            spent: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }

    /// The budget's size.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Spends `wait` if it fits in what is left; whether it did.
    pub fn take(&self, wait: Duration) -> bool {
        let mut spent = self
            .spent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match spent.checked_add(wait) {
            Some(total) if total <= self.limit => {
                *spent = total;
                true
            }
            _ => false,
        }
    }
}

impl Default for WaitBudget {
    fn default() -> Self {
        WaitBudget::new(DEFAULT_WAIT_BUDGET)
    }
}

/// The `Retry-After` header as a duration.
///
/// Delta-seconds are taken as they are. An HTTP-date is measured against the response's own
/// `Date` header (this crate reads no clock); without one it is ignored and the backoff applies.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let now = DateTime::parse_from_rfc2822(headers.get(DATE)?.to_str().ok()?.trim()).ok()?;
    let secs = (at - now).num_seconds().max(0);
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            ..RetryPolicy::default()
        };
        let got: Vec<_> = (1..=5).map(|r| p.backoff(r).as_millis()).collect();
        assert_eq!(got, vec![100, 200, 400, 500, 500]);
    }

    #[test]
    fn seeded_jitter_is_deterministic_and_bounded() {
        let p = RetryPolicy {
            jitter: Jitter::Seeded(42),
            ..RetryPolicy::default()
        };
        for retry in 1..=6 {
            let exact = RetryPolicy::default().backoff(retry);
            let a = p.backoff(retry);
            assert_eq!(a, p.backoff(retry));
            assert!(a >= exact / 2 && a <= exact, "{a:?} vs {exact:?}");
        }
        let other = RetryPolicy {
            jitter: Jitter::Seeded(43),
            ..p
        };
        assert!((1..=6).any(|r| other.backoff(r) != p.backoff(r)));
    }

    #[test]
    fn platform_hint_wins_unless_too_long() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay_for(1, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(p.delay_for(1, None), Some(Duration::from_secs(1)));
        assert_eq!(p.delay_for(1, Some(Duration::from_secs(40_591))), None);
        assert_eq!(p.delay_for(5, None), None);
        assert_eq!(RetryPolicy::never().delay_for(1, None), None);
    }

    #[test]
    fn a_budget_is_spent_once_across_clones() {
        let b = WaitBudget::new(Duration::from_secs(90));
        let c = b.clone();
        assert!(b.take(Duration::from_secs(60)));
        assert!(!c.take(Duration::from_secs(60)), "only 30 s left");
        assert!(c.take(Duration::from_secs(30)));
        assert!(!b.take(Duration::from_millis(1)));
        assert!(WaitBudget::new(Duration::ZERO).take(Duration::ZERO));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("12"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(12)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sat, 01 Jun 2024 10:00:30 GMT"),
        );
        assert_eq!(retry_after(&h), None, "a date needs the Date header");
        h.insert(
            DATE,
            HeaderValue::from_static("Sat, 01 Jun 2024 10:00:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
