//! Share links and report deliveries on each backend: organisation scoping, revocation, the
//! claim of a slot and the lease of a delivery taken once among instances.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use spendlens_core::campaign::{CampaignId, CampaignSpec};
use spendlens_store::{NewDelivery, NewSchedule, StoreError};

use crate::support::stores;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn ok<T>(r: Result<T, StoreError>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn spec(name: &str) -> CampaignSpec {
    CampaignSpec {
        name: name.into(),
        currency: "USD".into(),
        budget: None,
        start_date: Some(day("2026-11-01")),
        end_date: None,
        time_zone: "UTC".into(),
    }
}

fn schedule(campaign: Option<CampaignId>) -> NewSchedule {
    NewSchedule {
        kind: "financial_report".into(),
        format: Some("pdf".into()),
        currency: Some("USD".into()),
        campaign_id: campaign,
        channel: "email".into(),
        recipients: vec!["cfo@example.com".into(), "ops@example.com".into()],
        slack_url_sealed: None,
        cadence: "weekly".into(),
        day: 6,
    }
}

#[tokio::test]
async fn share_links_are_scoped_to_their_organisation_and_revocable() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let other = ok(store.create_account("b@x.io", "h", "B", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec("Q4"), now()).await, name);
        assert!(
            ok(
                store
                    .create_share_link(&other, &c.id, "h-other", None, now())
                    .await,
                name
            )
            .is_none(),
            "{name}: another organisation cannot share the campaign"
        );
        let link = ok(
            store
                .create_share_link(&org, &c.id, "h1", Some(day("2026-12-01")), now())
                .await,
            name,
        )
        .unwrap_or_else(|| panic!("{name}: link"));
        assert_eq!(link.expires_on, Some(day("2026-12-01")), "{name}");
        let found = ok(store.share_link_by_hash("h1").await, name);
        assert_eq!(found.as_ref().map(|l| &l.id), Some(&link.id), "{name}");
        assert!(ok(store.share_link_by_hash("h2").await, name).is_none());
        assert!(ok(store.share_links(&other, &c.id).await, name).is_empty());
        assert_eq!(ok(store.share_links(&org, &c.id).await, name).len(), 1);
        assert!(
            !ok(
                store
                    .revoke_share_link(&other, &c.id, &link.id, now())
                    .await,
                name
            ),
            "{name}: another organisation cannot revoke it"
        );
        assert!(ok(
            store.revoke_share_link(&org, &c.id, &link.id, now()).await,
            name
        ));
        assert!(
            !ok(
                store.revoke_share_link(&org, &c.id, &link.id, now()).await,
                name
            ),
            "{name}: revoked once"
        );
        let revoked = ok(store.share_link_by_hash("h1").await, name);
        assert_eq!(revoked.and_then(|l| l.revoked_at), Some(now()), "{name}");
    }
}

#[tokio::test]
async fn a_slot_is_enqueued_once_and_leased_by_one_instance() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let other = ok(store.create_account("b@x.io", "h", "B", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec("Q4"), now()).await, name);
        assert!(
            ok(
                store
                    .create_schedule(&other, &schedule(Some(c.id.clone())), now())
                    .await,
                name
            )
            .is_none(),
            "{name}: another organisation's campaign"
        );
        let s = ok(
            store.create_schedule(&org, &schedule(None), now()).await,
            name,
        )
        .unwrap_or_else(|| panic!("{name}: schedule"));
        let listed = ok(store.schedules(&org).await, name);
        assert_eq!(listed, vec![s.clone()], "{name}: read back as written");
        assert!(ok(store.schedules(&other).await, name).is_empty());
        let delivery = NewDelivery {
            org_id: org.clone(),
            schedule_id: s.id.clone(),
            slot: "2026-11-21".into(),
            period_from: Some(day("2026-11-14")),
            period_to: Some(day("2026-11-20")),
            alert_id: None,
        };
        assert!(ok(store.enqueue_delivery(&delivery, now()).await, name));
        assert!(
            !ok(store.enqueue_delivery(&delivery, now()).await, name),
            "{name}: the slot is claimed once"
        );
        let lease = now() + Duration::minutes(5);
        let a = ok(
            store.lease_due_deliveries("a", now(), lease, 5, 10).await,
            name,
        );
        let b = ok(
            store.lease_due_deliveries("b", now(), lease, 5, 10).await,
            name,
        );
        assert_eq!((a.len(), b.len()), (1, 0), "{name}: one instance leases it");
        // A failed attempt drops the lease and sets the next try.
        let retry_at = now() + Duration::minutes(1);
        ok(
            store
                .record_delivery_attempt(&a[0].id, "a", None, Some("HTTP 451"), retry_at)
                .await,
            name,
        );
        assert!(
            ok(
                store.lease_due_deliveries("b", now(), lease, 5, 10).await,
                name
            )
            .is_empty(),
            "{name}: not due before its next try"
        );
        let later = retry_at + Duration::seconds(1);
        let b = ok(
            store
                .lease_due_deliveries("b", later, later + Duration::minutes(5), 5, 10)
                .await,
            name,
        );
        assert_eq!(b.len(), 1, "{name}: due again");
        assert_eq!(b[0].attempts, 1, "{name}");
        assert_eq!(b[0].last_error.as_deref(), Some("HTTP 451"), "{name}");
        // Only the holder of the lease records.
        ok(
            store
                .record_delivery_attempt(&b[0].id, "a", Some(later), None, later)
                .await,
            name,
        );
        ok(
            store
                .record_delivery_attempt(&b[0].id, "b", Some(later), None, later)
                .await,
            name,
        );
        let listed = ok(store.deliveries(&org, 10).await, name);
        assert_eq!(listed.len(), 1, "{name}");
        assert_eq!(listed[0].attempts, 2, "{name}");
        assert_eq!(listed[0].delivered_at, Some(later), "{name}");
        let far = later + Duration::days(1);
        assert!(
            ok(store.lease_due_deliveries("a", far, far, 5, 10).await, name).is_empty(),
            "{name}: a delivered one is never taken again"
        );
        assert!(ok(store.deliveries(&other, 10).await, name).is_empty());
        assert!(!ok(store.delete_schedule(&other, &s.id).await, name));
        assert!(ok(store.delete_schedule(&org, &s.id).await, name));
        assert!(ok(store.deliveries(&org, 10).await, name).is_empty());
    }
}
