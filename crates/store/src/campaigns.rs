//! Campaigns and their platform settings (LinkedIn's value per lead, the average order values).
//!
//! Every method a request reaches takes the caller's [`OrgId`] and filters by it in SQL, so
//! another organisation's campaign is simply not found. A write that can change a campaign's
//! analysis bumps its `data_version` in the same statement or transaction (`BUMP_VERSION`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::campaign::{Campaign, CampaignId, CampaignSpec, OrgId, PlatformSettings};

use crate::Result;

/// Why [`CampaignStore::update_campaign_if`] refuses a currency change: the campaign holds money
/// in its current currency.
pub const CURRENCY_HAS_DATA: &str = "currency_has_data";

/// Takes a campaign's row for the rest of the transaction and finds it in the organisation
/// (`$1` the campaign, `$2` the organisation; one row affected, else not found). The first
/// statement of every write transaction that touches a campaign's data: on PostgreSQL the row
/// lock queues the writers of one campaign, across instances, so reading what is stored, writing
/// and re-summing the months never interleave (two writers that both deleted and re-inserted a
/// month's sums collided on its key); under SQLite's `BEGIN IMMEDIATE` every writer already
/// queues, and the statement changes nothing. It changes no value, so a write that turns out to
/// change nothing leaves the data version alone.
pub(crate) const LOCK_CAMPAIGN: &str =
    "UPDATE campaigns SET data_version = data_version WHERE id = $1 AND org_id = $2";

/// [`LOCK_CAMPAIGN`] without the organisation, for the writers that are no request (the daily
/// snapshots).
pub(crate) const LOCK_ANY_CAMPAIGN: &str =
    "UPDATE campaigns SET data_version = data_version WHERE id = $1";

/// Takes an organisation's row for the rest of the transaction: the first statement of a write
/// of the organisation's own data that must not interleave with another (a touchpoint import).
pub(crate) const LOCK_ORG: &str = "UPDATE organizations SET name = name WHERE id = $1";

/// Marks a campaign's analysis as changed (see migration 0003); run in the transaction of every
/// write that can change it but not what a marketing-mix model reads (snapshots, the revenue
/// basis and attribution model). Writes that change the model's inputs run [`BUMP_INPUTS`].
pub(crate) const BUMP_VERSION: &str =
    "UPDATE campaigns SET data_version = data_version + 1 WHERE id = $1";

/// Marks a campaign's analysis and its inputs as changed: daily rows, offline channel spend,
/// platform settings, campaign fields. A marketing-mix run rests on the inputs version (see
/// migration 0020 for SQLite, 0019 for PostgreSQL), so choosing a revenue basis or taking a
/// snapshot leaves a run current.
pub(crate) const BUMP_INPUTS: &str = "UPDATE campaigns SET data_version = data_version + 1, \
     inputs_version = inputs_version + 1 WHERE id = $1";

/// The answer of a write made on what the writer read ([`CampaignStore::update_campaign_if`],
/// `put_finance_settings_if`): done, or not written because what is stored is no longer what
/// was read (another writer came first), or because the record is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written<T> {
    Done(T),
    Changed,
    Missing,
}

/// Storage of campaigns and their platform settings.
#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// Creates a campaign in the organisation.
    async fn create_campaign(
        &self,
        org: &OrgId,
        spec: &CampaignSpec,
        now: DateTime<Utc>,
    ) -> Result<Campaign>;

    /// Creates a campaign in `org` with its platform settings, in one transaction: both or
    /// neither.
    async fn create_campaign_with_settings(
        &self,
        org: &OrgId,
        spec: &CampaignSpec,
        settings: &PlatformSettings,
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

    /// Replaces a campaign's definition when it still is `read` (the fields its writer started
    /// from), all in one write transaction holding the campaign's row: two edits made at once
    /// on what each read cannot undo each other unseen ([`Written::Changed`]: read again and
    /// apply the edit to what is stored now). A new currency while the campaign holds daily
    /// rows (of an ad platform or another channel) is `Conflict(CURRENCY_HAS_DATA)`: its money
    /// is stored in the currency it has, and relabelling it would change every figure's meaning.
    async fn update_campaign_if(
        &self,
        org: &OrgId,
        id: &CampaignId,
        read: &CampaignSpec,
        spec: &CampaignSpec,
        now: DateTime<Utc>,
    ) -> Result<Written<Campaign>>;

    /// [`update_campaign_if`](Self::update_campaign_if) for the campaign's fields and its
    /// platform settings together (the campaign form): both are written, in one transaction, only
    /// if both still are what was read.
    async fn update_campaign_and_settings_if(
        &self,
        org: &OrgId,
        id: &CampaignId,
        read: (&CampaignSpec, &PlatformSettings),
        new: (&CampaignSpec, &PlatformSettings),
        now: DateTime<Utc>,
    ) -> Result<Written<Campaign>>;

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

    /// The campaign's inputs version: changed by every write that changes what a marketing-mix
    /// model reads of it (rows, offline channel spend, settings, campaign fields), not by
    /// snapshots or its revenue basis. `None` when the campaign is not the organisation's.
    async fn inputs_version(&self, org: &OrgId, id: &CampaignId) -> Result<Option<i64>>;

    /// The campaign's platform settings; `None` when the campaign is not found.
    async fn settings(&self, org: &OrgId, id: &CampaignId) -> Result<Option<PlatformSettings>>;

    /// The platform settings of every campaign of the organisation, in one read (a campaign
    /// never given any has the defaults), ordered by campaign id.
    async fn org_settings(&self, org: &OrgId) -> Result<Vec<(CampaignId, PlatformSettings)>>;

    /// Replaces the campaign's platform settings; false when the campaign is not found.
    async fn put_settings(
        &self,
        org: &OrgId,
        id: &CampaignId,
        settings: &PlatformSettings,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// A campaign by id in any organisation: for operator tools on the server (the CLI), never
    /// for a request.
    async fn campaign_for_operator(&self, id: &CampaignId) -> Result<Option<Campaign>>;
}

/// Implements [`CampaignStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with the
/// same portable SQL on both backends; `$begin_write` as for `impl_store!`.
macro_rules! impl_campaign_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod campaign_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{Campaign, CampaignId, CampaignSpec, OrgId, PlatformSettings};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::campaigns::{BUMP_INPUTS, CampaignStore, LOCK_CAMPAIGN, Written};
            use crate::micros::{from_micros, opt_to_micros};
            use crate::{Result, new_id};

            type DbRow = <$db as sqlx::Database>::Row;

            const CAMPAIGN_COLUMNS: &str =
                "id, org_id, name, currency, budget_micros, start_date, end_date, time_zone";

            fn campaign(row: &DbRow) -> Result<Campaign> {
                let budget: Option<i64> = row.try_get("budget_micros")?;
                Ok(Campaign {
                    id: CampaignId::new(row.try_get::<String, _>("id")?),
                    org_id: OrgId::new(row.try_get::<String, _>("org_id")?),
                    spec: CampaignSpec {
                        name: row.try_get("name")?,
                        currency: row.try_get("currency")?,
                        budget: budget.map(from_micros),
                        start_date: row.try_get("start_date")?,
                        end_date: row.try_get("end_date")?,
                        time_zone: row.try_get("time_zone")?,
                    },
                })
            }

            /// The platform settings columns of a row (NULL when the campaign has none).
            fn settings_of(row: &DbRow) -> Result<PlatformSettings> {
                let get = |col: &str| -> Result<Option<rust_decimal::Decimal>> {
                    Ok(row.try_get::<Option<i64>, _>(col)?.map(from_micros))
                };
                Ok(PlatformSettings {
                    linkedin_conversion_value: get("linkedin_conversion_value_micros")?,
                    ga4_average_order_value: get("ga4_aov_micros")?,
                    custom_integration_average_order_value: get("custom_integration_aov_micros")?,
                })
            }

            /// Writes a campaign's fields over `conn` (bumping its versions); the rows changed.
            async fn write_spec(
                conn: &mut <$db as sqlx::Database>::Connection,
                org: &OrgId,
                id: &CampaignId,
                spec: &CampaignSpec,
                now: DateTime<Utc>,
            ) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE campaigns SET name = $1, currency = $2, budget_micros = $3, start_date = $4, \
                     end_date = $5, time_zone = $6, updated_at = $7, data_version = data_version + 1, \
                     inputs_version = inputs_version + 1 WHERE id = $8 AND org_id = $9",
                )
                .bind(&spec.name)
                .bind(&spec.currency)
                .bind(opt_to_micros(spec.budget)?)
                .bind(spec.start_date)
                .bind(spec.end_date)
                .bind(&spec.time_zone)
                .bind(now)
                .bind(id.as_str())
                .bind(org.as_str())
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected())
            }

            /// Inserts a campaign as `id`.
            async fn insert_campaign(
                conn: &mut <$db as sqlx::Database>::Connection,
                org: &OrgId,
                id: &str,
                spec: &CampaignSpec,
                now: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO campaigns (id, org_id, name, currency, budget_micros, start_date, end_date, time_zone, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                )
                .bind(id)
                .bind(org.as_str())
                .bind(&spec.name)
                .bind(&spec.currency)
                .bind(opt_to_micros(spec.budget)?)
                .bind(spec.start_date)
                .bind(spec.end_date)
                .bind(&spec.time_zone)
                .bind(now)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// Writes a campaign's platform settings over `conn` (bumping its versions); the
            /// caller holds the campaign's row or has just inserted it.
            async fn write_settings(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: &CampaignId,
                settings: &PlatformSettings,
                now: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO platform_settings (campaign_id, linkedin_conversion_value_micros, ga4_aov_micros, \
                     custom_integration_aov_micros, updated_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (campaign_id) DO UPDATE SET \
                     linkedin_conversion_value_micros = excluded.linkedin_conversion_value_micros, \
                     ga4_aov_micros = excluded.ga4_aov_micros, \
                     custom_integration_aov_micros = excluded.custom_integration_aov_micros, \
                     updated_at = excluded.updated_at",
                )
                .bind(id.as_str())
                .bind(opt_to_micros(settings.linkedin_conversion_value)?)
                .bind(opt_to_micros(settings.ga4_average_order_value)?)
                .bind(opt_to_micros(settings.custom_integration_average_order_value)?)
                .bind(now)
                .execute(&mut *conn)
                .await?;
                sqlx::query(BUMP_INPUTS).bind(id.as_str()).execute(&mut *conn).await?;
                Ok(())
            }

            /// Writes the campaign's fields (and its settings, when given) if they still are what
            /// was read, in one write transaction holding the campaign's row.
            async fn update_if(
                pool: &sqlx::Pool<$db>,
                org: &OrgId,
                id: &CampaignId,
                read: (&CampaignSpec, Option<&PlatformSettings>),
                new: (&CampaignSpec, Option<&PlatformSettings>),
                now: DateTime<Utc>,
            ) -> Result<Written<Campaign>> {
                crate::retry::transient!({
                    let mut tx = pool.begin_with($begin_write).await?;
                    let held = sqlx::query(LOCK_CAMPAIGN)
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if held.rows_affected() != 1 {
                        return Ok(Written::Missing);
                    }
                    let row = sqlx::query(
                        "SELECT c.id, c.org_id, c.name, c.currency, c.budget_micros, c.start_date, c.end_date, c.time_zone, \
                         s.linkedin_conversion_value_micros, s.ga4_aov_micros, s.custom_integration_aov_micros \
                         FROM campaigns c LEFT JOIN platform_settings s ON s.campaign_id = c.id \
                         WHERE c.id = $1 AND c.org_id = $2",
                    )
                    .bind(id.as_str())
                    .bind(org.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                    let stored = settings_of(&row)?;
                    if campaign(&row)?.spec != *read.0 || read.1.is_some_and(|s| stored != *s) {
                        return Ok(Written::Changed);
                    }
                    if !new.0.currency.eq_ignore_ascii_case(&read.0.currency) {
                        let money = sqlx::query(
                            "SELECT 1 AS held FROM daily_metrics WHERE campaign_id = $1 \
                             UNION ALL SELECT 1 FROM channel_metrics WHERE campaign_id = $1 LIMIT 1",
                        )
                        .bind(id.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                        if money.is_some() {
                            return Err(crate::StoreError::Conflict(crate::campaigns::CURRENCY_HAS_DATA));
                        }
                    }
                    write_spec(&mut *tx, org, id, new.0, now).await?;
                    if let Some(settings) = new.1 {
                        write_settings(&mut *tx, id, settings, now).await?;
                    }
                    tx.commit().await?;
                    Ok(Written::Done(Campaign {
                        id: id.clone(),
                        org_id: org.clone(),
                        spec: new.0.clone(),
                    }))
                })
            }

            #[async_trait]
            impl CampaignStore for $store {
                #[instrument(skip_all)]
                async fn create_campaign(&self, org: &OrgId, spec: &CampaignSpec, now: DateTime<Utc>) -> Result<Campaign> {
                    let id = new_id();
                    let mut conn = self.pool.acquire().await?;
                    insert_campaign(&mut *conn, org, &id, spec, now).await?;
                    Ok(Campaign { id: CampaignId::new(id), org_id: org.clone(), spec: spec.clone() })
                }

                #[instrument(skip_all)]
                async fn create_campaign_with_settings(
                    &self,
                    org: &OrgId,
                    spec: &CampaignSpec,
                    settings: &PlatformSettings,
                    now: DateTime<Utc>,
                ) -> Result<Campaign> {
                    let id = new_id();
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    insert_campaign(&mut *tx, org, &id, spec, now).await?;
                    write_settings(&mut *tx, &CampaignId::new(id.clone()), settings, now).await?;
                    tx.commit().await?;
                    Ok(Campaign { id: CampaignId::new(id), org_id: org.clone(), spec: spec.clone() })
                }

                #[instrument(skip_all)]
                async fn list_campaigns(&self, org: &OrgId) -> Result<Vec<Campaign>> {
                    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE org_id = $1 ORDER BY name, id");
                    let rows = sqlx::query(&sql).bind(org.as_str()).fetch_all(&self.pool).await?;
                    rows.iter().map(campaign).collect()
                }

                #[instrument(skip_all)]
                async fn campaign(&self, org: &OrgId, id: &CampaignId) -> Result<Option<Campaign>> {
                    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND org_id = $2");
                    let row = sqlx::query(&sql)
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(campaign).transpose()
                }

                #[instrument(skip_all)]
                async fn update_campaign(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    spec: &CampaignSpec,
                    now: DateTime<Utc>,
                ) -> Result<Option<Campaign>> {
                    let mut conn = self.pool.acquire().await?;
                    let done = write_spec(&mut *conn, org, id, spec, now).await?;
                    Ok((done == 1).then(|| Campaign {
                        id: id.clone(),
                        org_id: org.clone(),
                        spec: spec.clone(),
                    }))
                }

                #[instrument(skip_all)]
                async fn update_campaign_if(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    read: &CampaignSpec,
                    spec: &CampaignSpec,
                    now: DateTime<Utc>,
                ) -> Result<Written<Campaign>> {
                    update_if(&self.pool, org, id, (read, None), (spec, None), now).await
                }

                #[instrument(skip_all)]
                async fn update_campaign_and_settings_if(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    read: (&CampaignSpec, &PlatformSettings),
                    new: (&CampaignSpec, &PlatformSettings),
                    now: DateTime<Utc>,
                ) -> Result<Written<Campaign>> {
                    update_if(&self.pool, org, id, (read.0, Some(read.1)), (new.0, Some(new.1)), now).await
                }

                #[instrument(skip_all)]
                async fn delete_campaign(&self, org: &OrgId, id: &CampaignId) -> Result<bool> {
                    // Its touchpoints go with it: left untagged (the key's `SET NULL`), they
                    // would count for every other campaign of the organisation.
                    let mut tx = self.pool.begin().await?;
                    sqlx::query("DELETE FROM touchpoints WHERE campaign_id = $1 AND org_id = $2")
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    let done = sqlx::query("DELETE FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                #[instrument(skip_all)]
                async fn all_campaigns(&self) -> Result<Vec<Campaign>> {
                    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY id");
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                    rows.iter().map(campaign).collect()
                }

                #[instrument(skip_all)]
                async fn inputs_version(&self, org: &OrgId, id: &CampaignId) -> Result<Option<i64>> {
                    let row = sqlx::query(
                        "SELECT inputs_version FROM campaigns WHERE id = $1 AND org_id = $2",
                    )
                    .bind(id.as_str())
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| r.try_get::<i64, _>("inputs_version")).transpose().map_err(Into::into)
                }

                #[instrument(skip_all)]
                async fn campaign_with_settings(&self, org: &OrgId, id: &CampaignId) -> Result<Option<(Campaign, PlatformSettings, i64)>> {
                    let row = sqlx::query(
                        "SELECT c.id, c.org_id, c.name, c.currency, c.budget_micros, c.start_date, c.end_date, c.time_zone, c.data_version, \
                         s.linkedin_conversion_value_micros, s.ga4_aov_micros, s.custom_integration_aov_micros \
                         FROM campaigns c LEFT JOIN platform_settings s ON s.campaign_id = c.id \
                         WHERE c.id = $1 AND c.org_id = $2",
                    )
                    .bind(id.as_str())
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| Ok((campaign(&r)?, settings_of(&r)?, r.try_get::<i64, _>("data_version")?)))
                        .transpose()
                }

                #[instrument(skip_all)]
                async fn settings(&self, org: &OrgId, id: &CampaignId) -> Result<Option<PlatformSettings>> {
                    let row = sqlx::query(
                        "SELECT c.id, s.linkedin_conversion_value_micros, s.ga4_aov_micros, s.custom_integration_aov_micros \
                         FROM campaigns c LEFT JOIN platform_settings s ON s.campaign_id = c.id \
                         WHERE c.id = $1 AND c.org_id = $2",
                    )
                    .bind(id.as_str())
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(settings_of)
                    .transpose()
                }

                #[instrument(skip_all)]
                async fn org_settings(&self, org: &OrgId) -> Result<Vec<(CampaignId, PlatformSettings)>> {
                    let rows = sqlx::query(
                        "SELECT c.id, s.linkedin_conversion_value_micros, s.ga4_aov_micros, s.custom_integration_aov_micros \
                         FROM campaigns c LEFT JOIN platform_settings s ON s.campaign_id = c.id \
                         WHERE c.org_id = $1 ORDER BY c.id",
                    )
                    .bind(org.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|row| Ok((CampaignId::new(row.try_get::<String, _>("id")?), settings_of(row)?)))
                        .collect()
                }

                #[instrument(skip_all)]
                async fn put_settings(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    settings: &PlatformSettings,
                    now: DateTime<Utc>,
                ) -> Result<bool> {
                    crate::retry::transient!({
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query(LOCK_CAMPAIGN)
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if owned.rows_affected() != 1 {
                        return Ok(false);
                    }
                    write_settings(&mut *tx, id, settings, now).await?;
                    tx.commit().await?;
                    Ok(true)
                    })
                }

                #[instrument(skip_all)]
                async fn campaign_for_operator(&self, id: &CampaignId) -> Result<Option<Campaign>> {
                    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1");
                    let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(&self.pool).await?;
                    row.as_ref().map(campaign).transpose()
                }
            }
        }
    };
}

pub(crate) use impl_campaign_store;
