//! The `spendlens` binary: parses the command line and dispatches to one module per command.
#![forbid(unsafe_code)]

// First: the print macros (`outln!`, `errln!`) every command module uses.
#[macro_use]
mod output;

mod analyze;
mod attribute;
mod doctor;
mod import;
mod import_pdf;
mod keyfile;
mod mmm;
mod mmm_text;
mod optimize;
mod outbox;
mod pdf_text;
mod report;
mod roi;
mod serve;
mod sync;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc rather than glibc's allocator: after a large upload glibc keeps what each thread arena
/// reached (uploads are parsed on whichever blocking thread is free), so the server's resident
/// memory crept up upload after upload; mimalloc gives freed pages back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Split a budget over channels with response curves (certified optimum): a problem
    /// document, or a stored campaign from its own daily history (--campaign).
    Optimize(optimize::Args),
    /// Marketing-mix model: each channel's contribution to the KPI, ROI and marginal ROI with
    /// 90 % intervals, from daily or weekly totals (CSV or XLSX), calibrated by lift tests.
    Mmm(mmm::Args),
    /// Import a file (canonical CSV, platform exports, XLSX) into a campaign, all or nothing.
    Import(import::Args),
    /// ROI of a stored campaign on its full investment (payback, confidence).
    Roi(roi::Args),
    /// The organisation's financial report as PDF, XLSX, CSV or JSON.
    Report(report::Args),
    /// The messages waiting in the outbox (registration links), to pass on by hand.
    Outbox(outbox::Args),
    /// Run the web app and JSON API (SQLite by default, PostgreSQL for teams).
    Serve(serve::ServeArgs),
    /// Write the missing daily snapshots of every campaign once, then exit.
    Snapshot(serve::SnapshotArgs),
    /// Pull the platform API connections now (all authorised ones, or one, or a backfill).
    Sync(sync::Args),
    /// Check the platform API versions (and their sunset dates), each connection's token expiry
    /// and the connector configuration.
    Doctor(doctor::Args),
    /// The text of a PDF on standard input (the child the server reads PDFs in).
    #[command(name = "pdf-text", hide = true)]
    PdfText,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve(_) | Command::Import(_))
        && let Ok(isolation) = spendlens_app::isolation::Isolation::this_executable()
    {
        // PDFs uploaded to the server or imported are read in a child under limits.
        spendlens_app::isolation::isolate_pdf(isolation);
    }
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Attribute(args) => attribute::run(args),
        Command::Optimize(args) => optimize::run(&args),
        Command::Mmm(args) => mmm::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Roi(args) => roi::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Outbox(args) => outbox::run(&args),
        Command::Serve(args) => serve::serve(args),
        Command::Snapshot(args) => serve::snapshot(&args),
        Command::Sync(args) => sync::run(&args),
        Command::Doctor(args) => doctor::run(&args),
        Command::PdfText => pdf_text::run(),
    };
    match result {
        Ok(code) => code,
        // The reader closed the pipe (`| head`): it wants no more output, which is no failure.
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<output::Usage>().is_some() => {
            errln!("{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            errln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
