//! The scheduler's job: enqueue what is due, then send what this instance leases.
//!
//! Each sweep first sends the outbox's messages when the server has an SMTP relay (see
//! `outbox`), then (1) enqueues every schedule's due slot (see `slot::due_slot`) and every budget
//! alert raised since an alert schedule was made, each under its unique key, so a slot is
//! enqueued once whatever the number of instances; (2) leases due deliveries, each leased by
//! one instance at a time, builds each message through the report's use case, sends it and
//! records the attempt: delivered, or the failure's category with the next try after a backoff
//! (1, 2, 4, 8 minutes) until [`MAX_ATTEMPTS`]. A permanent failure (a 5xx SMTP reply, an
//! address not allowed) is recorded as the last attempt at once.
//!
//! Delivery is at least once: an instance that dies after sending and before recording leaves
//! a lease that runs out, and the message goes again. Between live instances it is exactly once.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;
use spendlens_store::{NewDelivery, Store, StoredDelivery};

use super::content::{Content, build};
use super::mail::Mail;
use super::slot::due_slot;
use super::{Cadence, Channel, Deliverer, ReportKind, Schedule};
use crate::finance::webhook::{deliver_event, send_event};

/// Attempts of one delivery before it is given up.
pub const MAX_ATTEMPTS: u32 = 5;

/// How long a lease holds a delivery for the instance sending it (longer than any send takes
/// with its timeouts).
pub const LEASE_MINUTES: i64 = 10;

/// Deliveries one sweep sends at most (the rest wait for the next sweep).
pub const BATCH: u32 = 50;

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub enqueued: u32,
    pub delivered: u32,
    pub failed: u32,
    /// Outbox messages (accounts, invitations) sent, and not sent, by e-mail.
    pub mailed: u32,
    pub not_mailed: u32,
}

/// The wait before the next try after `attempts` failed ones: 1 minute, doubled each time, at
/// most an hour.
pub fn backoff(attempts: u32) -> TimeDelta {
    TimeDelta::minutes(1_i64 << attempts.saturating_sub(1).min(6)).min(TimeDelta::hours(1))
}

/// The next try of a delivery given up: 9999-12-31, which sorts after every real time in both
/// backends (`DateTime::MAX_UTC` has a six-digit year that SQLite's text order puts first).
pub fn never() -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

/// One sweep at `now` for the instance named `instance`.
pub async fn sweep(
    store: &dyn Store,
    deliverer: &Deliverer,
    now: DateTime<Utc>,
    instance: &str,
) -> SweepReport {
    let mut report = SweepReport::default();
    (report.mailed, report.not_mailed) = super::outbox::send_waiting(store, deliverer, now).await;
    let schedules: Vec<Schedule> = match store.all_schedules().await {
        Ok(all) => all.iter().filter_map(Schedule::of).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "report schedules not read");
            return report;
        }
    };
    for schedule in &schedules {
        match enqueue_due(store, schedule, now).await {
            Ok(n) => report.enqueued += n,
            Err(e) => tracing::warn!(schedule = %schedule.id, error = %e, "delivery not enqueued"),
        }
    }
    let lease_until = now + TimeDelta::minutes(LEASE_MINUTES);
    let leased = match store
        .lease_due_deliveries(instance, now, lease_until, MAX_ATTEMPTS, BATCH)
        .await
    {
        Ok(leased) => leased,
        Err(e) => {
            tracing::warn!(error = %e, "deliveries not leased");
            return report;
        }
    };
    let by_id: HashMap<&str, &Schedule> = schedules.iter().map(|s| (s.id.as_str(), s)).collect();
    for delivery in &leased {
        let Some(schedule) = by_id.get(delivery.delivery.schedule_id.as_str()) else {
            continue;
        };
        let outcome = deliver(store, deliverer, schedule, delivery, now).await;
        let recorded = match &outcome {
            Ok(()) => {
                report.delivered += 1;
                store
                    .record_delivery_attempt(&delivery.id, instance, Some(now), None, now)
                    .await
            }
            Err(failure) => {
                report.failed += 1;
                tracing::warn!(delivery = %delivery.id, schedule = %schedule.id, reason = %failure.reason, "delivery failed");
                let attempts = delivery.attempts + 1;
                // A permanent failure is not tried again: its next try is never due.
                let next = if failure.transient && attempts < MAX_ATTEMPTS {
                    now + backoff(attempts)
                } else {
                    never()
                };
                store
                    .record_delivery_attempt(
                        &delivery.id,
                        instance,
                        None,
                        Some(&failure.reason),
                        next,
                    )
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(delivery = %delivery.id, error = %e, "delivery attempt not recorded");
        }
    }
    report
}

/// Enqueues the schedule's due slot, or the alerts raised since it was made; returns how many
/// were new.
async fn enqueue_due(
    store: &dyn Store,
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> Result<u32, spendlens_store::StoreError> {
    let mut new = 0;
    if schedule.cadence == Cadence::Immediate {
        let alerts = store
            .alerts(&schedule.org_id, schedule.campaign_id.as_ref())
            .await?;
        for alert in paced(&alerts)
            .into_iter()
            .filter(|a| a.raised_at >= schedule.created_at)
        {
            let delivery = NewDelivery {
                org_id: schedule.org_id.clone(),
                schedule_id: schedule.id.clone(),
                slot: format!("alert:{}", alert.id),
                period_from: None,
                period_to: None,
                alert_id: Some(alert.id.clone()),
            };
            new += u32::from(store.enqueue_delivery(&delivery, now).await?);
        }
        return Ok(new);
    }
    let Some(slot) = due_slot(
        schedule.cadence,
        schedule.created_at.date_naive(),
        now.date_naive(),
    ) else {
        return Ok(0);
    };
    let period = schedule.cadence.period(slot);
    let delivery = NewDelivery {
        org_id: schedule.org_id.clone(),
        schedule_id: schedule.id.clone(),
        slot: slot.to_string(),
        period_from: period.map(|p| p.0),
        period_to: period.map(|p| p.1),
        alert_id: None,
    };
    new += u32::from(store.enqueue_delivery(&delivery, now).await?);
    Ok(new)
}

/// How long after an alert of a campaign is sent another of the same kind waits: a budget
/// moved up and down re-arms its thresholds each time, and each raise would otherwise mail every
/// recipient again (a flood anyone who may edit a budget could start).
pub const ALERT_PACE: TimeDelta = TimeDelta::hours(24);

/// The alerts that are sent: of each campaign's alerts of one kind, oldest first, those raised
/// at least [`ALERT_PACE`] after the last one sent. The choice depends only on the alerts kept,
/// so every sweep and instance makes the same one.
fn paced(
    alerts: &[spendlens_store::finance::StoredAlert],
) -> Vec<&spendlens_store::finance::StoredAlert> {
    let mut by_time: Vec<&spendlens_store::finance::StoredAlert> = alerts.iter().collect();
    by_time.sort_by(|a, b| (a.raised_at, &a.id).cmp(&(b.raised_at, &b.id)));
    let mut last: HashMap<(String, &'static str), DateTime<Utc>> = HashMap::new();
    by_time
        .into_iter()
        .filter(|a| {
            let key = (a.campaign_id.as_str().to_owned(), a.alert.kind.as_str());
            let due = last
                .get(&key)
                .is_none_or(|t| a.raised_at - *t >= ALERT_PACE);
            if due {
                last.insert(key, a.raised_at);
            }
            due
        })
        .collect()
}

/// Why an attempt failed, and whether another could go differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    pub transient: bool,
}

impl Failure {
    fn permanent(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            transient: false,
        }
    }
}

/// Builds and sends one delivery over its schedule's channel.
pub async fn deliver(
    store: &dyn Store,
    deliverer: &Deliverer,
    schedule: &Schedule,
    delivery: &StoredDelivery,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let content = build(store, schedule, delivery, &deliverer.public_base, now)
        .await
        .map_err(|reason| Failure {
            reason,
            // A report that cannot be built now (a missing rate) may build once data changes.
            transient: true,
        })?;
    match schedule.channel {
        Channel::Email => send_mail(deliverer, schedule, content).await,
        Channel::Slack => send_slack(deliverer, schedule, &delivery.id, &content).await,
        Channel::Webhook => {
            match deliver_event(
                store,
                &deliverer.webhooks,
                &schedule.org_id,
                &delivery.id,
                &content.event,
            )
            .await
            {
                Ok(true) => Ok(()),
                Ok(false) => Err(Failure::permanent(
                    "the organisation has no webhook any more",
                )),
                Err(reason) => Err(Failure {
                    reason: reason.to_string(),
                    transient: reason.is_transient(),
                }),
            }
        }
    }
}

async fn send_mail(
    deliverer: &Deliverer,
    schedule: &Schedule,
    content: Content,
) -> Result<(), Failure> {
    let mailer = deliverer
        .mailer
        .as_ref()
        .ok_or_else(|| Failure::permanent(super::MailFailure::NotConfigured.to_string()))?;
    let mail = Mail {
        to: schedule.recipients.clone(),
        subject: content.subject,
        text: content.text,
        attachment: content.attachment,
    };
    mailer.send(&mail).await.map_err(|e| Failure {
        reason: e.to_string(),
        transient: e.is_transient(),
    })
}

/// Posts the Slack message to the schedule's incoming webhook, opened from its sealed form only
/// for this request, through the outbound-guarded client (a user's URL: no private address).
async fn send_slack(
    deliverer: &Deliverer,
    schedule: &Schedule,
    id: &str,
    content: &Content,
) -> Result<(), Failure> {
    let sealed = schedule
        .slack_url_sealed
        .as_deref()
        .ok_or_else(|| Failure::permanent("the schedule has no Slack URL"))?;
    let cipher = deliverer.webhooks.cipher.as_ref().ok_or_else(|| {
        Failure::permanent("a Slack URL is stored but the server has no secret_key")
    })?;
    let url: SecretString = cipher.open(sealed).map_err(|_| {
        Failure::permanent("the Slack URL cannot be opened (was secret_key changed?)")
    })?;
    send_event(
        &deliverer.webhooks,
        secrecy::ExposeSecret::expose_secret(&url),
        None,
        id,
        &content.slack_message(),
    )
    .await
    .map_err(|reason| Failure {
        reason: reason.to_string(),
        transient: reason.is_transient(),
    })
}

/// Whether a schedule sends a file (for the page's wording).
pub fn sends_file(schedule: &Schedule) -> bool {
    schedule.kind == ReportKind::FinancialReport && schedule.channel == Channel::Email
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_minute_up_to_an_hour() {
        assert_eq!(backoff(1), TimeDelta::minutes(1));
        assert_eq!(backoff(2), TimeDelta::minutes(2));
        assert_eq!(backoff(4), TimeDelta::minutes(8));
        assert_eq!(backoff(7), TimeDelta::hours(1));
        assert_eq!(backoff(u32::MAX), TimeDelta::hours(1));
    }

    #[test]
    fn an_alert_of_a_kind_is_sent_at_most_once_a_day_per_campaign() {
        use spendlens_core::campaign::{CampaignId, OrgId};
        use spendlens_finance::budget::AlertKind;
        use spendlens_store::finance::{NewAlert, StoredAlert};
        let start = DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        let alert = |id: &str, campaign: &str, kind: AlertKind, hours: i64| StoredAlert {
            id: id.to_owned(),
            org_id: OrgId::new("o".to_owned()),
            campaign_id: CampaignId::new(campaign.to_owned()),
            alert: NewAlert {
                kind,
                as_of: start.date_naive(),
                used_pct: rust_decimal::Decimal::ZERO,
                pacing_pct: rust_decimal::Decimal::ZERO,
                spend: rust_decimal::Decimal::ZERO,
                budget: None,
                currency: "USD".to_owned(),
            },
            raised_at: start + TimeDelta::hours(hours),
            delivered_at: None,
            attempts: 0,
            last_error: None,
        };
        // A budget toggled up and down raises the 80 % alert every few minutes.
        let alerts = vec![
            alert("a1", "c", AlertKind::Budget80, 0),
            alert("a2", "c", AlertKind::Budget80, 1),
            alert("a3", "c", AlertKind::Budget95, 1),
            alert("a4", "other", AlertKind::Budget80, 2),
            alert("a5", "c", AlertKind::Budget80, 23),
            alert("a6", "c", AlertKind::Budget80, 24),
            alert("a7", "c", AlertKind::Budget80, 30),
        ];
        let sent: Vec<&str> = paced(&alerts).iter().map(|a| a.id.as_str()).collect();
        assert_eq!(sent, ["a1", "a3", "a4", "a6"]);
    }
}
