//! `spendlens optimize`: split a budget over channels with response curves
//! (docs/optimize-contract.md). The maths and the JSON contract live in
//! `spendlens-optimize`; this module only reads, writes and maps errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use spendlens_optimize::codec::{self, Mode};

use crate::output::{read_input, write_result};

/// Splits a budget over channels to maximise the expected response (exact for concave curves,
/// with a proven optimality gap for S-shaped ones).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The problem as JSON (`total_budget`, `channels` with curves and bounds); `-` reads stdin.
    #[arg(long, short)]
    input: PathBuf,
    /// Write the result here instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// budget (split total_budget), target_roas, target_marginal or min_budget; overrides the
    /// input's `mode`.
    #[arg(long)]
    mode: Option<String>,
    /// The target of the mode: a ROAS, a marginal return, or a total response.
    #[arg(long)]
    target: Option<f64>,
}

/// Exit 0 with the answer, or 2 with one line per input problem on stderr and nothing on stdout.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let bad = |lines: Vec<String>| {
        for line in lines {
            errln!("{line}");
        }
        Ok(ExitCode::from(2))
    };
    let mode = match args.mode.as_deref() {
        Some(name) => match Mode::parse(name, args.target) {
            Ok(m) => Some(m),
            Err(issue) => return bad(vec![issue.to_string()]),
        },
        None if args.target.is_some() => return bad(vec!["target: needs --mode".to_owned()]),
        None => None,
    };
    let text = match read_input(&args.input) {
        Ok(t) => t,
        Err(e) => {
            return bad(vec![format!(
                "input: cannot read {}: {e}",
                args.input.display()
            )]);
        }
    };
    match codec::run_json(&text, mode) {
        Ok(json) => {
            write_result(args.output.as_deref(), &(json + "\n"))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => bad(e.issues().iter().map(ToString::to_string).collect()),
    }
}
