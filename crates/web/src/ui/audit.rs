//! The activity page (`/audit-log`): the organisation's audit log in words, newest first, by
//! dates, person and target, a page at a time; each entry's changes as "field: before → after".

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::Value;
use spendlens_app::audit::page;
use spendlens_app::labels::Label;
use spendlens_core::Platform;
use spendlens_store::AuditRow;

use crate::api::audit_log::query_of;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::format::{counted, date, money};
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, Layout, UiError, UiResult, render};

/// One entry as the page lists it.
#[derive(Debug)]
pub struct EntryRow {
    when: String,
    who: String,
    what: String,
    target: String,
    /// The target's page, when it has one.
    target_href: Option<String>,
    /// What the write stored or removed, when it says (an import's file, rows, days and spend).
    facts: Option<String>,
    changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "audit_log.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<EntryRow>,
    from: String,
    to: String,
    /// The person or target the list is narrowed to, in words, with the link that widens it.
    narrowed: Option<String>,
    hidden: Vec<(&'static str, String)>,
    next_href: Option<String>,
    errors: FormErrors,
}

/// `ledger_entry.update` as "Ledger entry updated".
pub fn action_words(action: &str) -> String {
    let (noun, verb) = action.split_once('.').unwrap_or((action, ""));
    let done = match verb {
        "create" => "created",
        "update" => "updated",
        "delete" => "deleted",
        "sync" => "synced",
        "authorize" => "authorised",
        "import" => "imported",
        "revoke" => "revoked",
        other => other,
    };
    let mut noun = match noun {
        // Records named in the plural by their route, and codes no one says aloud.
        "mmm_run" => "marketing-mix run".to_owned(),
        "share-links" | "share_links" => "share link".to_owned(),
        "api_token" => "API token".to_owned(),
        other => other.replace(['_', '-'], " "),
    };
    if let Some(first) = noun.get(..1) {
        noun = format!("{}{}", first.to_uppercase(), &noun[1..]);
    }
    format!("{noun} {done}").trim().to_owned()
}

/// A field of a change as people read it: its last name, spaced (`settings.ga4_average_order_value`
/// reads "ga4 average order value").
fn field_words(field: &str) -> String {
    field.rsplit('.').next().unwrap_or(field).replace('_', " ")
}

fn value_words(v: &Value) -> String {
    match v {
        Value::Null => "none".to_owned(),
        Value::String(s) => s.replace('_', " "),
        Value::Array(a) => format!("{} items", a.len()),
        Value::Object(_) => "set".to_owned(),
        other => other.to_string(),
    }
}

/// What an entry's details say of the rows it wrote or deleted, in words: "rows.csv: 40 rows,
/// 1 Nov 2026 to 20 Nov 2026, $12,747.96 spend", "Meta Ads rows under “Spring”: …".
fn facts_words(d: &Value) -> Option<String> {
    let rows = d["rows"].as_u64()?;
    let mut words = match (d["file"].as_str(), d["platform"].as_str()) {
        (Some(file), _) => format!("{file}: "),
        (None, Some(platform)) => {
            let label = platform.parse::<Platform>().map_or(platform, |p| p.label());
            let under = d["external_campaign_id"].as_str().unwrap_or_default();
            format!("{label} rows under “{under}”: ")
        }
        (None, None) => String::new(),
    };
    words.push_str(&counted(rows, "row"));
    let day = |key: &str| d[key].as_str().and_then(|t| t.parse().ok()).map(date);
    if let (Some(first), Some(last)) = (day("first_date"), day("last_date")) {
        words.push_str(&format!(", {first} to {last}"));
    }
    if let Some(spend) = d["spend"].as_str().and_then(|t| t.parse().ok()) {
        let currency = d["currency"].as_str().unwrap_or_default();
        words.push_str(&format!(", {} spend", money(spend, currency)));
    }
    Some(words)
}

fn row(r: &AuditRow) -> EntryRow {
    let e = &r.record.entry;
    let changes = e.details["changes"]
        .as_object()
        .map(|c| {
            c.iter()
                .map(|(field, v)| {
                    format!(
                        "{}: {} → {}",
                        field_words(field),
                        value_words(&v["before"]),
                        value_words(&v["after"])
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let target_href = match e.target_type.as_str() {
        "campaign" => Some(format!("/campaigns/{}", e.target_id)),
        _ => None,
    };
    EntryRow {
        when: spendlens_core::dates::moment(e.at),
        who: match (&e.actor, &r.actor_email) {
            (_, Some(email)) => email.clone(),
            (Some(_), None) => "a former member".to_owned(),
            (None, None) => "spendlens (scheduled)".to_owned(),
        },
        what: action_words(&e.action),
        target: e.target_type.replace('_', " "),
        target_href,
        facts: facts_words(&e.details),
        changes,
    }
}

/// `GET /audit-log?from=&to=&actor=&target_type=&target_id=&before=`.
pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> UiResult<Response> {
    let query = query_of(&q);
    let keep = |k: &str| q.get(k).filter(|v| !v.trim().is_empty()).cloned();
    let hidden: Vec<(&'static str, String)> = ["actor", "target_type", "target_id"]
        .into_iter()
        .filter_map(|k| keep(k).map(|v| (k, v)))
        .collect();
    let (rows, next, errors) =
        match page(state.store.as_ref(), &viewer.principal.org_id, &query).await {
            Ok(found) => (found.rows, found.next, FormErrors::default()),
            Err(e) => match ApiError::from(e) {
                ApiError::Validation(problems) => (Vec::new(), None, FormErrors(problems)),
                other => return Err(UiError::from(other)),
            },
        };
    let narrowed = (!hidden.is_empty()).then(|| {
        hidden
            .iter()
            .map(|(k, v)| format!("{} {v}", k.replace('_', " ")))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let next_href = next.map(|before| {
        let mut params: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "before")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort();
        params.push(("before".to_owned(), before));
        let encoded: Vec<String> = params
            .iter()
            .map(|(k, v)| {
                let v =
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC);
                format!("{k}={v}")
            })
            .collect();
        format!("/audit-log?{}", encoded.join("&"))
    });
    Ok(render(&AuditPage {
        layout: viewer.layout("Activity", "audit"),
        rows: rows.iter().map(row).collect(),
        from: keep("from").unwrap_or_default(),
        to: keep("to").unwrap_or_default(),
        narrowed,
        hidden,
        next_href,
        errors,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_fields_read_as_words() {
        assert_eq!(action_words("ledger_entry.delete"), "Ledger entry deleted");
        assert_eq!(action_words("campaign.update"), "Campaign updated");
        assert_eq!(action_words("mmm_run.create"), "Marketing-mix run created");
        assert_eq!(action_words("share-links.create"), "Share link created");
        assert_eq!(action_words("api_token.revoke"), "API token revoked");
        assert_eq!(
            action_words("connection.authorize"),
            "Connection authorised"
        );
        assert_eq!(
            field_words("settings.ga4_average_order_value"),
            "ga4 average order value"
        );
        assert_eq!(value_words(&Value::Null), "none");
        assert_eq!(
            value_words(&Value::String("last_touch".into())),
            "last touch"
        );
    }
}
