//! Column mappings saved for a campaign (`column_mappings`, migration 0012): the text form of
//! `spendlens_ingest::ColumnMapping` a user saved after mapping a file's columns by hand, tried
//! again, newest first, on the next file of the campaign that detection cannot read. The store
//! keeps the text as given; reading it is the ingest crate's.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};

use crate::Result;

/// How many mappings a campaign keeps: saving one more drops the oldest.
pub const MAX_SAVED_MAPPINGS: usize = 20;

/// A saved column mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedMapping {
    pub id: String,
    /// The text form, e.g. `date=Day,spend="Amount spent (INR)"`.
    pub mapping: String,
    pub saved_at: DateTime<Utc>,
}

/// Storage of saved column mappings.
#[async_trait]
pub trait MappingStore: Send + Sync {
    /// Saves `mapping` for the campaign (saving the same text again only renews its date), and
    /// drops the oldest beyond [`MAX_SAVED_MAPPINGS`]. `None` when the campaign is not found in
    /// the organisation.
    async fn save_mapping(
        &self,
        org: &OrgId,
        id: &CampaignId,
        mapping: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SavedMapping>>;

    /// The campaign's saved mappings, newest first; empty for another organisation's campaign.
    async fn saved_mappings(&self, org: &OrgId, id: &CampaignId) -> Result<Vec<SavedMapping>>;

    /// Deletes one saved mapping; whether it existed in the organisation's campaign.
    async fn delete_mapping(&self, org: &OrgId, id: &CampaignId, mapping_id: &str) -> Result<bool>;
}

/// Implements [`MappingStore`] for `$store` (field `pool: sqlx::Pool<$db>`).
macro_rules! impl_mapping_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod mapping_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::campaigns::LOCK_CAMPAIGN;
            use crate::mappings::{MAX_SAVED_MAPPINGS, MappingStore, SavedMapping};
            use crate::{Result, new_id};

            #[async_trait]
            impl MappingStore for $store {
                #[instrument(skip_all)]
                async fn save_mapping(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    mapping: &str,
                    now: DateTime<Utc>,
                ) -> Result<Option<SavedMapping>> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query(LOCK_CAMPAIGN)
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if owned.rows_affected() != 1 {
                        return Ok(None);
                    }
                    let row = sqlx::query(
                        "INSERT INTO column_mappings (id, campaign_id, mapping, saved_at) \
                         VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (campaign_id, mapping) DO UPDATE SET saved_at = excluded.saved_at \
                         RETURNING id",
                    )
                    .bind(new_id())
                    .bind(id.as_str())
                    .bind(mapping)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    let saved_id: String = row.try_get("id")?;
                    // The newest are kept; ties in time by id, so the one just saved stays.
                    sqlx::query(
                        "DELETE FROM column_mappings WHERE campaign_id = $1 AND id NOT IN \
                         (SELECT id FROM column_mappings WHERE campaign_id = $1 \
                          ORDER BY saved_at DESC, id = $2 DESC, id DESC LIMIT $3)",
                    )
                    .bind(id.as_str())
                    .bind(&saved_id)
                    .bind(i64::try_from(MAX_SAVED_MAPPINGS).unwrap_or(i64::MAX))
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(Some(SavedMapping {
                        id: saved_id,
                        mapping: mapping.to_owned(),
                        saved_at: now,
                    }))
                }

                #[instrument(skip_all)]
                async fn saved_mappings(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                ) -> Result<Vec<SavedMapping>> {
                    let rows = sqlx::query(
                        "SELECT m.id, m.mapping, m.saved_at FROM column_mappings m \
                         JOIN campaigns c ON c.id = m.campaign_id \
                         WHERE m.campaign_id = $1 AND c.org_id = $2 \
                         ORDER BY m.saved_at DESC, m.id DESC",
                    )
                    .bind(id.as_str())
                    .bind(org.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(SavedMapping {
                                id: r.try_get("id")?,
                                mapping: r.try_get("mapping")?,
                                saved_at: r.try_get("saved_at")?,
                            })
                        })
                        .collect()
                }

                #[instrument(skip_all)]
                async fn delete_mapping(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    mapping_id: &str,
                ) -> Result<bool> {
                    let done = sqlx::query(
                        "DELETE FROM column_mappings WHERE id = $1 AND campaign_id = $2 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $3)",
                    )
                    .bind(mapping_id)
                    .bind(id.as_str())
                    .bind(org.as_str())
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        }
    };
}

pub(crate) use impl_mapping_store;
