//! The cost ledger: media spend, creative production, platform fees (per campaign) and
//! operational overhead (the organisation's), stored as the finance crate's validated
//! [`LedgerEntry`] (money as micros, periods as their first and last day), so what comes back is
//! always a valid entry. An entry naming a campaign of another organisation is refused.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_finance::{ImportedEntry, LedgerEntry};

use crate::{Result, UpsertCounts};

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

/// What importing a ledger file did: the counts, and each entry of the file as stored, in the
/// file's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerImported {
    pub counts: UpsertCounts,
    pub entries: Vec<StoredEntry>,
}

/// Storage of the cost ledger.
#[async_trait]
pub trait LedgerStore: Send + Sync {
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

    /// Imports the entries of a ledger file into a campaign's costs, each on its import key:
    /// an entry whose key is stored already is left alone when equal and replaced when not, so
    /// re-importing a file changes nothing (see `spendlens_finance::ImportedEntry`). One
    /// transaction, all or nothing; every entry must be charged to `campaign`. `None` when the
    /// campaign is not the organisation's.
    async fn import_ledger_entries(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
        entries: &[ImportedEntry],
        now: DateTime<Utc>,
    ) -> Result<Option<LedgerImported>>;

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
}

/// Implements [`LedgerStore`] for `$store` (field `pool: sqlx::Pool<$db>`), with the same portable
/// SQL on both backends.
macro_rules! impl_ledger_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod ledger_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use rust_decimal::Decimal;
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_finance::ledger::{
                CreativeProduction, MediaSpend, OperationalOverhead, PlatformFee,
            };
            use spendlens_finance::{
                AttributionMethod, CostCategory, ImportedEntry, LedgerEntry, OverheadMethod, Period,
            };
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::campaigns::LOCK_CAMPAIGN;
            use crate::finance::corrupt;
            use crate::finance::ledger::{LedgerImported, LedgerScope, LedgerStore, StoredEntry};
            use crate::micros::{from_micros, opt_to_micros, to_micros};
            use crate::{Result, StoreError, new_id};

            type DbRow = <$db as sqlx::Database>::Row;

            const LEDGER_COLUMNS: &str = "id, campaign_id, category, amount_micros, currency, \
                attribution_method, allocation_date, resource_hours, fixed_cost_micros, incurred_on, \
                platform, allocation_method, period_start, period_end, created_at, updated_at";

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

            /// Takes the row of every campaign the entries name, in id order (two writers that
            /// name the same campaigns take them in the same order, so they queue rather than
            /// deadlock), and says whether every one belongs to the organisation.
            async fn lock_campaigns(
                tx: &mut sqlx::Transaction<'static, $db>,
                org: &OrgId,
                entries: &[&LedgerEntry],
            ) -> Result<bool> {
                let mut ids: Vec<&str> =
                    entries.iter().filter_map(|e| e.campaign_id()).map(|c| c.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                for id in ids {
                    let owned = sqlx::query(LOCK_CAMPAIGN)
                        .bind(id)
                        .bind(org.as_str())
                        .execute(&mut **tx)
                        .await?;
                    if owned.rows_affected() != 1 {
                        return Ok(false);
                    }
                }
                Ok(true)
            }

            /// Inserts an entry's columns as `id`, with its import key (`None`: added by hand).
            async fn insert_entry(
                tx: &mut sqlx::Transaction<'static, $db>,
                org: &OrgId,
                id: &str,
                c: &Columns,
                import_key: Option<&str>,
                now: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO finance_ledger (id, org_id, campaign_id, category, amount_micros, currency, \
                     attribution_method, allocation_date, resource_hours, fixed_cost_micros, incurred_on, \
                     platform, allocation_method, period_start, period_end, created_at, updated_at, import_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17)",
                )
                .bind(id)
                .bind(org.as_str())
                .bind(&c.campaign_id)
                .bind(c.category)
                .bind(c.amount)
                .bind(&c.currency)
                .bind(c.attribution_method)
                .bind(c.allocation_date)
                .bind(c.resource_hours)
                .bind(c.fixed_cost)
                .bind(c.incurred_on)
                .bind(&c.platform)
                .bind(c.allocation_method)
                .bind(c.period.map(|p| p.0))
                .bind(c.period.map(|p| p.1))
                .bind(now)
                .bind(import_key)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Replaces the columns of the entry `id` of the organisation within `scope`; false
            /// when there is no such entry.
            async fn update_entry(
                tx: &mut sqlx::Transaction<'static, $db>,
                org: &OrgId,
                scope: LedgerScope<'_>,
                id: &str,
                c: &Columns,
                now: DateTime<Utc>,
            ) -> Result<bool> {
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
                    .bind(&c.campaign_id)
                    .bind(c.category)
                    .bind(c.amount)
                    .bind(&c.currency)
                    .bind(c.attribution_method)
                    .bind(c.allocation_date)
                    .bind(c.resource_hours)
                    .bind(c.fixed_cost)
                    .bind(c.incurred_on)
                    .bind(&c.platform)
                    .bind(c.allocation_method)
                    .bind(c.period.map(|p| p.0))
                    .bind(c.period.map(|p| p.1))
                    .bind(now);
                if let Some(campaign) = scope_campaign(scope) {
                    q = q.bind(campaign);
                }
                Ok(q.execute(&mut **tx).await?.rows_affected() == 1)
            }

            /// The stored entry `id`.
            async fn read_entry(tx: &mut sqlx::Transaction<'static, $db>, id: &str) -> Result<StoredEntry> {
                let row = sqlx::query(&format!("SELECT {LEDGER_COLUMNS} FROM finance_ledger WHERE id = $1"))
                    .bind(id)
                    .fetch_one(&mut **tx)
                    .await?;
                entry_of(&row)
            }

            #[async_trait]
            impl LedgerStore for $store {
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
                    let refs: Vec<&LedgerEntry> = entries.iter().collect();
                    crate::retry::transient!({
                        let mut tx = self.pool.begin_with($begin_write).await?;
                        if !lock_campaigns(&mut tx, org, &refs).await? {
                            return Ok(None);
                        }
                        let mut out = Vec::with_capacity(entries.len());
                        for (entry, c) in entries.iter().zip(&columns) {
                            let id = new_id();
                            insert_entry(&mut tx, org, &id, c, None, now).await?;
                            out.push(StoredEntry { id, entry: entry.clone(), created_at: now, updated_at: now });
                        }
                        tx.commit().await?;
                        Ok(Some(out))
                    })
                }

                #[instrument(skip_all, fields(entries = entries.len()))]
                async fn import_ledger_entries(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                    entries: &[ImportedEntry],
                    now: DateTime<Utc>,
                ) -> Result<Option<LedgerImported>> {
                    if let Some(e) = entries.iter().find(|e| e.entry.campaign_id() != Some(campaign)) {
                        return Err(StoreError::Invalid(format!(
                            "a {} entry of the file is not charged to the campaign it is imported into",
                            e.entry.category().as_str()
                        )));
                    }
                    let columns = entries.iter().map(|e| Columns::of(&e.entry)).collect::<Result<Vec<_>>>()?;
                    crate::retry::transient!({
                        let mut tx = self.pool.begin_with($begin_write).await?;
                        let owned = sqlx::query(LOCK_CAMPAIGN)
                            .bind(campaign.as_str())
                            .bind(org.as_str())
                            .execute(&mut *tx)
                            .await?;
                        if owned.rows_affected() != 1 {
                            return Ok(None);
                        }
                        let mut imported = LedgerImported::default();
                        let find = format!(
                            "SELECT {LEDGER_COLUMNS} FROM finance_ledger WHERE campaign_id = $1 AND import_key = $2"
                        );
                        for (e, c) in entries.iter().zip(&columns) {
                            let existing = sqlx::query(&find)
                                .bind(campaign.as_str())
                                .bind(&e.key)
                                .fetch_optional(&mut *tx)
                                .await?;
                            let stored = match existing.as_ref().map(entry_of).transpose()? {
                                Some(old) if old.entry == e.entry => {
                                    imported.counts.unchanged += 1;
                                    old
                                }
                                Some(old) => {
                                    update_entry(&mut tx, org, LedgerScope::Campaign(campaign), &old.id, c, now).await?;
                                    imported.counts.updated += 1;
                                    read_entry(&mut tx, &old.id).await?
                                }
                                None => {
                                    let id = new_id();
                                    insert_entry(&mut tx, org, &id, c, Some(&e.key), now).await?;
                                    imported.counts.inserted += 1;
                                    StoredEntry { id, entry: e.entry.clone(), created_at: now, updated_at: now }
                                }
                            };
                            imported.entries.push(stored);
                        }
                        tx.commit().await?;
                        Ok(Some(imported))
                    })
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
                    crate::retry::transient!({
                        let mut tx = self.pool.begin_with($begin_write).await?;
                        if !lock_campaigns(&mut tx, org, &[entry]).await? {
                            return Ok(None);
                        }
                        if !update_entry(&mut tx, org, scope, id, &c, now).await? {
                            return Ok(None);
                        }
                        let stored = read_entry(&mut tx, id).await?;
                        tx.commit().await?;
                        Ok(Some(stored))
                    })
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
            }
        }
    };
}

pub(crate) use impl_ledger_store;
