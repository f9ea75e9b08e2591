//! The one table of who may call which route: (method, route pattern) -> access.
//!
//! Viewers read everything of their organisation (every GET but the pages that are only a form
//! to write, the pending invitations and the activity log); editors also manage campaigns, imports, connections, the ledger, attribution,
//! mappings, marketing-mix runs and optimisation; admins also members, invitations, the
//! organisation's finance settings and rates (and, by the app's rule on the data, other
//! members' tokens); owners also transfer ownership and delete the organisation. What a user
//! does for themselves (their own tokens, their organisations, switching, leaving, taking an
//! invitation up) needs only membership. `Public` routes need no credential.
//!
//! Every route the routers register must have a rule here (`routes` records them; a unit test
//! compares both lists, and the middleware refuses a route without a rule), and the pages ask
//! the same table what to show ([`allows`]), so a page never offers what the server refuses.

use axum::http::Method;
use spendlens_core::Role;
use spendlens_store::Owned;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (the handler decides what a credential changes).
    Public,
    /// A member of the caller's current organisation with at least this role.
    Member(Role),
}

use Access::{Member, Public};
const VIEWER: Access = Member(Role::Viewer);
const EDITOR: Access = Member(Role::Editor);
const ADMIN: Access = Member(Role::Admin);
const OWNER: Access = Member(Role::Owner);

/// Every route's rule: method, pattern (as registered, with the `/api` prefix), access.
pub const RULES: &[(&str, &str, Access)] = &[
    // Accounts and sessions.
    ("POST", "/api/auth/register", Public),
    ("POST", "/api/auth/verify", Public),
    ("POST", "/api/auth/password-reset", Public),
    ("POST", "/api/auth/password-reset/complete", Public),
    ("POST", "/api/auth/login", Public),
    ("POST", "/api/auth/logout", Public),
    ("GET", "/api/tokens", VIEWER),
    ("POST", "/api/tokens", VIEWER),
    ("POST", "/api/account/password", VIEWER),
    ("DELETE", "/api/tokens/{id}", VIEWER),
    // Teams (issue 18).
    ("GET", "/api/organizations", VIEWER),
    ("POST", "/api/organizations", VIEWER),
    ("POST", "/api/session/organization", VIEWER),
    ("DELETE", "/api/organization", OWNER),
    ("POST", "/api/organization/transfer", OWNER),
    ("POST", "/api/organization/leave", VIEWER),
    ("GET", "/api/organization/members", VIEWER),
    ("PUT", "/api/organization/members/{user_id}", ADMIN),
    ("DELETE", "/api/organization/members/{user_id}", ADMIN),
    ("GET", "/api/organization/invitations", ADMIN),
    ("POST", "/api/organization/invitations", ADMIN),
    ("DELETE", "/api/organization/invitations/{id}", ADMIN),
    ("POST", "/api/invitations/{token}/accept", VIEWER),
    // Campaigns and their data.
    ("GET", "/api/campaigns", VIEWER),
    ("POST", "/api/campaigns", EDITOR),
    ("GET", "/api/portfolio", VIEWER),
    ("GET", "/api/campaigns/{id}", VIEWER),
    ("PATCH", "/api/campaigns/{id}", EDITOR),
    ("DELETE", "/api/campaigns/{id}", EDITOR),
    ("GET", "/api/campaigns/{id}/settings", VIEWER),
    ("PUT", "/api/campaigns/{id}/settings", EDITOR),
    ("POST", "/api/campaigns/{id}/metrics", EDITOR),
    ("POST", "/api/campaigns/{id}/imports", EDITOR),
    ("POST", "/api/campaigns/{id}/imports/columns", EDITOR),
    ("GET", "/api/campaigns/{id}/sources", VIEWER),
    ("DELETE", "/api/campaigns/{id}/sources", EDITOR),
    ("GET", "/api/campaigns/{id}/column-mappings", VIEWER),
    ("POST", "/api/campaigns/{id}/column-mappings", EDITOR),
    (
        "DELETE",
        "/api/campaigns/{id}/column-mappings/{mapping_id}",
        EDITOR,
    ),
    ("GET", "/api/campaigns/{id}/financial-analysis", VIEWER),
    ("GET", "/api/campaigns/{id}/snapshots", VIEWER),
    ("GET", "/api/campaigns/{id}/channels", VIEWER),
    // Platform connections.
    ("GET", "/api/connectors", VIEWER),
    ("GET", "/api/campaigns/{id}/connections", VIEWER),
    ("POST", "/api/campaigns/{id}/connections", EDITOR),
    ("GET", "/api/connections/{id}", VIEWER),
    ("DELETE", "/api/connections/{id}", EDITOR),
    ("POST", "/api/connections/{id}/authorize", EDITOR),
    ("POST", "/api/connections/{id}/sync", EDITOR),
    // The provider's redirect completes an authorisation: a write.
    ("GET", "/api/oauth/callback", EDITOR),
    // Attribution.
    ("POST", "/api/attribution/touchpoints", EDITOR),
    ("POST", "/api/attribution/paths", EDITOR),
    ("GET", "/api/campaigns/{id}/attribution", VIEWER),
    ("GET", "/api/campaigns/{id}/attribution/chart.svg", VIEWER),
    ("GET", "/api/campaigns/{id}/attribution-model", VIEWER),
    ("PUT", "/api/campaigns/{id}/attribution-model", EDITOR),
    // Marketing mix and optimisation.
    ("GET", "/api/mmm", VIEWER),
    ("POST", "/api/mmm", EDITOR),
    ("GET", "/api/mmm/{id}", VIEWER),
    ("POST", "/api/mmm/{id}/run-again", EDITOR),
    ("POST", "/api/campaigns/{id}/budget-optimization", EDITOR),
    (
        "GET",
        "/api/campaigns/{id}/budget-optimization/curves.svg",
        VIEWER,
    ),
    // The seed's platform-shaped reads.
    ("GET", "/api/linkedin/metrics/{id}", VIEWER),
    ("GET", "/api/custom-integration/{id}", VIEWER),
    ("GET", "/api/meta/{id}/analytics", VIEWER),
    ("GET", "/api/campaigns/{id}/ga4-metrics", VIEWER),
    ("GET", "/api/campaigns/{id}/google-sheets-data", VIEWER),
    // Finance: the ledger is editors', the organisation's settings admins'.
    ("GET", "/api/campaigns/{id}/costs", VIEWER),
    ("POST", "/api/campaigns/{id}/costs", EDITOR),
    ("POST", "/api/campaigns/{id}/costs/import", EDITOR),
    ("GET", "/api/campaigns/{id}/costs/{entry_id}", VIEWER),
    ("PUT", "/api/campaigns/{id}/costs/{entry_id}", EDITOR),
    ("DELETE", "/api/campaigns/{id}/costs/{entry_id}", EDITOR),
    ("GET", "/api/overhead", VIEWER),
    ("POST", "/api/overhead", EDITOR),
    ("GET", "/api/overhead/{entry_id}", VIEWER),
    ("PUT", "/api/overhead/{entry_id}", EDITOR),
    ("DELETE", "/api/overhead/{entry_id}", EDITOR),
    ("GET", "/api/campaigns/{id}/headcount", VIEWER),
    ("PUT", "/api/campaigns/{id}/headcount", EDITOR),
    ("GET", "/api/finance/settings", VIEWER),
    ("PUT", "/api/finance/settings", ADMIN),
    ("GET", "/api/campaigns/{id}/roi", VIEWER),
    ("GET", "/api/campaigns/{id}/reconciliation", VIEWER),
    ("GET", "/api/campaigns/{id}/revenue-basis", VIEWER),
    ("PUT", "/api/campaigns/{id}/revenue-basis", EDITOR),
    ("GET", "/api/campaigns/{id}/budget-consumption", VIEWER),
    ("GET", "/api/alerts", VIEWER),
    ("GET", "/api/reports/financial", VIEWER),
    ("GET", "/api/audit-log", ADMIN),
    // Shared and scheduled reports: share links are editors', schedules admins'.
    ("GET", "/api/campaigns/{id}/share-links", VIEWER),
    ("POST", "/api/campaigns/{id}/share-links", EDITOR),
    (
        "DELETE",
        "/api/campaigns/{id}/share-links/{link_id}",
        EDITOR,
    ),
    ("GET", "/api/report-schedules", VIEWER),
    ("POST", "/api/report-schedules", ADMIN),
    ("DELETE", "/api/report-schedules/{id}", ADMIN),
    // Pages: signing up and in.
    ("GET", "/", Public),
    ("GET", "/signup", Public),
    ("POST", "/signup", Public),
    ("GET", "/signin", Public),
    ("POST", "/signin", Public),
    ("POST", "/signout", VIEWER),
    ("GET", "/verify", Public),
    ("POST", "/verify", Public),
    ("GET", "/forgot-password", Public),
    ("POST", "/forgot-password", Public),
    ("GET", "/reset-password", Public),
    ("POST", "/reset-password", Public),
    ("GET", "/static/{file}", Public),
    ("GET", "/invitations/{token}", Public),
    ("POST", "/invitations/{token}/signup", Public),
    ("POST", "/invitations/{token}/signin", Public),
    ("POST", "/invitations/{token}/join", VIEWER),
    // Pages: the account, the organisation and its members.
    ("GET", "/account", VIEWER),
    ("POST", "/account/tokens", VIEWER),
    ("POST", "/account/password", VIEWER),
    ("POST", "/account/tokens/{id}/revoke", VIEWER),
    ("POST", "/organization/switch", VIEWER),
    ("POST", "/organizations", VIEWER),
    ("POST", "/organization/leave", VIEWER),
    ("GET", "/organization/members", VIEWER),
    ("POST", "/organization/members/{user_id}/role", ADMIN),
    ("POST", "/organization/members/{user_id}/remove", ADMIN),
    ("POST", "/organization/invitations", ADMIN),
    ("POST", "/organization/invitations/{id}/revoke", ADMIN),
    // Pages: campaigns. A page that is only a form to write is an editor's.
    ("GET", "/campaigns", VIEWER),
    ("POST", "/campaigns", EDITOR),
    ("GET", "/campaigns/new", EDITOR),
    ("GET", "/campaigns/{id}", VIEWER),
    ("GET", "/campaigns/{id}/charts/{file}", VIEWER),
    ("POST", "/campaigns/{id}/share-links", EDITOR),
    (
        "POST",
        "/campaigns/{id}/share-links/{link_id}/revoke",
        EDITOR,
    ),
    ("GET", "/share/{token}", Public),
    ("GET", "/audit-log", ADMIN),
    ("GET", "/campaigns/{id}/edit", EDITOR),
    ("POST", "/campaigns/{id}/edit", EDITOR),
    ("GET", "/campaigns/{id}/imports", VIEWER),
    ("POST", "/campaigns/{id}/imports", EDITOR),
    ("POST", "/campaigns/{id}/imports/confirm", EDITOR),
    ("POST", "/campaigns/{id}/imports/map", EDITOR),
    ("POST", "/campaigns/{id}/imports/pdf", EDITOR),
    ("POST", "/campaigns/{id}/imports/sources/delete", EDITOR),
    ("GET", "/campaigns/{id}/finance", VIEWER),
    ("POST", "/campaigns/{id}/finance/basis", EDITOR),
    ("POST", "/campaigns/{id}/finance/costs", EDITOR),
    ("GET", "/campaigns/{id}/finance/costs/{entry_id}", EDITOR),
    ("POST", "/campaigns/{id}/finance/costs/{entry_id}", EDITOR),
    (
        "POST",
        "/campaigns/{id}/finance/costs/{entry_id}/delete",
        EDITOR,
    ),
    ("POST", "/campaigns/{id}/finance/headcount", EDITOR),
    ("POST", "/campaigns/{id}/finance/import", EDITOR),
    ("GET", "/campaigns/{id}/connections", VIEWER),
    ("POST", "/campaigns/{id}/connections", EDITOR),
    (
        "POST",
        "/campaigns/{id}/connections/{connection}/sync",
        EDITOR,
    ),
    (
        "POST",
        "/campaigns/{id}/connections/{connection}/authorize",
        EDITOR,
    ),
    (
        "POST",
        "/campaigns/{id}/connections/{connection}/delete",
        EDITOR,
    ),
    ("GET", "/campaigns/{id}/attribution", VIEWER),
    ("POST", "/campaigns/{id}/attribution/model", EDITOR),
    ("POST", "/campaigns/{id}/attribution/touchpoints", EDITOR),
    // Pages: the organisation's finance and marketing mix.
    ("GET", "/finance", VIEWER),
    ("GET", "/finance/report", VIEWER),
    ("POST", "/finance/rates", ADMIN),
    ("POST", "/finance/rates/delete", ADMIN),
    ("POST", "/finance/rates/import", ADMIN),
    ("POST", "/finance/overhead", EDITOR),
    ("GET", "/finance/overhead/{entry_id}", EDITOR),
    ("POST", "/finance/overhead/{entry_id}", EDITOR),
    ("POST", "/finance/overhead/{entry_id}/delete", EDITOR),
    ("POST", "/finance/settings", ADMIN),
    ("POST", "/finance/schedules", ADMIN),
    ("POST", "/finance/schedules/{id}/delete", ADMIN),
    ("GET", "/mmm", VIEWER),
    ("POST", "/mmm", EDITOR),
    ("GET", "/mmm/{id}", VIEWER),
    ("POST", "/mmm/{id}/run-again", EDITOR),
    ("GET", "/mmm/{id}/charts/{file}", VIEWER),
];

/// The access rule of a request's method and matched route pattern (`HEAD` as `GET`); `None`
/// when the table has none (refused: see the module's note).
pub fn access(method: &Method, pattern: &str) -> Option<Access> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    RULES
        .iter()
        .find(|(m, p, _)| *m == method && *p == pattern)
        .map(|(_, _, access)| *access)
}

/// The methods the access table knows for `pattern` (`GET` also answering `HEAD`), for the
/// `Allow` header of a 405.
pub fn methods(pattern: &str) -> Vec<&'static str> {
    RULES
        .iter()
        .filter(|(_, p, _)| *p == pattern)
        .map(|(m, _, _)| *m)
        .collect()
}

/// Whether `role` may call `route` ("POST /campaigns/{id}/edit"): what the pages ask before
/// showing a form or a button. An unknown route is not allowed.
pub fn allows(role: Role, route: &str) -> bool {
    let Some((method, pattern)) = route.split_once(' ') else {
        return false;
    };
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return false;
    };
    match access(&method, pattern) {
        Some(Public) => true,
        Some(Member(min)) => role >= min,
        None => false,
    }
}

/// What a path parameter of a route names, so that a refusal can first ask whether the id is
/// the caller's organisation's at all (another organisation's id is a 404, never a 403): by the
/// parameter's name and the path segment before it. `Ok(None)`: the parameter names nothing an
/// organisation owns (a file name, an invitation's secret). `Err(())`: unknown (a test keeps
/// every registered route's parameters known; at run time an unknown one counts as not owned).
#[allow(clippy::result_unit_err)]
pub fn owned_kind(pattern: &str, param: &str) -> Result<Option<Owned>, ()> {
    let marker = format!("{{{param}}}");
    let before = pattern
        .split('/')
        .take_while(|segment| *segment != marker)
        .last()
        .unwrap_or_default();
    Ok(Some(match (before, param) {
        (_, "file" | "token") => return Ok(None),
        ("campaigns" | "metrics" | "custom-integration" | "meta", "id") => Owned::Campaign,
        ("connections", "id") | (_, "connection") => Owned::Connection,
        ("costs" | "overhead", "entry_id") => Owned::LedgerEntry,
        (_, "mapping_id") => Owned::Mapping,
        ("mmm", "id") => Owned::MmmRun,
        ("tokens", "id") => Owned::ApiToken,
        ("members", "user_id") => Owned::Member,
        ("invitations", "id") => Owned::Invitation,
        ("share-links", "link_id") => Owned::ShareLink,
        ("report-schedules" | "schedules", "id") => Owned::ReportSchedule,
        _ => return Err(()),
    }))
}

/// The parameter names of a route pattern, in order.
pub fn params(pattern: &str) -> Vec<&str> {
    pattern
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_is_written_once() {
        for (i, (m, p, _)) in RULES.iter().enumerate() {
            assert!(
                !RULES[..i].iter().any(|(m2, p2, _)| m2 == m && p2 == p),
                "{m} {p} has two rules"
            );
        }
    }

    #[test]
    fn the_pages_ask_the_same_table() {
        assert!(allows(Role::Editor, "POST /campaigns/{id}/edit"));
        assert!(!allows(Role::Viewer, "POST /campaigns/{id}/edit"));
        assert!(!allows(Role::Editor, "POST /finance/settings"));
        assert!(allows(Role::Admin, "POST /finance/settings"));
        assert!(!allows(Role::Owner, "POST /no/such/route"));
        assert!(!allows(Role::Owner, "nonsense"));
        assert_eq!(
            access(&Method::HEAD, "/api/campaigns"),
            Some(Member(Role::Viewer))
        );
    }

    #[test]
    fn parameters_name_what_they_identify() {
        assert_eq!(
            owned_kind("/api/campaigns/{id}/costs/{entry_id}", "id"),
            Ok(Some(Owned::Campaign))
        );
        assert_eq!(
            owned_kind("/api/campaigns/{id}/costs/{entry_id}", "entry_id"),
            Ok(Some(Owned::LedgerEntry))
        );
        assert_eq!(
            owned_kind(
                "/campaigns/{id}/connections/{connection}/sync",
                "connection"
            ),
            Ok(Some(Owned::Connection))
        );
        assert_eq!(owned_kind("/static/{file}", "file"), Ok(None));
        assert_eq!(owned_kind("/things/{id}", "id"), Err(()));
        assert_eq!(params("/a/{id}/b/{entry_id}"), vec!["id", "entry_id"]);
    }
}
