//! Properties of the canonical format: any valid rows written as canonical CSV (any column order,
//! awkward campaign names) read back identical, streamed in any batch size, with exact totals.

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use spendlens_core::{DailyRow, Platform};
use spendlens_ingest::{ImportOptions, parse_canonical, stream_canonical, summary};

fn row() -> impl Strategy<Value = DailyRow> {
    (
        0i64..36_500,
        0usize..6,
        "[a-zA-Z0-9 ,\"é\\n-]{0,12}",
        (0i64..1_000_000_000, 0u32..=4),
        any::<u32>(),
        any::<u16>(),
        any::<u16>(),
        (0i64..100_000, 0u32..=3),
        proptest::option::of(0i64..10_000_000),
        proptest::option::of(0i64..10_000_000),
        proptest::option::of(prop_oneof![Just("USD"), Just("EUR"), Just("JPY")]),
    )
        .prop_map(
            |(
                day,
                p,
                campaign,
                spend,
                impressions,
                engagements,
                clicks,
                conv,
                value,
                revenue,
                currency,
            )| {
                let start = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date");
                let mut r = DailyRow::empty(
                    start + chrono::TimeDelta::days(day),
                    Platform::ALL[p],
                    campaign.trim().to_owned(),
                );
                r.spend = Decimal::new(spend.0, spend.1);
                r.impressions = u64::from(impressions);
                r.engagements = u64::from(engagements);
                r.clicks = u64::from(clicks);
                r.conversions = Decimal::new(conv.0, conv.1);
                r.conversion_value = value.map(|v| Decimal::new(v, 2));
                r.revenue = revenue.map(|v| Decimal::new(v, 2));
                r.currency = currency.map(str::to_owned);
                r
            },
        )
}

const COLUMNS: [&str; 11] = [
    "date",
    "platform",
    "campaign",
    "spend",
    "impressions",
    "engagements",
    "clicks",
    "conversions",
    "conversion_value",
    "revenue",
    "currency",
];

fn cell(r: &DailyRow, column: &str) -> String {
    let opt = |v: Option<Decimal>| v.map(|d| d.to_string()).unwrap_or_default();
    match column {
        "date" => r.date.to_string(),
        "platform" => r.platform.as_str().to_owned(),
        "campaign" => r.external_campaign_id.clone(),
        "spend" => r.spend.to_string(),
        "impressions" => r.impressions.to_string(),
        "engagements" => r.engagements.to_string(),
        "clicks" => r.clicks.to_string(),
        "conversions" => r.conversions.to_string(),
        "conversion_value" => opt(r.conversion_value),
        "revenue" => opt(r.revenue),
        _ => r.currency.clone().unwrap_or_default(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn canonical_rows_round_trip(
        rows in proptest::collection::vec(row(), 0..40),
        order in Just(COLUMNS.to_vec()).prop_shuffle(),
        batch in 1usize..10,
    ) {
        // Unique keys: the collecting parser rejects duplicates.
        let rows: Vec<DailyRow> = rows
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                r.external_campaign_id = format!("{i}-{}", r.external_campaign_id);
                r
            })
            .collect();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&order).expect("header");
        for r in &rows {
            w.write_record(order.iter().map(|c| cell(r, c))).expect("row");
        }
        let bytes = w.into_inner().expect("flush");

        let parsed = parse_canonical(&bytes, "p.csv", &ImportOptions::default()).expect("valid rows import");
        prop_assert_eq!(&parsed.rows, &rows);

        let mut streamed = Vec::new();
        let outcome = stream_canonical(bytes.as_slice(), "p.csv", batch, |b: &[DailyRow]| {
            streamed.extend_from_slice(b);
            Ok::<(), ()>(())
        })
        .expect("valid rows stream");
        prop_assert_eq!(&streamed, &rows);

        let s = summary(&parsed);
        prop_assert_eq!(&outcome.summary, &s);
        prop_assert_eq!(s.totals.spend, rows.iter().map(|r| r.spend).sum::<Decimal>());
        prop_assert_eq!(s.totals.clicks, rows.iter().map(|r| r.clicks).sum::<u64>());
        prop_assert_eq!(s.rows, rows.len() as u64);
    }
}

/// `1234567.5` written the way exports format it: `1,234,567.50`.
fn grouped(d: Decimal) -> String {
    let text = format!("{:.2}", d);
    let (int, frac) = text.split_once('.').expect("two decimals");
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{out}.{frac}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Rows written as a formatted Sheets tab (symbols, separators, `--`, written-out dates,
    /// synonym headers, a totals row) read back as the same rows, and add up to the totals row.
    #[test]
    fn formatted_sheet_rows_round_trip(rows in proptest::collection::vec(row(), 1..30), long_dates in any::<bool>()) {
        let header = ["Day", "Channel", "Campaign Name", "Amount spent", "Impr.", "Clicks", "Results", "Revenue", "CTR"];
        let mut values = vec![header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
        let mut expected = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let mut r = r.clone();
            r.external_campaign_id = format!("c{i}");
            r.spend = r.spend.round_dp(2);
            r.engagements = 0;
            r.conversion_value = None;
            r.currency = None;
            if r.platform == Platform::Ga4 {
                r.platform = Platform::Sheets;
            }
            let date = if long_dates { r.date.format("%b %-d, %Y").to_string() } else { r.date.to_string() };
            values.push(vec![
                date,
                r.platform.display_name().to_owned(),
                r.external_campaign_id.clone(),
                format!("${}", grouped(r.spend)),
                grouped(Decimal::from(r.impressions)).trim_end_matches(".00").to_owned(),
                r.clicks.to_string(),
                r.conversions.to_string(),
                r.revenue.map_or_else(|| " --".to_owned(), grouped),
                "1.5%".to_owned(),
            ]);
            expected.push(r);
        }
        let total: Decimal = expected.iter().map(|r| r.spend).sum();
        values.push(vec!["Total".into(), String::new(), String::new(), format!("${}", grouped(total))]);
        let parsed = spendlens_ingest::parse_sheet_values(&values, "tab", &ImportOptions::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&parsed.rows, &expected);
        prop_assert_eq!(parsed.skipped.len(), 1);
        prop_assert_eq!(parsed.skipped[0].totals.as_ref().and_then(|t| t.spend), Some(summary(&parsed).totals.spend));
    }
}
