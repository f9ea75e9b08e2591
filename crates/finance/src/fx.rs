//! Exchange rates the user supplies, and a converter that remembers which ones it used.
//!
//! spendlens never fetches rates: finance teams close their books at agreed rates, and a report
//! must be reproducible. A rate `from → to` says what one unit of `from` is worth in `to`. A
//! conversion looks up `from → to`, else uses the inverse of `to → from`; there is no
//! triangulation through a third currency (it would silently invent a rate nobody agreed on).
//! A missing rate is an error that names the pair.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use spendlens_core::campaign::FieldError;
use spendlens_core::num;

use crate::error::FinanceError;

/// One supplied rate: one `from` is worth `rate` `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxRate {
    pub from: String,
    pub to: String,
    pub rate: Decimal,
}

/// A rate a conversion used, as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateUsed {
    pub from: String,
    pub to: String,
    /// The factor applied: an amount in `from` times this is the amount in `to`.
    pub rate: Decimal,
    /// True when the table holds `to → from` and this is its inverse.
    pub inverted: bool,
}

/// The rates table of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatesTable {
    rates: BTreeMap<(String, String), Decimal>,
}

impl RatesTable {
    /// Checks and indexes the rates. Every problem names its place (`rates[2].rate`). Codes are
    /// upper-cased; a pair given twice, a rate from a currency to itself, or a rate that is not
    /// above zero is refused.
    pub fn new(rates: &[FxRate]) -> Result<Self, FinanceError> {
        let mut errors = Vec::new();
        let mut table = BTreeMap::new();
        for (i, r) in rates.iter().enumerate() {
            let from = r.from.trim().to_ascii_uppercase();
            let to = r.to.trim().to_ascii_uppercase();
            let mut bad = |what: &str, message: &str| {
                errors.push(FieldError {
                    field: "rates",
                    message: format!("rates[{i}].{what} {message}"),
                });
            };
            let code_ok = |c: &str| spendlens_core::currency::is_iso_4217(c);
            if !code_ok(&from) {
                bad("from", "must be an ISO 4217 currency code such as USD");
            }
            if !code_ok(&to) {
                bad("to", "must be an ISO 4217 currency code such as USD");
            }
            if from == to {
                bad("to", "must differ from `from`");
            }
            if r.rate <= Decimal::ZERO {
                bad("rate", "must be above zero");
            }
            if table.insert((from, to), r.rate).is_some() {
                bad("from", "repeats a pair given earlier");
            }
        }
        if errors.is_empty() {
            Ok(RatesTable { rates: table })
        } else {
            Err(FinanceError::InvalidRates { errors })
        }
    }

    /// The factor to convert `from` into `to`, if the table has it (directly or inverted).
    pub fn lookup(&self, from: &str, to: &str) -> Option<RateUsed> {
        if let Some(rate) = self.rates.get(&(from.to_owned(), to.to_owned())) {
            return Some(RateUsed {
                from: from.to_owned(),
                to: to.to_owned(),
                rate: *rate,
                inverted: false,
            });
        }
        self.rates
            .get(&(to.to_owned(), from.to_owned()))
            .map(|rate| RateUsed {
                from: from.to_owned(),
                to: to.to_owned(),
                rate: num::div_or_zero(Decimal::ONE, *rate),
                inverted: true,
            })
    }
}

/// Converts amounts with a rates table and records every rate it applied.
#[derive(Debug)]
pub(crate) struct Converter<'a> {
    table: &'a RatesTable,
    used: BTreeMap<(String, String), RateUsed>,
}

impl<'a> Converter<'a> {
    pub(crate) fn new(table: &'a RatesTable) -> Self {
        Converter {
            table,
            used: BTreeMap::new(),
        }
    }

    /// The factor from `from` to `to` (1 for the same currency), recording it.
    pub(crate) fn factor(&mut self, from: &str, to: &str) -> Result<Decimal, FinanceError> {
        if from == to {
            return Ok(Decimal::ONE);
        }
        let key = (from.to_owned(), to.to_owned());
        if let Some(used) = self.used.get(&key) {
            return Ok(used.rate);
        }
        let used = self
            .table
            .lookup(from, to)
            .ok_or_else(|| FinanceError::MissingRate {
                from: from.to_owned(),
                to: to.to_owned(),
            })?;
        let rate = used.rate;
        self.used.insert(key, used);
        Ok(rate)
    }

    /// `amount` in `from` converted into `to`, exactly (no rounding).
    pub(crate) fn convert(
        &mut self,
        amount: Decimal,
        from: &str,
        to: &str,
    ) -> Result<Decimal, FinanceError> {
        Ok(num::mul(amount, self.factor(from, to)?))
    }

    /// The rates applied so far, by pair.
    pub(crate) fn into_used(self) -> Vec<RateUsed> {
        self.used.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn rate(from: &str, to: &str, rate: Decimal) -> FxRate {
        FxRate {
            from: from.into(),
            to: to.into(),
            rate,
        }
    }

    #[test]
    fn direct_inverse_and_missing() {
        let table = RatesTable::new(&[rate("eur", "USD", dec!(1.25))]).unwrap_or_default();
        let mut conv = Converter::new(&table);
        assert_eq!(conv.convert(dec!(100), "EUR", "USD"), Ok(dec!(125.00)));
        assert_eq!(conv.convert(dec!(125), "USD", "EUR"), Ok(dec!(100)));
        assert_eq!(conv.convert(dec!(7), "GBP", "GBP"), Ok(dec!(7)));
        assert_eq!(
            conv.convert(dec!(1), "GBP", "USD"),
            Err(FinanceError::MissingRate {
                from: "GBP".into(),
                to: "USD".into()
            })
        );
        let used = conv.into_used();
        assert_eq!(
            used.iter()
                .map(|u| (u.from.as_str(), u.to.as_str(), u.rate, u.inverted))
                .collect::<Vec<_>>(),
            vec![
                ("EUR", "USD", dec!(1.25), false),
                ("USD", "EUR", dec!(0.8), true)
            ]
        );
    }

    #[test]
    fn bad_tables_name_the_rate() {
        let err = RatesTable::new(&[
            rate("EUR", "USD", dec!(1.1)),
            rate("EUR", "usd", dec!(1.2)),
            rate("GBP", "GBP", dec!(1)),
            rate("EURO", "USD", dec!(0)),
        ]);
        let messages: Vec<String> = match err {
            Err(FinanceError::InvalidRates { errors }) => {
                errors.into_iter().map(|e| e.message).collect()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            messages,
            vec![
                "rates[1].from repeats a pair given earlier",
                "rates[2].to must differ from `from`",
                "rates[3].from must be an ISO 4217 currency code such as USD",
                "rates[3].rate must be above zero",
            ]
        );
    }
}
