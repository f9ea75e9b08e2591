//! Currency of imported money: recognising ISO codes in headers and cells, and the rule that a file
//! in another currency than its campaign is refused unless the user gives a rate.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Diagnostic, ImportError};
use crate::model::ParsedFile;

/// ISO 4217 codes ad accounts are billed in. A three-letter word outside this list in a header
/// (`Cost (ALL)`) is not taken as a currency.
const CODES: [&str; 44] = [
    "USD", "EUR", "GBP", "JPY", "AUD", "CAD", "CHF", "CNY", "HKD", "NZD", "SEK", "NOK", "DKK",
    "PLN", "CZK", "HUF", "RON", "BGN", "TRY", "ILS", "AED", "SAR", "INR", "IDR", "MYR", "PHP",
    "SGD", "THB", "VND", "KRW", "TWD", "BRL", "MXN", "ARS", "CLP", "COP", "PEN", "ZAR", "NGN",
    "EGP", "KES", "PKR", "BDT", "UAH",
];

/// The static form of a known ISO currency code (case-insensitive), if it is one.
pub(crate) fn known_code(code: &str) -> Option<&'static str> {
    CODES.iter().copied().find(|c| c.eq_ignore_ascii_case(code))
}

/// Makes a parsed file's money match its campaign's currency, or refuses it.
///
/// * Rows in `campaign_currency` (or without a stated currency: the file gave no hint, so the
///   campaign's currency is assumed, and a note says so) pass unchanged.
/// * Rows in one other currency are refused, unless `rate` is given: the number of
///   `campaign_currency` units one unit of the file's currency buys (e.g. 1.08 USD per EUR). Then
///   spend, conversion value and revenue are multiplied by it and rounded to the cent (half away
///   from zero), as a bank books a converted charge: the rows stored are the rows the preview
///   shows, and every total is their sum. The rows are relabelled.
/// * A file mixing two foreign currencies is refused even with a rate: one rate cannot fit both.
///
/// Spendlens never looks up rates itself (no network, no clock): the rate is the user's statement.
pub fn reconcile_currency(
    mut parsed: ParsedFile,
    campaign_currency: &str,
    rate: Option<Decimal>,
) -> Result<ParsedFile, ImportError> {
    let file = parsed.file.clone();
    let Some(campaign) = known_code(campaign_currency) else {
        return Err(ImportError::whole_file(
            &file,
            format!("\"{campaign_currency}\" is not a known ISO 4217 currency code"),
        ));
    };
    let mut foreign: Vec<String> = Vec::new();
    let mut unstated = 0usize;
    for row in &parsed.rows {
        match row.currency.as_deref() {
            None => unstated += 1,
            Some(c) if c.eq_ignore_ascii_case(campaign) => {}
            Some(c) => {
                if !foreign.iter().any(|f| f.eq_ignore_ascii_case(c)) {
                    foreign.push(c.to_owned());
                }
            }
        }
    }
    if foreign.len() > 1 {
        return Err(ImportError::whole_file(
            &file,
            format!(
                "the file mixes currencies {} and the campaign is in {campaign}; split the file by currency",
                foreign.join(", ")
            ),
        ));
    }
    if let Some(from) = foreign.first().map(String::as_str) {
        let Some(rate) = rate else {
            return Err(ImportError::Rejected {
                file: file.clone(),
                diagnostics: vec![Diagnostic::file(
                    &file,
                    format!(
                        "amounts are in {from} but the campaign is in {campaign}; give an exchange rate \
                         ({campaign} per 1 {from}) to import them"
                    ),
                )],
            });
        };
        if rate <= Decimal::ZERO {
            return Err(ImportError::whole_file(
                &file,
                format!("the exchange rate {rate} must be positive"),
            ));
        }
        for row in &mut parsed.rows {
            if row
                .currency
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(from))
            {
                row.spend = scale(Some(row.spend), rate)
                    .map_err(|()| overflow(&file))?
                    .unwrap_or_default();
                row.conversion_value =
                    scale(row.conversion_value, rate).map_err(|()| overflow(&file))?;
                row.revenue = scale(row.revenue, rate).map_err(|()| overflow(&file))?;
                row.currency = Some(campaign.to_owned());
            }
        }
        parsed.notes.push(format!(
            "converted {from} to {campaign} at {rate} {campaign} per {from}"
        ));
    }
    if unstated > 0 {
        parsed.notes.push(format!(
            "{unstated} row(s) state no currency; taken to be in {campaign}"
        ));
        for row in &mut parsed.rows {
            row.currency.get_or_insert_with(|| campaign.to_owned());
        }
    }
    parsed.currency = Some(campaign.to_owned());
    Ok(parsed)
}

fn scale(v: Option<Decimal>, rate: Decimal) -> Result<Option<Decimal>, ()> {
    match v {
        None => Ok(None),
        Some(v) => v
            .checked_mul(rate)
            .map(|c| Some(c.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)))
            .ok_or(()),
    }
}

fn overflow(file: &str) -> ImportError {
    ImportError::whole_file(file, "an amount is too large to convert at this rate")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Source;
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;
    use spendlens_core::{DailyRow, Platform};

    fn file(currencies: &[Option<&str>]) -> ParsedFile {
        let date = NaiveDate::from_ymd_opt(2024, 6, 1).expect("date");
        let rows = currencies
            .iter()
            .map(|c| {
                let mut r = DailyRow::empty(date, Platform::Meta, "c");
                r.spend = dec!(100.00);
                r.revenue = Some(dec!(10));
                r.currency = c.map(str::to_owned);
                r
            })
            .collect();
        ParsedFile {
            file: "f.csv".into(),
            source: Source::Meta,
            rows,
            skipped: vec![],
            currency: None,
            notes: vec![],
            detail: None,
        }
    }

    #[test]
    fn same_currency_passes() {
        let out = reconcile_currency(file(&[Some("USD")]), "usd", None).expect("same currency");
        assert_eq!(out.rows[0].spend, dec!(100.00));
    }

    #[test]
    fn other_currency_needs_a_rate() {
        let err = reconcile_currency(file(&[Some("EUR")]), "USD", None).expect_err("refused");
        assert!(err.to_string().contains("EUR"), "{err}");
        let out =
            reconcile_currency(file(&[Some("EUR")]), "USD", Some(dec!(1.08))).expect("with rate");
        assert_eq!(out.rows[0].spend, dec!(108.0000));
        assert_eq!(out.rows[0].revenue, Some(dec!(10.80)));
        assert_eq!(out.rows[0].currency.as_deref(), Some("USD"));
        assert!(reconcile_currency(file(&[Some("EUR")]), "USD", Some(dec!(0))).is_err());
        // Converted amounts are booked to the cent, half away from zero: 120.50 GBP at 1.27 is
        // 153.035 → 153.04, and 99.99 at 1.27 is 126.9873 → 126.99; the rows add up to 280.03.
        let mut two = file(&[Some("GBP"), Some("GBP")]);
        two.rows[0].spend = dec!(120.50);
        two.rows[1].spend = dec!(99.99);
        two.rows[1].conversion_value = Some(dec!(0.005));
        let out = reconcile_currency(two, "USD", Some(dec!(1.27))).expect("with rate");
        let spends: Vec<String> = out.rows.iter().map(|r| r.spend.to_string()).collect();
        assert_eq!(spends, ["153.04", "126.99"]);
        assert_eq!(out.rows[1].conversion_value, Some(dec!(0.01)));
    }

    #[test]
    fn two_foreign_currencies_are_refused() {
        assert!(
            reconcile_currency(file(&[Some("EUR"), Some("GBP")]), "USD", Some(dec!(1.1))).is_err()
        );
    }

    #[test]
    fn unstated_currency_is_assumed_and_noted() {
        let out = reconcile_currency(file(&[None]), "EUR", None).expect("assumed");
        assert_eq!(out.rows[0].currency.as_deref(), Some("EUR"));
        assert!(out.notes[0].contains("no currency"));
        assert!(reconcile_currency(file(&[None]), "XYZ", None).is_err());
    }
}
