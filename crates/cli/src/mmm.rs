//! `spendlens mmm`: the marketing-mix model of a table of periods (docs/mmm-contract.md).
//!
//! The file is read by `spendlens-ingest` (CSV with comma, semicolon or tab, or an XLSX's first
//! sheet, within the import limits); its columns are found by `spendlens_mmm::table` (the
//! contract's rules, shared with any later front end); the fit and the JSON are
//! `spendlens-mmm`'s. This module only reads, writes and reports errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use spendlens_mmm::table::{self, Columns, TableRow};
use spendlens_mmm::{MmmError, Options, codec, fit};

use crate::output::write_result;

/// Estimates how much of the KPI each channel (offline media included) caused, its ROI and
/// marginal ROI with 90 % intervals, from daily or weekly totals.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The table, one row per period: CSV (comma, semicolon or tab) or XLSX (first sheet).
    #[arg(long)]
    input: PathBuf,
    /// The KPI column.
    #[arg(long, default_value = "revenue")]
    kpi: String,
    /// The date column (default: the first named date, day, week, date_week or time).
    #[arg(long)]
    date: Option<String>,
    /// Spend columns (default: every <channel>_spend, spend_<channel> or <channel>_S column).
    #[arg(long, value_delimiter = ',')]
    spend: Vec<String>,
    /// Control columns (default: every other numeric column); a text column's values become
    /// indicators.
    #[arg(long, value_delimiter = ',')]
    controls: Vec<String>,
    /// Lift tests, CSV: channel,from,to,lift,lift_se and optionally spend.
    #[arg(long)]
    experiments: Option<PathBuf>,
    /// Posterior draws for the 90 % intervals.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    draws: u32,
    /// Seed of the draws: the same input and seed give byte-identical output.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// `json` (default, the contract's document) or `text` (the same figures for reading).
    #[arg(long, default_value = "json")]
    format: String,
    /// Write the answer here instead of stdout.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// The table's rows with the delimiter's hint about decimal commas.
fn read_table(path: &Path) -> anyhow::Result<(Vec<TableRow>, bool)> {
    // `-` is standard input, as for `analyze`, `attribute` and `optimize`.
    let bytes = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .context("reading standard input")?;
        bytes
    } else {
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
    };
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(spendlens_app::mmm::series::table_rows(&bytes, &name)?)
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let Some(json) = crate::output::json_or_text(&args.format) else {
        return Ok(ExitCode::from(2));
    };
    let (rows, decimal_comma) = read_table(&args.input)?;
    let input = args.input.display();
    let columns = Columns {
        kpi: Some(args.kpi.clone()),
        date: args.date.clone(),
        spend: args.spend.clone(),
        controls: args.controls.clone(),
        decimal_comma,
    };
    // A problem of the input is named on its file, and exits 2 as every command's bad input.
    let refuse = |file: &dyn std::fmt::Display, e: &dyn std::fmt::Display| {
        errln!("error: {file}: {e}");
        ExitCode::from(2)
    };
    let data = match table::dataset(&rows, &columns) {
        Ok(data) => data,
        Err(e) => return Ok(refuse(&input, &e)),
    };
    let experiments = match &args.experiments {
        Some(path) => {
            let (rows, decimal_comma) = read_table(path)?;
            match table::experiments(&rows, decimal_comma) {
                Ok(tests) if tests.is_empty() => {
                    return Ok(refuse(&path.display(), &"no lift test in the file"));
                }
                Ok(tests) => tests,
                Err(e) => return Ok(refuse(&path.display(), &e)),
            }
        }
        None => Vec::new(),
    };
    let options = Options {
        draws: usize::try_from(args.draws).unwrap_or(500),
        seed: args.seed,
    };
    let model = match fit(&data, &experiments, &options) {
        Ok(model) => model,
        // A lift test the data cannot take is the experiments file's problem.
        Err(e @ MmmError::Experiment { .. }) => {
            let file = args.experiments.as_deref().unwrap_or(&args.input);
            return Ok(refuse(&file.display(), &e));
        }
        Err(e) => return Ok(refuse(&input, &e)),
    };
    let answer = if json {
        codec::to_json(&model)
    } else {
        crate::mmm_text::text(&codec::encode(&model))
    };
    write_result(args.output.as_deref(), &answer)?;
    Ok(ExitCode::SUCCESS)
}
