//! Real-shaped exports (issue 14): the fixtures in `fixtures/real`, written by `make.py` from the
//! platforms' published layouts, import with the totals `expected.py` computed by reading the
//! files back on its own; period reports are refused by default with the ways forward; generated
//! period reports and breakdown exports round-trip with exact sums.

use std::str::FromStr;

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use spendlens_ingest::{ImportOptions, Imported, ParsedFile, PeriodChoice, import, summary};

use super::support::fixture;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn options(option: &str) -> ImportOptions {
    let mut o = ImportOptions::default();
    let parts: Vec<&str> = option.split(':').collect();
    match parts.as_slice() {
        ["default"] => {}
        ["spread"] => o.period = PeriodChoice::Spread,
        ["spread", from, to] => {
            o.period = PeriodChoice::Spread;
            o.period_range = Some((date(from), date(to)));
        }
        ["book-on", day] => o.period = PeriodChoice::BookOn(date(day)),
        other => panic!("unknown option {other:?}"),
    }
    o
}

fn parse(name: &str, o: &ImportOptions) -> Result<ParsedFile, spendlens_ingest::ImportError> {
    let path = format!("real/{name}");
    import(&fixture(&path), name, o).map(|i| match i {
        Imported::Rows(p) => p,
        Imported::Preview(_) => panic!("{name}: a PDF preview"),
    })
}

#[test]
fn every_fixture_imports_with_the_independently_computed_totals() {
    let expected = String::from_utf8(fixture("real/expected.tsv")).expect("utf-8");
    let mut checked = 0;
    for line in expected.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let [
            name,
            option,
            rows,
            spend,
            impressions,
            clicks,
            conversions,
            value,
        ] = f[..]
        else {
            panic!("bad line {line}");
        };
        let p = parse(name, &options(option)).unwrap_or_else(|e| panic!("{name} {option}: {e}"));
        let s = summary(&p);
        let dec = |t: &str| Decimal::from_str(t).expect("decimal");
        let ctx = format!("{name} {option}: {:?}", p.notes);
        assert_eq!(s.rows, rows.parse::<u64>().expect("rows"), "{ctx}");
        assert_eq!(s.totals.spend, dec(spend), "{ctx}");
        assert_eq!(
            s.totals.impressions,
            impressions.parse::<u64>().expect("n"),
            "{ctx}"
        );
        assert_eq!(s.totals.clicks, clicks.parse::<u64>().expect("n"), "{ctx}");
        assert_eq!(s.totals.conversions, dec(conversions), "{ctx}");
        assert_eq!(
            s.totals.conversion_value.unwrap_or_default(),
            dec(value),
            "{ctx}"
        );
        // Money is at most to the cent, every day's row.
        assert!(p.rows.iter().all(|r| r.spend.scale() <= 2), "{ctx}");
        checked += 1;
    }
    assert_eq!(checked, 14);
}

#[test]
fn period_reports_are_refused_by_default_with_the_ways_forward() {
    for name in [
        "gads_campaign_report_utf16.csv",
        "gads_campaign_report_range.csv",
        "linkedin_campaign_period.csv",
        "meta_adset_period_gbp.csv",
    ] {
        let err = parse(name, &ImportOptions::default()).expect_err(name);
        let d = err.diagnostics();
        assert_eq!(d.len(), 1, "{name}: {d:?}");
        assert_eq!(d[0].file, name);
        assert!(d[0].row.is_some(), "{name}: {}", d[0]);
        for words in ["--spread", "--book-on DATE", "not one day"] {
            assert!(d[0].message.contains(words), "{name} {words}: {}", d[0]);
        }
    }
    let err = parse("linkedin_campaign_period.csv", &ImportOptions::default()).expect_err("li");
    assert!(
        err.to_string().contains("2025-12-06 to 2026-03-05"),
        "{err}"
    );
    // "All time" states no period: the user gives it.
    let err = parse("gads_campaign_report_all_time.csv", &options("spread")).expect_err("all time");
    let text = err.to_string();
    assert!(
        text.contains("\"All time\"") && text.contains("--from"),
        "{text}"
    );
}

#[test]
fn a_linkedin_spread_starts_at_the_campaign_start() {
    let p = parse("linkedin_campaign_period.csv", &options("spread")).expect("spread");
    let retargeting: Vec<_> = p
        .rows
        .iter()
        .filter(|r| r.external_campaign_id == "612345679")
        .collect();
    assert_eq!(retargeting.len(), 55);
    assert_eq!(retargeting[0].date, date("2026-01-10"));
    let abm: Vec<_> = p
        .rows
        .iter()
        .filter(|r| r.external_campaign_id == "612345678")
        .collect();
    assert_eq!(abm.len(), 90);
    assert_eq!(
        abm.iter().map(|r| r.spend).sum::<Decimal>(),
        Decimal::new(34012, 2)
    );
    assert_eq!(abm[0].currency.as_deref(), Some("BRL"));
}

#[test]
fn breakdowns_keep_their_level_in_the_notes() {
    let p = parse("meta_adset_audience_inr.csv", &ImportOptions::default()).expect("meta");
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("ad set level, by Audience segments")),
        "{:?}",
        p.notes
    );
    assert_eq!(p.rows[0].external_campaign_id, "IN - Broad 25-45");
    let p = parse("meta_ad_age_gender.csv", &ImportOptions::default()).expect("meta");
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("ad level, by Age, Gender")),
        "{:?}",
        p.notes
    );
    let p = parse(
        "linkedin_creative_daily_utf16.csv",
        &ImportOptions::default(),
    )
    .expect("li");
    assert!(
        p.notes.iter().any(|n| n.contains("ad level")),
        "{:?}",
        p.notes
    );
}

#[test]
fn files_without_spend_or_data_say_so() {
    let err = parse("meta_no_spend.csv", &ImportOptions::default()).expect_err("no spend");
    assert!(err.to_string().contains("no spend column"), "{err}");
    let err = parse("linkedin_conversions.csv", &ImportOptions::default()).expect_err("conv");
    let text = err.to_string();
    assert!(
        text.contains("conversion report") && text.contains("Campaign Performance Report"),
        "{text}"
    );
    let p = parse("meta_no_data.csv", &ImportOptions::default()).expect("empty import");
    assert!(p.rows.is_empty());
    assert!(
        p.notes.iter().any(|n| n.contains("No data available.")),
        "{:?}",
        p.notes
    );
}

/// A Google Ads campaign report without days, as the "Excel CSV" download writes it.
fn gads_period_report(rows: &[(u64, u64, u64)], days: i64) -> Vec<u8> {
    let start = date("2026-01-01");
    let end = start + chrono::TimeDelta::days(days - 1);
    let mut t = format!(
        "Campaign report\r\n{} - {}\r\nCampaign\tCampaign ID\tCurrency code\tCost\tImpr.\tConversions\r\n",
        start.format("%B %-d, %Y"),
        end.format("%B %-d, %Y")
    );
    for (i, (cents, impr, conv)) in rows.iter().enumerate() {
        t.push_str(&format!(
            "C {i}\t{i}\tUSD\t{}.{:02}\t{}\t{conv}\r\n",
            cents / 100,
            cents % 100,
            fmt_thousands(*impr)
        ));
    }
    t.push_str("Total: Account\t\tUSD\t1.00\t1\t1\r\n");
    let mut out = vec![0xFF, 0xFE];
    for u in t.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

fn fmt_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn spread_period_reports_sum_exactly(
        rows in proptest::collection::vec((0u64..10_000_000, 0u64..5_000_000, 0u64..1_000), 1..6),
        days in 1i64..120,
    ) {
        let bytes = gads_period_report(&rows, days);
        let o = options("spread");
        let p = match import(&bytes, "gen.csv", &o) {
            Ok(Imported::Rows(p)) => p,
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(p.rows.len() as i64, days * rows.len() as i64);
        for (i, (cents, impr, conv)) in rows.iter().enumerate() {
            let mine: Vec<_> = p.rows.iter().filter(|r| r.external_campaign_id == i.to_string()).collect();
            prop_assert_eq!(mine.iter().map(|r| r.spend).sum::<Decimal>(), Decimal::new(*cents as i64, 2));
            prop_assert_eq!(mine.iter().map(|r| r.impressions).sum::<u64>(), *impr);
            prop_assert_eq!(mine.iter().map(|r| r.conversions).sum::<Decimal>(), Decimal::from(*conv));
            // Even: no day differs from another by more than one cent or one count.
            let (lo, hi) = mine.iter().fold((Decimal::MAX, Decimal::MIN), |(lo, hi), r| (lo.min(r.spend), hi.max(r.spend)));
            prop_assert!(hi - lo <= Decimal::new(1, 2));
            prop_assert!(mine.iter().all(|r| r.conversions.fract().is_zero()));
        }
    }

    #[test]
    fn breakdown_rows_sum_to_the_day(
        cells in proptest::collection::vec((0u8..3, 0u8..2, 0u64..10_000_000_000_000_000u64, 0u64..100_000), 1..40),
    ) {
        // A Meta ad-set export by age: long decimals (13 places), quoted thousands.
        let mut t = String::from("\u{feff}Day,Ad set name,Age,Amount spent (INR),Impressions\n");
        let mut expected: std::collections::BTreeMap<(u8, u8), (Decimal, u64)> = Default::default();
        for (i, (day, set, spend, impr)) in cells.iter().enumerate() {
            let amount = Decimal::new(*spend as i64, 13);
            t.push_str(&format!(
                "2026-02-0{},Set {set},{}-{},{amount},\"{}\"\n",
                day + 1,
                18 + i,
                19 + i,
                fmt_thousands(*impr)
            ));
            let e = expected.entry((*day, *set)).or_default();
            e.0 += amount;
            e.1 += impr;
        }
        let p = match import(t.as_bytes(), "meta.csv", &ImportOptions::default()) {
            Ok(Imported::Rows(p)) => p,
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(p.rows.len(), expected.len());
        for r in &p.rows {
            let day = u8::try_from(r.date.format("%d").to_string().parse::<u32>().expect("day") - 1).expect("u8");
            let set: u8 = r.external_campaign_id.trim_start_matches("Set ").parse().expect("set");
            let (spend, impr) = expected[&(day, set)];
            prop_assert_eq!(r.spend, spendlens_core::num::round_half_away(spend, 2));
            prop_assert_eq!(r.impressions, impr);
        }
    }
}
