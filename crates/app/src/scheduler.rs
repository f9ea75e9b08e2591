//! The in-server scheduler: runs the snapshot, alert, sync, retention, report and model-refresh
//! sweeps at start and then periodically.

use std::sync::Arc;
use std::time::Duration;

use spendlens_store::Store;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::snapshots::sweep;

/// Runs the snapshot sweep now and then every `every`, until `shutdown` turns true. A sweep
/// only writes missing days, so restarts catch up and several instances can run it together.
pub async fn run_snapshots(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match sweep(store.as_ref(), clock.now()).await {
            Ok(report) if report.written > 0 || report.failed > 0 => {
                tracing::info!(?report, "snapshot sweep");
            }
            Ok(_) => tracing::debug!("snapshot sweep: nothing to write"),
            Err(e) => tracing::warn!(error = %e, "snapshot sweep failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}

/// Deletes the audit entries older than `retention_days` now and then every `every`, until
/// `shutdown` turns true (a second instance deleting the same entries deletes none).
pub async fn run_audit_retention(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    retention_days: u32,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match crate::audit::purge(store.as_ref(), clock.now(), retention_days).await {
            Ok(0) => tracing::debug!("audit retention: nothing to delete"),
            Ok(n) => tracing::info!(deleted = n, "audit retention"),
            Err(e) => tracing::warn!(error = %e, "audit retention failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}

/// Runs the budget-alert sweep (every campaign evaluated, pending webhook deliveries retried) now
/// and then every `every`, until `shutdown` turns true. Alerts are raised once whatever the
/// number of instances (see `finance::alerts`).
pub async fn run_finance_alerts(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sender: Arc<crate::finance::webhook::WebhookSender>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let report = crate::finance::alerts::sweep(store.as_ref(), &sender, clock.now()).await;
        if report.raised > 0 || report.failed > 0 {
            tracing::info!(?report, "budget alert sweep");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}

/// Syncs the connections due their daily sync now and then every `every`, and sends the
/// "re-authorise before" reminders of grants ending within 30 days through `webhooks`, until
/// `shutdown` turns true. Each attempt is claimed in the database, so several instances share the
/// work.
pub async fn run_syncs(
    store: Arc<dyn Store>,
    connections: crate::connections::Connections,
    webhooks: Arc<crate::finance::webhook::WebhookSender>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let instance = instance_name();
    loop {
        match connections.sweep(store.as_ref(), &instance).await {
            Ok(report) if report.synced > 0 || report.failed > 0 => {
                tracing::info!(?report, "connection sync sweep");
            }
            Ok(_) => tracing::debug!("connection sync sweep: nothing due"),
            Err(e) => tracing::warn!(error = %e, "connection sync sweep failed"),
        }
        let reminded = connections
            .send_reauthorization_alerts(store.as_ref(), &webhooks, &instance, connections.now())
            .await;
        if reminded > 0 {
            tracing::info!(reminded, "re-authorisation reminders delivered");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}

/// Runs the report-delivery sweep (`delivery::sweep`: due slots enqueued once across instances,
/// leased deliveries sent and recorded) now and then every `every`, until `shutdown` turns true.
pub async fn run_reports(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    deliverer: Arc<crate::delivery::Deliverer>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let instance = instance_name();
    loop {
        let report =
            crate::delivery::sweep::sweep(store.as_ref(), &deliverer, clock.now(), &instance).await;
        if report.delivered > 0 || report.failed > 0 {
            tracing::info!(?report, "report delivery sweep");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}

/// A name for this process in the job claims (host and process id).
fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "spendlens".to_owned());
    format!("{host}:{}", std::process::id())
}

/// Runs again, now and then every `every` until `shutdown` turns true, the out-of-date model run
/// each model-based revenue basis rests on (see `mmm::refresh`). Two instances may both refit a
/// run; the newer of the two is the one the ROI then rests on, and both are current.
pub async fn run_mmm_refresh(
    ctx: crate::context::Context,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match crate::mmm::refresh::refresh(&ctx).await {
            Ok(report) if report.refreshed > 0 || report.failed > 0 => {
                tracing::info!(?report, "model refresh");
            }
            Ok(_) => tracing::debug!("model refresh: nothing out of date"),
            Err(e) => tracing::warn!(error = %e, "model refresh failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}
