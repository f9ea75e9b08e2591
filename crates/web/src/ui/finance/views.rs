//! What the finance pages show, as text ready for the templates: ledger rows, the ROI panel,
//! the budget consumption panel and the alerts, with money in each figure's currency.

use chrono::{DateTime, Utc};
use spendlens_app::labels::{Label, pacing_verdict};
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
        // No revenue measured: no revenue and no net revenue to show, not 0.00 and minus the
        // investment (the report's rows say the same).
        revenue: if unmeasured {
            "Not measured".to_owned()
        } else {
            money(r.attributed_revenue, c)
        },
        net: if unmeasured {
            "Not measured".to_owned()
        } else {
            money(r.net_revenue, c)
        },
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
    /// The pacing verdict, worded as on the campaign list (`spendlens_app::labels`).
    pub pacing: String,
    /// The verdict's code, for the page's class and tests.
    pub pacing_code: &'static str,
    /// The seed's pace: the burn rate against the target daily spend ("–" without a budget).
    pub pace: String,
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
        // The verdict of the campaign list and the analysis page, the budget before the pace
        // (`spendlens_core::analysis::verdicts`), never the bare pace beside it.
        pacing: match judged {
            Some(_) if s.pacing_assumed => {
                format!("{}, on assumed dates", pacing_verdict(s.pacing, c))
            }
            _ => pacing_verdict(s.pacing, c),
        },
        pacing_code: s.pacing.as_str(),
        pace: judged.map_or_else(
            || "–".to_owned(),
            |(.., pace, _)| format!("{} of the target daily spend", pct(pace)),
        ),
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

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use spendlens_core::analysis::verdicts::PacingVerdict;
    use spendlens_core::analysis::{PacingStatus, Status};

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap_or_default()
    }

    fn verdicts() -> Vec<PacingVerdict> {
        let mut all = vec![
            PacingVerdict::OverBudget {
                by: Decimal::new(126_257, 2),
            },
            PacingVerdict::ProjectedOver {
                projected: Decimal::new(6_680_568, 2),
                over_by: Decimal::new(680_568, 2),
                end: day(21),
            },
            PacingVerdict::NoBudget,
            PacingVerdict::NotStarted { starts: day(24) },
        ];
        all.extend(PacingStatus::ALL.iter().map(|s| PacingVerdict::Pace(*s)));
        all
    }

    /// The finance page's words (the app's one map) are the analysis page's and the campaign
    /// list's, verdict by verdict.
    #[test]
    fn the_pacing_reads_as_on_the_campaign_list() {
        for v in verdicts() {
            assert_eq!(
                pacing_verdict(v, "USD"),
                crate::ui::analysis::pacing_verdict_label(v, "USD").0,
                "{v:?}"
            );
        }
    }

    /// The seed's pace inside ±15 % never stands for the pacing: the verdict does, and nothing
    /// is judged without a budget.
    #[test]
    fn the_panel_shows_the_verdict_not_the_bare_pace() {
        let mut s = BudgetStatus {
            as_of: day(7),
            currency: "USD".into(),
            budget: Some(Decimal::from(60_000)),
            spend: Decimal::new(4_453_712, 2),
            used_pct: Decimal::new(7423, 2),
            remaining: Some(Decimal::new(1_546_288, 2)),
            over_budget_by: None,
            status: Status::Excellent,
            pacing_pct: Decimal::new(11134, 2),
            pacing_status: PacingStatus::OnTrack,
            pacing: verdicts()[1],
            pacing_assumed: false,
            projected_exhaustion_date: Some(day(30)),
        };
        let view = budget_view(&s);
        assert_eq!(view.pacing, "Heading $6,805.68 over budget by 21 Dec 2026");
        assert_eq!(view.pacing_code, "projected_over_budget");
        assert_eq!(view.pace, "111.34% of the target daily spend");
        s.pacing_assumed = true;
        assert_eq!(
            budget_view(&s).pacing,
            "Heading $6,805.68 over budget by 21 Dec 2026, on assumed dates"
        );
        s.budget = None;
        s.pacing = PacingVerdict::NoBudget;
        let view = budget_view(&s);
        assert_eq!(
            (view.pacing.as_str(), view.status, view.pace.as_str()),
            ("No budget", "No budget", "–")
        );
    }
}
