//! spendlens-web: the HTTP layer of `spendlens serve`.
//!
//! The JSON API under `/api` (accounts, campaigns, metrics in, the analysis, the seed's
//! endpoints), the OpenAPI document and its docs page, `/healthz`, and the pages ([`ui`]);
//! `/metrics` on a listener of its own ([`serve_metrics`]), never the public one. Handlers decode requests (with the kit: [`query`], [`upload`], [`error`]) into the
//! typed commands of `spendlens-app`, run them, and encode the answer; they hold no business rule
//! of their own.
//!
//! Architecture invariants: every campaign route resolves the campaign through the caller's
//! organisation (another organisation's id is a 404, never a 403 and never data); access is
//! checked before a request body is read into anything larger than JSON; internal errors are
//! logged, never returned; every answer carries the security headers and a cookie-authenticated
//! API write must come from this origin ([`security`]). Start reading at [`router`].
#![forbid(unsafe_code)]

pub mod access;
pub mod api;
pub mod audit;
pub mod auth;
pub mod config;
pub mod error;
pub mod json_body;
pub mod observability;
pub mod openapi;
pub mod query;
pub mod routes;
pub mod security;
pub mod state;
pub mod ui;
pub mod upload;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get as axum_get;
use routes::{RouteEntry, Routes, delete, get, post, put};
use spendlens_app::Clock;
use spendlens_store::Store;
use tokio::sync::watch;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

pub use config::Settings;
pub use state::AppState;

/// Request bodies above this size are refused (metrics batches of 50,000 rows fit).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Builds the application state.
pub fn state(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
) -> AppState {
    // One setting names the server: the OAuth callback follows `public_url` too.
    let mut connectors = settings.connectors.clone();
    connectors.public_url = settings.public_base();
    let connections = spendlens_app::connections::Connections::new(
        connectors,
        settings.token_cipher(),
        spendlens_connect::HttpClient::new()
            .unwrap_or_else(|_| spendlens_connect::HttpClient::from_client(reqwest::Client::new())),
        clock.clone(),
    );
    let cipher =
        spendlens_app::finance::webhook::TokenCipher::from_config(settings.secret_key.as_ref())
            .ok();
    let webhooks = Arc::new(spendlens_app::finance::webhook::WebhookSender::new(
        cipher,
        spendlens_app::finance::webhook::RetryPolicy::default(),
        settings.outbound(),
    ));
    let csrf_key = ui::session::CsrfKey::from_settings(&settings);
    let deliveries = Arc::new(spendlens_app::delivery::Deliverer {
        webhooks: webhooks.clone(),
        mailer: spendlens_app::delivery::Mailer::new(settings.smtp.clone()),
        public_base: settings.public_base(),
    });
    AppState {
        store,
        clock,
        auth_limits: settings.auth_limits(),
        policies: Arc::new(security::Policies::new(&settings)),
        settings: Arc::new(settings),
        metrics,
        analysis_cache: Arc::new(spendlens_app::analysis::AnalysisCache::new(4096)),
        chart_cache: Arc::new(ui::charts::ChartCache::new(CHART_CACHE_BYTES)),
        connections,
        webhooks,
        deliveries,
        csrf_key: Arc::new(csrf_key),
        upload_gate: Arc::new(upload::UploadGate::default()),
    }
}

/// The SVG the analysis pages' chart cache holds at most (see [`ui::charts::ChartCache`]):
/// a few hundred charts.
pub const CHART_CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// Every route of the server: the API's and the pages' (recorded, see [`routes`]) behind the
/// access middleware ([`access::enforce`]), then the OpenAPI document and its docs page and
/// `/healthz` (public, outside the policy).
pub fn router(state: AppState) -> Router {
    let (app, _) = app_routes(&state).into_parts();
    let app = app.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        access::enforce,
    ));
    Router::new()
        .merge(app)
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs")
                .url("/api/openapi.json", openapi::ApiDoc::openapi()),
        )
        .route("/healthz", axum_get(observability::healthz))
        .fallback(ui::no_route)
        // Every successful write, of the API and the pages, leaves its audit entry.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit::record,
        ))
        .layer(axum::middleware::from_fn(error::json_refusals))
        .layer(axum::middleware::from_fn(observability::record))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of a request in the log: its method and its path with the secrets taken out (no
/// query: a registration link's token, an OAuth code; no token segment of an invitation's or a
/// share link's path), so a debug log holds no link that works.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %loggable_path(request.uri().path()),
    )
}

/// `path` with the segment after `invitations` or `share` replaced by `…`.
fn loggable_path(path: &str) -> String {
    let mut hide = false;
    path.split('/')
        .map(|segment| {
            let shown = if hide { "…" } else { segment };
            hide = matches!(segment, "invitations" | "share");
            shown
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod log_tests {
    #[test]
    fn logged_paths_hold_no_token() {
        use super::loggable_path as p;
        assert_eq!(p("/invitations/abc123/signup"), "/invitations/…/signup");
        assert_eq!(
            p("/api/invitations/abc/accept"),
            "/api/invitations/…/accept"
        );
        assert_eq!(p("/share/sh_secret"), "/share/…");
        assert_eq!(
            p("/api/organization/invitations"),
            "/api/organization/invitations"
        );
        assert_eq!(p("/campaigns/42/analysis"), "/campaigns/42/analysis");
    }
}

/// Every (method, route pattern) the API and the pages register, each of which has a rule in
/// `access::policy` (the tests' role × route matrix walks this list).
pub fn route_table(state: &AppState) -> Vec<RouteEntry> {
    app_routes(state).entries().to_vec()
}

/// The API under `/api` and the pages, as recorded routes.
fn app_routes(state: &AppState) -> Routes {
    Routes::new()
        .nest("/api", api_routes(state))
        .merge(ui::routes())
}

/// The JSON API's routes.
fn api_routes(state: &AppState) -> Routes {
    use api::{
        analysis, attribution, audit_log, campaigns, channels, connections, finance, imports,
        mappings, metrics_in, mmm, optimization, organization, portfolio, schedules, seed, sharing,
        sources, tokens,
    };
    Routes::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/verify", post(auth::verify))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route(
            "/tokens",
            get(tokens::list_tokens).post(tokens::create_token),
        )
        .route("/tokens/{id}", delete(tokens::revoke_token))
        .route("/account/password", post(api::password::change))
        .route("/auth/password-reset", post(api::password::request_reset))
        .route(
            "/auth/password-reset/complete",
            post(api::password::complete_reset),
        )
        // Teams (issue 18): organisations, members, invitations.
        .route(
            "/organizations",
            get(organization::list_organizations).post(organization::create_organization),
        )
        .route(
            "/session/organization",
            post(organization::switch_organization),
        )
        .route("/organization", delete(organization::delete_organization))
        .route("/organization/transfer", post(organization::transfer))
        .route("/organization/leave", post(organization::leave))
        .route("/organization/members", get(organization::list_members))
        .route(
            "/organization/members/{user_id}",
            put(organization::change_role).delete(organization::remove_member),
        )
        .route(
            "/organization/invitations",
            get(organization::list_invitations).post(organization::invite),
        )
        .route(
            "/organization/invitations/{id}",
            delete(organization::revoke_invitation),
        )
        .route(
            "/invitations/{token}/accept",
            post(organization::accept_invitation),
        )
        .route("/campaigns", post(campaigns::create).get(campaigns::list))
        .route("/portfolio", get(portfolio::get_portfolio))
        .route(
            "/campaigns/{id}",
            get(campaigns::get)
                .patch(campaigns::patch)
                .delete(campaigns::delete),
        )
        .route(
            "/campaigns/{id}/settings",
            get(campaigns::get_settings).put(campaigns::put_settings),
        )
        .route("/campaigns/{id}/metrics", post(metrics_in::post))
        .route(
            "/campaigns/{id}/imports",
            post(imports::create)
                .layer(DefaultBodyLimit::max(imports::MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route(
            "/campaigns/{id}/imports/columns",
            post(mappings::columns)
                .layer(DefaultBodyLimit::max(imports::MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route(
            "/campaigns/{id}/sources",
            get(sources::list).delete(sources::delete),
        )
        .route(
            "/campaigns/{id}/column-mappings",
            get(mappings::list).post(mappings::save),
        )
        .route(
            "/campaigns/{id}/column-mappings/{mapping_id}",
            delete(mappings::delete),
        )
        .route(
            "/campaigns/{id}/financial-analysis",
            get(analysis::financial_analysis),
        )
        .route("/campaigns/{id}/snapshots", get(analysis::snapshots))
        .route("/campaigns/{id}/channels", get(channels::campaign_channels))
        .route("/connectors", get(connections::connectors))
        .route(
            "/campaigns/{id}/connections",
            post(connections::create).get(connections::list),
        )
        .route(
            "/connections/{id}",
            get(connections::get).delete(connections::delete),
        )
        .route("/connections/{id}/authorize", post(connections::authorize))
        .route("/connections/{id}/sync", post(connections::sync))
        .route("/oauth/callback", get(connections::oauth_callback))
        // Multi-touch attribution (touchpoints per organisation, per-campaign results).
        .route(
            "/attribution/touchpoints",
            post(attribution::import_touchpoints).layer(DefaultBodyLimit::max(
                attribution::MAX_TOUCHPOINT_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/attribution/paths",
            post(attribution::attribute_paths).layer(DefaultBodyLimit::max(
                attribution::MAX_TOUCHPOINT_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/campaigns/{id}/attribution",
            get(attribution::campaign_attribution),
        )
        .route(
            "/campaigns/{id}/attribution/chart.svg",
            get(attribution::comparison_chart),
        )
        .route(
            "/campaigns/{id}/attribution-model",
            get(attribution::get_model).put(attribution::put_model),
        )
        // The marketing-mix model (organisation-level runs).
        .route("/mmm", post(mmm::create).get(mmm::list))
        .route("/mmm/{id}", get(mmm::get))
        .route("/mmm/{id}/run-again", post(mmm::run_again))
        // Budget optimisation (response curves fitted from the campaign's history).
        .route(
            "/campaigns/{id}/budget-optimization",
            post(optimization::budget_optimization),
        )
        .route(
            "/campaigns/{id}/budget-optimization/curves.svg",
            get(optimization::curves_chart),
        )
        .route("/linkedin/metrics/{id}", get(seed::linkedin))
        .route("/custom-integration/{id}", get(seed::custom_integration))
        .route("/meta/{id}/analytics", get(seed::meta))
        .route("/campaigns/{id}/ga4-metrics", get(seed::ga4))
        .route("/campaigns/{id}/google-sheets-data", get(seed::sheets))
        // Finance (issue 6): ledger, overhead, headcount, settings, ROI, budget, alerts, report.
        .route(
            "/campaigns/{id}/costs",
            get(finance::ledger::list_costs).post(finance::ledger::create_cost),
        )
        .route(
            "/campaigns/{id}/costs/import",
            post(finance::ledger::import_costs)
                .layer(DefaultBodyLimit::max(finance::MAX_LEDGER_BYTES + 64 * 1024)),
        )
        .route(
            "/campaigns/{id}/costs/{entry_id}",
            get(finance::ledger::get_cost)
                .put(finance::ledger::put_cost)
                .delete(finance::ledger::delete_cost),
        )
        .route(
            "/overhead",
            get(finance::ledger::list_overhead).post(finance::ledger::create_overhead),
        )
        .route(
            "/overhead/{entry_id}",
            get(finance::ledger::get_overhead)
                .put(finance::ledger::put_overhead)
                .delete(finance::ledger::delete_overhead),
        )
        .route(
            "/campaigns/{id}/headcount",
            get(finance::settings::get_headcount).put(finance::settings::put_headcount),
        )
        .route(
            "/finance/settings",
            get(finance::settings::get_settings).put(finance::settings::put_settings),
        )
        .route("/campaigns/{id}/roi", get(finance::reports::roi))
        .route(
            "/campaigns/{id}/reconciliation",
            get(finance::basis::get_reconciliation),
        )
        .route(
            "/campaigns/{id}/revenue-basis",
            get(finance::basis::get_basis).put(finance::basis::put_basis),
        )
        .route(
            "/campaigns/{id}/budget-consumption",
            get(finance::reports::budget_consumption),
        )
        .route("/alerts", get(finance::reports::alerts))
        .route("/audit-log", get(audit_log::list))
        .route(
            "/reports/financial",
            get(finance::reports::financial_report),
        )
        // Shared and scheduled reports (issue 18).
        .route(
            "/campaigns/{id}/share-links",
            get(sharing::list).post(sharing::create),
        )
        .route(
            "/campaigns/{id}/share-links/{link_id}",
            delete(sharing::revoke),
        )
        .route(
            "/report-schedules",
            get(schedules::list).post(schedules::create),
        )
        .route("/report-schedules/{id}", delete(schedules::delete))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::same_origin,
        ))
}

/// The routes of the metrics listener: `/metrics` (Prometheus text) alone.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum_get(observability::metrics))
        .with_state(state)
}

/// Serves [`metrics_router`] on its own listener (the `metrics_bind` setting) until `shutdown`
/// turns true: the public listener answers 404 for `/metrics`.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    axum::serve(listener, metrics_router(state))
        .with_graceful_shutdown(async move {
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() {
                    break;
                }
            }
        })
        .await
}

/// How long in-flight requests may run on once shutdown is asked.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves until `shutdown` turns true, with the snapshot scheduler beside the server; in-flight
/// requests finish before it returns, for up to [`SHUTDOWN_GRACE`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    // A platform API version near or past its sunset is said once at start (and on the
    // connections page, and by `spendlens doctor`).
    state.connections.log_versions(state.clock.now());
    let every = state.settings.snapshot_every_minutes;
    let scheduler = (every > 0).then(|| {
        tokio::spawn(spendlens_app::scheduler::run_snapshots(
            state.store.clone(),
            state.clock.clone(),
            Duration::from_secs(every * 60),
            shutdown.clone(),
        ))
    });
    let sync_every = state.connections.settings().sync_every_minutes;
    let syncs = (sync_every > 0).then(|| {
        tokio::spawn(spendlens_app::scheduler::run_syncs(
            state.store.clone(),
            state.connections.clone(),
            state.webhooks.clone(),
            Duration::from_secs(sync_every * 60),
            shutdown.clone(),
        ))
    });
    let alerts = (every > 0).then(|| {
        tokio::spawn(spendlens_app::scheduler::run_finance_alerts(
            state.store.clone(),
            state.clock.clone(),
            state.webhooks.clone(),
            Duration::from_secs(every * 60),
            shutdown.clone(),
        ))
    });
    let retention = (every > 0).then(|| {
        tokio::spawn(spendlens_app::scheduler::run_audit_retention(
            state.store.clone(),
            state.clock.clone(),
            state.settings.audit_retention_days,
            Duration::from_secs(24 * 60 * 60),
            shutdown.clone(),
        ))
    });
    let models = (every > 0).then(|| {
        tokio::spawn(spendlens_app::scheduler::run_mmm_refresh(
            state.context(),
            Duration::from_secs(every * 60),
            shutdown.clone(),
        ))
    });
    let report_every = state.settings.report_every_seconds;
    let reports = (report_every > 0).then(|| {
        tokio::spawn(spendlens_app::scheduler::run_reports(
            state.store.clone(),
            state.clock.clone(),
            state.deliveries.clone(),
            Duration::from_secs(report_every),
            shutdown.clone(),
        ))
    });
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let mut asked = shutdown.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
    });
    // In-flight requests get SHUTDOWN_GRACE to finish once shutdown is asked; then the server
    // stops without them (a stop must not wait on a request forever).
    let deadline = async move {
        while !*asked.borrow() {
            if asked.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    let result = tokio::select! {
        done = server.into_future() => done,
        () = deadline => {
            tracing::warn!(
                seconds = SHUTDOWN_GRACE.as_secs(),
                "shutdown: requests still running after the grace period were cut off"
            );
            Ok(())
        }
    };
    for task in [scheduler, syncs, alerts, retention, models, reports]
        .into_iter()
        .flatten()
    {
        task.abort();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use access::policy::{RULES, owned_kind, params};

    async fn table() -> Vec<RouteEntry> {
        let store = spendlens_store::connect("sqlite::memory:")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let clock: Arc<dyn Clock> = Arc::new(spendlens_app::SystemClock);
        route_table(&state(store, clock, Settings::default(), None))
    }

    /// A route added without a rule (or a rule left behind by a removed route) fails here.
    #[tokio::test]
    async fn every_route_has_exactly_the_rules_it_needs() {
        let routes = table().await;
        assert!(routes.len() > 100, "{} routes", routes.len());
        let missing: Vec<String> = routes
            .iter()
            .filter(|r| access::policy::access(&r.method, &r.path).is_none())
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert!(
            missing.is_empty(),
            "routes without an access rule: {missing:?}"
        );
        let stale: Vec<String> = RULES
            .iter()
            .filter(|(m, p, _)| {
                !routes
                    .iter()
                    .any(|r| r.method.as_str() == *m && r.path == *p)
            })
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect();
        assert!(stale.is_empty(), "rules of no route: {stale:?}");
    }

    /// Every path parameter names something the refusal's 404 check knows.
    #[tokio::test]
    async fn every_path_parameter_is_known_to_the_scope_check() {
        for route in table().await {
            for param in params(&route.path) {
                assert!(
                    owned_kind(&route.path, param).is_ok(),
                    "{} {}: unknown parameter {{{param}}}",
                    route.method,
                    route.path
                );
            }
        }
    }
}
