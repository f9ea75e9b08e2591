//! Signing in: credentials checked against the stored argon2 hash, within the rate limits
//! (`limiter`), starting a session.

use std::net::IpAddr;

use chrono::TimeDelta;
use secrecy::{ExposeSecret, SecretString};
use spendlens_core::campaign::UserId;
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

/// What a person whose account belongs to no organisation any more is told on signing in.
pub const NO_ORGANIZATION: &str = "your account belongs to no organisation now (you were removed, \
     or it was deleted): open an invitation's link to join one";

/// Checks credentials and starts a session of `lifetime` in the person's first organisation
/// (see [`check_password`] for the limits). The right password of an account that belongs to no
/// organisation any more is refused saying so ([`NO_ORGANIZATION`]).
pub async fn sign_in(
    ctx: &Context,
    limits: &AuthLimits,
    credentials: SignIn,
    lifetime: TimeDelta,
) -> Result<(Account, Session), AccountError> {
    let (user_id, email) = check_password(ctx, limits, credentials).await?;
    let found = ctx
        .store
        .credentials(&email)
        .await?
        .filter(|c| c.user_id == user_id)
        .ok_or_else(|| AccountError::Forbidden(NO_ORGANIZATION.to_owned()))?;
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

/// Checks an account's password, member of an organisation or not (an invitation's page signs
/// in a removed member to join again): the user and their stored e-mail. The attempt counts
/// against `limits` (per client address, and per e-mail from that address) before the password
/// is looked at; a success is not counted and forgets that e-mail's failures from that address.
pub async fn check_password(
    ctx: &Context,
    limits: &AuthLimits,
    credentials: SignIn,
) -> Result<(UserId, String), AccountError> {
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
    let found = ctx.store.user_password(&credentials.email).await?;
    let ok = password::verify_password(
        credentials.password,
        found.as_ref().map(|(_, _, hash)| hash.clone()),
    )
    .await?;
    let (user_id, email, _) = found.filter(|_| ok).ok_or(AccountError::BadCredentials)?;
    limiter::forget(ctx, by_address).await?;
    limiter::forget_all(ctx, Kind::LoginAccount, &account_key).await?;
    Ok((user_id, email))
}

/// A password change as submitted: the current password, the new one, and the client's address
/// for the sign-in limits (a wrong current password counts as a failed sign-in).
#[derive(Debug, Clone)]
pub struct PasswordChange {
    pub current: SecretString,
    pub new: SecretString,
    pub client: Option<IpAddr>,
}

/// Changes `user`'s password and ends their other sessions (a stolen one stops working), keeping
/// the session of `keep_session_hash`; how many ended. The current password is checked within
/// the sign-in limits ([`check_password`]); the new one keeps the registration's rule.
pub async fn change_password(
    ctx: &Context,
    limits: &AuthLimits,
    user: &Principal,
    change: PasswordChange,
    keep_session_hash: &str,
) -> Result<u64, AccountError> {
    let email = ctx
        .store
        .member(&user.org_id, &user.user_id)
        .await?
        .map(|m| m.email)
        .ok_or(AccountError::BadCredentials)?;
    let invalid = |field: &'static str, message: String| {
        AccountError::Invalid(vec![spendlens_core::campaign::FieldError {
            field,
            message,
        }])
    };
    if let Some(problem) = super::password_problem(change.new.expose_secret(), &email) {
        return Err(invalid("new_password", problem));
    }
    let checked = check_password(
        ctx,
        limits,
        SignIn {
            email,
            password: change.current,
            client: change.client,
        },
    )
    .await;
    match checked {
        Ok((found, _)) if found == user.user_id => {}
        Ok(_) | Err(AccountError::BadCredentials) => {
            return Err(invalid(
                "current_password",
                "this is not your current password".to_owned(),
            ));
        }
        Err(e) => return Err(e),
    }
    let hash = super::hash_password(change.new).await?;
    Ok(ctx
        .store
        .set_password(&user.user_id, &hash, Some(keep_session_hash))
        .await?)
}
