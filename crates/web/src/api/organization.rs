//! Teams over HTTP: the caller's organisations (list, create, switch the session to one), the
//! current organisation's members (list, change a role, remove, leave, transfer ownership) and
//! invitations (create with a one-time link shown once, list pending, revoke, take up), and
//! deleting the organisation.
//!
//! Which role may call each route is `access::policy`'s; the rules on the data (grant at most
//! your own role, keep an owner, an invitation is for its address) are
//! `spendlens_app::members`'. This module decodes bodies and encodes answers. Switching,
//! creating and deleting an organisation, transferring it and taking up an invitation act on
//! the person's session: an API token (which belongs to one organisation) answers 403.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::Value;
use spendlens_app::members::{self, invitations};
use spendlens_contract::Problems;
use spendlens_contract::json::ObjectReader;
use spendlens_core::Role;
use spendlens_core::campaign::{OrgId, UserId};
use spendlens_store::{Invitation, Member, Membership};

use crate::auth::{Caller, SESSION_COOKIE, SessionCaller, cookie};
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::state::AppState;

/// An organisation of the caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationResponse {
    pub id: String,
    pub name: String,
    /// `owner`, `admin`, `editor` or `viewer`.
    pub role: &'static str,
    /// Whether the request acted in it.
    pub current: bool,
}

/// A member of the organisation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberResponse {
    pub user_id: String,
    pub email: String,
    pub role: &'static str,
}

impl From<Member> for MemberResponse {
    fn from(m: Member) -> Self {
        MemberResponse {
            user_id: m.user_id.to_string(),
            email: m.email,
            role: m.role.as_str(),
        }
    }
}

/// A pending invitation (never its link).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationResponse {
    pub id: String,
    pub email: String,
    pub role: &'static str,
    pub created_at: String,
    pub expires_at: String,
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl From<Invitation> for InvitationResponse {
    fn from(i: Invitation) -> Self {
        InvitationResponse {
            id: i.id,
            email: i.email,
            role: i.role.as_str(),
            created_at: instant(i.created_at),
            expires_at: instant(i.expires_at),
        }
    }
}

/// A created invitation: its link (with the one-time token) is shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitedResponse {
    pub id: String,
    pub email: String,
    pub role: &'static str,
    pub expires_at: String,
    /// The page the invitee opens to join (valid 7 days, once).
    pub link: String,
    /// The link's token, for `POST /api/invitations/{token}/accept`.
    pub token: String,
}

/// The body's required string fields, in order, every problem named; unknown fields refused.
fn fields<const N: usize>(body: &Value, keys: [&'static str; N]) -> Result<[String; N], ApiError> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", body, &mut problems) else {
        return Err(problems.into());
    };
    let values = keys.map(|key| match r.string(key, &mut problems) {
        Some(v) => v.to_owned(),
        None => {
            if r.get(key).is_none() {
                problems.push(key, "is required");
            }
            String::new()
        }
    });
    r.finish(&mut problems);
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems.into())
    }
}

fn role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text).map_err(|m| ApiError::field("role", m))
}

fn organization(m: Membership, current: &OrgId) -> OrganizationResponse {
    OrganizationResponse {
        current: &m.org_id == current,
        id: m.org_id.to_string(),
        name: m.name,
        role: m.role.as_str(),
    }
}

/// The caller's organisations with their role in each, by name.
#[utoipa::path(get, path = "/api/organizations", tag = "organization",
    responses((status = 200, body = [OrganizationResponse])))]
pub async fn list_organizations(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> ApiResult<Json<Vec<OrganizationResponse>>> {
    let orgs = members::organizations(&state.context(), &principal.user_id).await?;
    Ok(Json(
        orgs.into_iter()
            .map(|m| organization(m, &principal.org_id))
            .collect(),
    ))
}

/// Creates another organisation that the caller owns (`{"name"}`); the session stays in the
/// current one until switched.
#[utoipa::path(post, path = "/api/organizations", tag = "organization",
    request_body(content = Object, description = "`{\"name\"}`"),
    responses((status = 201, body = OrganizationResponse), (status = 422, description = "Invalid name")))]
pub async fn create_organization(
    State(state): State<AppState>,
    SessionCaller(principal): SessionCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let [name] = fields(&body, ["name"])?;
    let org = members::create_organization(&state.context(), &principal, &name).await?;
    Ok((
        StatusCode::CREATED,
        Json(OrganizationResponse {
            id: org.to_string(),
            name: name.trim().to_owned(),
            role: Role::Owner.as_str(),
            current: false,
        }),
    )
        .into_response())
}

/// Moves the session to another of the caller's organisations (`{"org_id"}`); one they do not
/// belong to is a 404.
#[utoipa::path(post, path = "/api/session/organization", tag = "organization",
    request_body(content = Object, description = "`{\"org_id\"}`"),
    responses((status = 200, body = OrganizationResponse), (status = 404, description = "Not an organisation of yours")))]
pub async fn switch_organization(
    State(state): State<AppState>,
    SessionCaller(principal): SessionCaller,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<OrganizationResponse>> {
    let [org_id] = fields(&body, ["org_id"])?;
    let org = OrgId::new(org_id);
    let token = cookie(&headers, SESSION_COOKIE).ok_or(ApiError::Unauthorized)?;
    let ctx = state.context();
    members::switch_organization(&ctx, token, &principal.user_id, &org).await?;
    let orgs = members::organizations(&ctx, &principal.user_id).await?;
    orgs.into_iter()
        .find(|m| m.org_id == org)
        .map(|m| Json(organization(m, &org)))
        .ok_or(ApiError::NotFound("organization"))
}

/// Deletes the current organisation with everything it holds (owners only).
#[utoipa::path(delete, path = "/api/organization", tag = "organization",
    responses((status = 204, description = "Deleted"), (status = 403, description = "Not an owner")))]
pub async fn delete_organization(
    State(state): State<AppState>,
    SessionCaller(principal): SessionCaller,
) -> ApiResult<StatusCode> {
    members::delete_organization(&state.context(), &principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hands the ownership to a member (`{"user_id"}`): they become an owner, the caller an admin.
#[utoipa::path(post, path = "/api/organization/transfer", tag = "organization",
    request_body(content = Object, description = "`{\"user_id\"}`"),
    responses((status = 204, description = "Transferred"), (status = 404, description = "No such member")))]
pub async fn transfer(
    State(state): State<AppState>,
    SessionCaller(principal): SessionCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let [user_id] = fields(&body, ["user_id"])?;
    members::transfer_ownership(&state.context(), &principal, &UserId::new(user_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller leaves the current organisation (the last owner cannot: 409).
#[utoipa::path(post, path = "/api/organization/leave", tag = "organization",
    responses((status = 204, description = "Left"), (status = 409, description = "The last owner")))]
pub async fn leave(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> ApiResult<StatusCode> {
    members::leave(&state.context(), &principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The members of the current organisation, by e-mail.
#[utoipa::path(get, path = "/api/organization/members", tag = "organization",
    responses((status = 200, body = [MemberResponse])))]
pub async fn list_members(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> ApiResult<Json<Vec<MemberResponse>>> {
    let list = members::members(&state.context(), &principal).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Changes a member's role (`{"role"}`): at most the caller's own; the last owner cannot be
/// demoted (409).
#[utoipa::path(put, path = "/api/organization/members/{user_id}", tag = "organization",
    request_body(content = Object, description = "`{\"role\"}`"),
    params(("user_id" = String, Path, description = "The member's user id")),
    responses((status = 200, body = MemberResponse), (status = 403, description = "Beyond your role"),
              (status = 404, description = "No such member"), (status = 409, description = "The last owner")))]
pub async fn change_role(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(user_id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<MemberResponse>> {
    let [text] = fields(&body, ["role"])?;
    let member = members::change_role(
        &state.context(),
        &principal,
        &UserId::new(user_id),
        role(&text)?,
    )
    .await?;
    Ok(Json(member.into()))
}

/// Removes a member: their sessions in the organisation end and their tokens there stop
/// working at once; the last owner cannot be removed (409).
#[utoipa::path(delete, path = "/api/organization/members/{user_id}", tag = "organization",
    params(("user_id" = String, Path, description = "The member's user id")),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such member"),
              (status = 409, description = "The last owner")))]
pub async fn remove_member(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(user_id): Path<String>,
) -> ApiResult<StatusCode> {
    members::remove_member(&state.context(), &principal, &UserId::new(user_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The pending invitations of the current organisation, newest first (admins and owners).
#[utoipa::path(get, path = "/api/organization/invitations", tag = "organization",
    responses((status = 200, body = [InvitationResponse]), (status = 403, description = "Not an admin or owner")))]
pub async fn list_invitations(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> ApiResult<Json<Vec<InvitationResponse>>> {
    let list = invitations::pending(&state.context(), &principal).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Invites an e-mail address with a role (`{"email", "role"}`, at most the caller's own): the
/// answer carries the one-time link, valid 7 days, shown this once.
#[utoipa::path(post, path = "/api/organization/invitations", tag = "organization",
    request_body(content = Object, description = "`{\"email\", \"role\"}`"),
    responses((status = 201, body = InvitedResponse), (status = 403, description = "Beyond your role"),
              (status = 409, description = "Already a member"), (status = 422, description = "Invalid fields")))]
pub async fn invite(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let [email, text] = fields(&body, ["email", "role"])?;
    let invite = invitations::Invite {
        email,
        role: role(&text)?,
    };
    let invited = invitations::invite(&state.context(), &principal, invite).await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitedResponse {
            link: invited.link(&state.settings.public_base()),
            token: invited.token.expose_secret().to_owned(),
            id: invited.id,
            email: invited.email,
            role: invited.role.as_str(),
            expires_at: instant(invited.expires_at),
        }),
    )
        .into_response())
}

/// Revokes a pending invitation: its link stops working (410).
#[utoipa::path(delete, path = "/api/organization/invitations/{id}", tag = "organization",
    params(("id" = String, Path, description = "The invitation's id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such pending invitation")))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    invitations::revoke(&state.context(), &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes up an invitation as the signed-in user (whose address it must be): they join its
/// organisation with its role. Used, revoked and expired links answer 410 saying which, an
/// unknown one 404.
#[utoipa::path(post, path = "/api/invitations/{token}/accept", tag = "organization",
    params(("token" = String, Path, description = "The invitation link's token")),
    responses((status = 200, body = OrganizationResponse), (status = 403, description = "Another address's invitation"),
              (status = 404, description = "Unknown link"), (status = 409, description = "Already a member"),
              (status = 410, description = "Used, revoked or expired")))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    SessionCaller(principal): SessionCaller,
    Path(token): Path<String>,
) -> ApiResult<Json<OrganizationResponse>> {
    let ctx = state.context();
    let joined = invitations::accept(&ctx, &principal, &token).await?;
    let orgs = members::organizations(&ctx, &principal.user_id).await?;
    orgs.into_iter()
        .find(|m| m.org_id == joined.org_id)
        .map(|m| Json(organization(m, &principal.org_id)))
        .ok_or(ApiError::NotFound("organization"))
}
