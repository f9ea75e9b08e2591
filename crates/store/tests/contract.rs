//! One story per behaviour, run against each backend.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, CampaignSpec, OrgId, PlatformSettings};
use spendlens_core::daily::DailyRow;
use spendlens_store::{ImportRecord, StoreError, StoredSnapshot, UpsertCounts};

use crate::support::{stores, stores_and_memory};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn spec(name: &str) -> CampaignSpec {
    CampaignSpec {
        name: name.into(),
        currency: "USD".into(),
        budget: Some(d("15000.00")),
        start_date: Some(day("2026-11-01")),
        end_date: Some(day("2026-12-15")),
        time_zone: "Europe/London".into(),
    }
}

fn row(date: &str, platform: Platform, spend: &str, conversions: &str) -> DailyRow {
    DailyRow {
        spend: d(spend),
        conversions: d(conversions),
        clicks: 10,
        impressions: 1000,
        ..DailyRow::empty(day(date), platform, "ext-1")
    }
}

/// What an upsert did: rows new, changed and unchanged (nothing removed).
fn counts(inserted: u64, updated: u64, unchanged: u64) -> UpsertCounts {
    UpsertCounts {
        inserted,
        updated,
        unchanged,
        removed: 0,
    }
}

fn ok<T>(r: Result<T, StoreError>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {e}"))
}

#[tokio::test]
async fn accounts_sessions_and_tokens() {
    for (name, store) in stores().await {
        let p = ok(
            store
                .create_account("Ana@Example.com", "hash", "Acme", now())
                .await,
            name,
        );
        let dup = store
            .create_account("ana@example.com", "hash2", "Other", now())
            .await;
        assert!(
            matches!(dup, Err(StoreError::Conflict("email"))),
            "{name}: {dup:?}"
        );
        let creds = ok(store.credentials(" ANA@example.COM ").await, name);
        assert_eq!(
            creds.map(|c| (c.org_id, c.password_hash)),
            Some((p.org_id.clone(), "hash".to_owned()))
        );

        ok(
            store
                .create_session("s1", &p, now(), now() + Duration::hours(1))
                .await,
            name,
        );
        assert_eq!(ok(store.session("s1", now()).await, name), Some(p.clone()));
        assert_eq!(
            ok(store.session("s1", now() + Duration::hours(2)).await, name),
            None,
            "{name}: expired"
        );
        ok(store.delete_session("s1").await, name);
        assert_eq!(
            ok(store.session("s1", now()).await, name),
            None,
            "{name}: deleted"
        );

        ok(
            store.create_api_token("ci", "t1", &p, now(), None).await,
            name,
        );
        assert_eq!(
            ok(store.api_token("t1", now()).await, name).map(|t| t.principal),
            Some(p)
        );
        assert_eq!(ok(store.api_token("t2", now()).await, name), None);
    }
}

#[tokio::test]
async fn campaigns_are_scoped_to_their_organisation() {
    for (name, store) in stores().await {
        let a = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let b = ok(store.create_account("b@x.io", "h", "B", now()).await, name).org_id;
        let c = ok(store.create_campaign(&a, &spec("Q4"), now()).await, name);
        assert_eq!(
            ok(store.campaign(&a, &c.id).await, name),
            Some(c.clone()),
            "{name}"
        );
        assert_eq!(ok(store.list_campaigns(&a).await, name).len(), 1);
        // Organisation B sees nothing and can change nothing.
        assert_eq!(ok(store.campaign(&b, &c.id).await, name), None, "{name}");
        assert!(ok(store.list_campaigns(&b).await, name).is_empty());
        assert_eq!(
            ok(
                store.update_campaign(&b, &c.id, &spec("x"), now()).await,
                name
            ),
            None
        );
        assert!(!ok(store.delete_campaign(&b, &c.id).await, name));
        assert_eq!(ok(store.settings(&b, &c.id).await, name), None);
        assert!(!ok(
            store
                .put_settings(&b, &c.id, &PlatformSettings::default(), now())
                .await,
            name
        ));
        let rows = [row("2026-11-02", Platform::Meta, "1", "1")];
        assert_eq!(
            ok(store.upsert_rows(&b, &c.id, &rows, None, now()).await, name),
            None
        );
        assert!(
            ok(
                store.platform_totals(&b, &c.id, day("2026-12-31")).await,
                name
            )
            .is_empty()
        );
        assert!(
            ok(
                store.platform_totals(&a, &c.id, day("2026-12-31")).await,
                name
            )
            .is_empty()
        );
        // Updates and settings by the owner.
        let updated = ok(
            store
                .update_campaign(&a, &c.id, &spec("Q4 renamed"), now())
                .await,
            name,
        );
        assert_eq!(updated.map(|u| u.spec.name), Some("Q4 renamed".into()));
        let settings = PlatformSettings {
            linkedin_conversion_value: Some(d("120")),
            ga4_average_order_value: None,
            custom_integration_average_order_value: Some(d("95.5")),
        };
        assert!(ok(
            store.put_settings(&a, &c.id, &settings, now()).await,
            name
        ));
        assert_eq!(
            ok(store.settings(&a, &c.id).await, name),
            Some(settings.clone())
        );
        // The organisation's settings in one read: a campaign never given any has the defaults;
        // another organisation's are not among them.
        let plain = ok(store.create_campaign(&a, &spec("Plain"), now()).await, name);
        let mut want = vec![
            (c.id.clone(), settings.clone()),
            (plain.id.clone(), PlatformSettings::default()),
        ];
        want.sort_by(|x, y| x.0.as_str().cmp(y.0.as_str()));
        assert_eq!(ok(store.org_settings(&a).await, name), want);
        assert!(
            ok(store.org_settings(&b).await, name)
                .iter()
                .all(|(id, _)| id != &c.id && id != &plain.id)
        );
        assert!(ok(store.delete_campaign(&a, &c.id).await, name));
        assert_eq!(ok(store.campaign(&a, &c.id).await, name), None);
        let unknown = CampaignId::new("nope");
        assert_eq!(ok(store.campaign(&a, &unknown).await, name), None);
        let _ = OrgId::new("unused");
    }
}

#[tokio::test]
async fn upserts_never_double_count_and_totals_are_exact() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec("Q4"), now()).await, name);
        let mut rows = vec![
            row("2026-11-01", Platform::Meta, "100.10", "1.5"),
            row("2026-11-02", Platform::Meta, "200.20", "2.25"),
            row("2026-11-02", Platform::LinkedIn, "0.01", "0"),
        ];
        rows[1].revenue = Some(d("500.05"));
        rows[1].conversion_value = Some(d("40"));
        let import = ImportRecord {
            source: "canonical_csv".into(),
            file_name: Some("a.csv".into()),
            content_hash: Some("ab".into()),
            detail: None,
        };
        let first = ok(
            store
                .upsert_rows(&org, &c.id, &rows, Some(&import), now())
                .await,
            name,
        );
        assert_eq!(first, Some(counts(3, 0, 0)), "{name}");
        let again = ok(
            store.upsert_rows(&org, &c.id, &rows, None, now()).await,
            name,
        );
        assert_eq!(again, Some(counts(0, 0, 3)), "{name}");
        rows[0].spend = d("100.11");
        let changed = ok(
            store.upsert_rows(&org, &c.id, &rows, None, now()).await,
            name,
        );
        assert_eq!(changed, Some(counts(0, 1, 2)), "{name}");

        let totals = ok(
            store.platform_totals(&org, &c.id, day("2026-11-30")).await,
            name,
        );
        assert_eq!(totals.len(), 2, "{name}");
        let meta = totals
            .iter()
            .find(|t| t.platform == Platform::Meta)
            .cloned();
        let meta = meta.unwrap_or_else(|| panic!("{name}: no meta"));
        assert_eq!(meta.spend, d("300.31"), "{name}");
        assert_eq!(meta.conversions, d("3.75"), "{name}");
        assert_eq!(meta.revenue, Some(d("500.05")), "{name}");
        assert_eq!(meta.conversion_value, Some(d("40")), "{name}");
        assert_eq!((meta.clicks, meta.impressions, meta.days), (20, 2000, 2));
        let li = totals
            .iter()
            .find(|t| t.platform == Platform::LinkedIn)
            .map(|t| (t.spend, t.revenue));
        assert_eq!(li, Some((d("0.01"), None)), "{name}");

        // Only days up to the as-of date count.
        let early = ok(
            store.platform_totals(&org, &c.id, day("2026-11-01")).await,
            name,
        );
        assert_eq!(
            early.iter().map(|t| t.spend).collect::<Vec<_>>(),
            vec![d("100.11")],
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_batch_with_an_unstorable_value_writes_nothing() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec("Q4"), now()).await, name);
        let rows = [
            row("2026-11-01", Platform::Meta, "1", "1"),
            row("2026-11-02", Platform::Meta, "99999999999999", "1"),
        ];
        assert!(
            store
                .upsert_rows(&org, &c.id, &rows, None, now())
                .await
                .is_err(),
            "{name}"
        );
        assert!(
            ok(
                store.platform_totals(&org, &c.id, day("2026-12-01")).await,
                name
            )
            .is_empty(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn snapshots_are_written_once_and_found_by_proximity() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let other = ok(store.create_account("b@x.io", "h", "B", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec("Q4"), now()).await, name);
        let snap = |date: &str, spend: &str| StoredSnapshot {
            date: day(date),
            spend: d(spend),
            impressions: 10,
            clicks: 2,
            conversions: d("1.5"),
            revenue: d("12.34"),
            aov: d("110"),
        };
        assert_eq!(
            ok(store.last_snapshot_date(&org, &c.id).await, name),
            None,
            "{name}: no snapshot yet"
        );
        assert!(ok(
            store
                .write_snapshot(&c.id, &snap("2026-11-10", "100"), now())
                .await,
            name
        ));
        assert!(
            !ok(
                store
                    .write_snapshot(&c.id, &snap("2026-11-10", "999"), now())
                    .await,
                name
            ),
            "{name}: written twice"
        );
        assert!(ok(
            store
                .write_snapshot(&c.id, &snap("2026-11-14", "140"), now())
                .await,
            name
        ));
        let closest = |date: &str| {
            let store = store.clone();
            let (org, id) = (org.clone(), c.id.clone());
            let date = day(date);
            async move {
                store
                    .snapshot_closest(&org, &id, date)
                    .await
                    .ok()
                    .flatten()
                    .map(|s| s.spend)
            }
        };
        assert_eq!(closest("2026-11-10").await, Some(d("100")), "{name}");
        assert_eq!(closest("2026-11-11").await, Some(d("100")), "{name}");
        // A tie (2 days each way) takes the earlier snapshot.
        assert_eq!(closest("2026-11-12").await, Some(d("100")), "{name}");
        assert_eq!(closest("2026-11-13").await, Some(d("140")), "{name}");
        assert_eq!(closest("2026-12-30").await, Some(d("140")), "{name}");
        assert_eq!(closest("2026-01-01").await, Some(d("100")), "{name}");
        assert_eq!(
            ok(
                store
                    .snapshot_closest(&other, &c.id, day("2026-11-10"))
                    .await,
                name
            ),
            None
        );
        let all = ok(store.snapshots(&org, &c.id).await, name);
        assert_eq!(
            all.iter().map(|s| s.spend).collect::<Vec<_>>(),
            vec![d("100"), d("140")]
        );
        assert_eq!(all[0].revenue, d("12.34"));
        assert_eq!(
            ok(store.last_snapshot_date(&org, &c.id).await, name),
            Some(all[1].date),
            "{name}"
        );
        assert_eq!(
            ok(store.last_snapshot_date(&other, &c.id).await, name),
            None,
            "{name}: another organisation's campaign"
        );
    }
}

#[tokio::test]
async fn a_job_run_is_claimed_once() {
    for (name, store) in stores().await {
        assert!(ok(
            store
                .claim_job_run("snapshot", "2026-11-21", "a", now())
                .await,
            name
        ));
        assert!(!ok(
            store
                .claim_job_run("snapshot", "2026-11-21", "b", now())
                .await,
            name
        ));
        assert!(ok(
            store
                .claim_job_run("snapshot", "2026-11-22", "b", now())
                .await,
            name
        ));
    }
}

#[tokio::test]
async fn an_import_is_all_or_nothing_and_idempotent() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let other = ok(store.create_account("b@x.io", "h", "B", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec("Q4"), now()).await, name);
        let record = ImportRecord {
            source: "canonical_csv".into(),
            file_name: Some("big.csv".into()),
            content_hash: Some("h".into()),
            detail: None,
        };
        assert!(
            ok(
                store.begin_import(&other, &c.id, &record, now()).await,
                name
            )
            .is_none(),
            "{name}: other org"
        );

        // 1,234 rows over three batches, with a key repeated inside a batch (the last one wins).
        let mut rows: Vec<DailyRow> = (0..1234)
            .map(|i| DailyRow {
                external_campaign_id: format!("c{}", i % 7),
                ..row("2026-01-01", Platform::Meta, "1.25", "0.5")
            })
            .collect();
        for (i, r) in rows.iter_mut().enumerate() {
            r.date = day("2024-01-01") + Duration::days(i64::try_from(i).unwrap_or(0));
        }
        let mut dup = rows[10].clone();
        dup.spend = d("9.75");
        rows.insert(11, dup);

        // Abandoned: nothing is visible.
        let mut w = ok(store.begin_import(&org, &c.id, &record, now()).await, name)
            .unwrap_or_else(|| panic!("campaign"));
        ok(w.write(&rows[..600]).await, name);
        drop(w);
        assert!(
            ok(
                store.platform_totals(&org, &c.id, day("2030-01-01")).await,
                name
            )
            .is_empty(),
            "{name}: rolled back"
        );

        for round in 0..2 {
            let mut w = ok(store.begin_import(&org, &c.id, &record, now()).await, name)
                .unwrap_or_else(|| panic!("campaign"));
            for batch in rows.chunks(450) {
                ok(w.write(batch).await, name);
            }
            let committed = ok(w.commit(None).await, name);
            // The first round stores 1,234 keys; the second finds each as it is.
            let expected = if round == 0 {
                counts(1234, 0, 0)
            } else {
                counts(0, 0, 1234)
            };
            assert_eq!(committed.counts, expected, "{name} round {round}");
            let totals = ok(
                store.platform_totals(&org, &c.id, day("2030-01-01")).await,
                name,
            );
            // 1,234 distinct days: 1,233 at 1.25 (1,541.25) and the duplicated day at 9.75.
            assert_eq!(totals.len(), 1, "{name}");
            assert_eq!(
                (totals[0].days, totals[0].spend),
                (1234, d("1551.00")),
                "{name} round {round}"
            );
        }

        // One value changed (a missing revenue becoming one counts as a change), one key new,
        // the rest as stored.
        let mut changed = rows[100..110].to_vec();
        changed[0].revenue = Some(d("3.00"));
        changed[1].spend = d("1.26");
        let mut fresh = changed[2].clone();
        fresh.external_campaign_id = "new".into();
        changed.push(fresh);
        let mut w = ok(store.begin_import(&org, &c.id, &record, now()).await, name)
            .unwrap_or_else(|| panic!("campaign"));
        ok(w.write(&changed).await, name);
        let committed = ok(w.commit(None).await, name);
        assert_eq!(
            committed.counts,
            counts(1, 2, 8),
            "{name}: a partial re-import"
        );
    }
}

#[tokio::test]
async fn totals_up_to_any_day_equal_the_sum_of_the_days() {
    for (name, store) in stores().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec("Q4"), now()).await, name);
        let start = day("2026-01-20");
        let mut rows: Vec<DailyRow> = (0..100i64)
            .flat_map(|i| {
                let date = start + Duration::days(i);
                [Platform::Meta, Platform::GoogleAds].map(|p| DailyRow {
                    date,
                    spend: Decimal::new(1000 + i * 7, 2),
                    conversions: Decimal::new(i % 5, 1),
                    clicks: u64::try_from(i).unwrap_or(0),
                    revenue: (p == Platform::GoogleAds && i % 3 == 0)
                        .then(|| Decimal::new(i * 100, 2)),
                    ..DailyRow::empty(date, p, "x")
                })
            })
            .collect();
        ok(
            store.upsert_rows(&org, &c.id, &rows, None, now()).await,
            name,
        );
        // A correction in a closed month, through the import path this time.
        rows[6].spend = d("999.99");
        let record = ImportRecord {
            source: "canonical_csv".into(),
            file_name: None,
            content_hash: None,
            detail: None,
        };
        let mut w = ok(store.begin_import(&org, &c.id, &record, now()).await, name)
            .unwrap_or_else(|| panic!("campaign"));
        ok(w.write(&rows[6..7]).await, name);
        ok(w.commit(None).await, name);

        for offset in [-1i64, 0, 10, 11, 12, 38, 39, 40, 67, 68, 70, 99, 100, 400] {
            let up_to = start + Duration::days(offset);
            let expected: Decimal = rows
                .iter()
                .filter(|r| r.date <= up_to)
                .map(|r| r.spend)
                .sum();
            let expected_revenue: Option<Decimal> = rows
                .iter()
                .filter(|r| r.date <= up_to && r.platform == Platform::GoogleAds)
                .filter_map(|r| r.revenue)
                .reduce(|a, b| a + b);
            let totals = ok(store.platform_totals(&org, &c.id, up_to).await, name);
            let got: Decimal = totals.iter().map(|t| t.spend).sum();
            assert_eq!(got, expected, "{name}: spend up to {up_to}");
            let days: u64 = totals.iter().map(|t| t.days).sum();
            assert_eq!(
                days,
                rows.iter().filter(|r| r.date <= up_to).count() as u64,
                "{name}: days up to {up_to}"
            );
            let revenue = totals
                .iter()
                .find(|t| t.platform == Platform::GoogleAds)
                .and_then(|t| t.revenue);
            assert_eq!(revenue, expected_revenue, "{name}: revenue up to {up_to}");
            assert!(
                totals
                    .iter()
                    .all(|t| t.platform != Platform::Meta || t.revenue.is_none())
            );
        }
    }
}

#[tokio::test]
async fn the_daily_series_sums_external_campaigns_per_day_and_platform() {
    for (name, store) in stores_and_memory().await {
        let org = ok(store.create_account("a@x.io", "h", "A", now()).await, name).org_id;
        let other = ok(store.create_account("b@x.io", "h", "B", now()).await, name).org_id;
        let c = ok(store.create_campaign(&org, &spec("Q4"), now()).await, name);
        let mut second = row("2026-11-02", Platform::Meta, "0.05", "0.5");
        second.external_campaign_id = "ext-2".into();
        second.revenue = Some(d("7.25"));
        second.currency = Some("USD".into());
        let rows = [
            row("2026-11-01", Platform::Meta, "10.10", "1"),
            row("2026-11-02", Platform::Meta, "20.20", "2"),
            second,
            row("2026-11-02", Platform::LinkedIn, "5.00", "0"),
            row("2026-11-03", Platform::Meta, "30.30", "3"),
        ];
        ok(
            store.upsert_rows(&org, &c.id, &rows, None, now()).await,
            name,
        );
        let series = ok(
            store
                .daily_series(&org, &c.id, day("2026-11-02"), day("2026-11-02"))
                .await,
            name,
        );
        let got: Vec<_> = series
            .iter()
            .map(|r| {
                (
                    r.date,
                    r.platform,
                    r.spend,
                    r.conversions,
                    r.clicks,
                    r.revenue,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    day("2026-11-02"),
                    Platform::LinkedIn,
                    d("5.00"),
                    d("0"),
                    10,
                    None
                ),
                (
                    day("2026-11-02"),
                    Platform::Meta,
                    d("20.25"),
                    d("2.5"),
                    20,
                    Some(d("7.25"))
                ),
            ],
            "{name}: one row per platform, bounds inclusive, ordered"
        );
        let currencies: Vec<Option<&str>> = series.iter().map(|r| r.currency.as_deref()).collect();
        assert_eq!(
            currencies,
            [None, Some("USD")],
            "{name}: a day's currency is the one its rows give"
        );
        let all = ok(
            store
                .daily_series(&org, &c.id, day("2026-11-01"), day("2026-11-03"))
                .await,
            name,
        );
        assert_eq!(all.len(), 4, "{name}");
        assert!(
            ok(
                store
                    .daily_series(&other, &c.id, day("2026-11-01"), day("2026-11-03"))
                    .await,
                name
            )
            .is_empty(),
            "{name}: another organisation sees nothing"
        );
    }
}
