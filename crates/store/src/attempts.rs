//! Rate-limit attempts (sign-ins, registrations) in a window, shared by every instance over the
//! database: a limit kept in one process's memory would allow it once per instance.
//!
//! An attempt is counted against a kind (`login_address`, `login_account`, `register_address`, `reset_address`)
//! and a key's SHA-256 (a client address, or an e-mail from an address): the store never sees
//! what was typed. The rule (how many, how long, what counts) is `spendlens_app::accounts`'.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// The attempts of one key since a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCount {
    pub count: u64,
    /// The oldest of them (when the first leaves the window).
    pub oldest: Option<DateTime<Utc>>,
}

/// Storage of rate-limit attempts.
#[async_trait]
pub trait AttemptStore: Send + Sync {
    /// Records an attempt of `kind` and `key_hash` at `now`; returns its id. Attempts of `kind`
    /// older than `forget_before` are deleted on the way (their window has passed).
    async fn record_attempt(
        &self,
        kind: &str,
        key_hash: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<String>;

    /// The attempts of `kind` and `key_hash` at or after `since`.
    async fn attempts_since(
        &self,
        kind: &str,
        key_hash: &str,
        since: DateTime<Utc>,
    ) -> Result<AttemptCount>;

    /// Forgets one attempt (one refused as over the limit, or one that succeeded).
    async fn forget_attempt(&self, id: &str) -> Result<()>;

    /// Forgets every attempt of `kind` and `key_hash`.
    async fn forget_attempts(&self, kind: &str, key_hash: &str) -> Result<()>;
}

/// Implements [`AttemptStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`).
macro_rules! impl_attempt_store {
    ($store:ty, $db:ty) => {
        mod attempt_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::attempts::{AttemptCount, AttemptStore};
            use crate::{Result, new_id};

            #[async_trait]
            impl AttemptStore for $store {
                #[instrument(skip_all)]
                async fn record_attempt(
                    &self,
                    kind: &str,
                    key_hash: &str,
                    now: DateTime<Utc>,
                    forget_before: DateTime<Utc>,
                ) -> Result<String> {
                    sqlx::query("DELETE FROM auth_attempts WHERE kind = $1 AND attempted_at < $2")
                        .bind(kind)
                        .bind(forget_before)
                        .execute(&self.pool)
                        .await?;
                    let id = new_id();
                    sqlx::query(
                        "INSERT INTO auth_attempts (id, kind, key_hash, attempted_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&id)
                    .bind(kind)
                    .bind(key_hash)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(id)
                }

                #[instrument(skip_all)]
                async fn attempts_since(
                    &self,
                    kind: &str,
                    key_hash: &str,
                    since: DateTime<Utc>,
                ) -> Result<AttemptCount> {
                    let row = sqlx::query(
                        "SELECT COUNT(*) AS n, MIN(attempted_at) AS oldest FROM auth_attempts \
                         WHERE kind = $1 AND key_hash = $2 AND attempted_at >= $3",
                    )
                    .bind(kind)
                    .bind(key_hash)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?;
                    let n: i64 = row.try_get("n")?;
                    Ok(AttemptCount {
                        count: u64::try_from(n).unwrap_or(0),
                        oldest: row.try_get("oldest")?,
                    })
                }

                #[instrument(skip_all)]
                async fn forget_attempt(&self, id: &str) -> Result<()> {
                    sqlx::query("DELETE FROM auth_attempts WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn forget_attempts(&self, kind: &str, key_hash: &str) -> Result<()> {
                    sqlx::query("DELETE FROM auth_attempts WHERE kind = $1 AND key_hash = $2")
                        .bind(kind)
                        .bind(key_hash)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use impl_attempt_store;
