//! The reading of report text: labelled values, the number format, tables in both
//! orientations, per-period figures and their checks. Text here is written as the layout
//! extraction writes it (cells two spaces apart or more); `tests/ingest/pdf.rs` reads real PDFs.

fn preview(text: &str, file: &str) -> PdfPreview {
    preview_text(text, file, &ImportOptions::default())
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, day).expect("date")
}

use super::*;
use metric::label_row;
use rust_decimal_macros::dec;

#[test]
fn labelled_values_on_the_same_or_next_line() {
    let p = preview(
        "Acme Q2 report\nJune 1 – June 30, 2024 vs. May 1 – May 31, 2024\nTotal Spend\n$12,345.67\n▲ 12.4%\nImpressions: 1.2M\nClicks | 3,456\nConversions 78.5\nCTR 2.35%\n",
        "r.pdf",
    );
    assert_eq!(p.value(PdfMetric::Spend), Some(dec!(12345.67)));
    assert_eq!(p.value(PdfMetric::Impressions), Some(dec!(1200000)));
    assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(3456)));
    assert_eq!(p.value(PdfMetric::Conversions), Some(dec!(78.5)));
    assert!(
        p.found
            .iter()
            .any(|f| f.metric == PdfMetric::Impressions && f.approximate)
    );
    assert_eq!(p.period, Some((d(6, 1), d(6, 30))));
    assert!(p.missing.contains(&PdfMetric::Sessions));
    assert!(
        p.warnings.iter().any(|w| w.contains("$")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn lookalike_labels_are_not_taken() {
    let p = preview(
        "New users 500\nPages / Session 2.3\nCost per conversion $12.00\nPageviews: 5000\nUsers: 900\nSessions 1,200\n",
        "r.pdf",
    );
    assert_eq!(p.value(PdfMetric::Users), Some(dec!(900)));
    assert_eq!(p.value(PdfMetric::Sessions), Some(dec!(1200)));
    assert_eq!(p.value(PdfMetric::Pageviews), Some(dec!(5000)));
    assert_eq!(p.value(PdfMetric::Spend), None);
}

#[test]
fn conflicts_are_shown_not_resolved() {
    let p = preview(
        "Spend: €1.200,50\nSpend: €900,00\nTotal Leads 12\nLeads 5\n",
        "r.pdf",
    );
    assert_eq!(p.value(PdfMetric::Spend), None);
    assert_eq!(p.conflicts[0].candidates.len(), 2);
    assert_eq!(p.conflicts[0].candidates[0].value, dec!(1200.50));
    assert_eq!(
        p.value(PdfMetric::Leads),
        Some(dec!(12)),
        "the Total label outranks"
    );
    assert!(p.to_daily_row(NaiveDate::MIN, "x").is_err());
}

#[test]
fn percentages_and_fractions_are_refused_for_counts() {
    let p = preview("Conversions 2.5%\nClicks 12.5\nSpend EUR 1,200\n", "r.pdf");
    assert_eq!(p.value(PdfMetric::Conversions), None);
    assert_eq!(p.value(PdfMetric::Clicks), None);
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    let row = p
        .to_daily_row(NaiveDate::from_ymd_opt(2024, 6, 30).expect("d"), "agency")
        .expect("row");
    assert_eq!(
        (row.spend, row.clicks, row.platform),
        (dec!(1200), 0, Platform::CustomIntegration)
    );
}

#[test]
fn empty_text_reports_nothing_and_never_zero() {
    let p = preview("   \n", "scan.pdf");
    assert!(p.found.is_empty());
    assert_eq!(p.missing.len(), PdfMetric::ALL.len());
    assert!(p.warnings[0].contains("no text"));
    assert!(p.to_daily_row(NaiveDate::MIN, "x").is_err());
}

#[test]
fn rows_of_cards_pair_labels_with_values() {
    let p = preview(
        "Spend Impressions CTR Clicks\nUSD 1,200 1.2M 2.5% 3,400\nUsers Sessions\n10 20 30\n",
        "r",
    );
    assert_eq!(p.value(PdfMetric::Spend), Some(dec!(1200)));
    assert_eq!(p.currency.as_deref(), Some("USD"));
    assert_eq!(p.value(PdfMetric::Impressions), Some(dec!(1200000)));
    assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(3400)));
    assert_eq!(
        p.value(PdfMetric::Users),
        None,
        "three values for two labels are not guessed"
    );
    assert!(
        p.warnings.iter().any(|w| w.contains("not paired")),
        "{:?}",
        p.warnings
    );
    assert!(label_row("Spend went up").is_none());
    assert!(label_row("Spend").is_none());
}

#[test]
fn non_ascii_text_is_safe() {
    let p = preview(
        "SPEND İ 5\nSpend İstanbul\nİmpressions 5\nUsers\u{130}\u{130} 3\nÜsers 4\n",
        "r",
    );
    assert_eq!(p.value(PdfMetric::Users), None);
    assert_eq!(p.value(PdfMetric::Spend), None);
}

#[test]
fn a_euro_metric_value_table_reads_every_count_with_its_thousands() {
    let p = preview(
        "Monatsbericht Juni 2024\n\
         Berichtszeitraum: 01.06.2024 - 30.06.2024\n\
         Metric           Value\n\
         Spend            €8.450,20\n\
         Impressions      512.300\n\
         Clicks           7.812\n\
         Conversions      143\n\
         Sessions         10.250\n\
         Users            8.100\n\
         Pageviews        31.400\n",
        "euro.pdf",
    );
    let got: Vec<_> = PdfMetric::ALL.iter().map(|m| p.value(*m)).collect();
    assert_eq!(
        got,
        [
            Some(dec!(8450.20)),
            Some(dec!(512300)),
            Some(dec!(7812)),
            Some(dec!(143)),
            None,
            Some(dec!(10250)),
            Some(dec!(8100)),
            Some(dec!(31400)),
            None
        ]
    );
    assert_eq!(p.locale.locale, NumberLocale::DecimalComma);
    assert!(
        p.locale.describe().contains("€8.450,20"),
        "{}",
        p.locale.describe()
    );
    assert_eq!(p.period, Some((d(6, 1), d(6, 30))));
    assert_eq!(p.tables.len(), 1);
    let t = &p.tables[0];
    assert_eq!(
        (t.layout, t.page, t.line),
        (TableLayout::MetricsAsRows, 1, 3)
    );
    assert_eq!(t.rows.len(), 1);
    assert_eq!(
        (t.rows[0].label.as_str(), t.rows[0].kind),
        ("Value", RowKind::Figures)
    );
    let clicks = &t.rows[0].cells[2];
    assert_eq!(
        (clicks.metric, clicks.line, clicks.text.as_str()),
        (PdfMetric::Clicks, 6, "7.812")
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // Read as the user says instead: the counts are then decimals, and refused.
    let point = preview_text(
        "Spend      €8.450,20\nClicks     7.812\n",
        "euro.pdf",
        &ImportOptions {
            pdf_locale: Some(NumberLocale::DecimalPoint),
            ..ImportOptions::default()
        },
    );
    assert_eq!(point.locale.basis, LocaleBasis::Chosen);
    assert_eq!(point.value(PdfMetric::Spend), None);
    assert_eq!(point.value(PdfMetric::Clicks), None);
    assert!(
        point.warnings[0].contains("written with a decimal comma"),
        "{:?}",
        point.warnings
    );
    assert!(
        point.warnings[1].contains("not a whole number"),
        "{:?}",
        point.warnings
    );
}

/// A weekly table with metrics as columns and a Total row, in dollars.
const WEEKLY: &str = "Acme Outdoor - weekly performance\n\
Reporting period: June 1 - June 30, 2024\n\
Week                     Spend        Impressions    Clicks    Conversions    CTR\n\
Jun 1 - Jun 2, 2024      $310.00      12,000         240       6              2.0%\n\
Jun 3 - Jun 9, 2024      $1,205.50    48,200         1,010     22.5           2.1%\n\
Jun 10 - Jun 16, 2024    $1,190.25    47,900         990       21             2.1%\n\
Jun 17 - Jun 23, 2024    $1,250.00    50,100         1,050                    2.1%\n\
Jun 24 - Jun 30, 2024    $1,044.25    41,800         880       18.5           2.1%\n\
Total                    $5,000.00    200,000        4,170     68             2.1%\n\
Prepared by the agency\n";

#[test]
fn a_weekly_table_gives_per_week_figures_and_its_total() {
    let p = preview(WEEKLY, "weekly.pdf");
    assert_eq!(p.locale.locale, NumberLocale::DecimalPoint);
    assert_eq!(p.value(PdfMetric::Spend), Some(dec!(5000.00)));
    assert_eq!(p.value(PdfMetric::Impressions), Some(dec!(200000)));
    assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(4170)));
    assert_eq!(p.value(PdfMetric::Conversions), Some(dec!(68)));
    let spend = p
        .found
        .iter()
        .find(|f| f.metric == PdfMetric::Spend)
        .expect("spend");
    assert_eq!(
        (spend.label.as_str(), spend.page, spend.line),
        ("Total", 1, 9)
    );
    let t = &p.tables[0];
    assert_eq!(t.layout, TableLayout::MetricsAsColumns);
    assert_eq!(
        t.metrics,
        [
            PdfMetric::Spend,
            PdfMetric::Impressions,
            PdfMetric::Clicks,
            PdfMetric::Conversions
        ]
    );
    assert_eq!(t.rows.len(), 6);
    // The blank conversions of the fourth week stay blank: nothing shifted left.
    let week4 = &t.rows[3];
    assert_eq!(
        week4.kind,
        RowKind::Period {
            start: d(6, 17),
            end: d(6, 23)
        }
    );
    assert_eq!(week4.cells[3].value, None);
    assert_eq!(week4.cells[3].problem, None);
    assert_eq!(week4.cells[2].value, Some(dec!(1050)));
    let weeks: Vec<_> = p
        .periods
        .iter()
        .map(|w| (w.start, w.end, w.value(PdfMetric::Spend)))
        .collect();
    assert_eq!(
        weeks,
        [
            (d(6, 1), d(6, 2), Some(dec!(310.00))),
            (d(6, 3), d(6, 9), Some(dec!(1205.50))),
            (d(6, 10), d(6, 16), Some(dec!(1190.25))),
            (d(6, 17), d(6, 23), Some(dec!(1250.00))),
            (d(6, 24), d(6, 30), Some(dec!(1044.25))),
        ]
    );
    // Spend, impressions and clicks add up; conversions lack a week (68 against 68 of 4 rows).
    let checks: Vec<_> = p
        .checks
        .iter()
        .map(|c| (c.metric, c.sum, c.matches()))
        .collect();
    assert_eq!(
        checks,
        [
            (PdfMetric::Spend, dec!(5000.00), true),
            (PdfMetric::Impressions, dec!(200000), true),
            (PdfMetric::Clicks, dec!(4170), true),
            (PdfMetric::Conversions, dec!(68), true),
        ]
    );
    let rows = p
        .book(PeriodChoice::Spread, None, "pdf:weekly.pdf")
        .expect("spread");
    assert_eq!(rows.len(), 30);
    assert_eq!(rows.iter().map(|r| r.spend).sum::<Decimal>(), dec!(5000.00));
    assert_eq!(rows.iter().map(|r| r.clicks).sum::<u64>(), 4170);
    assert_eq!((rows[0].date, rows[0].spend), (d(6, 1), dec!(155.00)));
    let one = p
        .book(PeriodChoice::BookOn(d(6, 30)), None, "pdf:weekly.pdf")
        .expect("book on");
    assert_eq!(
        (one.len(), one[0].spend, one[0].impressions),
        (1, dec!(5000.00), 200000)
    );
}

#[test]
fn a_total_that_does_not_add_up_is_shown_with_both_figures() {
    let text = WEEKLY.replace("$5,000.00", "$5,100.00");
    let p = preview(&text, "weekly.pdf");
    let check = p
        .checks
        .iter()
        .find(|c| c.metric == PdfMetric::Spend)
        .expect("check");
    assert!(!check.matches());
    let said = check.describe();
    assert!(
        said.contains("5000.00") && said.contains("5100.00"),
        "{said}"
    );
    assert!(p.warnings.iter().any(|w| w == &said), "{:?}", p.warnings);
    assert_eq!(
        p.value(PdfMetric::Spend),
        Some(dec!(5100.00)),
        "the report's total is shown"
    );
}

#[test]
fn weekly_rows_without_a_total_add_up_to_the_total() {
    let text: String = WEEKLY
        .lines()
        .filter(|l| !l.starts_with("Total"))
        .map(|l| format!("{l}\n"))
        .collect();
    let p = preview(&text, "weekly.pdf");
    let spend = p
        .found
        .iter()
        .find(|f| f.metric == PdfMetric::Spend)
        .expect("spend");
    assert_eq!(
        (spend.value, spend.label.as_str()),
        (dec!(5000.00), "sum of 5 period rows")
    );
    assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(4170)));
    assert_eq!(
        p.value(PdfMetric::Conversions),
        None,
        "a week has none: no sum"
    );
    assert!(p.checks.is_empty());
    assert!(
        p.warnings.iter().any(|w| w.contains("only 4 of the 5")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn a_table_split_across_pages_is_one_table() {
    let text = "Weekly report  Q3 2024\n\
Week           Spend       Clicks\n\
2024-W27       €100,50     10\n\
2024-W28       €200,00     20\n\
Page 1 of 2\u{c}Weekly report  Q3 2024\n\
Week           Spend       Clicks\n\
2024-W29       €300,25     30\n\
Total          €600,75     60\n";
    let p = preview(text, "split.pdf");
    assert_eq!(p.tables.len(), 1, "{:?}", p.tables);
    let t = &p.tables[0];
    assert_eq!((t.page, t.last_page, t.rows.len()), (1, 2, 4));
    assert_eq!((t.rows[2].page, t.rows[2].line), (2, 3));
    assert_eq!(p.value(PdfMetric::Spend), Some(dec!(600.75)));
    assert!(p.checks.iter().all(TotalCheck::matches), "{:?}", p.checks);
    assert_eq!(p.periods.len(), 3);
    assert_eq!(
        p.periods[2].start,
        NaiveDate::from_ymd_opt(2024, 7, 15).expect("d")
    );
}

#[test]
fn abbreviated_headings_daily_rows_and_a_grand_total() {
    let p = preview(
        "Date            Cost          Impr.       Clicks    Conv.\n\
         Jun 3, 2024     120.50 EUR    4,100       88        2\n\
         Jun 4, 2024     99.50 EUR     3,900       71        1.5\n\
         Grand total     220.00 EUR    8,000       159       3.5\n",
        "daily.pdf",
    );
    assert_eq!(p.value(PdfMetric::Spend), Some(dec!(220.00)));
    assert_eq!(p.value(PdfMetric::Impressions), Some(dec!(8000)));
    assert_eq!(p.value(PdfMetric::Conversions), Some(dec!(3.5)));
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    let days: Vec<_> = p.periods.iter().map(|w| (w.start, w.days())).collect();
    assert_eq!(days, [(d(6, 3), 1), (d(6, 4), 1)]);
    assert!(p.checks.iter().all(TotalCheck::matches), "{:?}", p.checks);
}

#[test]
fn metrics_as_rows_with_a_column_per_week_and_a_total() {
    let p = preview(
        "Reporting period: June 3 - June 16, 2024\n\
         Metric          Week 23        Week 24        Total\n\
         Spend           $1,000.00      $1,500.25      $2,500.25\n\
         Impressions     40,000         60,000         100,000\n\
         Clicks          800            1,200          2,000\n",
        "transposed.pdf",
    );
    assert_eq!(p.value(PdfMetric::Spend), Some(dec!(2500.25)));
    assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(2000)));
    let t = &p.tables[0];
    assert_eq!(t.layout, TableLayout::MetricsAsRows);
    let kinds: Vec<_> = t.rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            RowKind::Period {
                start: d(6, 3),
                end: d(6, 9)
            },
            RowKind::Period {
                start: d(6, 10),
                end: d(6, 16)
            },
            RowKind::Total
        ]
    );
    assert_eq!(p.periods[1].value(PdfMetric::Spend), Some(dec!(1500.25)));
    assert_eq!(p.checks.len(), 3);
    assert!(p.checks.iter().all(TotalCheck::matches), "{:?}", p.checks);
}
