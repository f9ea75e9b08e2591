//! `spendlens import FILE --campaign ID`: a file into a campaign's daily rows, all or nothing.
//!
//! An operator command on the server machine: it opens the database directly. A canonical CSV is
//! streamed (memory stays flat however large the file), its batches written inside one
//! transaction that commits only when the whole file has parsed; other formats are parsed whole
//! (they are bounded in size).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use spendlens_core::campaign::CampaignId;
use spendlens_core::daily::DailyRow;
use spendlens_ingest::{ImportError, ImportOptions, Imported, Source, StreamError, Summary};
use spendlens_store::ImportRecord;

use crate::serve::{DatabaseArgs, init_logging, redacted, runtime, settings};

/// `spendlens import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file: canonical CSV, LinkedIn / Meta / Google Ads export, XLSX, or a PDF (previewed).
    file: PathBuf,
    /// The campaign id to import into.
    #[arg(long)]
    campaign: String,
    /// Parse as this source instead of detecting it: canonical, linkedin, meta, google_ads,
    /// spreadsheet_csv, workbook, pdf.
    #[arg(long)]
    source: Option<String>,
    /// Show what would be imported (rows, days, dates, totals, skipped) and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Exchange rate when the file's currency differs from the campaign's (campaign currency per
    /// 1 unit of the file's).
    #[arg(long)]
    rate: Option<Decimal>,
    #[command(flatten)]
    db: DatabaseArgs,
}

fn print_problems(e: &ImportError) {
    for d in e.diagnostics() {
        eprintln!("{d}");
    }
}

fn print_summary(s: &Summary, import_id: Option<&str>, currency: &str) {
    println!("rows:        {}", s.rows);
    println!("days:        {}", s.distinct_days);
    if let (Some(a), Some(b)) = (s.date_from, s.date_to) {
        println!("dates:       {a} to {b}");
    }
    println!(
        "spend:       {} {currency}",
        spendlens_core::num::round_half_away(s.totals.spend, 2)
    );
    println!("impressions: {}", s.totals.impressions);
    println!("clicks:      {}", s.totals.clicks);
    println!(
        "conversions: {}",
        spendlens_core::num::round_half_away(s.totals.conversions, 2)
    );
    if let Some(r) = s.totals.revenue {
        println!(
            "revenue:     {} {currency}",
            spendlens_core::num::round_half_away(r, 2)
        );
    }
    for k in &s.skipped {
        println!("skipped:     row {} ({}): {}", k.row, k.label, k.reason);
    }
    match import_id {
        Some(id) => println!("imported as {id}"),
        None => println!("dry run: nothing written"),
    }
}

/// Converts or refuses a row whose currency differs from the campaign's.
fn reconcile_row(
    row: &mut DailyRow,
    campaign: &str,
    rate: Option<Decimal>,
    foreign: &mut Option<String>,
) -> Result<(), String> {
    let Some(c) = row.currency.clone() else {
        row.currency = Some(campaign.to_owned());
        return Ok(());
    };
    if c.eq_ignore_ascii_case(campaign) {
        return Ok(());
    }
    match foreign {
        Some(f) if !f.eq_ignore_ascii_case(&c) => {
            return Err(format!(
                "the file mixes currencies {f} and {c}; split it by currency"
            ));
        }
        _ => *foreign = Some(c.clone()),
    }
    let Some(rate) = rate else {
        return Err(format!(
            "amounts are in {c} but the campaign is in {campaign}; give --rate ({campaign} per 1 {c})"
        ));
    };
    let scale = |v: Decimal| {
        v.checked_mul(rate)
            .ok_or_else(|| "an amount is too large to convert".to_owned())
    };
    row.spend = scale(row.spend)?;
    row.conversion_value = row.conversion_value.map(scale).transpose()?;
    row.revenue = row.revenue.map(scale).transpose()?;
    row.currency = Some(campaign.to_owned());
    Ok(())
}

/// The SHA-256 of a file's bytes, hex: the store keeps it to recognise a re-import.
fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Counts and hashes the bytes read, for the progress bar and the import record.
struct Counting<R> {
    inner: R,
    bar: ProgressBar,
    hash: std::sync::Arc<std::sync::Mutex<Sha256>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        if let (Ok(mut h), Some(read)) = (self.hash.lock(), buf.get(..n)) {
            h.update(read);
        }
        Ok(n)
    }
}

/// Runs the import; exit 2 with one line per problem (file, row, column) on bad input.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let settings = settings(&args.db)?;
    init_logging(&settings.log_format);
    let source = match &args.source {
        None => None,
        Some(s) => match s.parse::<Source>() {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("--source: {e}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let name = args.file.display().to_string();
    let mut head = vec![0u8; 64 * 1024];
    let head_len = match File::open(&args.file).and_then(|mut f| f.read(&mut head)) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{name}: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    head.truncate(head_len);
    let detected = match source {
        Some(s) => s,
        None => match spendlens_ingest::detect(&head, &name) {
            Ok(s) => s,
            Err(e) => {
                print_problems(&e);
                return Ok(ExitCode::from(2));
            }
        },
    };
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    runtime()?.block_on(async move {
        let store = spendlens_store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening {}", redacted(&settings.database_url)))?;
        let Some(campaign) = store
            .campaign_for_operator(&CampaignId::new(&args.campaign))
            .await?
        else {
            eprintln!("--campaign: no campaign with id {}", args.campaign);
            return Ok(ExitCode::from(2));
        };
        let currency = campaign.spec.currency.clone();
        let now = chrono::Utc::now();
        if detected == Source::Canonical && !utf16 {
            return stream(args, &name, store, &campaign, now).await;
        }
        let bytes = std::fs::read(&args.file).with_context(|| name.clone())?;
        let options = ImportOptions {
            source: Some(detected),
            ..ImportOptions::default()
        };
        let parsed = match spendlens_ingest::import(&bytes, &name, &options).and_then(|i| match i {
            Imported::Rows(rows) => {
                spendlens_ingest::reconcile_currency(rows, &currency, args.rate).map(Imported::Rows)
            }
            preview => Ok(preview),
        }) {
            Ok(Imported::Rows(p)) => p,
            Ok(Imported::Preview(p)) => {
                println!("{name}: a PDF report is previewed, never imported directly:");
                for f in &p.found {
                    println!(
                        "  found   {:<20} {} (line {})",
                        f.metric.label(),
                        f.text,
                        f.line
                    );
                }
                for m in &p.missing {
                    println!("  missing {}", m.label());
                }
                for w in &p.warnings {
                    println!("  note    {w}");
                }
                println!("Confirm the figures in the web app (Imports) to store them.");
                return Ok(ExitCode::SUCCESS);
            }
            Err(e) => {
                print_problems(&e);
                return Ok(ExitCode::from(2));
            }
        };
        let summary = spendlens_ingest::summary(&parsed);
        if args.dry_run {
            print_summary(&summary, None, &currency);
            return Ok(ExitCode::SUCCESS);
        }
        let record = ImportRecord {
            source: parsed.source.to_string(),
            file_name: Some(name.clone()),
            content_hash: Some(content_hash(&bytes)),
        };
        let Some(mut writer) = store
            .begin_import(&campaign.org_id, &campaign.id, &record, now)
            .await?
        else {
            eprintln!("--campaign: no campaign with id {}", args.campaign);
            return Ok(ExitCode::from(2));
        };
        writer.write(&parsed.rows).await?;
        let id = writer.commit(None).await?;
        print_summary(&summary, Some(&id), &currency);
        Ok(ExitCode::SUCCESS)
    })
}

/// The streaming path: a parser thread hands batches through a bounded channel to the writer;
/// the transaction commits only after the last row parsed.
async fn stream(
    args: &Args,
    name: &str,
    store: std::sync::Arc<dyn spendlens_store::Store>,
    campaign: &spendlens_core::campaign::Campaign,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<ExitCode> {
    let file = File::open(&args.file).with_context(|| name.to_owned())?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if size > 8 * 1024 * 1024 {
        let bar = ProgressBar::new(size);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let hash = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let reader = Counting {
        inner: BufReader::with_capacity(256 * 1024, file),
        bar: bar.clone(),
        hash: hash.clone(),
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<DailyRow>>(4);
    let currency = campaign.spec.currency.clone();
    let rate = args.rate;
    let file_name = name.to_owned();
    let parser = tokio::task::spawn_blocking(move || {
        let mut foreign = None;
        spendlens_ingest::stream_canonical(
            reader,
            &file_name,
            spendlens_ingest::DEFAULT_BATCH,
            |batch: &[DailyRow]| {
                let mut rows = batch.to_vec();
                for row in &mut rows {
                    reconcile_row(row, &currency, rate, &mut foreign)?;
                }
                tx.blocking_send(rows)
                    .map_err(|_| "the database writer stopped".to_owned())
            },
        )
    });
    // The hash is known only at the end; the record is created first and named by file.
    let record = ImportRecord {
        source: Source::Canonical.to_string(),
        file_name: Some(name.to_owned()),
        content_hash: None,
    };
    let mut writer = if args.dry_run {
        None
    } else {
        store
            .begin_import(&campaign.org_id, &campaign.id, &record, now)
            .await?
    };
    let mut write_error = None;
    while let Some(rows) = rx.recv().await {
        if let (Some(w), None) = (writer.as_mut(), &write_error)
            && let Err(e) = w.write(&rows).await
        {
            write_error = Some(e);
        }
    }
    bar.finish_and_clear();
    let outcome = parser.await.context("the parser thread")?;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    match outcome {
        Ok(outcome) => {
            let id = match writer {
                Some(w) => {
                    let digest = hash.lock().map(|h| hex::encode(h.clone().finalize())).ok();
                    Some(w.commit(digest).await?)
                }
                None => None,
            };
            print_summary(&outcome.summary, id.as_deref(), &campaign.spec.currency);
            Ok(ExitCode::SUCCESS)
        }
        // Dropping the writer rolls the transaction back: nothing of the file is kept.
        Err(StreamError::Import(e)) => {
            print_problems(&e);
            Ok(ExitCode::from(2))
        }
        Err(StreamError::Sink(message)) => {
            eprintln!("{name}: {message}");
            Ok(ExitCode::from(2))
        }
    }
}
