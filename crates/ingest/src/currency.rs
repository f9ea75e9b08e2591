//! Currency of imported money: recognising ISO codes in headers and cells, and the rule that a file
//! in another currency than its campaign is refused unless the user gives a rate.

use std::collections::HashMap;

use rust_decimal::{Decimal, RoundingStrategy};

use spendlens_core::{DailyRow, Platform};

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

/// ISO 4217 codes that are also words or abbreviations a header may put in parentheses
/// (`Conversions (ALL)`, `Views (TOP)`): read as currencies only where a currency column's
/// cell, or the campaign, says so.
const WORDS: [&str; 12] = [
    "ALL", "BAM", "BOB", "CUP", "DOP", "ERN", "GEL", "LAK", "MAD", "MOP", "SOS", "TOP",
];

/// Any active ISO 4217 code (case-insensitive) in its static form: what a currency column's cell
/// or a campaign's currency may be (`KWD`, `BHD`, `OMR` as much as `USD`).
pub(crate) fn iso_code(code: &str) -> Option<&'static str> {
    let upper = code.trim().to_ascii_uppercase();
    spendlens_core::currency::ISO_4217
        .iter()
        .copied()
        .find(|c| *c == upper)
}

/// A code written beside an amount or in a header's parentheses: a common one of [`CODES`] in
/// any case, any other ISO 4217 code in capitals unless it is also a word ([`WORDS`]).
pub(crate) fn written_code(code: &str) -> Option<&'static str> {
    known_code(code).or_else(|| {
        (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) && !WORDS.contains(&code))
            .then(|| iso_code(code))
            .flatten()
    })
}

/// What a cell or header written with `¥` states: the yen (JPY) or the yuan (CNY), which the
/// sign alone does not tell. The campaign's currency decides when it is one of them; otherwise
/// the file must say which ([`reconcile_currency`]).
pub(crate) const YEN_OR_YUAN: &str = "¥";

/// Makes a parsed file's money match its campaign's currency, or refuses it.
///
/// * Rows in `campaign_currency` (or without a stated currency: the file gave no hint, so the
///   campaign's currency is assumed, and a note says so) pass unchanged.
/// * Rows in one other currency are refused, unless `rate` is given: the number of
///   `campaign_currency` units one unit of the file's currency buys (e.g. 1.08 USD per EUR). Then
///   spend, conversion value and revenue are multiplied by it and rounded to the cent (half away
///   from zero), as a bank books a converted charge, carrying each campaign's rounding from day
///   to day ([`convert`]): a campaign's converted days add up to its converted total, so a row
///   spread over its days converts to the cent as the row booked on one day does. The rows
///   stored are the rows the preview shows, and every total is their sum. The rows are
///   relabelled.
/// * A file mixing two foreign currencies is refused even with a rate: one rate cannot fit both.
///
/// Spendlens never looks up rates itself (no network, no clock): the rate is the user's statement.
pub fn reconcile_currency(
    mut parsed: ParsedFile,
    campaign_currency: &str,
    rate: Option<Decimal>,
) -> Result<ParsedFile, ImportError> {
    let file = parsed.file.clone();
    let Some(campaign) = iso_code(campaign_currency) else {
        return Err(ImportError::whole_file(
            &file,
            format!("\"{campaign_currency}\" is not an ISO 4217 currency code"),
        ));
    };
    // `¥` is the campaign's currency when that is the yen or the yuan; otherwise it says too
    // little to convert from.
    for row in &mut parsed.rows {
        if row.currency.as_deref() == Some(YEN_OR_YUAN) {
            if matches!(campaign, "JPY" | "CNY") {
                row.currency = Some(campaign.to_owned());
            } else {
                return Err(ImportError::whole_file(
                    &file,
                    format!(
                        "amounts are written with ¥, which is both the yen (JPY) and the yuan \
                         (CNY), and the campaign is in {campaign}: say which (a currency column, \
                         or the code in the header, such as \"Cost (JPY)\") to convert them"
                    ),
                ));
            }
        }
    }
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
        convert(&mut parsed.rows, from, campaign, rate).ok_or_else(|| overflow(&file))?;
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

/// The exact converted sum so far of one amount of one campaign, and the cents booked for it.
#[derive(Debug, Default)]
struct Carry {
    exact: Decimal,
    booked: Decimal,
}

impl Carry {
    /// `amount` converted at `rate`: the cents that bring the booked sum to the exact sum
    /// rounded, so that the booked amounts add up to the converted total to the cent.
    fn next(&mut self, amount: Decimal, rate: Decimal) -> Option<Decimal> {
        self.exact = amount
            .checked_mul(rate)
            .and_then(|c| self.exact.checked_add(c))?;
        let total = self
            .exact
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        let booked = total.checked_sub(self.booked)?;
        self.booked = total;
        Some(booked)
    }
}

/// Converts rows' money to another currency at one rate, to the cent, each campaign (platform ×
/// external id) carrying its rounding from row to row: the converted rows of a campaign add up
/// to its total converted, and each is within a cent of its own exact conversion. Rows given in
/// date order per campaign (as [`reconcile_currency`] gives them, and as a streamed file usually
/// is) are converted to the same cents whichever path reads them.
#[derive(Debug)]
pub struct Converter {
    rate: Decimal,
    to: String,
    carries: HashMap<(Platform, String), [Carry; 3]>,
}

impl Converter {
    /// A converter to `to` at `rate` units of `to` per unit of the rows' currency.
    pub fn new(rate: Decimal, to: &str) -> Self {
        Self {
            rate,
            to: to.to_owned(),
            carries: HashMap::new(),
        }
    }

    /// Converts the row's spend, conversion value and revenue and relabels its currency; `None`
    /// when an amount overflows (the row is then left half-converted: refuse the file).
    pub fn row(&mut self, row: &mut DailyRow) -> Option<()> {
        let rate = self.rate;
        let [spend, value, revenue] = self
            .carries
            .entry((row.platform, row.external_campaign_id.clone()))
            .or_default();
        row.spend = spend.next(row.spend, rate)?;
        row.conversion_value = match row.conversion_value {
            Some(v) => Some(value.next(v, rate)?),
            None => None,
        };
        row.revenue = match row.revenue {
            Some(v) => Some(revenue.next(v, rate)?),
            None => None,
        };
        row.currency = Some(self.to.clone());
        Some(())
    }
}

/// Converts the amounts of the rows in `from` to `campaign` at `rate`, campaign by campaign in
/// date order ([`Converter`]).
fn convert(rows: &mut [DailyRow], from: &str, campaign: &str, rate: Decimal) -> Option<()> {
    let mut order: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            rows[i]
                .currency
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(from))
        })
        .collect();
    order.sort_by(|&a, &b| {
        let key = |r: &DailyRow| (r.platform, r.external_campaign_id.clone(), r.date);
        key(&rows[a]).cmp(&key(&rows[b]))
    });
    let mut converter = Converter::new(rate, campaign);
    for i in order {
        converter.row(&mut rows[i])?;
    }
    Some(())
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
        // 153.035 → 153.04, and another campaign's 99.99 at 1.27 is 126.9873 → 126.99.
        let mut two = file(&[Some("GBP"), Some("GBP")]);
        two.rows[1].external_campaign_id = "d".to_owned();
        two.rows[0].spend = dec!(120.50);
        two.rows[1].spend = dec!(99.99);
        two.rows[1].conversion_value = Some(dec!(0.005));
        let out = reconcile_currency(two, "USD", Some(dec!(1.27))).expect("with rate");
        let spends: Vec<String> = out.rows.iter().map(|r| r.spend.to_string()).collect();
        assert_eq!(spends, ["153.04", "126.99"]);
        assert_eq!(out.rows[1].conversion_value, Some(dec!(0.01)));
    }

    /// A total spread over its days converts as the total does: 1,164.10 GBP over 30 days at
    /// 1.25 is 1,455.13 USD (1,455.125 rounded half away from zero), where converting each day
    /// alone gave 1,455.06; each day stays within a cent of its own conversion.
    #[test]
    fn a_campaign_s_converted_days_add_up_to_its_converted_total() {
        let total = dec!(1164.10);
        let start = NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
        let mut row = DailyRow::empty(start, Platform::GoogleAds, "Search");
        row.spend = total;
        row.conversion_value = Some(dec!(2127.81));
        row.currency = Some("GBP".to_owned());
        let days: Vec<NaiveDate> = start.iter_days().take(30).collect();
        let mut spread = crate::table::spread(&row, &days);
        // A second campaign's days are carried apart.
        let mut other = DailyRow::empty(start, Platform::GoogleAds, "Brand");
        other.spend = dec!(0.03);
        other.currency = Some("GBP".to_owned());
        spread.push(other);
        let parsed = ParsedFile {
            rows: spread.clone(),
            ..file(&[])
        };
        let out = reconcile_currency(parsed, "USD", Some(dec!(1.25))).expect("with rate");
        let search = |r: &&DailyRow| r.external_campaign_id == "Search";
        let sum: Decimal = out.rows.iter().filter(search).map(|r| r.spend).sum();
        assert_eq!(sum, dec!(1455.13));
        let value: Decimal = out
            .rows
            .iter()
            .filter(search)
            .filter_map(|r| r.conversion_value)
            .sum();
        assert_eq!(value, dec!(2659.76));
        for (converted, original) in out.rows.iter().zip(&spread) {
            assert!((converted.spend - original.spend * dec!(1.25)).abs() < dec!(0.01));
            assert_eq!(converted.currency.as_deref(), Some("USD"));
        }
        let brand: Vec<Decimal> = out
            .rows
            .iter()
            .filter(|r| r.external_campaign_id == "Brand")
            .map(|r| r.spend)
            .collect();
        assert_eq!(brand, vec![dec!(0.04)]);
    }

    #[test]
    fn two_foreign_currencies_are_refused() {
        assert!(
            reconcile_currency(file(&[Some("EUR"), Some("GBP")]), "USD", Some(dec!(1.1))).is_err()
        );
    }

    #[test]
    fn every_iso_currency_may_be_the_campaign_s_and_the_yen_sign_is_the_campaign_s_when_it_can_be()
    {
        // A campaign in Kuwaiti dinars takes its own rows, and converts others.
        assert!(reconcile_currency(file(&[Some("KWD")]), "KWD", None).is_ok());
        let out =
            reconcile_currency(file(&[Some("USD")]), "kwd", Some(dec!(0.3073))).expect("rate");
        assert_eq!(out.rows[0].currency.as_deref(), Some("KWD"));
        // `¥` is the yuan for a CNY campaign, the yen for a JPY one, and too little for others.
        for campaign in ["CNY", "JPY"] {
            let out = reconcile_currency(file(&[Some(YEN_OR_YUAN)]), campaign, None).expect("¥");
            assert_eq!(out.rows[0].currency.as_deref(), Some(campaign));
            assert_eq!(out.rows[0].spend, dec!(100.00));
        }
        let err = reconcile_currency(file(&[Some(YEN_OR_YUAN)]), "USD", Some(dec!(0.0067)))
            .expect_err("which yen?");
        assert!(
            err.to_string().contains("both the yen (JPY) and the yuan"),
            "{err}"
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
