//! API tokens: created by a signed-in user (a token cannot mint another: the web layer allows
//! creation through a session only), listed to their organisation without their secret, revoked
//! with an audit entry, optionally expiring. A token's use is recorded at most once per
//! [`USE_RECORD_SECONDS`], to spare a write on every request.

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;
use serde_json::json;
use spendlens_core::Role;
use spendlens_core::campaign::{FieldError, OrgId};
use spendlens_store::{ApiTokenInfo, AuditEntry, Principal, StoreError};

use super::{AccountError, TOKEN_PREFIX, hash_secret, new_secret};
use crate::context::Context;

/// The longest token name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 200;
/// The longest lifetime a token may be given, in days (ten years).
pub const MAX_TOKEN_DAYS: u64 = 3650;
/// A token's use is recorded at most once per this many seconds.
pub const USE_RECORD_SECONDS: i64 = 60;
/// The least role that may revoke another member's token.
pub const REVOKE_OTHERS: Role = Role::Admin;

/// When a new token stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenExpiry {
    /// Only when revoked.
    Never,
    /// This many days from now (1 to [`MAX_TOKEN_DAYS`]).
    InDays(u64),
    /// At this instant (after now, at most [`MAX_TOKEN_DAYS`] ahead).
    At(DateTime<Utc>),
}

/// A new API token as submitted.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub expiry: TokenExpiry,
    /// The role it acts with at most; `None`: its creator's role. Never above the creator's.
    pub role: Option<Role>,
}

/// A created API token: the secret is shown this once and stored only as its hash.
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    /// Sent as `Authorization: Bearer <token>`.
    pub token: SecretString,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Checks a new token's name (trimmed: 1 to [`MAX_TOKEN_NAME_CHARS`] characters, none hidden)
/// and expiry as of `now`; the name and the expiry instant.
pub fn check_new_token(
    new: &NewToken,
    now: DateTime<Utc>,
) -> Result<(String, Option<DateTime<Utc>>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = new.name.trim().to_owned();
    if name.is_empty() {
        errors.push(FieldError {
            field: "name",
            message: "must not be empty".to_owned(),
        });
    } else if name.chars().count() > MAX_TOKEN_NAME_CHARS {
        errors.push(FieldError {
            field: "name",
            message: format!("must be at most {MAX_TOKEN_NAME_CHARS} characters"),
        });
    } else if let Err(message) = spendlens_core::text::check_name(&name) {
        errors.push(FieldError {
            field: "name",
            message,
        });
    }
    let longest = TimeDelta::days(i64::try_from(MAX_TOKEN_DAYS).unwrap_or(i64::MAX));
    let expires_at = match new.expiry {
        TokenExpiry::Never => None,
        TokenExpiry::InDays(days) if (1..=MAX_TOKEN_DAYS).contains(&days) => {
            Some(now + TimeDelta::days(i64::try_from(days).unwrap_or(0)))
        }
        TokenExpiry::InDays(_) => {
            errors.push(FieldError {
                field: "expires_in_days",
                message: format!("must be between 1 and {MAX_TOKEN_DAYS}"),
            });
            None
        }
        TokenExpiry::At(at) if at > now && at <= now + longest => Some(at),
        TokenExpiry::At(_) => {
            errors.push(FieldError {
                field: "expires_at",
                message: format!("must be in the future, at most {MAX_TOKEN_DAYS} days ahead"),
            });
            None
        }
    };
    if errors.is_empty() {
        Ok((name, expires_at))
    } else {
        Err(errors)
    }
}

/// Creates an API token of `principal` for scripts and the CLI, acting with the role asked for
/// (at most the creator's own; by default the same).
pub async fn create_token(
    ctx: &Context,
    principal: &Principal,
    new: NewToken,
) -> Result<ApiToken, AccountError> {
    let now = ctx.now();
    let role = new.role.unwrap_or(principal.role);
    let checked = check_new_token(&new, now);
    if role > principal.role {
        let mut errors = checked.err().unwrap_or_default();
        errors.push(FieldError {
            field: "role",
            message: format!(
                "must be at most your own role ({}): a token cannot do more than its creator",
                principal.role
            ),
        });
        return Err(AccountError::Invalid(errors));
    }
    let (name, expires_at) = checked.map_err(AccountError::Invalid)?;
    let token = new_secret(TOKEN_PREFIX);
    let granted = Principal {
        role,
        ..principal.clone()
    };
    let id = ctx
        .store
        .create_api_token(&name, &hash_secret(&token), &granted, now, expires_at)
        .await?;
    Ok(ApiToken {
        id,
        name,
        token: SecretString::from(token),
        role,
        created_at: now,
        expires_at,
    })
}

/// The API tokens of an organisation, oldest first (never a secret).
pub async fn list_tokens(ctx: &Context, org: &OrgId) -> Result<Vec<ApiTokenInfo>, AccountError> {
    Ok(ctx.store.api_tokens(org).await?)
}

/// Revokes token `id` of the caller's organisation: it answers 401 from now on, and the audit
/// log records who revoked it, in the same transaction. Another organisation's token is
/// [`AccountError::TokenNotFound`]; another member's token needs [`REVOKE_OTHERS`] at least
/// (the route itself is open to every member, for their own tokens: this is the one rule of
/// access that depends on the data rather than the route).
pub async fn revoke_token(
    ctx: &Context,
    principal: &Principal,
    id: &str,
) -> Result<ApiTokenInfo, AccountError> {
    let now = ctx.now();
    let entry = |name: &str| AuditEntry {
        org_id: principal.org_id.clone(),
        actor: Some(principal.user_id.clone()),
        action: "api_token.revoke".to_owned(),
        target_type: "api_token".to_owned(),
        target_id: id.to_owned(),
        details: json!({ "name": name }),
        at: now,
    };
    // The name goes into the entry: read it first (within the organisation), then revoke.
    let tokens = ctx.store.api_tokens(&principal.org_id).await?;
    let Some(token) = tokens.into_iter().find(|t| t.id == id) else {
        return Err(AccountError::TokenNotFound);
    };
    if token.user_id != principal.user_id && principal.role < REVOKE_OTHERS {
        return Err(AccountError::Forbidden(format!(
            "only an {} or an owner may revoke another member's token",
            REVOKE_OTHERS
        )));
    }
    ctx.store
        .revoke_api_token(&principal.org_id, id, &entry(&token.name))
        .await?
        .ok_or(AccountError::TokenNotFound)
}

/// Who an unexpired API token acts for, by the token the client presents, with the lesser of
/// the role it was created with and its creator's current role (a demoted creator's tokens are
/// demoted with them); records the use at most once per [`USE_RECORD_SECONDS`].
pub async fn token_principal(ctx: &Context, token: &str) -> Result<Option<Principal>, StoreError> {
    let now = ctx.now();
    let Some(found) = ctx.store.api_token(&hash_secret(token), now).await? else {
        return Ok(None);
    };
    let since = now - TimeDelta::seconds(USE_RECORD_SECONDS);
    if found.last_used_at.is_none_or(|at| at < since) {
        ctx.store.touch_api_token(&found.id, now, since).await?;
    }
    let role = found.granted.min(found.principal.role);
    Ok(Some(Principal {
        role,
        ..found.principal
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.to_utc())
            .unwrap_or_default()
    }

    fn check(name: &str, expiry: TokenExpiry) -> Result<Option<DateTime<Utc>>, Vec<&'static str>> {
        let new = NewToken {
            name: name.to_owned(),
            expiry,
            role: None,
        };
        check_new_token(&new, at("2026-11-21T12:00:00Z"))
            .map(|(_, e)| e)
            .map_err(|errors| errors.into_iter().map(|e| e.field).collect())
    }

    #[test]
    fn a_token_expires_in_days_or_at_a_future_instant() {
        assert_eq!(check("ci", TokenExpiry::Never), Ok(None));
        assert_eq!(
            check("ci", TokenExpiry::InDays(30)),
            Ok(Some(at("2026-12-21T12:00:00Z")))
        );
        assert_eq!(
            check("ci", TokenExpiry::At(at("2027-01-01T00:00:00Z"))),
            Ok(Some(at("2027-01-01T00:00:00Z")))
        );
        assert_eq!(
            check("ci", TokenExpiry::InDays(0)),
            Err(vec!["expires_in_days"])
        );
        assert_eq!(
            check("ci", TokenExpiry::InDays(MAX_TOKEN_DAYS + 1)),
            Err(vec!["expires_in_days"])
        );
        assert_eq!(
            check("ci", TokenExpiry::At(at("2026-11-21T12:00:00Z"))),
            Err(vec!["expires_at"])
        );
        assert_eq!(
            check("ci", TokenExpiry::At(at("2046-11-21T12:00:00Z"))),
            Err(vec!["expires_at"])
        );
    }

    #[test]
    fn a_token_name_is_checked_like_every_typed_name() {
        assert_eq!(check(" ", TokenExpiry::Never), Err(vec!["name"]));
        assert_eq!(
            check(&"n".repeat(201), TokenExpiry::Never),
            Err(vec!["name"])
        );
        assert_eq!(check("ci\u{202E}", TokenExpiry::Never), Err(vec!["name"]));
        assert_eq!(check("ci\u{0007}", TokenExpiry::Never), Err(vec!["name"]));
    }
}
