//! spendlens-web: the HTTP layer of `spendlens serve`.
//!
//! The JSON API under `/api` (accounts, campaigns, metrics in, the analysis, the seed's
//! endpoints), the OpenAPI document and its docs page, `/healthz` and `/metrics`. Handlers parse
//! and check requests, call the store and the use cases of `spendlens-app`, and encode with
//! `spendlens-contract`; they hold no business rule of their own.
//!
//! Architecture invariants: every campaign route resolves the campaign through the caller's
//! organisation (another organisation's id is a 404, never a 403 and never data); access is
//! checked before a request body is read into anything larger than JSON; internal errors are
//! logged, never returned. Start reading at [`router`].
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod observability;
pub mod openapi;
pub mod state;
pub mod ui;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use spendlens_app::Clock;
use spendlens_store::Store;
use tokio::sync::watch;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

pub use config::Settings;
pub use state::{AppState, LoginLimiter};

/// Request bodies above this size are refused (metrics batches of 50,000 rows fit).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Builds the application state.
pub fn state(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
) -> AppState {
    let limiter = LoginLimiter::new(settings.login_attempts, settings.login_window());
    let csrf_key = ui::session::CsrfKey::from_settings(&settings);
    AppState {
        store,
        clock,
        settings: Arc::new(settings),
        login_limiter: Arc::new(limiter),
        metrics,
        analysis_cache: Arc::new(spendlens_app::analysis::AnalysisCache::new(4096)),
        csrf_key: Arc::new(csrf_key),
        pending_uploads: Arc::new(ui::imports::PendingUploads::default()),
    }
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    use api::{analysis, campaigns, imports, metrics_in, seed};
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/tokens", post(auth::create_token))
        .route("/campaigns", post(campaigns::create).get(campaigns::list))
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
            "/campaigns/{id}/financial-analysis",
            get(analysis::financial_analysis),
        )
        .route("/campaigns/{id}/snapshots", get(analysis::snapshots))
        .route("/linkedin/metrics/{id}", get(seed::linkedin))
        .route("/custom-integration/{id}", get(seed::custom_integration))
        .route("/meta/{id}/analytics", get(seed::meta))
        .route("/campaigns/{id}/ga4-metrics", get(seed::ga4))
        .route("/campaigns/{id}/google-sheets-data", get(seed::sheets));
    Router::new()
        .nest("/api", api)
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs")
                .url("/api/openapi.json", openapi::ApiDoc::openapi()),
        )
        // The server-rendered pages (crates/web/src/ui): everything outside /api.
        .merge(ui::routes())
        .route("/healthz", get(observability::healthz))
        .route("/metrics", get(observability::metrics))
        .layer(axum::middleware::from_fn(observability::record))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` turns true, with the snapshot scheduler beside the server; in-flight
/// requests finish before it returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let every = state.settings.snapshot_every_minutes;
    let scheduler = (every > 0).then(|| {
        tokio::spawn(spendlens_app::scheduler::run_snapshots(
            state.store.clone(),
            state.clock.clone(),
            Duration::from_secs(every * 60),
            shutdown.clone(),
        ))
    });
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() {
                    break;
                }
            }
        })
        .await;
    if let Some(task) = scheduler {
        task.abort();
    }
    result
}
