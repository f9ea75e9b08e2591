//! `spendlens sync`: pulls every authorised platform connection now (or one, or a backfill),
//! all or nothing per connection, and prints what each did.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use spendlens_app::connections::{Connections, backfill_range};
use spendlens_app::{Clock, SystemClock, today_in};
use spendlens_store::ConnectionStatus;

use crate::serve::{DatabaseArgs, existing_settings, init_logging, redacted, runtime};

/// `spendlens sync`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sync only this connection (its id, as the API shows it).
    #[arg(long)]
    connection: Option<String>,
    /// First day of a backfill (with --connection); default: since the last sync plus the
    /// restatement window.
    #[arg(long, requires = "connection")]
    from: Option<NaiveDate>,
    /// Last day of a backfill (default yesterday).
    #[arg(long, requires = "from")]
    to: Option<NaiveDate>,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut settings = existing_settings(&args.db)?;
    init_logging(&settings.log_format);
    crate::keyfile::ensure_secret_key(&mut settings)?;
    runtime()?.block_on(async move {
        let store = spendlens_store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening {}", redacted(&settings.database_url)))?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let service = Connections::new(
            settings.connectors.clone(),
            settings.token_cipher(),
            spendlens_connect::HttpClient::new()?,
            clock.clone(),
        );
        let mut all = store.all_connections().await?;
        if let Some(id) = &args.connection {
            all.retain(|c| &c.id == id);
            if all.is_empty() {
                return Err(
                    crate::output::Usage(format!("--connection: no connection {id}")).into(),
                );
            }
        } else {
            all.retain(|c| matches!(c.status, ConnectionStatus::Active | ConnectionStatus::Error));
        }
        let mut failed = 0;
        for connection in &all {
            let now = clock.now();
            let campaign = store
                .campaign(&connection.org_id, &connection.campaign_id)
                .await?;
            let zone = campaign
                .as_ref()
                .map_or("UTC", |c| c.spec.time_zone.as_str());
            let range = backfill_range(args.from, args.to, today_in(now, zone))?;
            let label = format!(
                "{} {} (connection {})",
                connection.platform.display_name(),
                connection.account_id,
                connection.id
            );
            match service.sync(store.as_ref(), connection, range, now).await {
                Ok(report) => match report.range {
                    Some(r) => outln!(
                        "{label}: {} rows for {r} ({} new, {} updated, {} unchanged{})",
                        report.rows,
                        report.counts.inserted,
                        report.counts.updated,
                        report.counts.unchanged,
                        removed_words(report.counts.removed)
                    )?,
                    None => outln!("{label}: nothing to pull")?,
                },
                Err(e) => {
                    failed += 1;
                    errln!("{label}: failed: {e}");
                }
            }
        }
        if all.is_empty() {
            outln!("no connections to sync")?;
        }
        Ok(if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

/// ", 2 removed (no longer at the source)" when a sync removed rows, else nothing.
pub(crate) fn removed_words(removed: u64) -> String {
    if removed == 0 {
        String::new()
    } else {
        format!(", {removed} removed (no longer at the source)")
    }
}
