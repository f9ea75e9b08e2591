//! What the input formats share: finding a format's columns in the header (in any order, under any
//! of their accepted names, extra columns ignored), naming a row's problems by line and column,
//! collecting them, and reading the counts and money amounts the formats hold.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::error::{Error, MAX_PROBLEMS, Problem};
use crate::records::Record;

/// The largest count or value accepted in one row: far beyond any real export, and low enough that
/// sums can never overflow a decimal or lose integer precision in an `f64`.
const MAX_AMOUNT: f64 = 1e15;

/// One column a format reads: the header names it goes by (the first is the one messages use when
/// the column is missing) and whether the format needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub names: &'static [&'static str],
    pub required: bool,
}

impl Spec {
    /// A column the format cannot do without.
    pub const fn required(names: &'static [&'static str]) -> Self {
        Self {
            names,
            required: true,
        }
    }

    /// A column that may be left out (its cells then count as empty).
    pub const fn optional(names: &'static [&'static str]) -> Self {
        Self {
            names,
            required: false,
        }
    }
}

/// The header's cells, trimmed and lower-cased: columns are matched without regard to case.
pub(crate) fn header_names(record: &Record<'_>) -> Vec<String> {
    record
        .iter()
        .map(|field| String::from_utf8_lossy(field).trim().to_ascii_lowercase())
        .collect()
}

/// Where each column of a format is (by 0-based position), with the name the header gave it.
#[derive(Debug)]
pub(crate) struct Columns<const N: usize> {
    index: [Option<usize>; N],
    names: [String; N],
}

impl<const N: usize> Columns<N> {
    /// Finds every column of `specs` in `header`; each missing required column is a problem of
    /// line 1.
    pub fn find(header: &[String], specs: &[Spec; N]) -> Result<Self, Error> {
        let mut problems = Vec::new();
        let mut index = [None; N];
        let names: [String; N] = std::array::from_fn(|k| {
            let spec = specs[k];
            let found = spec
                .names
                .iter()
                .find_map(|name| header.iter().position(|h| h == name));
            index[k] = found;
            match found {
                Some(i) => header[i].clone(),
                None => {
                    if spec.required {
                        let mut message = format!("missing column `{}`", spec.names[0]);
                        if spec.names.len() > 1 {
                            let others: Vec<String> =
                                spec.names[1..].iter().map(|n| format!("`{n}`")).collect();
                            message.push_str(&format!(" (or {})", others.join(", ")));
                        }
                        problems.push(Problem::line(1, message));
                    }
                    spec.names[0].to_owned()
                }
            }
        });
        if problems.is_empty() {
            Ok(Self { index, names })
        } else {
            Err(Error::Invalid(problems))
        }
    }

    /// Column `k`'s 1-based position and name, when it is in the header.
    pub fn column(&self, k: usize) -> Option<(usize, &str)> {
        self.index[k].map(|i| (i + 1, self.names[k].as_str()))
    }

    /// Field `k` of the record, trimmed; a problem naming line and column if the row is too short
    /// (or, for a column the header lacks, which only optional columns can be, an empty field).
    pub fn field<'r>(&self, record: &Record<'r>, k: usize, line: u64) -> Result<&'r [u8], Problem> {
        let Some(i) = self.index[k] else {
            return Ok(&[]);
        };
        record
            .get(i)
            .map(<[u8]>::trim_ascii)
            .ok_or_else(|| Problem::at(line, i + 1, &self.names[k], "missing field"))
    }

    /// A problem with field `k` of `line`.
    pub fn problem(&self, k: usize, line: u64, message: impl Into<String>) -> Problem {
        Problem::at(
            line,
            self.index[k].map_or(0, |i| i + 1),
            &self.names[k],
            message,
        )
    }
}

/// Collects problems, stopping the read once there are enough of them.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<Problem>);

impl Problems {
    pub fn push(&mut self, problem: Problem) {
        if self.0.len() < MAX_PROBLEMS {
            self.0.push(problem);
        }
    }

    /// Takes the problems of an input error; any other error is handed back.
    pub fn absorb(&mut self, error: Error) -> Result<(), Error> {
        match error {
            Error::Invalid(problems) => {
                problems.into_iter().for_each(|p| self.push(p));
                Ok(())
            }
            other => Err(other),
        }
    }

    pub fn full(&self) -> bool {
        self.0.len() >= MAX_PROBLEMS
    }

    pub fn finish<T>(self, ok: T) -> Result<T, Error> {
        if self.0.is_empty() {
            Ok(ok)
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

/// A non-negative count (fractions allowed: path exports from other models carry them).
pub(crate) fn parse_count(text: &[u8]) -> Result<f64, String> {
    let shown = String::from_utf8_lossy(text);
    let value: f64 = std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse().ok())
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("`{shown}` is not a number"))?;
    if value < 0.0 {
        return Err(format!("negative count `{shown}`"));
    }
    if value > MAX_AMOUNT {
        return Err(format!("count `{shown}` is too large"));
    }
    Ok(value)
}

/// A non-negative money amount, exact; an empty cell is zero (exports without value tracking).
pub(crate) fn parse_value(text: &[u8]) -> Result<Decimal, String> {
    if text.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let shown = String::from_utf8_lossy(text);
    let value = std::str::from_utf8(text)
        .ok()
        .and_then(|t| {
            Decimal::from_str(t)
                .or_else(|_| Decimal::from_scientific(t))
                .ok()
        })
        .ok_or_else(|| format!("`{shown}` is not a number"))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("negative value `{shown}`"));
    }
    if value > Decimal::from(1_000_000_000_000_000_i64) {
        return Err(format!("value `{shown}` is too large"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_values_are_checked() {
        assert_eq!(parse_count(b"3"), Ok(3.0));
        assert_eq!(parse_count(b"2.5"), Ok(2.5));
        assert!(parse_count(b"-1").is_err());
        assert!(parse_count(b"NaN").is_err());
        assert!(parse_count(b"inf").is_err());
        assert!(parse_count(b"").is_err());
        assert_eq!(parse_value(b""), Ok(Decimal::ZERO));
        assert_eq!(parse_value(b"12.50"), Ok(Decimal::new(1250, 2)));
        assert!(parse_value(b"-0.01").is_err());
        assert!(parse_value(b"abc").is_err());
        assert!(parse_value(b"1e30").is_err());
    }

    #[test]
    fn columns_are_found_under_any_accepted_name() {
        const SPECS: [Spec; 3] = [
            Spec::required(&["cookie", "customer_id"]),
            Spec::required(&["time"]),
            Spec::optional(&["conversion_value"]),
        ];
        let header: Vec<String> = ["x", "customer_id", "time"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let columns = Columns::find(&header, &SPECS).expect("found");
        assert_eq!(columns.column(0), Some((2, "customer_id")));
        assert_eq!(columns.column(1), Some((3, "time")));
        assert_eq!(columns.column(2), None);
        let Err(Error::Invalid(problems)) = Columns::find(&header[..1], &SPECS) else {
            panic!("expected missing columns");
        };
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "missing column `cookie` (or `customer_id`)",
                "missing column `time`"
            ]
        );
    }
}
