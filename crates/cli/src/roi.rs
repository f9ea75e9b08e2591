//! `spendlens roi --campaign ID`: a stored campaign's ROI on its full investment, as the API's
//! `GET /api/campaigns/{id}/roi` answers it (the same use case, the same JSON).
//!
//! An operator command on the server machine: it opens the database directly (`--database-url`
//! or `SPENDLENS_DATABASE_URL`, as `spendlens import`).

use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use spendlens_app::finance::FinanceAppError;
use spendlens_app::{Clock, SystemClock};
use spendlens_core::campaign::CampaignId;
use spendlens_finance::{CampaignRoi, Payback};

use crate::output::write_result;
use crate::serve::{DatabaseArgs, existing_settings, init_logging, redacted, runtime};

/// `spendlens roi`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The campaign id.
    #[arg(long)]
    campaign: String,
    /// First day of the window (YYYY-MM-DD); default the campaign's start.
    #[arg(long, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// Last day of the window (YYYY-MM-DD); default today in the campaign's time zone.
    #[arg(long, value_name = "DATE")]
    to: Option<NaiveDate>,
    /// `json` (default, the API's document) or `text`.
    #[arg(long, default_value = "json")]
    format: String,
    #[command(flatten)]
    db: DatabaseArgs,
}

fn text(r: &CampaignRoi) -> String {
    use spendlens_core::num::round_half_away as round;
    let c = &r.currency;
    // Money with its cents, always: `5400.00 USD` (rounded half away, then written to 2 places).
    let money = |x: rust_decimal::Decimal| format!("{:.2} {c}", round(x, 2));
    let mut out = String::new();
    let mut line = |label: &str, value: String| out.push_str(&format!("{label:<22}{value}\n"));
    line("campaign:", r.campaign_id.to_string());
    if let Some(w) = r.window {
        line("window:", format!("{} to {}", w.start(), w.end()));
    }
    line("attribution:", r.attribution.as_str().to_owned());
    line("media spend:", money(r.costs.media()));
    if !r.channels.is_empty() {
        // Named channels (TV, radio...): part of the media spend, shown apart.
        line("  offline channels:", money(r.costs.channel_spend));
    }
    line("creative:", money(r.costs.creative));
    line("platform fees:", money(r.costs.platform_fees));
    line("overhead:", money(r.costs.overhead));
    line("opportunity cost:", money(r.costs.opportunity));
    line("total investment:", money(r.total_investment));
    // What the revenue is, beside it: the figure differs by basis.
    line("revenue basis:", r.revenue_basis.label());
    line("revenue:", money(r.attributed_revenue));
    line("net revenue:", money(r.net_revenue));
    line(
        "ROI:",
        match r.roi_percentage {
            Some(p) => format!("{p} %"),
            None if r.payback == Payback::NotMeasured => "not measured".to_owned(),
            None => "n/a (nothing invested)".to_owned(),
        },
    );
    line(
        "ROAS:",
        r.roas
            .map_or_else(|| "n/a".to_owned(), |v| format!("{}", round(v, 2))),
    );
    line(
        "payback:",
        match r.payback {
            Payback::Reached { date, days } => format!("reached on {date} (day {days})"),
            Payback::Projected { date, days } => format!("projected for {date} (day {days})"),
            Payback::NotWithinHorizon => "not within horizon".to_owned(),
            Payback::NoInvestment => "no investment".to_owned(),
            Payback::NotMeasured => "revenue not measured".to_owned(),
        },
    );
    line(
        "confidence:",
        match r.confidence.interval {
            // On modelled revenue the interval is the model's, not a resampling of days.
            Some((lo, hi)) if r.confidence.resamples == 0 => format!(
                "{} (the model's 90 % interval {lo} % to {hi} %)",
                r.confidence.level.as_str()
            ),
            Some((lo, hi)) => format!(
                "{} (90 % interval {lo} % to {hi} %)",
                r.confidence.level.as_str()
            ),
            None => r.confidence.level.as_str().to_owned(),
        },
    );
    out
}

/// Exit 0 with the ROI; exit 2 naming the problem (unknown campaign, bad window, missing rate).
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let Some(json) = crate::output::json_or_text(&args.format) else {
        return Ok(ExitCode::from(2));
    };
    let settings = existing_settings(&args.db)?;
    init_logging(&settings.log_format);
    runtime()?.block_on(async move {
        let store = spendlens_store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening {}", redacted(&settings.database_url)))?;
        let id = CampaignId::new(&args.campaign);
        let Some(campaign) = store.campaign_for_operator(&id).await? else {
            errln!("--campaign: no campaign with id {}", args.campaign);
            return Ok(ExitCode::from(2));
        };
        // The time, once per command, from the one reader of the time.
        let now = SystemClock.now();
        let roi = match spendlens_app::finance::campaign_roi(
            store.as_ref(),
            &campaign.org_id,
            &id,
            args.from,
            args.to,
            now,
        )
        .await
        {
            Ok(roi) => roi,
            Err(FinanceAppError::Finance(e)) => {
                errln!("{e}");
                return Ok(ExitCode::from(2));
            }
            Err(e) => return Err(e.into()),
        };
        let out = if json {
            let mut s =
                serde_json::to_string_pretty(&spendlens_finance::encode::campaign_roi(&roi))?;
            s.push('\n');
            s
        } else {
            text(&roi)
        };
        write_result(None, &out)?;
        Ok(ExitCode::SUCCESS)
    })
}
