//! Passwords after registration: a person's change of their own (the other sessions end) and
//! a forgotten password's one-time link (its SHA-256 stored), each with the sessions it ends in
//! the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::campaign::UserId;

use crate::Result;

/// Storage of password changes and reset links.
#[async_trait]
pub trait PasswordStore: Send + Sync {
    /// Replaces a user's password hash and ends every session of theirs but the one of
    /// `keep_session_hash`, in one transaction; how many sessions ended.
    async fn set_password(
        &self,
        user: &UserId,
        password_hash: &str,
        keep_session_hash: Option<&str>,
    ) -> Result<u64>;

    /// Keeps a forgotten password's link for `user` until `expires_at` (expired ones are purged
    /// on the way).
    async fn create_password_reset(
        &self,
        token_hash: &str,
        user: &UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// The e-mail of the account an unexpired reset link of `token_hash` is for.
    async fn password_reset_email(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>>;

    /// Follows a reset link, once: in one transaction takes the unexpired link of `token_hash`,
    /// sets the account's password hash, ends every session of the account and drops its other
    /// reset links. The account; `None` for an unknown, used or expired link.
    async fn complete_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>>;
}

/// Implements [`PasswordStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`).
macro_rules! impl_password_store {
    ($store:ty, $db:ty, $begin_write:expr) => {
        mod password_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::UserId;
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::Result;
            use crate::passwords::PasswordStore;

            #[async_trait]
            impl PasswordStore for $store {
                #[instrument(skip_all)]
                async fn create_password_reset(
                    &self,
                    token_hash: &str,
                    user: &UserId,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(token_hash)
                    .bind(user.as_str())
                    .bind(now)
                    .bind(expires_at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn password_reset_email(
                    &self,
                    token_hash: &str,
                    now: DateTime<Utc>,
                ) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar(
                        "SELECT u.email FROM password_resets r JOIN users u ON u.id = r.user_id \
                         WHERE r.token_hash = $1 AND r.expires_at > $2",
                    )
                    .bind(token_hash)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                #[instrument(skip_all)]
                async fn complete_password_reset(
                    &self,
                    token_hash: &str,
                    password_hash: &str,
                    now: DateTime<Utc>,
                ) -> Result<Option<UserId>> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    // DELETE ... RETURNING takes it exactly once, even with two clicks racing.
                    let row = sqlx::query(
                        "DELETE FROM password_resets WHERE token_hash = $1 RETURNING user_id, expires_at",
                    )
                    .bind(token_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(row) = row else {
                        return Ok(None);
                    };
                    let expires_at: DateTime<Utc> = row.try_get("expires_at")?;
                    let user = UserId::new(row.try_get::<String, _>("user_id")?);
                    if expires_at <= now {
                        tx.commit().await?;
                        return Ok(None);
                    }
                    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                        .bind(user.as_str())
                        .bind(password_hash)
                        .execute(&mut *tx)
                        .await?;
                    for sql in [
                        "DELETE FROM sessions WHERE user_id = $1",
                        "DELETE FROM password_resets WHERE user_id = $1",
                    ] {
                        sqlx::query(sql).bind(user.as_str()).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(Some(user))
                }

                #[instrument(skip_all)]
                async fn set_password(
                    &self,
                    user: &UserId,
                    password_hash: &str,
                    keep_session_hash: Option<&str>,
                ) -> Result<u64> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                        .bind(user.as_str())
                        .bind(password_hash)
                        .execute(&mut *tx)
                        .await?;
                    let ended = sqlx::query(
                        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
                    )
                    .bind(user.as_str())
                    .bind(keep_session_hash.unwrap_or(""))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    tx.commit().await?;
                    Ok(ended)
                }

            }
        }
    };
}

pub(crate) use impl_password_store;
