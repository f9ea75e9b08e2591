//! Touchpoints per organisation (the input of multi-touch attribution) and the attribution model
//! each campaign's ROI uses.
//!
//! A separate trait from [`Store`](crate::Store) (a supertrait of it), implemented for both
//! backends by one macro of portable SQL like `backend.rs`. Touchpoints belong to the organisation,
//! not to a campaign: one customer journey crosses campaigns. A row may name a campaign of the
//! organisation; rows that name none count for every campaign.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, OrgId};

use crate::{Result, UpsertCounts};

/// What happened at a touchpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TouchKind {
    /// A touch on a channel.
    Touch,
    /// A conversion (with a value).
    Conversion,
}

impl TouchKind {
    /// The stored and wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TouchKind::Touch => "touch",
            TouchKind::Conversion => "conversion",
        }
    }
}

/// One stored touchpoint. The key is (organisation, `journey_id`, `at_nanos`, `kind`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTouchpoint {
    pub journey_id: String,
    /// The instant, as Unix nanoseconds (UTC).
    pub at_nanos: i64,
    pub kind: TouchKind,
    /// The channel of a touch (`None` for a conversion).
    pub channel: Option<String>,
    /// The value of a conversion (zero for a touch).
    pub value: Decimal,
    /// The campaign of the organisation the row belongs to; `None`: every campaign.
    pub campaign_id: Option<CampaignId>,
}

/// The provenance of a touchpoint import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchpointImport {
    pub file_name: Option<String>,
    /// SHA-256 of the file, hex.
    pub content_hash: String,
}

/// Storage of touchpoints and of each campaign's attribution model.
#[async_trait]
pub trait TouchpointStore: Send + Sync {
    /// Upserts the organisation's touchpoints on their key in one transaction (all or nothing),
    /// recording the import; with `dry_run` the transaction is rolled back, so the counts say what
    /// an import would do. Returns the counts and the import id (`None` on a dry run). Every
    /// `campaign_id` must be a campaign of `org` (the caller checks; a foreign one fails the
    /// whole import on the foreign key or is refused by the caller first).
    async fn import_touchpoints(
        &self,
        org: &OrgId,
        rows: &[StoredTouchpoint],
        import: &TouchpointImport,
        dry_run: bool,
        now: DateTime<Utc>,
    ) -> Result<(UpsertCounts, Option<String>)>;

    /// Every touchpoint before `to_nanos` of the organisation's journeys that have an event in
    /// `[from_nanos, to_nanos)`, grouped by journey (ordered by journey, instant, event). With a
    /// campaign, rows tagged with another campaign are left out (untagged rows count for all).
    async fn touchpoints_in_window(
        &self,
        org: &OrgId,
        campaign: Option<&CampaignId>,
        from_nanos: i64,
        to_nanos: i64,
    ) -> Result<Vec<StoredTouchpoint>>;

    /// Whether the organisation has any touchpoint (an index probe).
    async fn has_touchpoints(&self, org: &OrgId) -> Result<bool>;

    /// The attribution model set on a campaign of the organisation (`None`: not set, or no such
    /// campaign in the organisation).
    async fn attribution_model(&self, org: &OrgId, campaign: &CampaignId)
    -> Result<Option<String>>;

    /// Sets a campaign's attribution model, and makes attribution the basis of its ROI (choosing
    /// a model for the ROI is choosing to credit revenue by it); false when the campaign is not
    /// in the organisation.
    async fn set_attribution_model(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
        model: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// The revenue basis set on a campaign of the organisation and its attribution model, as
    /// `(basis, model)` (`None`: not set, or no such campaign in the organisation).
    async fn revenue_basis(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
    ) -> Result<Option<(String, String)>>;

    /// [`revenue_basis`](Self::revenue_basis) of every campaign of the organisation that has
    /// one set, as `(campaign, basis, model)`, ordered by campaign id.
    async fn org_revenue_bases(&self, org: &OrgId) -> Result<Vec<(CampaignId, String, String)>>;

    /// Sets the basis of a campaign's ROI, keeping its attribution model (`model` is stored only
    /// when the campaign had no setting yet); false when the campaign is not in the organisation.
    async fn set_revenue_basis(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
        basis: &str,
        model: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}

/// Implements [`TouchpointStore`] for `$store` (field `pool: sqlx::Pool<$db>`); the arguments
/// are those of `impl_store!`.
macro_rules! impl_touchpoint_store {
    ($store:ty, $db:ty, $begin_write:literal, $numbered:literal) => {
        mod touchpoint_store_impl {
            use std::collections::HashMap;

            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::attribution::{StoredTouchpoint, TouchKind, TouchpointImport, TouchpointStore};
            use crate::campaigns::{BUMP_VERSION, LOCK_CAMPAIGN, LOCK_ORG};
            use crate::micros::{from_micros, to_micros};
            use crate::{Result, StoreError, UpsertCounts, new_id};

            /// Rows per statement: 400 × 8 parameters, well under both backends' limits.
            const BATCH_ROWS: usize = 400;
            const COLUMNS: usize = 8;

            /// A parameter placeholder (numbered for PostgreSQL, anonymous for SQLite: see
            /// `backend.rs`).
            fn param(sql: &mut String, n: usize) {
                if $numbered {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                } else {
                    sql.push('?');
                }
            }

            fn upsert_sql(n: usize) -> String {
                let mut sql = String::from(
                    "INSERT INTO touchpoints (org_id, journey_id, occurred_at, event, channel, value_micros, \
                     campaign_id, import_id) VALUES ",
                );
                for i in 0..n {
                    sql.push_str(if i == 0 { "(" } else { ",(" });
                    for c in 0..COLUMNS {
                        if c > 0 {
                            sql.push(',');
                        }
                        param(&mut sql, i * COLUMNS + c + 1);
                    }
                    sql.push(')');
                }
                sql.push_str(
                    " ON CONFLICT (org_id, journey_id, occurred_at, event) DO UPDATE SET \
                     channel = excluded.channel, value_micros = excluded.value_micros, \
                     campaign_id = excluded.campaign_id, import_id = excluded.import_id",
                );
                sql
            }

            /// The existing rows of these journeys, by key.
            fn existing_sql(journeys: usize) -> String {
                let mut sql = String::from(
                    "SELECT journey_id, occurred_at, event, channel, value_micros, campaign_id \
                     FROM touchpoints WHERE org_id = ",
                );
                param(&mut sql, 1);
                sql.push_str(" AND journey_id IN (");
                for j in 0..journeys {
                    if j > 0 {
                        sql.push(',');
                    }
                    param(&mut sql, j + 2);
                }
                sql.push(')');
                sql
            }

            type Key = (String, i64, &'static str);
            type Values = (Option<String>, i64, Option<String>);

            fn kind_of(name: &str) -> Result<TouchKind> {
                match name {
                    "touch" => Ok(TouchKind::Touch),
                    "conversion" => Ok(TouchKind::Conversion),
                    other => Err(StoreError::Invalid(format!("unknown touchpoint event {other}"))),
                }
            }

            #[async_trait]
            impl TouchpointStore for $store {
                #[instrument(skip_all, fields(rows = rows.len(), dry_run))]
                async fn import_touchpoints(
                    &self,
                    org: &OrgId,
                    rows: &[StoredTouchpoint],
                    import: &TouchpointImport,
                    dry_run: bool,
                    now: DateTime<Utc>,
                ) -> Result<(UpsertCounts, Option<String>)> {
                    // Convert first: a value that cannot be stored fails before anything is written.
                    let values = rows
                        .iter()
                        .map(|r| to_micros(r.value))
                        .collect::<Result<Vec<i64>>>()?;
                    // The last row of each key wins (the caller normally refuses repeats).
                    let mut last: HashMap<(&str, i64, TouchKind), usize> = HashMap::with_capacity(rows.len());
                    for (i, r) in rows.iter().enumerate() {
                        last.insert((r.journey_id.as_str(), r.at_nanos, r.kind), i);
                    }
                    let mut keep: Vec<usize> = last.into_values().collect();
                    keep.sort_unstable();

                    crate::retry::transient!({
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    // The organisation's row first: two imports of one organisation queue, so
                    // neither counts rows the other is writing, nor do their upserts of the same
                    // journeys, in different orders, deadlock.
                    sqlx::query(LOCK_ORG).bind(org.as_str()).execute(&mut *tx).await?;
                    let import_id = new_id();
                    sqlx::query(
                        "INSERT INTO touchpoint_imports (id, org_id, file_name, content_hash, row_count, inserted, \
                         updated, unchanged, created_at) VALUES ($1, $2, $3, $4, $5, 0, 0, 0, $6)",
                    )
                    .bind(&import_id)
                    .bind(org.as_str())
                    .bind(&import.file_name)
                    .bind(&import.content_hash)
                    .bind(i64::try_from(rows.len()).unwrap_or(i64::MAX))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    let mut counts = UpsertCounts::default();
                    let full_sql = upsert_sql(BATCH_ROWS);
                    for chunk in keep.chunks(BATCH_ROWS) {
                        let mut journeys: Vec<&str> = chunk.iter().map(|&i| rows[i].journey_id.as_str()).collect();
                        journeys.sort_unstable();
                        journeys.dedup();
                        let existing_sql = existing_sql(journeys.len());
                        let mut query = sqlx::query(&existing_sql).bind(org.as_str());
                        for j in &journeys {
                            query = query.bind(*j);
                        }
                        let mut existing: HashMap<Key, Values> = HashMap::new();
                        for row in query.fetch_all(&mut *tx).await? {
                            let kind = kind_of(&row.try_get::<String, _>("event")?)?;
                            existing.insert(
                                (row.try_get("journey_id")?, row.try_get("occurred_at")?, kind.as_str()),
                                (row.try_get("channel")?, row.try_get("value_micros")?, row.try_get("campaign_id")?),
                            );
                        }
                        let mut changed: Vec<usize> = Vec::with_capacity(chunk.len());
                        for &i in chunk {
                            let r = &rows[i];
                            let key: Key = (r.journey_id.clone(), r.at_nanos, r.kind.as_str());
                            let new: Values = (
                                r.channel.clone(),
                                values[i],
                                r.campaign_id.as_ref().map(|c| c.as_str().to_owned()),
                            );
                            match existing.get(&key) {
                                Some(old) if *old == new => counts.unchanged += 1,
                                Some(_) => {
                                    counts.updated += 1;
                                    changed.push(i);
                                }
                                None => {
                                    counts.inserted += 1;
                                    changed.push(i);
                                }
                            }
                        }
                        if changed.is_empty() {
                            continue;
                        }
                        let owned;
                        let sql = if changed.len() == BATCH_ROWS {
                            full_sql.as_str()
                        } else {
                            owned = upsert_sql(changed.len());
                            owned.as_str()
                        };
                        let mut query = sqlx::query(sql);
                        for &i in &changed {
                            let r = &rows[i];
                            query = query
                                .bind(org.as_str())
                                .bind(r.journey_id.as_str())
                                .bind(r.at_nanos)
                                .bind(r.kind.as_str())
                                .bind(r.channel.as_deref())
                                .bind(values[i])
                                .bind(r.campaign_id.as_ref().map(CampaignId::as_str))
                                .bind(import_id.as_str());
                        }
                        query.execute(&mut *tx).await?;
                    }
                    if dry_run {
                        tx.rollback().await?;
                        return Ok((counts, None));
                    }
                    let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
                    sqlx::query("UPDATE touchpoint_imports SET inserted = $1, updated = $2, unchanged = $3 WHERE id = $4")
                        .bind(as_i64(counts.inserted))
                        .bind(as_i64(counts.updated))
                        .bind(as_i64(counts.unchanged))
                        .bind(&import_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok((counts, Some(import_id)))
                    })
                }

                #[instrument(skip_all)]
                async fn touchpoints_in_window(
                    &self,
                    org: &OrgId,
                    campaign: Option<&CampaignId>,
                    from_nanos: i64,
                    to_nanos: i64,
                ) -> Result<Vec<StoredTouchpoint>> {
                    let scope = if campaign.is_some() {
                        " AND (campaign_id IS NULL OR campaign_id = $4)"
                    } else {
                        " AND $4 = $4"
                    };
                    let sql = format!(
                        "SELECT journey_id, occurred_at, event, channel, value_micros, campaign_id FROM touchpoints \
                         WHERE org_id = $1 AND occurred_at < $3{scope} AND journey_id IN \
                         (SELECT journey_id FROM touchpoints WHERE org_id = $1 AND occurred_at >= $2 \
                         AND occurred_at < $3{scope}) \
                         ORDER BY journey_id, occurred_at, event DESC"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(from_nanos)
                        .bind(to_nanos)
                        .bind(campaign.map_or("", CampaignId::as_str))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row| {
                            Ok(StoredTouchpoint {
                                journey_id: row.try_get("journey_id")?,
                                at_nanos: row.try_get("occurred_at")?,
                                kind: kind_of(&row.try_get::<String, _>("event")?)?,
                                channel: row.try_get("channel")?,
                                value: from_micros(row.try_get("value_micros")?),
                                campaign_id: row
                                    .try_get::<Option<String>, _>("campaign_id")?
                                    .map(CampaignId::new),
                            })
                        })
                        .collect()
                }

                #[instrument(skip_all)]
                async fn has_touchpoints(&self, org: &OrgId) -> Result<bool> {
                    let row = sqlx::query("SELECT 1 AS one FROM touchpoints WHERE org_id = $1 LIMIT 1")
                        .bind(org.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(row.is_some())
                }

                #[instrument(skip_all)]
                async fn attribution_model(&self, org: &OrgId, campaign: &CampaignId) -> Result<Option<String>> {
                    let row = sqlx::query(
                        "SELECT a.model FROM campaign_attribution a JOIN campaigns c ON c.id = a.campaign_id \
                         WHERE a.campaign_id = $1 AND c.org_id = $2",
                    )
                    .bind(campaign.as_str())
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| r.try_get::<String, _>("model").map_err(StoreError::from)).transpose()
                }

                #[instrument(skip_all)]
                async fn set_attribution_model(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                    model: &str,
                    now: DateTime<Utc>,
                ) -> Result<bool> {
                    self.upsert_basis(org, campaign, "attribution", model, true, now).await
                }

                #[instrument(skip_all)]
                async fn revenue_basis(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                ) -> Result<Option<(String, String)>> {
                    let row = sqlx::query(
                        "SELECT a.basis, a.model FROM campaign_attribution a JOIN campaigns c ON c.id = a.campaign_id \
                         WHERE a.campaign_id = $1 AND c.org_id = $2",
                    )
                    .bind(campaign.as_str())
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| -> Result<(String, String)> {
                        Ok((r.try_get("basis")?, r.try_get("model")?))
                    })
                    .transpose()
                }

                #[instrument(skip_all)]
                async fn org_revenue_bases(&self, org: &OrgId) -> Result<Vec<(CampaignId, String, String)>> {
                    let rows = sqlx::query(
                        "SELECT a.campaign_id, a.basis, a.model FROM campaign_attribution a \
                         JOIN campaigns c ON c.id = a.campaign_id WHERE c.org_id = $1 ORDER BY a.campaign_id",
                    )
                    .bind(org.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| -> Result<(CampaignId, String, String)> {
                            Ok((CampaignId::new(r.try_get::<String, _>("campaign_id")?), r.try_get("basis")?, r.try_get("model")?))
                        })
                        .collect()
                }

                #[instrument(skip_all)]
                async fn set_revenue_basis(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                    basis: &str,
                    model: &str,
                    now: DateTime<Utc>,
                ) -> Result<bool> {
                    self.upsert_basis(org, campaign, basis, model, false, now).await
                }
            }

            impl $store {
                /// Writes a campaign's basis and, when `set_model` (or on the first write), its
                /// model, bumping its data version: the ROI follows both, so analyses cached
                /// for the campaign are stale.
                async fn upsert_basis(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                    basis: &str,
                    model: &str,
                    set_model: bool,
                    now: DateTime<Utc>,
                ) -> Result<bool> {
                    crate::retry::transient!({
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query(LOCK_CAMPAIGN)
                        .bind(campaign.as_str())
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if owned.rows_affected() != 1 {
                        return Ok(false);
                    }
                    let upsert = if set_model {
                        "INSERT INTO campaign_attribution (campaign_id, model, basis, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (campaign_id) DO UPDATE SET model = excluded.model, basis = excluded.basis, \
                         updated_at = excluded.updated_at"
                    } else {
                        "INSERT INTO campaign_attribution (campaign_id, model, basis, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (campaign_id) DO UPDATE SET basis = excluded.basis, updated_at = excluded.updated_at"
                    };
                    sqlx::query(upsert)
                        .bind(campaign.as_str())
                        .bind(model)
                        .bind(basis)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(BUMP_VERSION)
                        .bind(campaign.as_str())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                    })
                }
            }
        }
    };
}

pub(crate) use impl_touchpoint_store;
