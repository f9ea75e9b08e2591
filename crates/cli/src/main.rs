//! The `spendlens` binary: parses the command line and dispatches to one module per command.
#![forbid(unsafe_code)]

mod analyze;
mod attribute;
mod optimize;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "spendlens", version, about = "What your ad money is doing.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Budget & Financial Analysis of one campaign document.
    Analyze(analyze::Args),
    /// Multi-touch attribution of conversions to channels (heuristics, Markov, Shapley).
    Attribute(attribute::Args),
    /// Split a budget over channels with response curves (certified optimum).
    Optimize(optimize::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Attribute(args) => attribute::run(args),
        Command::Optimize(args) => optimize::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
