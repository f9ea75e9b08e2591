//! `/healthz`, `/metrics` (Prometheus text, on the `metrics_bind` listener only) and the request
//! metrics behind it.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "ok"), (status = 503, description = "database unreachable")))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state
        .store
        .claim_job_run("healthz", "probe", "probe", state.clock.now())
        .await
    {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

/// Prometheus metrics in the text exposition format, on the listener of the `metrics_bind`
/// setting only (the public listener answers 404).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are disabled\n").into_response(),
    }
}

/// Counts requests and records their latency by route template (never by raw path, which holds
/// ids) and status.
pub async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("spendlens_http_requests_total", &labels).increment(1);
    metrics::histogram!("spendlens_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
