//! Accounts: users, their organisations, browser sessions and API tokens.
//!
//! Passwords and tokens arrive already hashed (argon2 for passwords, SHA-256 for session and API
//! tokens, in the web layer): the store keeps hashes only. Creating an account creates its
//! organisation and the owner's membership in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::campaign::{OrgId, UserId};

use crate::Result;

/// Who is calling: a user acting for an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub org_id: OrgId,
}

/// A user as needed to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCredentials {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub email: String,
    pub password_hash: String,
}

/// Storage of accounts, sessions and API tokens.
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

    /// The credentials of a user by e-mail (case-insensitive), with their first organisation.
    async fn credentials(&self, email: &str) -> Result<Option<UserCredentials>>;

    /// Stores a session under the hash of its token.
    async fn create_session(
        &self,
        token_hash: &str,
        principal: &Principal,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// The principal of an unexpired session.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Principal>>;

    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Stores an API token under its hash; returns its id.
    async fn create_api_token(
        &self,
        name: &str,
        token_hash: &str,
        principal: &Principal,
        now: DateTime<Utc>,
    ) -> Result<String>;

    /// The principal an API token acts for.
    async fn api_token(&self, token_hash: &str) -> Result<Option<Principal>>;
}

/// Implements [`AccountStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with the
/// same portable SQL on both backends; `$begin_write` as for `impl_store!`.
macro_rules! impl_account_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod account_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{OrgId, UserId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::accounts::{AccountStore, Principal, UserCredentials};
            use crate::{Result, StoreError, new_id};

            type DbRow = <$db as sqlx::Database>::Row;

            fn principal(row: &DbRow) -> Result<Principal> {
                Ok(Principal {
                    user_id: UserId::new(row.try_get::<String, _>("user_id")?),
                    org_id: OrgId::new(row.try_get::<String, _>("org_id")?),
                })
            }

            fn conflict(e: sqlx::Error, what: &'static str) -> StoreError {
                match &e {
                    sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
                    _ => StoreError::Database(e),
                }
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
                    let user_id = new_id();
                    let org_id = new_id();
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    sqlx::query("INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(&user_id)
                        .bind(email.trim().to_lowercase())
                        .bind(password_hash)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| conflict(e, "email"))?;
                    sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
                        .bind(&org_id)
                        .bind(organization_name)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'owner')")
                        .bind(&user_id)
                        .bind(&org_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(Principal { user_id: UserId::new(user_id), org_id: OrgId::new(org_id) })
                }

                #[instrument(skip_all)]
                async fn credentials(&self, email: &str) -> Result<Option<UserCredentials>> {
                    let row = sqlx::query(
                        "SELECT u.id, u.email, u.password_hash, m.org_id FROM users u \
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
                            email: r.try_get("email")?,
                            password_hash: r.try_get("password_hash")?,
                        })
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
                    let row = sqlx::query("SELECT user_id, org_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
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
                ) -> Result<String> {
                    let id = new_id();
                    sqlx::query("INSERT INTO api_tokens (id, token_hash, name, user_id, org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&id)
                        .bind(token_hash)
                        .bind(name)
                        .bind(principal.user_id.as_str())
                        .bind(principal.org_id.as_str())
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(|e| conflict(e, "token"))?;
                    Ok(id)
                }

                #[instrument(skip_all)]
                async fn api_token(&self, token_hash: &str) -> Result<Option<Principal>> {
                    let row = sqlx::query("SELECT user_id, org_id FROM api_tokens WHERE token_hash = $1")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(principal).transpose()
                }
            }
        }
    };
}

pub(crate) use impl_account_store;
