//! `spendlens report --from --to --format pdf|xlsx|csv|json --output FILE`: the organisation's
//! financial report, the same document `GET /api/reports/financial` downloads.
//!
//! Opens the database directly (`--database-url` or `SPENDLENS_DATABASE_URL`). `--rates FILE`
//! replaces the organisation's stored rates table with a CSV `from,to,rate` (one `from` is worth
//! `rate` `to`); the report lists every rate it used. The file is written atomically.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_app::finance::document::{Format, render};
use spendlens_app::finance::{FinanceAppError, ReportQuery};
use spendlens_app::{Clock, SystemClock};
use spendlens_core::campaign::OrgId;
use spendlens_finance::{FxRate, Period};

use crate::output::write_bytes;
use crate::serve::{DatabaseArgs, existing_settings, init_logging, redacted, runtime};

/// `spendlens report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: NaiveDate,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    to: NaiveDate,
    /// pdf, xlsx, csv or json.
    #[arg(long)]
    format: String,
    /// The file to write.
    #[arg(long, short)]
    output: PathBuf,
    /// The organisation id; may be left out when the database holds one organisation.
    #[arg(long)]
    organization: Option<String>,
    /// The report currency (default: the one most campaigns use).
    #[arg(long)]
    currency: Option<String>,
    /// A CSV of exchange rates (`from,to,rate`) to use instead of the stored table.
    #[arg(long, value_name = "FILE")]
    rates: Option<PathBuf>,
    #[command(flatten)]
    db: DatabaseArgs,
}

/// Reads `from,to,rate` rows (a header line naming the columns first); problems name the line.
fn read_rates(path: &PathBuf) -> Result<Vec<FxRate>, String> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .map_err(|e| format!("{name}: line 1: {e}"))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>();
    let col = |n: &str| {
        header.iter().position(|h| h == n).ok_or_else(|| {
            format!("{name}: line 1: the header has no column {n} (expected from,to,rate)")
        })
    };
    let (from, to, rate) = (col("from")?, col("to")?, col("rate")?);
    let mut rates = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("{name}: line {line}: {e}"))?;
        let cell = |c: usize| record.get(c).unwrap_or("").to_owned();
        let value = cell(rate).parse::<Decimal>().map_err(|_| {
            format!(
                "{name}: line {line}, column rate: \"{}\" is not a decimal",
                cell(rate)
            )
        })?;
        rates.push(FxRate {
            from: cell(from).to_ascii_uppercase(),
            to: cell(to).to_ascii_uppercase(),
            rate: value,
        });
    }
    Ok(rates)
}

/// Exit 0 after writing the file; exit 2 naming the problem.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let Some(format) = Format::parse(&args.format) else {
        errln!(
            "--format: expected pdf, xlsx, csv or json, got \"{}\"",
            args.format
        );
        return Ok(ExitCode::from(2));
    };
    let period = match Period::new(args.from, args.to) {
        Ok(p) => p,
        Err(e) => {
            errln!("--to: the period {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let rates = match &args.rates {
        None => None,
        Some(path) => match read_rates(path) {
            Ok(r) => Some(r),
            Err(e) => {
                errln!("--rates: {e}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let settings = existing_settings(&args.db)?;
    init_logging(&settings.log_format);
    runtime()?.block_on(async move {
        let store = spendlens_store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening {}", redacted(&settings.database_url)))?;
        let mut orgs: Vec<OrgId> =
            store.all_campaigns().await?.into_iter().map(|c| c.org_id).collect();
        orgs.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
        orgs.dedup();
        let org = match &args.organization {
            // A mistyped id is named, not answered with an empty report.
            Some(o) if !orgs.iter().any(|known| known.as_str() == o.trim()) => {
                errln!("--organization: the database holds no campaign of organisation {o}");
                return Ok(ExitCode::from(2));
            }
            Some(o) => OrgId::new(o.trim()),
            None => {
                match orgs.as_slice() {
                    [one] => one.clone(),
                    [] => {
                        errln!("--organization: the database holds no campaign");
                        return Ok(ExitCode::from(2));
                    }
                    _ => {
                        errln!(
                            "--organization: the database holds {} organisations with campaigns; name one",
                            orgs.len()
                        );
                        return Ok(ExitCode::from(2));
                    }
                }
            }
        };
        // The time, once per command, from the one reader of the time.
        let now = SystemClock.now();
        let query = ReportQuery {
            period,
            currency: args.currency.as_ref().map(|c| c.trim().to_ascii_uppercase()),
            rates,
        };
        let (report, days) =
            match spendlens_app::finance::financial_report(store.as_ref(), &org, &query, now).await {
                Ok(r) => r,
                Err(FinanceAppError::Finance(e)) => {
                    errln!("{e}");
                    return Ok(ExitCode::from(2));
                }
                Err(e) => return Err(e.into()),
            };
        let bytes = render(&report, &days, format, now.date_naive())
            .map_err(|e| anyhow::anyhow!("rendering the report: {e}"))?;
        write_bytes(&args.output, &bytes)?;
        errln!(
            "{}: {} campaigns, {} to {}, in {}",
            args.output.display(),
            report.campaigns.len(),
            args.from,
            args.to,
            report.currency
        );
        Ok(ExitCode::SUCCESS)
    })
}
