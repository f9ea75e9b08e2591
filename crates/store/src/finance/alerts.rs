//! Budget alerts: each raised once per campaign, kind and episode (a compare-and-swap on the
//! campaign's alert state), then delivered to the organisation's webhook with a count of attempts.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_finance::AlertKind;

use crate::Result;

/// An alert to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub kind: AlertKind,
    pub as_of: NaiveDate,
    pub used_pct: Decimal,
    pub pacing_pct: Decimal,
    pub spend: Decimal,
    pub budget: Option<Decimal>,
    pub currency: String,
}

/// A recorded alert with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAlert {
    pub id: String,
    pub org_id: OrgId,
    pub campaign_id: CampaignId,
    pub alert: NewAlert,
    pub raised_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// The alert state of a campaign: the alerts raised and still holding, and the version a
/// compare-and-swap expects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredAlertState {
    pub raised: Vec<AlertKind>,
    pub version: i64,
}

/// Storage of budget alerts and their delivery.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// The alert state of a campaign (empty, version 0, when none was recorded).
    async fn alert_state(&self, campaign: &CampaignId) -> Result<StoredAlertState>;

    /// Records a new alert state and the alerts raised with it, in one transaction, if the state
    /// is still at `expected_version`; otherwise writes nothing and returns `None` (another
    /// evaluation got there first). Each alert is unique per campaign, kind and episode (the new
    /// version), so it can never be recorded twice.
    async fn record_alerts(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
        expected_version: i64,
        raised: &[AlertKind],
        alerts: &[NewAlert],
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<StoredAlert>>>;

    /// The organisation's alerts, newest first, optionally of one campaign.
    async fn alerts(&self, org: &OrgId, campaign: Option<&CampaignId>) -> Result<Vec<StoredAlert>>;

    /// Alerts of every organisation not yet delivered and tried fewer than `max_attempts` times
    /// (for the scheduler, never for a request).
    async fn undelivered_alerts(&self, max_attempts: u32) -> Result<Vec<StoredAlert>>;

    /// Records a delivery attempt: delivered (with the time) or failed (with the reason).
    async fn mark_alert_attempt(
        &self,
        alert_id: &str,
        delivered_at: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> Result<()>;
}

/// Implements [`AlertStore`] for `$store` (field `pool: sqlx::Pool<$db>`), with the same portable
/// SQL on both backends.
macro_rules! impl_alert_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod alert_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_finance::AlertKind;
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::finance::alerts::{AlertStore, NewAlert, StoredAlert, StoredAlertState};
            use crate::finance::corrupt;
            use crate::micros::{from_micros, opt_to_micros, to_micros, to_micros_saturating};
            use crate::{Result, new_id};

            type DbRow = <$db as sqlx::Database>::Row;

            const ALERT_COLUMNS: &str = "id, org_id, campaign_id, kind, as_of, used_pct_micros, \
                pacing_pct_micros, spend_micros, budget_micros, currency, raised_at, delivered_at, \
                attempts, last_error";

            fn alert_of(row: &DbRow) -> Result<StoredAlert> {
                let kind: String = row.try_get("kind")?;
                let attempts: i64 = row.try_get("attempts")?;
                Ok(StoredAlert {
                    id: row.try_get("id")?,
                    org_id: OrgId::new(row.try_get::<String, _>("org_id")?),
                    campaign_id: CampaignId::new(row.try_get::<String, _>("campaign_id")?),
                    alert: NewAlert {
                        kind: AlertKind::parse(&kind).ok_or_else(|| corrupt("alert kind"))?,
                        as_of: row.try_get("as_of")?,
                        used_pct: from_micros(row.try_get("used_pct_micros")?),
                        pacing_pct: from_micros(row.try_get("pacing_pct_micros")?),
                        spend: from_micros(row.try_get("spend_micros")?),
                        budget: row.try_get::<Option<i64>, _>("budget_micros")?.map(from_micros),
                        currency: row.try_get("currency")?,
                    },
                    raised_at: row.try_get("raised_at")?,
                    delivered_at: row.try_get("delivered_at")?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    last_error: row.try_get("last_error")?,
                })
            }

            fn kinds_text(kinds: &[AlertKind]) -> String {
                kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
            }

            fn kinds_of(text: &str) -> Vec<AlertKind> {
                let mut kinds: Vec<AlertKind> =
                    text.split(',').filter_map(AlertKind::parse).collect();
                kinds.sort_unstable();
                kinds.dedup();
                kinds
            }

            #[async_trait]
            impl AlertStore for $store {
                #[instrument(skip_all)]
                async fn alert_state(&self, campaign: &CampaignId) -> Result<StoredAlertState> {
                    let row = sqlx::query("SELECT raised, version FROM finance_alert_state WHERE campaign_id = $1")
                        .bind(campaign.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    match row {
                        None => Ok(StoredAlertState::default()),
                        Some(r) => Ok(StoredAlertState {
                            raised: kinds_of(&r.try_get::<String, _>("raised")?),
                            version: r.try_get("version")?,
                        }),
                    }
                }

                #[instrument(skip_all)]
                async fn record_alerts(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                    expected_version: i64,
                    raised: &[AlertKind],
                    alerts: &[NewAlert],
                    now: DateTime<Utc>,
                ) -> Result<Option<Vec<StoredAlert>>> {
                    crate::retry::transient!({
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query(crate::campaigns::LOCK_CAMPAIGN)
                        .bind(campaign.as_str())
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if owned.rows_affected() != 1 {
                        return Ok(None);
                    }
                    let version = expected_version.saturating_add(1);
                    let swapped = if expected_version == 0 {
                        sqlx::query(
                            "INSERT INTO finance_alert_state (campaign_id, raised, version) VALUES ($1, $2, $3) \
                             ON CONFLICT (campaign_id) DO NOTHING",
                        )
                        .bind(campaign.as_str())
                        .bind(kinds_text(raised))
                        .bind(version)
                        .execute(&mut *tx)
                        .await?
                    } else {
                        sqlx::query(
                            "UPDATE finance_alert_state SET raised = $2, version = $3 WHERE campaign_id = $1 AND version = $4",
                        )
                        .bind(campaign.as_str())
                        .bind(kinds_text(raised))
                        .bind(version)
                        .bind(expected_version)
                        .execute(&mut *tx)
                        .await?
                    };
                    if swapped.rows_affected() != 1 {
                        return Ok(None);
                    }
                    let mut out = Vec::with_capacity(alerts.len());
                    for a in alerts {
                        let id = new_id();
                        let done = sqlx::query(
                            "INSERT INTO finance_alerts (id, org_id, campaign_id, kind, episode, as_of, used_pct_micros, \
                             pacing_pct_micros, spend_micros, budget_micros, currency, raised_at, delivered_at, attempts, last_error) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, 0, NULL) \
                             ON CONFLICT (campaign_id, kind, episode) DO NOTHING",
                        )
                        .bind(&id)
                        .bind(org.as_str())
                        .bind(campaign.as_str())
                        .bind(a.kind.as_str())
                        .bind(version)
                        .bind(a.as_of)
                        .bind(to_micros_saturating(a.used_pct))
                        .bind(to_micros_saturating(a.pacing_pct))
                        .bind(to_micros(a.spend)?)
                        .bind(opt_to_micros(a.budget)?)
                        .bind(&a.currency)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        if done.rows_affected() == 1 {
                            out.push(StoredAlert {
                                id,
                                org_id: org.clone(),
                                campaign_id: campaign.clone(),
                                alert: a.clone(),
                                raised_at: now,
                                delivered_at: None,
                                attempts: 0,
                                last_error: None,
                            });
                        }
                    }
                    tx.commit().await?;
                    Ok(Some(out))
                    })
                }

                #[instrument(skip_all)]
                async fn alerts(&self, org: &OrgId, campaign: Option<&CampaignId>) -> Result<Vec<StoredAlert>> {
                    let sql = format!(
                        "SELECT {ALERT_COLUMNS} FROM finance_alerts WHERE org_id = $1{} ORDER BY raised_at DESC, id DESC",
                        if campaign.is_some() { " AND campaign_id = $2" } else { "" }
                    );
                    let mut q = sqlx::query(&sql).bind(org.as_str());
                    if let Some(c) = campaign {
                        q = q.bind(c.as_str());
                    }
                    let rows = q.fetch_all(&self.pool).await?;
                    rows.iter().map(alert_of).collect()
                }

                #[instrument(skip_all)]
                async fn undelivered_alerts(&self, max_attempts: u32) -> Result<Vec<StoredAlert>> {
                    let sql = format!(
                        "SELECT {ALERT_COLUMNS} FROM finance_alerts WHERE delivered_at IS NULL AND attempts < $1 \
                         ORDER BY raised_at, id"
                    );
                    let rows = sqlx::query(&sql).bind(i64::from(max_attempts)).fetch_all(&self.pool).await?;
                    rows.iter().map(alert_of).collect()
                }

                #[instrument(skip_all)]
                async fn mark_alert_attempt(
                    &self,
                    alert_id: &str,
                    delivered_at: Option<DateTime<Utc>>,
                    error: Option<&str>,
                ) -> Result<()> {
                    sqlx::query(
                        "UPDATE finance_alerts SET attempts = attempts + 1, delivered_at = $2, last_error = $3 WHERE id = $1",
                    )
                    .bind(alert_id)
                    .bind(delivered_at)
                    .bind(error)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use impl_alert_store;
