//! Finance storage (issue 6): the cost ledger, the finance facts of each campaign (people
//! assigned, attribution method), the organisation's finance settings and exchange rates, and
//! budget alerts raised once each.
//!
//! Its own trait, [`FinanceStore`], a supertrait of [`Store`](crate::Store), implemented for both
//! backends from one body of portable SQL by [`impl_finance_store`] (the same approach as
//! `backend.rs`). Every method that touches a tenant's data takes its [`OrgId`] and filters by it
//! in SQL: another organisation's campaign, entry or alert is simply not found.
//!
//! Ledger entries are stored as the finance crate's validated [`LedgerEntry`] (money as micros,
//! periods as their first and last day), so what comes back is always a valid entry.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_finance::{AlertKind, AttributionMethod, FxRate, LedgerEntry};

use crate::Result;

/// Which ledger entries a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerScope<'a> {
    /// The entries charged to one campaign.
    Campaign(&'a CampaignId),
    /// The organisation's overhead entries.
    Overhead,
    /// Every entry of the organisation.
    All,
}

/// A stored ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: String,
    pub entry: LedgerEntry,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

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

/// Finance storage. See the module documentation.
#[async_trait]
pub trait FinanceStore: Send + Sync {
    /// The organisation's ledger entries in `scope`, oldest first.
    async fn ledger(&self, org: &OrgId, scope: LedgerScope<'_>) -> Result<Vec<StoredEntry>>;

    /// One entry in `scope`; `None` when it is not there (or in another organisation).
    async fn ledger_entry(
        &self,
        org: &OrgId,
        scope: LedgerScope<'_>,
        id: &str,
    ) -> Result<Option<StoredEntry>>;

    /// Inserts entries in one transaction, all or nothing. `None` (and nothing written) when an
    /// entry names a campaign that is not the organisation's.
    async fn insert_ledger_entries(
        &self,
        org: &OrgId,
        entries: &[LedgerEntry],
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<StoredEntry>>>;

    /// Replaces an entry in `scope`; `None` when it is not there or the new entry names a
    /// campaign that is not the organisation's.
    async fn update_ledger_entry(
        &self,
        org: &OrgId,
        scope: LedgerScope<'_>,
        id: &str,
        entry: &LedgerEntry,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredEntry>>;

    /// Deletes an entry in `scope`; false when it is not there.
    async fn delete_ledger_entry(
        &self,
        org: &OrgId,
        scope: LedgerScope<'_>,
        id: &str,
    ) -> Result<bool>;

    /// A campaign's finance facts (defaults when never set); `None` when the campaign is not the
    /// organisation's.
    async fn campaign_finance(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
    ) -> Result<Option<CampaignFinance>>;

    /// Replaces a campaign's finance facts; false when the campaign is not the organisation's.
    async fn put_campaign_finance(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
        facts: &CampaignFinance,
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

/// Implements [`FinanceStore`] for `$store` (field `pool: sqlx::Pool<$db>`).
macro_rules! impl_finance_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod finance_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use rust_decimal::Decimal;
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_finance::ledger::{
                CreativeProduction, MediaSpend, OperationalOverhead, PlatformFee,
            };
            use spendlens_finance::{
                AlertKind, AttributionMethod, CostCategory, FxRate, LedgerEntry, OverheadMethod,
                Period,
            };
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::finance::{
                CampaignFinance, FinanceStore, LedgerScope, NewAlert, StoredAlert,
                StoredAlertState, StoredEntry, StoredFinanceSettings,
            };
            use crate::micros::{from_micros, opt_to_micros, to_micros};
            use crate::{Result, StoreError, new_id};

            type DbRow = <$db as sqlx::Database>::Row;

            const LEDGER_COLUMNS: &str = "id, campaign_id, category, amount_micros, currency, \
                attribution_method, allocation_date, resource_hours, fixed_cost_micros, incurred_on, \
                platform, allocation_method, period_start, period_end, created_at, updated_at";

            const ALERT_COLUMNS: &str = "id, org_id, campaign_id, kind, as_of, used_pct_micros, \
                pacing_pct_micros, spend_micros, budget_micros, currency, raised_at, delivered_at, \
                attempts, last_error";

            /// `AND <campaign condition>` for a scope, with the campaign bound as `$n`.
            fn scope_sql(scope: LedgerScope<'_>, n: usize) -> String {
                match scope {
                    LedgerScope::Campaign(_) => format!(" AND campaign_id = ${n}"),
                    LedgerScope::Overhead => " AND campaign_id IS NULL".to_owned(),
                    LedgerScope::All => String::new(),
                }
            }

            fn scope_campaign<'a>(scope: LedgerScope<'a>) -> Option<&'a str> {
                match scope {
                    LedgerScope::Campaign(c) => Some(c.as_str()),
                    _ => None,
                }
            }

            fn corrupt(what: &str) -> StoreError {
                StoreError::Invalid(format!("a stored finance row has an invalid {what}"))
            }

            /// The stored columns of an entry, in `LEDGER_COLUMNS` order after the id.
            struct Columns {
                campaign_id: Option<String>,
                category: &'static str,
                amount: i64,
                currency: String,
                attribution_method: Option<&'static str>,
                allocation_date: Option<chrono::NaiveDate>,
                resource_hours: Option<i64>,
                fixed_cost: Option<i64>,
                incurred_on: Option<chrono::NaiveDate>,
                platform: Option<String>,
                allocation_method: Option<&'static str>,
                period: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
            }

            impl Columns {
                fn of(entry: &LedgerEntry) -> Result<Self> {
                    let mut c = Columns {
                        campaign_id: entry.campaign_id().map(|c| c.as_str().to_owned()),
                        category: entry.category().as_str(),
                        amount: 0,
                        currency: entry.currency().to_owned(),
                        attribution_method: None,
                        allocation_date: None,
                        resource_hours: None,
                        fixed_cost: None,
                        incurred_on: None,
                        platform: None,
                        allocation_method: None,
                        period: None,
                    };
                    match entry {
                        LedgerEntry::MediaSpend(e) => {
                            c.amount = to_micros(e.amount)?;
                            c.attribution_method = Some(e.attribution_method.as_str());
                            c.allocation_date = Some(e.allocation_date);
                        }
                        LedgerEntry::CreativeProduction(e) => {
                            c.amount = to_micros(e.amount)?;
                            c.resource_hours = Some(i64::from(e.resource_hours));
                            c.fixed_cost = opt_to_micros(Some(e.fixed_cost_allocation))?;
                            c.incurred_on = Some(e.incurred_on);
                        }
                        LedgerEntry::PlatformFee(e) => {
                            c.amount = to_micros(e.amount)?;
                            c.platform = Some(e.platform.clone());
                            c.period = Some((e.billing_period.start(), e.billing_period.end()));
                        }
                        LedgerEntry::OperationalOverhead(e) => {
                            c.amount = to_micros(e.amount)?;
                            c.allocation_method = Some(e.allocation_method.as_str());
                            c.period =
                                Some((e.reporting_period.start(), e.reporting_period.end()));
                        }
                    }
                    Ok(c)
                }
            }

            fn entry_of(row: &DbRow) -> Result<StoredEntry> {
                let category: String = row.try_get("category")?;
                let category = CostCategory::parse(&category).ok_or_else(|| corrupt("category"))?;
                let amount = from_micros(row.try_get("amount_micros")?);
                let currency: String = row.try_get("currency")?;
                let campaign = || -> Result<CampaignId> {
                    row.try_get::<Option<String>, _>("campaign_id")?
                        .map(CampaignId::new)
                        .ok_or_else(|| corrupt("campaign"))
                };
                let period = || -> Result<Period> {
                    let start: Option<chrono::NaiveDate> = row.try_get("period_start")?;
                    let end: Option<chrono::NaiveDate> = row.try_get("period_end")?;
                    match (start, end) {
                        (Some(s), Some(e)) => Period::new(s, e).map_err(|_| corrupt("period")),
                        _ => Err(corrupt("period")),
                    }
                };
                let entry = match category {
                    CostCategory::MediaSpend => LedgerEntry::MediaSpend(MediaSpend {
                        campaign_id: campaign()?,
                        amount,
                        currency,
                        attribution_method: row
                            .try_get::<Option<String>, _>("attribution_method")?
                            .as_deref()
                            .and_then(AttributionMethod::parse)
                            .ok_or_else(|| corrupt("attribution_method"))?,
                        allocation_date: row
                            .try_get::<Option<chrono::NaiveDate>, _>("allocation_date")?
                            .ok_or_else(|| corrupt("allocation_date"))?,
                    }),
                    CostCategory::CreativeProduction => {
                        LedgerEntry::CreativeProduction(CreativeProduction {
                            campaign_id: campaign()?,
                            amount,
                            currency,
                            resource_hours: row
                                .try_get::<Option<i64>, _>("resource_hours")?
                                .and_then(|h| u32::try_from(h).ok())
                                .ok_or_else(|| corrupt("resource_hours"))?,
                            fixed_cost_allocation: row
                                .try_get::<Option<i64>, _>("fixed_cost_micros")?
                                .map_or(Decimal::ZERO, from_micros),
                            incurred_on: row
                                .try_get::<Option<chrono::NaiveDate>, _>("incurred_on")?
                                .ok_or_else(|| corrupt("incurred_on"))?,
                        })
                    }
                    CostCategory::PlatformFees => LedgerEntry::PlatformFee(PlatformFee {
                        campaign_id: campaign()?,
                        amount,
                        currency,
                        platform: row
                            .try_get::<Option<String>, _>("platform")?
                            .ok_or_else(|| corrupt("platform"))?,
                        billing_period: period()?,
                    }),
                    CostCategory::OperationalOverhead => {
                        LedgerEntry::OperationalOverhead(OperationalOverhead {
                            amount,
                            currency,
                            allocation_method: row
                                .try_get::<Option<String>, _>("allocation_method")?
                                .as_deref()
                                .and_then(OverheadMethod::parse)
                                .ok_or_else(|| corrupt("allocation_method"))?,
                            reporting_period: period()?,
                        })
                    }
                };
                Ok(StoredEntry {
                    id: row.try_get("id")?,
                    entry,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

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

            /// Whether every campaign the entries name belongs to the organisation.
            async fn campaigns_owned(
                tx: &mut sqlx::Transaction<'static, $db>,
                org: &OrgId,
                entries: &[&LedgerEntry],
            ) -> Result<bool> {
                let mut ids: Vec<&str> =
                    entries.iter().filter_map(|e| e.campaign_id()).map(|c| c.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                for id in ids {
                    let owned = sqlx::query("SELECT id FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(id)
                        .bind(org.as_str())
                        .fetch_optional(&mut **tx)
                        .await?;
                    if owned.is_none() {
                        return Ok(false);
                    }
                }
                Ok(true)
            }

            #[async_trait]
            impl FinanceStore for $store {
                #[instrument(skip_all)]
                async fn ledger(&self, org: &OrgId, scope: LedgerScope<'_>) -> Result<Vec<StoredEntry>> {
                    let sql = format!(
                        "SELECT {LEDGER_COLUMNS} FROM finance_ledger WHERE org_id = $1{} ORDER BY created_at, id",
                        scope_sql(scope, 2)
                    );
                    let mut q = sqlx::query(&sql).bind(org.as_str());
                    if let Some(c) = scope_campaign(scope) {
                        q = q.bind(c);
                    }
                    let rows = q.fetch_all(&self.pool).await?;
                    rows.iter().map(entry_of).collect()
                }

                #[instrument(skip_all)]
                async fn ledger_entry(&self, org: &OrgId, scope: LedgerScope<'_>, id: &str) -> Result<Option<StoredEntry>> {
                    let sql = format!(
                        "SELECT {LEDGER_COLUMNS} FROM finance_ledger WHERE org_id = $1 AND id = $2{}",
                        scope_sql(scope, 3)
                    );
                    let mut q = sqlx::query(&sql).bind(org.as_str()).bind(id);
                    if let Some(c) = scope_campaign(scope) {
                        q = q.bind(c);
                    }
                    let row = q.fetch_optional(&self.pool).await?;
                    row.as_ref().map(entry_of).transpose()
                }

                #[instrument(skip_all)]
                async fn insert_ledger_entries(
                    &self,
                    org: &OrgId,
                    entries: &[LedgerEntry],
                    now: DateTime<Utc>,
                ) -> Result<Option<Vec<StoredEntry>>> {
                    let columns = entries.iter().map(Columns::of).collect::<Result<Vec<_>>>()?;
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let refs: Vec<&LedgerEntry> = entries.iter().collect();
                    if !campaigns_owned(&mut tx, org, &refs).await? {
                        return Ok(None);
                    }
                    let mut out = Vec::with_capacity(entries.len());
                    for (entry, c) in entries.iter().zip(columns) {
                        let id = new_id();
                        sqlx::query(
                            "INSERT INTO finance_ledger (id, org_id, campaign_id, category, amount_micros, currency, \
                             attribution_method, allocation_date, resource_hours, fixed_cost_micros, incurred_on, \
                             platform, allocation_method, period_start, period_end, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)",
                        )
                        .bind(&id)
                        .bind(org.as_str())
                        .bind(c.campaign_id)
                        .bind(c.category)
                        .bind(c.amount)
                        .bind(c.currency)
                        .bind(c.attribution_method)
                        .bind(c.allocation_date)
                        .bind(c.resource_hours)
                        .bind(c.fixed_cost)
                        .bind(c.incurred_on)
                        .bind(c.platform)
                        .bind(c.allocation_method)
                        .bind(c.period.map(|p| p.0))
                        .bind(c.period.map(|p| p.1))
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        out.push(StoredEntry { id, entry: entry.clone(), created_at: now, updated_at: now });
                    }
                    tx.commit().await?;
                    Ok(Some(out))
                }

                #[instrument(skip_all)]
                async fn update_ledger_entry(
                    &self,
                    org: &OrgId,
                    scope: LedgerScope<'_>,
                    id: &str,
                    entry: &LedgerEntry,
                    now: DateTime<Utc>,
                ) -> Result<Option<StoredEntry>> {
                    let c = Columns::of(entry)?;
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    if !campaigns_owned(&mut tx, org, &[entry]).await? {
                        return Ok(None);
                    }
                    let sql = format!(
                        "UPDATE finance_ledger SET campaign_id = $3, category = $4, amount_micros = $5, currency = $6, \
                         attribution_method = $7, allocation_date = $8, resource_hours = $9, fixed_cost_micros = $10, \
                         incurred_on = $11, platform = $12, allocation_method = $13, period_start = $14, \
                         period_end = $15, updated_at = $16 WHERE org_id = $1 AND id = $2{}",
                        scope_sql(scope, 17)
                    );
                    let mut q = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(id)
                        .bind(c.campaign_id)
                        .bind(c.category)
                        .bind(c.amount)
                        .bind(c.currency)
                        .bind(c.attribution_method)
                        .bind(c.allocation_date)
                        .bind(c.resource_hours)
                        .bind(c.fixed_cost)
                        .bind(c.incurred_on)
                        .bind(c.platform)
                        .bind(c.allocation_method)
                        .bind(c.period.map(|p| p.0))
                        .bind(c.period.map(|p| p.1))
                        .bind(now);
                    if let Some(campaign) = scope_campaign(scope) {
                        q = q.bind(campaign);
                    }
                    let done = q.execute(&mut *tx).await?;
                    if done.rows_affected() != 1 {
                        return Ok(None);
                    }
                    let row = sqlx::query(&format!("SELECT {LEDGER_COLUMNS} FROM finance_ledger WHERE id = $1"))
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let stored = entry_of(&row)?;
                    tx.commit().await?;
                    Ok(Some(stored))
                }

                #[instrument(skip_all)]
                async fn delete_ledger_entry(&self, org: &OrgId, scope: LedgerScope<'_>, id: &str) -> Result<bool> {
                    let sql = format!(
                        "DELETE FROM finance_ledger WHERE org_id = $1 AND id = $2{}",
                        scope_sql(scope, 3)
                    );
                    let mut q = sqlx::query(&sql).bind(org.as_str()).bind(id);
                    if let Some(c) = scope_campaign(scope) {
                        q = q.bind(c);
                    }
                    Ok(q.execute(&self.pool).await?.rows_affected() == 1)
                }

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
                    facts: &CampaignFinance,
                    now: DateTime<Utc>,
                ) -> Result<bool> {
                    let done = sqlx::query(
                        "INSERT INTO finance_campaigns (campaign_id, headcount, attribution_method, updated_at) \
                         SELECT id, $3, $4, $5 FROM campaigns WHERE id = $1 AND org_id = $2 \
                         ON CONFLICT (campaign_id) DO UPDATE SET headcount = excluded.headcount, \
                         attribution_method = excluded.attribution_method, updated_at = excluded.updated_at",
                    )
                    .bind(campaign.as_str())
                    .bind(org.as_str())
                    .bind(i64::from(facts.headcount))
                    .bind(facts.attribution_method.as_str())
                    .bind(now)
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
                    let row = sqlx::query(
                        "SELECT cost_of_capital_micros, webhook_url, webhook_secret_sealed FROM finance_settings WHERE org_id = $1",
                    )
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(row) = row else { return Ok(None) };
                    let rates = sqlx::query(
                        "SELECT from_currency, to_currency, rate FROM finance_rates WHERE org_id = $1 ORDER BY position",
                    )
                    .bind(org.as_str())
                    .fetch_all(&self.pool)
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

                #[instrument(skip_all)]
                async fn put_finance_settings(&self, org: &OrgId, s: &StoredFinanceSettings, now: DateTime<Utc>) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
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
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM finance_rates WHERE org_id = $1")
                        .bind(org.as_str())
                        .execute(&mut *tx)
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
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| match &e {
                            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict("rates"),
                            _ => StoreError::Database(e),
                        })?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

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
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query("SELECT id FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(campaign.as_str())
                        .bind(org.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if owned.is_none() {
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
                        .bind(to_micros(a.used_pct)?)
                        .bind(to_micros(a.pacing_pct)?)
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
        }
    };
}

pub(crate) use impl_finance_store;
