//! Named channels (`spendlens_core::channel`) on the wire: the rows the analysis endpoint
//! appends after the contract's result when a campaign has any, labelled as channels, and the
//! spend across platforms and channels under its own name.
//!
//! An extension beside the contract, not inside it: a campaign without named channels answers
//! exactly the contract's document (the golden answers stay byte-identical), and the
//! contract's `totals` keep meaning the five ad platforms (see `spendlens_core::channel::AllSpend`).

use serde_json::{Map, Value, json};
use spendlens_core::channel::{AllSpend, CHANNEL_LABEL, ChannelTotals};

use crate::json::two_decimals as money;

/// One named channel's row.
pub fn channel_json(c: &ChannelTotals) -> Value {
    json!({
        "channel": c.channel.as_str(),
        "kind": "offline_channel",
        "label": CHANNEL_LABEL,
        "spend": money(c.spend),
        "impressions": c.impressions,
        "days": c.days,
    })
}

/// The keys appended to an analysis document for a campaign with named channels:
/// `offline_channels` (one row each) and `spend_all_channels` (platforms, channels, both).
/// Nothing when `channels` is empty.
pub fn append(
    document: &mut Value,
    platform_spend: rust_decimal::Decimal,
    channels: &[ChannelTotals],
) {
    if channels.is_empty() {
        return;
    }
    let all = AllSpend::of(platform_spend, channels);
    if let Value::Object(map) = document {
        map.insert(
            "offline_channels".to_owned(),
            Value::Array(channels.iter().map(channel_json).collect()),
        );
        map.insert(
            "spend_all_channels".to_owned(),
            all_spend_json(
                &all,
                "the five ad platforms' spend (totals.spend) plus the named channels' spend as imported",
            ),
        );
    }
}

/// The spend across platforms and channels: `platforms`, `offline_channels`, `total`, and
/// `label` saying which figures were added (the analysis' and the finance report's differ in
/// what their platforms' figure is).
pub fn all_spend_json(all: &AllSpend, label: &str) -> Value {
    let mut spend = Map::new();
    spend.insert("platforms".to_owned(), money(all.platforms));
    spend.insert("offline_channels".to_owned(), money(all.channels));
    spend.insert("total".to_owned(), money(all.total));
    spend.insert("label".to_owned(), json!(label));
    Value::Object(spend)
}
