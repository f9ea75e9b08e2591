//! The JSON output of `spendlens attribute`: the only place that knows the wire format.
//!
//! The result types stay free of serde (they are the domain); these borrowing DTOs mirror the
//! contract field by field, in its order. Money leaves as 2-decimal strings rounded here, once.

use serde::Serialize;

use crate::credit::{Attribution, OrderScore, Transition};
use crate::error::Error;
use crate::money;

#[derive(Serialize)]
struct ModelDto<'a> {
    model: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    order: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    half_life_days: Option<f64>,
    total_conversions: f64,
    total_value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversion_probability: Option<f64>,
    channels: Vec<ChannelDto<'a>>,
    unattributed: UnattributedDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    transition_matrix: Option<Vec<TransitionDto<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_selection: Option<Vec<OrderScoreDto>>,
}

#[derive(Serialize)]
struct ChannelDto<'a> {
    channel: &'a str,
    conversions: f64,
    value: String,
    share_pct: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    removal_effect: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by_position: Option<&'a [f64]>,
}

#[derive(Serialize)]
struct UnattributedDto {
    conversions: f64,
    value: String,
}

#[derive(Serialize)]
struct TransitionDto<'a> {
    from: &'a str,
    to: &'a str,
    probability: f64,
}

#[derive(Serialize)]
struct OrderScoreDto {
    order: usize,
    held_out_log_likelihood: f64,
}

/// A percentage of `total`, rounded to 2 decimals (half away from zero); 0 when there is no total.
fn share_pct(part: f64, total: f64) -> f64 {
    if total > 0.0 {
        (part / total * 10_000.0).round() / 100.0
    } else {
        0.0
    }
}

fn model_dto(result: &Attribution) -> ModelDto<'_> {
    let exact: Vec<_> = result.channels.iter().map(|c| c.value).collect();
    let cents = money::to_cents(result.total_value, &exact);
    let channels = result
        .channels
        .iter()
        .zip(cents)
        .map(|(c, value)| ChannelDto {
            channel: &c.channel,
            conversions: c.conversions,
            value: value.to_string(),
            share_pct: share_pct(c.conversions, result.total_conversions),
            removal_effect: c.removal_effect,
            by_position: c.by_position.as_deref(),
        })
        .collect();
    let markov = result.markov.as_ref();
    ModelDto {
        model: result.model.name(),
        order: markov.map(|m| m.order),
        half_life_days: result.half_life_days,
        total_conversions: result.total_conversions,
        total_value: money::round_cents(result.total_value).to_string(),
        conversion_probability: markov.map(|m| m.conversion_probability),
        channels,
        unattributed: UnattributedDto {
            conversions: result.unattributed_conversions,
            value: money::round_cents(result.unattributed_value).to_string(),
        },
        transition_matrix: markov
            .and_then(|m| m.transitions.as_deref())
            .map(|t| t.iter().map(transition_dto).collect()),
        order_selection: markov
            .and_then(|m| m.order_selection.as_deref())
            .map(|s| s.iter().map(order_dto).collect()),
    }
}

fn transition_dto(t: &Transition) -> TransitionDto<'_> {
    TransitionDto {
        from: &t.from,
        to: &t.to,
        probability: t.probability,
    }
}

fn order_dto(s: &OrderScore) -> OrderScoreDto {
    OrderScoreDto {
        order: s.order,
        held_out_log_likelihood: s.log_likelihood,
    }
}

/// One model's result as the contract's JSON object.
pub fn encode_one(result: &Attribution) -> Result<String, Error> {
    serde_json::to_string_pretty(&model_dto(result)).map_err(|e| Error::Numeric(e.to_string()))
}

/// Several models as `{"models": {name: object, ...}}` (`--model all`), in the order given.
pub fn encode_all(results: &[Attribution]) -> Result<String, Error> {
    let models = Models(
        results
            .iter()
            .map(|r| (r.model.name(), model_dto(r)))
            .collect(),
    );
    serde_json::to_string_pretty(&AllDto { models }).map_err(|e| Error::Numeric(e.to_string()))
}

#[derive(Serialize)]
struct AllDto<'a> {
    models: Models<'a>,
}

/// A map that keeps its keys in the order given (serde_json's own map would sort them).
struct Models<'a>(Vec<(&'static str, ModelDto<'a>)>);

impl Serialize for Models<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, model) in &self.0 {
            map.serialize_entry(name, model)?;
        }
        map.end()
    }
}
