//! The sheet as rows: typed and text cells, and what a column's text cells decide.

use super::*;
use rust_decimal_macros::dec;
use serde_json::json;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn june() -> DateRange {
    DateRange::new(d("2024-06-01"), d("2024-06-30")).expect("range")
}

#[test]
fn typed_and_text_cells_are_read_and_duplicates_summed() {
    let values: Vec<Vec<serde_json::Value>> = serde_json::from_value(json!([
        [
            "Date",
            "Platform",
            "Campaign",
            "Monthly Budget",
            "Spend",
            "Impressions",
            "Clicks",
            "Conversions",
            "Revenue",
            "Notes"
        ],
        [
            45444,
            "Meta",
            "Prospecting - Broad",
            3000,
            84.53,
            10234,
            187,
            6,
            412.8
        ],
        [
            "2024-06-01",
            "LinkedIn",
            "ABM - Tier 1",
            "€5,000.00",
            "€152.37",
            "8,412",
            "61",
            "4",
            "€1,200.00",
            "invoice #A-17"
        ],
        [
            "2024/06/01",
            "Google",
            "ABM - Tier 1",
            "",
            "€10.00",
            "",
            "",
            "",
            ""
        ],
        [
            "2024-07-01",
            "Meta",
            "Prospecting - Broad",
            3000,
            1,
            1,
            1,
            1,
            1
        ],
        [],
        ["Total", "", "", "", 247.0]
    ]))
    .expect("json");
    let rows = rows_from_values(&values, june()).expect("rows");
    assert_eq!(rows.len(), 2);
    let abm = &rows[0];
    assert_eq!(
        (abm.date, abm.external_campaign_id.as_str()),
        (d("2024-06-01"), "ABM - Tier 1")
    );
    assert_eq!(abm.spend, dec!(162.37));
    assert_eq!(abm.impressions, 8412);
    assert_eq!(abm.revenue, Some(dec!(1200.00)));
    let meta = &rows[1];
    assert_eq!(meta.spend, dec!(84.53));
    assert_eq!(meta.conversions, dec!(6));
    assert_eq!(meta.platform, Platform::Sheets);
    // The euro of the text amounts is the sheet's currency, typed cells included.
    assert!(rows.iter().all(|r| r.currency.as_deref() == Some("EUR")));
}

fn sheet(v: serde_json::Value) -> Vec<Vec<serde_json::Value>> {
    serde_json::from_value(v).expect("json")
}

fn november() -> DateRange {
    DateRange::new(d("2026-11-01"), d("2026-11-30")).expect("range")
}

fn refusal(v: serde_json::Value) -> String {
    rows_from_values(&sheet(v), november())
        .expect_err("refused")
        .to_string()
}

/// The audit's sheet (D4): "84,53", "2,5" and "1.234,56" typed as text are decimal commas,
/// never 8453, 25 and 1.23456.
#[test]
fn decimal_commas_in_text_cells_are_read_as_decimals() {
    let rows = rows_from_values(
        &sheet(json!([
            [
                "Date",
                "Campaign",
                "Spend",
                "Impressions",
                "Conversions",
                "Revenue"
            ],
            [46328, "Retargeting", "84,53", "1.234", "2,5", "1.234,56"],
            [46329, "Retargeting", "1,234", 10, "3", "12,00"]
        ])),
        november(),
    )
    .expect("rows");
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.spend, r.impressions, r.conversions, r.revenue))
        .collect();
    assert_eq!(
        got,
        vec![
            (dec!(84.53), 1234, dec!(2.5), Some(dec!(1234.56))),
            // The column's decimal comma settles "1,234".
            (dec!(1.234), 10, dec!(3), Some(dec!(12.00))),
        ]
    );
    assert!(rows.iter().all(|r| r.currency.is_none()));
    // A lone "1,234" with nothing else in the column to go by is refused, not guessed.
    let e = refusal(json!([["Date", "Spend"], [46328, "1,234"], [46329, 5]]));
    assert!(
        e.contains("row 2, column B: \"1,234\" could be 1234 or a fraction")
            && e.contains("format the column as a number, or write 1234.00"),
        "{e}"
    );
    // The audit's sheet: a decimal point and a decimal comma in one column.
    let e = refusal(json!([
        ["Date", "Campaign", "Spend"],
        [46327, "ABM - Tier 1", "€152.37"],
        [46328, "Retargeting", "84,53"]
    ]));
    assert!(
        e.contains("row 3, column C: \"84,53\" has a decimal comma but row 2, column C \"€152.37\" has a decimal point"),
        "{e}"
    );
}

/// D3: a currency in a text amount goes on the rows (the sync refuses it against another
/// campaign currency); two currencies in one sheet are refused with a cell of each.
#[test]
fn a_currency_in_text_amounts_is_carried_and_must_be_one() {
    let rows = rows_from_values(
        &sheet(json!([
            ["Date", "Campaign", "Spend", "Revenue"],
            [46327, "ABM - Tier 1", "€152.37", "€1,200.00"],
            [46327, "Prospecting - Broad", 84.53, "412.80 EUR"]
        ])),
        november(),
    )
    .expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.currency.as_deref() == Some("EUR")));
    assert_eq!(
        (rows[0].spend, rows[0].revenue),
        (dec!(152.37), Some(dec!(1200.00)))
    );
    let e = refusal(json!([
        ["Date", "Spend", "Revenue"],
        [46327, "$84.53", "$412.80"],
        [46328, 10, "£5"]
    ]));
    assert!(
        e.contains("row 3, column C: \"£5\" is in GBP but row 2, column B \"$84.53\" is in USD"),
        "{e}"
    );
    let e = refusal(json!([["Date", "Clicks", "Spend"], [46327, "€5", 1]]));
    assert!(e.contains("row 2, column B"), "{e}");
}

/// D5: the audit's Berlin sheet. Every text date could be read both ways, so it is refused;
/// one date that can only be day first settles the column.
#[test]
fn text_dates_follow_their_column_or_are_refused() {
    let berlin = |extra: serde_json::Value| {
        let mut v = json!([
            ["Date", "Campaign", "Spend"],
            ["02/11/2026", "Search", 100],
            ["05/11/2026", "Search", 200],
            ["11/05/2026", "Search", 300]
        ]);
        if let Some(rows) = v.as_array_mut() {
            rows.push(extra);
        }
        v
    };
    let e = refusal(berlin(json!([])));
    assert!(
        e.contains("row 2, column A: \"02/11/2026\" could be day first or month first")
            && e.contains("format the column as a date, or write YYYY-MM-DD"),
        "{e}"
    );
    let rows = rows_from_values(
        &sheet(berlin(json!(["13/11/2026", "Search", 400]))),
        november(),
    )
    .expect("rows");
    let got: Vec<_> = rows.iter().map(|r| (r.date, r.spend)).collect();
    assert_eq!(
        got,
        vec![
            (d("2026-11-02"), dec!(100)),
            (d("2026-11-05"), dec!(200)),
            (d("2026-11-13"), dec!(400))
        ],
        "11/05/2026 is 11 May: outside November"
    );
    let e = refusal(json!([
        ["Date", "Spend"],
        ["02/11/2026", 1],
        ["13/11/2026", 1],
        ["11/14/2026", 1]
    ]));
    assert!(
        e.contains("row 4, column A: \"11/14/2026\" is written month first but row 3, column A \"13/11/2026\" is written day first"),
        "{e}"
    );
}

#[test]
fn unreadable_cells_fail_with_their_position() {
    let values: Vec<Vec<serde_json::Value>> = serde_json::from_value(json!([
        ["Date", "Spend"],
        ["2024-06-01", "12.50"],
        ["2024-06-02", "twelve"]
    ]))
    .expect("json");
    let err = rows_from_values(&values, june()).expect_err("bad cell");
    assert!(
        err.to_string()
            .contains("row 3, column B: \"twelve\" is not a number"),
        "{err}"
    );
    let no_spend: Vec<Vec<serde_json::Value>> =
        serde_json::from_value(json!([["Date", "Budget"]])).expect("json");
    assert!(rows_from_values(&no_spend, june()).is_err());
    assert_eq!(rows_from_values(&[], june()).expect("empty"), vec![]);
}

#[test]
fn column_names() {
    assert_eq!(column_name(0), "A");
    assert_eq!(column_name(25), "Z");
    assert_eq!(column_name(26), "AA");
}
