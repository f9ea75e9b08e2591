//! Accounts: registering a user with their organisation, signing in and out, and API tokens.
//! The API's JSON and the pages decode into the same commands ([`Register`], [`SignIn`],
//! [`NewToken`]) and each maps [`AccountError`] to its own medium (a status and code, or a
//! message beside a field).
//!
//! Passwords keep a strength rule and are hashed with argon2id on a blocking thread
//! ([`password_problem`], [`hash_password`]); a sign-in with an unknown e-mail verifies a dummy
//! hash so that it takes as long as a wrong password. Registration answers alike for a new and a
//! taken address and sends a one-time link (or a notice) out of band ([`register`]). Sessions,
//! API tokens and registration links are random 256-bit secrets handed to their holder once; the
//! store keeps only their SHA-256 ([`hash_secret`]). Sign-ins and registrations are
//! rate-limited in the database, so that the limits hold across instances ([`AuthLimits`]).
//! Times come from the [`Context`]'s clock.

mod limiter;
pub(crate) mod mail;
mod password;
mod register;
mod reset;
mod secret;
mod sign_in;
mod tokens;

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;
use spendlens_core::campaign::FieldError;
use spendlens_store::{Principal, StoreError};

use crate::context::Context;

pub use limiter::{AuthLimits, RateLimit};
pub use mail::{CONFIRM_SUBJECT, JOIN_SUBJECT, TAKEN_SUBJECT, verify_link, waiting_mail};
pub use password::{hash_password, password_problem};
pub use register::{
    LINK_HOURS, Links, Register, Registered, Registration, email_problem,
    organization_name_problem, register, verify,
};
pub use reset::{RESET_HOURS, RESET_SUBJECT, complete_reset, request_reset, reset_link};
pub use secret::{hash_secret, new_secret};
pub use sign_in::{
    NO_ORGANIZATION, PasswordChange, SignIn, change_password, check_password, sign_in,
};
pub use tokens::{
    ApiToken, MAX_TOKEN_DAYS, MAX_TOKEN_NAME_CHARS, NewToken, REVOKE_OTHERS, TokenExpiry,
    USE_RECORD_SECONDS, check_new_token, create_token, list_tokens, revoke_token, token_principal,
};

/// The longest e-mail address accepted, in bytes (RFC 5321's path limit).
pub const MAX_EMAIL_BYTES: usize = 254;
/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted, in bytes (argon2 hashes any length; this bounds the work).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The longest organisation name, in characters.
pub const MAX_ORGANIZATION_CHARS: usize = 200;
/// What an API token's secret starts with, so that a leaked one is recognisable as spendlens'.
pub const TOKEN_PREFIX: &str = "sl_";

/// Why an account command failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Fields of the command break their rules, each named.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// Unknown e-mail or wrong password (which of the two is never said).
    #[error("invalid e-mail or password")]
    BadCredentials,
    /// Too many attempts from this address (or for this e-mail from it); try again after the wait.
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    /// A registration link that is unknown, used or expired.
    #[error("this link is invalid, already used or expired")]
    InvalidLink,
    /// No API token with this id in the caller's organisation.
    #[error("API token not found")]
    TokenNotFound,
    /// The caller's role does not allow this (the message says what would).
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed or its thread died; logged, never shown.
    #[error("{0}")]
    Internal(String),
}

/// A signed-in account: who (user and organisation) and their e-mail as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub principal: Principal,
    pub email: String,
}

/// A started session: the secret for the client's cookie (shown once) and how long it lives.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: SecretString,
    pub lifetime: TimeDelta,
    pub expires_at: DateTime<Utc>,
}

/// Starts a session for `principal`, valid for `lifetime` from now.
pub async fn start_session(
    ctx: &Context,
    principal: &Principal,
    lifetime: TimeDelta,
) -> Result<Session, AccountError> {
    let token = new_secret("");
    let now = ctx.now();
    let expires_at = now + lifetime;
    ctx.store
        .create_session(&hash_secret(&token), principal, now, expires_at)
        .await?;
    Ok(Session {
        token: SecretString::from(token),
        lifetime,
        expires_at,
    })
}

/// Ends the session of `token` (nothing happens for an unknown one).
pub async fn end_session(ctx: &Context, token: &str) -> Result<(), AccountError> {
    Ok(ctx.store.delete_session(&hash_secret(token)).await?)
}

/// Who an unexpired session belongs to, by the token the client presents.
pub async fn session_principal(
    ctx: &Context,
    token: &str,
) -> Result<Option<Principal>, StoreError> {
    ctx.store.session(&hash_secret(token), ctx.now()).await
}
