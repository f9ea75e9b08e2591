//! `spendlens serve` and `spendlens snapshot`: configuration, logging and the runtime around the
//! web layer.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use spendlens_app::{Clock, SystemClock};
use spendlens_web::Settings;

/// Options shared by the commands that open the database.
#[derive(Debug, clap::Args)]
pub struct DatabaseArgs {
    /// `sqlite://path` (default `sqlite://spendlens.db`, created on first start) or
    /// `postgres://user:password@host/db`. Also `SPENDLENS_DATABASE_URL`.
    #[arg(long)]
    pub database_url: Option<String>,
    /// A TOML settings file (default: `spendlens.toml` when present).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `spendlens serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080). Also `SPENDLENS_BIND`.
    #[arg(long)]
    bind: Option<SocketAddr>,
    #[command(flatten)]
    db: DatabaseArgs,
    /// `text` or `json` logs. Also `SPENDLENS_LOG_FORMAT`.
    #[arg(long)]
    log_format: Option<String>,
    /// Load (or refresh) a sample organisation with four campaigns and 90 days of data up to
    /// today, and print its sign-in.
    #[arg(long)]
    demo: bool,
    /// The SMTP relay of scheduled e-mail. Also `SPENDLENS_SMTP__HOST`; the password only
    /// through `SPENDLENS_SMTP__PASSWORD` or the settings file (a flag shows in `ps`).
    #[arg(long)]
    smtp_host: Option<String>,
    /// The relay's port (default 587). Also `SPENDLENS_SMTP__PORT`.
    #[arg(long)]
    smtp_port: Option<u16>,
    /// The sender, `spendlens <reports@example.com>`. Also `SPENDLENS_SMTP__FROM`.
    #[arg(long)]
    smtp_from: Option<String>,
    /// The SMTP user name. Also `SPENDLENS_SMTP__USERNAME`.
    #[arg(long)]
    smtp_username: Option<String>,
    /// Send without STARTTLS (a relay on this host or network speaking plain SMTP). Also
    /// `SPENDLENS_SMTP__STARTTLS=false`.
    #[arg(long)]
    smtp_no_starttls: bool,
}

/// `spendlens snapshot`.
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    db: DatabaseArgs,
}

pub fn settings(db: &DatabaseArgs) -> anyhow::Result<Settings> {
    let mut settings =
        Settings::load(db.config.as_deref()).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    if let Some(url) = &db.database_url {
        settings.database_url.clone_from(url);
    }
    settings
        .check_webhooks()
        .context("webhooks.allow_private (SPENDLENS_WEBHOOKS__ALLOW_PRIVATE)")?;
    settings
        .check_public_url()
        .map_err(|e| anyhow::anyhow!("public_url (SPENDLENS_PUBLIC_URL): {e}"))?;
    settings
        .proxy_networks()
        .map_err(|e| anyhow::anyhow!("trusted_proxies (SPENDLENS_TRUSTED_PROXIES): {e}"))?;
    Ok(settings)
}

/// [`settings`] for a command that works on an existing installation (every one but `serve`):
/// an SQLite file that does not exist is a mistyped `--database-url`, refused (exit 2) rather
/// than created empty and then searched for a campaign it cannot hold.
pub fn existing_settings(db: &DatabaseArgs) -> anyhow::Result<Settings> {
    let settings = settings(db)?;
    if let Some(file) = crate::keyfile::sqlite_file(&settings.database_url)
        && !file.exists()
    {
        return Err(crate::output::Usage(format!(
            "--database-url: no database at {} (`spendlens serve` creates one)",
            file.display()
        ))
        .into());
    }
    Ok(settings)
}

/// The use-case context of an operator command (`import`, `roi`, `report`): the time is read
/// once, through the one reader of the time, when the command starts its work; budget alerts a
/// write raises are recorded and, with a webhook, delivered (or retried by the server's sweep).
pub fn operator_context(
    store: Arc<dyn spendlens_store::Store>,
    settings: &Settings,
) -> spendlens_app::Context {
    use spendlens_app::finance::webhook::{RetryPolicy, WebhookSender};
    let webhooks = Arc::new(WebhookSender::new(
        settings.token_cipher(),
        RetryPolicy::default(),
        settings.outbound(),
    ));
    spendlens_app::Context::at(store, webhooks, SystemClock.now())
}

/// The database URL with any password removed, for log lines.
pub fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

pub fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SPENDLENS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
}

async fn shutdown_signal(tx: tokio::sync::watch::Sender<bool>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        () = term => {}
    }
    tracing::info!(
        "shutting down: finishing in-flight requests (for up to {} s)",
        spendlens_web::SHUTDOWN_GRACE.as_secs()
    );
    let _ = tx.send(true);
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut settings = settings(&args.db)?;
    if let Some(bind) = args.bind {
        settings.bind = bind;
    }
    if let Some(format) = args.log_format {
        settings.log_format = format;
    }
    if args.smtp_host.is_some() {
        settings.smtp.host = args.smtp_host;
    }
    if let Some(port) = args.smtp_port {
        settings.smtp.port = port;
    }
    if let Some(from) = args.smtp_from {
        settings.smtp.from = from;
    }
    if args.smtp_username.is_some() {
        settings.smtp.username = args.smtp_username;
    }
    if args.smtp_no_starttls {
        settings.smtp.starttls = false;
    }
    init_logging(&settings.log_format);
    crate::keyfile::ensure_secret_key(&mut settings)?;
    runtime()?.block_on(async move {
        // Metrics are recorded only when a listener of their own serves them (`metrics_bind`):
        // the public listener never does.
        let metrics_listener = match settings.metrics_bind {
            Some(bind) => Some(
                tokio::net::TcpListener::bind(bind)
                    .await
                    .with_context(|| format!("listening for metrics on {bind}"))?,
            ),
            None => None,
        };
        let metrics = metrics_listener
            .as_ref()
            .and_then(|_| {
                metrics_exporter_prometheus::PrometheusBuilder::new()
                    .install_recorder()
                    .map_err(|e| tracing::warn!(error = %e, "metrics disabled"))
                    .ok()
            });
        let store = spendlens_store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening {}", redacted(&settings.database_url)))?;
        let listener = tokio::net::TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("listening on {}", settings.bind))?;
        let addr = listener.local_addr()?;
        tracing::info!(database = %redacted(&settings.database_url), "spendlens listening on http://{addr}");
        // Without a configured address, links (share links, the messages' links) name the
        // address this server listens on, not the default port it may not be on.
        if settings.public_url.is_none()
            && settings.connectors.public_url
                == spendlens_app::connections::ConnectorSettings::default().public_url
        {
            settings.public_url = Some(listening_url(addr));
        }
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let demo = if args.demo {
            let hash = spendlens_app::accounts::hash_password(
                spendlens_app::demo::DEMO_PASSWORD.into(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo: {e}"))?;
            let report = spendlens_app::demo::load(store.as_ref(), clock.now(), &hash)
                .await
                .context("loading the demo organisation")?;
            let books = spendlens_app::demo::load_books(store.as_ref(), clock.now())
                .await
                .context("loading the demo's rates, costs and journeys")?;
            Some((report, books))
        } else {
            None
        };
        let state = spendlens_web::state(store, clock, settings, metrics);
        if let Some((report, books)) = demo {
            // The first marketing-mix run, fitted by the app's use case like the page's form; the
            // demo serves without it when it cannot be fitted (the page then starts empty).
            let model = spendlens_app::demo::first_model(&state.context())
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "the demo's marketing-mix model was not fitted");
                    None
                });
            outln!(
                "Demo organisation loaded ({} campaigns, {} daily rows, {} snapshots, {} exchange rates, {} cost entries, {} days of GA4 revenue, {} journeys with {} conversions{}).\nOpen http://{addr} and sign in as {} with the password {}",
                report.campaigns,
                report.rows,
                report.snapshots,
                books.rates,
                books.costs,
                books.ga4_days,
                books.journeys,
                books.conversions,
                if model.is_some() {
                    ", and a marketing-mix model of the Q4 campaign"
                } else {
                    ""
                },
                spendlens_app::demo::DEMO_EMAIL,
                spendlens_app::demo::DEMO_PASSWORD
            )?;
        }
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(shutdown_signal(tx));
        if let Some(listener) = metrics_listener {
            tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
            tokio::spawn(spendlens_web::serve_metrics(listener, state.clone(), rx.clone()));
        }
        spendlens_web::serve(listener, state, rx).await.context("serving")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Writes the missing snapshots once.
pub fn snapshot(args: &SnapshotArgs) -> anyhow::Result<ExitCode> {
    let settings = existing_settings(&args.db)?;
    init_logging(&settings.log_format);
    runtime()?.block_on(async move {
        let store = spendlens_store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening {}", redacted(&settings.database_url)))?;
        let report = spendlens_app::snapshots::sweep(store.as_ref(), SystemClock.now()).await?;
        outln!(
            "snapshots: {} campaigns, {} written, {} already present, {} failed",
            report.campaigns,
            report.written,
            report.skipped,
            report.failed
        )?;
        Ok(if report.failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_a_log_line() {
        assert_eq!(
            super::redacted("postgres://app:s3cret@db:5432/x"),
            "postgres://***@db:5432/x"
        );
        assert_eq!(
            super::redacted("sqlite://spendlens.db"),
            "sqlite://spendlens.db"
        );
    }
}

/// The URL of a listening address as a browser on this machine reaches it: an unspecified
/// address (`0.0.0.0`, `::`) is reached on loopback.
fn listening_url(addr: std::net::SocketAddr) -> String {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            format!("http://127.0.0.1:{}", addr.port())
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => format!("http://[::1]:{}", addr.port()),
        std::net::IpAddr::V4(ip) => format!("http://{ip}:{}", addr.port()),
        std::net::IpAddr::V6(ip) => format!("http://[{ip}]:{}", addr.port()),
    }
}

#[cfg(test)]
mod listening_tests {
    use super::listening_url;

    #[test]
    fn links_name_the_address_listened_on() {
        let url = |s: &str| listening_url(s.parse().unwrap_or_else(|e| panic!("{s}: {e}")));
        assert_eq!(url("127.0.0.1:9641"), "http://127.0.0.1:9641");
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080");
        assert_eq!(url("[::]:8080"), "http://[::1]:8080");
        assert_eq!(url("192.168.1.5:80"), "http://192.168.1.5:80");
    }
}
