//! The account page (`/account`) and its API tokens: the organisation's tokens with their last
//! use and expiry, a form that creates one (its secret shown on the next page, once) and a
//! revoke button per token. Every form is CSRF-checked; the rules and the audit entry of a
//! revocation are `spendlens_app::accounts`', as for `/api/tokens`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::Deserialize;
use spendlens_app::accounts::{self, AccountError, MAX_TOKEN_DAYS, NewToken, TokenExpiry};
use spendlens_store::ApiTokenInfo;

use crate::state::AppState;
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, Layout, UiResult, render};

/// A token as the page lists it.
#[derive(Debug)]
pub struct TokenRow {
    id: String,
    name: String,
    created: String,
    last_used: String,
    expires: String,
    expired: bool,
    role: &'static str,
    /// Created by the visitor (anyone may revoke their own; others' need an admin).
    mine: bool,
}

#[derive(Template)]
#[template(path = "account_tokens.html")]
struct AccountTokensPage {
    layout: Layout,
    csrf: String,
    tokens: Vec<TokenRow>,
    /// A token just created: its name and secret, shown this once.
    created: Option<(String, String)>,
    /// What was just done, for the status line.
    notice: Option<String>,
    /// Whether the visitor may revoke other members' tokens.
    revoke_others: bool,
    name: String,
    expires_in_days: String,
    max_days: u64,
    errors: FormErrors,
}

fn when(t: DateTime<Utc>) -> String {
    spendlens_core::dates::moment(t)
}

fn row(t: ApiTokenInfo, now: DateTime<Utc>, viewer: &SignedIn) -> TokenRow {
    TokenRow {
        role: t.role.label(),
        mine: t.user_id == viewer.principal.user_id,
        id: t.id,
        name: t.name,
        created: when(t.created_at),
        last_used: t.last_used_at.map_or_else(|| "never".to_owned(), when),
        expires: t.expires_at.map_or_else(|| "never".to_owned(), when),
        expired: t.expires_at.is_some_and(|at| at <= now),
    }
}

async fn page(
    state: &AppState,
    viewer: &SignedIn,
    form: &TokenForm,
    errors: FormErrors,
    created: Option<(String, String)>,
    notice: Option<String>,
) -> UiResult<Response> {
    let now = state.clock.now();
    let tokens = accounts::list_tokens(&state.context(), &viewer.principal.org_id)
        .await
        .map_err(crate::error::ApiError::from)?
        .into_iter()
        .map(|t| row(t, now, viewer))
        .collect();
    let invalid = !errors.is_empty();
    let page = AccountTokensPage {
        layout: viewer.layout("Account", "account"),
        revoke_others: viewer.principal.role >= accounts::REVOKE_OTHERS,
        csrf: viewer.csrf.clone(),
        tokens,
        created,
        notice,
        name: if invalid {
            form.name.clone()
        } else {
            String::new()
        },
        expires_in_days: if invalid {
            form.expires_in_days.clone()
        } else {
            String::new()
        },
        max_days: MAX_TOKEN_DAYS,
        errors,
    };
    let mut response = render(&page);
    if invalid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /account`.
pub async fn account(State(state): State<AppState>, viewer: SignedIn) -> UiResult<Response> {
    page(
        &state,
        &viewer,
        &TokenForm::default(),
        FormErrors::default(),
        None,
        None,
    )
    .await
}

/// The create form (and the revoke form's token).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    csrf: String,
    name: String,
    /// Blank: the token lasts until revoked.
    expires_in_days: String,
}

/// `POST /account/tokens`: creates a token and shows its secret once.
pub async fn create(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<TokenForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let days = form.expires_in_days.trim();
    let expiry = if days.is_empty() {
        Some(TokenExpiry::Never)
    } else {
        days.parse::<u64>().ok().map(TokenExpiry::InDays)
    };
    let Some(expiry) = expiry else {
        let mut errors = FormErrors::default();
        errors.push(
            "expires_in_days",
            format!("enter a number of days from 1 to {MAX_TOKEN_DAYS}, or leave it blank"),
        );
        return page(&state, &viewer, &form, errors, None, None).await;
    };
    let new = NewToken {
        name: form.name.clone(),
        expiry,
        role: None,
    };
    match accounts::create_token(&state.context(), &viewer.principal, new).await {
        Ok(created) => {
            let secret = (
                created.name.clone(),
                created.token.expose_secret().to_owned(),
            );
            page(
                &state,
                &viewer,
                &form,
                FormErrors::default(),
                Some(secret),
                None,
            )
            .await
        }
        Err(AccountError::Invalid(problems)) => {
            let mut errors = FormErrors::default();
            for p in problems {
                errors.push(p.field, p.message);
            }
            page(&state, &viewer, &form, errors, None, None).await
        }
        Err(e) => Err(crate::error::ApiError::from(e).into()),
    }
}

/// `POST /account/tokens/{id}/revoke`: revokes a token of the visitor's organisation (audited).
pub async fn revoke(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let revoked = accounts::revoke_token(&state.context(), &viewer.principal, &id)
        .await
        .map_err(crate::error::ApiError::from)?;
    let notice = format!("Revoked the token \u{201C}{}\u{201D}.", revoked.name);
    page(
        &state,
        &viewer,
        &TokenForm::default(),
        FormErrors::default(),
        None,
        Some(notice),
    )
    .await
}

/// The password form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
}

/// `POST /account/password`: changes the visitor's password and signs them out everywhere else
/// (see `spendlens_app::accounts::change_password`).
pub async fn change_password(
    State(state): State<AppState>,
    viewer: SignedIn,
    crate::auth::ClientIp(client): crate::auth::ClientIp,
    Form(form): Form<PasswordForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let change = accounts::PasswordChange {
        current: form.current_password.into(),
        new: form.new_password.into(),
        client,
    };
    let changed = accounts::change_password(
        &state.context(),
        &state.auth_limits,
        &viewer.principal,
        change,
        viewer.session_hash(),
    )
    .await;
    let none = TokenForm::default();
    match changed {
        Ok(ended) => {
            let notice = match ended {
                0 => "Password changed.".to_owned(),
                1 => "Password changed; your other session was signed out.".to_owned(),
                n => format!("Password changed; your {n} other sessions were signed out."),
            };
            page(
                &state,
                &viewer,
                &none,
                FormErrors::default(),
                None,
                Some(notice),
            )
            .await
        }
        Err(AccountError::Invalid(problems)) => {
            let mut errors = FormErrors::default();
            for p in problems {
                errors.push(p.field, p.message);
            }
            page(&state, &viewer, &none, errors, None, None).await
        }
        Err(e @ AccountError::RateLimited { .. }) => {
            let mut errors = FormErrors::default();
            errors.push("current_password", e.to_string());
            page(&state, &viewer, &none, errors, None, None).await
        }
        Err(e) => Err(crate::error::ApiError::from(e).into()),
    }
}
