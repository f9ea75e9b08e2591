//! The channel metrics API: a campaign's named channels (TV, radio, podcasts...; see
//! `spendlens_core::channel`) with their totals and daily rows, as imported.
//!
//! Its own route rather than more keys in the analysis: the analysis answers the contract's
//! document (with the channels' totals appended) as of a day, while this lists every day of
//! every channel over any window, which the contract has no place for. Each channel's totals
//! are written as the analysis writes them (`spendlens_contract::channels::channel_json`), so
//! one channel reads alike in both answers.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use spendlens_app::channels::{CampaignChannels, ChannelHistory};
use spendlens_contract::json::two_decimals as money;
use spendlens_core::campaign::CampaignId;
use spendlens_core::channel::ChannelDay;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::query::Params;
use crate::state::AppState;

/// The campaign's named channels over `from..=to` (each optional, `YYYY-MM-DD`; default every
/// stored day): per channel (by name, case-insensitively one channel) its spend, impressions
/// (null when none was reported) and days with a row, labelled as an offline channel, and its
/// daily rows; then the channels' spend summed. A campaign without named channels answers an
/// empty list; another organisation's campaign is a 404.
#[utoipa::path(get, path = "/api/campaigns/{id}/channels", tag = "analysis",
    params(("id" = String, Path),
           ("from" = Option<String>, Query, description = "YYYY-MM-DD; default the first stored day"),
           ("to" = Option<String>, Query, description = "YYYY-MM-DD; default the last stored day")),
    responses((status = 200, description = "The named channels with their totals and daily rows", body = Object),
              (status = 404), (status = 422)))]
pub async fn campaign_channels(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let from = query.day("from")?;
    let to = query.day("to")?;
    let channels = spendlens_app::channels::campaign_channels(
        &state.context(),
        &caller.0.org_id,
        &CampaignId::new(id),
        from,
        to,
    )
    .await?;
    Ok(Json(body(&channels)))
}

fn body(c: &CampaignChannels) -> Value {
    json!({
        "campaign_id": c.campaign.id.as_str(),
        "currency": c.campaign.spec.currency,
        "from": c.from.map(|d| d.to_string()),
        "to": c.to.map(|d| d.to_string()),
        "channels": c.channels.iter().map(channel).collect::<Vec<_>>(),
        "offline_channels_spend": money(c.spend),
    })
}

fn channel(c: &ChannelHistory) -> Value {
    let mut value = spendlens_contract::channels::channel_json(&c.totals);
    if let Value::Object(map) = &mut value {
        map.insert(
            "daily".to_owned(),
            Value::Array(c.days.iter().map(day).collect()),
        );
    }
    value
}

fn day(d: &ChannelDay) -> Value {
    json!({
        "date": d.date.to_string(),
        "spend": money(d.spend),
        "impressions": d.impressions,
    })
}
