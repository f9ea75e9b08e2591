//! Touchpoints and campaign attribution models, on each backend.
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::{StoredTouchpoint, TouchKind, TouchpointImport, UpsertCounts};

use crate::support::{plain_spec, stores};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn tp(journey: &str, at: i64, kind: TouchKind, channel: &str, value: &str) -> StoredTouchpoint {
    StoredTouchpoint {
        journey_id: journey.to_owned(),
        at_nanos: at,
        kind,
        channel: (kind == TouchKind::Touch).then(|| channel.to_owned()),
        value: value.parse().unwrap_or_default(),
        campaign_id: None,
    }
}

fn import(hash: &str) -> TouchpointImport {
    TouchpointImport {
        file_name: Some("t.csv".into()),
        content_hash: hash.into(),
    }
}

fn counts(inserted: u64, updated: u64, unchanged: u64) -> UpsertCounts {
    UpsertCounts {
        inserted,
        updated,
        unchanged,
        removed: 0,
    }
}

const SEC: i64 = 1_000_000_000;

fn journeys(n: usize) -> Vec<StoredTouchpoint> {
    let mut rows = Vec::new();
    for j in 0..n {
        let id = format!("j{j:04}");
        let base = i64::try_from(j).unwrap_or(0) * 100 * SEC;
        rows.push(tp(&id, base, TouchKind::Touch, "meta", "0"));
        rows.push(tp(&id, base + SEC, TouchKind::Touch, "google", "0"));
        rows.push(tp(&id, base + SEC, TouchKind::Conversion, "", "12.34"));
    }
    rows
}

async fn org_of(store: &dyn spendlens_store::Store, email: &str) -> OrgId {
    store
        .create_account(email, "hash", "Org", now())
        .await
        .unwrap_or_else(|e| panic!("account: {e}"))
        .org_id
}

#[tokio::test]
async fn re_import_is_idempotent_and_changes_are_updates() {
    for (backend, store) in stores().await {
        let org = org_of(store.as_ref(), "a@example.com").await;
        // More than one batch (400 rows per statement).
        let rows = journeys(300);
        let (first, id) = store
            .import_touchpoints(&org, &rows, &import("h1"), false, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(first, counts(900, 0, 0), "{backend}");
        assert!(id.is_some());
        let (again, _) = store
            .import_touchpoints(&org, &rows, &import("h1"), false, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(again, counts(0, 0, 900), "{backend}");

        let mut changed = rows.clone();
        changed[2].value = "99.99".parse().unwrap_or_default();
        changed.push(tp("new", 5 * SEC, TouchKind::Touch, "email", "0"));
        let (dry, id) = store
            .import_touchpoints(&org, &changed, &import("h2"), true, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!((dry, id), (counts(1, 1, 899), None), "{backend}");
        // The dry run wrote nothing.
        let all = store
            .touchpoints_in_window(&org, None, 0, i64::MAX)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(all.len(), 900, "{backend}");
        assert_eq!(all[2].value, "12.34".parse::<Decimal>().unwrap_or_default());
        let (real, _) = store
            .import_touchpoints(&org, &changed, &import("h2"), false, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(real, counts(1, 1, 899), "{backend}");

        // Another organisation sees none of it.
        let other = org_of(store.as_ref(), "b@example.com").await;
        let theirs = store
            .touchpoints_in_window(&other, None, 0, i64::MAX)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(theirs.is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn an_import_that_fails_writes_nothing() {
    for (backend, store) in stores().await {
        let org = org_of(store.as_ref(), "a@example.com").await;
        let mut rows = journeys(200);
        // The last row names a campaign that does not exist: the foreign key fails the batch
        // after 599 rows were already sent.
        rows.push(StoredTouchpoint {
            campaign_id: Some(CampaignId::new("missing")),
            ..tp("zzz", 0, TouchKind::Touch, "meta", "0")
        });
        let result = store
            .import_touchpoints(&org, &rows, &import("h"), false, now())
            .await;
        assert!(result.is_err(), "{backend}");
        let all = store
            .touchpoints_in_window(&org, None, 0, i64::MAX)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(all.is_empty(), "{backend}: {} rows leaked", all.len());
        // A value beyond the micros range fails before anything is written.
        let mut huge = journeys(2);
        huge[2].value = Decimal::MAX;
        assert!(
            store
                .import_touchpoints(&org, &huge, &import("h"), false, now())
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn the_window_keeps_whole_journeys_up_to_its_end_and_campaign_tags_scope_rows() {
    for (backend, store) in stores().await {
        let org = org_of(store.as_ref(), "a@example.com").await;
        let spec = plain_spec("C");
        let mine = store
            .create_campaign(&org, &spec, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let other = store
            .create_campaign(&org, &spec, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let tagged = |row: StoredTouchpoint, c: &CampaignId| StoredTouchpoint {
            campaign_id: Some(c.clone()),
            ..row
        };
        let rows = vec![
            // Journey a: a touch before the window, a conversion inside, a touch after.
            tp("a", 5 * SEC, TouchKind::Touch, "meta", "0"),
            tp("a", 15 * SEC, TouchKind::Conversion, "", "10"),
            tp("a", 25 * SEC, TouchKind::Touch, "meta", "0"),
            // Journey b: entirely before the window.
            tp("b", SEC, TouchKind::Touch, "meta", "0"),
            // Journey c: tagged with the other campaign.
            tagged(tp("c", 12 * SEC, TouchKind::Touch, "meta", "0"), &other.id),
            // Journey d: tagged with this campaign; touch and conversion at the same instant.
            tagged(tp("d", 12 * SEC, TouchKind::Conversion, "", "5"), &mine.id),
            tagged(tp("d", 12 * SEC, TouchKind::Touch, "google", "0"), &mine.id),
        ];
        let any = |o: OrgId| {
            let store = store.clone();
            async move {
                store
                    .has_touchpoints(&o)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        assert!(!any(org.clone()).await, "{backend}");
        store
            .import_touchpoints(&org, &rows, &import("h"), false, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(any(org.clone()).await, "{backend}");
        let stranger = org_of(store.as_ref(), "b@example.com").await;
        assert!(!any(stranger).await, "{backend}");
        let found = store
            .touchpoints_in_window(&org, Some(&mine.id), 10 * SEC, 20 * SEC)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let keys: Vec<(&str, i64, TouchKind)> = found
            .iter()
            .map(|t| (t.journey_id.as_str(), t.at_nanos / SEC, t.kind))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("a", 5, TouchKind::Touch),
                ("a", 15, TouchKind::Conversion),
                ("d", 12, TouchKind::Touch),
                ("d", 12, TouchKind::Conversion),
            ],
            "{backend}"
        );
        let all = store
            .touchpoints_in_window(&org, None, 10 * SEC, 20 * SEC)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(all.len(), 5, "{backend}");
        // A deleted campaign's touchpoints go with it: they do not become untagged rows that
        // every other campaign would count.
        assert!(
            store
                .delete_campaign(&org, &other.id)
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        let mine_now = store
            .touchpoints_in_window(&org, Some(&mine.id), 10 * SEC, 20 * SEC)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(mine_now, found, "{backend}");
        let all = store
            .touchpoints_in_window(&org, None, 10 * SEC, 20 * SEC)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(all.len(), 4, "{backend}");
    }
}

#[tokio::test]
async fn a_campaign_model_is_set_per_campaign_within_its_organisation() {
    for (backend, store) in stores().await {
        let org = org_of(store.as_ref(), "a@example.com").await;
        let stranger = org_of(store.as_ref(), "b@example.com").await;
        let spec = plain_spec("C");
        let c = store
            .create_campaign(&org, &spec, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let get = |o: OrgId| {
            let store = store.clone();
            let id = c.id.clone();
            async move {
                store
                    .attribution_model(&o, &id)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        assert_eq!(get(org.clone()).await, None, "{backend}");
        assert!(
            !store
                .set_attribution_model(&stranger, &c.id, "linear", now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        assert!(
            store
                .set_attribution_model(&org, &c.id, "markov", now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        assert!(
            store
                .set_attribution_model(&org, &c.id, "linear", now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        assert_eq!(
            get(org.clone()).await.as_deref(),
            Some("linear"),
            "{backend}"
        );
        assert_eq!(get(stranger.clone()).await, None, "{backend}");

        // The basis: choosing a model made attribution the basis; setting the basis keeps the
        // model; another organisation neither reads nor writes it.
        let basis = |o: OrgId| {
            let store = store.clone();
            let id = c.id.clone();
            async move {
                store
                    .revenue_basis(&o, &id)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        let pair = |b: &str, m: &str| Some((b.to_owned(), m.to_owned()));
        assert_eq!(
            basis(org.clone()).await,
            pair("attribution", "linear"),
            "{backend}"
        );
        assert!(
            !store
                .set_revenue_basis(&stranger, &c.id, "platform_reported", "last_touch", now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        assert!(
            store
                .set_revenue_basis(&org, &c.id, "platform_reported", "last_touch", now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        assert_eq!(
            basis(org.clone()).await,
            pair("platform_reported", "linear"),
            "{backend}"
        );
        assert_eq!(basis(stranger.clone()).await, None, "{backend}");
        assert!(
            store
                .set_attribution_model(&org, &c.id, "markov", now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        assert_eq!(
            basis(org.clone()).await,
            pair("attribution", "markov"),
            "{backend}"
        );

        // A campaign without a setting takes the model given with its first basis.
        let other = store
            .create_campaign(&org, &spec, now())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(
            store
                .set_revenue_basis(&org, &other.id, "platform_reported", "last_touch", now())
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"))
        );
        assert_eq!(
            store
                .revenue_basis(&org, &other.id)
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}")),
            pair("platform_reported", "last_touch"),
            "{backend}"
        );

        // The organisation's bases in one read: both campaigns, the stranger's none.
        let mut want = vec![
            (c.id.clone(), "attribution".to_owned(), "markov".to_owned()),
            (
                other.id.clone(),
                "platform_reported".to_owned(),
                "last_touch".to_owned(),
            ),
        ];
        want.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        let all = |o: OrgId| {
            let store = store.clone();
            async move {
                store
                    .org_revenue_bases(&o)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        assert_eq!(all(org.clone()).await, want, "{backend}");
        assert!(all(stranger.clone()).await.is_empty(), "{backend}");
    }
}

/// Marketing-mix runs (`mmm_runs`): kept per organisation, newest first, at most
/// `MAX_MMM_RUNS`; the newest run on one campaign alone is found without reading the others.
#[tokio::test]
async fn model_runs_are_kept_per_organisation_and_found_per_campaign() {
    use spendlens_store::{MAX_MMM_RUNS, NewMmmRun};
    for (backend, store) in stores().await {
        let org = org_of(store.as_ref(), "a@example.com").await;
        let stranger = org_of(store.as_ref(), "b@example.com").await;
        let (a, b) = (CampaignId::new("ca"), CampaignId::new("cb"));
        let run = |campaigns: Vec<CampaignId>, tag: &str| NewMmmRun {
            campaigns,
            data_version: "v".into(),
            request: "{}".into(),
            result: format!("{{\"tag\": \"{tag}\"}}"),
        };
        let at = |minutes: i64| now() + chrono::Duration::minutes(minutes);
        let save = |r: NewMmmRun, minutes: i64| {
            let store = store.clone();
            let org = org.clone();
            async move {
                store
                    .save_mmm_run(&org, &r, at(minutes))
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        let first = save(run(vec![a.clone()], "a1"), 0).await;
        save(run(vec![a.clone(), b.clone()], "ab"), 1).await;
        let newest_a = save(run(vec![a.clone()], "a2"), 2).await;
        save(run(vec![b.clone()], "b1"), 3).await;

        let found = store
            .newest_mmm_run_of(&org, &a)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(found.map(|r| r.id), Some(newest_a.id.clone()), "{backend}");
        assert_eq!(
            store.newest_mmm_run_of(&stranger, &a).await.ok().flatten(),
            None,
            "{backend}"
        );
        let listed = store
            .mmm_runs(&org)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let tags: Vec<&str> = listed.iter().map(|r| r.result.as_str()).collect();
        assert_eq!(
            tags,
            [
                "{\"tag\": \"b1\"}",
                "{\"tag\": \"a2\"}",
                "{\"tag\": \"ab\"}",
                "{\"tag\": \"a1\"}"
            ],
            "{backend}"
        );
        assert_eq!(listed[2].campaigns, vec![a.clone(), b.clone()]);
        assert!(
            store
                .mmm_runs(&stranger)
                .await
                .unwrap_or_default()
                .is_empty()
        );
        assert_eq!(
            store.mmm_run(&stranger, &first.id).await.ok().flatten(),
            None,
            "{backend}"
        );

        // Past the cap the oldest goes.
        for i in 0..MAX_MMM_RUNS {
            save(
                run(vec![b.clone()], "more"),
                10 + i64::try_from(i).unwrap_or(0),
            )
            .await;
        }
        let listed = store.mmm_runs(&org).await.unwrap_or_default();
        assert_eq!(listed.len(), MAX_MMM_RUNS, "{backend}");
        assert_eq!(
            store.mmm_run(&org, &first.id).await.ok().flatten(),
            None,
            "{backend}"
        );
        assert_eq!(
            store.newest_mmm_run_of(&org, &a).await.ok().flatten(),
            None,
            "{backend}"
        );
    }
}
