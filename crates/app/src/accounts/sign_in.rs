//! Signing in: credentials checked against the stored argon2 hash, within the rate limits
//! (`limiter`), starting a session.

use std::net::IpAddr;

use chrono::TimeDelta;
use secrecy::SecretString;
use spendlens_store::Principal;

use super::limiter::{self, AuthLimits, Kind};
use super::{Account, AccountError, Session, password, start_session};
use crate::context::Context;

/// Sign-in credentials as submitted, with the client's address for the rate limit.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub email: String,
    pub password: SecretString,
    /// The client's address when the server knows it.
    pub client: Option<IpAddr>,
}

/// Checks credentials and starts a session of `lifetime`. The attempt counts against `limits`
/// (per client address, and per e-mail from that address) before the password is looked at;
/// a success is not counted and forgets that e-mail's failures from that address.
pub async fn sign_in(
    ctx: &Context,
    limits: &AuthLimits,
    credentials: SignIn,
    lifetime: TimeDelta,
) -> Result<(Account, Session), AccountError> {
    let account_key = limiter::account_key(&credentials.email, credentials.client);
    let by_address = limiter::attempt(
        ctx,
        Kind::LoginAddress,
        &limiter::address_key(credentials.client),
        limits.login_per_address,
    )
    .await?;
    let by_account = limiter::attempt(
        ctx,
        Kind::LoginAccount,
        &account_key,
        limits.login_per_account,
    )
    .await;
    if let Err(e) = by_account {
        // Refused for the account's limit: not an attempt on the address either.
        limiter::forget(ctx, by_address).await?;
        return Err(e);
    }
    let found = ctx.store.credentials(&credentials.email).await?;
    let ok = password::verify_password(
        credentials.password,
        found.as_ref().map(|c| c.password_hash.clone()),
    )
    .await?;
    let found = found.filter(|_| ok).ok_or(AccountError::BadCredentials)?;
    limiter::forget(ctx, by_address).await?;
    limiter::forget_all(ctx, Kind::LoginAccount, &account_key).await?;
    let principal = Principal {
        user_id: found.user_id,
        org_id: found.org_id,
        role: found.role,
    };
    let session = start_session(ctx, &principal, lifetime).await?;
    Ok((
        Account {
            principal,
            email: found.email,
        },
        session,
    ))
}
