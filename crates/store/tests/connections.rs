//! Connections: org-scoped, one per account and campaign, sync outcomes, OAuth states taken once.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignSpec, OrgId};
use spendlens_store::{ConnectionStatus, NewConnection, StoreError, SyncRecord};

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

fn spec() -> CampaignSpec {
    CampaignSpec {
        name: "Q4".into(),
        currency: "USD".into(),
        budget: None,
        start_date: None,
        end_date: None,
        time_zone: "UTC".into(),
    }
}

fn new_meta(account: &str) -> NewConnection {
    NewConnection {
        platform: Platform::Meta,
        account_id: account.into(),
        options: "{}".into(),
        auth_kind: "token".into(),
        credentials: Some("sealed-blob".into()),
        status: ConnectionStatus::Active,
    }
}

#[tokio::test]
async fn connections_are_scoped_unique_and_record_their_syncs() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let other: OrgId = ok(store.create_account("b@x.io", "h", "B", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec(), now()).await, name);

        assert_eq!(
            ok(
                store
                    .create_connection(&other, &c.id, &new_meta("act_1"), now())
                    .await,
                name
            ),
            None,
            "{name}: another organisation's campaign"
        );
        let conn = ok(
            store
                .create_connection(&org, &c.id, &new_meta("act_1"), now())
                .await,
            name,
        );
        let conn = conn.unwrap_or_else(|| panic!("{name}: created"));
        assert_eq!(conn.platform, Platform::Meta);
        assert_eq!(conn.credentials.as_deref(), Some("sealed-blob"));
        assert!(matches!(
            store
                .create_connection(&org, &c.id, &new_meta("act_1"), now())
                .await,
            Err(StoreError::Conflict("connection"))
        ));
        assert_eq!(ok(store.connection(&other, &conn.id).await, name), None);
        assert_eq!(ok(store.connections(&org, &c.id).await, name).len(), 1);
        assert!(ok(store.connections(&other, &c.id).await, name).is_empty());

        // A success moves the synced date forward only.
        let success = |last: &str, on: &str, rows| SyncRecord::Succeeded {
            last_synced_date: Some(day(last)),
            synced_on: day(on),
            rows,
            notice: None,
        };
        ok(
            store
                .record_sync(&conn.id, &success("2026-11-20", "2026-11-21", 28), now())
                .await,
            name,
        );
        ok(
            store
                .record_sync(&conn.id, &success("2026-11-10", "2026-11-21", 3), now())
                .await,
            name,
        );
        let got = ok(store.connection(&org, &conn.id).await, name);
        let got = got.unwrap_or_else(|| panic!("{name}: still there"));
        assert_eq!(got.last_synced_date, Some(day("2026-11-20")), "{name}");
        assert_eq!((got.synced_on, got.last_rows), (Some(day("2026-11-21")), 3));
        assert_eq!(got.status, ConnectionStatus::Active);

        // A failure keeps the synced date and says why.
        let failed = SyncRecord::Failed {
            status: ConnectionStatus::Reauthorize,
            error: "meta: not authorised".into(),
            retry_at: None,
        };
        ok(store.record_sync(&conn.id, &failed, now()).await, name);
        let got = ok(store.connection(&org, &conn.id).await, name);
        let got = got.unwrap_or_else(|| panic!("{name}: still there"));
        assert_eq!(got.status, ConnectionStatus::Reauthorize);
        assert_eq!(got.last_error.as_deref(), Some("meta: not authorised"));
        assert_eq!(got.last_synced_date, Some(day("2026-11-20")));

        // Health (migration 0010): a quota's retry time, a sync's notice, the grant's end and
        // the alert delivered for it; a success clears the retry time and replaces the notice.
        assert_eq!(
            (
                got.grant_expires_at,
                got.notice.as_deref(),
                got.retry_at,
                got.reauth_alerted_for
            ),
            (None, None, None, None),
            "{name}"
        );
        let midnight = now() + chrono::TimeDelta::hours(12);
        let waiting = SyncRecord::Failed {
            status: ConnectionStatus::Error,
            error: "linkedin: quota exhausted".into(),
            retry_at: Some(midnight),
        };
        ok(store.record_sync(&conn.id, &waiting, now()).await, name);
        let end = now() + chrono::TimeDelta::days(20);
        ok(store.set_grant_expires_at(&conn.id, Some(end)).await, name);
        ok(store.mark_reauth_alerted(&conn.id, end).await, name);
        let got = ok(store.connection(&org, &conn.id).await, name);
        let got = got.unwrap_or_else(|| panic!("{name}: still there"));
        assert_eq!(
            (got.retry_at, got.grant_expires_at, got.reauth_alerted_for),
            (Some(midnight), Some(end), Some(end)),
            "{name}"
        );
        let noticed = SyncRecord::Succeeded {
            last_synced_date: Some(day("2026-11-20")),
            synced_on: day("2026-11-22"),
            rows: 1,
            notice: Some("Meta withheld the conversions of 1 campaign-day(s)".into()),
        };
        ok(store.record_sync(&conn.id, &noticed, now()).await, name);
        let got = ok(store.connection(&org, &conn.id).await, name);
        let got = got.unwrap_or_else(|| panic!("{name}: still there"));
        assert_eq!(got.retry_at, None, "{name}");
        assert!(got.notice.is_some_and(|n| n.starts_with("Meta withheld")));

        ok(
            store
                .set_credentials(&conn.id, Some("new-blob"), ConnectionStatus::Active, now())
                .await,
            name,
        );
        assert_eq!(ok(store.all_connections().await, name).len(), 1);
        assert!(!ok(store.delete_connection(&other, &conn.id).await, name));
        assert!(ok(store.delete_connection(&org, &conn.id).await, name));
        assert!(ok(store.all_connections().await, name).is_empty());
    }
}

#[tokio::test]
async fn an_oauth_state_is_taken_once_and_not_after_it_expires() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec(), now()).await, name);
        let mut pending = new_meta("act_2");
        pending.credentials = None;
        pending.status = ConnectionStatus::Pending;
        let conn = ok(
            store.create_connection(&org, &c.id, &pending, now()).await,
            name,
        );
        let conn = conn.unwrap_or_else(|| panic!("{name}: created"));
        let later = now() + Duration::minutes(10);
        ok(
            store
                .put_oauth_state("h1", &conn.id, Some("verifier"), later)
                .await,
            name,
        );
        ok(
            store.put_oauth_state("h2", &conn.id, None, later).await,
            name,
        );
        assert_eq!(
            ok(store.take_oauth_state("h1", now()).await, name),
            Some((conn.id.clone(), Some("verifier".to_owned())))
        );
        assert_eq!(
            ok(store.take_oauth_state("h1", now()).await, name),
            None,
            "{name}: once"
        );
        assert_eq!(
            ok(store.take_oauth_state("h2", later).await, name),
            None,
            "{name}: expired"
        );
        assert_eq!(ok(store.take_oauth_state("nope", now()).await, name), None);
    }
}

/// A sheet's rows are keyed by campaign name: of six sheets connected to one campaign at once,
/// one is stored and five are refused, on both backends (the check runs under the campaign's
/// row, inside the insert's transaction); six Meta accounts at once are all stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_sheet_per_campaign_holds_when_several_are_connected_at_once() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec(), now()).await, name);
        for platform in [Platform::Sheets, Platform::Meta] {
            let tasks: Vec<_> = (0..6)
                .map(|i| {
                    let (store, org, id) =
                        (std::sync::Arc::clone(&store), org.clone(), c.id.clone());
                    let new = NewConnection {
                        platform,
                        ..new_meta(&format!("account-{i}"))
                    };
                    tokio::spawn(
                        async move { store.create_connection(&org, &id, &new, now()).await },
                    )
                })
                .collect();
            let (mut stored, mut refused) = (0, 0);
            for t in tasks {
                match t.await.unwrap_or_else(|e| panic!("{name}: {e}")) {
                    Ok(Some(_)) => stored += 1,
                    Err(StoreError::Conflict(spendlens_store::ONE_PER_CAMPAIGN)) => refused += 1,
                    other => panic!("{name} {platform:?}: {other:?}"),
                }
            }
            let expected = if platform == Platform::Sheets {
                (1, 5)
            } else {
                (6, 0)
            };
            assert_eq!((stored, refused), expected, "{name} {platform:?}");
        }
        // The same sheet again is the account already connected, not a second sheet.
        let again = NewConnection {
            platform: Platform::Sheets,
            ..new_meta("account-x")
        };
        let first = ok(store.connections(&org, &c.id).await, name)
            .into_iter()
            .find(|k| k.platform == Platform::Sheets)
            .map(|k| k.account_id)
            .unwrap_or_default();
        let same = NewConnection {
            account_id: first,
            ..again.clone()
        };
        assert!(
            matches!(
                store.create_connection(&org, &c.id, &same, now()).await,
                Err(StoreError::Conflict("connection"))
            ),
            "{name}"
        );
        assert!(
            matches!(
                store.create_connection(&org, &c.id, &again, now()).await,
                Err(StoreError::Conflict(spendlens_store::ONE_PER_CAMPAIGN))
            ),
            "{name}"
        );
    }
}
