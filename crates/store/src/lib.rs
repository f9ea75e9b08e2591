//! spendlens-store: where campaigns, accounts and daily platform metrics live.
//!
//! One [`Store`] trait, implemented for SQLite (the zero set-up default: one file) and
//! PostgreSQL (for teams running several instances). Both implementations are generated from the
//! same SQL (see `backend.rs`), each with its own migrations under `migrations/`; the integration
//! suite runs the same story against both.
//!
//! Architecture invariants: every campaign-scoped method takes the caller's [`OrgId`] and filters
//! by it in SQL, so another organisation's campaign is simply not found. Money and conversions are
//! stored as integer micros (exact, identical in both backends; never REAL/float), and totals are
//! aggregated in SQL rather than by loading rows. Writes of a batch happen in one transaction:
//! all or nothing. Start reading at [`Store`] and [`connect`].
#![forbid(unsafe_code)]

pub mod attribution;
mod backend;
pub mod connections;
pub mod finance;
pub mod micros;
mod postgres;
mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::campaign::{
    Campaign, CampaignId, CampaignSpec, OrgId, PlatformSettings, UserId,
};
use spendlens_core::daily::DailyRow;
use spendlens_core::totals::PlatformTotals;

pub use attribution::{StoredTouchpoint, TouchKind, TouchpointImport, TouchpointStore};
pub use connections::{Connection, ConnectionStatus, ConnectionStore, NewConnection, SyncRecord};
pub use finance::FinanceStore;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. an e-mail address already registered).
    #[error("already exists: {0}")]
    Conflict(&'static str),
    /// A value cannot be stored exactly (e.g. beyond the micros range).
    #[error("{0}")]
    Invalid(String),
    /// The database URL names no backend spendlens knows.
    #[error("unsupported database URL (expected sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Result of storage calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

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

/// What an upsert of daily rows did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// The provenance of a batch of rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub source: String,
    pub file_name: Option<String>,
    /// SHA-256 of the file, hex.
    pub content_hash: Option<String>,
}

/// A campaign's totals as recorded on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSnapshot {
    pub date: NaiveDate,
    pub spend: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    pub revenue: Decimal,
    /// The estimated average order value in force that day.
    pub aov: Decimal,
}

/// Writes one import's rows in batches inside one transaction: nothing is visible until
/// [`ImportWriter::commit`], and dropping the writer without committing rolls everything back.
#[async_trait]
pub trait ImportWriter: Send {
    /// Upserts a batch on the natural key (a later row with the same key replaces an earlier one).
    async fn write(&mut self, rows: &[DailyRow]) -> Result<()>;

    /// Makes every batch visible at once; returns the import's id. A content hash known only
    /// now (a streamed file) replaces the one the import started with.
    async fn commit(self: Box<Self>, content_hash: Option<String>) -> Result<String>;
}

/// The storage of spendlens.
#[async_trait]
pub trait Store:
    ConnectionStore + TouchpointStore + FinanceStore + Send + Sync + std::fmt::Debug + 'static
{
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

    /// Creates a campaign in the organisation.
    async fn create_campaign(
        &self,
        org: &OrgId,
        spec: &CampaignSpec,
        now: DateTime<Utc>,
    ) -> Result<Campaign>;

    /// The organisation's campaigns, by name.
    async fn list_campaigns(&self, org: &OrgId) -> Result<Vec<Campaign>>;

    /// One campaign of the organisation; `None` for another organisation's id.
    async fn campaign(&self, org: &OrgId, id: &CampaignId) -> Result<Option<Campaign>>;

    /// Replaces a campaign's definition; `None` when not found in the organisation.
    async fn update_campaign(
        &self,
        org: &OrgId,
        id: &CampaignId,
        spec: &CampaignSpec,
        now: DateTime<Utc>,
    ) -> Result<Option<Campaign>>;

    /// Deletes a campaign and everything stored for it; false when not found.
    async fn delete_campaign(&self, org: &OrgId, id: &CampaignId) -> Result<bool>;

    /// Every campaign of every organisation (for the scheduler, never for a request).
    async fn all_campaigns(&self) -> Result<Vec<Campaign>>;

    /// A campaign of the organisation with its platform settings and its data version, in one
    /// round trip. The version changes with every write that can change the campaign's analysis
    /// (rows, settings, campaign fields, snapshots), in the same transaction as the write.
    async fn campaign_with_settings(
        &self,
        org: &OrgId,
        id: &CampaignId,
    ) -> Result<Option<(Campaign, PlatformSettings, i64)>>;

    /// The campaign's platform settings; `None` when the campaign is not found.
    async fn settings(&self, org: &OrgId, id: &CampaignId) -> Result<Option<PlatformSettings>>;

    /// Replaces the campaign's platform settings; false when the campaign is not found.
    async fn put_settings(
        &self,
        org: &OrgId,
        id: &CampaignId,
        settings: &PlatformSettings,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Upserts daily rows on their natural key in one transaction, recording the import when
    /// given. `None` when the campaign is not found (and nothing is written).
    async fn upsert_rows(
        &self,
        org: &OrgId,
        id: &CampaignId,
        rows: &[DailyRow],
        import: Option<&ImportRecord>,
        now: DateTime<Utc>,
    ) -> Result<Option<UpsertCounts>>;

    /// Starts an import into a campaign of the organisation; `None` when the campaign is not
    /// found. The rows of the whole import are written in one transaction.
    async fn begin_import(
        &self,
        org: &OrgId,
        id: &CampaignId,
        record: &ImportRecord,
        now: DateTime<Utc>,
    ) -> Result<Option<Box<dyn ImportWriter>>>;

    /// A campaign by id in any organisation: for operator tools on the server (the CLI), never
    /// for a request.
    async fn campaign_for_operator(&self, id: &CampaignId) -> Result<Option<Campaign>>;

    /// Per-platform sums of every stored day up to and including `up_to` (aggregated in SQL).
    async fn platform_totals(
        &self,
        org: &OrgId,
        id: &CampaignId,
        up_to: NaiveDate,
    ) -> Result<Vec<PlatformTotals>>;

    /// The campaign's days from `from` to `to` (inclusive), one row per day and platform (external
    /// campaigns summed, `external_campaign_id` empty), ordered by date then platform. Empty for
    /// another organisation's campaign.
    async fn daily_series(
        &self,
        org: &OrgId,
        id: &CampaignId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyRow>>;

    /// Writes the day's snapshot unless one exists; true when this call wrote it.
    async fn write_snapshot(
        &self,
        campaign: &CampaignId,
        snapshot: &StoredSnapshot,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// The snapshot closest to `date` (the earlier one on a tie).
    async fn snapshot_closest(
        &self,
        org: &OrgId,
        id: &CampaignId,
        date: NaiveDate,
    ) -> Result<Option<StoredSnapshot>>;

    /// All snapshots of a campaign, oldest first.
    async fn snapshots(&self, org: &OrgId, id: &CampaignId) -> Result<Vec<StoredSnapshot>>;

    /// Checks that the database answers (for health checks; reads nothing of a tenant).
    async fn ping(&self) -> Result<()>;

    /// Claims a run of a job (e.g. the snapshot of one day) for this instance; false when another
    /// instance already claimed it.
    async fn claim_job_run(
        &self,
        job: &str,
        run_key: &str,
        instance: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
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
