//! Numbers as the platforms write them, read exactly: decimal strings, int64 strings, micros and
//! JSON numbers (never through `f64`).

use std::str::FromStr;

use rust_decimal::Decimal;
use spendlens_core::Platform;

use crate::error::ConnectError;

/// A decimal from its text form, including exponent notation (`1.5E3`) as JSON may carry it.
pub(crate) fn decimal(
    platform: Platform,
    field: &str,
    text: &str,
) -> Result<Decimal, ConnectError> {
    let t = text.trim();
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| {
            ConnectError::decode(platform, format!("{field}: {t:?} is not a decimal number"))
        })
}

/// A JSON number or a JSON string holding one, as a decimal. Relies on serde_json's
/// `arbitrary_precision`, which keeps the number's text.
pub(crate) fn json_decimal(
    platform: Platform,
    field: &str,
    value: &serde_json::Value,
) -> Result<Decimal, ConnectError> {
    match value {
        serde_json::Value::Number(n) => decimal(platform, field, &n.to_string()),
        serde_json::Value::String(s) => decimal(platform, field, s),
        other => Err(ConnectError::decode(
            platform,
            format!("{field}: expected a number, got {other}"),
        )),
    }
}

/// A non-negative whole count from text (`"10234"`, or `"12.0"` as some exports write it).
pub(crate) fn count(platform: Platform, field: &str, text: &str) -> Result<u64, ConnectError> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n);
    }
    let d = decimal(platform, field, t)?;
    if d.is_sign_negative() || !d.fract().is_zero() {
        return Err(ConnectError::decode(
            platform,
            format!("{field}: {t:?} is not a whole non-negative count"),
        ));
    }
    u64::try_from(d)
        .map_err(|_| ConnectError::decode(platform, format!("{field}: {t:?} is out of range")))
}

/// A JSON integer or a JSON string holding one, as a count.
pub(crate) fn json_count(
    platform: Platform,
    field: &str,
    value: &serde_json::Value,
) -> Result<u64, ConnectError> {
    match value {
        serde_json::Value::Number(n) => count(platform, field, &n.to_string()),
        serde_json::Value::String(s) => count(platform, field, s),
        other => Err(ConnectError::decode(
            platform,
            format!("{field}: expected a count, got {other}"),
        )),
    }
}

/// Google's micros (an int64 string, `"84530000"`) as an exact decimal amount (`84.53`).
pub(crate) fn micros(platform: Platform, field: &str, text: &str) -> Result<Decimal, ConnectError> {
    let t = text.trim();
    let n = t
        .parse::<i64>()
        .map_err(|_| ConnectError::decode(platform, format!("{field}: {t:?} is not an int64")))?;
    Ok(Decimal::new(n, 6).normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const P: Platform = Platform::Meta;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(P, "spend", "84.53").expect("ok"), dec!(84.53));
        assert_eq!(decimal(P, "spend", "209.449").expect("ok"), dec!(209.449));
        assert_eq!(decimal(P, "v", "1.5E3").expect("ok"), dec!(1500));
        assert!(decimal(P, "spend", "$1").is_err());
        let n: serde_json::Value = serde_json::from_str("0.47857142857142859").expect("json");
        assert_eq!(
            json_decimal(P, "v", &n).expect("ok"),
            dec!(0.47857142857142859)
        );
    }

    #[test]
    fn counts_must_be_whole() {
        assert_eq!(count(P, "c", "10234").expect("ok"), 10234);
        assert_eq!(count(P, "c", "12.0").expect("ok"), 12);
        assert!(count(P, "c", "1.5").is_err());
        assert!(count(P, "c", "-1").is_err());
        assert_eq!(json_count(P, "c", &serde_json::json!(7)).expect("ok"), 7);
    }

    #[test]
    fn micros_divide_exactly() {
        assert_eq!(micros(P, "cost", "84530000").expect("ok"), dec!(84.53));
        assert_eq!(micros(P, "cost", "1").expect("ok"), dec!(0.000001));
        assert_eq!(micros(P, "cost", "0").expect("ok"), dec!(0));
        assert_eq!(
            micros(P, "cost", "9223372036854775807").expect("ok"),
            dec!(9223372036854.775807)
        );
        assert!(micros(P, "cost", "84.5").is_err());
    }
}
