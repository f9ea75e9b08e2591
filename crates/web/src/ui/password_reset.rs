//! The forgotten-password pages: `/forgot-password` asks for the address (the same answer for
//! every address), `/reset-password?token=…` sets a new password with the link that went to it
//! (`spendlens_app::accounts::{request_reset, complete_reset}`). Opening the link only shows the
//! form: mail scanners open links.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use secrecy::SecretString;
use serde::Deserialize;
use spendlens_app::accounts::{self, AccountError};

use crate::auth::ClientIp;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::session::Visitor;
use crate::ui::{FormErrors, Layout, UiResult, render};

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    layout: Layout,
    /// `ask`, `sent`, `set` or `done`.
    mode: &'static str,
    csrf: String,
    email: String,
    token: String,
    hours: i64,
    errors: FormErrors,
}

/// The page in `mode`, with the visitor's pre-session cookie when it is new.
fn page(
    visitor: &Visitor,
    mode: &'static str,
    (email, token): (String, String),
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let title = match mode {
        "ask" => "Forgot your password?",
        "sent" => "Check your e-mail",
        "set" => "Choose a new password",
        _ => "Your password is set",
    };
    let mut response = render(&ResetPage {
        layout: Layout::new(title, None, "signin"),
        mode,
        csrf: visitor.csrf.clone(),
        email,
        token,
        hours: accounts::RESET_HOURS,
        errors,
    });
    *response.status_mut() = status;
    if let Some(cookie) = &visitor.set_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    response
}

/// `GET /forgot-password`.
pub async fn ask_page(visitor: Visitor) -> Response {
    page(
        &visitor,
        "ask",
        (String::new(), String::new()),
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// The forms' fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    csrf: String,
    email: String,
    token: String,
    password: String,
}

/// `POST /forgot-password`: the same page for every address; too many requests say so.
pub async fn ask(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(client): ClientIp,
    Form(form): Form<ResetForm>,
) -> UiResult<Response> {
    visitor.check(&state, &form.csrf)?;
    let email = form.email.trim().to_owned();
    let links = crate::auth::links(&state);
    match accounts::request_reset(&state.context(), &state.auth_limits, &email, client, &links)
        .await
    {
        Ok(()) => Ok(page(
            &visitor,
            "sent",
            (email, String::new()),
            FormErrors::default(),
            StatusCode::OK,
        )),
        Err(e @ AccountError::RateLimited { .. }) => {
            let mut errors = FormErrors::default();
            errors.push("email", e.to_string());
            Ok(page(
                &visitor,
                "ask",
                (email, String::new()),
                errors,
                StatusCode::TOO_MANY_REQUESTS,
            ))
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

/// `GET /reset-password?token=…`: the form, nothing else.
pub async fn set_page(visitor: Visitor, Query(q): Query<HashMap<String, String>>) -> Response {
    let token = q.get("token").cloned().unwrap_or_default();
    page(
        &visitor,
        "set",
        (String::new(), token),
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /reset-password`: sets the password; a link that is unknown, used or expired, or a
/// password that breaks the rule, is said on the form.
pub async fn set(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<ResetForm>,
) -> UiResult<Response> {
    visitor.check(&state, &form.csrf)?;
    let password = SecretString::from(form.password);
    let done = accounts::complete_reset(&state.context(), &form.token, password).await;
    let (message, status) = match done {
        Ok(()) => {
            return Ok(page(
                &visitor,
                "done",
                (String::new(), String::new()),
                FormErrors::default(),
                StatusCode::OK,
            ));
        }
        Err(AccountError::Invalid(problems)) => (
            problems
                .into_iter()
                .map(|p| p.message)
                .collect::<Vec<_>>()
                .join("; "),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(AccountError::InvalidLink) => (
            format!(
                "this link is unknown, used, or more than {} hour old: ask for a new one at \
                 /forgot-password",
                accounts::RESET_HOURS
            ),
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => return Err(ApiError::from(e).into()),
    };
    let mut errors = FormErrors::default();
    errors.push("password", message);
    Ok(page(
        &visitor,
        "set",
        (String::new(), form.token),
        errors,
        status,
    ))
}
