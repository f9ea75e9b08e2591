//! Share links (`share_links`, migration 0016): a read-only link to one campaign's analysis,
//! found by its token's SHA-256 (the token is shown once and never stored), revocable, with an
//! optional last day. Whether a link still opens is the app's rule (`spendlens_app::sharing`);
//! the store only keeps the facts.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};

use crate::Result;

/// A stored share link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredShareLink {
    pub id: String,
    pub org_id: OrgId,
    pub campaign_id: CampaignId,
    /// The last day the link opens (UTC), `None` for no end.
    pub expires_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Storage of share links.
#[async_trait]
pub trait ShareLinkStore: Send + Sync {
    /// Stores a link to `campaign` of `org` under `token_hash`; `None` when the campaign is not
    /// the organisation's (nothing written).
    async fn create_share_link(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
        token_hash: &str,
        expires_on: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredShareLink>>;

    /// The links of a campaign of `org`, newest first (revoked ones included).
    async fn share_links(&self, org: &OrgId, campaign: &CampaignId)
    -> Result<Vec<StoredShareLink>>;

    /// Revokes a link of a campaign of `org`; false when there is no such link (or it was
    /// revoked already).
    async fn revoke_share_link(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
        link_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// The link stored under `token_hash`, whatever its state.
    async fn share_link_by_hash(&self, token_hash: &str) -> Result<Option<StoredShareLink>>;
}

/// Implements [`ShareLinkStore`] for `$store` (field `pool: sqlx::Pool<$db>`).
macro_rules! impl_share_link_store {
    ($store:ty, $db:ty) => {
        mod share_link_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::sharing::{ShareLinkStore, StoredShareLink};
            use crate::{Result, new_id};

            const COLUMNS: &str = "id, org_id, campaign_id, expires_on, created_at, revoked_at";

            fn link_of(r: &<$db as sqlx::Database>::Row) -> Result<StoredShareLink> {
                Ok(StoredShareLink {
                    id: r.try_get("id")?,
                    org_id: OrgId::new(r.try_get::<String, _>("org_id")?),
                    campaign_id: CampaignId::new(r.try_get::<String, _>("campaign_id")?),
                    expires_on: r.try_get("expires_on")?,
                    created_at: r.try_get("created_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            }

            #[async_trait]
            impl ShareLinkStore for $store {
                #[instrument(skip_all)]
                async fn create_share_link(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                    token_hash: &str,
                    expires_on: Option<NaiveDate>,
                    now: DateTime<Utc>,
                ) -> Result<Option<StoredShareLink>> {
                    let id = new_id();
                    // The campaign is checked to be the organisation's in the same statement.
                    let done = sqlx::query(
                        "INSERT INTO share_links (id, org_id, campaign_id, token_hash, expires_on, created_at, revoked_at) \
                         SELECT $1, org_id, id, $4, $5, $6, NULL FROM campaigns WHERE id = $2 AND org_id = $3",
                    )
                    .bind(&id)
                    .bind(campaign.as_str())
                    .bind(org.as_str())
                    .bind(token_hash)
                    .bind(expires_on)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok((done.rows_affected() == 1).then(|| StoredShareLink {
                        id,
                        org_id: org.clone(),
                        campaign_id: campaign.clone(),
                        expires_on,
                        created_at: now,
                        revoked_at: None,
                    }))
                }

                #[instrument(skip_all)]
                async fn share_links(&self, org: &OrgId, campaign: &CampaignId) -> Result<Vec<StoredShareLink>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM share_links WHERE org_id = $1 AND campaign_id = $2 \
                         ORDER BY created_at DESC, id DESC"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(campaign.as_str())
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(link_of).collect()
                }

                #[instrument(skip_all)]
                async fn revoke_share_link(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                    link_id: &str,
                    now: DateTime<Utc>,
                ) -> Result<bool> {
                    let done = sqlx::query(
                        "UPDATE share_links SET revoked_at = $4 \
                         WHERE id = $1 AND org_id = $2 AND campaign_id = $3 AND revoked_at IS NULL",
                    )
                    .bind(link_id)
                    .bind(org.as_str())
                    .bind(campaign.as_str())
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[instrument(skip_all)]
                async fn share_link_by_hash(&self, token_hash: &str) -> Result<Option<StoredShareLink>> {
                    let sql = format!("SELECT {COLUMNS} FROM share_links WHERE token_hash = $1");
                    let row = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
                    row.as_ref().map(link_of).transpose()
                }
            }
        }
    };
}

pub(crate) use impl_share_link_store;
