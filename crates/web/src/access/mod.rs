//! Access control: one middleware ([`enforce`]) applies the one policy table ([`policy`]) to
//! every route, by the route pattern axum matched, so that handlers hold no check of their own.
//!
//! For a route that needs a member it authenticates the request (the bearer token or the
//! session cookie on `/api`, the session cookie alone on the pages), reads the caller's role
//! in their current organisation fresh from the database (a demotion or a removal holds on the
//! next request), and refuses a role below the rule's: `403 forbidden` on the API, the 403 page
//! on the pages. Before refusing it asks whether the ids in the path are the caller's
//! organisation's at all: another organisation's id (or an unknown one) is a 404, as the
//! handlers answer it, so a refusal never tells a foreign id from a missing one. Rejected
//! alternative: refusing after the handler's own lookups, which would need every handler to
//! call the check (and one forgotten call is a hole). The authenticated caller goes on in the
//! request's extensions, so the handlers' extractors (`Caller`, `SignedIn`) do not read the
//! database again.

pub mod policy;

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use spendlens_core::Role;
use spendlens_store::{Owned, Principal};

use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::UiError;
use policy::Access;

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Bearer,
    Session,
}

/// A request's authenticated caller, as the middleware found it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    pub credential: Credential,
    /// The session's stored hash (the pages' CSRF tokens are bound to it); `None` for a token.
    pub session_hash: Option<String>,
}

/// What a refused id is called in the 404's message.
fn noun(kind: Owned) -> &'static str {
    match kind {
        Owned::Campaign => "campaign",
        Owned::Connection => "connection",
        Owned::LedgerEntry => "ledger entry",
        Owned::Mapping => "column mapping",
        Owned::MmmRun => "marketing-mix run",
        Owned::ApiToken => "API token",
        Owned::Member => "member",
        Owned::Invitation => "invitation",
        Owned::ShareLink => "share link",
        Owned::ReportSchedule => "report schedule",
    }
}

/// `None` when every organisation-owned id of the route is the caller's organisation's, else
/// the first that is not.
async fn foreign_id(
    state: &AppState,
    principal: &Principal,
    pattern: &str,
    parts: &mut Parts,
) -> Result<Option<&'static str>, ApiError> {
    let Ok(params) = RawPathParams::from_request_parts(parts, state).await else {
        return Ok(None);
    };
    for (name, value) in &params {
        match policy::owned_kind(pattern, name) {
            Ok(None) => {}
            Ok(Some(kind)) => {
                if !state.store.owns(&principal.org_id, kind, value).await? {
                    return Ok(Some(noun(kind)));
                }
            }
            Err(()) => return Ok(Some("resource")),
        }
    }
    Ok(None)
}

fn forbidden_message(role: Role, min: Role) -> String {
    format!(
        "your role in this organisation ({role}) does not allow this: it needs {} or higher",
        min.label().to_lowercase()
    )
}

/// The access middleware (a route layer: it runs once a route matched). See the module's note.
pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(pattern) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return next.run(request).await;
    };
    let api = pattern.starts_with("/api/");
    let refuse = |e: ApiError| -> Response {
        if api {
            e.into_response()
        } else {
            UiError::from(e).into_response()
        }
    };
    let min = match policy::access(request.method(), &pattern) {
        Some(Access::Public) => return next.run(request).await,
        Some(Access::Member(min)) => min,
        None => {
            // A method the route does not take (`DELETE /api/mmm/{id}`): 405, before any
            // credentials are read, as the router would answer it; nothing worth an error log.
            let allowed = policy::methods(&pattern);
            if !allowed.is_empty() {
                let mut response = refuse(ApiError::MethodNotAllowed(allowed.join(", ")));
                if let Ok(value) = allowed.join(", ").parse() {
                    response
                        .headers_mut()
                        .insert(axum::http::header::ALLOW, value);
                }
                return response;
            }
            tracing::error!(method = %request.method(), route = %pattern, "route without an access rule refused");
            return refuse(ApiError::Forbidden(
                "this route has no access rule".to_owned(),
            ));
        }
    };
    let (mut parts, body) = request.into_parts();
    let found = match crate::auth::credentials(&parts, &state, api).await {
        Ok(found) => found,
        Err(e) => return refuse(e),
    };
    let Some(auth) = found else {
        if api {
            return ApiError::Unauthorized.into_response();
        }
        let next_path = parts
            .uri
            .path_and_query()
            .map_or("/campaigns", |p| p.as_str())
            .to_owned();
        return UiError::SignIn(next_path).into_response();
    };
    if auth.principal.role < min {
        let principal = auth.principal.clone();
        let refused = match foreign_id(&state, &principal, &pattern, &mut parts).await {
            Ok(Some(what)) => refuse(ApiError::NotFound(what)),
            Ok(None) => refuse(ApiError::Forbidden(forbidden_message(principal.role, min))),
            Err(e) => refuse(e),
        };
        return crate::ui::framed(&state, &auth, refused).await;
    }
    parts.extensions.insert(auth.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    // A page refused to a signed-in visitor keeps the visitor's navigation.
    crate::ui::framed(&state, &auth, response).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_role_it_needs() {
        assert_eq!(
            forbidden_message(Role::Viewer, Role::Editor),
            "your role in this organisation (viewer) does not allow this: it needs editor or higher"
        );
    }
}
