//! Sums beyond the money range (issue 13): the caps on a campaign's totals, checked inside the
//! write, and reads that stay exact over rows stored before the caps existed.
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignSpec, OrgId};
use spendlens_core::daily::DailyRow;
use spendlens_store::{ImportRecord, Store, StoreError};

use crate::support::{databases, store_of, stores};

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

fn spec() -> CampaignSpec {
    CampaignSpec {
        name: "Big".into(),
        currency: "USD".into(),
        budget: Some(d("15000")),
        start_date: Some(day("2026-09-01")),
        end_date: Some(day("2026-12-31")),
        time_zone: "UTC".into(),
    }
}

fn spend(date: &str, amount: &str) -> DailyRow {
    DailyRow {
        spend: d(amount),
        ..DailyRow::empty(day(date), Platform::Meta, "m1")
    }
}

fn field_of(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::OutOfRange { field, .. }) => field.to_owned(),
        other => format!("not refused: {other:?}"),
    }
}

async fn total_spend(
    store: &dyn Store,
    org: &OrgId,
    c: &spendlens_core::campaign::CampaignId,
) -> Decimal {
    store
        .platform_totals(org, c, day("2026-12-31"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(|t| t.spend)
        .sum()
}

#[tokio::test]
async fn a_campaign_total_beyond_the_cap_is_refused_inside_the_write() {
    for (name, store) in stores().await {
        let org = store
            .create_account("a@x.io", "h", "A", now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .org_id;
        let c = store
            .create_campaign(&org, &spec(), now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // The two rows of nine trillion: each alone is beyond the cap.
        let r = store
            .upsert_rows(
                &org,
                &c.id,
                &[spend("2026-09-03", "9000000000000")],
                None,
                now(),
            )
            .await;
        assert_eq!(field_of(r), "spend", "{name}");

        // 600 billion twice, in different months and writes: the second passes the cap.
        let first = store
            .upsert_rows(
                &org,
                &c.id,
                &[spend("2026-09-03", "600000000000")],
                None,
                now(),
            )
            .await;
        assert!(first.is_ok(), "{name}: {first:?}");
        let r = store
            .upsert_rows(
                &org,
                &c.id,
                &[spend("2026-10-03", "600000000000")],
                None,
                now(),
            )
            .await;
        assert_eq!(field_of(r), "spend", "{name}");
        // Through an import too, refused at the merge; the campaign keeps what it had.
        let record = ImportRecord {
            source: "canonical".into(),
            file_name: None,
            content_hash: None,
            detail: None,
        };
        let mut w = store
            .begin_import(&org, &c.id, &record, now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|| panic!("{name}: campaign"));
        w.write(&[spend("2026-11-03", "500000000000")])
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(field_of(w.commit(None).await), "spend", "{name}");
        assert_eq!(
            total_spend(store.as_ref(), &org, &c.id).await,
            d("600000000000"),
            "{name}"
        );

        // Replacing the stored row is a change of the total, not an addition: allowed.
        let replaced = store
            .upsert_rows(
                &org,
                &c.id,
                &[spend("2026-09-03", "999999999999")],
                None,
                now(),
            )
            .await;
        assert!(replaced.is_ok(), "{name}: {replaced:?}");
        // Counts are capped the same way, and a date outside the accepted range is refused.
        let mut clicks = spend("2026-11-04", "1");
        clicks.clicks = 1_000_000_000_000_001;
        let r = store.upsert_rows(&org, &c.id, &[clicks], None, now()).await;
        assert_eq!(field_of(r), "clicks", "{name}");
        for date in ["9999-01-01", "1999-12-31"] {
            let r = store
                .upsert_rows(&org, &c.id, &[spend(date, "1")], None, now())
                .await;
            assert_eq!(field_of(r), "date", "{name}: {date}");
        }
        assert_eq!(
            total_spend(store.as_ref(), &org, &c.id).await,
            d("999999999999"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn rows_stored_beyond_the_range_are_read_exactly() {
    for db in databases().await {
        let store = store_of(&db).await;
        let name = db.backend();
        let org = store
            .create_account("a@x.io", "h", "A", now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .org_id;
        let c = store
            .create_campaign(&org, &spec(), now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // As a database written before the caps could hold them: in two closed months and twice
        // on one day of the current month, nine million million million micros each (every
        // value fits an i64, no two of them add up inside one).
        let big = 9_000_000_000_000_000_000_i64;
        // The row's time as each backend stores it (SQLite: integer microseconds, migration 0018).
        let stamp = if name == "sqlite" {
            "1795262400000000"
        } else {
            "'2026-11-21T12:00:00Z'"
        };
        let mut sql = String::new();
        for (date, ext) in [
            ("2026-09-03", "a"),
            ("2026-10-03", "a"),
            ("2026-11-03", "a"),
            ("2026-11-03", "b"),
        ] {
            sql.push_str(&format!(
                "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, spend_micros, impressions, \
                 engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, currency, import_id, updated_at) \
                 VALUES ('{id}', 'meta', '{date}', '{ext}', {big}, {big}, 0, {big}, {big}, {big}, {big}, 'USD', NULL, {stamp});\n",
                id = c.id
            ));
        }
        for month in ["2026-09", "2026-10"] {
            sql.push_str(&format!(
                "INSERT INTO monthly_totals (campaign_id, platform, month, spend_micros, impressions, engagements, clicks, \
                 conversions_micros, conversion_value_micros, revenue_micros, row_count) \
                 VALUES ('{id}', 'meta', '{month}', {big}, {big}, 0, {big}, {big}, {big}, {big}, 1);\n",
                id = c.id
            ));
        }
        db.execute(&sql).await;

        let totals = store
            .platform_totals(&org, &c.id, day("2026-11-21"))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let four = d("36000000000000");
        assert_eq!(totals.len(), 1, "{name}");
        let t = &totals[0];
        assert_eq!(
            (t.spend, t.conversions, t.revenue, t.conversion_value),
            (four, four, Some(four), Some(four)),
            "{name}"
        );
        // Four counts of 9 × 10¹⁸ are beyond u64: they saturate.
        assert_eq!(
            (t.impressions, t.clicks, t.days),
            (u64::MAX, u64::MAX, 4),
            "{name}"
        );
        let series = store
            .daily_series(&org, &c.id, day("2026-09-01"), day("2026-11-30"))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let spends: Vec<Decimal> = series.iter().map(|r| r.spend).collect();
        assert_eq!(
            spends,
            vec![d("9000000000000"), d("9000000000000"), d("18000000000000")],
            "{name}"
        );
        assert_eq!(series[2].impressions, 18_000_000_000_000_000_000, "{name}");

        // A write to the campaign is refused (its totals are beyond the caps), naming the field;
        // nothing changes.
        let r = store
            .upsert_rows(&org, &c.id, &[spend("2026-11-04", "1")], None, now())
            .await;
        assert!(
            matches!(r, Err(StoreError::OutOfRange { .. })),
            "{name}: {r:?}"
        );
        let again = store
            .platform_totals(&org, &c.id, day("2026-11-21"))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, totals, "{name}");
    }
}
