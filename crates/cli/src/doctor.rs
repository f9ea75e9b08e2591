//! `spendlens doctor`: the platform API versions in use with their sunset dates, each
//! connection's token expiry, and the configuration problems that can be seen without calling a
//! platform. Exits with failure when something stops syncs now (a retired version, an ended
//! grant, a missing key), so it can gate a deploy.

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use spendlens_app::connections::Connections;
use spendlens_app::{Clock, FixedClock, SystemClock};

use crate::serve::{DatabaseArgs, existing_settings, redacted, runtime};

/// `spendlens doctor`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check as of this instant (RFC 3339) instead of the system clock: "will this still work
    /// on the day of the release?".
    #[arg(long)]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut settings = existing_settings(&args.db)?;
    crate::keyfile::load_existing_key(&mut settings)?;
    let clock: Arc<dyn Clock> = match args.now {
        Some(at) => Arc::new(FixedClock(at)),
        None => Arc::new(SystemClock),
    };
    runtime()?.block_on(async move {
        let service = Connections::new(
            settings.connectors.clone(),
            settings.token_cipher(),
            spendlens_connect::HttpClient::new()?,
            clock.clone(),
        );
        let (connections, database_problem) =
            match spendlens_store::connect(&settings.database_url).await {
                Ok(store) => match store.all_connections().await {
                    Ok(all) => (all, None),
                    Err(e) => (
                        Vec::new(),
                        Some(format!("the connections could not be read: {e}")),
                    ),
                },
                Err(e) => (
                    Vec::new(),
                    Some(format!(
                        "the database {} could not be opened: {e}",
                        redacted(&settings.database_url)
                    )),
                ),
            };
        let mut report = service.doctor(&connections, clock.now());
        if let Some(problem) = database_problem {
            report.problems.insert(0, problem);
        }
        if let Err(e) = settings.check_secret_key() {
            report.problems.push(format!("secret_key: {e}"));
        }
        {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            write!(out, "{report}")?;
            out.flush()?;
        }
        Ok(if report.is_healthy() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}
