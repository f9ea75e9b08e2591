//! Finance request bodies into `spendlens_app::finance`'s commands: a cost or overhead body into
//! an `EntryDraft`, the settings body into a `SettingsPatch`, the headcount body into a
//! `FactsPatch`.
//!
//! Decoding names every problem by its JSON key, in the order of the body. Where a key also has
//! a rule (the cost of capital's range, the webhook URL, the secret, the rates table, the
//! headcount), the app's rule for that field is called right there, so the problems of one body
//! come back in one list, in the body's order; the commands check the rules again before they
//! write.

use rust_decimal::Decimal;
use serde_json::Value;
use spendlens_app::finance::settings::{self as rules, FactsPatch, SECRET_EXPECTED, SettingsPatch};
use spendlens_finance::FxRate;
use spendlens_finance::ledger::EntryDraft;

use crate::error::{ApiError, ApiResult, FieldProblem};

/// The most exchange rates a settings body may hold: every ordered pair of the currencies
/// spendlens knows is under 2,000.
const MAX_RATES: usize = 2_000;

/// The keys of a campaign cost.
pub const COST_FIELDS: [&str; 10] = [
    "category",
    "amount",
    "currency",
    "attribution_method",
    "allocation_date",
    "resource_hours",
    "fixed_cost_allocation",
    "incurred_on",
    "platform",
    "billing_period",
];

/// The keys of an overhead entry.
pub const OVERHEAD_FIELDS: [&str; 4] = [
    "amount",
    "currency",
    "allocation_method",
    "reporting_period",
];

fn object(body: &Value) -> ApiResult<&serde_json::Map<String, Value>> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::field("", "expected a JSON object")),
    }
}

/// Reads a JSON object into an entry draft: each field a string or a number (null or absent:
/// not given); unknown keys and other types are named.
pub fn draft_of(body: &Value, allowed: &[&str]) -> ApiResult<EntryDraft> {
    let map = object(body)?;
    let mut draft = EntryDraft::default();
    let mut problems = Vec::new();
    for (key, value) in map {
        if !allowed.contains(&key.as_str()) {
            problems.push(FieldProblem::new(
                key.clone(),
                format!("unknown field (expected one of {})", allowed.join(", ")),
            ));
            continue;
        }
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                problems.push(FieldProblem::new(
                    key.clone(),
                    "expected a string or a number",
                ));
                continue;
            }
        };
        if let Some(slot) = draft.field_mut(key) {
            *slot = Some(text);
        }
    }
    if problems.is_empty() {
        Ok(draft)
    } else {
        Err(problems.into())
    }
}

fn decimal_field(value: &Value, name: &str, problems: &mut Vec<FieldProblem>) -> Option<Decimal> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let parsed = text.parse::<Decimal>().ok();
    if parsed.is_none() {
        problems.push(FieldProblem::new(name, "expected a decimal number"));
    }
    parsed
}

/// Records the outcome of a field rule: the value, or the problem under `field`.
fn checked<T>(rule: Result<T, String>, field: &str, problems: &mut Vec<FieldProblem>) -> Option<T> {
    rule.map_err(|m| problems.push(FieldProblem::new(field, m)))
        .ok()
}

/// `PUT /api/finance/settings`: `cost_of_capital` (a decimal), `webhook_url` (a URL or null,
/// under the outbound rule with the server's `allow` list), `webhook_secret` (a string or null;
/// `can_seal` says whether this server can store one) and `rates` (`[{"from", "to", "rate"}]`).
/// Every problem names its key (`rates[2].to` inside the table); the table is checked as a whole
/// only when nothing before it failed.
pub fn settings_patch(
    body: &Value,
    can_seal: bool,
    allow: &spendlens_connect::AllowList,
) -> ApiResult<SettingsPatch> {
    let map = object(body)?;
    let mut patch = SettingsPatch::default();
    let mut problems = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "cost_of_capital" => {
                if let Some(rate) = decimal_field(value, "cost_of_capital", &mut problems) {
                    patch.cost_of_capital = checked(
                        rules::cost_of_capital(rate),
                        "cost_of_capital",
                        &mut problems,
                    );
                }
            }
            "webhook_url" => match value {
                Value::Null => patch.webhook_url = Some(None),
                Value::String(u) => {
                    patch.webhook_url =
                        checked(rules::webhook_url(u, allow), "webhook_url", &mut problems)
                            .map(Some);
                }
                _ => problems.push(FieldProblem::new("webhook_url", "expected a URL or null")),
            },
            "webhook_secret" => match value {
                Value::Null => patch.webhook_secret = Some(None),
                Value::String(secret) => {
                    let rule = rules::webhook_secret(secret, can_seal);
                    if checked(rule, "webhook_secret", &mut problems).is_some() {
                        patch.webhook_secret =
                            Some(Some(secrecy::SecretString::from(secret.clone())));
                    }
                }
                _ => problems.push(FieldProblem::new("webhook_secret", SECRET_EXPECTED)),
            },
            "rates" => match value {
                Value::Array(items) if items.len() > MAX_RATES => problems.push(FieldProblem::new(
                    "rates",
                    format!(
                        "{} rates; at most {MAX_RATES} (one per pair of currencies is enough)",
                        items.len()
                    ),
                )),
                Value::Array(items) => {
                    let mut rates = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        if !item.is_object() {
                            problems.push(FieldProblem::new(
                                format!("rates[{i}]"),
                                "expected an object {from, to, rate}",
                            ));
                            continue;
                        }
                        let get = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or("");
                        let name = format!("rates[{i}].rate");
                        let rate = item
                            .get("rate")
                            .and_then(|v| decimal_field(v, &name, &mut problems));
                        if item.get("rate").is_none() {
                            problems.push(FieldProblem::new(name, "missing"));
                        }
                        rates.push(FxRate {
                            from: get("from").to_owned(),
                            to: get("to").to_owned(),
                            rate: rate.unwrap_or_default(),
                        });
                    }
                    if problems.is_empty() {
                        match rules::rates(rates) {
                            Ok(rates) => patch.rates = Some(rates),
                            Err(found) => problems.extend(
                                found
                                    .into_iter()
                                    .map(|p| FieldProblem::new(p.field, p.message)),
                            ),
                        }
                    }
                }
                _ => problems.push(FieldProblem::new(
                    "rates",
                    "expected an array of {from, to, rate}",
                )),
            },
            other => problems.push(FieldProblem::new(
                other,
                "unknown field (expected cost_of_capital, webhook_url, webhook_secret, rates)",
            )),
        }
    }
    if problems.is_empty() {
        Ok(patch)
    } else {
        Err(problems.into())
    }
}

/// `PUT /api/campaigns/{id}/headcount`: `headcount` (a whole number) and `attribution_method`,
/// at least one of them.
pub fn facts_patch(body: &Value) -> ApiResult<FactsPatch> {
    let map = object(body)?;
    let mut patch = FactsPatch::default();
    let mut problems = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "headcount" => {
                patch.headcount =
                    checked(rules::headcount(value.as_u64()), "headcount", &mut problems);
            }
            "attribution_method" => {
                let code = value.as_str().unwrap_or_default();
                patch.attribution_method = checked(
                    rules::attribution_method(code),
                    "attribution_method",
                    &mut problems,
                );
            }
            other => problems.push(FieldProblem::new(
                other,
                "unknown field (expected headcount, attribution_method)",
            )),
        }
    }
    if !map.contains_key("headcount") && !map.contains_key("attribution_method") {
        problems.push(FieldProblem::new("headcount", "missing"));
    }
    if problems.is_empty() {
        Ok(patch)
    } else {
        Err(problems.into())
    }
}
