//! `spendlens optimize`: split a budget over channels with response curves.
//!
//! Two inputs: a problem document (`--input`, docs/optimize-contract.md; the maths and the JSON
//! contract live in `spendlens-optimize`), or a stored campaign (`--campaign`, an operator command
//! that opens the database like `spendlens roi`): its daily history fitted and planned by
//! `spendlens_app::optimization::optimize_campaign`, the use case of
//! `POST /api/campaigns/{id}/budget-optimization`, with the same JSON. This module only reads,
//! writes and maps errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use spendlens_app::optimization::{Optimization, OptimizationRequest, optimize_campaign, wording};
use spendlens_app::{AppError, Clock, SystemClock, today_in};
use spendlens_core::campaign::CampaignId;
use spendlens_optimize::FitOptions;
use spendlens_optimize::codec::{self, Mode};

use crate::output::{read_input, write_result};
use crate::serve::{DatabaseArgs, existing_settings, init_logging, redacted, runtime};

/// Splits a budget over channels to maximise the expected response (exact for concave curves,
/// with a proven optimality gap for S-shaped ones).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The problem as JSON (`total_budget`, `channels` with curves and bounds); `-` reads stdin.
    #[arg(
        long,
        short,
        required_unless_present = "campaign",
        conflicts_with = "campaign"
    )]
    input: Option<PathBuf>,
    /// Write the result here instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// budget (split total_budget), target_roas, target_marginal or min_budget; overrides the
    /// input's `mode`.
    #[arg(long, conflicts_with = "campaign")]
    mode: Option<String>,
    /// The target of the mode: a ROAS, a marginal return, or a total response.
    #[arg(long, conflicts_with = "campaign")]
    target: Option<f64>,
    /// A stored campaign to plan from its own daily history (instead of `--input`).
    #[arg(long)]
    campaign: Option<String>,
    #[command(flatten)]
    plan: PlanArgs,
}

/// What to plan for a stored campaign (`--campaign`): the API's body, as flags.
#[derive(Debug, clap::Args)]
struct PlanArgs {
    /// First day of the history the curves are fitted on (default: a year before --history-to,
    /// or the last 365 days up to today). For a data set from earlier years.
    #[arg(long, value_name = "DATE", requires = "campaign")]
    history_from: Option<NaiveDate>,
    /// Last day of the history the curves are fitted on.
    #[arg(long, value_name = "DATE", requires = "campaign")]
    history_to: Option<NaiveDate>,
    /// Budget for the planned period, in the campaign's currency (default: its remaining
    /// budget, else the history's last 28 days' spend rate × the period).
    #[arg(long, requires = "campaign")]
    budget: Option<Decimal>,
    /// First planned day (default tomorrow).
    #[arg(long, value_name = "DATE", requires = "campaign")]
    from: Option<NaiveDate>,
    /// Last planned day (default the campaign's end, or 4 weeks).
    #[arg(
        long,
        value_name = "DATE",
        requires = "campaign",
        conflicts_with = "weeks"
    )]
    to: Option<NaiveDate>,
    /// Weeks to plan.
    #[arg(long, requires = "campaign")]
    weeks: Option<u64>,
    /// revenue (default), profit or ltv.
    #[arg(long, requires = "campaign")]
    objective: Option<String>,
    /// observed (default: each channel within 0.5×–1.5× of its recent spend and at most 1.2×
    /// its highest daily spend; poorly fitted channels keep their spend) or open (any split).
    #[arg(long, value_name = "RANGE", requires = "campaign")]
    spend_range: Option<String>,
    /// `json` (default, the API's document) or `text`.
    #[arg(long, default_value = "json", requires = "campaign")]
    format: String,
    #[command(flatten)]
    db: DatabaseArgs,
}

/// Exit 0 with the answer, or 2 with one line per input problem on stderr and nothing on stdout.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let bad = |lines: Vec<String>| {
        for line in lines {
            errln!("{line}");
        }
        Ok(ExitCode::from(2))
    };
    if let Some(campaign) = &args.campaign {
        return plan_campaign(campaign, &args.plan, args.output.as_deref());
    }
    let Some(input) = &args.input else {
        return bad(vec!["--input or --campaign is needed".to_owned()]);
    };
    let mode = match args.mode.as_deref() {
        Some(name) => match Mode::parse(name, args.target) {
            Ok(m) => Some(m),
            Err(issue) => return bad(vec![issue.to_string()]),
        },
        None if args.target.is_some() => return bad(vec!["target: needs --mode".to_owned()]),
        None => None,
    };
    let text = match read_input(input) {
        Ok(t) => t,
        Err(e) => {
            return bad(vec![format!("input: cannot read {}: {e}", input.display())]);
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

/// The flag a field of the request is given with.
fn flag(field: &str) -> String {
    match field {
        "total_budget" => "--budget".to_owned(),
        "history" => "history".to_owned(),
        // A channel without conversion value: set in the campaign's settings, not by a flag.
        "settings" => "settings".to_owned(),
        other => format!("--{}", other.replace(['.', '_'], "-")),
    }
}

/// The app's message in the command's words: its `history.from` is `--history-from` here.
fn flag_words(message: &str) -> String {
    message
        .replace("history.from", "--history-from")
        .replace("history.to", "--history-to")
        .replace("give total_budget", "give --budget")
        .replace("spend_range \"open\"", "--spend-range open")
}

/// `--campaign`: the stored campaign's plan, as the API answers it (`json`) or for reading.
fn plan_campaign(
    campaign: &str,
    args: &PlanArgs,
    output: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let Some(json) = crate::output::json_or_text(&args.format) else {
        return Ok(ExitCode::from(2));
    };
    let mut request = OptimizationRequest {
        total_budget: args.budget,
        from: args.from,
        to: args.to,
        weeks: args.weeks,
        history_from: args.history_from,
        history_to: args.history_to,
        ..OptimizationRequest::default()
    };
    if let Some(code) = &args.objective {
        match spendlens_app::optimization::objective(code) {
            Ok(o) => request.objective = Some(o),
            Err(m) => {
                errln!("--objective: {m}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    if let Some(code) = &args.spend_range {
        match spendlens_app::optimization::spend_range(code) {
            Ok(r) => request.spend_range = r,
            Err(m) => {
                errln!("--spend-range: {m}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let settings = existing_settings(&args.db)?;
    init_logging(&settings.log_format);
    runtime()?.block_on(async move {
        let store = spendlens_store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening {}", redacted(&settings.database_url)))?;
        let id = CampaignId::new(campaign);
        let Some(found) = store.campaign_for_operator(&id).await? else {
            errln!("--campaign: no campaign with id {campaign}");
            return Ok(ExitCode::from(2));
        };
        // The time, once per command, from the one reader of the time.
        let today = today_in(SystemClock.now(), &found.spec.time_zone);
        let outcome = optimize_campaign(
            store.as_ref(),
            &found.org_id,
            &id,
            today,
            &request,
            &FitOptions::default(),
        )
        .await;
        let plan = match outcome {
            Ok(plan) => plan,
            Err(AppError::Invalid { field, message }) => {
                errln!("{}: {}", flag(&field), flag_words(&message));
                return Ok(ExitCode::from(2));
            }
            Err(AppError::Fields(problems)) => {
                for p in problems {
                    errln!("{}: {}", flag(&p.field), flag_words(&p.message));
                }
                return Ok(ExitCode::from(2));
            }
            Err(AppError::Optimize(e)) => {
                errln!("{e}");
                return Ok(ExitCode::from(2));
            }
            Err(e) => return Err(e.into()),
        };
        let out = if json {
            let mut s =
                serde_json::to_string_pretty(&spendlens_app::optimization::document(&plan))?;
            s.push('\n');
            s
        } else {
            text(&plan)
        };
        write_result(output, &out)?;
        Ok(ExitCode::SUCCESS)
    })
}

/// An amount of the plan as the pages and the plan's sentences write it: the currency, grouped
/// thousands and two decimals (`$15,462.88`, `GBP 180.00`).
fn money(value: Decimal, currency: &str) -> String {
    spendlens_report::currency::format_money(value, currency)
}

fn money_f64(value: f64, currency: &str) -> String {
    money(Decimal::from_f64(value).unwrap_or_default(), currency)
}

/// A change of spend with its sign (`+$12.00`, `-$3.50`, `$0.00`).
fn signed(change: Decimal, currency: &str) -> String {
    let text = money(change, currency);
    if change > Decimal::ZERO {
        format!("+{text}")
    } else {
        text
    }
}

/// The plan for reading: every amount with its currency.
fn text(o: &Optimization) -> String {
    let c = o.campaign.spec.currency.as_str();
    let plan = &o.plan;
    let imp = &plan.expected_improvement;
    let mut out = String::new();
    let mut line = |label: &str, value: String| out.push_str(&format!("{label:<22}{value}\n"));
    line(
        "campaign:",
        format!("{} ({})", o.campaign.id, o.campaign.spec.name),
    );
    line(
        "history:",
        format!("{} ({} days)", o.history, o.history.days()),
    );
    line(
        "period:",
        format!("{} to {} ({} days)", o.period.0, o.period.1, o.days.len()),
    );
    line(
        "budget:",
        money(plan.optimized_allocation.iter().map(|a| a.spend).sum(), c),
    );
    for (current, optimized) in plan
        .current_allocation
        .iter()
        .zip(&plan.optimized_allocation)
    {
        line(
            &format!("{}:", current.name),
            format!(
                "{} now, {} optimised ({})",
                money(current.spend, c),
                money(optimized.spend, c),
                signed(optimized.spend - current.spend, c)
            ),
        );
    }
    line(
        "expected gain:",
        format!(
            "{}{} (90 % interval {} to {})",
            money_f64(imp.point, c),
            imp.pct.map_or_else(String::new, |p| format!(", {p:+.1} %")),
            money_f64(imp.low, c),
            money_f64(imp.high, c)
        ),
    );
    out.push_str(&format!("{}\n", wording::improvement_summary(o)));
    let mut line = |label: &str, value: String| out.push_str(&format!("{label:<22}{value}\n"));
    // The expected value, with what it rests on (the API's `curves_basis`).
    line(
        "value now/optimised:",
        format!(
            "{} / {} (expected {} over the period, on {})",
            money(plan.current_value, c),
            money(plan.optimized_value, c),
            wording::objective_words(imp.objective),
            match (&o.mmm, imp.objective) {
                (Some(m), _) => format!("the marketing-mix model run {}'s curves", m.run_id),
                (None, spendlens_optimize::Objective::LtvValue) => {
                    "platform-reported conversions × the customer lifetime value".to_owned()
                }
                (None, _) => format!("{} revenue", o.daily_revenue.adjective()),
            }
        ),
    );
    line("curves basis:", wording::curves_basis(o));
    line(
        "risk:",
        format!("{:?}", plan.risk_assessment.level).to_lowercase(),
    );
    for sentence in wording::risk_sentences(o) {
        out.push_str(&format!("  {sentence}\n"));
    }
    let mut line = |label: &str, value: String| out.push_str(&format!("{label:<22}{value}\n"));
    for (i, p) in o.platforms.iter().enumerate() {
        let Some(fit) = o.model.channels.get(i) else {
            continue;
        };
        let or_dash = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| money_f64(v, c));
        line(
            &format!("{p} used:"),
            format!(
                "CAC {}, LTV {}, R² {:.3}",
                or_dash(fit.cac),
                or_dash(fit.ltv),
                fit.r_squared
            ),
        );
    }
    let weekday = o
        .model
        .seasonality
        .weekday
        .iter()
        .map(|v| format!("{v:.2}×"))
        .collect::<Vec<_>>()
        .join(" ");
    line("weekdays (Mon-Sun):", weekday);
    line(
        "period seasonality:",
        format!("{:.2}× an average day", o.model.period_index(&o.days)),
    );
    out
}
