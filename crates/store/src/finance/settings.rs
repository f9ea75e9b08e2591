//! The finance facts of each campaign (people assigned, attribution method) and the
//! organisation's finance settings: cost of capital, the budget-alert webhook (its secret sealed
//! by the app, never in clear) and the exchange-rates table, replaced in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_finance::{AttributionMethod, FxRate};

use crate::Result;
use crate::campaigns::Written;

/// The finance facts of one campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampaignFinance {
    /// People assigned to the campaign (spreads `headcount` overhead).
    pub headcount: u32,
    /// The attribution method its ROI revenue is computed with.
    pub attribution_method: AttributionMethod,
}

impl Default for CampaignFinance {
    /// Nobody assigned, last touch.
    fn default() -> Self {
        CampaignFinance {
            headcount: 0,
            attribution_method: AttributionMethod::LastTouch,
        }
    }
}

/// An organisation's finance settings as stored. The webhook secret is the sealed blob (see the
/// app layer), never the secret itself.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredFinanceSettings {
    /// The annual cost of capital as a fraction (0.08 = 8 %).
    pub cost_of_capital: Decimal,
    pub webhook_url: Option<String>,
    pub webhook_secret_sealed: Option<String>,
    /// The rates table, in the order the user gave it.
    pub rates: Vec<FxRate>,
}

impl std::fmt::Debug for StoredFinanceSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredFinanceSettings")
            .field("cost_of_capital", &self.cost_of_capital)
            .field("webhook_url", &self.webhook_url)
            .field(
                "webhook_secret_sealed",
                &self.webhook_secret_sealed.as_ref().map(|_| "[REDACTED]"),
            )
            .field("rates", &self.rates)
            .finish()
    }
}

/// Storage of campaign finance facts and organisation finance settings.
#[async_trait]
pub trait FinanceSettingsStore: Send + Sync {
    /// A campaign's finance facts (defaults when never set); `None` when the campaign is not the
    /// organisation's.
    async fn campaign_finance(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
    ) -> Result<Option<CampaignFinance>>;

    /// Sets a campaign's finance facts that are `Some`, keeping the others as stored (the
    /// defaults when never set), in one statement, so two changes of different facts made at
    /// once are both kept; false when the campaign is not the organisation's.
    async fn put_campaign_finance(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
        headcount: Option<u32>,
        attribution_method: Option<AttributionMethod>,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// The finance facts of every campaign of the organisation that has them set.
    async fn org_campaign_finance(&self, org: &OrgId)
    -> Result<Vec<(CampaignId, CampaignFinance)>>;

    /// The organisation's finance settings; `None` when never set.
    async fn finance_settings(&self, org: &OrgId) -> Result<Option<StoredFinanceSettings>>;

    /// Replaces the organisation's finance settings and rates table in one transaction.
    async fn put_finance_settings(
        &self,
        org: &OrgId,
        settings: &StoredFinanceSettings,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// [`Self::put_finance_settings`] when the stored settings still are `read` (`None`: never
    /// set), read and written in one transaction holding the organisation's row, so two changes
    /// made at once on what each read cannot undo each other unseen.
    async fn put_finance_settings_if(
        &self,
        org: &OrgId,
        read: Option<&StoredFinanceSettings>,
        settings: &StoredFinanceSettings,
        now: DateTime<Utc>,
    ) -> Result<Written<()>>;
}

/// Implements [`FinanceSettingsStore`] for `$store` (field `pool: sqlx::Pool<$db>`), with the
/// same portable SQL on both backends.
macro_rules! impl_finance_settings_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod finance_settings_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use rust_decimal::Decimal;
            use spendlens_finance::{AttributionMethod, FxRate};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::finance::corrupt;
            use crate::campaigns::{LOCK_ORG, Written};
            use crate::finance::settings::{CampaignFinance, FinanceSettingsStore, StoredFinanceSettings};
            use crate::micros::{from_micros, to_micros};
            use crate::{Result, StoreError};

            type DbRow = <$db as sqlx::Database>::Row;

            /// The finance facts columns of a row (`None` when the campaign has none yet).
            fn facts_of(row: &DbRow) -> Result<Option<CampaignFinance>> {
                let headcount: Option<i64> = row.try_get("headcount")?;
                let method: Option<String> = row.try_get("attribution_method")?;
                match (headcount, method) {
                    (Some(h), Some(m)) => Ok(Some(CampaignFinance {
                        headcount: u32::try_from(h).map_err(|_| corrupt("headcount"))?,
                        attribution_method: AttributionMethod::parse(&m)
                            .ok_or_else(|| corrupt("attribution_method"))?,
                    })),
                    _ => Ok(None),
                }
            }

            #[async_trait]
            impl FinanceSettingsStore for $store {
                #[instrument(skip_all)]
                async fn campaign_finance(&self, org: &OrgId, campaign: &CampaignId) -> Result<Option<CampaignFinance>> {
                    let row = sqlx::query(
                        "SELECT c.id, f.headcount, f.attribution_method FROM campaigns c \
                         LEFT JOIN finance_campaigns f ON f.campaign_id = c.id WHERE c.id = $1 AND c.org_id = $2",
                    )
                    .bind(campaign.as_str())
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(row) = row else { return Ok(None) };
                    facts_of(&row).map(|f| Some(f.unwrap_or_default()))
                }

                #[instrument(skip_all)]
                async fn put_campaign_finance(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                    headcount: Option<u32>,
                    attribution_method: Option<AttributionMethod>,
                    now: DateTime<Utc>,
                ) -> Result<bool> {
                    let default = CampaignFinance::default();
                    let done = sqlx::query(
                        "INSERT INTO finance_campaigns (campaign_id, headcount, attribution_method, updated_at) \
                         SELECT id, COALESCE($3, $6), COALESCE($4, $7), $5 FROM campaigns WHERE id = $1 AND org_id = $2 \
                         ON CONFLICT (campaign_id) DO UPDATE SET \
                         headcount = COALESCE($3, finance_campaigns.headcount), \
                         attribution_method = COALESCE($4, finance_campaigns.attribution_method), \
                         updated_at = excluded.updated_at",
                    )
                    .bind(campaign.as_str())
                    .bind(org.as_str())
                    .bind(headcount.map(i64::from))
                    .bind(attribution_method.map(|m| m.as_str()))
                    .bind(now)
                    .bind(i64::from(default.headcount))
                    .bind(default.attribution_method.as_str())
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[instrument(skip_all)]
                async fn org_campaign_finance(&self, org: &OrgId) -> Result<Vec<(CampaignId, CampaignFinance)>> {
                    let rows = sqlx::query(
                        "SELECT c.id, f.headcount, f.attribution_method FROM finance_campaigns f \
                         JOIN campaigns c ON c.id = f.campaign_id WHERE c.org_id = $1 ORDER BY c.id",
                    )
                    .bind(org.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for row in &rows {
                        if let Some(f) = facts_of(row)? {
                            out.push((CampaignId::new(row.try_get::<String, _>("id")?), f));
                        }
                    }
                    Ok(out)
                }

                #[instrument(skip_all)]
                async fn finance_settings(&self, org: &OrgId) -> Result<Option<StoredFinanceSettings>> {
                    let mut conn = self.pool.acquire().await?;
                    read_settings(&mut *conn, org).await
                }

                #[instrument(skip_all)]
                async fn put_finance_settings(&self, org: &OrgId, s: &StoredFinanceSettings, now: DateTime<Utc>) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    write_settings(&mut tx, org, s, now).await?;
                    tx.commit().await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn put_finance_settings_if(
                    &self,
                    org: &OrgId,
                    read: Option<&StoredFinanceSettings>,
                    s: &StoredFinanceSettings,
                    now: DateTime<Utc>,
                ) -> Result<Written<()>> {
                    crate::retry::transient!({
                        let mut tx = self.pool.begin_with($begin_write).await?;
                        let held = sqlx::query(LOCK_ORG).bind(org.as_str()).execute(&mut *tx).await?;
                        if held.rows_affected() != 1 {
                            return Ok(Written::Missing);
                        }
                        if read_settings(&mut *tx, org).await?.as_ref() != read {
                            return Ok(Written::Changed);
                        }
                        write_settings(&mut tx, org, s, now).await?;
                        tx.commit().await?;
                        Ok(Written::Done(()))
                    })
                }
            }

            /// The organisation's settings as `conn` sees them (inside a transaction: as of it).
            async fn read_settings(conn: &mut <$db as sqlx::Database>::Connection, org: &OrgId) -> Result<Option<StoredFinanceSettings>> {
                let row = sqlx::query(
                    "SELECT cost_of_capital_micros, webhook_url, webhook_secret_sealed FROM finance_settings WHERE org_id = $1",
                )
                .bind(org.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let rates = sqlx::query(
                    "SELECT from_currency, to_currency, rate FROM finance_rates WHERE org_id = $1 ORDER BY position",
                )
                .bind(org.as_str())
                .fetch_all(&mut *conn)
                .await?;
                let rates = rates
                    .iter()
                    .map(|r| {
                        let rate: String = r.try_get("rate")?;
                        Ok(FxRate {
                            from: r.try_get("from_currency")?,
                            to: r.try_get("to_currency")?,
                            rate: rate.parse::<Decimal>().map_err(|_| corrupt("exchange rate"))?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Some(StoredFinanceSettings {
                    cost_of_capital: from_micros(row.try_get("cost_of_capital_micros")?),
                    webhook_url: row.try_get("webhook_url")?,
                    webhook_secret_sealed: row.try_get("webhook_secret_sealed")?,
                    rates,
                }))
                }

            /// Writes the settings and replaces the rates table inside `tx`.
            async fn write_settings(tx: &mut sqlx::Transaction<'_, $db>, org: &OrgId, s: &StoredFinanceSettings, now: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO finance_settings (org_id, cost_of_capital_micros, webhook_url, webhook_secret_sealed, updated_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id) DO UPDATE SET \
                     cost_of_capital_micros = excluded.cost_of_capital_micros, webhook_url = excluded.webhook_url, \
                     webhook_secret_sealed = excluded.webhook_secret_sealed, updated_at = excluded.updated_at",
                )
                .bind(org.as_str())
                .bind(to_micros(s.cost_of_capital)?)
                .bind(&s.webhook_url)
                .bind(&s.webhook_secret_sealed)
                .bind(now)
                .execute(&mut **tx)
                .await?;
                sqlx::query("DELETE FROM finance_rates WHERE org_id = $1")
                    .bind(org.as_str())
                    .execute(&mut **tx)
                    .await?;
                for (i, r) in s.rates.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO finance_rates (org_id, from_currency, to_currency, rate, position) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(org.as_str())
                    .bind(&r.from)
                    .bind(&r.to)
                    .bind(r.rate.normalize().to_string())
                    .bind(i64::try_from(i).unwrap_or(i64::MAX))
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict("rates"),
                        _ => StoreError::Database(e),
                    })?;
                }
                Ok(())
                }
        }
    };
}

pub(crate) use impl_finance_settings_store;
