//! `spendlens outbox`: the messages waiting in the outbox (registration links, notices to an
//! address that already has an account), for the operator to pass on while spendlens sends no
//! e-mail itself.
//!
//! An operator command on the server machine: it opens the database directly (`--database-url`
//! or `SPENDLENS_DATABASE_URL`, as `spendlens import`). The server never logs a link (it is a
//! secret that creates an account): this command, which needs the database, is where it is read.

use std::process::ExitCode;

use anyhow::Context;
use chrono::SecondsFormat;
use spendlens_store::StoredMail;

use crate::serve::{
    DatabaseArgs, existing_settings, init_logging, operator_context, redacted, runtime,
};

/// `spendlens outbox`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the messages to this address (sent or not), oldest first.
    #[arg(long, value_name = "EMAIL")]
    to: Option<String>,
    /// At most this many of the newest unsent messages.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    #[command(flatten)]
    db: DatabaseArgs,
}

/// One message as the operator reads it: a header block, then the body.
fn format(m: &StoredMail) -> String {
    let sent = m.sent_at.map_or_else(
        || "not yet".to_owned(),
        |t| t.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    format!(
        "To: {}\nSubject: {}\nQueued: {}\nSent: {sent}\n\n{}\n",
        m.mail.to,
        m.mail.subject,
        m.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        m.mail.body.trim_end()
    )
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let settings = existing_settings(&args.db)?;
    init_logging(&settings.log_format);
    runtime()?.block_on(async move {
        let store = spendlens_store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening {}", redacted(&settings.database_url)))?;
        let ctx = operator_context(store, &settings);
        let mail =
            spendlens_app::accounts::waiting_mail(&ctx, args.to.as_deref(), args.limit).await?;
        if mail.is_empty() {
            errln!("the outbox holds no message to pass on");
        }
        let text: Vec<String> = mail.iter().map(format).collect();
        {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            out.write_all(text.join("\n----\n\n").as_bytes())?;
            out.flush()?;
        }
        Ok(ExitCode::SUCCESS)
    })
}
