//! One insights row (campaign × day) as a daily row: string numbers read as decimals, and the
//! conversions of the campaign's objective read from the action lists.
//!
//! Meta reports a conversion under several action types at once (`purchase`, `omni_purchase`,
//! the pixel type…), so conversions are never summed across types: a preference list picks one.
//! Which list depends on what the campaign is for: a sales campaign's conversions are purchases,
//! a lead-generation campaign's are leads (`lead`, `onsite_conversion.lead_grouped`,
//! `offsite_conversion.fb_pixel_lead`), and the user may choose custom conversions
//! (`offsite_conversion.custom.<id>`) on the connection. A campaign whose ad sets mix
//! attribution settings comes back with `attribution_setting: "mixed"` and, under unified
//! attribution, without conversion actions: its conversions are then unknown, not 0, and the
//! fetch says so.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use spendlens_core::DailyRow;

use super::P;
use crate::error::ConnectError;
use crate::number;

/// Purchase action types in order of preference. Meta reports one purchase under several types
/// with the same value (`purchase`, `omni_purchase`, the pixel type…): exactly one is read, the
/// first present, never their sum.
pub const PURCHASE_ACTION_TYPES: [&str; 4] = [
    "omni_purchase",
    "purchase",
    "offsite_conversion.fb_pixel_purchase",
    "onsite_web_purchase",
];

/// Lead action types. `lead` is Meta's count of every lead and is read when present; without it
/// the on-Meta leads (instant forms, Messenger: `onsite_conversion.lead_grouped`) and the
/// website's (`offsite_conversion.fb_pixel_lead`) are different events and are added.
pub const LEAD_ACTION_TYPES: [&str; 3] = [
    "lead",
    "onsite_conversion.lead_grouped",
    "offsite_conversion.fb_pixel_lead",
];

/// Campaign objectives whose conversions are leads (the outcome-based objective and its legacy
/// name).
const LEAD_OBJECTIVES: [&str; 2] = ["OUTCOME_LEADS", "LEAD_GENERATION"];

/// Campaign objectives whose conversions are purchases.
const SALES_OBJECTIVES: [&str; 3] = ["OUTCOME_SALES", "CONVERSIONS", "PRODUCT_CATALOG_SALES"];

/// The action type read as engagements.
const ENGAGEMENT_ACTION_TYPE: &str = "post_engagement";

/// The fields asked of every insights row.
pub(super) const FIELDS: &str = "campaign_id,campaign_name,objective,attribution_setting,account_currency,spend,impressions,clicks,actions,action_values";

#[derive(Debug, Deserialize)]
pub(super) struct InsightsPage {
    #[serde(default)]
    pub(super) data: Vec<InsightRow>,
    #[serde(default)]
    pub(super) paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Paging {
    #[serde(default)]
    pub(super) next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct InsightRow {
    campaign_id: String,
    date_start: String,
    date_stop: String,
    #[serde(default)]
    objective: Option<String>,
    #[serde(default)]
    attribution_setting: Option<String>,
    #[serde(default)]
    account_currency: Option<String>,
    #[serde(default)]
    spend: Option<String>,
    #[serde(default)]
    impressions: Option<String>,
    #[serde(default)]
    clicks: Option<String>,
    #[serde(default)]
    actions: Vec<ActionStat>,
    #[serde(default)]
    action_values: Vec<ActionStat>,
}

/// `{"action_type":"omni_purchase","value":"6"}`, possibly with per-window keys beside `value`.
#[derive(Debug, Deserialize)]
struct ActionStat {
    action_type: String,
    value: String,
}

/// Which action types are a campaign's conversions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conversions {
    /// By the campaign's objective: leads for lead generation, purchases for sales, and for any
    /// other objective purchases when there are some, else leads.
    ByObjective,
    /// The action types the user chose on the connection (custom conversions), in order of
    /// preference: the first present is read.
    Chosen(Vec<String>),
}

/// What a set of action types reads from an action list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Purchases,
    Leads,
}

impl Kind {
    fn types(self) -> &'static [&'static str] {
        match self {
            Kind::Purchases => &PURCHASE_ACTION_TYPES,
            Kind::Leads => &LEAD_ACTION_TYPES,
        }
    }

    /// The count (or value) in `stats`, `None` when no type of the kind is present.
    fn read(self, stats: &[ActionStat], field: &str) -> Result<Option<Decimal>, ConnectError> {
        match self {
            Kind::Purchases => first(stats, &PURCHASE_ACTION_TYPES, field),
            Kind::Leads => {
                if let Some(all) = first(stats, &["lead"], field)? {
                    return Ok(Some(all));
                }
                let mut total = None;
                for t in &LEAD_ACTION_TYPES[1..] {
                    if let Some(v) = first(stats, &[t], field)? {
                        total = Some(total.unwrap_or(Decimal::ZERO) + v);
                    }
                }
                Ok(total)
            }
        }
    }
}

/// The value of the first of `types` present in `stats`.
fn first(
    stats: &[ActionStat],
    types: &[&str],
    field: &str,
) -> Result<Option<Decimal>, ConnectError> {
    for t in types {
        if let Some(s) = stats.iter().find(|s| s.action_type == *t) {
            return number::decimal(P, field, &s.value).map(Some);
        }
    }
    Ok(None)
}

fn present(stats: &[ActionStat], types: &[&str]) -> bool {
    stats
        .iter()
        .any(|s| types.contains(&s.action_type.as_str()))
}

/// A row as a daily row, and whether Meta withheld its conversions (mixed attribution settings).
pub(super) fn daily_row(
    r: InsightRow,
    conversions: &Conversions,
) -> Result<(DailyRow, bool), ConnectError> {
    if r.date_start != r.date_stop {
        return Err(ConnectError::decode(
            P,
            "a row spans more than one day (time_increment ignored)",
        ));
    }
    let date = NaiveDate::parse_from_str(&r.date_start, "%Y-%m-%d").map_err(|_| {
        ConnectError::decode(P, format!("date_start {:?} is not a date", r.date_start))
    })?;
    let mut out = DailyRow::empty(date, P, r.campaign_id);
    if let Some(s) = &r.spend {
        out.spend = number::decimal(P, "spend", s)?;
    }
    if let Some(s) = &r.impressions {
        out.impressions = number::count(P, "impressions", s)?;
    }
    if let Some(s) = &r.clicks {
        out.clicks = number::count(P, "clicks", s)?;
    }
    out.engagements = match r
        .actions
        .iter()
        .find(|a| a.action_type == ENGAGEMENT_ACTION_TYPE)
    {
        Some(a) => number::count(P, "actions.post_engagement", &a.value)?,
        None => 0,
    };
    out.currency = r.account_currency;
    let mixed = r
        .attribution_setting
        .as_deref()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("mixed"));
    let (count, value, withheld) = match conversions {
        Conversions::Chosen(types) => {
            let types: Vec<&str> = types.iter().map(String::as_str).collect();
            let count = first(&r.actions, &types, "actions")?;
            let value = first(&r.action_values, &types, "action_values")?;
            (count, value, mixed && count.is_none())
        }
        Conversions::ByObjective => {
            let objective = r.objective.as_deref().unwrap_or_default();
            let kind = if LEAD_OBJECTIVES.contains(&objective) {
                Kind::Leads
            } else if SALES_OBJECTIVES.contains(&objective)
                || present(&r.actions, Kind::Purchases.types())
                || !present(&r.actions, Kind::Leads.types())
            {
                Kind::Purchases
            } else {
                Kind::Leads
            };
            let count = kind.read(&r.actions, "actions")?;
            let value = kind.read(&r.action_values, "action_values")?;
            let withheld = mixed && count.is_none();
            // A purchase value Meta did not report is 0 (no purchases); a lead carries no value
            // unless the advertiser gave it one, so its absence is "not reported".
            let value = match (kind, withheld) {
                (_, true) => None,
                (Kind::Purchases, false) => Some(value.unwrap_or(Decimal::ZERO)),
                (Kind::Leads, false) => value,
            };
            (count, value, withheld)
        }
    };
    out.conversions = count.unwrap_or(Decimal::ZERO);
    out.conversion_value = value;
    Ok((out, withheld))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn row(v: serde_json::Value) -> InsightRow {
        serde_json::from_value(v).expect("row")
    }

    fn read(v: serde_json::Value, c: &Conversions) -> (DailyRow, bool) {
        daily_row(row(v), c).expect("ok")
    }

    #[test]
    fn purchases_are_not_double_counted() {
        let (out, withheld) = read(
            serde_json::json!({
                "campaign_id": "1", "date_start": "2024-06-01", "date_stop": "2024-06-01",
                "spend": "84.53", "impressions": "10234", "clicks": "187", "account_currency": "USD",
                "actions": [
                    {"action_type": "link_click", "value": "143"},
                    {"action_type": "post_engagement", "value": "150"},
                    {"action_type": "purchase", "value": "6"},
                    {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "6"},
                    {"action_type": "omni_purchase", "value": "6", "7d_click": "5", "1d_view": "1"}
                ],
                "action_values": [
                    {"action_type": "purchase", "value": "412.8"},
                    {"action_type": "omni_purchase", "value": "412.8"}
                ]
            }),
            &Conversions::ByObjective,
        );
        assert!(!withheld);
        assert_eq!(out.conversions, dec!(6));
        assert_eq!(out.conversion_value, Some(dec!(412.8)));
        assert_eq!(out.spend, dec!(84.53));
        assert_eq!(out.engagements, 150);
    }

    #[test]
    fn a_lead_campaign_reads_its_leads() {
        let base = |actions: serde_json::Value| {
            serde_json::json!({
                "campaign_id": "7", "date_start": "2024-06-01", "date_stop": "2024-06-01",
                "objective": "OUTCOME_LEADS", "spend": "50", "actions": actions
            })
        };
        let (out, _) = read(
            base(serde_json::json!([
                {"action_type": "lead", "value": "9"},
                {"action_type": "onsite_conversion.lead_grouped", "value": "7"},
                {"action_type": "offsite_conversion.fb_pixel_lead", "value": "2"},
                {"action_type": "purchase", "value": "1"}
            ])),
            &Conversions::ByObjective,
        );
        assert_eq!(
            (out.conversions, out.conversion_value),
            (dec!(9), None),
            "`lead` is the total; a lead has no value unless Meta reports one"
        );
        // Without `lead`, form leads and website leads are different events: added.
        let (out, _) = read(
            base(serde_json::json!([
                {"action_type": "onsite_conversion.lead_grouped", "value": "7"},
                {"action_type": "offsite_conversion.fb_pixel_lead", "value": "2"}
            ])),
            &Conversions::ByObjective,
        );
        assert_eq!(out.conversions, dec!(9));
        // No objective, leads only: leads.
        let (out, _) = read(
            serde_json::json!({
                "campaign_id": "8", "date_start": "2024-06-01", "date_stop": "2024-06-01",
                "actions": [{"action_type": "offsite_conversion.fb_pixel_lead", "value": "3"}]
            }),
            &Conversions::ByObjective,
        );
        assert_eq!(out.conversions, dec!(3));
    }

    #[test]
    fn chosen_custom_conversions_win_over_the_objective() {
        let chosen = Conversions::Chosen(vec![
            "offsite_conversion.custom.555".into(),
            "offsite_conversion.custom.556".into(),
        ]);
        let (out, _) = read(
            serde_json::json!({
                "campaign_id": "9", "date_start": "2024-06-01", "date_stop": "2024-06-01",
                "objective": "OUTCOME_SALES",
                "actions": [
                    {"action_type": "omni_purchase", "value": "4"},
                    {"action_type": "offsite_conversion.custom.556", "value": "11"}
                ],
                "action_values": [{"action_type": "offsite_conversion.custom.556", "value": "110.5"}]
            }),
            &chosen,
        );
        assert_eq!(
            (out.conversions, out.conversion_value),
            (dec!(11), Some(dec!(110.5)))
        );
    }

    #[test]
    fn mixed_attribution_without_conversions_is_withheld_not_zero() {
        let (out, withheld) = read(
            serde_json::json!({
                "campaign_id": "5", "date_start": "2024-06-01", "date_stop": "2024-06-01",
                "objective": "OUTCOME_SALES", "attribution_setting": "mixed", "spend": "12.00",
                "actions": [{"action_type": "link_click", "value": "4"}]
            }),
            &Conversions::ByObjective,
        );
        assert!(withheld);
        assert_eq!(out.spend, dec!(12.00));
        assert_eq!(out.conversion_value, None, "unknown, not a value of 0");
        // A single setting with no purchases is a plain zero.
        let (out, withheld) = read(
            serde_json::json!({
                "campaign_id": "5", "date_start": "2024-06-01", "date_stop": "2024-06-01",
                "objective": "OUTCOME_SALES", "attribution_setting": "7d_click,1d_view"
            }),
            &Conversions::ByObjective,
        );
        assert!(!withheld);
        assert_eq!(
            (out.conversions, out.conversion_value),
            (dec!(0), Some(dec!(0)))
        );
    }
}
