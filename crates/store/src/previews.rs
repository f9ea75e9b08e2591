//! Uploads previewed on the imports page and waiting for their confirmation, in the database so
//! that the confirmation may arrive on any instance, each bound to its organisation and
//! campaign, until it expires.
//!
//! Every organisation has its own quota (a number of previews and their bytes): a new preview
//! makes room by dropping that organisation's oldest, never another's. The quota itself is the
//! caller's rule; the store applies it in the write transaction of the new preview.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};

use crate::Result;

/// A previewed upload: the file and how it was to be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPreview {
    pub file_name: String,
    /// The source the user chose (`None`: detect), as its identifier.
    pub source: Option<String>,
    /// The exchange rate the user gave, as decimal text.
    pub rate: Option<String>,
    /// The column mapping the user gave, in its text form.
    pub mapping: Option<String>,
    pub bytes: Vec<u8>,
}

/// How much one organisation may keep waiting at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewQuota {
    pub max_count: u32,
    pub max_bytes: u64,
}

/// Storage of previewed uploads.
#[async_trait]
pub trait PreviewStore: Send + Sync {
    /// Keeps `preview` of `campaign` under `token_hash` until `expires_at`; then drops expired
    /// previews, and `org`'s oldest while `org` is over `quota` (the new one stays).
    #[allow(clippy::too_many_arguments)]
    async fn put_preview(
        &self,
        token_hash: &str,
        org: &OrgId,
        campaign: &CampaignId,
        preview: &PendingPreview,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        quota: PreviewQuota,
    ) -> Result<()>;

    /// Takes (once) the unexpired preview of `token_hash`, when it belongs to `org` and
    /// `campaign`.
    async fn take_preview(
        &self,
        token_hash: &str,
        org: &OrgId,
        campaign: &CampaignId,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingPreview>>;
}

/// Implements [`PreviewStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`);
/// `$begin_write` as for `impl_store!`.
macro_rules! impl_preview_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod preview_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::previews::{PendingPreview, PreviewQuota, PreviewStore};
            use crate::{Result, new_id};

            #[async_trait]
            impl PreviewStore for $store {
                #[instrument(skip_all)]
                async fn put_preview(
                    &self,
                    token_hash: &str,
                    org: &OrgId,
                    campaign: &CampaignId,
                    preview: &PendingPreview,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                    quota: PreviewQuota,
                ) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    sqlx::query("DELETE FROM pending_imports WHERE expires_at <= $1")
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO pending_imports \
                         (token_hash, id, org_id, campaign_id, file_name, source, rate, bytes, size, created_at, expires_at, mapping) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(token_hash)
                    .bind(new_id())
                    .bind(org.as_str())
                    .bind(campaign.as_str())
                    .bind(&preview.file_name)
                    .bind(&preview.source)
                    .bind(&preview.rate)
                    .bind(&preview.bytes)
                    .bind(i64::try_from(preview.bytes.len()).unwrap_or(i64::MAX))
                    .bind(now)
                    .bind(expires_at)
                    .bind(&preview.mapping)
                    .execute(&mut *tx)
                    .await?;
                    // The new one counts first and always stays; then the others newest
                    // first, kept while within the quota, the rest dropped. (Not "the first
                    // row": instances' clocks differ, the newest by time may be another's.)
                    let rows = sqlx::query(
                        "SELECT token_hash, size FROM pending_imports \
                         WHERE org_id = $1 AND token_hash <> $2 \
                         ORDER BY created_at DESC, id DESC",
                    )
                    .bind(org.as_str())
                    .bind(token_hash)
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut count = 1u32;
                    let mut bytes = u64::try_from(preview.bytes.len()).unwrap_or(u64::MAX);
                    for row in &rows {
                        let size: i64 = row.try_get("size")?;
                        count = count.saturating_add(1);
                        bytes = bytes.saturating_add(u64::try_from(size).unwrap_or(0));
                        if count > quota.max_count || bytes > quota.max_bytes {
                            let hash: String = row.try_get("token_hash")?;
                            sqlx::query("DELETE FROM pending_imports WHERE token_hash = $1")
                                .bind(hash)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    tx.commit().await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn take_preview(
                    &self,
                    token_hash: &str,
                    org: &OrgId,
                    campaign: &CampaignId,
                    now: DateTime<Utc>,
                ) -> Result<Option<PendingPreview>> {
                    // DELETE ... RETURNING takes it exactly once, even with two confirmations
                    // racing on two instances.
                    let row = sqlx::query(
                        "DELETE FROM pending_imports \
                         WHERE token_hash = $1 AND org_id = $2 AND campaign_id = $3 AND expires_at > $4 \
                         RETURNING file_name, source, rate, bytes, mapping",
                    )
                    .bind(token_hash)
                    .bind(org.as_str())
                    .bind(campaign.as_str())
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| {
                        Ok(PendingPreview {
                            file_name: r.try_get("file_name")?,
                            source: r.try_get("source")?,
                            rate: r.try_get("rate")?,
                            mapping: r.try_get("mapping")?,
                            bytes: r.try_get("bytes")?,
                        })
                    })
                    .transpose()
                }
            }
        }
    };
}

pub(crate) use impl_preview_store;
