//! The sign-in rate limiter: attempts counted per client address and per e-mail address in a
//! sliding window, so that guessing passwords is slow whichever of the two an attacker varies.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts sign-in attempts per client address and per e-mail address in a sliding window.
///
/// In memory, per instance: with several instances each allows the limit, which still bounds
/// guessing to a small multiple; the point is to stop brute force, not to meter.
#[derive(Debug)]
pub struct LoginLimiter {
    max: u32,
    window: Duration,
    attempts: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    /// A limiter allowing `max` attempts (at least one) per key in any `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        LoginLimiter {
            max: max.max(1),
            window,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Records an attempt for `ip` and `email`; `Err(seconds)` to wait when either is over the
    /// limit (the attempt is then not counted).
    pub fn check(&self, ip: Option<IpAddr>, email: &str, now: Instant) -> Result<(), u64> {
        let keys = [
            ip.map(|ip| format!("ip:{ip}")),
            Some(format!("email:{}", email.trim().to_lowercase())),
        ];
        let mut map = self
            .attempts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < self.window);
            !times.is_empty()
        });
        for key in keys.iter().flatten() {
            if let Some(times) = map.get(key)
                && times.len() >= self.max as usize
            {
                let oldest = times.iter().min().copied().unwrap_or(now);
                let wait = self.window.saturating_sub(now.duration_since(oldest));
                return Err(wait.as_secs().max(1));
            }
        }
        for key in keys.into_iter().flatten() {
            map.entry(key).or_default().push(now);
        }
        Ok(())
    }

    /// Forgets the attempts of an e-mail address after a successful sign-in.
    pub fn clear_email(&self, email: &str) {
        let mut map = self
            .attempts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&format!("email:{}", email.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_email_and_per_address_within_the_window() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert!(limiter.check(ip, "a@x.io", t0).is_ok());
        }
        assert!(
            limiter.check(ip, "A@x.io", t0).is_err(),
            "same e-mail, any case"
        );
        assert!(limiter.check(ip, "b@x.io", t0).is_err(), "same address");
        assert!(limiter.check(None, "b@x.io", t0).is_ok());
        assert!(
            limiter
                .check(ip, "a@x.io", t0 + Duration::from_secs(61))
                .is_ok(),
            "window passed"
        );
    }
}
