//! Accounts: users, their organisations, registrations waiting for their e-mail link, browser
//! sessions and API tokens.
//!
//! Passwords and tokens arrive already hashed (argon2 for passwords, SHA-256 for session, API
//! and registration tokens, in `spendlens_app::accounts`): the store keeps hashes only. Creating
//! an account creates its organisation and the owner's membership in one transaction; revoking
//! a token writes its audit entry in the same transaction as the delete.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::Role;
use spendlens_core::campaign::{OrgId, UserId};

use crate::Result;
use crate::audit::AuditEntry;

/// Who is calling: a user acting for an organisation, with the role they act with there (read
/// from the membership with every request, so that a demotion holds at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub role: Role,
}

/// A user as needed to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCredentials {
    pub user_id: UserId,
    pub org_id: OrgId,
    /// The user's role in `org_id`.
    pub role: Role,
    pub email: String,
    pub password_hash: String,
}

/// An API token as listed to its organisation: never its secret nor the secret's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    pub id: String,
    pub name: String,
    /// The user who created it.
    pub user_id: UserId,
    /// The role it was created with (it acts with the lesser of this and its creator's role).
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// `None`: it lasts until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// An unexpired API token a client presented: whom it acts for (with its creator's current
/// role), the role it was created with, and when its use was last recorded (so that the caller
/// records it at most once a minute). A token whose creator left the organisation is not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUse {
    pub id: String,
    pub principal: Principal,
    pub granted: Role,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A registration waiting for its one-time link to be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRegistration {
    /// The SHA-256 of the link's token.
    pub token_hash: String,
    pub email: String,
    pub password_hash: String,
    pub organization_name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The SHA-256 of the invitation's token when the registration was made on an invitation's
    /// page: following its link takes the invitation up instead of creating an organisation.
    pub invitation_token_hash: Option<String>,
}

/// What following a registration's link checks before it completes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCheck {
    pub email: String,
    pub password_hash: String,
    pub invitation_token_hash: Option<String>,
}

/// Storage of accounts, registrations, sessions and API tokens.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates a user with a new organisation they own. `Conflict("email")` when taken.
    async fn create_account(
        &self,
        email: &str,
        password_hash: &str,
        organization_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Principal>;

    /// Whether any user exists (an instance without one lets its first registration sign in at
    /// once).
    async fn has_users(&self) -> Result<bool>;

    /// Keeps a registration until its link is followed or it expires (expired ones are purged
    /// on the way).
    async fn create_pending_registration(&self, registration: &PendingRegistration) -> Result<()>;

    /// The unexpired registration of `token_hash`, if there is one: the link completes the
    /// account only for whoever knows the password it was made with.
    async fn pending_registration(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingCheck>>;

    /// Deletes the registration of `token_hash` (its link used up); whether there was one.
    async fn delete_pending_registration(&self, token_hash: &str) -> Result<bool>;

    /// Follows a registration's link, once: takes the unexpired registration of `token_hash` and
    /// creates its account, in one transaction. `None` for an unknown, used or expired token;
    /// `Conflict("email")` when the address got an account meanwhile (the link is used up all
    /// the same). Returns the new principal and the stored e-mail.
    async fn complete_registration(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Principal, String)>>;

    /// The credentials of a user by e-mail (case-insensitive), with their first organisation.
    async fn credentials(&self, email: &str) -> Result<Option<UserCredentials>>;

    /// A user by e-mail (case-insensitive), member of an organisation or not: their id, stored
    /// e-mail and password hash.
    async fn user_password(&self, email: &str) -> Result<Option<(UserId, String, String)>>;

    /// Stores a session under the hash of its token.
    async fn create_session(
        &self,
        token_hash: &str,
        principal: &Principal,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// The principal of an unexpired session, with the member's current role; `None` when
    /// expired, unknown, or when the user is no longer a member of the session's organisation.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Principal>>;

    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Stores an API token under its hash, valid until `expires_at` (or revoked), created with
    /// `principal.role`; returns its id.
    async fn create_api_token(
        &self,
        name: &str,
        token_hash: &str,
        principal: &Principal,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<String>;

    /// The API token of `token_hash` when it has not expired at `now`.
    async fn api_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<TokenUse>>;

    /// Records a use of token `id` at `now`, unless one was recorded at or after
    /// `unless_since` (a conditional update: instances racing write once).
    async fn touch_api_token(
        &self,
        id: &str,
        now: DateTime<Utc>,
        unless_since: DateTime<Utc>,
    ) -> Result<()>;

    /// The API tokens of an organisation, oldest first (expired ones included, marked by their
    /// expiry).
    async fn api_tokens(&self, org: &OrgId) -> Result<Vec<ApiTokenInfo>>;

    /// Deletes token `id` of `org` and writes `audit` in the same transaction; the deleted
    /// token, or `None` (nothing written) when `org` has no such token.
    async fn revoke_api_token(
        &self,
        org: &OrgId,
        id: &str,
        audit: &AuditEntry,
    ) -> Result<Option<ApiTokenInfo>>;
}

/// Implements [`AccountStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with the
/// same portable SQL on both backends; `$begin_write` as for `impl_store!`.
macro_rules! impl_account_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod account_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::Role;
            use spendlens_core::campaign::{OrgId, UserId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::accounts::{
                AccountStore, ApiTokenInfo, PendingCheck, PendingRegistration, Principal, TokenUse,
                UserCredentials,
            };
            use crate::audit::AuditEntry;
            use crate::{Result, StoreError, new_id};

            type DbRow = <$db as sqlx::Database>::Row;

            fn role(row: &DbRow, column: &str) -> Result<Role> {
                Role::parse(&row.try_get::<String, _>(column)?).map_err(StoreError::Invalid)
            }

            fn principal(row: &DbRow) -> Result<Principal> {
                Ok(Principal {
                    user_id: UserId::new(row.try_get::<String, _>("user_id")?),
                    org_id: OrgId::new(row.try_get::<String, _>("org_id")?),
                    role: role(row, "role")?,
                })
            }

            fn token_info(row: &DbRow) -> Result<ApiTokenInfo> {
                Ok(ApiTokenInfo {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    user_id: UserId::new(row.try_get::<String, _>("user_id")?),
                    role: role(row, "role")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                    expires_at: row.try_get("expires_at")?,
                })
            }

            fn conflict(e: sqlx::Error, what: &'static str) -> StoreError {
                match &e {
                    sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
                    _ => StoreError::Database(e),
                }
            }

            /// Inserts a user, their organisation and the ownership, in the caller's
            /// transaction (registration and its completion share it).
            async fn insert_account(
                tx: &mut sqlx::Transaction<'_, $db>,
                email: &str,
                password_hash: &str,
                organization_name: &str,
                now: DateTime<Utc>,
            ) -> Result<Principal> {
                let user_id = new_id();
                let org_id = new_id();
                sqlx::query("INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&user_id)
                    .bind(email.trim().to_lowercase())
                    .bind(password_hash)
                    .bind(now)
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| conflict(e, "email"))?;
                sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(&org_id)
                    .bind(organization_name)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'owner')")
                    .bind(&user_id)
                    .bind(&org_id)
                    .execute(&mut **tx)
                    .await?;
                Ok(Principal {
                    user_id: UserId::new(user_id),
                    org_id: OrgId::new(org_id),
                    role: Role::Owner,
                })
            }

            #[async_trait]
            impl AccountStore for $store {
                #[instrument(skip_all)]
                async fn create_account(
                    &self,
                    email: &str,
                    password_hash: &str,
                    organization_name: &str,
                    now: DateTime<Utc>,
                ) -> Result<Principal> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let principal =
                        insert_account(&mut tx, email, password_hash, organization_name, now).await?;
                    tx.commit().await?;
                    Ok(principal)
                }

                #[instrument(skip_all)]
                async fn has_users(&self) -> Result<bool> {
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) AS any_user")
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(n > 0)
                }

                #[instrument(skip_all)]
                async fn create_pending_registration(
                    &self,
                    r: &PendingRegistration,
                ) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    sqlx::query("DELETE FROM pending_registrations WHERE expires_at <= $1")
                        .bind(r.created_at)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO pending_registrations \
                         (token_hash, email, password_hash, organization_name, created_at, expires_at, \
                          invitation_token_hash) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&r.token_hash)
                    .bind(r.email.trim().to_lowercase())
                    .bind(&r.password_hash)
                    .bind(&r.organization_name)
                    .bind(r.created_at)
                    .bind(r.expires_at)
                    .bind(r.invitation_token_hash.as_deref())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, "registration"))?;
                    tx.commit().await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn pending_registration(
                    &self,
                    token_hash: &str,
                    now: DateTime<Utc>,
                ) -> Result<Option<PendingCheck>> {
                    let row = sqlx::query(
                        "SELECT email, password_hash, invitation_token_hash FROM pending_registrations \
                         WHERE token_hash = $1 AND expires_at > $2",
                    )
                    .bind(token_hash)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| {
                        Ok(PendingCheck {
                            email: r.try_get("email")?,
                            password_hash: r.try_get("password_hash")?,
                            invitation_token_hash: r.try_get("invitation_token_hash")?,
                        })
                    })
                    .transpose()
                }

                #[instrument(skip_all)]
                async fn delete_pending_registration(&self, token_hash: &str) -> Result<bool> {
                    let done = sqlx::query("DELETE FROM pending_registrations WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                }

                #[instrument(skip_all)]
                async fn complete_registration(
                    &self,
                    token_hash: &str,
                    now: DateTime<Utc>,
                ) -> Result<Option<(Principal, String)>> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    // DELETE ... RETURNING takes it exactly once, even with two clicks racing.
                    let row = sqlx::query(
                        "DELETE FROM pending_registrations WHERE token_hash = $1 \
                         RETURNING email, password_hash, organization_name, expires_at",
                    )
                    .bind(token_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(row) = row else {
                        return Ok(None);
                    };
                    let expires_at: DateTime<Utc> = row.try_get("expires_at")?;
                    let email: String = row.try_get("email")?;
                    if expires_at <= now {
                        tx.commit().await?;
                        return Ok(None);
                    }
                    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
                        .bind(&email)
                        .fetch_one(&mut *tx)
                        .await?;
                    if taken > 0 {
                        tx.commit().await?;
                        return Err(StoreError::Conflict("email"));
                    }
                    let password_hash: String = row.try_get("password_hash")?;
                    let organization_name: String = row.try_get("organization_name")?;
                    let principal =
                        insert_account(&mut tx, &email, &password_hash, &organization_name, now)
                            .await?;
                    tx.commit().await?;
                    Ok(Some((principal, email)))
                }

                #[instrument(skip_all)]
                async fn credentials(&self, email: &str) -> Result<Option<UserCredentials>> {
                    let row = sqlx::query(
                        "SELECT u.id, u.email, u.password_hash, m.org_id, m.role FROM users u \
                         JOIN memberships m ON m.user_id = u.id WHERE u.email = $1 \
                         ORDER BY m.org_id LIMIT 1",
                    )
                    .bind(email.trim().to_lowercase())
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| {
                        Ok(UserCredentials {
                            user_id: UserId::new(r.try_get::<String, _>("id")?),
                            org_id: OrgId::new(r.try_get::<String, _>("org_id")?),
                            role: role(&r, "role")?,
                            email: r.try_get("email")?,
                            password_hash: r.try_get("password_hash")?,
                        })
                    })
                    .transpose()
                }

                #[instrument(skip_all)]
                async fn user_password(&self, email: &str) -> Result<Option<(UserId, String, String)>> {
                    let row = sqlx::query("SELECT id, email, password_hash FROM users WHERE email = $1")
                        .bind(email.trim().to_lowercase())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| {
                        Ok((
                            UserId::new(r.try_get::<String, _>("id")?),
                            r.try_get("email")?,
                            r.try_get("password_hash")?,
                        ))
                    })
                    .transpose()
                }

                #[instrument(skip_all)]
                async fn create_session(
                    &self,
                    token_hash: &str,
                    principal: &Principal,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query("INSERT INTO sessions (token_hash, user_id, org_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(token_hash)
                        .bind(principal.user_id.as_str())
                        .bind(principal.org_id.as_str())
                        .bind(now)
                        .bind(expires_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Principal>> {
                    let row = sqlx::query(
                        "SELECT s.user_id, s.org_id, m.role FROM sessions s \
                         JOIN memberships m ON m.user_id = s.user_id AND m.org_id = s.org_id \
                         WHERE s.token_hash = $1 AND s.expires_at > $2",
                    )
                        .bind(token_hash)
                        .bind(now)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(principal).transpose()
                }

                #[instrument(skip_all)]
                async fn delete_session(&self, token_hash: &str) -> Result<()> {
                    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn create_api_token(
                    &self,
                    name: &str,
                    token_hash: &str,
                    principal: &Principal,
                    now: DateTime<Utc>,
                    expires_at: Option<DateTime<Utc>>,
                ) -> Result<String> {
                    let id = new_id();
                    sqlx::query(
                        "INSERT INTO api_tokens (id, token_hash, name, user_id, org_id, created_at, expires_at, role) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&id)
                    .bind(token_hash)
                    .bind(name)
                    .bind(principal.user_id.as_str())
                    .bind(principal.org_id.as_str())
                    .bind(now)
                    .bind(expires_at)
                    .bind(principal.role.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(|e| conflict(e, "token"))?;
                    Ok(id)
                }

                #[instrument(skip_all)]
                async fn api_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<TokenUse>> {
                    let row = sqlx::query(
                        "SELECT t.id, t.user_id, t.org_id, t.last_used_at, t.role AS granted, m.role \
                         FROM api_tokens t \
                         JOIN memberships m ON m.user_id = t.user_id AND m.org_id = t.org_id \
                         WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)",
                    )
                    .bind(token_hash)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| {
                        Ok(TokenUse {
                            id: r.try_get("id")?,
                            principal: principal(&r)?,
                            granted: role(&r, "granted")?,
                            last_used_at: r.try_get("last_used_at")?,
                        })
                    })
                    .transpose()
                }

                #[instrument(skip_all)]
                async fn touch_api_token(
                    &self,
                    id: &str,
                    now: DateTime<Utc>,
                    unless_since: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "UPDATE api_tokens SET last_used_at = $1 \
                         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
                    )
                    .bind(now)
                    .bind(id)
                    .bind(unless_since)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn api_tokens(&self, org: &OrgId) -> Result<Vec<ApiTokenInfo>> {
                    let rows = sqlx::query(
                        "SELECT id, name, user_id, role, created_at, last_used_at, expires_at FROM api_tokens \
                         WHERE org_id = $1 ORDER BY created_at, id",
                    )
                    .bind(org.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(token_info).collect()
                }

                #[instrument(skip_all)]
                async fn revoke_api_token(
                    &self,
                    org: &OrgId,
                    id: &str,
                    audit: &AuditEntry,
                ) -> Result<Option<ApiTokenInfo>> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let row = sqlx::query(
                        "DELETE FROM api_tokens WHERE id = $1 AND org_id = $2 \
                         RETURNING id, name, user_id, role, created_at, last_used_at, expires_at",
                    )
                    .bind(id)
                    .bind(org.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(row) = row else {
                        return Ok(None);
                    };
                    let revoked = token_info(&row)?;
                    crate::audit::insert_audit!(crate::new_id(), audit)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(Some(revoked))
                }
            }
        }
    };
}

pub(crate) use impl_account_store;
