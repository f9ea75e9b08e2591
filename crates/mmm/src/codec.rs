//! The JSON answer of `spendlens mmm` (docs/mmm-contract.md). The model's types carry no serde:
//! this module alone knows the wire names and the rounding, so the web layer can own its DTOs.
//!
//! Figures are rounded here, once: money-like amounts (contributions, lifts) to 2 decimals, ratios
//! to 4 (returns per unit of spend to 4 decimals or 4 significant digits, whichever is more),
//! curve parameters to 4 significant digits, so that output is stable and byte-identical
//! for the same input and seed. Spend is the exact Decimal total as a 2-decimal string.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use crate::model::{Calibration, ChannelResult, Interval, Model};

fn round(x: f64, dp: i32) -> Value {
    if x.is_finite() {
        let f = 10f64.powi(dp);
        let r = (x * f).round() / f;
        json!(if r == 0.0 { 0.0 } else { r })
    } else {
        Value::Null
    }
}

fn significant(x: f64, digits: i32) -> Value {
    if x.is_finite() && x != 0.0 {
        #[allow(clippy::cast_possible_truncation)]
        let mag = x.abs().log10().floor() as i32;
        round(x, (digits - 1 - mag).max(0))
    } else {
        round(x, 0)
    }
}

/// A return per unit of spend: 4 decimals, or 4 significant digits when that is more. A KPI
/// counted in conversions brings about 0.001 of them per unit of spend, which 4 decimals would
/// print as 0.0012 for 0.001248 (4 % off).
fn ratio(x: f64) -> Value {
    if x.is_finite() && x != 0.0 {
        #[allow(clippy::cast_possible_truncation)]
        let mag = x.abs().log10().floor() as i32;
        round(x, (3 - mag).clamp(4, 12))
    } else {
        round(x, 0)
    }
}

/// A return per unit of spend as the model's sentences write it: 2 decimals, or 2 significant
/// digits when that is more (`1.77`, `0.0012`).
pub fn ratio_text(x: f64) -> String {
    let decimals = if x.is_finite() && x != 0.0 {
        #[allow(clippy::cast_possible_truncation)]
        let mag = x.abs().log10().floor() as i32;
        usize::try_from((1 - mag).clamp(2, 12)).unwrap_or(2)
    } else {
        2
    };
    format!("{x:.decimals$}")
}

fn money(d: Decimal) -> Value {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    Value::String(r.to_string())
}

fn interval(i: Interval, dp: i32) -> Value {
    json!({"mean": round(i.mean, dp), "low": round(i.low, dp), "high": round(i.high, dp)})
}

fn ratios(i: Interval) -> Value {
    json!({"mean": ratio(i.mean), "low": ratio(i.low), "high": ratio(i.high)})
}

fn channel(c: &ChannelResult) -> Value {
    json!({
        "channel": c.channel,
        "spend": money(c.spend),
        "contribution": interval(c.contribution, 2),
        // The best fit's own figure: 0 when the data show no detectable effect, whatever the
        // draws' mean (an effect drawn below zero counts as none, so the mean leans positive).
        "best_fit_contribution": round(c.best_fit_contribution, 2),
        "share_of_kpi": round(c.share_of_kpi, 4),
        "roi": ratios(c.roi),
        "marginal_roi": ratios(c.marginal_roi),
        "adstock": {"decay": round(c.curve.decay, 4), "half_life_periods": round(c.curve.half_life(), 2)},
        "saturation": {
            "half_saturation": significant(c.curve.half_saturation, 4),
            "shape": round(c.curve.shape, 3)
        }
    })
}

fn calibration(c: &Calibration) -> Value {
    let mut m = Map::new();
    m.insert("channel".into(), json!(c.channel));
    m.insert("from".into(), json!(c.from.to_string()));
    m.insert("to".into(), json!(c.to.to_string()));
    m.insert("lift".into(), round(c.lift, 2));
    m.insert("lift_se".into(), round(c.lift_se, 2));
    if let Some(s) = c.spend {
        m.insert("spend".into(), money(s));
    }
    m.insert("uncalibrated".into(), interval(c.uncalibrated, 2));
    m.insert("calibrated".into(), interval(c.calibrated, 2));
    m.insert("z".into(), round(c.z, 2));
    m.insert("agrees".into(), json!(c.agrees));
    Value::Object(m)
}

/// The contract's JSON object.
pub fn encode(model: &Model) -> Value {
    json!({
        "kpi": model.kpi,
        "granularity": model.granularity.name(),
        "from": model.from.to_string(),
        "to": model.to.to_string(),
        "periods": model.periods,
        "channels": model.channels.iter().map(channel).collect::<Vec<_>>(),
        "baseline": {"contribution": interval(model.baseline, 2)},
        "fit": {
            "r2": round(model.fit.r2, 4),
            "mape": round(model.fit.mape, 4),
            "holdout_mape": model.fit.holdout_mape.map_or(Value::Null, |h| round(h, 4)),
            "durbin_watson": round(model.fit.durbin_watson, 3)
        },
        "calibration": model.calibration.iter().map(calibration).collect::<Vec<_>>(),
        "warnings": model.warnings,
    })
}

/// The contract's JSON, pretty-printed, with a final newline.
pub fn to_json(model: &Model) -> String {
    let mut s = serde_json::to_string_pretty(&encode(model)).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_keep_four_significant_digits_below_a_thousandth_of_a_unit() {
        for (x, want) in [
            (1.771_234_5, json!(1.7712)),
            (0.5, json!(0.5)),
            (0.012_345_6, json!(0.01235)),
            (0.001_248_4, json!(0.001248)),
            (-0.000_123_44, json!(-0.0001234)),
            (0.0, json!(0.0)),
        ] {
            assert_eq!(ratio(x), want, "{x}");
        }
        assert_eq!(ratio(f64::NAN), Value::Null);
    }

    #[test]
    fn sentences_write_two_decimals_or_two_significant_digits() {
        for (x, want) in [
            (1.234, "1.23"),
            (12.3, "12.30"),
            (0.1, "0.10"),
            (0.05, "0.050"),
            (0.001_248, "0.0012"),
            (0.0, "0.00"),
        ] {
            assert_eq!(ratio_text(x), want, "{x}");
        }
    }
}
