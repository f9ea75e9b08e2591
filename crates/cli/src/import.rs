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
use chrono::NaiveDate;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use spendlens_app::imports::{
    CurrencyProblem, ImportCommand, ImportFailure, ImportOutcome, PeriodRule, StreamCommand,
    import_rows, import_stream,
};
use spendlens_core::campaign::CampaignId;
use spendlens_ingest::{
    ColumnMapping, DateOrder, ImportError, NumberLocale, PeriodChoice, Source, Summary,
};
use spendlens_store::UpsertCounts;

use crate::serve::{
    DatabaseArgs, existing_settings, init_logging, operator_context, redacted, runtime,
};

/// `spendlens import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file: canonical CSV, LinkedIn / Meta / Google Ads export, XLSX, or a PDF (previewed).
    file: PathBuf,
    /// The campaign id to import into.
    #[arg(long)]
    campaign: String,
    /// Parse as this source instead of detecting it from the content.
    #[arg(long, value_parser = SourceParser, ignore_case = true)]
    source: Option<Source>,
    /// Show what would be imported (rows, days, dates, totals, skipped) and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Exchange rate when the file's currency differs from the campaign's (campaign currency per
    /// 1 unit of the file's).
    #[arg(long)]
    rate: Option<Decimal>,
    /// For a report whose rows each cover a period (no day column; Meta rows whose Reporting
    /// starts and ends differ; a LinkedIn report without a daily breakdown): spread each row
    /// evenly over the days of its period, cents and counts distributed so every sum is exact.
    /// Without this or --book-on such a file is refused.
    #[arg(long, conflicts_with = "book_on")]
    spread: bool,
    /// For a report whose rows each cover a period: book every row on this one date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    book_on: Option<NaiveDate>,
    /// The first day of the period of a report that states none ("All time"), with --to and
    /// --spread; a period the file states wins.
    #[arg(long, value_name = "DATE", requires = "to")]
    from: Option<NaiveDate>,
    /// The last day of that period, with --from.
    #[arg(long, value_name = "DATE", requires = "from")]
    to: Option<NaiveDate>,
    /// Name the columns detection cannot place: `field=column` pairs, comma separated, a column
    /// by its header or its letter (--map date=Day,spend="Amount spent (INR)",campaign="Ad set
    /// name"). Fields: date, platform, campaign, campaign_id, spend, impressions, engagements,
    /// clicks, conversions, conversion_value, revenue, currency. May be repeated.
    #[arg(long = "map", value_name = "FIELD=COLUMN,...")]
    map: Vec<String>,
    /// Save the --map mapping for the campaign: a later file detection cannot read is tried
    /// with the campaign's saved mappings, newest first.
    #[arg(long, requires = "map")]
    save_map: bool,
    /// For a PDF report: how it writes its numbers, `comma` (1.234,56 or 1 234,56) or `point`
    /// (1,234.56). By default the report's own numbers decide, and the preview says which format
    /// was used and why. A PDF's figures per period (days, weeks, months) take --spread (each
    /// over its days) or --book-on (their sum on one day), as the upload page's choice does.
    #[arg(long, value_name = "FORMAT", value_parser = locale_parser())]
    pdf_locale: Option<NumberLocale>,
    /// How to read dates such as 06/07/2024 when no date in the file decides: `day_first` or
    /// `month_first`. By default a file that writes decimal commas is read day first, any other
    /// as its format's way (month first for a sheet); the notes say which was used.
    #[arg(long, value_name = "ORDER", value_parser = DateOrder::parse)]
    date_order: Option<DateOrder>,
    #[command(flatten)]
    db: DatabaseArgs,
}

/// `--pdf-locale`: the names (and examples) of `NumberLocale::ALL`, the values the API field
/// `pdf_locale` and the upload page's "Numbers in the PDF" take.
fn locale_parser() -> impl TypedValueParser<Value = NumberLocale> {
    PossibleValuesParser::new(
        NumberLocale::ALL.map(|l| PossibleValue::new(l.as_str()).help(l.label())),
    )
    .try_map(|name| name.parse::<NumberLocale>())
}

/// `--source`: the names (and descriptions) of `Source::ALL`, so `--help`, this parser and its
/// error list the same names, from the one list the API and the upload page use too.
#[derive(Debug, Clone, Copy)]
struct SourceParser;

impl SourceParser {
    fn values() -> impl Iterator<Item = PossibleValue> {
        Source::ALL
            .into_iter()
            .map(|s| PossibleValue::new(s.as_str()).help(s.label()))
    }
}

impl TypedValueParser for SourceParser {
    type Value = Source;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Source, clap::Error> {
        // clap's own check first: its error names the flag and lists the possible values.
        let name = PossibleValuesParser::new(Self::values()).parse_ref(cmd, arg, value)?;
        name.parse::<Source>()
            .map_err(|e| clap::Error::raw(clap::error::ErrorKind::InvalidValue, e))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(Self::values()))
    }
}

fn print_problems(e: &ImportError) {
    for d in e.diagnostics() {
        errln!("{d}");
    }
}

/// The named channels of a channel file, one line each, labelled as such: their spend is not
/// in the platform rows' summary below.
fn print_channels(
    days: &[spendlens_core::channel::ChannelDay],
    currency: &str,
) -> std::io::Result<()> {
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
        outln!(
            "channel:     {name}: {n} day(s), spend {} {currency} ({})",
            spendlens_core::num::round_half_away(spend, 2),
            spendlens_core::channel::CHANNEL_LABEL
        )?;
    }
    Ok(())
}

fn print_summary(
    s: &Summary,
    import_id: Option<&str>,
    counts: Option<&UpsertCounts>,
    currency: &str,
) -> std::io::Result<()> {
    outln!("rows:        {}", s.rows)?;
    outln!("days:        {}", s.distinct_days)?;
    if let (Some(a), Some(b)) = (s.date_from, s.date_to) {
        outln!("dates:       {a} to {b}")?;
    }
    // Money with its two decimals (1624.90, not 1624.9).
    let cents = |v| format!("{:.2}", spendlens_core::num::round_half_away(v, 2));
    outln!("spend:       {} {currency}", cents(s.totals.spend))?;
    outln!("impressions: {}", s.totals.impressions)?;
    outln!("clicks:      {}", s.totals.clicks)?;
    outln!(
        "conversions: {}",
        spendlens_core::num::round_half_away(s.totals.conversions, 2)
    )?;
    if let Some(r) = s.totals.revenue {
        outln!("revenue:     {} {currency}", cents(r))?;
    }
    for k in &s.skipped {
        outln!("skipped:     row {} ({}): {}", k.row, k.label, k.reason)?;
    }
    match (import_id, counts) {
        (Some(_), Some(c)) if c.inserted == 0 && c.updated == 0 => {
            outln!("nothing changed ({} rows unchanged)", c.unchanged)?;
        }
        (Some(id), Some(c)) => {
            outln!(
                "stored:      {} new, {} updated, {} unchanged",
                c.inserted,
                c.updated,
                c.unchanged
            )?;
            outln!("imported as {id}")?;
        }
        (Some(id), None) => outln!("imported as {id}")?,
        (None, _) => outln!("dry run: nothing written")?,
    }
    Ok(())
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
        ImportFailure::Currency(CurrencyProblem::NoRate { file, campaign }) => errln!(
            "{name}: amounts are in {file} but the campaign is in {campaign}; give --rate ({campaign} per 1 {file})"
        ),
        ImportFailure::Currency(p) => errln!("{name}: {p}"),
        ImportFailure::NotFound => errln!("--campaign: no campaign with id {campaign}"),
        other => return Err(other.into()),
    }
    Ok(ExitCode::from(2))
}

/// After a file that did not read: its columns as spendlens sees them, and how to map them
/// (nothing when it has no columns, e.g. a PDF).
async fn print_columns(args: &Args, name: &str, source: Option<Source>) -> std::io::Result<()> {
    let Ok(bytes) = std::fs::read(&args.file) else {
        return Ok(());
    };
    let command = ImportCommand {
        file_name: name.to_owned(),
        bytes,
        source,
        rate: None,
        dry_run: true,
        period: PeriodRule::default(),
        mapping: ColumnMapping::new(),
        save_mapping: false,
        pdf_locale: None,
        date_order: args.date_order,
    };
    let Ok(found) = spendlens_app::mappings::columns(&command).await else {
        return Ok(());
    };
    let columns: Vec<String> = found
        .columns
        .iter()
        .filter(|c| !c.header.is_empty())
        .map(|c| format!("{} \"{}\"", c.letter, c.header))
        .collect();
    if columns.is_empty() {
        return Ok(());
    }
    errln!(
        "{name}: the columns of row {} are {}; if they hold the data, name them with --map, e.g. --map date=COLUMN,spend=COLUMN,campaign=COLUMN (add --save-map to reuse it for this campaign)",
        found.header_row,
        columns.join(", ")
    );
    Ok(())
}

/// Runs the import; exit 2 with one line per problem (file, row, column) on bad input.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let settings = existing_settings(&args.db)?;
    init_logging(&settings.log_format);
    let source = args.source;
    let choice = match (args.spread, args.book_on) {
        (_, Some(day)) => PeriodChoice::BookOn(day),
        (true, None) => PeriodChoice::Spread,
        (false, None) => PeriodChoice::Refuse,
    };
    let period = match PeriodRule::new(choice, args.from.zip(args.to)) {
        Ok(p) => p,
        Err(e) => {
            errln!("--from/--to: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mapping = match ColumnMapping::parse(&args.map.join(",")) {
        Ok(m) => m,
        Err(e) => {
            errln!("--map: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let name = args.file.display().to_string();
    let mut head = vec![0u8; 64 * 1024];
    let head_len = match File::open(&args.file).and_then(|mut f| f.read(&mut head)) {
        Ok(n) => n,
        Err(e) => {
            errln!("{name}: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    head.truncate(head_len);
    // A text file detection does not know may still read with a mapping (given, or saved for
    // the campaign): the app decides, and says why when it cannot.
    let detected = match source {
        Some(s) => Some(s),
        None => match spendlens_ingest::detect(&head, &name) {
            Ok(s) => Some(s),
            Err(ImportError::Unrecognised { .. }) if head_len > 0 => None,
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
            errln!("--campaign: no campaign with id {}", args.campaign);
            return Ok(ExitCode::from(2));
        };
        let ctx = operator_context(store, &settings);
        // A channel file (a `channel` column: TV, radio, podcasts... beside the ad platforms)
        // is read whole by the app's channel import, not streamed.
        let channel_file = source.is_none() && spendlens_ingest::is_channel_file(&head);
        if detected == Some(Source::Canonical) && !utf16 && !channel_file && mapping.is_empty() {
            return stream(args, &name, &ctx, &campaign).await;
        }
        let bytes = std::fs::read(&args.file).with_context(|| name.clone())?;
        let command = ImportCommand {
            file_name: name.clone(),
            bytes,
            // A mapping applies to the table the file holds, whatever detection said.
            source: if channel_file || !mapping.is_empty() {
                source
            } else {
                detected
            },
            rate: args.rate,
            dry_run: args.dry_run,
            period,
            mapping: mapping.clone(),
            save_mapping: args.save_map,
            pdf_locale: args.pdf_locale,
            date_order: args.date_order,
        };
        let currency = &campaign.spec.currency;
        match import_rows(&ctx, &campaign, command).await {
            Ok(ImportOutcome::Rows(rows)) => {
                for n in &rows.parsed.notes {
                    outln!("note:        {n}")?;
                }
                print_channels(&rows.channels, currency)?;
                print_summary(
                    &rows.summary,
                    rows.import_id.as_deref(),
                    rows.counts.as_ref(),
                    currency,
                )?;
                if let Some(c) = &rows.spend_change {
                    outln!(
                        "replaced:    the campaign's spend up to {} went from {} to {} {currency}",
                        c.through,
                        spendlens_core::num::cents_text(c.before),
                        spendlens_core::num::cents_text(c.after)
                    )?;
                }
                Ok(ExitCode::SUCCESS)
            }
            Ok(ImportOutcome::Preview(p)) => {
                crate::import_pdf::print_preview(&name, &p, currency, period)?;
                Ok(ExitCode::SUCCESS)
            }
            Err(ImportFailure::File(e)) if mapping.is_empty() && e.suggests_mapping() => {
                let code = failed(&name, ImportFailure::File(e), &args.campaign)?;
                print_columns(args, &name, source).await?;
                Ok(code)
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
                done.counts.as_ref(),
                &campaign.spec.currency,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => failed(name, e, &args.campaign),
    }
}
