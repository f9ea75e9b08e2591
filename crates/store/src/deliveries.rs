//! Report schedules and their deliveries (`report_schedules`, `report_deliveries`, migration
//! 0016).
//!
//! A schedule says what to send, where and when; the store keeps its codes as text and the app
//! (`spendlens_app::delivery`) owns their meaning. A delivery is one thing to send: a schedule's
//! due slot, or a budget alert for a schedule of alerts. Two rules make several instances send
//! each one once:
//! - [`DeliveryStore::enqueue_delivery`] inserts with `ON CONFLICT (schedule_id, slot) DO
//!   NOTHING`: whichever instance comes first creates the row, the others see `false`;
//! - [`DeliveryStore::lease_due_deliveries`] takes a row by a conditional `UPDATE` (not delivered,
//!   due, no live lease): one instance at a time holds it while it sends, and
//!   [`DeliveryStore::record_delivery_attempt`] counts the attempt and drops the lease.
//!
//! Rejected alternative: a PostgreSQL advisory lock around the sweep. SQLite has none, and a
//! lock held only while a process lives says nothing about a slot sent before a restart; the
//! unique key does.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};

use crate::Result;

/// A schedule to store (codes as the app writes them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    pub kind: String,
    pub format: Option<String>,
    pub currency: Option<String>,
    pub campaign_id: Option<CampaignId>,
    pub channel: String,
    pub recipients: Vec<String>,
    /// The Slack URL sealed with the server's key; never the URL itself.
    pub slack_url_sealed: Option<String>,
    pub cadence: String,
    pub day: u32,
}

/// A stored schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSchedule {
    pub id: String,
    pub org_id: OrgId,
    pub schedule: NewSchedule,
    pub created_at: DateTime<Utc>,
}

/// A delivery to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub org_id: OrgId,
    pub schedule_id: String,
    /// The slot's key within its schedule: the slot's date, or `alert:<id>`.
    pub slot: String,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub alert_id: Option<String>,
}

/// A stored delivery with its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDelivery {
    pub id: String,
    pub delivery: NewDelivery,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
}

/// Storage of schedules and deliveries.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Stores a schedule of `org`; `None` when it names a campaign that is not the
    /// organisation's (nothing written).
    async fn create_schedule(
        &self,
        org: &OrgId,
        schedule: &NewSchedule,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredSchedule>>;

    /// The organisation's schedules, oldest first.
    async fn schedules(&self, org: &OrgId) -> Result<Vec<StoredSchedule>>;

    /// Every organisation's schedules (for the scheduler, never for a request).
    async fn all_schedules(&self) -> Result<Vec<StoredSchedule>>;

    /// Deletes a schedule of `org` and its deliveries; false when there is none.
    async fn delete_schedule(&self, org: &OrgId, id: &str) -> Result<bool>;

    /// Enqueues a delivery, due at `now`; false when its slot was enqueued already (by this or
    /// another instance).
    async fn enqueue_delivery(&self, delivery: &NewDelivery, now: DateTime<Utc>) -> Result<bool>;

    /// Takes up to `limit` deliveries due at `now` (not delivered, fewer than `max_attempts`
    /// attempts, no lease alive) for `instance` until `lease_until`; each is taken by one
    /// instance only.
    async fn lease_due_deliveries(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max_attempts: u32,
        limit: u32,
    ) -> Result<Vec<StoredDelivery>>;

    /// Records an attempt of a delivery `instance` holds: delivered (with the time) or failed
    /// (the reason, and when to try again); drops the lease.
    async fn record_delivery_attempt(
        &self,
        id: &str,
        instance: &str,
        delivered_at: Option<DateTime<Utc>>,
        error: Option<&str>,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<()>;

    /// The organisation's newest `limit` deliveries, newest first.
    async fn deliveries(&self, org: &OrgId, limit: u32) -> Result<Vec<StoredDelivery>>;
}

pub(crate) fn recipients_text(recipients: &[String]) -> String {
    recipients.join(" ")
}

pub(crate) fn recipients_of(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// Implements [`DeliveryStore`] for `$store` (field `pool: sqlx::Pool<$db>`).
macro_rules! impl_delivery_store {
    ($store:ty, $db:ty) => {
        mod delivery_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::deliveries::{
                DeliveryStore, NewDelivery, NewSchedule, StoredDelivery, StoredSchedule,
                recipients_of, recipients_text,
            };
            use crate::{Result, new_id};

            type DbRow = <$db as sqlx::Database>::Row;

            const SCHEDULE_COLUMNS: &str = "id, org_id, kind, format, currency, campaign_id, channel, \
                recipients, slack_url_sealed, cadence, day, created_at";
            const DELIVERY_COLUMNS: &str = "id, org_id, schedule_id, slot, period_from, period_to, \
                alert_id, created_at, attempts, last_error, delivered_at, next_attempt_at";

            fn schedule_of(r: &DbRow) -> Result<StoredSchedule> {
                let day: i64 = r.try_get("day")?;
                Ok(StoredSchedule {
                    id: r.try_get("id")?,
                    org_id: OrgId::new(r.try_get::<String, _>("org_id")?),
                    schedule: NewSchedule {
                        kind: r.try_get("kind")?,
                        format: r.try_get("format")?,
                        currency: r.try_get("currency")?,
                        campaign_id: r.try_get::<Option<String>, _>("campaign_id")?.map(CampaignId::new),
                        channel: r.try_get("channel")?,
                        recipients: recipients_of(&r.try_get::<String, _>("recipients")?),
                        slack_url_sealed: r.try_get("slack_url_sealed")?,
                        cadence: r.try_get("cadence")?,
                        day: u32::try_from(day).unwrap_or(0),
                    },
                    created_at: r.try_get("created_at")?,
                })
            }

            fn delivery_of(r: &DbRow) -> Result<StoredDelivery> {
                let attempts: i64 = r.try_get("attempts")?;
                Ok(StoredDelivery {
                    id: r.try_get("id")?,
                    delivery: NewDelivery {
                        org_id: OrgId::new(r.try_get::<String, _>("org_id")?),
                        schedule_id: r.try_get("schedule_id")?,
                        slot: r.try_get("slot")?,
                        period_from: r.try_get("period_from")?,
                        period_to: r.try_get("period_to")?,
                        alert_id: r.try_get("alert_id")?,
                    },
                    created_at: r.try_get("created_at")?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    last_error: r.try_get("last_error")?,
                    delivered_at: r.try_get("delivered_at")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                })
            }

            #[async_trait]
            impl DeliveryStore for $store {
                #[instrument(skip_all)]
                async fn create_schedule(
                    &self,
                    org: &OrgId,
                    schedule: &NewSchedule,
                    now: DateTime<Utc>,
                ) -> Result<Option<StoredSchedule>> {
                    if let Some(campaign) = &schedule.campaign_id {
                        let owned = sqlx::query("SELECT 1 FROM campaigns WHERE id = $1 AND org_id = $2")
                            .bind(campaign.as_str())
                            .bind(org.as_str())
                            .fetch_optional(&self.pool)
                            .await?;
                        if owned.is_none() {
                            return Ok(None);
                        }
                    }
                    let id = new_id();
                    sqlx::query(
                        "INSERT INTO report_schedules (id, org_id, kind, format, currency, campaign_id, channel, \
                         recipients, slack_url_sealed, cadence, day, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(&id)
                    .bind(org.as_str())
                    .bind(&schedule.kind)
                    .bind(&schedule.format)
                    .bind(&schedule.currency)
                    .bind(schedule.campaign_id.as_ref().map(CampaignId::as_str))
                    .bind(&schedule.channel)
                    .bind(recipients_text(&schedule.recipients))
                    .bind(&schedule.slack_url_sealed)
                    .bind(&schedule.cadence)
                    .bind(i64::from(schedule.day))
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(Some(StoredSchedule {
                        id,
                        org_id: org.clone(),
                        schedule: schedule.clone(),
                        created_at: now,
                    }))
                }

                #[instrument(skip_all)]
                async fn schedules(&self, org: &OrgId) -> Result<Vec<StoredSchedule>> {
                    let sql = format!(
                        "SELECT {SCHEDULE_COLUMNS} FROM report_schedules WHERE org_id = $1 ORDER BY created_at, id"
                    );
                    let rows = sqlx::query(&sql).bind(org.as_str()).fetch_all(&self.pool).await?;
                    rows.iter().map(schedule_of).collect()
                }

                #[instrument(skip_all)]
                async fn all_schedules(&self) -> Result<Vec<StoredSchedule>> {
                    let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM report_schedules ORDER BY created_at, id");
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                    rows.iter().map(schedule_of).collect()
                }

                #[instrument(skip_all)]
                async fn delete_schedule(&self, org: &OrgId, id: &str) -> Result<bool> {
                    let done = sqlx::query("DELETE FROM report_schedules WHERE id = $1 AND org_id = $2")
                        .bind(id)
                        .bind(org.as_str())
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[instrument(skip_all)]
                async fn enqueue_delivery(&self, d: &NewDelivery, now: DateTime<Utc>) -> Result<bool> {
                    let done = sqlx::query(
                        "INSERT INTO report_deliveries (id, org_id, schedule_id, slot, period_from, period_to, alert_id, \
                         created_at, attempts, last_error, delivered_at, next_attempt_at, lease_until, leased_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL, NULL, $8, NULL, NULL) \
                         ON CONFLICT (schedule_id, slot) DO NOTHING",
                    )
                    .bind(new_id())
                    .bind(d.org_id.as_str())
                    .bind(&d.schedule_id)
                    .bind(&d.slot)
                    .bind(d.period_from)
                    .bind(d.period_to)
                    .bind(&d.alert_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[instrument(skip_all)]
                async fn lease_due_deliveries(
                    &self,
                    instance: &str,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                    max_attempts: u32,
                    limit: u32,
                ) -> Result<Vec<StoredDelivery>> {
                    const DUE: &str = "delivered_at IS NULL AND attempts < $2 AND next_attempt_at <= $1 \
                        AND (lease_until IS NULL OR lease_until < $1)";
                    let sql = format!(
                        "SELECT {DELIVERY_COLUMNS} FROM report_deliveries WHERE {DUE} ORDER BY next_attempt_at, id LIMIT $3"
                    );
                    let candidates = sqlx::query(&sql)
                        .bind(now)
                        .bind(i64::from(max_attempts))
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    let take = format!(
                        "UPDATE report_deliveries SET lease_until = $3, leased_by = $4 WHERE id = $5 AND {DUE}"
                    );
                    let mut leased = Vec::new();
                    for row in &candidates {
                        let delivery = delivery_of(row)?;
                        // The same condition again, atomically: an instance that read the row
                        // too finds it leased and skips it.
                        let done = sqlx::query(&take)
                            .bind(now)
                            .bind(i64::from(max_attempts))
                            .bind(lease_until)
                            .bind(instance)
                            .bind(&delivery.id)
                            .execute(&self.pool)
                            .await?;
                        if done.rows_affected() == 1 {
                            leased.push(delivery);
                        }
                    }
                    Ok(leased)
                }

                #[instrument(skip_all)]
                async fn record_delivery_attempt(
                    &self,
                    id: &str,
                    instance: &str,
                    delivered_at: Option<DateTime<Utc>>,
                    error: Option<&str>,
                    next_attempt_at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "UPDATE report_deliveries SET attempts = attempts + 1, delivered_at = $3, last_error = $4, \
                         next_attempt_at = $5, lease_until = NULL, leased_by = NULL \
                         WHERE id = $1 AND leased_by = $2 AND delivered_at IS NULL",
                    )
                    .bind(id)
                    .bind(instance)
                    .bind(delivered_at)
                    .bind(error)
                    .bind(next_attempt_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn deliveries(&self, org: &OrgId, limit: u32) -> Result<Vec<StoredDelivery>> {
                    let sql = format!(
                        "SELECT {DELIVERY_COLUMNS} FROM report_deliveries WHERE org_id = $1 \
                         ORDER BY created_at DESC, id DESC LIMIT $2"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(delivery_of).collect()
                }
            }
        }
    };
}

pub(crate) use impl_delivery_store;
