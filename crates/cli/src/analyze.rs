//! `spendlens analyze`: the Budget & Financial Analysis of one campaign document.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;

use crate::output::{read_input, write_result};

/// Computes the Budget & Financial Analysis of a campaign (docs/analysis-contract.md).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The campaign document (JSON); `-` reads stdin.
    #[arg(long, short)]
    input: PathBuf,
    /// The day to analyse as of (YYYY-MM-DD); overrides `as_of` in the document.
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// Write the result here instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// Exit 0 with the result; exit 2 with one line per problem on stderr and nothing on stdout.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let text = match read_input(&args.input) {
        Ok(text) => text,
        Err(e) => {
            errln!("{}: {e}", args.input.display());
            return Ok(ExitCode::from(2));
        }
    };
    let input = match spendlens_contract::analysis::decode(&text, args.as_of) {
        Ok(input) => input,
        Err(problems) => {
            for line in problems.lines() {
                errln!("{line}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    let analysis = spendlens_core::analysis::analyze(&input);
    let mut json = serde_json::to_string_pretty(&spendlens_contract::analysis::encode(&analysis))?;
    json.push('\n');
    write_result(args.output.as_deref(), &json)?;
    Ok(ExitCode::SUCCESS)
}
