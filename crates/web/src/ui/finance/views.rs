//! What the finance pages show, as text ready for the templates: ledger rows, the ROI panel,
//! the budget consumption panel and the alerts, with money in each figure's currency.

use chrono::{DateTime, Utc};
use spendlens_app::labels::Label;
use spendlens_finance::LedgerEntry;
use spendlens_finance::budget::BudgetStatus;
use spendlens_finance::payback::Payback;
use spendlens_finance::roi::CampaignRoi;
use spendlens_store::finance::{StoredAlert, StoredEntry};

use crate::ui::format::{self, money, pct};

/// One row of a ledger table.
#[derive(Debug)]
pub struct LedgerRow {
    pub id: String,
    pub category: &'static str,
    pub amount: String,
    pub total: String,
    pub when: String,
    pub details: String,
}

pub(super) fn ledger_row(stored: &StoredEntry) -> LedgerRow {
    let e = &stored.entry;
    let c = e.currency();
    let (amount, when, details) = match e {
        LedgerEntry::MediaSpend(x) => (
            x.amount,
            format::date(x.allocation_date),
            format!("{} attribution", x.attribution_method.label()),
        ),
        LedgerEntry::CreativeProduction(x) => (
            x.amount,
            format::date(x.incurred_on),
            format!(
                "{} h · fixed {}",
                x.resource_hours,
                money(x.fixed_cost_allocation, c)
            ),
        ),
        LedgerEntry::PlatformFee(x) => (
            x.amount,
            x.billing_period.words(),
            // A platform spendlens knows by its name, any other as typed.
            x.platform
                .parse::<spendlens_core::Platform>()
                .map_or_else(|_| x.platform.clone(), |p| p.label().to_owned()),
        ),
        LedgerEntry::OperationalOverhead(x) => (
            x.amount,
            x.reporting_period.words(),
            x.allocation_method.label().to_owned(),
        ),
    };
    LedgerRow {
        id: stored.id.clone(),
        category: e.category().label(),
        amount: money(amount, c),
        total: money(e.total(), c),
        when,
        details,
    }
}

/// The ROI panel.
#[derive(Debug)]
pub struct RoiView {
    pub window: String,
    /// What the revenue rests on, naming the model actually used.
    pub attribution: String,
    pub campaign_costs: String,
    pub media: String,
    /// The named channels' part of the media, when the campaign has any in the window.
    pub offline_channels: Option<String>,
    pub creative: String,
    pub fees: String,
    pub operational: String,
    pub opportunity: String,
    pub total_investment: String,
    pub revenue: String,
    pub net: String,
    pub roi_pct: String,
    pub roas: String,
    /// The revenue is not measured: ROI and ROAS are figures of a zero revenue, said beside them.
    pub unmeasured: bool,
    pub payback: String,
    pub payback_status: &'static str,
    pub confidence: &'static str,
    pub interval: String,
}

pub(super) fn roi_view(r: &CampaignRoi) -> RoiView {
    let c = r.currency.as_str();
    let unmeasured = r.revenue_basis == spendlens_finance::books::RevenueBasis::Unmeasured;
    let payback = match r.payback {
        Payback::Reached { date, days } => {
            format!("Reached on {} (day {days})", format::date(date))
        }
        Payback::Projected { date, days } => {
            format!("Projected for {} (day {days})", format::date(date))
        }
        Payback::NotWithinHorizon => "Not within the horizon at the recent rates".to_owned(),
        Payback::NoInvestment => "No investment in the period".to_owned(),
        Payback::NotMeasured => "Revenue not measured".to_owned(),
    };
    RoiView {
        window: r.window.as_ref().map_or_else(
            || "no period (the campaign has no dates yet)".to_owned(),
            |p| format!("{} – {}", format::date(p.start()), format::date(p.end())),
        ),
        attribution: r.revenue_basis.label(),
        campaign_costs: money(r.costs.campaign_costs(), c),
        media: money(r.costs.media(), c),
        offline_channels: (!r.channels.is_empty()).then(|| money(r.costs.channel_spend, c)),
        creative: money(r.costs.creative, c),
        fees: money(r.costs.platform_fees, c),
        operational: money(r.costs.overhead, c),
        opportunity: money(r.costs.opportunity, c),
        total_investment: money(r.total_investment, c),
        revenue: money(r.attributed_revenue, c),
        net: money(r.net_revenue, c),
        roi_pct: match r.roi_percentage {
            Some(v) => pct(v),
            None if unmeasured => "Not measured".to_owned(),
            None => "n/a (nothing invested)".to_owned(),
        },
        roas: match r.roas {
            Some(v) => format::ratio(v),
            None if unmeasured => "Not measured".to_owned(),
            None => "n/a".to_owned(),
        },
        unmeasured,
        payback,
        payback_status: r.payback.as_str(),
        confidence: r.confidence.level.label(),
        interval: match r.confidence.interval {
            Some((lo, hi)) if r.confidence.resamples == 0 => {
                format!("{} to {} (the model's interval)", pct(lo), pct(hi))
            }
            Some((lo, hi)) => format!("{} to {}", pct(lo), pct(hi)),
            None if unmeasured => "no interval (revenue not measured)".to_owned(),
            None => "no interval (no day to resample)".to_owned(),
        },
    }
}

/// The budget consumption panel.
#[derive(Debug)]
pub struct BudgetView {
    pub as_of: String,
    pub budget: String,
    pub spend: String,
    pub used_pct: String,
    pub remaining: String,
    pub status: &'static str,
    pub pacing: String,
}

pub(super) fn budget_view(s: &BudgetStatus) -> BudgetView {
    let c = s.currency.as_str();
    // Nothing is judged without a budget (`BudgetStatus::judged`).
    let judged = s.judged();
    BudgetView {
        as_of: format::date(s.as_of),
        budget: s
            .budget
            .map_or_else(|| "no budget".to_owned(), |b| money(b, c)),
        spend: money(s.spend, c),
        used_pct: judged.map_or_else(|| "–".to_owned(), |(used, ..)| pct(used)),
        remaining: match (s.remaining, s.over_budget_by) {
            (_, Some(over)) => format!("over budget by {}", money(over, c)),
            (Some(r), None) => format!("{} left", money(r, c)),
            (None, None) => String::new(),
        },
        // The budget utilisation's status, in words (the seed's sub-score).
        status: judged.map_or("No budget", |(_, status, ..)| status.label()),
        // The budget before the pace, as on every page (`spendlens_core::analysis::verdicts`).
        pacing: match (s.over_budget_by, judged) {
            (Some(over), _) => format!("Budget exceeded by {}", money(over, c)),
            (None, None) => "No budget to pace against".to_owned(),
            (None, Some((.., pct_of_pace, pace))) => format!(
                "{} ({}){}",
                pace.label(),
                pct(pct_of_pace),
                if s.pacing_assumed { ", assumed" } else { "" }
            ),
        },
    }
}

/// One alert of a list.
#[derive(Debug)]
pub struct AlertRow {
    pub campaign_id: String,
    pub campaign: String,
    pub kind: &'static str,
    pub label: &'static str,
    pub figures: String,
    pub raised_at: String,
    pub delivery: String,
}

fn timestamp(t: DateTime<Utc>) -> String {
    spendlens_core::dates::moment(t)
}

pub(super) fn alert_row(a: &StoredAlert, campaign: String) -> AlertRow {
    let kind = a.alert.kind.as_str();
    let label = a.alert.kind.label();
    let c = a.alert.currency.as_str();
    let budget = a
        .alert
        .budget
        .map_or_else(|| "no budget".to_owned(), |b| money(b, c));
    let delivery = match (a.delivered_at, &a.last_error) {
        (Some(at), _) => format!("Delivered {}", timestamp(at)),
        (None, Some(err)) => format!("Not delivered after {} attempts: {err}", a.attempts),
        (None, None) if a.attempts > 0 => format!("Not delivered ({} attempts)", a.attempts),
        (None, None) => "Not sent (no webhook, or waiting)".to_owned(),
    };
    AlertRow {
        campaign_id: a.campaign_id.to_string(),
        campaign,
        kind,
        label,
        figures: format!(
            "{} used ({} platform-reported spend of {}) · pacing {} · as of {}",
            pct(a.alert.used_pct),
            money(a.alert.spend, c),
            budget,
            pct(a.alert.pacing_pct),
            format::date(a.alert.as_of)
        ),
        raised_at: timestamp(a.raised_at),
        delivery,
    }
}
