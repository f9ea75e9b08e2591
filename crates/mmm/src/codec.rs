//! The JSON answer of `spendlens mmm` (docs/mmm-contract.md). The model's types carry no serde:
//! this module alone knows the wire names and the rounding, so the web layer can own its DTOs.
//!
//! Figures are rounded here, once: money-like amounts (contributions, lifts) to 2 decimals, ratios
//! to 4, curve parameters to 4 significant digits, so that output is stable and byte-identical
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

fn money(d: Decimal) -> Value {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    Value::String(r.to_string())
}

fn interval(i: Interval, dp: i32) -> Value {
    json!({"mean": round(i.mean, dp), "low": round(i.low, dp), "high": round(i.high, dp)})
}

fn channel(c: &ChannelResult) -> Value {
    json!({
        "channel": c.channel,
        "spend": money(c.spend),
        "contribution": interval(c.contribution, 2),
        "share_of_kpi": round(c.share_of_kpi, 4),
        "roi": interval(c.roi, 4),
        "marginal_roi": interval(c.marginal_roi, 4),
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
