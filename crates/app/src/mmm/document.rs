//! The stored (and answered) document of a run: the contract's answer (`spendlens_mmm::codec`)
//! plus what the MMM page draws — each channel's response curve, the decomposition over time —
//! and the comparison with the platform-reported and attributed figures per ad platform.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde_json::{Map, Value, json};
use spendlens_core::Platform;
use spendlens_core::campaign::{Campaign, OrgId};
use spendlens_mmm::Model;
use spendlens_store::Store;

use super::{Gathered, MmmCommand};
use crate::AppError;
use crate::labels::Label;

/// One ad platform's figures beside the model's, over the model's window.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub platform: Platform,
    pub spend: Decimal,
    /// Revenue the platform reports (else the analysis' estimate from its conversions).
    pub reported_revenue: Decimal,
    /// Revenue the campaigns' attribution models credit it, when touchpoints exist.
    pub attributed_revenue: Option<Decimal>,
    /// The models that credited it (their labels).
    pub attributed_models: Vec<String>,
}

pub(super) async fn comparison(
    store: &dyn Store,
    org: &OrgId,
    gathered: &Gathered,
    _cmd: &MmmCommand,
) -> Result<Vec<Comparison>, AppError> {
    let (Some(from), Some(to)) = (
        gathered.dataset.dates.first().copied(),
        gathered.dataset.dates.last().copied(),
    ) else {
        return Ok(Vec::new());
    };
    let mut attributed: BTreeMap<Platform, Decimal> = BTreeMap::new();
    let mut models: BTreeSet<String> = BTreeSet::new();
    for c in &gathered.campaigns {
        // No touchpoints (or none in the window), or journeys the model cannot attribute: no
        // attributed figure for its platforms. A storage failure fails the run (the page would
        // otherwise say no journeys are stored).
        match crate::attribution::attributed_revenue(store, org, &c.id, from, to).await {
            Ok(a) if a.conversions > 0.0 => {
                models.insert(a.model.label().to_owned());
                for (p, r) in a.by_platform {
                    *attributed.entry(p).or_default() += r;
                }
            }
            Ok(_) | Err(AppError::Attribution(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(gathered
        .reported
        .iter()
        .map(|(p, (spend, revenue))| Comparison {
            platform: *p,
            spend: *spend,
            reported_revenue: *revenue,
            attributed_revenue: attributed.get(p).copied(),
            attributed_models: models.iter().cloned().collect(),
        })
        .collect())
}

fn round2(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 100.0).round() / 100.0)
    } else {
        Value::Null
    }
}

/// A channel's (or the baseline's) daily values in cents that add up to the `total` the run's
/// table shows, itself rounded as there: rounding each day on its own left the page's
/// decomposition, its CSV and a campaign's modelled revenue a few cents off the table. Each day
/// stays within a cent of its exact value (largest remainder, as attribution rounds its channels).
fn cents_adding_to(values: &[f64], total: f64) -> Value {
    let exact: Vec<Decimal> = values
        .iter()
        .map(|v| Decimal::from_f64(*v).unwrap_or_default())
        .collect();
    let shown = Decimal::from_f64((total * 100.0).round() / 100.0).unwrap_or_default();
    Value::Array(
        spendlens_attribution::money::to_cents(shown, &exact)
            .into_iter()
            .map(|c| json!(c.to_f64().unwrap_or(0.0)))
            .collect(),
    )
}

fn ratio(revenue: Decimal, spend: Decimal) -> Value {
    if spend > Decimal::ZERO {
        round2((revenue / spend).to_f64().unwrap_or(0.0))
    } else {
        Value::Null
    }
}

/// The run's document: the contract's answer, then `currency`, `media` (what the channels caused
/// together, with its interval), `left_out` (the chosen campaigns the KPI does not cover, by id
/// and name), `curves`, `decomposition` and `comparison`.
pub(super) fn result(
    model: &Model,
    currency: &str,
    left_out: &[Campaign],
    comparison: &[Comparison],
) -> Value {
    let mut doc = spendlens_mmm::codec::encode(model);
    let Value::Object(map) = &mut doc else {
        return doc;
    };
    map.insert("currency".into(), json!(currency));
    // What the channels together caused, with the total's own interval (the ROI's, on the model
    // as a revenue basis).
    map.insert(
        "media".into(),
        json!({"contribution": {
            "mean": round2(model.media.mean),
            "low": round2(model.media.low),
            "high": round2(model.media.high),
        }}),
    );
    map.insert(
        "left_out".into(),
        Value::Array(
            left_out
                .iter()
                .map(|c| json!({"campaign": c.id.as_str(), "name": c.spec.name}))
                .collect(),
        ),
    );
    map.insert(
        "curves".into(),
        Value::Array(
            model
                .channels
                .iter()
                .map(|c| {
                    // The curve at the fit's mode; the channel figures are means over the
                    // draws, so the mode's curve alone does not give them.
                    json!({
                        "channel": c.channel,
                        "beta": c.curve.beta,
                        "half_saturation": c.curve.half_saturation,
                        "shape": c.curve.shape,
                        "decay": c.curve.decay,
                        "reference_spend": c.reference_spend,
                        // The posterior draws, for an optimiser planning on this model.
                        "draws": c.curve_draws.iter().map(|d| [d.beta, d.half_saturation, d.shape]).collect::<Vec<_>>(),
                    })
                })
                .collect(),
        ),
    );
    let d = &model.decomposition;
    let mut channels = Map::new();
    for (c, values) in model.channels.iter().zip(&d.channels) {
        channels.insert(
            c.channel.clone(),
            cents_adding_to(values, c.contribution.mean),
        );
    }
    let series = |values: &[f64]| Value::Array(values.iter().map(|v| round2(*v)).collect());
    map.insert(
        "decomposition".into(),
        json!({
            "dates": d.dates.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "actual": series(&d.actual),
            "fitted": series(&d.fitted),
            "baseline": cents_adding_to(&d.baseline, model.baseline.mean),
            "channels": channels,
        }),
    );
    map.insert(
        "comparison".into(),
        Value::Array(
            comparison
                .iter()
                .map(|c| {
                    let mmm = model
                        .channels
                        .iter()
                        .find(|m| m.channel == c.platform.as_str());
                    json!({
                        "channel": c.platform.as_str(),
                        "spend": spendlens_core::num::cents_text(c.spend),
                        "mmm_roi": mmm.map(|m| json!({
                            "mean": round2(m.roi.mean), "low": round2(m.roi.low), "high": round2(m.roi.high)
                        })),
                        "platform_reported_revenue": spendlens_core::num::cents_text(c.reported_revenue),
                        "platform_reported_roas": ratio(c.reported_revenue, c.spend),
                        "attributed_revenue": c.attributed_revenue.map(spendlens_core::num::cents_text),
                        "attributed_roas": c.attributed_revenue.map_or(Value::Null, |r| ratio(r, c.spend)),
                        "attributed_models": c.attributed_models,
                    })
                })
                .collect(),
        ),
    );
    doc
}
