//! The audit log: who did what to what, per organisation, append-only (the database refuses
//! every update and delete of it, see migration 0009).
//!
//! A write that is audited records its entry in its own transaction, through the crate's
//! `insert_audit!` (revoking an API token does), so an action is
//! never stored without its entry nor an entry without its action; [`AuditStore::record`] writes
//! a stand-alone entry. Details are a JSON object of what identifies the target to a reader (a
//! token's name), never a secret.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::campaign::{OrgId, UserId};

use crate::Result;

/// An entry to write.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub org_id: OrgId,
    /// The user who acted; `None` for the system (a scheduler).
    pub actor: Option<UserId>,
    /// What was done, as `area.verb` (`api_token.revoke`).
    pub action: String,
    /// The kind of thing acted on (`api_token`) and its id.
    pub target_type: String,
    pub target_id: String,
    /// A JSON object; never a secret.
    pub details: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: String,
    pub entry: AuditEntry,
}

/// Which entries of an organisation to read: every `Some` narrows, `before` pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// From this instant (included).
    pub from: Option<DateTime<Utc>>,
    /// Up to this instant (excluded).
    pub to: Option<DateTime<Utc>>,
    /// Older than this entry (its time and id): the next page after it.
    pub before: Option<(DateTime<Utc>, String)>,
    pub limit: u32,
}

/// An entry with its actor's e-mail, when the actor is a user who still exists.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub record: AuditRecord,
    pub actor_email: Option<String>,
}

/// Storage of the audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry; returns its id.
    async fn record(&self, entry: &AuditEntry) -> Result<String>;

    /// The newest `limit` entries of an organisation, newest first.
    async fn audit_entries(&self, org: &OrgId, limit: u32) -> Result<Vec<AuditRecord>>;

    /// One entry of an organisation by its id.
    async fn audit_entry(&self, org: &OrgId, id: &str) -> Result<Option<AuditRecord>>;

    /// A page of an organisation's entries by `filter`, newest first.
    async fn audit_page(&self, org: &OrgId, filter: &AuditFilter) -> Result<Vec<AuditRow>>;

    /// Deletes every organisation's entries created before `before` (the retention); how many.
    /// The database refuses to delete an entry younger than 30 days.
    async fn purge_audit(&self, before: DateTime<Utc>) -> Result<u64>;
}

/// The insert of entry `$entry` under id `$id`, as a query to execute in the caller's
/// transaction (the one of the write it records).
macro_rules! insert_audit {
    ($id:expr, $entry:expr) => {{
        let id: String = $id;
        let entry: &$crate::audit::AuditEntry = $entry;
        sqlx::query(
            "INSERT INTO audit_log \
             (id, org_id, actor_user_id, action, target_type, target_id, details, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(entry.org_id.as_str().to_owned())
        .bind(entry.actor.as_ref().map(|u| u.as_str().to_owned()))
        .bind(entry.action.clone())
        .bind(entry.target_type.clone())
        .bind(entry.target_id.clone())
        .bind(entry.details.to_string())
        .bind(entry.at)
    }};
}

pub(crate) use insert_audit;

/// Implements [`AuditStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`).
macro_rules! impl_audit_store {
    ($store:ty, $db:ty) => {
        mod audit_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{OrgId, UserId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::audit::{AuditEntry, AuditFilter, AuditRecord, AuditRow, AuditStore};
            use crate::{Result, StoreError};

            #[async_trait]
            impl AuditStore for $store {
                #[instrument(skip_all)]
                async fn record(&self, entry: &AuditEntry) -> Result<String> {
                    let id = crate::new_id();
                    crate::audit::insert_audit!(id.clone(), entry)
                        .execute(&self.pool)
                        .await?;
                    Ok(id)
                }

                #[instrument(skip_all)]
                async fn audit_entries(&self, org: &OrgId, limit: u32) -> Result<Vec<AuditRecord>> {
                    let rows = sqlx::query(
                        "SELECT id, org_id, actor_user_id, action, target_type, target_id, details, created_at \
                         FROM audit_log WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                    )
                    .bind(org.as_str())
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(record_of).collect()
                }

                #[instrument(skip_all)]
                async fn audit_entry(&self, org: &OrgId, id: &str) -> Result<Option<AuditRecord>> {
                    let row = sqlx::query(
                        "SELECT id, org_id, actor_user_id, action, target_type, target_id, details, created_at \
                         FROM audit_log WHERE org_id = $1 AND id = $2",
                    )
                    .bind(org.as_str())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(record_of).transpose()
                }

                #[instrument(skip_all)]
                async fn audit_page(&self, org: &OrgId, f: &AuditFilter) -> Result<Vec<AuditRow>> {
                    let (cursor_at, cursor_id) = f.before.clone().unzip();
                    let rows = sqlx::query(
                        "SELECT a.id, a.org_id, a.actor_user_id, a.action, a.target_type, a.target_id, \
                         a.details, a.created_at, u.email FROM audit_log a \
                         LEFT JOIN users u ON u.id = a.actor_user_id \
                         WHERE a.org_id = $1 \
                         AND ($2 IS NULL OR a.actor_user_id = $2) \
                         AND ($3 IS NULL OR a.target_type = $3) \
                         AND ($4 IS NULL OR a.target_id = $4) \
                         AND ($5 IS NULL OR a.created_at >= $5) \
                         AND ($6 IS NULL OR a.created_at < $6) \
                         AND ($7 IS NULL OR a.created_at < $7 OR (a.created_at = $7 AND a.id < $8)) \
                         ORDER BY a.created_at DESC, a.id DESC LIMIT $9",
                    )
                    .bind(org.as_str())
                    .bind(f.actor.as_ref().map(|u| u.as_str().to_owned()))
                    .bind(f.target_type.clone())
                    .bind(f.target_id.clone())
                    .bind(f.from)
                    .bind(f.to)
                    .bind(cursor_at)
                    .bind(cursor_id)
                    .bind(i64::from(f.limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(AuditRow {
                                record: record_of(r)?,
                                actor_email: r.try_get("email")?,
                            })
                        })
                        .collect()
                }

                #[instrument(skip_all)]
                async fn purge_audit(&self, before: DateTime<Utc>) -> Result<u64> {
                    let done = sqlx::query("DELETE FROM audit_log WHERE created_at < $1")
                        .bind(before)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }
            }

            /// The entry of a row selected with the columns of `audit_log`.
            fn record_of(r: &<$db as sqlx::Database>::Row) -> Result<AuditRecord> {
                let details: String = r.try_get("details")?;
                Ok(AuditRecord {
                    id: r.try_get("id")?,
                    entry: AuditEntry {
                        org_id: OrgId::new(r.try_get::<String, _>("org_id")?),
                        actor: r
                            .try_get::<Option<String>, _>("actor_user_id")?
                            .map(UserId::new),
                        action: r.try_get("action")?,
                        target_type: r.try_get("target_type")?,
                        target_id: r.try_get("target_id")?,
                        details: serde_json::from_str(&details)
                            .map_err(|e| StoreError::Invalid(format!("audit details: {e}")))?,
                        at: r.try_get("created_at")?,
                    },
                })
            }
        }
    };
}

pub(crate) use impl_audit_store;
