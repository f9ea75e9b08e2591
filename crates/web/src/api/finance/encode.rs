//! The finance answers on the wire: entries, alerts, campaign facts and settings (money as
//! 2-decimal strings, percentages as numbers, the webhook secret never, only whether it is set).

use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use spendlens_core::campaign::CampaignId;
use spendlens_finance::LedgerEntry;
use spendlens_finance::encode::{money, ratio};
use spendlens_store::finance::{CampaignFinance, StoredAlert, StoredEntry, StoredFinanceSettings};

fn date(d: NaiveDate) -> Value {
    Value::String(d.to_string())
}

/// An entry as the API shows it.
pub fn entry_json(stored: &StoredEntry) -> Value {
    let e = &stored.entry;
    let mut m = Map::new();
    m.insert("id".into(), json!(stored.id));
    m.insert("category".into(), json!(e.category().as_str()));
    m.insert(
        "campaign_id".into(),
        e.campaign_id().map_or(Value::Null, |c| json!(c.as_str())),
    );
    m.insert("currency".into(), json!(e.currency()));
    match e {
        LedgerEntry::MediaSpend(x) => {
            m.insert("amount".into(), money(x.amount));
            m.insert(
                "attribution_method".into(),
                json!(x.attribution_method.as_str()),
            );
            m.insert("allocation_date".into(), date(x.allocation_date));
        }
        LedgerEntry::CreativeProduction(x) => {
            m.insert("amount".into(), money(x.amount));
            m.insert("resource_hours".into(), json!(x.resource_hours));
            m.insert(
                "fixed_cost_allocation".into(),
                money(x.fixed_cost_allocation),
            );
            m.insert("incurred_on".into(), date(x.incurred_on));
        }
        LedgerEntry::PlatformFee(x) => {
            m.insert("amount".into(), money(x.amount));
            m.insert("platform".into(), json!(x.platform));
            m.insert("billing_period".into(), json!(x.billing_period.to_string()));
        }
        LedgerEntry::OperationalOverhead(x) => {
            m.insert("amount".into(), money(x.amount));
            m.insert(
                "allocation_method".into(),
                json!(x.allocation_method.as_str()),
            );
            m.insert(
                "reporting_period".into(),
                json!(x.reporting_period.to_string()),
            );
        }
    }
    m.insert("total".into(), money(e.total()));
    m.insert("created_at".into(), json!(stored.created_at.to_rfc3339()));
    m.insert("updated_at".into(), json!(stored.updated_at.to_rfc3339()));
    Value::Object(m)
}

/// Entries as a list.
pub fn entries_json(entries: &[StoredEntry]) -> Vec<Value> {
    entries.iter().map(entry_json).collect()
}

/// A campaign's finance facts.
pub fn facts_json(campaign: &CampaignId, f: &CampaignFinance) -> Value {
    json!({
        "campaign_id": campaign.as_str(),
        "headcount": f.headcount,
        "attribution_method": f.attribution_method.as_str(),
    })
}

/// The organisation's settings (the webhook secret only as whether one is set).
pub fn settings_json(s: &StoredFinanceSettings) -> Value {
    json!({
        "cost_of_capital": s.cost_of_capital.normalize().to_string(),
        "webhook_url": s.webhook_url,
        "webhook_secret_set": s.webhook_secret_sealed.is_some(),
        "rates": s.rates.iter().map(|r| json!({"from": r.from, "to": r.to, "rate": r.rate.normalize().to_string()})).collect::<Vec<_>>(),
    })
}

/// An alert as the API shows it.
pub fn alert_json(a: &StoredAlert) -> Value {
    json!({
        "id": a.id,
        "campaign_id": a.campaign_id.as_str(),
        "kind": a.alert.kind.as_str(),
        "as_of": a.alert.as_of.to_string(),
        "used_pct": ratio(a.alert.used_pct),
        "pacing_pct": ratio(a.alert.pacing_pct),
        "spend": money(a.alert.spend),
        "budget": a.alert.budget.map_or(Value::Null, money),
        "currency": a.alert.currency,
        "raised_at": a.raised_at.to_rfc3339(),
        "delivered_at": a.delivered_at.map(|d| d.to_rfc3339()),
        "delivery_attempts": a.attempts,
        "last_error": a.last_error,
    })
}

/// Alerts as a list.
pub fn alerts_json(alerts: &[StoredAlert]) -> Vec<Value> {
    alerts.iter().map(alert_json).collect()
}
