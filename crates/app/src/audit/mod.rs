//! The audit log as its readers use it: who changed what, when, with the values before and
//! after; read by filters a page at a time, and kept for a configurable number of days.
//!
//! Entries are written by the server around every successful write (see `spendlens_web::audit`):
//! one entry per request, with the target's representation before and after the write reduced
//! to the fields that changed ([`changes`]). Doing it once around every write, rather than in
//! each use case, is what makes "every write" true for a route added tomorrow; the price is a
//! read of the target before and after, which writes can afford.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde_json::{Map, Value, json};
use spendlens_core::campaign::{OrgId, UserId};
use spendlens_store::{AuditFilter, AuditRow, Store};

use crate::{AppError, Problem};

/// The most entries one page holds.
pub const MAX_PAGE: u32 = 200;
/// Entries per page when the reader does not say.
pub const DEFAULT_PAGE: u32 = 50;
/// The shortest retention the server accepts, in days (the database refuses to delete a younger
/// entry, see migration 0017).
pub const MIN_RETENTION_DAYS: u32 = 30;

/// The fields that differ between two JSON representations of one target, as
/// `{"budget": {"before": "15000.00", "after": "16000.00"}}`. Nested objects are compared field
/// by field under a dotted name (`settings.ga4_average_order_value`); a field present on one side
/// only shows `null` on the other. Non-objects compare whole (under the name `value`).
pub fn changes(before: &Value, after: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    walk("", before, after, &mut out);
    out
}

fn walk(prefix: &str, before: &Value, after: &Value, out: &mut Map<String, Value>) {
    let empty = Map::new();
    // An object that appears (or goes) compares field by field against nothing.
    let pair = match (before, after) {
        (Value::Null, Value::Object(a)) => Some((&empty, a)),
        (Value::Object(b), Value::Null) => Some((b, &empty)),
        _ => before.as_object().zip(after.as_object()),
    };
    match pair {
        Some((b, a)) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                walk(
                    &name,
                    b.get(k).unwrap_or(&Value::Null),
                    a.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        None if before != after => {
            let name = if prefix.is_empty() { "value" } else { prefix };
            out.insert(name.to_owned(), json!({"before": before, "after": after}));
        }
        None => {}
    }
}

/// What a reader asks of the log, as typed (query parameters or a form).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The id of the last entry of the previous page.
    pub before: Option<String>,
    pub limit: Option<String>,
}

/// A checked query: the store's filter, the days as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedQuery {
    pub filter: AuditFilter,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

fn day(problems: &mut Vec<Problem>, field: &str, text: Option<&String>) -> Option<NaiveDate> {
    let text = text.map(|t| t.trim()).filter(|t| !t.is_empty())?;
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        // The days every read keeps to: `to=9999-12-31` ran past the last instant and matched
        // nothing.
        Ok(d) => match spendlens_core::limits::check_date(d) {
            Ok(()) => Some(d),
            Err(message) => {
                problems.push(Problem::new(field, message));
                None
            }
        },
        Err(_) => {
            problems.push(Problem::new(
                field,
                format!("expected a date YYYY-MM-DD, got \"{text}\""),
            ));
            None
        }
    }
}

fn text(value: Option<&String>) -> Option<String> {
    value
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

impl AuditQuery {
    /// Checks every field; every problem names its field. `to` includes its whole day.
    pub fn check(&self) -> Result<CheckedQuery, Vec<Problem>> {
        let mut problems = Vec::new();
        let from = day(&mut problems, "from", self.from.as_ref());
        let to = day(&mut problems, "to", self.to.as_ref());
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            problems.push(Problem::new("to", "must not be before from"));
        }
        let limit = match text(self.limit.as_ref()) {
            None => DEFAULT_PAGE,
            Some(l) => match l.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => {
                    problems.push(Problem::new(
                        "limit",
                        format!("a whole number from 1 to {MAX_PAGE}"),
                    ));
                    DEFAULT_PAGE
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(CheckedQuery {
            filter: AuditFilter {
                actor: text(self.actor.as_ref()).map(UserId::new),
                target_type: text(self.target_type.as_ref()),
                target_id: text(self.target_id.as_ref()),
                from: from.map(midnight),
                to: to
                    .and_then(|t| t.checked_add_days(Days::new(1)))
                    .map(midnight),
                before: None,
                limit,
            },
            from,
            to,
        })
    }
}

/// One page of the log and the id to ask for the next one with (`None` on the last page).
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub next: Option<String>,
}

/// Reads a page of the organisation's log, newest first. An unknown `before` id answers the
/// first page rather than nothing (a link from a purged page still leads somewhere).
pub async fn page(
    store: &dyn Store,
    org: &OrgId,
    query: &AuditQuery,
) -> Result<AuditPage, AppError> {
    let mut checked = query.check().map_err(AppError::Fields)?;
    if let Some(id) = text(query.before.as_ref()) {
        checked.filter.before = cursor_of(store, org, &id).await?;
    }
    let limit = checked.filter.limit;
    // One more than asked tells whether a next page exists.
    checked.filter.limit = limit + 1;
    let mut rows = store.audit_page(org, &checked.filter).await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.record.id.clone())
    } else {
        None
    };
    Ok(AuditPage { rows, next })
}

/// The time and id of an entry of the organisation, for paging after it.
async fn cursor_of(
    store: &dyn Store,
    org: &OrgId,
    id: &str,
) -> Result<Option<(DateTime<Utc>, String)>, AppError> {
    let found = store.audit_entry(org, id).await?;
    Ok(found.map(|r| (r.entry.at, r.id)))
}

/// Deletes the entries older than `retention_days` before `now`; how many. A retention under
/// [`MIN_RETENTION_DAYS`] is taken as that minimum.
pub async fn purge(
    store: &dyn Store,
    now: DateTime<Utc>,
    retention_days: u32,
) -> Result<u64, AppError> {
    let days = retention_days.max(MIN_RETENTION_DAYS);
    let before = now - chrono::Duration::days(i64::from(days));
    Ok(store.purge_audit(before).await?)
}

#[cfg(test)]
mod tests;
