//! Share links of a campaign's analysis over HTTP: create (the token and URL shown once), list
//! (never the token) and revoke. The rules are `spendlens_app::sharing`'s; the page a link opens
//! is `ui::shared`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use spendlens_app::sharing;
use spendlens_contract::Problems;
use spendlens_contract::json::ObjectReader;
use spendlens_core::campaign::CampaignId;
use spendlens_store::StoredShareLink;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A new share link: shown once, with its token in the URL.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShareLinkCreated {
    pub id: String,
    /// Opens the campaign's analysis read-only, without signing in.
    pub url: String,
    /// The last day the link opens (UTC); `null` for no end.
    pub expires_on: Option<String>,
}

/// A share link as listed: never its token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShareLinkInfo {
    pub id: String,
    pub campaign_id: String,
    pub created_at: String,
    pub expires_on: Option<String>,
    pub revoked_at: Option<String>,
    /// Whether it opens today (not revoked, not past its last day).
    pub active: bool,
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A link as listed on `today`.
pub fn info(link: &StoredShareLink, today: NaiveDate) -> ShareLinkInfo {
    ShareLinkInfo {
        id: link.id.clone(),
        campaign_id: link.campaign_id.to_string(),
        created_at: instant(link.created_at),
        expires_on: link.expires_on.map(|d| d.to_string()),
        revoked_at: link.revoked_at.map(instant),
        active: sharing::opens(link, today),
    }
}

/// The URL of a token: `{public_url}/share/{token}`.
pub fn share_url(state: &AppState, token: &str) -> String {
    format!("{}/share/{token}", state.settings.public_base())
}

/// `{expires_on?}`: an empty body or `{}` makes a link without end.
fn parse_request(body: Option<&Value>) -> Result<Option<NaiveDate>, Problems> {
    let mut problems = Problems::default();
    let Some(body) = body.filter(|b| !b.is_null()) else {
        return Ok(None);
    };
    let Some(mut r) = ObjectReader::new("", body, &mut problems) else {
        return Err(problems);
    };
    let expires_on = r.date("expires_on", &mut problems);
    r.finish(&mut problems);
    if problems.is_empty() {
        Ok(expires_on)
    } else {
        Err(problems)
    }
}

/// Makes a read-only share link of the campaign's analysis; the token in `url` is shown this
/// once (only its hash is stored).
#[utoipa::path(post, path = "/api/campaigns/{id}/share-links", tag = "sharing",
    params(("id" = String, Path)),
    responses((status = 201, body = ShareLinkCreated), (status = 404), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<Value>>,
) -> ApiResult<Response> {
    let expires_on = parse_request(body.as_ref().map(|b| &b.0))?;
    let created = sharing::create(
        state.store.as_ref(),
        &caller.0.org_id,
        &CampaignId::new(id),
        expires_on,
        state.clock.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ShareLinkCreated {
            id: created.link.id.clone(),
            url: share_url(&state, &created.token),
            expires_on: created.link.expires_on.map(|d| d.to_string()),
        }),
    )
        .into_response())
}

/// The campaign's share links, newest first (revoked ones included), never their tokens.
#[utoipa::path(get, path = "/api/campaigns/{id}/share-links", tag = "sharing",
    params(("id" = String, Path)),
    responses((status = 200, body = [ShareLinkInfo]), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ShareLinkInfo>>> {
    let links = sharing::list(state.store.as_ref(), &caller.0.org_id, &CampaignId::new(id)).await?;
    let today = state.clock.now().date_naive();
    Ok(Json(links.iter().map(|l| info(l, today)).collect()))
}

/// Revokes a share link: it answers 404 from then on.
#[utoipa::path(delete, path = "/api/campaigns/{id}/share-links/{link_id}", tag = "sharing",
    params(("id" = String, Path), ("link_id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 404)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, link_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let campaign = CampaignId::new(id);
    state.campaign(&caller.0.org_id, campaign.as_str()).await?;
    sharing::revoke(
        state.store.as_ref(),
        &caller.0.org_id,
        &campaign,
        &link_id,
        state.clock.now(),
    )
    .await
    .map_err(|e| match e {
        spendlens_app::AppError::NotFound => ApiError::NotFound("share link"),
        other => other.into(),
    })?;
    Ok(StatusCode::NO_CONTENT)
}
