//! A forgotten password: the person asks with their address; an account's address gets a
//! one-time link (its SHA-256 stored, valid [`RESET_HOURS`]) through the outbox (by e-mail when
//! the server has a relay); following it with a new password sets it and ends every session of
//! the account. The answer to the request is the same whether the address has an account or
//! not, and requests are limited per client address like registrations.

use std::net::IpAddr;

use chrono::TimeDelta;
use secrecy::{ExposeSecret, SecretString};
use spendlens_core::campaign::FieldError;
use spendlens_store::OutgoingMail;

use super::limiter::{self, AuthLimits};
use super::{AccountError, Links, hash_password, hash_secret, mail, new_secret, password_problem};
use crate::context::Context;

/// How long a reset link works, in hours.
pub const RESET_HOURS: i64 = 1;

/// The subject of a reset link.
pub const RESET_SUBJECT: &str = "Reset your spendlens password";

/// The link that sets a new password: `{base}/reset-password?token=…`.
pub fn reset_link(base: &str, token: &str) -> String {
    format!(
        "{}/reset-password?token={token}",
        base.trim_end_matches('/')
    )
}

/// Asks for a reset link for `email` from `client` (see the module's note). Answers alike for
/// every address; only a refusal for too many requests is said.
pub async fn request_reset(
    ctx: &Context,
    limits: &AuthLimits,
    email: &str,
    client: Option<IpAddr>,
    links: &Links,
) -> Result<(), AccountError> {
    limiter::attempt_per_address(ctx, limiter::Kind::ResetAddress, limits, client).await?;
    let token = new_secret("");
    let Some((user, address, _)) = ctx.store.user_password(email.trim()).await? else {
        return Ok(());
    };
    let now = ctx.now();
    ctx.store
        .create_password_reset(
            &hash_secret(&token),
            &user,
            now,
            now + TimeDelta::hours(RESET_HOURS),
        )
        .await?;
    let link = reset_link(&links.base, &token);
    let message = OutgoingMail {
        to: address,
        subject: RESET_SUBJECT.to_owned(),
        body: format!(
            "Someone (we hope you) asked to reset the password of the spendlens account of this \
             address.\n\nTo choose a new one, open this link within {RESET_HOURS} hour:\n\n\
             {link}\n\nIt signs the account out everywhere. If it was not you, ignore this \
             message: the password stays as it is.\n"
        ),
    };
    mail::send(ctx, message).await
}

/// Follows a reset link with a new password (the registration's rule): sets it and ends every
/// session of the account. An unknown, used or expired link is [`AccountError::InvalidLink`].
pub async fn complete_reset(
    ctx: &Context,
    token: &str,
    password: SecretString,
) -> Result<(), AccountError> {
    let hash = hash_secret(token.trim());
    let Some(email) = ctx.store.password_reset_email(&hash, ctx.now()).await? else {
        return Err(AccountError::InvalidLink);
    };
    if let Some(message) = password_problem(password.expose_secret(), &email) {
        return Err(AccountError::Invalid(vec![FieldError {
            field: "password",
            message,
        }]));
    }
    let new = hash_password(password).await?;
    ctx.store
        .complete_password_reset(&hash, &new, ctx.now())
        .await?
        .map(|_| ())
        .ok_or(AccountError::InvalidLink)
}
