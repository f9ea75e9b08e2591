//! Named channels' daily spend (migration 0011), on each backend: upsert on (channel, day) with
//! the case-folded key, the daily series, the totals, and another organisation's campaign.
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::campaign::CampaignSpec;
use spendlens_core::channel::{ChannelDay, ChannelName};
use spendlens_store::StoreError;

use crate::support::stores;

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

fn channel_day(date: &str, name: &str, spend: &str, impressions: Option<u64>) -> ChannelDay {
    ChannelDay {
        date: day(date),
        channel: ChannelName::parse(name).unwrap_or_else(|e| panic!("{name}: {e}")),
        spend: d(spend),
        impressions,
        currency: Some("USD".into()),
    }
}

fn spec() -> CampaignSpec {
    CampaignSpec {
        name: "Q4".into(),
        currency: "USD".into(),
        budget: Some(d("15000")),
        start_date: Some(day("2026-11-01")),
        end_date: Some(day("2026-12-15")),
        time_zone: "UTC".into(),
    }
}

#[tokio::test]
async fn channel_days_are_upserted_read_and_summed() {
    for (name, store) in stores().await {
        let ok = |what: &str, e: StoreError| -> ! { panic!("{name}: {what}: {e}") };
        let a = store
            .create_account("a@x.io", "h", "A", now())
            .await
            .unwrap_or_else(|e| ok("account", e))
            .org_id;
        let b = store
            .create_account("b@x.io", "h", "B", now())
            .await
            .unwrap_or_else(|e| ok("account", e))
            .org_id;
        let c = store
            .create_campaign(&a, &spec(), now())
            .await
            .unwrap_or_else(|e| ok("campaign", e));
        let rows = [
            channel_day("2026-11-02", "TV", "1000.50", Some(250_000)),
            channel_day("2026-11-02", "Podcasts", "300", None),
            channel_day("2026-11-03", "TV", "999.50", Some(240_000)),
            channel_day("2026-11-04", "Podcasts", "200.25", None),
        ];
        let written = store
            .upsert_channel_days(&a, &c.id, &rows, now())
            .await
            .unwrap_or_else(|e| ok("upsert", e));
        assert_eq!(written, Some(4), "{name}");
        // A re-import of a day under another spelling replaces it (the key is case-folded).
        let again = [channel_day("2026-11-03", " tv ", "1099.50", None)];
        store
            .upsert_channel_days(&a, &c.id, &again, now())
            .await
            .unwrap_or_else(|e| ok("re-import", e));
        // Another organisation writes nothing and reads nothing.
        assert_eq!(
            store
                .upsert_channel_days(&b, &c.id, &rows, now())
                .await
                .unwrap_or_else(|e| ok("other org", e)),
            None,
            "{name}"
        );
        assert!(
            store
                .channel_series(&b, &c.id, day("2026-11-01"), day("2026-11-30"))
                .await
                .unwrap_or_else(|e| ok("other series", e))
                .is_empty()
        );
        assert!(
            store
                .channel_totals(&b, &c.id, day("2026-11-30"))
                .await
                .unwrap_or_else(|e| ok("other totals", e))
                .is_empty()
        );

        // The organisation's campaigns with channel days: this one, not one without.
        let bare = store
            .create_campaign(&a, &spec(), now())
            .await
            .unwrap_or_else(|e| ok("campaign", e));
        let with = |o| {
            let store = store.clone();
            async move {
                store
                    .campaigns_with_channels(&o)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        assert_eq!(with(a.clone()).await, vec![c.id.clone()], "{name}");
        assert!(with(b.clone()).await.is_empty(), "{name}");
        assert_ne!(bare.id, c.id);

        let series = store
            .channel_series(&a, &c.id, day("2026-11-02"), day("2026-11-03"))
            .await
            .unwrap_or_else(|e| ok("series", e));
        let seen: Vec<(String, &str, Decimal, Option<u64>)> = series
            .iter()
            .map(|r| {
                (
                    r.date.to_string(),
                    r.channel.as_str(),
                    r.spend,
                    r.impressions,
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("2026-11-02".into(), "Podcasts", d("300"), None),
                ("2026-11-02".into(), "TV", d("1000.5"), Some(250_000)),
                ("2026-11-03".into(), "tv", d("1099.5"), None),
            ],
            "{name}"
        );

        let totals = store
            .channel_totals(&a, &c.id, day("2026-11-30"))
            .await
            .unwrap_or_else(|e| ok("totals", e));
        let seen: Vec<(&str, &str, Decimal, Option<u64>, u64)> = totals
            .iter()
            .map(|t| {
                (
                    t.channel.key(),
                    t.channel.as_str(),
                    t.spend,
                    t.impressions,
                    t.days,
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("podcasts", "Podcasts", d("500.25"), None, 2),
                ("tv", "tv", d("2100"), Some(250_000), 2),
            ],
            "{name}"
        );
        // Up to a day: the later days are left out.
        let early = store
            .channel_totals(&a, &c.id, day("2026-11-02"))
            .await
            .unwrap_or_else(|e| ok("early totals", e));
        assert_eq!(
            early.iter().map(|t| t.spend).collect::<Vec<_>>(),
            vec![d("300"), d("1000.5")],
            "{name}"
        );

        // A value outside the limits is refused, naming the field, and nothing is written.
        let bad = [
            channel_day("2026-11-05", "Radio", "10", None),
            channel_day("2026-11-06", "Radio", "-1", None),
        ];
        let refused = store.upsert_channel_days(&a, &c.id, &bad, now()).await;
        assert!(
            matches!(refused, Err(StoreError::OutOfRange { field: "spend", .. })),
            "{name}: {refused:?}"
        );
        let after = store
            .channel_totals(&a, &c.id, day("2026-11-30"))
            .await
            .unwrap_or_else(|e| ok("after", e));
        assert_eq!(after.len(), 2, "{name}");
    }
}

/// A channel file's channel days are staged with its platform rows: nothing of either is
/// visible before the import commits, nothing after an import abandoned, both after a commit.
#[tokio::test]
async fn channel_days_are_written_by_the_imports_commit_only() {
    use spendlens_core::Platform;
    use spendlens_core::daily::DailyRow;
    use spendlens_store::ImportRecord;
    for (name, store) in stores().await {
        let ok = |what: &str, e: StoreError| -> ! { panic!("{name}: {what}: {e}") };
        let org = store
            .create_account("a@x.io", "h", "A", now())
            .await
            .unwrap_or_else(|e| ok("account", e))
            .org_id;
        let c = store
            .create_campaign(&org, &spec(), now())
            .await
            .unwrap_or_else(|e| ok("campaign", e));
        let record = ImportRecord {
            source: "canonical_channels".into(),
            file_name: Some("channels.csv".into()),
            content_hash: None,
            detail: None,
        };
        let rows = [DailyRow {
            spend: d("10.25"),
            ..DailyRow::empty(day("2026-11-02"), Platform::Meta, "m1")
        }];
        let days = [channel_day("2026-11-02", "Radio", "99.50", None)];
        let series = || store.channel_series(&org, &c.id, day("2026-11-01"), day("2026-11-30"));

        // Abandoned: nothing.
        let mut w = store
            .begin_import(&org, &c.id, &record, now())
            .await
            .unwrap_or_else(|e| ok("begin", e))
            .unwrap_or_else(|| panic!("{name}: campaign"));
        w.write(&rows).await.unwrap_or_else(|e| ok("write", e));
        w.stage_channels(&days)
            .await
            .unwrap_or_else(|e| ok("stage", e));
        assert!(
            series()
                .await
                .unwrap_or_else(|e| ok("series", e))
                .is_empty()
        );
        drop(w);
        assert!(
            series()
                .await
                .unwrap_or_else(|e| ok("series", e))
                .is_empty(),
            "{name}"
        );

        // A value outside the limits is refused when staged.
        let mut w = store
            .begin_import(&org, &c.id, &record, now())
            .await
            .unwrap_or_else(|e| ok("begin", e))
            .unwrap_or_else(|| panic!("{name}: campaign"));
        let huge = [channel_day("2026-11-02", "Radio", "-1", None)];
        assert!(
            matches!(
                w.stage_channels(&huge).await,
                Err(StoreError::OutOfRange { .. })
            ),
            "{name}"
        );
        drop(w);

        // Committed: both.
        let mut w = store
            .begin_import(&org, &c.id, &record, now())
            .await
            .unwrap_or_else(|e| ok("begin", e))
            .unwrap_or_else(|| panic!("{name}: campaign"));
        w.write(&rows).await.unwrap_or_else(|e| ok("write", e));
        w.stage_channels(&days)
            .await
            .unwrap_or_else(|e| ok("stage", e));
        w.commit(None).await.unwrap_or_else(|e| ok("commit", e));
        let stored = series().await.unwrap_or_else(|e| ok("series", e));
        assert_eq!(stored.len(), 1, "{name}");
        assert_eq!(stored[0].spend, d("99.50"), "{name}");
        let totals = store
            .platform_totals(&org, &c.id, day("2026-11-30"))
            .await
            .unwrap_or_else(|e| ok("totals", e));
        assert_eq!(
            totals.iter().map(|t| t.spend).sum::<Decimal>(),
            d("10.25"),
            "{name}"
        );
    }
}

/// Saved column mappings (migration 0012): saved newest first, the same text saved again only
/// renewed, at most `MAX_SAVED_MAPPINGS` kept, deleted by id, and scoped to the organisation.
#[tokio::test]
async fn column_mappings_are_saved_listed_bounded_and_scoped() {
    use spendlens_store::MAX_SAVED_MAPPINGS;
    for (name, store) in stores().await {
        let ok = |what: &str, e: StoreError| -> ! { panic!("{name}: {what}: {e}") };
        let a = store
            .create_account("a@x.io", "h", "A", now())
            .await
            .unwrap_or_else(|e| ok("account", e))
            .org_id;
        let b = store
            .create_account("b@x.io", "h", "B", now())
            .await
            .unwrap_or_else(|e| ok("account", e))
            .org_id;
        let c = store
            .create_campaign(&a, &spec(), now())
            .await
            .unwrap_or_else(|e| ok("campaign", e));
        let at = |s: i64| now() + chrono::TimeDelta::seconds(s);
        let first = store
            .save_mapping(&a, &c.id, "date=Day,spend=Kosten", at(0))
            .await
            .unwrap_or_else(|e| ok("save", e))
            .unwrap_or_else(|| panic!("{name}: campaign"));
        store
            .save_mapping(&a, &c.id, "date=A,spend=D", at(1))
            .await
            .unwrap_or_else(|e| ok("save", e));
        let again = store
            .save_mapping(&a, &c.id, "date=Day,spend=Kosten", at(2))
            .await
            .unwrap_or_else(|e| ok("save", e))
            .unwrap_or_else(|| panic!("{name}: campaign"));
        assert_eq!(again.id, first.id, "{name}: the same text keeps its id");
        let list = store
            .saved_mappings(&a, &c.id)
            .await
            .unwrap_or_else(|e| ok("list", e));
        assert_eq!(
            list.iter().map(|m| m.mapping.as_str()).collect::<Vec<_>>(),
            ["date=Day,spend=Kosten", "date=A,spend=D"],
            "{name}: newest first"
        );
        // Another organisation: nothing to see, save or delete.
        assert!(
            store
                .saved_mappings(&b, &c.id)
                .await
                .unwrap_or_else(|e| ok("list", e))
                .is_empty()
        );
        assert_eq!(
            store
                .save_mapping(&b, &c.id, "date=X", at(3))
                .await
                .unwrap_or_else(|e| ok("save", e)),
            None,
            "{name}"
        );
        assert!(
            !store
                .delete_mapping(&b, &c.id, &first.id)
                .await
                .unwrap_or_else(|e| ok("delete", e))
        );
        // Bounded: the oldest go.
        for i in 0..MAX_SAVED_MAPPINGS {
            store
                .save_mapping(&a, &c.id, &format!("spend=S{i}"), at(10 + i as i64))
                .await
                .unwrap_or_else(|e| ok("save", e));
        }
        let list = store
            .saved_mappings(&a, &c.id)
            .await
            .unwrap_or_else(|e| ok("list", e));
        assert_eq!(list.len(), MAX_SAVED_MAPPINGS, "{name}");
        assert_eq!(
            list[0].mapping,
            format!("spend=S{}", MAX_SAVED_MAPPINGS - 1)
        );
        assert!(
            list.iter().all(|m| m.id != first.id),
            "{name}: the oldest dropped"
        );
        let newest = list[0].id.clone();
        assert!(
            store
                .delete_mapping(&a, &c.id, &newest)
                .await
                .unwrap_or_else(|e| ok("delete", e))
        );
        assert!(
            !store
                .delete_mapping(&a, &c.id, &newest)
                .await
                .unwrap_or_else(|e| ok("delete", e))
        );
    }
}
