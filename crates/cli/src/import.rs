//! `spendlens import FILE --campaign ID`: a file into a campaign's daily rows, all or nothing,
//! then the campaign's budget alerts: `spendlens_app::imports`, the use case of the API and the
//! pages.
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
use spendlens_app::imports::{
    CurrencyProblem, ImportCommand, ImportFailure, ImportOutcome, StreamCommand, import_rows,
    import_stream,
};
use spendlens_core::campaign::CampaignId;
use spendlens_ingest::{ImportError, Source, Summary};

use crate::serve::{DatabaseArgs, init_logging, operator_context, redacted, runtime, settings};

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

/// The named channels of a channel file, one line each, labelled as such: their spend is not
/// in the platform rows' summary below.
fn print_channels(days: &[spendlens_core::channel::ChannelDay], currency: &str) {
    let mut seen: Vec<(&str, &str, usize, rust_decimal::Decimal)> = Vec::new();
    for d in days {
        match seen.iter_mut().find(|c| c.0 == d.channel.key()) {
            Some(c) => {
                c.2 += 1;
                c.3 += d.spend;
            }
            None => seen.push((d.channel.key(), d.channel.as_str(), 1, d.spend)),
        }
    }
    for (_, name, n, spend) in seen {
        println!(
            "channel:     {name}: {n} day(s), spend {} {currency} ({})",
            spendlens_core::num::round_half_away(spend, 2),
            spendlens_core::channel::CHANNEL_LABEL
        );
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

/// Counts the bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// The failure of an import as the command reports it: exit 2 with one line per problem for bad
/// input, an error otherwise.
fn failed(name: &str, e: ImportFailure, campaign: &str) -> anyhow::Result<ExitCode> {
    match e {
        ImportFailure::File(e) => print_problems(&e),
        ImportFailure::Currency(CurrencyProblem::NoRate { file, campaign }) => eprintln!(
            "{name}: amounts are in {file} but the campaign is in {campaign}; give --rate ({campaign} per 1 {file})"
        ),
        ImportFailure::Currency(p) => eprintln!("{name}: {p}"),
        ImportFailure::NotFound => eprintln!("--campaign: no campaign with id {campaign}"),
        other => return Err(other.into()),
    }
    Ok(ExitCode::from(2))
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
        let ctx = operator_context(store, &settings);
        // A channel file (a `channel` column: TV, radio, podcasts... beside the ad platforms)
        // is read whole by the app's channel import, not streamed.
        let channel_file = source.is_none() && spendlens_ingest::is_channel_file(&head);
        if detected == Source::Canonical && !utf16 && !channel_file {
            return stream(args, &name, &ctx, &campaign).await;
        }
        let bytes = std::fs::read(&args.file).with_context(|| name.clone())?;
        let command = ImportCommand {
            file_name: name.clone(),
            bytes,
            source: if channel_file { None } else { Some(detected) },
            rate: args.rate,
            dry_run: args.dry_run,
        };
        let currency = &campaign.spec.currency;
        match import_rows(&ctx, &campaign, command).await {
            Ok(ImportOutcome::Rows(rows)) => {
                print_channels(&rows.channels, currency);
                print_summary(&rows.summary, rows.import_id.as_deref(), currency);
                Ok(ExitCode::SUCCESS)
            }
            Ok(ImportOutcome::Preview(p)) => {
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
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => failed(&name, e, &args.campaign),
        }
    })
}

/// The streaming path (`spendlens_app::imports::import_stream`): memory stays flat however large
/// the file, and nothing is kept unless the whole file parsed.
async fn stream(
    args: &Args,
    name: &str,
    ctx: &spendlens_app::Context,
    campaign: &spendlens_core::campaign::Campaign,
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
    let command = StreamCommand {
        reader: Counting {
            inner: BufReader::with_capacity(256 * 1024, file),
            bar: bar.clone(),
        },
        file_name: name.to_owned(),
        rate: args.rate,
        dry_run: args.dry_run,
    };
    let outcome = import_stream(ctx, campaign, command).await;
    bar.finish_and_clear();
    match outcome {
        Ok(done) => {
            print_summary(
                &done.summary,
                done.import_id.as_deref(),
                &campaign.spec.currency,
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => failed(name, e, &args.campaign),
    }
}
