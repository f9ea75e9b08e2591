//! Accounts: registering a user with their organisation, signing in and out, and API tokens.
//! The API's JSON and the sign-up and sign-in pages decode into the same commands
//! ([`Register`], [`SignIn`], [`NewToken`]) and each maps [`AccountError`] to its own medium
//! (a status and code, or a message beside a field).
//!
//! Passwords are hashed with argon2id on a blocking thread ([`hash_password`]); a sign-in with an
//! unknown e-mail verifies a dummy hash so that it takes as long as a wrong password. Sessions and
//! API tokens are random 256-bit secrets handed to the client once; the store keeps only their
//! SHA-256 ([`hash_secret`]). Sign-in attempts are rate-limited per client address and per
//! e-mail ([`LoginLimiter`]). Times come from the [`Context`]'s clock; the limiter alone reads
//! the monotonic `Instant`, because a window of attempts is a duration, not a date.

mod limiter;
mod password;
mod secret;

use std::net::IpAddr;
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use spendlens_core::campaign::FieldError;
use spendlens_store::{Principal, StoreError};

use crate::context::Context;

pub use limiter::LoginLimiter;
pub use password::hash_password;
pub use secret::{hash_secret, new_secret};

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
    /// The e-mail address already has an account.
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    /// Unknown e-mail or wrong password (which of the two is never said).
    #[error("invalid e-mail or password")]
    BadCredentials,
    /// Too many sign-in attempts for this address or e-mail; try again after the wait.
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed or its thread died; logged, never shown.
    #[error("{0}")]
    Internal(String),
}

/// A registration as submitted: the sign-up form's fields or the API's body.
#[derive(Debug, Clone)]
pub struct Register {
    pub email: String,
    pub password: SecretString,
    pub organization_name: String,
}

/// A registration whose fields keep the rules (see [`Registration::try_from`]).
#[derive(Debug, Clone)]
pub struct Registration {
    email: String,
    password: SecretString,
    organization_name: String,
}

impl TryFrom<Register> for Registration {
    type Error = Vec<FieldError>;

    /// The e-mail and the organisation name trimmed, then checked: an e-mail shape (something on
    /// both sides of an `@`, no whitespace, at most [`MAX_EMAIL_BYTES`]), a password of
    /// [`MIN_PASSWORD_CHARS`] characters to [`MAX_PASSWORD_BYTES`] bytes, an organisation name
    /// of 1 to [`MAX_ORGANIZATION_CHARS`] characters. Every problem names its field.
    fn try_from(form: Register) -> Result<Registration, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: &str| {
            errors.push(FieldError {
                field,
                message: message.to_owned(),
            });
        };
        let email = form.email.trim().to_owned();
        let organization_name = form.organization_name.trim().to_owned();
        let at = email.find('@');
        if email.len() > MAX_EMAIL_BYTES
            || at.is_none_or(|i| i == 0 || i + 1 >= email.len())
            || email.contains(char::is_whitespace)
        {
            err("email", "must be an e-mail address");
        }
        let password = form.password.expose_secret();
        if password.chars().count() < MIN_PASSWORD_CHARS {
            err("password", "must be at least 10 characters");
        } else if password.len() > MAX_PASSWORD_BYTES {
            err("password", "must be at most 1024 bytes");
        }
        if organization_name.is_empty() {
            err("organization_name", "must not be empty");
        } else if organization_name.chars().count() > MAX_ORGANIZATION_CHARS {
            err("organization_name", "must be at most 200 characters");
        }
        if errors.is_empty() {
            Ok(Registration {
                email,
                password: form.password,
                organization_name,
            })
        } else {
            Err(errors)
        }
    }
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

/// Creates the account and its organisation (the user its owner), then starts a session of
/// `lifetime`. The e-mail is stored in lower case; an e-mail already registered is
/// [`AccountError::EmailTaken`].
pub async fn register(
    ctx: &Context,
    registration: Registration,
    lifetime: TimeDelta,
) -> Result<(Account, Session), AccountError> {
    let hash = hash_password(registration.password).await?;
    let principal = match ctx
        .store
        .create_account(
            &registration.email,
            &hash,
            &registration.organization_name,
            ctx.now(),
        )
        .await
    {
        Ok(p) => p,
        Err(StoreError::Conflict(_)) => return Err(AccountError::EmailTaken),
        Err(e) => return Err(e.into()),
    };
    let session = start_session(ctx, &principal, lifetime).await?;
    let account = Account {
        principal,
        email: registration.email.to_lowercase(),
    };
    Ok((account, session))
}

/// Sign-in credentials as submitted, with the client's address for the rate limit.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub email: String,
    pub password: SecretString,
    /// The client's address when the server knows it.
    pub client: Option<IpAddr>,
}

/// Checks credentials and starts a session of `lifetime`. Every attempt counts against
/// `limiter` (per address and per e-mail) before the password is looked at; a success forgets
/// the e-mail's attempts.
pub async fn sign_in(
    ctx: &Context,
    limiter: &LoginLimiter,
    credentials: SignIn,
    lifetime: TimeDelta,
) -> Result<(Account, Session), AccountError> {
    limiter
        .check(credentials.client, &credentials.email, Instant::now())
        .map_err(|retry_after_secs| AccountError::RateLimited { retry_after_secs })?;
    let found = ctx.store.credentials(&credentials.email).await?;
    let ok = password::verify_password(
        credentials.password,
        found.as_ref().map(|c| c.password_hash.clone()),
    )
    .await?;
    let found = found.filter(|_| ok).ok_or(AccountError::BadCredentials)?;
    limiter.clear_email(&credentials.email);
    let principal = Principal {
        user_id: found.user_id,
        org_id: found.org_id,
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

/// Who an API token belongs to, by the token the client presents.
pub async fn token_principal(ctx: &Context, token: &str) -> Result<Option<Principal>, StoreError> {
    ctx.store.api_token(&hash_secret(token)).await
}

/// A new API token's name as submitted.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
}

/// A created API token: the secret is shown this once and stored only as its hash.
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    /// Sent as `Authorization: Bearer <token>`.
    pub token: SecretString,
}

/// Creates an API token of `principal` for scripts and the CLI. The name is trimmed and must
/// not be empty.
pub async fn create_token(
    ctx: &Context,
    principal: &Principal,
    new: NewToken,
) -> Result<ApiToken, AccountError> {
    let name = new.name.trim().to_owned();
    if name.is_empty() {
        return Err(AccountError::Invalid(vec![FieldError {
            field: "name",
            message: "must not be empty".to_owned(),
        }]));
    }
    let token = new_secret(TOKEN_PREFIX);
    let id = ctx
        .store
        .create_api_token(&name, &hash_secret(&token), principal, ctx.now())
        .await?;
    Ok(ApiToken {
        id,
        name,
        token: SecretString::from(token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(email: &str, password: &str, organization_name: &str) -> Register {
        Register {
            email: email.to_owned(),
            password: SecretString::from(password),
            organization_name: organization_name.to_owned(),
        }
    }

    fn fields(form: Register) -> Vec<&'static str> {
        Registration::try_from(form)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn registration_names_each_bad_field() {
        assert_eq!(
            fields(register("nope", "short", " ")),
            vec!["email", "password", "organization_name"]
        );
        assert!(fields(register(" ana@example.com ", "correct horse", " Acme ")).is_empty());
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            fields(register(&long, &"p".repeat(1025), &"o".repeat(201))),
            vec!["email", "password", "organization_name"]
        );
        assert_eq!(fields(register("@x", "ten chars!", "A")), vec!["email"]);
        assert_eq!(fields(register("a@", "ten chars!", "A")), vec!["email"]);
        assert_eq!(fields(register("a b@x", "ten chars!", "A")), vec!["email"]);
    }

    #[test]
    fn a_registration_keeps_its_fields_trimmed() {
        let checked =
            Registration::try_from(register(" Ana@Example.com ", "correct horse", " Acme "))
                .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (checked.email.as_str(), checked.organization_name.as_str()),
            ("Ana@Example.com", "Acme")
        );
    }
}
