//! A campaign's platform connections from the pages: the list with status, last sync and health
//! (warnings, "re-authorise before DATE"), the API versions near or past their sunset, the
//! connect form (OAuth, a pasted access token or a Google service-account key, Meta's conversion
//! action types), sync now with an optional backfill, re-authorise and disconnect.
//!
//! The work is `spendlens_app::connections` through the same calls as `api::connections`: the
//! form is decoded into the app's `ConnectDraft` and checked by `ConnectRequest::try_from` (through
//! the API's `connect_request`), so the checks and field names are the API's. Credentials are write-only here too: no page shows them.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use spendlens_app::connections::{
    CONNECTABLE, ConnectDraft, ConnectionError, ConnectionHealth, backfill_range,
};
use spendlens_app::labels::Label;
use spendlens_app::today_in;
use spendlens_connect::SecretString;
use spendlens_contract::Problems;
use spendlens_core::Platform;
use spendlens_core::campaign::Campaign;
use spendlens_store::Connection;

use crate::api::connections::connect_request;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::format::{count, date, url_encode};
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, Layout, UiError, UiResult, render, see_other};

/// A row of the connections table.
#[derive(Debug)]
pub struct ConnectionView {
    id: String,
    platform: &'static str,
    platform_key: &'static str,
    account: String,
    auth: String,
    oauth: bool,
    status: &'static str,
    status_label: &'static str,
    last_synced_date: String,
    last_sync_at: String,
    rows: String,
    error: String,
    /// The connection's health warnings (API version, grant end, last sync's notice, quota).
    warnings: Vec<String>,
    /// "" or the day the grant ends, shown from 30 days ahead.
    reauthorize_before: String,
}

fn connection_view(c: &Connection, health: &ConnectionHealth) -> ConnectionView {
    ConnectionView {
        id: c.id.clone(),
        platform: c.platform.label(),
        platform_key: c.platform.as_str(),
        account: c.account_id.clone(),
        auth: match c.auth_kind.as_str() {
            "oauth" => "OAuth".to_owned(),
            "token" => "Access token".to_owned(),
            "service_account" => "Service account".to_owned(),
            other => other.to_owned(),
        },
        oauth: c.auth_kind == "oauth",
        status: c.status.as_str(),
        status_label: c.status.label(),
        last_synced_date: c.last_synced_date.map_or_else(|| "–".to_owned(), date),
        last_sync_at: c
            .last_sync_at
            .map_or_else(|| "never".to_owned(), spendlens_core::dates::moment),
        rows: count(c.last_rows),
        error: c.last_error.clone().unwrap_or_default(),
        warnings: health.warnings.clone(),
        reauthorize_before: health.reauthorize_before.map(date).unwrap_or_default(),
    }
}

/// The connect form (and what the visitor typed, except the secrets).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ConnectForm {
    csrf: String,
    platform: String,
    account_id: String,
    access_token: String,
    service_account_key: String,
    range: String,
    login_customer_id: String,
    conversion_action_types: String,
}

/// A platform choice of the connect form.
#[derive(Debug)]
pub struct PlatformOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
    oauth: bool,
}

#[derive(Template)]
#[template(path = "connections.html")]
struct ConnectionsPage {
    layout: Layout,
    id: String,
    name: String,
    csrf: String,
    connections: Vec<ConnectionView>,
    platforms: Vec<PlatformOption>,
    form: ConnectForm,
    errors: FormErrors,
    /// Why nothing can be connected on this server (no token encryption key).
    unavailable: Option<String>,
    /// API versions near or past their sunset (the server's configuration).
    version_warnings: Vec<String>,
    notice: Option<String>,
    failure: Option<String>,
    restatement_days: u32,
    /// The connection whose sync form has problems, with them.
    sync_for: String,
}

/// A connection of this campaign in the visitor's organisation, or the 404 page.
async fn connection_of(
    state: &AppState,
    viewer: &SignedIn,
    campaign: &Campaign,
    connection: &str,
) -> UiResult<Connection> {
    state
        .store
        .connection(&viewer.principal.org_id, connection)
        .await?
        .filter(|c| c.campaign_id == campaign.id)
        .ok_or(UiError::NotFound)
}

async fn page_of(
    state: &AppState,
    viewer: &SignedIn,
    campaign: &Campaign,
    form: ConnectForm,
    errors: FormErrors,
) -> UiResult<ConnectionsPage> {
    let all = state
        .store
        .connections(&viewer.principal.org_id, &campaign.id)
        .await?;
    let now = state.clock.now();
    let selected = if form.platform.is_empty() {
        Platform::Meta.as_str()
    } else {
        form.platform.as_str()
    };
    let platforms = CONNECTABLE
        .iter()
        .map(|p| PlatformOption {
            value: p.as_str(),
            label: p.label(),
            selected: p.as_str() == selected,
            oauth: state.connections.oauth_available(*p),
        })
        .collect();
    Ok(ConnectionsPage {
        layout: viewer.layout(
            format!("Connections of {}", campaign.spec.name),
            "campaigns",
        ),
        id: campaign.id.to_string(),
        name: campaign.spec.name.clone(),
        csrf: viewer.csrf.clone(),
        connections: all
            .iter()
            .map(|c| connection_view(c, &state.connections.health(c, now)))
            .collect(),
        platforms,
        // Secrets are never written back into the page.
        form: ConnectForm {
            access_token: String::new(),
            service_account_key: String::new(),
            csrf: String::new(),
            ..form
        },
        errors,
        unavailable: state.connections.unavailable_reason(),
        version_warnings: state.connections.version_warnings(now.date_naive()),
        notice: None,
        failure: None,
        restatement_days: state.connections.settings().restatement_days,
        sync_for: String::new(),
    })
}

fn respond(p: &ConnectionsPage) -> Response {
    let mut response = render(p);
    if !p.errors.is_empty() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

fn platform_name(key: &str) -> String {
    key.parse::<Platform>()
        .map_or_else(|_| "the platform".to_owned(), |p| p.label().to_owned())
}

/// `GET /campaigns/{id}/connections` (`?connected=` / `?error=` after the OAuth callback,
/// `?disconnected=` after a disconnect).
pub async fn page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    let mut p = page_of(
        &state,
        &viewer,
        &campaign,
        ConnectForm::default(),
        FormErrors::default(),
    )
    .await?;
    if let Some(platform) = query.get("connected") {
        p.notice = Some(format!(
            "Connected {}. Sync now to pull its data, or wait for the daily sync.",
            platform_name(platform)
        ));
    } else if let Some(platform) = query.get("disconnected") {
        p.notice = Some(format!(
            "Disconnected {}: its credentials are deleted; the data it synced stays.",
            platform_name(platform)
        ));
    }
    if let Some(platform) = query.get("error") {
        p.failure = Some(format!(
            "{} was not connected: the authorisation was refused or failed. The reason is shown on the connection below; re-authorise to try again.",
            platform_name(platform)
        ));
    }
    Ok(respond(&p))
}

/// Moves API problems into the form; anything that is not about the request is a page error.
fn form_errors(e: ApiError) -> UiResult<FormErrors> {
    let mut errors = FormErrors::default();
    match e {
        ApiError::Validation(problems) => return Ok(FormErrors(problems)),
        ApiError::NotConfigured(m)
        | ApiError::Upstream(m)
        | ApiError::Conflict(m)
        | ApiError::BadRequest(m) => errors.push("", m),
        other => return Err(other.into()),
    }
    Ok(errors)
}

/// `POST /campaigns/{id}/connections`: connects a platform account. With OAuth the browser goes
/// on to the provider's consent page.
pub async fn create(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ConnectForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let given = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let draft = ConnectDraft {
        platform: given(&form.platform),
        account_id: given(&form.account_id),
        access_token: given(&form.access_token).map(SecretString::from),
        service_account_key: given(&form.service_account_key).map(SecretString::from),
        range: given(&form.range),
        login_customer_id: given(&form.login_customer_id),
        conversion_action_types: given(&form.conversion_action_types),
    };
    let outcome = match connect_request(draft, Problems::default()) {
        Ok(request) => state
            .connections
            .create(
                state.store.as_ref(),
                &viewer.principal.org_id,
                &campaign.id,
                request,
                state.clock.now(),
            )
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(created) => Ok(match created.authorize_url {
            Some(url) => see_other(url.as_str()),
            None => see_other(&format!(
                "/campaigns/{}/connections?connected={}",
                campaign.id,
                url_encode(created.connection.platform.as_str())
            )),
        }),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok(respond(
                &page_of(&state, &viewer, &campaign, form, errors).await?,
            ))
        }
    }
}

/// The sync form: an optional backfill.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SyncForm {
    csrf: String,
    from: String,
    to: String,
}

/// `POST /campaigns/{id}/connections/{connection}/sync`: syncs now, all or nothing.
pub async fn sync(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((id, connection)): Path<(String, String)>,
    Form(form): Form<SyncForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let connection = connection_of(&state, &viewer, &campaign, &connection).await?;
    let now = state.clock.now();
    let day = |k: &'static str, s: &str| {
        let s = s.trim();
        if s.is_empty() {
            Ok(None)
        } else {
            crate::query::day(k, s).map(Some)
        }
    };
    let outcome = async {
        let range = backfill_range(
            day("from", &form.from)?,
            day("to", &form.to)?,
            today_in(now, &campaign.spec.time_zone),
        )?;
        Ok::<_, ApiError>(
            state
                .connections
                .sync(state.store.as_ref(), &connection, range, now)
                .await?,
        )
    }
    .await;
    let mut p = page_of(
        &state,
        &viewer,
        &campaign,
        ConnectForm::default(),
        FormErrors::default(),
    )
    .await?;
    let name = connection.platform.label();
    match outcome {
        Ok(report) => {
            p.notice = Some(match report.range {
                Some(r) => format!(
                    "Synced {name} {} to {}: {} rows ({} new, {} updated, {} unchanged{}).",
                    date(r.start()),
                    date(r.end()),
                    count(report.rows),
                    count(report.counts.inserted),
                    count(report.counts.updated),
                    count(report.counts.unchanged),
                    if report.counts.removed == 0 {
                        String::new()
                    } else {
                        format!(
                            "; {} removed, no longer at the source",
                            count(report.counts.removed)
                        )
                    }
                ),
                None => format!("{name} is up to date: no completed day was due."),
            });
        }
        Err(ApiError::Validation(problems)) => {
            p.errors = FormErrors(problems);
            p.sync_for = connection.id.clone();
        }
        Err(e) => {
            let errors = form_errors(e)?;
            p.failure = Some(format!(
                "The sync of {name} failed and nothing was stored: {}",
                errors.get("")
            ));
        }
    }
    Ok(respond(&p))
}

/// The form of the one-button actions.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
}

/// `POST /campaigns/{id}/connections/{connection}/authorize`: to the provider's consent page.
pub async fn authorize(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((id, connection)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let connection = connection_of(&state, &viewer, &campaign, &connection).await?;
    match state
        .connections
        .authorize(state.store.as_ref(), &connection, state.clock.now())
        .await
    {
        Ok(url) => Ok(see_other(url.as_str())),
        Err(ConnectionError::NotOAuth) => Err(UiError::BadRequest(
            "this connection uses a token or key, not OAuth: disconnect it and connect again to change it".into(),
        )),
        Err(e) => {
            let errors = form_errors(e.into())?;
            let mut p = page_of(
                &state,
                &viewer,
                &campaign,
                ConnectForm::default(),
                FormErrors::default(),
            )
            .await?;
            p.failure = Some(errors.get(""));
            Ok(respond(&p))
        }
    }
}

/// `POST /campaigns/{id}/connections/{connection}/delete`: disconnects (the synced rows stay).
pub async fn disconnect(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((id, connection)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let connection = connection_of(&state, &viewer, &campaign, &connection).await?;
    if !state
        .store
        .delete_connection(&viewer.principal.org_id, &connection.id)
        .await?
    {
        return Err(UiError::NotFound);
    }
    Ok(see_other(&format!(
        "/campaigns/{}/connections?disconnected={}",
        campaign.id,
        connection.platform.as_str()
    )))
}
