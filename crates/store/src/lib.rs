//! spendlens-store: where campaigns, accounts and daily platform metrics live.
//!
//! One [`Store`] trait, implemented for SQLite (the zero set-up default: one file) and
//! PostgreSQL (for teams running several instances). Both implementations are generated from the
//! same SQL (see `backend.rs`), one module per area (`accounts`, `campaigns`, `imports`,
//! `metrics`, `channels`, `snapshots`, `jobs`, `connections`, `attribution`, `finance`, `attempts`, `audit`,
//! `members` (roles, organisations of a person, invitations),
//! `outbox`, `previews`, `sharing`, `deliveries`), each with its trait
//! and its SQL; each backend has its own migrations under `migrations/`; the integration suite
//! runs the same story against both.
//!
//! Architecture invariants: every campaign-scoped method takes the caller's [`OrgId`] and filters
//! by it in SQL, so another organisation's campaign is simply not found. Money and conversions are
//! stored as integer micros (exact, identical in both backends; never REAL/float), and totals are
//! aggregated in SQL rather than by loading rows. Writes of a batch happen in one transaction:
//! all or nothing, taking the campaign's row first so that writers of one campaign queue on
//! either backend (`campaigns::LOCK_CAMPAIGN`), re-summing the months they touched and checking
//! the campaign's totals against `spendlens_core::limits` (`rollup`), tried again when the
//! database gave up for a passing reason (`retry`). A file import is spooled apart and merged in
//! one transaction (`staging`). Start reading at [`Store`] and [`connect`].
#![forbid(unsafe_code)]

pub mod accounts;
pub mod attempts;
pub mod attribution;
pub mod audit;
mod backend;
pub mod campaigns;
pub mod channels;
pub mod connections;
pub mod deliveries;
pub mod finance;
pub mod imports;
pub mod jobs;
pub mod mappings;
pub mod members;
mod members_impl;
pub mod metrics;
pub mod micros;
pub mod mmm;
pub mod outbox;
pub mod passwords;
mod postgres;
mod postgres_merge;
mod postgres_read;
pub mod previews;
mod retry;
mod rollup;
pub mod sharing;
pub mod snapshots;
mod spool;
mod sqlite;
mod sqlite_merge;
mod sqlite_read;
mod staging;

use async_trait::async_trait;
#[cfg(doc)]
use spendlens_core::campaign::OrgId;

pub use accounts::{
    AccountStore, ApiTokenInfo, PendingCheck, PendingRegistration, Principal, TokenUse,
    UserCredentials,
};
pub use attempts::{AttemptCount, AttemptStore};
pub use attribution::{StoredTouchpoint, TouchKind, TouchpointImport, TouchpointStore};
pub use audit::{AuditEntry, AuditFilter, AuditRecord, AuditRow, AuditStore};
pub use campaigns::{CURRENCY_HAS_DATA, CampaignStore, Written};
pub use channels::ChannelStore;
pub use connections::{
    Connection, ConnectionStatus, ConnectionStore, NewConnection, ONE_PER_CAMPAIGN, SyncRecord,
};
pub use deliveries::{DeliveryStore, NewDelivery, NewSchedule, StoredDelivery, StoredSchedule};
pub use finance::FinanceStore;
pub use imports::{
    Committed, ImportRecord, ImportStore, ImportWriter, RowSource, SyncWindow, UpsertCounts,
};
pub use jobs::JobStore;
pub use mappings::{MAX_SAVED_MAPPINGS, MappingStore, SavedMapping};
pub use members::{
    Acceptance, Invitation, IssuerRule, Joiner, Member, MemberStore, Membership, NewInvitation,
    Owned,
};
pub use metrics::MetricStore;
pub use mmm::{MAX_MMM_RUNS, MmmStore, NewMmmRun, StoredMmmRun};
pub use outbox::{OutboxStore, OutgoingMail, StoredMail};
pub use passwords::PasswordStore;
pub use postgres::PgStore;
pub use previews::{PendingPreview, PreviewQuota, PreviewStore};
pub use sharing::{ShareLinkStore, StoredShareLink};
pub use snapshots::{SnapshotStore, StoredSnapshot};
pub use sqlite::SqliteStore;

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. an e-mail address already registered).
    #[error("already exists: {0}")]
    Conflict(&'static str),
    /// What a write was about went away meanwhile (a campaign deleted while a file was
    /// imported into it): nothing was written.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A value cannot be stored exactly (e.g. beyond the micros range).
    #[error("{0}")]
    Invalid(String),
    /// A value, or the total a write would give a campaign, is beyond what spendlens sums
    /// exactly (see `spendlens_core::limits`); `field` names the metric (`spend`, `clicks`).
    /// Nothing was written.
    #[error("{field}: {message}")]
    OutOfRange {
        field: &'static str,
        message: String,
    },
    /// The database URL names no backend spendlens knows.
    #[error("unsupported database URL (expected sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A long read of an SQLite file (see `sqlite_read.rs`) failed.
    #[error("database error: {0}")]
    Read(#[from] rusqlite::Error),
    /// An import's temporary file (see `spool.rs`) could not be written or read back.
    #[error("the import's temporary file failed: {0}")]
    Spool(#[from] std::io::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether the write may succeed when tried again as it is: a deadlock or serialisation
    /// failure (PostgreSQL), or a snapshot gone stale under a writer (SQLite's
    /// `SQLITE_BUSY_SNAPSHOT`). Not a plain `SQLITE_BUSY`: that comes after the busy timeout
    /// has already waited (see `sqlite.rs`), and waiting as long again would hold the request
    /// past any client's patience. See `retry.rs`.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => matches!(
                db.code().as_deref(),
                // serialization_failure, deadlock_detected, SQLITE_BUSY_SNAPSHOT.
                Some("40001" | "40P01" | "517")
            ),
            _ => false,
        }
    }

    /// `e`, or [`StoreError::OutOfRange`] naming `field` when the database refused a sum or a
    /// value beyond its integer range (data stored before the caps, or written around them).
    pub(crate) fn or_out_of_range(e: sqlx::Error, field: &'static str) -> StoreError {
        let overflow = match &e {
            sqlx::Error::Database(db) => {
                db.code().as_deref() == Some("22003") || db.message().contains("integer overflow")
            }
            _ => false,
        };
        if overflow {
            StoreError::OutOfRange {
                field,
                message: "the stored values add up to more than spendlens can sum exactly"
                    .to_owned(),
            }
        } else {
            StoreError::Database(e)
        }
    }
}

/// Result of storage calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The storage of spendlens: one trait per area (accounts, members, campaigns, rows written and read,
/// snapshots, job runs, connections, touchpoints, finance, rate-limit attempts, the audit log,
/// the outbox, previewed uploads, share links, report schedules and deliveries), all implemented for both backends from
/// one body of portable SQL (see `backend.rs`), plus the health check.
///
/// Callers hold a `dyn Store` (or an `S: Store`) and call any area's method on it: the areas are
/// supertraits, so their methods need no import.
#[async_trait]
pub trait Store:
    AccountStore
    + CampaignStore
    + ChannelStore
    + ImportStore
    + MappingStore
    + MemberStore
    + MmmStore
    + MetricStore
    + SnapshotStore
    + JobStore
    + ConnectionStore
    + TouchpointStore
    + FinanceStore
    + AttemptStore
    + AuditStore
    + OutboxStore
    + PasswordStore
    + PreviewStore
    + ShareLinkStore
    + DeliveryStore
    + Send
    + Sync
    + std::fmt::Debug
    + 'static
{
    /// Checks that the database answers (for health checks; reads nothing of a tenant).
    async fn ping(&self) -> Result<()>;
}

/// Opens the store a URL names (`sqlite://path` or `postgres://...`), creating the SQLite file on
/// first start, and runs its migrations.
pub async fn connect(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(
            url.split('@').next_back().unwrap_or(url).to_owned(),
        ))
    }
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
