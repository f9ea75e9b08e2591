//! The audit log's writer: one entry around every successful write of the API and the pages,
//! with who (the signed-in user or the token's creator), when, what (`campaign.update`,
//! `costs.delete`), the target, the route, and the target's fields before → after.
//!
//! It is a middleware over both routers rather than a call in each handler, so a write added
//! tomorrow is audited without anyone remembering to: [`target_of`] reads the target from the
//! route's own pattern, and [`snapshot`] reads the target's representation (the API's JSON of
//! it, never a secret) before and after the request; `spendlens_app::audit::changes` keeps the
//! fields that moved. Requests that write nothing (a dry run, reading a file's columns,
//! attributing a file, computing a plan, signing in) and writes that record their own entry in
//! their transaction (revoking a token) are left out by [`not_audited`].

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};
use spendlens_app::audit::changes;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::finance::LedgerScope;
use spendlens_store::{AuditEntry, Principal};

use crate::auth::principal_of;
use crate::state::AppState;

/// Facts a handler adds to its write's entry (an import's record, file, rows, dates and spend),
/// as an extension of its response: the middleware merges them into the entry's details.
#[derive(Debug, Clone, Default)]
pub struct AuditDetails(pub serde_json::Map<String, Value>);

impl AuditDetails {
    /// What an import stored: its record (none for figures typed from a PDF or posted as JSON),
    /// its file (none for JSON), its rows, first and last day and spend in the campaign's
    /// `currency`.
    pub fn import(
        import_id: Option<&str>,
        file: Option<&str>,
        rows: u64,
        span: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
        spend: rust_decimal::Decimal,
        currency: &str,
    ) -> Self {
        let mut facts = serde_json::Map::new();
        if let Some(id) = import_id {
            facts.insert("import_id".to_owned(), json!(id));
        }
        if let Some(file) = file {
            facts.insert("file".to_owned(), json!(file));
        }
        facts.insert("rows".to_owned(), json!(rows));
        if let Some((first, last)) = span {
            facts.insert("first_date".to_owned(), json!(first.to_string()));
            facts.insert("last_date".to_owned(), json!(last.to_string()));
        }
        facts.insert(
            "spend".to_owned(),
            json!(spendlens_core::num::cents_text(spend)),
        );
        facts.insert("currency".to_owned(), json!(currency));
        AuditDetails(facts)
    }

    /// What a write of `rows` stored (figures typed from a PDF `file`, rows posted as JSON).
    pub fn of_rows(
        file: Option<&str>,
        rows: &[spendlens_core::daily::DailyRow],
        currency: &str,
    ) -> Self {
        let dates = || rows.iter().map(|r| r.date);
        AuditDetails::import(
            None,
            file,
            rows.len() as u64,
            dates().min().zip(dates().max()),
            rows.iter().map(|r| r.spend).sum(),
            currency,
        )
    }

    /// `response` carrying these facts to its entry.
    pub fn attach(self, mut response: Response) -> Response {
        response.extensions_mut().insert(self);
        response
    }
}

/// What a write acted on: its kind and id, as the log names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Campaign(String),
    /// A campaign's ledger entry (campaign id, entry id).
    CampaignCost(String, String),
    /// An overhead entry of the organisation.
    Overhead(String),
    /// The organisation itself (its finance settings and rates).
    Organization,
    /// Anything else, by its kind and id (a connection, a token, a mapping, a model run).
    Other(&'static str, String),
}

impl Target {
    fn kind_and_id(&self, org: &OrgId) -> (&'static str, String) {
        match self {
            Target::Campaign(id) => ("campaign", id.clone()),
            Target::CampaignCost(_, e) | Target::Overhead(e) => ("ledger_entry", e.clone()),
            Target::Organization => ("organization", org.as_str().to_owned()),
            Target::Other(kind, id) => (kind, id.clone()),
        }
    }
}

/// The value of `{name}` in `path` by the route's `pattern`.
fn param(pattern: &str, path: &str, name: &str) -> Option<String> {
    let wanted = format!("{{{name}}}");
    pattern
        .split('/')
        .zip(path.split('/'))
        .find(|(p, _)| *p == wanted)
        .map(|(_, v)| v.to_owned())
}

/// The target of a write by its route pattern (`/api/campaigns/{id}/costs/{entry_id}`).
pub fn target_of(pattern: &str, path: &str) -> Target {
    let p = |name: &str| param(pattern, path, name);
    if let (Some(c), Some(e)) = (p("id"), p("entry_id"))
        && pattern.contains("/campaigns/")
    {
        return Target::CampaignCost(c, e);
    }
    if let Some(e) = p("entry_id") {
        return Target::Overhead(e);
    }
    if pattern.contains("/campaigns/{id}") {
        if let Some(conn) = p("connection") {
            return Target::Other("connection", conn);
        }
        if let Some(m) = p("mapping_id") {
            return Target::Other("column_mapping", m);
        }
        return p("id").map_or(Target::Organization, Target::Campaign);
    }
    let resource = |prefix: &str| pattern.starts_with(prefix);
    match p("id") {
        Some(id) if resource("/api/connections/") => Target::Other("connection", id),
        Some(id) if resource("/api/tokens/") || resource("/account/tokens/") => {
            Target::Other("api_token", id)
        }
        Some(id) if resource("/mmm/") || resource("/api/mmm/") => Target::Other("mmm_run", id),
        _ => Target::Organization,
    }
}

/// What a creation made, from the address its answer points to (`/api/campaigns/{id}`, a
/// page's `/campaigns/{id}/imports?created=1`, `/api/campaigns/{id}/costs/{entry}`,
/// `/api/overhead/{entry}`).
pub fn created_target(location: &str) -> Option<Target> {
    let path = location.split(['?', '#']).next().unwrap_or(location);
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != "api")
        .collect();
    match segments.as_slice() {
        ["campaigns", id, "costs", entry] => {
            Some(Target::CampaignCost((*id).to_owned(), (*entry).to_owned()))
        }
        ["overhead", entry] => Some(Target::Overhead((*entry).to_owned())),
        ["campaigns", id, ..] => Some(Target::Campaign((*id).to_owned())),
        _ => None,
    }
}

/// The action's name, `noun.verb`: the route's last resource word in the singular
/// (`campaign`, `ledger_entry`, `exchange_rate`) and what was done (`create` on a collection,
/// `update` on an item or its form, `delete`, or the route's own verb: `sync`, `authorize`,
/// `import`).
pub fn action_of(method: &Method, pattern: &str) -> String {
    const VERBS: [&str; 3] = ["sync", "authorize", "import"];
    const FORM_WORDS: [&str; 4] = ["delete", "edit", "confirm", "revoke"];
    let words: Vec<&str> = pattern
        .split('/')
        .filter(|s| !s.is_empty() && *s != "api")
        .collect();
    let last = words.last().copied().unwrap_or("");
    let deletes = *method == Method::DELETE || last == "delete";
    let literals: Vec<&str> = words
        .iter()
        .copied()
        .filter(|s| !s.starts_with('{') && !FORM_WORDS.contains(s))
        .collect();
    let (noun, own_verb) = match literals.as_slice() {
        [.., before, verb] if VERBS.contains(verb) => (*before, Some(*verb)),
        [.., noun] => (*noun, None),
        [] => ("organization", None),
    };
    let noun = match noun {
        "campaigns" => "campaign",
        "costs" | "overhead" | "finance" => "ledger_entry",
        "tokens" => "api_token",
        "connections" => "connection",
        "column-mappings" => "column_mapping",
        "rates" => "exchange_rate",
        "mmm" => "mmm_run",
        "imports" | "pdf" => "import",
        "sources" => "source_rows",
        other => other,
    };
    // One thing per campaign or organisation, set rather than added to.
    const SINGLE: [&str; 6] = [
        "settings",
        "basis",
        "headcount",
        "model",
        "revenue_basis",
        "attribution_model",
    ];
    let on_item = last.starts_with('{')
        || last == "edit"
        || SINGLE.contains(&noun.replace('-', "_").as_str());
    let verb = match own_verb {
        Some(v) => v,
        None if deletes => "delete",
        None if *method == Method::POST && !on_item => "create",
        None => "update",
    };
    format!("{}.{verb}", noun.replace('-', "_"))
}

/// Requests that change nothing stored, or record their own entry.
fn not_audited(method: &Method, pattern: &str, query: Option<&str>) -> bool {
    // Accounts, not organisations: signing up, in and out, and a person's own password (no
    // organisation's activity; the password's change ends the person's other sessions).
    const READS: [&str; 18] = [
        "/api/auth/register",
        "/api/auth/verify",
        "/api/auth/login",
        "/api/auth/logout",
        "/api/account/password",
        "/account/password",
        "/api/auth/password-reset",
        "/api/auth/password-reset/complete",
        "/forgot-password",
        "/reset-password",
        "/signup",
        "/signin",
        "/signout",
        "/verify",
        "/api/campaigns/{id}/imports/columns",
        "/api/attribution/paths",
        "/api/campaigns/{id}/budget-optimization",
        // An upload shown for confirmation, or read again under a mapping: nothing is stored
        // until the confirmation, which is audited.
        "/campaigns/{id}/imports",
    ];
    // A token's revocation, and every change of membership (roles, removals, invitations,
    // organisations), records its own entry in the change's own transaction.
    const SELF_AUDITED: [&str; 23] = [
        "/api/tokens/{id}",
        "/account/tokens/{id}/revoke",
        "/api/organizations",
        "/api/organization",
        "/api/organization/transfer",
        "/api/organization/leave",
        "/api/organization/members/{user_id}",
        "/api/organization/invitations",
        "/api/organization/invitations/{id}",
        "/api/invitations/{token}/accept",
        "/organizations",
        "/organization/leave",
        "/organization/members/{user_id}/role",
        "/organization/members/{user_id}/remove",
        "/organization/invitations",
        "/organization/invitations/{id}/revoke",
        "/invitations/{token}/signup",
        "/invitations/{token}/signin",
        "/invitations/{token}/join",
        // Deleting a campaign's rows of one source records the line, its days and its spend
        // in the deletion's own transaction.
        "/api/campaigns/{id}/sources",
        "/campaigns/{id}/imports/sources/delete",
        // Choosing the session's organisation changes no data.
        "/api/session/organization",
        "/organization/switch",
    ];
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || READS.contains(&pattern)
        || pattern == "/campaigns/{id}/imports/map"
        || SELF_AUDITED.contains(&pattern)
        // A dry run of any upload (rows, touchpoints, a ledger file) stores nothing.
        || query.is_some_and(|q| q.split('&').any(|kv| kv == "dry_run=true"))
}

/// The target's representation as the API answers it, or `None` for a target that has none
/// worth comparing (or holds secrets, as a connection does).
pub async fn snapshot(state: &AppState, org: &OrgId, target: &Target) -> Option<Value> {
    let store = state.store.as_ref();
    match target {
        Target::Campaign(id) => {
            let id = CampaignId::new(id.clone());
            let (campaign, settings, _) = store.campaign_with_settings(org, &id).await.ok()??;
            let finance = store.campaign_finance(org, &id).await.ok().flatten();
            let model = store.attribution_model(org, &id).await.ok().flatten();
            let basis = spendlens_app::finance::basis::campaign_basis(store, org, &id)
                .await
                .ok();
            Some(json!({
                "campaign": crate::api::campaigns::campaign_json(&campaign),
                "settings": json!(crate::api::campaigns::settings_body(&settings)),
                "finance": finance.map(|f| crate::api::finance::encode::facts_json(&id, &f)),
                "attribution_model": model,
                "revenue_basis": basis.map(|b| b.code()),
            }))
        }
        Target::CampaignCost(c, e) => {
            let c = CampaignId::new(c.clone());
            let stored = store
                .ledger_entry(org, LedgerScope::Campaign(&c), e)
                .await
                .ok()??;
            Some(crate::api::finance::encode::entry_json(&stored))
        }
        Target::Overhead(e) => {
            let stored = store
                .ledger_entry(org, LedgerScope::Overhead, e)
                .await
                .ok()??;
            Some(crate::api::finance::encode::entry_json(&stored))
        }
        Target::Organization => {
            // Never set yet reads as nothing set, so the first save shows every field it set.
            let settings = store.finance_settings(org).await.ok()?;
            Some(json!({
                "finance_settings": settings.map(|s| crate::api::finance::encode::settings_json(&s)),
            }))
        }
        Target::Other(..) => None,
    }
}

/// The middleware: runs the request, and after a successful write (2xx, or a page form's
/// redirect) appends its entry. A failure to write the entry is logged, never the request's
/// failure: the write has happened by then.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let Some(pattern) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return next.run(request).await;
    };
    if not_audited(&method, &pattern, request.uri().query()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Some(principal) = principal_of(&parts, &state).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let path = parts.uri.path().to_owned();
    let mut target = target_of(&pattern, &path);
    let mut before = snapshot(&state, &principal.org_id, &target).await;
    let response = next.run(Request::from_parts(parts, body)).await;
    let status = response.status();
    if !(status.is_success() || status.is_redirection()) {
        return response;
    }
    // A creation's target is what it created, found where the answer points (`Location`): its
    // fields all new, nothing before.
    if action_of(&method, &pattern).ends_with(".create")
        && let Some(created) = response
            .headers()
            .get(axum::http::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(created_target)
        // A campaign is created from the organisation; anything else a campaign's page creates
        // answers with the campaign's own page, which is not what it created.
        && (target == Target::Organization || !matches!(created, Target::Campaign(_)))
    {
        target = created;
        before = None;
    }
    // A write of a campaign's data rather than its fields (an import, its rows, a connection,
    // a share link) changes nothing the campaign's snapshot shows: a difference there would be
    // another writer's change made meanwhile, recorded under this request.
    let after = if snapshot_shows(&action_of(&method, &pattern), &target) {
        snapshot(&state, &principal.org_id, &target).await
    } else {
        before = None;
        None
    };
    let facts = response.extensions().get::<AuditDetails>().cloned();
    write_entry(
        &state,
        &principal,
        (&method, &pattern),
        &target,
        (before, after),
        facts,
    )
    .await;
    response
}

/// Whether the target's snapshot shows what an `action` writes: for a campaign, its fields,
/// values, finance facts, attribution model and revenue basis; anything else's snapshot is the
/// thing itself.
fn snapshot_shows(action: &str, target: &Target) -> bool {
    const CAMPAIGN_NOUNS: [&str; 7] = [
        "campaign",
        "settings",
        "attribution_model",
        "model",
        "headcount",
        "revenue_basis",
        "basis",
    ];
    let noun = action.split('.').next().unwrap_or_default();
    !matches!(target, Target::Campaign(_)) || CAMPAIGN_NOUNS.contains(&noun)
}

async fn write_entry(
    state: &AppState,
    principal: &Principal,
    (method, pattern): (&Method, &str),
    target: &Target,
    (before, after): (Option<Value>, Option<Value>),
    facts: Option<AuditDetails>,
) {
    let (target_type, target_id) = target.kind_and_id(&principal.org_id);
    let mut details = json!({
        "route": format!("{method} {pattern}"),
        "via": if pattern.starts_with("/api/") { "api" } else { "page" },
    });
    if let (Some(AuditDetails(facts)), Value::Object(d)) = (facts, &mut details) {
        for (key, value) in facts {
            d.entry(key).or_insert(value);
        }
    }
    if before.is_some() || after.is_some() {
        let moved = changes(
            before.as_ref().unwrap_or(&Value::Null),
            after.as_ref().unwrap_or(&Value::Null),
        );
        details["changes"] = Value::Object(moved);
    }
    let entry = AuditEntry {
        org_id: principal.org_id.clone(),
        actor: Some(principal.user_id.clone()),
        action: action_of(method, pattern),
        target_type: target_type.to_owned(),
        target_id,
        details,
        at: state.clock.now(),
    };
    if let Err(e) = state.store.record(&entry).await {
        tracing::error!(error = %e, action = %entry.action, "the audit entry was not written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_come_from_the_route_pattern() {
        let t = |pattern: &str, path: &str| target_of(pattern, path);
        assert_eq!(
            t("/api/campaigns/{id}", "/api/campaigns/c1"),
            Target::Campaign("c1".into())
        );
        assert_eq!(
            t(
                "/campaigns/{id}/finance/costs/{entry_id}/delete",
                "/campaigns/c1/finance/costs/e9/delete"
            ),
            Target::CampaignCost("c1".into(), "e9".into())
        );
        assert_eq!(
            t("/api/overhead/{entry_id}", "/api/overhead/e2"),
            Target::Overhead("e2".into())
        );
        assert_eq!(
            t("/finance/settings", "/finance/settings"),
            Target::Organization
        );
        assert_eq!(
            t(
                "/campaigns/{id}/connections/{connection}/delete",
                "/campaigns/c1/connections/k7/delete"
            ),
            Target::Other("connection", "k7".into())
        );
        assert_eq!(
            t("/api/connections/{id}/sync", "/api/connections/k7/sync"),
            Target::Other("connection", "k7".into())
        );
    }

    #[test]
    fn actions_name_the_thing_and_the_verb() {
        let cases = [
            (Method::PATCH, "/api/campaigns/{id}", "campaign.update"),
            (Method::DELETE, "/api/campaigns/{id}", "campaign.delete"),
            (Method::POST, "/campaigns/{id}/edit", "campaign.update"),
            (Method::POST, "/api/campaigns", "campaign.create"),
            (
                Method::POST,
                "/campaigns/{id}/finance/costs/{entry_id}/delete",
                "ledger_entry.delete",
            ),
            (
                Method::POST,
                "/campaigns/{id}/finance/costs/{entry_id}",
                "ledger_entry.update",
            ),
            (
                Method::POST,
                "/campaigns/{id}/finance/costs",
                "ledger_entry.create",
            ),
            (
                Method::PUT,
                "/api/campaigns/{id}/revenue-basis",
                "revenue_basis.update",
            ),
            (Method::POST, "/finance/rates", "exchange_rate.create"),
            (
                Method::POST,
                "/finance/rates/delete",
                "exchange_rate.delete",
            ),
            (
                Method::POST,
                "/api/connections/{id}/sync",
                "connection.sync",
            ),
            (
                Method::POST,
                "/campaigns/{id}/finance/import",
                "ledger_entry.import",
            ),
            (
                Method::POST,
                "/campaigns/{id}/imports/confirm",
                "import.create",
            ),
        ];
        for (method, pattern, want) in cases {
            assert_eq!(action_of(&method, pattern), want, "{method} {pattern}");
        }
    }

    #[test]
    fn a_creation_is_found_where_its_answer_points() {
        assert_eq!(
            created_target("/api/campaigns/c9"),
            Some(Target::Campaign("c9".into()))
        );
        assert_eq!(
            created_target("/campaigns/c9/imports?created=1"),
            Some(Target::Campaign("c9".into()))
        );
        assert_eq!(
            created_target("/api/campaigns/c9/costs/e1"),
            Some(Target::CampaignCost("c9".into(), "e1".into()))
        );
        assert_eq!(
            created_target("/api/overhead/e2"),
            Some(Target::Overhead("e2".into()))
        );
        assert_eq!(created_target("/finance?saved=overhead#overhead"), None);
    }

    #[test]
    fn reads_and_dry_runs_are_not_audited() {
        assert!(not_audited(&Method::GET, "/api/campaigns/{id}", None));
        assert!(not_audited(&Method::POST, "/api/auth/login", None));
        assert!(not_audited(
            &Method::POST,
            "/api/campaigns/{id}/imports",
            Some("dry_run=true")
        ));
        assert!(!not_audited(
            &Method::POST,
            "/api/campaigns/{id}/imports",
            Some("dry_run=false")
        ));
        assert!(!not_audited(
            &Method::POST,
            "/campaigns/{id}/imports/confirm",
            None
        ));
        assert!(not_audited(&Method::DELETE, "/api/tokens/{id}", None));
    }
}
