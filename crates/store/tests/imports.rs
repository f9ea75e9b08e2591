//! Streamed imports at the sizes where the spool sorts in several runs and the merge writes in
//! several batches (see the store's `spool.rs` and `staging.rs`), on each backend.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, CampaignSpec, OrgId};
use spendlens_core::daily::DailyRow;
use spendlens_store::{ImportRecord, Store, StoreError, UpsertCounts};

use crate::support::stores;

/// More keys than one sorted run of the spool holds (16,384 rows) and than one statement of
/// the SQLite merge writes (2,000 rows).
const KEYS: usize = 20_000;

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

fn record() -> ImportRecord {
    ImportRecord {
        source: "canonical_csv".into(),
        file_name: Some("big.csv".into()),
        content_hash: None,
        detail: None,
    }
}

/// Key `k` (2,000 days from 2022-01-01 × 10 campaigns, two platforms) with `spend` cents.
fn keyed(k: usize, spend: i64) -> DailyRow {
    let date = day("2022-01-01") + Duration::days(i64::try_from(k % 2000).unwrap_or(0));
    let platform = if k.is_multiple_of(3) {
        Platform::GoogleAds
    } else {
        Platform::Meta
    };
    DailyRow {
        spend: Decimal::new(spend, 2),
        clicks: 1,
        impressions: 10,
        ..DailyRow::empty(date, platform, format!("c{}", k / 2000))
    }
}

/// A campaign of a new account named `who`.
async fn campaign(store: &dyn Store, who: &str, name: &str) -> (OrgId, CampaignId) {
    let email = format!("{who}@x.io");
    let org = ok(store.create_account(&email, "h", who, now()).await, name).org_id;
    let spec = CampaignSpec {
        name: "Imports".into(),
        currency: "USD".into(),
        budget: None,
        start_date: None,
        end_date: None,
        time_zone: "UTC".into(),
    };
    let c = ok(store.create_campaign(&org, &spec, now()).await, name);
    (org, c.id)
}

/// Imports `rows` in batches of `batch` rows; the commit's counts.
async fn import(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    rows: &[DailyRow],
    batch: usize,
    name: &str,
) -> Result<UpsertCounts, StoreError> {
    let mut w = ok(store.begin_import(org, id, &record(), now()).await, name)
        .unwrap_or_else(|| panic!("{name}: campaign"));
    for chunk in rows.chunks(batch) {
        w.write(chunk).await?;
    }
    Ok(w.commit(None).await?.counts)
}

/// The campaign's spend and row count over every day.
async fn spend(store: &dyn Store, org: &OrgId, id: &CampaignId, name: &str) -> (Decimal, u64) {
    let totals = ok(
        store.platform_totals(org, id, day("2030-01-01")).await,
        name,
    );
    let days = ok(
        store
            .daily_series(org, id, day("2000-01-01"), day("2030-01-01"))
            .await,
        name,
    );
    let rows = u64::try_from(days.len()).unwrap_or(0);
    (totals.iter().map(|t| t.spend).sum(), rows)
}

#[tokio::test]
async fn the_last_row_of_a_repeated_key_wins_across_batches_and_spool_runs() {
    for (name, store) in stores().await {
        let (org, id) = campaign(store.as_ref(), "i", name).await;
        // Every key at 1 cent, then again at its final value: the second rows come one or two
        // sorted runs later. Key 7 also repeats inside one batch, its last row 3 cents.
        let mut rows: Vec<DailyRow> = (0..KEYS).map(|k| keyed(k, 1)).collect();
        rows.extend((0..KEYS).map(|k| keyed(k, 2)));
        rows.insert(KEYS + 8, keyed(7, 3));
        let counts = ok(
            import(store.as_ref(), &org, &id, &rows, 3000, name).await,
            name,
        );
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 20_000,
                updated: 0,
                unchanged: 0,
                removed: 0
            },
            "{name}"
        );
        // 19,999 keys at 2 cents and key 7 at 3 cents.
        let (total, _) = spend(store.as_ref(), &org, &id, name).await;
        assert_eq!(total, Decimal::new(19_999 * 2 + 3, 2), "{name}");
    }
}

#[tokio::test]
async fn a_re_import_counts_its_new_changed_and_unchanged_rows() {
    for (name, store) in stores().await {
        let (org, id) = campaign(store.as_ref(), "i", name).await;
        let first: Vec<DailyRow> = (0..KEYS).map(|k| keyed(k, 100)).collect();
        ok(
            import(store.as_ref(), &org, &id, &first, 5000, name).await,
            name,
        );

        // The same file again: nothing changed.
        let counts = ok(
            import(store.as_ref(), &org, &id, &first, 7000, name).await,
            name,
        );
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 0,
                updated: 0,
                unchanged: 20_000,
                removed: 0
            },
            "{name}: the same file"
        );

        // Every third key changed, a missing revenue becoming one on key 1, and 5,000 keys
        // new (the campaigns c10 to c12 of the same days).
        let mut second: Vec<DailyRow> = (0..KEYS)
            .map(|k| keyed(k, if k.is_multiple_of(3) { 150 } else { 100 }))
            .collect();
        second[1].revenue = Some(Decimal::ONE);
        second.extend((KEYS..KEYS + 5000).map(|k| keyed(k, 10)));
        let counts = ok(
            import(store.as_ref(), &org, &id, &second, 4096, name).await,
            name,
        );
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 5000,
                updated: 6667 + 1,
                unchanged: 20_000 - 6667 - 1,
                removed: 0
            },
            "{name}: a changed file"
        );
        let (total, _) = spend(store.as_ref(), &org, &id, name).await;
        let expected = 6667 * 150 + (20_000 - 6667) * 100 + 5000 * 10;
        assert_eq!(
            total,
            Decimal::new(expected, 2),
            "{name}: the months re-summed"
        );
    }
}

#[tokio::test]
async fn an_import_into_new_months_keeps_the_months_already_stored() {
    for (name, store) in stores().await {
        let (org, id) = campaign(store.as_ref(), "i", name).await;
        // 2022-01-01 to 2027-06-23 at 1 cent, then a file of 2028 only (months the campaign
        // has no row in: the merge sums them itself), then one spanning both.
        let first: Vec<DailyRow> = (0..KEYS).map(|k| keyed(k, 1)).collect();
        ok(
            import(store.as_ref(), &org, &id, &first, 5000, name).await,
            name,
        );
        let later: Vec<DailyRow> = (0..366)
            .map(|i| DailyRow {
                spend: Decimal::new(5, 2),
                ..DailyRow::empty(day("2028-01-01") + Duration::days(i), Platform::Meta, "x")
            })
            .collect();
        let counts = ok(
            import(store.as_ref(), &org, &id, &later, 100, name).await,
            name,
        );
        assert_eq!(counts.inserted, 366, "{name}");
        let (total, _) = spend(store.as_ref(), &org, &id, name).await;
        assert_eq!(total, Decimal::new(20_000 + 366 * 5, 2), "{name}");

        let both = [keyed(0, 9), later[10].clone()];
        let counts = ok(
            import(store.as_ref(), &org, &id, &both, 1, name).await,
            name,
        );
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 0,
                updated: 1,
                unchanged: 1,
                removed: 0
            },
            "{name}"
        );
        let (total, _) = spend(store.as_ref(), &org, &id, name).await;
        assert_eq!(total, Decimal::new(20_000 + 366 * 5 + 8, 2), "{name}");
    }
}

#[tokio::test]
async fn an_abandoned_or_refused_import_leaves_nothing_behind() {
    for (name, store) in stores().await {
        let (org, id) = campaign(store.as_ref(), "i", name).await;
        let rows: Vec<DailyRow> = (0..KEYS).map(|k| keyed(k, 1)).collect();

        // Dropped after its rows were spooled: nothing is visible.
        let mut w = ok(store.begin_import(&org, &id, &record(), now()).await, name)
            .unwrap_or_else(|| panic!("{name}: campaign"));
        for chunk in rows.chunks(5000) {
            ok(w.write(chunk).await, name);
        }
        drop(w);
        assert_eq!(
            spend(store.as_ref(), &org, &id, name).await,
            (Decimal::ZERO, 0),
            "{name}: abandoned"
        );

        // The campaign deleted before the merge: refused, nothing written.
        let (org2, doomed) = campaign(store.as_ref(), "doomed", name).await;
        let mut w = ok(
            store.begin_import(&org2, &doomed, &record(), now()).await,
            name,
        )
        .unwrap_or_else(|| panic!("{name}: campaign"));
        ok(w.write(&rows).await, name);
        assert!(ok(store.delete_campaign(&org2, &doomed).await, name));
        match w.commit(None).await {
            Err(StoreError::NotFound(_)) => {}
            other => panic!("{name}: {other:?}"),
        }

        // The refused merge gave its connection back as it found it: the next import stores
        // every row.
        let counts = ok(
            import(store.as_ref(), &org, &id, &rows, 5000, name).await,
            name,
        );
        assert_eq!(counts.inserted, 20_000, "{name}");
        assert_eq!(
            spend(store.as_ref(), &org, &id, name).await.0,
            Decimal::new(20_000, 2),
            "{name}"
        );
    }
}

/// Rows under one platform and external campaign are listed and deleted together, the months
/// they were in re-summed: a closed month whose rows of a platform all went no longer counts
/// them (the month's old sum is not left behind), and another organisation reaches nothing.
#[tokio::test]
async fn rows_of_one_source_are_listed_and_deleted_with_their_months() {
    for (backend, store) in stores().await {
        let (org, id) = campaign(store.as_ref(), "sources", backend).await;
        let row = |d: &str, platform, name: &str, cents| DailyRow {
            spend: Decimal::new(cents, 2),
            ..DailyRow::empty(day(d), platform, name.to_owned())
        };
        let rows = vec![
            row("2026-09-10", Platform::Meta, "Camp A", 10_000),
            row("2026-10-01", Platform::Meta, "Camp A", 5_000),
            row("2026-09-10", Platform::Meta, "Camp A - renamed", 10_000),
            row("2026-10-01", Platform::Meta, "Camp A - renamed", 5_000),
            row("2026-09-11", Platform::GoogleAds, "Search", 2_500),
        ];
        ok(
            store.upsert_rows(&org, &id, &rows, None, now()).await,
            backend,
        );
        let listed = ok(store.row_sources(&org, &id).await, backend);
        let lines: Vec<(Platform, &str, u64, String)> = listed
            .iter()
            .map(|s| {
                (
                    s.platform,
                    s.external_campaign_id.as_str(),
                    s.days,
                    s.spend.to_string(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                (Platform::GoogleAds, "Search", 1, "25".to_owned()),
                (Platform::Meta, "Camp A", 2, "150".to_owned()),
                (Platform::Meta, "Camp A - renamed", 2, "150".to_owned()),
            ],
            "{backend}"
        );
        assert_eq!(
            (listed[1].first, listed[1].last),
            (day("2026-09-10"), day("2026-10-01"))
        );
        let (stranger, _) = campaign(store.as_ref(), "stranger", backend).await;
        assert!(ok(store.row_sources(&stranger, &id).await, backend).is_empty());
        assert_eq!(
            ok(
                store
                    .delete_rows(&stranger, &id, Platform::Meta, "Camp A", None)
                    .await,
                backend
            ),
            None
        );

        let meta = |store: std::sync::Arc<dyn Store>, org: OrgId, id: CampaignId| async move {
            ok(
                store.platform_totals(&org, &id, day("2026-11-30")).await,
                "totals",
            )
            .iter()
            .find(|t| t.platform == Platform::Meta)
            .map(|t| t.spend.to_string())
            .unwrap_or_default()
        };
        assert_eq!(meta(store.clone(), org.clone(), id.clone()).await, "300");
        let deleted = store
            .delete_rows(&org, &id, Platform::Meta, "Camp A - renamed", None)
            .await;
        assert_eq!(ok(deleted, backend), Some(2));
        // September is a closed month: read from its sum, which no longer holds the rows.
        assert_eq!(
            meta(store.clone(), org.clone(), id.clone()).await,
            "150",
            "{backend}"
        );
        let deleted = store
            .delete_rows(&org, &id, Platform::Meta, "Camp A", None)
            .await;
        assert_eq!(ok(deleted, backend), Some(2));
        assert_eq!(
            meta(store.clone(), org.clone(), id.clone()).await,
            "",
            "{backend}"
        );
        let deleted = store
            .delete_rows(&org, &id, Platform::Meta, "Camp A", None)
            .await;
        assert_eq!(ok(deleted, backend), Some(0));
        assert_eq!(ok(store.row_sources(&org, &id).await, backend).len(), 1);
    }
}
