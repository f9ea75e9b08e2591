//! The server-rendered pages: sign up and in, campaigns, imports and the Budget & Financial
//! Analysis with its five tabs.
//!
//! Pages are askama templates (`crates/web/templates/`) compiled into the binary; the stylesheet
//! and a small script are embedded too, so `spendlens serve` needs nothing else and works offline.
//! Every page reads without JavaScript: tabs are links (`?tab=`), the period selector is a GET
//! form; the script only submits the selector on change, moves between tabs with the arrow keys
//! and reports upload progress. Handlers present what the API's use cases compute: the analysis
//! comes from `spendlens_app::analysis::analyze_campaign` (the same cached result the JSON API
//! encodes), imports from the functions `api::imports` uses.
//!
//! Architecture invariants: every campaign page loads the campaign through the visitor's
//! organisation (another organisation's campaign is the 404 page); every POST carries a CSRF token
//! checked before anything is written; money is written in the campaign's currency.

pub mod account;
pub mod analysis;
pub mod assets;
pub mod attribution;
pub mod audit;
pub mod campaigns;
pub mod charts;
pub mod connections;
pub mod finance;
pub mod format;
pub mod imports;
pub mod insights;
pub mod invitations;
pub mod members;
pub mod mmm;
mod mmm_charts;
pub mod mmm_run;
pub mod optimization;
pub mod password_reset;
pub mod portfolio;
pub mod session;
pub mod tokens;

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use spendlens_core::Role;

use crate::error::{ApiError, FieldProblem};
use crate::routes::{Routes, get, post};
use crate::state::AppState;

/// The pages' routes, mounted at `/` beside `/api` (every one needs a rule in
/// `access::policy`).
pub fn routes() -> Routes {
    Routes::new()
        .route("/", get(account::home))
        .route("/signup", get(account::signup_page).post(account::signup))
        .route("/signin", get(account::signin_page).post(account::signin))
        .route("/signout", post(account::signout))
        .route("/verify", get(account::verify_page).post(account::verify))
        .route(
            "/forgot-password",
            get(password_reset::ask_page).post(password_reset::ask),
        )
        .route(
            "/reset-password",
            get(password_reset::set_page).post(password_reset::set),
        )
        .route("/account", get(tokens::account))
        .route("/audit-log", get(audit::show))
        .route("/account/tokens", post(tokens::create))
        .route("/account/password", post(tokens::change_password))
        .route("/account/tokens/{id}/revoke", post(tokens::revoke))
        .route("/campaigns", get(portfolio::page).post(campaigns::create))
        .route("/campaigns/new", get(campaigns::new_page))
        .route("/campaigns/{id}", get(analysis::page))
        .route("/campaigns/{id}/charts/{file}", get(charts::campaign_chart))
        // Share links (issue 18): made and revoked on the campaign's page, opened without
        // signing in.
        .route(
            "/campaigns/{id}/share-links",
            post(analysis::shared::create),
        )
        .route(
            "/campaigns/{id}/share-links/{link_id}/revoke",
            post(analysis::shared::revoke),
        )
        .route("/share/{token}", get(analysis::shared::page))
        .route(
            "/campaigns/{id}/edit",
            get(campaigns::edit_page).post(campaigns::update),
        )
        .route(
            "/campaigns/{id}/imports",
            get(imports::page)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::api::imports::MAX_UPLOAD_BYTES + 64 * 1024,
                )),
        )
        .route("/campaigns/{id}/imports/confirm", post(imports::confirm))
        .route("/campaigns/{id}/imports/map", post(imports::apply_mapping))
        .route("/campaigns/{id}/imports/pdf", post(imports::confirm_pdf))
        .route(
            "/campaigns/{id}/imports/sources/delete",
            post(imports::delete_source),
        )
        // Finance (issue 6): a campaign's ROI, budget, alerts and ledger; the organisation's
        // overhead, settings, alerts and report.
        .route("/campaigns/{id}/finance", get(finance::campaign))
        .route("/campaigns/{id}/finance/basis", post(finance::choose_basis))
        .route("/campaigns/{id}/finance/costs", post(finance::add_cost))
        .route(
            "/campaigns/{id}/finance/costs/{entry_id}",
            get(finance::edit_cost_page).post(finance::update_cost),
        )
        .route(
            "/campaigns/{id}/finance/costs/{entry_id}/delete",
            post(finance::delete_cost),
        )
        .route(
            "/campaigns/{id}/finance/headcount",
            post(finance::headcount),
        )
        .route(
            "/campaigns/{id}/finance/import",
            post(finance::import).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::finance::MAX_LEDGER_BYTES + 64 * 1024,
            )),
        )
        .route("/finance", get(finance::org))
        .route("/finance/report", get(finance::rates::report))
        .route("/finance/rates", post(finance::rates::save_rate))
        .route("/finance/rates/delete", post(finance::rates::remove_rate))
        .route(
            "/finance/rates/import",
            post(finance::rates::import).layer(axum::extract::DefaultBodyLimit::max(
                finance::rates::MAX_RATES_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/mmm",
            get(mmm::list)
                .post(mmm::create)
                .layer(axum::extract::DefaultBodyLimit::max(
                    mmm::MAX_KPI_BYTES + 64 * 1024,
                )),
        )
        .route("/mmm/{id}", get(mmm_run::show))
        .route("/mmm/{id}/run-again", post(mmm_run::run_again))
        .route("/mmm/{id}/charts/{file}", get(charts::mmm_chart))
        .route("/finance/overhead", post(finance::add_overhead))
        .route(
            "/finance/overhead/{entry_id}",
            get(finance::edit_overhead_page).post(finance::update_overhead),
        )
        .route(
            "/finance/overhead/{entry_id}/delete",
            post(finance::delete_overhead),
        )
        .route("/finance/settings", post(finance::settings))
        .route("/finance/schedules", post(finance::schedules::create))
        .route(
            "/finance/schedules/{id}/delete",
            post(finance::schedules::delete),
        )
        .route(
            "/campaigns/{id}/connections",
            get(connections::page).post(connections::create),
        )
        .route(
            "/campaigns/{id}/connections/{connection}/sync",
            post(connections::sync),
        )
        .route(
            "/campaigns/{id}/connections/{connection}/authorize",
            post(connections::authorize),
        )
        .route(
            "/campaigns/{id}/connections/{connection}/delete",
            post(connections::disconnect),
        )
        .route("/campaigns/{id}/attribution", get(attribution::page))
        .route(
            "/campaigns/{id}/attribution/model",
            post(attribution::set_model),
        )
        .route(
            "/campaigns/{id}/attribution/touchpoints",
            post(attribution::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::attribution::MAX_TOUCHPOINT_BYTES + 64 * 1024,
            )),
        )
        .route("/static/{file}", get(assets::serve))
        // Teams (issue 18): the organisation's members and invitations, the switcher.
        .route("/organization/members", get(members::show))
        .route(
            "/organization/members/{user_id}/role",
            post(members::change_role),
        )
        .route(
            "/organization/members/{user_id}/remove",
            post(members::remove),
        )
        .route("/organization/invitations", post(members::invite))
        .route(
            "/organization/invitations/{id}/revoke",
            post(members::revoke_invitation),
        )
        .route("/organization/switch", post(members::switch))
        .route("/organization/leave", post(members::leave))
        .route("/organizations", post(members::create_organization))
        .route("/invitations/{token}", get(invitations::page))
        .route("/invitations/{token}/join", post(invitations::join))
        .route("/invitations/{token}/signup", post(invitations::sign_up))
        .route("/invitations/{token}/signin", post(invitations::sign_in))
}

/// One entry of the main navigation. Pages of other areas (platform connections) add theirs
/// here.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub href: &'static str,
    pub label: &'static str,
    /// The `section` value of the pages under it.
    pub section: &'static str,
}

/// The main navigation of a signed-in visitor.
pub const NAV: &[NavEntry] = &[
    NavEntry {
        href: "/campaigns",
        label: "Campaigns",
        section: "campaigns",
    },
    NavEntry {
        href: "/finance",
        label: "Finance",
        section: "finance",
    },
    NavEntry {
        href: "/mmm",
        label: "Marketing mix",
        section: "mmm",
    },
    NavEntry {
        href: "/account",
        label: "Account",
        section: "account",
    },
];

/// The navigation entries of an admin or owner, after [`NAV`].
pub const ADMIN_NAV: &[NavEntry] = &[
    NavEntry {
        href: "/organization/members",
        label: "Members",
        section: "members",
    },
    NavEntry {
        href: "/audit-log",
        label: "Activity",
        section: "audit",
    },
];

/// An organisation of the header's switcher.
#[derive(Debug, Clone)]
pub struct OrgChoice {
    pub id: String,
    pub name: String,
    pub role: &'static str,
    pub current: bool,
}

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The signed-in visitor's role in the current organisation: what the page may offer
    /// (see [`Layout::may`]); `None` before sign-in.
    pub role: Option<Role>,
    /// The visitor's organisations, for the header's switcher (shown with two or more).
    pub orgs: Vec<OrgChoice>,
    pub title: String,
    /// The signed-in visitor's CSRF token (for the sign-out form); `None` before sign-in.
    pub csrf: Option<String>,
    /// The navigation section the page belongs to.
    pub section: &'static str,
    pub css: &'static str,
    pub js: &'static str,
    /// The way back up to the section's page, shown above the content; empty on a section's own
    /// page (the navigation marks it) and on pages that draw their own trail with the heading.
    pub crumbs: Vec<Crumb>,
}

/// One step of a breadcrumb trail.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: String,
}

impl Crumb {
    pub fn new(label: impl Into<String>, href: impl Into<String>) -> Crumb {
        Crumb {
            label: label.into(),
            href: href.into(),
        }
    }
}

impl Layout {
    pub fn new(title: impl Into<String>, csrf: Option<String>, section: &'static str) -> Layout {
        Layout {
            title: title.into(),
            csrf,
            section,
            css: assets::css_url(),
            js: assets::js_url(),
            crumbs: Vec::new(),
            role: None,
            orgs: Vec::new(),
        }
    }

    /// The layout of a signed-in visitor's page (see [`session::SignedIn::layout`]).
    pub fn signed(mut self, viewer: &session::SignedIn) -> Layout {
        self.role = Some(viewer.principal.role);
        self.orgs = viewer
            .orgs
            .iter()
            .map(|m| OrgChoice {
                id: m.org_id.to_string(),
                name: m.name.clone(),
                role: m.role.label(),
                current: m.org_id == viewer.principal.org_id,
            })
            .collect();
        self
    }

    /// Whether the visitor's role allows `route` ("POST /campaigns/{id}/edit"), by the one
    /// access table: a page shows a form or a button only when the server would take it.
    pub fn may(&self, route: &str) -> bool {
        self.role
            .is_some_and(|role| crate::access::policy::allows(role, route))
    }

    /// The visitor's role as people read it (empty before sign-in).
    pub fn role_label(&self) -> &'static str {
        self.role.map_or("", Role::label)
    }

    /// The layout with a breadcrumb trail.
    pub fn with_crumbs(mut self, crumbs: Vec<Crumb>) -> Layout {
        self.crumbs = crumbs;
        self
    }

    pub fn nav(&self) -> Vec<NavEntry> {
        let mut entries = NAV.to_vec();
        if self.role.is_some_and(|r| r >= Role::Admin) {
            entries.extend_from_slice(ADMIN_NAV);
        }
        entries
    }
}

/// Field problems of a form, shown beside each field.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldProblem>);

impl FormErrors {
    /// The messages for a field, joined.
    pub fn get(&self, field: &str) -> String {
        self.0
            .iter()
            .filter(|p| p.field == field)
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|p| p.field == field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldProblem {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Problems for fields the form does not show (e.g. a whole file); `shown` lists the form's
    /// fields, separated by commas (`period-*`: every field starting `period-`).
    pub fn other(&self, shown: &str) -> Vec<String> {
        let is_shown = |field: &str| {
            shown.split(',').any(|f| {
                f == field
                    || f.strip_suffix('*')
                        .is_some_and(|prefix| field.starts_with(prefix))
            })
        };
        self.0
            .iter()
            .filter(|p| !is_shown(&p.field))
            .map(|p| {
                if p.field.is_empty() {
                    p.message.clone()
                } else {
                    format!("{}: {}", p.field, p.message)
                }
            })
            .collect()
    }
}

/// What a page handler can fail with; each renders as a page (or a redirect to sign in).
#[derive(Debug)]
pub enum UiError {
    /// Not signed in: to the sign-in page, then back to this path.
    SignIn(String),
    NotFound,
    /// The visitor's role does not allow this (the message says what would).
    Forbidden(String),
    /// An invitation link that was used, revoked or has expired (the message says which).
    Gone(String),
    /// The form's CSRF token is missing or not this session's.
    Csrf,
    BadRequest(String),
    /// A method the page does not take (the message says which it does).
    MethodNotAllowed(String),
    /// An upload over its limit, or a file that expands past a parser's limit (the message says
    /// which).
    TooLarge(String),
    /// Every upload slot stayed taken: try again shortly.
    Busy(String),
    Internal(String),
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound(_) => UiError::NotFound,
            ApiError::Unauthorized | ApiError::BadCredentials => {
                UiError::SignIn("/campaigns".to_owned())
            }
            ApiError::TooLarge(m) => UiError::TooLarge(m),
            e @ ApiError::MethodNotAllowed(_) => UiError::MethodNotAllowed(e.to_string()),
            ApiError::Busy(m) => UiError::Busy(m),
            ApiError::Forbidden(m) => UiError::Forbidden(m),
            ApiError::Gone(m) => UiError::Gone(m),
            ApiError::BadRequest(m)
            | ApiError::Conflict(m)
            | ApiError::Upstream(m)
            | ApiError::NotConfigured(m) => UiError::BadRequest(m),
            ApiError::Validation(problems) => UiError::BadRequest(
                problems
                    .iter()
                    .take(crate::error::MAX_DETAILS)
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ApiError::RateLimited { .. } => {
                UiError::BadRequest("too many attempts; try again later".to_owned())
            }
            ApiError::Internal(cause) => UiError::Internal(cause),
        }
    }
}

impl From<spendlens_store::StoreError> for UiError {
    fn from(e: spendlens_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<spendlens_app::AppError> for UiError {
    fn from(e: spendlens_app::AppError) -> Self {
        ApiError::from(e).into()
    }
}

/// Page results.
pub type UiResult<T> = Result<T, UiError>;

/// The multipart body of a page's upload form, or the bad-request page.
pub(crate) async fn multipart(
    request: axum::extract::Request,
    state: &AppState,
) -> UiResult<axum::extract::Multipart> {
    use axum::extract::FromRequest;
    axum::extract::Multipart::from_request(request, state)
        .await
        .map_err(|e| UiError::BadRequest(format!("expected a file upload: {}", e.body_text())))
}

/// A date field of a page form (`YYYY-MM-DD`, read by the API's one parser): `None` when blank,
/// or when not a date, with the pages' message under the field.
pub(crate) fn form_day(
    errors: &mut FormErrors,
    field: &str,
    text: &str,
) -> Option<chrono::NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match crate::query::read_day(text) {
        Ok(day) => Some(day),
        Err(_) if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() => {
            errors.push(field, format!("\"{text}\" is not a date: use YYYY-MM-DD"));
            None
        }
        Err(message) => {
            errors.push(field, message);
            None
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
}

/// What an error page says, kept on its response so that the access middleware, which knows
/// the signed-in visitor, can draw it again in the visitor's frame ([`framed`]): a signed-in
/// visitor refused a page keeps the navigation and is not shown "Sign in".
#[derive(Debug, Clone)]
struct ErrorContent {
    heading: &'static str,
    message: String,
}

/// Any path no route takes: the API's JSON 404 under `/api/`, else the not-found page, in a
/// signed-in visitor's frame.
pub(crate) async fn no_route(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
) -> Response {
    if request.uri().path().starts_with("/api/") {
        return ApiError::NotFound("API endpoint").into_response();
    }
    let (parts, _) = request.into_parts();
    let page = UiError::NotFound.into_response();
    match crate::auth::credentials(&parts, &state, false).await {
        Ok(Some(auth)) => framed(&state, &auth, page).await,
        _ => page,
    }
}

/// `response` drawn again in the signed-in visitor's frame when it is an error page; as it is
/// otherwise (or when the visitor cannot be read: the plain page stays).
pub(crate) async fn framed(
    state: &AppState,
    auth: &crate::access::Authenticated,
    response: Response,
) -> Response {
    let Some(content) = response.extensions().get::<ErrorContent>().cloned() else {
        return response;
    };
    let Ok(Some(viewer)) = session::SignedIn::of(auth, state).await else {
        return response;
    };
    let page = ErrorPage {
        layout: viewer.layout(content.heading, ""),
        heading: content.heading,
        message: content.message,
    };
    let (mut parts, _) = response.into_parts();
    let (fresh, body) = render(&page).into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(kind) = fresh.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, kind.clone());
    }
    Response::from_parts(parts, body)
}

/// Renders a template, or a plain 500 if the template itself fails.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match self {
            UiError::SignIn(next) => {
                let target = format!("/signin?next={}", format::url_encode(&next));
                return Redirect::to(&target).into_response();
            }
            UiError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such page, or it belongs to another organisation.".to_owned(),
            ),
            UiError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", m),
            UiError::Gone(m) => (StatusCode::GONE, "Link no longer valid", m),
            UiError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form has expired, did not come from spendlens, or was opened in another organisation than the one you are in now (switched in another tab). Go back, reload the page and submit it again.".to_owned(),
            ),
            UiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Bad request", m),
            UiError::MethodNotAllowed(m) => (StatusCode::METHOD_NOT_ALLOWED, "Not allowed here", m),
            UiError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "File too large", m),
            UiError::Busy(m) => (StatusCode::SERVICE_UNAVAILABLE, "Busy", m),
            UiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "An internal error occurred; it has been logged.".to_owned(),
                )
            }
        };
        let page = ErrorPage {
            layout: Layout::new(heading, None, ""),
            heading,
            message: message.clone(),
        };
        let mut response = render(&page);
        *response.status_mut() = status;
        response
            .extensions_mut()
            .insert(ErrorContent { heading, message });
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        response
    }
}

/// A redirect after a successful POST (303: the browser follows with a GET).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}
