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
