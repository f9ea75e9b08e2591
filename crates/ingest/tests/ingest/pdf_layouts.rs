//! PDF reports laid out the common ways, written here with `spendlens_testkit::agency_pdf`
//! (krilla, embedded Roboto), each with its figures written by hand: metrics as rows and as
//! columns, weekly rows with and without a Total row, euro and dollar number formats, two tables
//! on two pages, a table split across pages.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use spendlens_ingest::{
    ImportOptions, LocaleBasis, NumberLocale, PdfMetric, PdfPreview, PeriodChoice, RowKind,
    TableLayout, extract_text, preview_pdf,
};
use spendlens_testkit::agency_pdf::{Headings, ReportPdf, Table};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).expect("date")
}

fn preview(pdf: &ReportPdf, name: &str) -> PdfPreview {
    let bytes = pdf.finish();
    let p = preview_pdf(&bytes, name, &ImportOptions::default()).expect("readable");
    if std::env::var_os("SPENDLENS_SHOW_LAYOUT").is_some() {
        let text = extract_text(&bytes, name, &ImportOptions::default()).expect("text");
        std::fs::write(std::env::temp_dir().join(name), &bytes).expect("written");
        eprintln!("--- {name}\n{text}\n---\n{p:#?}");
    }
    p
}

/// Every metric's value, in `PdfMetric::ALL` order.
fn values(p: &PdfPreview) -> Vec<Option<Decimal>> {
    PdfMetric::ALL.iter().map(|m| p.value(*m)).collect()
}

fn title(pdf: &mut ReportPdf, lines: &[&str]) {
    pdf.text(50.0, 60.0, 16.0, lines[0]);
    for (i, l) in lines[1..].iter().enumerate() {
        pdf.text(50.0, 82.0 + 14.0 * i as f32, 10.0, l);
    }
}

#[test]
fn metrics_as_rows_in_euros() {
    let mut pdf = ReportPdf::new();
    title(
        &mut pdf,
        &[
            "Sommerkampagne – Monatsbericht",
            "Berichtszeitraum: 01.06.2024 - 30.06.2024",
        ],
    );
    let t = Table::new(60.0, &[300.0]);
    pdf.table(
        &t,
        140.0,
        &["Metric", "Value"],
        &[
            vec!["Spend", "€8.450,20"],
            vec!["Impressions", "512.300"],
            vec!["Clicks", "7.812"],
            vec!["CTR", "1,52 %"],
            vec!["Conversions", "143"],
            vec!["Leads", "31"],
            vec!["Sessions", "10.250"],
            vec!["Users", "8.100"],
            vec!["Pageviews", "31.400"],
            vec!["Average order value", "€64,90"],
        ],
    );
    let p = preview(&pdf, "euro-rows.pdf");
    assert_eq!(
        values(&p),
        [
            Some(dec!(8450.20)),
            Some(dec!(512300)),
            Some(dec!(7812)),
            Some(dec!(143)),
            Some(dec!(31)),
            Some(dec!(10250)),
            Some(dec!(8100)),
            Some(dec!(31400)),
            Some(dec!(64.90)),
        ]
    );
    assert!(p.missing.is_empty() && p.conflicts.is_empty());
    assert_eq!(p.locale.locale, NumberLocale::DecimalComma);
    assert!(matches!(
        p.locale.basis,
        LocaleBasis::Decided { against: 0, .. }
    ));
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    assert_eq!(p.period, Some((day(6, 1), day(6, 30))));
    let table = &p.tables[0];
    assert_eq!(
        (table.layout, table.page, table.line),
        (TableLayout::MetricsAsRows, 1, 3)
    );
    let clicks = p
        .found
        .iter()
        .find(|f| f.metric == PdfMetric::Clicks)
        .expect("clicks");
    assert_eq!(
        (clicks.text.as_str(), clicks.page, clicks.line),
        ("7.812", 1, 6)
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn metrics_as_rows_in_dollars_with_a_comparison() {
    let mut pdf = ReportPdf::new();
    title(
        &mut pdf,
        &[
            "Acme Outdoor – Paid media, June 2024",
            "June 1 – June 30, 2024",
        ],
    );
    let t = Table::new(60.0, &[260.0, 360.0, 440.0]);
    pdf.table(
        &t,
        130.0,
        &["KPI", "This month", "Last month", "Change"],
        &[
            vec!["Total Spend", "$12,345.67", "$11,020.00", "+12.0%"],
            vec!["Impressions", "1,234,567", "1,100,200", "+12.2%"],
            vec!["Clicks", "28,210", "25,900", "+8.9%"],
            vec!["Conversions", "78.5", "70", "+12.1%"],
        ],
    );
    let p = preview(&pdf, "dollar-rows.pdf");
    assert_eq!(p.value(PdfMetric::Spend), Some(dec!(12345.67)));
    assert_eq!(p.value(PdfMetric::Impressions), Some(dec!(1234567)));
    assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(28210)));
    assert_eq!(p.value(PdfMetric::Conversions), Some(dec!(78.5)));
    assert!(p.conflicts.is_empty(), "{:?}", p.conflicts);
    assert_eq!(p.locale.locale, NumberLocale::DecimalPoint);
    let rows: Vec<_> = p.tables[0]
        .rows
        .iter()
        .map(|r| (r.label.as_str(), r.kind))
        .collect();
    assert_eq!(
        rows,
        [
            ("This month", RowKind::Figures),
            ("Last month", RowKind::Other),
            ("Change", RowKind::Other)
        ]
    );
    assert!(
        p.warnings.iter().any(|w| w.contains('$')),
        "{:?}",
        p.warnings
    );
}

/// The agency layout of the issue: metrics as columns, a row per week, a Total row.
fn weekly_dollars(total: Option<&[&str]>) -> ReportPdf {
    let mut pdf = ReportPdf::new();
    title(
        &mut pdf,
        &[
            "Acme Outdoor – Weekly performance",
            "Reporting period: June 3 - June 30, 2024",
        ],
    );
    let t = Table::new(50.0, &[250.0, 330.0, 390.0, 460.0, 530.0]);
    let mut rows = vec![
        vec![
            "Jun 3 – Jun 9, 2024",
            "$2,100.00",
            "120,000",
            "2,400",
            "48",
            "3,100",
        ],
        vec![
            "Jun 10 – Jun 16, 2024",
            "$1,950.50",
            "110,500",
            "2,210",
            "41.5",
            "2,950",
        ],
        vec![
            "Jun 17 – Jun 23, 2024",
            "$2,210.25",
            "131,250",
            "2,590",
            "52",
            "3,320",
        ],
        vec![
            "Jun 24 – Jun 30, 2024",
            "$1,739.45",
            "98,750",
            "1,980",
            "38.5",
            "2,640",
        ],
    ];
    if let Some(total) = total {
        rows.push(total.to_vec());
    }
    pdf.table(
        &t,
        130.0,
        &[
            "Week",
            "Spend",
            "Impressions",
            "Clicks",
            "Conversions",
            "Sessions",
        ],
        &rows,
    );
    pdf
}

#[test]
fn weekly_rows_with_a_total_in_dollars() {
    let pdf = weekly_dollars(Some(&[
        "Total",
        "$8,000.20",
        "460,500",
        "9,180",
        "180",
        "12,010",
    ]));
    let p = preview(&pdf, "weekly.pdf");
    assert_eq!(
        values(&p),
        [
            Some(dec!(8000.20)),
            Some(dec!(460500)),
            Some(dec!(9180)),
            Some(dec!(180)),
            None,
            Some(dec!(12010)),
            None,
            None,
            None
        ]
    );
    let spend = p
        .found
        .iter()
        .find(|f| f.metric == PdfMetric::Spend)
        .expect("spend");
    assert_eq!(
        (spend.label.as_str(), spend.page, spend.line),
        ("Total", 1, 8)
    );
    assert_eq!(p.tables[0].layout, TableLayout::MetricsAsColumns);
    let weeks: Vec<_> = p
        .periods
        .iter()
        .map(|w| {
            (
                w.start,
                w.end,
                w.value(PdfMetric::Spend),
                w.value(PdfMetric::Clicks),
            )
        })
        .collect();
    assert_eq!(
        weeks,
        [
            (day(6, 3), day(6, 9), Some(dec!(2100.00)), Some(dec!(2400))),
            (
                day(6, 10),
                day(6, 16),
                Some(dec!(1950.50)),
                Some(dec!(2210))
            ),
            (
                day(6, 17),
                day(6, 23),
                Some(dec!(2210.25)),
                Some(dec!(2590))
            ),
            (
                day(6, 24),
                day(6, 30),
                Some(dec!(1739.45)),
                Some(dec!(1980))
            ),
        ]
    );
    assert_eq!(p.checks.len(), 5);
    assert!(p.checks.iter().all(|c| c.matches()), "{:?}", p.checks);
    let rows = p
        .book(PeriodChoice::Spread, None, "pdf:weekly.pdf")
        .expect("spread");
    assert_eq!(rows.len(), 28);
    assert_eq!(rows.iter().map(|r| r.spend).sum::<Decimal>(), dec!(8000.20));
    assert_eq!(rows.iter().map(|r| r.impressions).sum::<u64>(), 460_500);
    assert_eq!(
        rows.iter().map(|r| r.conversions).sum::<Decimal>(),
        dec!(180)
    );
    assert_eq!((rows[0].date, rows[0].spend), (day(6, 3), dec!(300.00)));
}

#[test]
fn weekly_rows_whose_total_does_not_add_up() {
    let pdf = weekly_dollars(Some(&[
        "Total",
        "$8,100.20",
        "460,500",
        "9,180",
        "180",
        "12,010",
    ]));
    let p = preview(&pdf, "weekly.pdf");
    let spend = p
        .checks
        .iter()
        .find(|c| c.metric == PdfMetric::Spend)
        .expect("check");
    assert!(!spend.matches());
    assert_eq!((spend.sum, spend.total), (dec!(8000.20), dec!(8100.20)));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("8000.20") && w.contains("8100.20")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn weekly_rows_without_a_total_in_euros() {
    let mut pdf = ReportPdf::new();
    title(
        &mut pdf,
        &[
            "Wochenbericht Juli 2024",
            "Zeitraum: 01.07.2024 - 28.07.2024",
        ],
    );
    let mut t = Table::new(50.0, &[260.0, 350.0, 420.0, 500.0]);
    t.headings = Headings::Left;
    pdf.table(
        &t,
        130.0,
        &["Woche", "Spend", "Impressions", "Clicks", "Conversions"],
        &[
            vec![
                "01.07. - 07.07.2024",
                "1.234,56 €",
                "48.200",
                "1.105",
                "12,5",
            ],
            vec!["08.07. - 14.07.2024", "987,65 €", "39.950", "860", "9"],
            vec!["15.07. - 21.07.2024", "1.502,00 €", "61.300", "1.420", "15"],
            vec![
                "22.07. - 28.07.2024",
                "1.100,79 €",
                "44.050",
                "1.015",
                "11,5",
            ],
        ],
    );
    let p = preview(&pdf, "woche.pdf");
    assert_eq!(p.locale.locale, NumberLocale::DecimalComma);
    assert_eq!(p.value(PdfMetric::Spend), Some(dec!(4825.00)));
    assert_eq!(p.value(PdfMetric::Impressions), Some(dec!(193500)));
    assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(4400)));
    assert_eq!(p.value(PdfMetric::Conversions), Some(dec!(48)));
    let spend = p
        .found
        .iter()
        .find(|f| f.metric == PdfMetric::Spend)
        .expect("spend");
    assert_eq!(spend.label, "sum of 4 period rows");
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    assert!(p.checks.is_empty());
    let weeks: Vec<_> = p.periods.iter().map(|w| (w.start, w.end)).collect();
    assert_eq!(
        weeks,
        [
            (day(7, 1), day(7, 7)),
            (day(7, 8), day(7, 14)),
            (day(7, 15), day(7, 21)),
            (day(7, 22), day(7, 28))
        ]
    );
    assert_eq!(p.periods[0].value(PdfMetric::Conversions), Some(dec!(12.5)));
    let booked = p
        .book(PeriodChoice::BookOn(day(7, 28)), None, "pdf:woche.pdf")
        .expect("book on");
    assert_eq!(
        (booked.len(), booked[0].spend, booked[0].clicks),
        (1, dec!(4825.00), 4400)
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn two_tables_on_two_pages() {
    let mut pdf = ReportPdf::new();
    title(
        &mut pdf,
        &[
            "Paid media and website – June 2024",
            "Period: 2024-06-01 to 2024-06-30",
        ],
    );
    let ads = Table::new(50.0, &[260.0, 350.0, 420.0, 500.0]);
    pdf.table(
        &ads,
        130.0,
        &["Month", "Spend", "Impressions", "Clicks", "Conversions"],
        &[vec!["June 2024", "£6,420.10", "301,000", "7,040", "95"]],
    );
    pdf.page();
    pdf.text(50.0, 60.0, 14.0, "Website");
    let web = Table::new(50.0, &[260.0, 350.0, 440.0]);
    pdf.table(
        &web,
        90.0,
        &["Week", "Sessions", "Users", "Pageviews"],
        &[
            vec!["2024-W23", "2,100", "1,700", "6,300"],
            vec!["2024-W24", "2,340", "1,880", "7,020"],
            vec!["Total", "4,440", "3,400", "13,320"],
        ],
    );
    let p = preview(&pdf, "two.pdf");
    assert_eq!(
        values(&p),
        [
            Some(dec!(6420.10)),
            Some(dec!(301000)),
            Some(dec!(7040)),
            Some(dec!(95)),
            None,
            Some(dec!(4440)),
            Some(dec!(3400)),
            Some(dec!(13320)),
            None
        ]
    );
    assert_eq!(p.currency.as_deref(), Some("GBP"));
    let pages: Vec<_> = p.tables.iter().map(|t| (t.page, t.layout)).collect();
    assert_eq!(
        pages,
        [
            (1, TableLayout::MetricsAsColumns),
            (2, TableLayout::MetricsAsColumns)
        ]
    );
    let sessions = p
        .found
        .iter()
        .find(|f| f.metric == PdfMetric::Sessions)
        .expect("sessions");
    assert_eq!((sessions.page, sessions.line), (2, 5));
    let periods: Vec<_> = p.periods.iter().map(|w| (w.start, w.end)).collect();
    assert_eq!(
        periods,
        [
            (day(6, 1), day(6, 30)),
            (day(6, 3), day(6, 9)),
            (day(6, 10), day(6, 16))
        ]
    );
    assert!(
        p.warnings.iter().any(|w| w.contains("overlap")),
        "the month and its weeks cannot both be booked: {:?}",
        p.warnings
    );
    assert!(p.period_rows().is_err());
}

#[test]
fn a_daily_table_split_across_pages() {
    let mut pdf = ReportPdf::new();
    title(
        &mut pdf,
        &[
            "Acme – daily performance",
            "Reporting period: June 1 - June 30, 2024",
        ],
    );
    let t = Table::new(50.0, &[250.0, 340.0, 410.0]);
    let headings = ["Date", "Spend", "Impressions", "Clicks"];
    // Day d: spend $(100 + d).50, 1,000 × d impressions, 10 × d clicks.
    let row = |d: u32| {
        vec![
            format!("2024-06-{d:02}"),
            format!("${}.50", 100 + d),
            format!("{},000", d),
            format!("{}", 10 * d),
        ]
    };
    let first: Vec<Vec<String>> = (1..=18).map(row).collect();
    let first: Vec<Vec<&str>> = first
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    pdf.table(&t, 130.0, &headings, &first);
    pdf.text(270.0, 800.0, 8.0, "Page 1 of 2");
    pdf.page();
    pdf.text(50.0, 50.0, 8.0, "Acme – daily performance (continued)");
    let mut second: Vec<Vec<String>> = (19..=30).map(row).collect();
    second.push(vec![
        "Total".to_owned(),
        "$3,480.00".to_owned(),
        "465,000".to_owned(),
        "4,650".to_owned(),
    ]);
    let second: Vec<Vec<&str>> = second
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    pdf.table(&t, 80.0, &headings, &second);
    pdf.text(270.0, 800.0, 8.0, "Page 2 of 2");
    let p = preview(&pdf, "daily.pdf");
    assert_eq!(p.tables.len(), 1, "{:#?}", p.tables);
    let table = &p.tables[0];
    assert_eq!((table.page, table.last_page, table.rows.len()), (1, 2, 31));
    assert_eq!(p.value(PdfMetric::Spend), Some(dec!(3480.00)));
    assert_eq!(p.value(PdfMetric::Impressions), Some(dec!(465000)));
    assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(4650)));
    assert_eq!(p.periods.len(), 30);
    assert_eq!(p.periods[18].start, day(6, 19));
    assert_eq!((p.periods[18].page, p.periods[18].line), (2, 3));
    assert_eq!(p.periods[29].value(PdfMetric::Spend), Some(dec!(130.50)));
    assert_eq!(p.checks.len(), 3);
    assert!(p.checks.iter().all(|c| c.matches()), "{:?}", p.checks);
    let rows = p
        .book(PeriodChoice::Spread, None, "pdf:daily.pdf")
        .expect("spread");
    assert_eq!(rows.len(), 30);
    assert_eq!(rows.iter().map(|r| r.spend).sum::<Decimal>(), dec!(3480.00));
}
