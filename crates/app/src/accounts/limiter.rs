//! Rate limits on sign-in and registration, counted in the database so that they hold across
//! every instance of a deployment.
//!
//! Sign-in attempts count against the client address (many e-mails guessed from one place) and
//! against the e-mail *from that address* (one account guessed slowly), never against the e-mail
//! alone: a limit on the e-mail alone would let anyone lock its owner out from everywhere by
//! failing on purpose. A successful sign-in is not counted, and forgets that e-mail's failures
//! from that address. Registrations count against the client address. An attempt is recorded
//! before it is judged (so that parallel guesses cannot all slip under the limit) and forgotten
//! when it is refused for the limit or succeeds. Keys are stored as SHA-256.

use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};

use super::{AccountError, hash_secret};
use crate::context::Context;

/// At most `max` attempts (at least one) per key in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub window: TimeDelta,
}

/// The limits of a server (see its settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthLimits {
    /// Failed sign-ins per e-mail from one client address.
    pub login_per_account: RateLimit,
    /// Failed sign-ins from one client address, whatever the e-mail.
    pub login_per_address: RateLimit,
    /// Registrations from one client address.
    pub register_per_address: RateLimit,
}

/// What an attempt is counted against (the stored `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    LoginAddress,
    LoginAccount,
    RegisterAddress,
    /// Password-reset requests: counted apart from registrations, so that whoever uses up the
    /// registrations of an office's shared address does not stop everyone behind it from
    /// resetting a forgotten password.
    ResetAddress,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::LoginAddress => "login_address",
            Kind::LoginAccount => "login_account",
            Kind::RegisterAddress => "register_address",
            Kind::ResetAddress => "reset_address",
        }
    }
}

/// The stored key of a client address (all clients the server cannot tell apart share one).
pub(super) fn address_key(client: Option<IpAddr>) -> String {
    hash_secret(&client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()))
}

/// The stored key of an e-mail tried from a client address.
pub(super) fn account_key(email: &str, client: Option<IpAddr>) -> String {
    let address = client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    hash_secret(&format!("{}\n{address}", email.trim().to_lowercase()))
}

/// A recorded attempt, to forget when it succeeds.
#[derive(Debug)]
pub(super) struct Attempt(String);

/// An attempt of a request limited like registrations (a registration, a forgotten password's
/// link), counted against the client's address under its own `kind`.
pub(super) async fn attempt_per_address(
    ctx: &Context,
    kind: Kind,
    limits: &AuthLimits,
    client: Option<IpAddr>,
) -> Result<Attempt, AccountError> {
    attempt(ctx, kind, &address_key(client), limits.register_per_address).await
}

/// Records an attempt of `kind` for `key` and judges it: `RateLimited` (the attempt then
/// forgotten) when it makes more than `limit.max` in the window, with the seconds until the
/// oldest leaves it.
pub(super) async fn attempt(
    ctx: &Context,
    kind: Kind,
    key: &str,
    limit: RateLimit,
) -> Result<Attempt, AccountError> {
    let now = ctx.now();
    let since = now - limit.window;
    let id = ctx
        .store
        .record_attempt(kind.as_str(), key, now, since)
        .await?;
    let seen = ctx.store.attempts_since(kind.as_str(), key, since).await?;
    if seen.count > u64::from(limit.max.max(1)) {
        ctx.store.forget_attempt(&id).await?;
        return Err(AccountError::RateLimited {
            retry_after_secs: retry_after(seen.oldest.unwrap_or(now), limit.window, now),
        });
    }
    Ok(Attempt(id))
}

/// Forgets an attempt that succeeded.
pub(super) async fn forget(ctx: &Context, attempt: Attempt) -> Result<(), AccountError> {
    Ok(ctx.store.forget_attempt(&attempt.0).await?)
}

/// Forgets every attempt of `kind` for `key` (an account's failures after it signed in).
pub(super) async fn forget_all(ctx: &Context, kind: Kind, key: &str) -> Result<(), AccountError> {
    Ok(ctx.store.forget_attempts(kind.as_str(), key).await?)
}

/// Whole seconds (at least one) until `oldest` leaves a `window` that ends at `now`.
fn retry_after(oldest: DateTime<Utc>, window: TimeDelta, now: DateTime<Utc>) -> u64 {
    let wait = (oldest + window - now).num_seconds();
    u64::try_from(wait).unwrap_or(0).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_addresses_and_e_mails_but_not_case() {
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        let other = Some(IpAddr::from([10, 0, 0, 2]));
        assert_eq!(account_key("A@x.io ", ip), account_key("a@x.io", ip));
        assert_ne!(account_key("a@x.io", ip), account_key("a@x.io", other));
        assert_ne!(account_key("a@x.io", ip), account_key("b@x.io", ip));
        assert_ne!(address_key(ip), address_key(other));
        assert_eq!(address_key(None), address_key(None));
    }

    #[test]
    fn the_wait_is_until_the_oldest_attempt_leaves_the_window() {
        let now = DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(1);
        let window = TimeDelta::minutes(15);
        assert_eq!(retry_after(now, window, now), 900);
        assert_eq!(retry_after(now - TimeDelta::minutes(10), window, now), 300);
        assert_eq!(retry_after(now - TimeDelta::minutes(20), window, now), 1);
    }
}
