//! Reading untrusted JSON with path-named problems, and writing the contract's number formats.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};
use spendlens_core::limits::{MAX_AMOUNT, MAX_COUNT};
use spendlens_core::num::round_half_away;

/// One thing wrong with an input document, at a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path (`platforms.meta.spend`), or `(root)` for the document itself.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found in a document; decoding never stops at the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records a problem.
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// True when nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems, one per line.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.0.iter().map(ToString::to_string)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Parses a document, turning a syntax error into a problem with its line and column.
pub fn parse_document(text: &str) -> Result<Value, Problems> {
    serde_json::from_str(text).map_err(|e| {
        let mut p = Problems::default();
        p.push(
            format!("(root) line {} column {}", e.line(), e.column()),
            format!("invalid JSON: {}", strip_position(&e.to_string())),
        );
        p
    })
}

fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// Joins a parent path and a key.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// A short rendering of an offending value for an error message.
pub fn describe(value: &Value) -> String {
    let text = match value {
        Value::Object(_) => return "an object".to_owned(),
        Value::Array(_) => return "an array".to_owned(),
        other => other.to_string(),
    };
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Reads the fields of one JSON object, remembering which keys were read so that the rest can be
/// reported as unknown.
#[derive(Debug)]
pub struct ObjectReader<'a> {
    path: String,
    map: &'a Map<String, Value>,
    known: Vec<&'static str>,
}

impl<'a> ObjectReader<'a> {
    /// Starts reading `value` at `path`; reports a problem and returns `None` when it is not an
    /// object.
    pub fn new(path: &str, value: &'a Value, problems: &mut Problems) -> Option<Self> {
        match value {
            Value::Object(map) => Some(ObjectReader {
                path: path.to_owned(),
                map,
                known: Vec::new(),
            }),
            other => {
                problems.push(
                    if path.is_empty() { "(root)" } else { path },
                    format!("expected an object, got {}", describe(other)),
                );
                None
            }
        }
    }

    /// The path of a field of this object.
    pub fn path_of(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The field's value; `None` when absent or `null` (both mean "not given").
    pub fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.known.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// Reports every key that was never asked for.
    pub fn finish(self, problems: &mut Problems) {
        for key in self.map.keys() {
            if !self.known.contains(&key.as_str()) {
                let mut expected = self.known.clone();
                expected.sort_unstable();
                problems.push(
                    join(&self.path, key),
                    format!("unknown field (expected one of {})", expected.join(", ")),
                );
            }
        }
    }

    /// A non-negative decimal (a JSON number or a decimal string).
    pub fn decimal(&mut self, key: &'static str, problems: &mut Problems) -> Option<Decimal> {
        let path = self.path_of(key);
        self.get(key)
            .and_then(|v| non_negative_decimal(&path, v, problems))
    }

    /// An amount of money or conversions: a non-negative decimal no larger than one campaign may
    /// hold ([`MAX_AMOUNT`]), so no total of a document's amounts saturates.
    pub fn amount(&mut self, key: &'static str, problems: &mut Problems) -> Option<Decimal> {
        let path = self.path_of(key);
        let value = self.decimal(key, problems)?;
        if value > MAX_AMOUNT {
            problems.push(
                path,
                format!("is too large: at most {MAX_AMOUNT}, got {value}"),
            );
            return None;
        }
        Some(value)
    }

    /// A metric's count (impressions, clicks, ...): a non-negative integer no larger than one
    /// campaign may hold ([`MAX_COUNT`]).
    pub fn metric_count(&mut self, key: &'static str, problems: &mut Problems) -> Option<u64> {
        let path = self.path_of(key);
        let value = self.count(key, problems)?;
        if value > MAX_COUNT {
            problems.push(
                path,
                format!("is too large: at most {MAX_COUNT}, got {value}"),
            );
            return None;
        }
        Some(value)
    }

    /// A non-negative integer count (a JSON number or a string of digits).
    pub fn count(&mut self, key: &'static str, problems: &mut Problems) -> Option<u64> {
        let path = self.path_of(key);
        self.get(key).and_then(|v| count(&path, v, problems))
    }

    /// A calendar date `YYYY-MM-DD`.
    pub fn date(&mut self, key: &'static str, problems: &mut Problems) -> Option<NaiveDate> {
        let path = self.path_of(key);
        self.get(key).and_then(|v| date(&path, v, problems))
    }

    /// A string.
    pub fn string(&mut self, key: &'static str, problems: &mut Problems) -> Option<&'a str> {
        let path = self.path_of(key);
        match self.get(key)? {
            Value::String(s) => Some(s),
            other => {
                problems.push(path, format!("expected a string, got {}", describe(other)));
                None
            }
        }
    }
}

/// Parses a decimal written as JSON number text or as a decimal string, exactly.
fn parse_decimal_text(text: &str) -> Option<Decimal> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let plain = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && (!body.contains('.') || (!frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())));
    if plain {
        Decimal::from_str_exact(text)
            .ok()
            .or_else(|| Decimal::from_str(text).ok())
    } else if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        None
    }
}

/// Any decimal, negative allowed (a JSON number or a decimal string).
pub fn decimal(path: &str, value: &Value, problems: &mut Problems) -> Option<Decimal> {
    let parsed = match value {
        Value::Number(n) => parse_decimal_text(&n.to_string()),
        Value::String(s) => parse_decimal_text(s),
        _ => None,
    };
    if parsed.is_none() {
        problems.push(path, format!("expected a decimal, got {}", describe(value)));
    }
    parsed
}

/// A decimal ≥ 0.
pub fn non_negative_decimal(path: &str, value: &Value, problems: &mut Problems) -> Option<Decimal> {
    let parsed = match value {
        Value::Number(n) => parse_decimal_text(&n.to_string()),
        Value::String(s) => parse_decimal_text(s),
        _ => None,
    };
    match parsed {
        Some(d) if !d.is_sign_negative() || d.is_zero() => {
            let mut d = d;
            d.set_sign_positive(true);
            Some(d)
        }
        _ => {
            problems.push(
                path,
                format!("expected a non-negative decimal, got {}", describe(value)),
            );
            None
        }
    }
}

/// An integer ≥ 0 that fits in 64 bits.
pub fn count(path: &str, value: &Value, problems: &mut Problems) -> Option<u64> {
    let parsed = match value {
        Value::Number(n) => parse_decimal_text(&n.to_string()),
        Value::String(s) => parse_decimal_text(s),
        _ => None,
    };
    let whole = parsed
        .filter(|d| d.fract().is_zero() && (!d.is_sign_negative() || d.is_zero()))
        .and_then(|d| u64::try_from(d.trunc().abs()).ok());
    if whole.is_none() {
        problems.push(
            path,
            format!("expected a non-negative integer, got {}", describe(value)),
        );
    }
    whole
}

/// A calendar date `YYYY-MM-DD`.
pub fn date(path: &str, value: &Value, problems: &mut Problems) -> Option<NaiveDate> {
    let parsed = match value {
        Value::String(s) if s.len() == 10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        _ => None,
    };
    if parsed.is_none() {
        problems.push(
            path,
            format!("expected a date YYYY-MM-DD, got {}", describe(value)),
        );
    }
    parsed
}

/// A form field's text read as [`non_negative_decimal`] reads a JSON string: the pages decode
/// their fields with the API's own checks, so a message reads the same in both.
pub fn non_negative_decimal_text(
    path: &str,
    text: &str,
    problems: &mut Problems,
) -> Option<Decimal> {
    non_negative_decimal(path, &Value::String(text.to_owned()), problems)
}

/// A form field's text read as [`count`] reads a JSON string.
pub fn count_text(path: &str, text: &str, problems: &mut Problems) -> Option<u64> {
    count(path, &Value::String(text.to_owned()), problems)
}

/// A form field's text read as [`date`] reads a JSON string.
pub fn date_text(path: &str, text: &str, problems: &mut Problems) -> Option<NaiveDate> {
    date(path, &Value::String(text.to_owned()), problems)
}

/// Money and conversions on the wire: a string with exactly two decimals, rounded half away
/// from zero (`"8850.50"`).
pub fn two_decimals(value: Decimal) -> Value {
    Value::String(spendlens_core::num::cents_text(value))
}

/// A percentage or ratio on the wire: a JSON number rounded half away from zero to 2 decimals,
/// written with at least one decimal (`59.0`, `126.44`).
pub fn ratio(value: Decimal) -> Value {
    let text = round_half_away(value, 2).normalize().to_string();
    let text = if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    };
    Number::from_str(&text).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn money_always_has_two_decimals() {
        let cases = [
            ("0", "0.00"),
            ("8850.5", "8850.50"),
            ("421.452380952", "421.45"),
            ("0.005", "0.01"),
            ("-0.005", "-0.01"),
            ("-0.004", "0.00"),
            ("333.3333333333333333333333333", "333.33"),
            ("2.675", "2.68"),
            (
                "79228162514264337593543950335",
                "79228162514264337593543950335.00",
            ),
            (
                "-7922816251426433759354395033.5",
                "-7922816251426433759354395033.50",
            ),
        ];
        for (input, expected) in cases {
            let d = Decimal::from_str(input).unwrap_or_default();
            assert_eq!(two_decimals(d), json!(expected), "{input}");
        }
    }

    #[test]
    fn ratios_are_numbers_with_at_least_one_decimal() {
        let cases = [
            ("59", "59.0"),
            ("126.4444", "126.44"),
            ("2.4", "2.4"),
            ("-20.005", "-20.01"),
            ("0", "0.0"),
        ];
        for (input, expected) in cases {
            let d = Decimal::from_str(input).unwrap_or_default();
            assert_eq!(ratio(d).to_string(), expected, "{input}");
        }
    }

    #[test]
    fn decimals_parse_exactly_from_numbers_and_strings() {
        let mut p = Problems::default();
        let v: Value = serde_json::from_str(
            r#"[4200.50, "61.5", 1e3, "1e3", "abc", "1_000", " 5", "-3", ".5", "5."]"#,
        )
        .unwrap_or(Value::Null);
        let Value::Array(items) = v else {
            panic!("array")
        };
        let got: Vec<Option<Decimal>> = items
            .iter()
            .map(|i| non_negative_decimal("x", i, &mut p))
            .collect();
        assert_eq!(got[0], Some(Decimal::new(420050, 2)));
        assert_eq!(got[1], Some(Decimal::new(615, 1)));
        assert_eq!(got[2], Some(Decimal::new(1000, 0)));
        assert_eq!(got[3], Some(Decimal::new(1000, 0)));
        assert!(got[4..].iter().all(Option::is_none));
        assert_eq!(p.0.len(), 6);
        assert_eq!(
            p.0[0].to_string(),
            r#"x: expected a non-negative decimal, got "abc""#
        );
    }

    #[test]
    fn counts_reject_fractions_and_negatives() {
        let mut p = Problems::default();
        assert_eq!(count("c", &json!(12), &mut p), Some(12));
        assert_eq!(count("c", &json!("12"), &mut p), Some(12));
        assert_eq!(count("c", &json!(12.0), &mut p), Some(12));
        assert_eq!(count("c", &json!(12.5), &mut p), None);
        assert_eq!(count("c", &json!(-1), &mut p), None);
        assert_eq!(count("c", &json!("99999999999999999999999"), &mut p), None);
        assert_eq!(p.0.len(), 3);
    }

    #[test]
    fn dates_must_be_real_calendar_days() {
        let mut p = Problems::default();
        assert!(date("d", &json!("2024-02-29"), &mut p).is_some());
        assert!(date("d", &json!("2026-02-29"), &mut p).is_none());
        assert!(date("d", &json!("2026-2-1"), &mut p).is_none());
        assert!(date("d", &json!(20260201), &mut p).is_none());
        assert_eq!(p.0.len(), 3);
    }
}
