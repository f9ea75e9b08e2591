//! The report document: what a financial report over a period holds, independent of its format.
//!
//! Another layer (the finance use case in `spendlens-app`) decides which tables a report has and
//! fills them with exact numbers; the writers in this crate only lay out whatever the model holds.
//! Cells are typed so that each format can write them natively: money as a number with a currency
//! format in XLSX and as a plain 2-decimal number in CSV, dates as real dates, and so on.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::chart::Chart;
use crate::currency::{format_money, format_percent, format_rate, format_ratio, grouped};

/// The most decimals a [`Cell::Number`] is written with; more is noise in a report.
pub const MAX_DP: u32 = 10;

/// A financial report over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The heading of the document (first line of the CSV, workbook title, PDF title).
    pub title: String,
    pub period: Period,
    /// The day the report was produced. The caller's clock decides it, never this crate; it is
    /// written into the documents' metadata so that the same model gives the same bytes.
    pub generated_on: NaiveDate,
    pub currency: CurrencyNote,
    pub sections: Vec<Section>,
}

/// The inclusive range of days the report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The reporting currency and the exchange rates that converted other currencies into it.
///
/// A reader must be able to tell which rates turned a euro campaign into dollars, so every
/// format prints this note next to the title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyNote {
    /// ISO 4217 code of every converted amount (`"USD"`).
    pub reporting: String,
    /// Empty when every amount was already in the reporting currency.
    pub rates: Vec<ExchangeRate>,
}

/// `1 from = rate to`: an amount in `from` times `rate` is the amount in `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRate {
    pub from: String,
    pub to: String,
    pub rate: Decimal,
    /// The day the rate is quoted for, when the rates table says (printed after the rate).
    pub as_of: Option<NaiveDate>,
}

/// One titled part of a report: a table and the charts that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    /// A table with no header and no rows is not printed.
    pub table: Table,
    /// Drawn after the table in the PDF; the CSV and XLSX hold data only and leave them out.
    pub charts: Vec<Chart>,
}

/// A header row and rows of typed cells. Rows may be shorter or longer than the header; writers
/// pad short rows with empty cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One typed value of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    /// An amount of money, unrounded; written with 2 decimals, rounded half away from zero.
    ///
    /// The PDF prints the currency with every amount and the XLSX formats every cell with it, but
    /// the CSV writes plain numbers: a table whose amounts are in several currencies (campaigns
    /// in their own currency) should carry a currency column of its own.
    Money {
        amount: Decimal,
        currency: String,
    },
    /// A percentage in percentage points: `12.5` is 12.5 %.
    Percent(Decimal),
    /// A multiple such as ROAS, as every page writes it: `6.32x` in the PDF and in XLSX (a
    /// number formatted `0.00"x"`), the plain 2-decimal number in CSV.
    Ratio(Decimal),
    /// Any other plain number, written with `dp` decimals (conversions: 2).
    Number {
        value: Decimal,
        dp: u32,
    },
    Integer(i64),
    Date(NaiveDate),
}

impl Cell {
    /// A text cell.
    pub fn text(text: impl Into<String>) -> Self {
        Cell::Text(text.into())
    }

    /// A money cell.
    pub fn money(amount: Decimal, currency: impl Into<String>) -> Self {
        Cell::Money {
            amount,
            currency: currency.into(),
        }
    }

    /// The cell as people read it, in full: what the PDF prints (wrapped, never cut) and what a
    /// test looks for in the PDF's text. Money is `"$1,234.57"`, a percentage `"12.50%"`.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Money { amount, currency } => format_money(*amount, currency),
            Cell::Percent(value) => format_percent(*value),
            Cell::Ratio(value) => format_ratio(*value),
            Cell::Number { value, dp } => grouped(*value, (*dp).min(MAX_DP)),
            Cell::Integer(value) => grouped(Decimal::from(*value), 0),
            Cell::Date(date) => spendlens_core::dates::day(*date),
        }
    }

    /// Whether the cell holds a number (right-aligned in the PDF).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Cell::Money { .. }
                | Cell::Percent(_)
                | Cell::Ratio(_)
                | Cell::Number { .. }
                | Cell::Integer(_)
        )
    }
}

impl Table {
    /// The number of columns: the header's or the longest row's, whichever is larger.
    pub fn width(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .chain(std::iter::once(self.header.len()))
            .max()
            .unwrap_or(0)
    }

    /// Whether there is nothing to print.
    pub fn is_empty(&self) -> bool {
        self.header.is_empty() && self.rows.is_empty()
    }
}

impl Report {
    /// The period, as people read it: `"2025-01-01 to 2025-03-31"`.
    pub fn period_label(&self) -> String {
        format!("{} to {}", self.period.start, self.period.end)
    }

    /// The currency note as one line: `"Amounts in USD."`, or with conversions `"Totals in USD;
    /// each campaign's own figures in its currency (its Currency column). Exchange rates used:
    /// 1 EUR = 1.085 USD (31 Mar 2025)."`
    pub fn currency_label(&self) -> String {
        let code = self.currency.reporting.trim();
        let mut out = if code.is_empty() {
            "Amounts in the source currency.".to_owned()
        } else if self.currency.rates.is_empty() {
            format!("Amounts in {code}.")
        } else {
            // Converted totals beside campaigns in other currencies: the rows of a campaign are
            // in its own (the Currency column), and cannot be added up as they stand.
            format!(
                "Totals in {code}; each campaign's own figures in its currency (its Currency column)."
            )
        };
        if !self.currency.rates.is_empty() {
            let rates: Vec<String> = self
                .currency
                .rates
                .iter()
                .map(|r| {
                    let (shown, exact) = format_rate(r.rate);
                    let mut rate = format!(
                        "1 {} {} {shown} {}",
                        r.from.trim(),
                        if exact { "=" } else { "≈" },
                        r.to.trim()
                    );
                    if let Some(day) = r.as_of {
                        rate.push_str(&format!(" ({})", spendlens_core::dates::day(day)));
                    }
                    rate
                })
                .collect();
            out.push_str(" Exchange rates used: ");
            out.push_str(&rates.join(", "));
            out.push('.');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn report(reporting: &str, rates: Vec<ExchangeRate>) -> Report {
        let day = NaiveDate::from_ymd_opt(2025, 3, 31).expect("date");
        Report {
            title: "T".to_owned(),
            period: Period {
                start: day,
                end: day,
            },
            generated_on: day,
            currency: CurrencyNote {
                reporting: reporting.to_owned(),
                rates,
            },
            sections: vec![],
        }
    }

    #[test]
    fn the_currency_note_lists_every_rate() {
        assert_eq!(report("USD", vec![]).currency_label(), "Amounts in USD.");
        assert_eq!(
            report(" ", vec![]).currency_label(),
            "Amounts in the source currency."
        );
        let rates = vec![
            ExchangeRate {
                from: "EUR".to_owned(),
                to: "USD".to_owned(),
                rate: dec!(1.08500),
                as_of: NaiveDate::from_ymd_opt(2025, 3, 31),
            },
            ExchangeRate {
                from: "GBP".to_owned(),
                to: "USD".to_owned(),
                rate: dec!(1.25),
                as_of: None,
            },
        ];
        assert_eq!(
            report("USD", rates).currency_label(),
            "Totals in USD; each campaign's own figures in its currency (its Currency column). Exchange rates used: 1 EUR = 1.085 USD (31 Mar 2025), 1 GBP = 1.25 USD."
        );
        // An inverted rate is printed to 6 significant digits, marked as rounded.
        let derived = vec![ExchangeRate {
            from: "EUR".to_owned(),
            to: "GBP".to_owned(),
            rate: Decimal::ONE / dec!(1.1466),
            as_of: None,
        }];
        assert_eq!(
            report("GBP", derived).currency_label(),
            "Totals in GBP; each campaign's own figures in its currency (its Currency column). Exchange rates used: 1 EUR ≈ 0.872144 GBP."
        );
    }

    #[test]
    fn a_table_is_as_wide_as_its_widest_row() {
        let table = Table {
            header: vec!["a".to_owned()],
            rows: vec![vec![Cell::Empty, Cell::Integer(1), Cell::text("x")]],
        };
        assert_eq!(table.width(), 3);
        assert!(!table.is_empty());
        assert!(Table::default().is_empty());
        assert!(Cell::money(dec!(1), "USD").is_numeric());
        // A multiple reads as the pages write ROAS, and is right-aligned as a number.
        assert_eq!(Cell::Ratio(dec!(6.3249)).display(), "6.32x");
        assert!(Cell::Ratio(dec!(6.3249)).is_numeric());
        assert!(!Cell::Date(NaiveDate::MIN).is_numeric());
    }
}
