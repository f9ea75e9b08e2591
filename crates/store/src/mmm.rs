//! Marketing-mix model runs of an organisation (`mmm_runs`, migration 0014): the request and the
//! result documents as answered, with the campaigns the run covers and their data versions at
//! the time, so the app can say when a stored run no longer matches the data. The store keeps
//! the JSON text as given; reading it is the app's.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};

use crate::Result;

/// How many runs an organisation keeps: storing one more drops the oldest.
pub const MAX_MMM_RUNS: usize = 50;

/// A run to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMmmRun {
    pub campaigns: Vec<CampaignId>,
    /// `campaign_id:data_version` pairs.
    pub data_version: String,
    pub request: String,
    pub result: String,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMmmRun {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub campaigns: Vec<CampaignId>,
    pub data_version: String,
    pub request: String,
    pub result: String,
}

/// Storage of marketing-mix model runs.
#[async_trait]
pub trait MmmStore: Send + Sync {
    /// Stores a run of the organisation, dropping its oldest beyond [`MAX_MMM_RUNS`].
    async fn save_mmm_run(
        &self,
        org: &OrgId,
        run: &NewMmmRun,
        now: DateTime<Utc>,
    ) -> Result<StoredMmmRun>;

    /// The organisation's runs, newest first.
    async fn mmm_runs(&self, org: &OrgId) -> Result<Vec<StoredMmmRun>>;

    /// One run of the organisation (`None` for another organisation's id).
    async fn mmm_run(&self, org: &OrgId, id: &str) -> Result<Option<StoredMmmRun>>;

    /// The organisation's newest run fitted on `campaign` alone (what a campaign's revenue basis
    /// and budget plan may use), without reading any other run.
    async fn newest_mmm_run_of(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
    ) -> Result<Option<StoredMmmRun>>;
}

pub(crate) fn campaigns_text(campaigns: &[CampaignId]) -> String {
    campaigns
        .iter()
        .map(CampaignId::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn campaigns_of(text: &str) -> Vec<CampaignId> {
    text.split_whitespace().map(CampaignId::new).collect()
}

/// Implements [`MmmStore`] for `$store` (field `pool: sqlx::Pool<$db>`).
macro_rules! impl_mmm_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod mmm_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use tracing::instrument;

            use crate::mmm::{
                MAX_MMM_RUNS, MmmStore, NewMmmRun, StoredMmmRun, campaigns_of, campaigns_text,
            };
            use crate::{Result, new_id};

            const COLUMNS: &str = "id, created_at, campaigns, data_version, request, result";

            fn run_of<R>(r: &R) -> Result<StoredMmmRun>
            where
                R: sqlx::Row,
                for<'a> &'a str: sqlx::ColumnIndex<R>,
                for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
                for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            {
                Ok(StoredMmmRun {
                    id: r.try_get("id")?,
                    created_at: r.try_get("created_at")?,
                    campaigns: campaigns_of(&r.try_get::<String, _>("campaigns")?),
                    data_version: r.try_get("data_version")?,
                    request: r.try_get("request")?,
                    result: r.try_get("result")?,
                })
            }

            #[async_trait]
            impl MmmStore for $store {
                #[instrument(skip_all)]
                async fn save_mmm_run(
                    &self,
                    org: &OrgId,
                    run: &NewMmmRun,
                    now: DateTime<Utc>,
                ) -> Result<StoredMmmRun> {
                    let id = new_id();
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    sqlx::query(
                        "INSERT INTO mmm_runs (id, org_id, created_at, campaigns, data_version, request, result) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&id)
                    .bind(org.as_str())
                    .bind(now)
                    .bind(campaigns_text(&run.campaigns))
                    .bind(&run.data_version)
                    .bind(&run.request)
                    .bind(&run.result)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "DELETE FROM mmm_runs WHERE org_id = $1 AND id NOT IN \
                         (SELECT id FROM mmm_runs WHERE org_id = $1 \
                          ORDER BY created_at DESC, id = $2 DESC, id DESC LIMIT $3)",
                    )
                    .bind(org.as_str())
                    .bind(&id)
                    .bind(i64::try_from(MAX_MMM_RUNS).unwrap_or(i64::MAX))
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(StoredMmmRun {
                        id,
                        created_at: now,
                        campaigns: run.campaigns.clone(),
                        data_version: run.data_version.clone(),
                        request: run.request.clone(),
                        result: run.result.clone(),
                    })
                }

                #[instrument(skip_all)]
                async fn mmm_runs(&self, org: &OrgId) -> Result<Vec<StoredMmmRun>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM mmm_runs WHERE org_id = $1 ORDER BY created_at DESC, id DESC"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(run_of).collect()
                }

                #[instrument(skip_all)]
                async fn newest_mmm_run_of(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                ) -> Result<Option<StoredMmmRun>> {
                    // A run on one campaign stores exactly its id in `campaigns`.
                    let sql = format!(
                        "SELECT {COLUMNS} FROM mmm_runs WHERE org_id = $1 AND campaigns = $2 \
                         ORDER BY created_at DESC, id DESC LIMIT 1"
                    );
                    let row = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(campaign.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(run_of).transpose()
                }

                #[instrument(skip_all)]
                async fn mmm_run(&self, org: &OrgId, id: &str) -> Result<Option<StoredMmmRun>> {
                    let sql = format!("SELECT {COLUMNS} FROM mmm_runs WHERE id = $1 AND org_id = $2");
                    let row = sqlx::query(&sql)
                        .bind(id)
                        .bind(org.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(run_of).transpose()
                }
            }
        }
    };
}

pub(crate) use impl_mmm_store;
