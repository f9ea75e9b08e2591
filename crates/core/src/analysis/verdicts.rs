//! Verdicts only from what is known: what every surface (the analysis API's `verdicts`, the
//! pages, the campaign list, the reports) may say about a campaign, decided once from an
//! [`Analysis`].
//!
//! The seed's analysis keeps its formulas and codes (the contract): a campaign without a
//! conversion value still gets the seed's `performance: negative`, tiers and performers computed
//! on the default order value. Those are figures of an assumption, not of the campaign, so
//! nothing may present them as a verdict: [`Verdicts`] withholds every revenue-based verdict when
//! the revenue is not measured (no platform-reported revenue, no conversion value, no configured
//! order value) and names what is missing and where to set it. Pacing is judged against the
//! budget first: spend above the budget overrides every pacing status, and a projection that ends
//! above the budget is a warning even while the pace is inside ±15 %.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::result::{
    Analysis, AovSource, Opportunity, PacingStatus, Performance, PlatformRow, RevenueSource,
};
use crate::platform::Platform;

/// An input whose absence withholds a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MissingInput {
    /// No revenue measured: no platform reported revenue, no conversion value (Meta, Google
    /// Ads, LinkedIn) and no average order value was set.
    ConversionValue,
    /// No budget: no utilisation, pacing or projection verdict.
    Budget,
}

impl MissingInput {
    /// The stable code on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            MissingInput::ConversionValue => "conversion_value",
            MissingInput::Budget => "budget",
        }
    }

    /// What is missing and where to set it, for people.
    pub const fn sentence(self) -> &'static str {
        match self {
            MissingInput::ConversionValue => {
                "No revenue is measured (no platform reports revenue and no conversion value or \
                 order value is set), so there is no ROI or ROAS verdict, performer or tier. Set a \
                 conversion value or order value in the campaign's settings, or import revenue."
            }
            MissingInput::Budget => {
                "No budget is set, so there is no pacing verdict. Set the budget in the campaign's \
                 settings."
            }
        }
    }
}

/// The pacing verdict: the budget first, then the pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacingVerdict {
    /// Spend is above the budget, by this amount: overrides every pace.
    OverBudget { by: Decimal },
    /// At the current burn rate, spend reaches `projected` by the end date, `over_by` above the
    /// budget: a warning even when the pace is inside ±15 %.
    ProjectedOver {
        projected: Decimal,
        over_by: Decimal,
        end: NaiveDate,
    },
    /// The seed's pace (ahead, on track, behind) against the target daily spend.
    Pace(PacingStatus),
    /// No budget: no pace to judge.
    NoBudget,
    /// The campaign starts after the analysis' day (`starts`): no day of it has passed, so it has
    /// no pace to judge yet (the seed's pace would call it behind).
    NotStarted { starts: NaiveDate },
}

impl PacingVerdict {
    /// The pacing verdict of `a`: what every surface says of its pace (the campaign list, the
    /// analysis page, the finance page, the financial report and the budget-consumption API).
    pub fn of(a: &Analysis) -> PacingVerdict {
        pacing(a)
    }

    /// The stable code on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            PacingVerdict::OverBudget { .. } => "over_budget",
            PacingVerdict::ProjectedOver { .. } => "projected_over_budget",
            PacingVerdict::Pace(s) => s.as_str(),
            PacingVerdict::NoBudget => "no_budget",
            PacingVerdict::NotStarted { .. } => "not_started",
        }
    }

    /// Whether the verdict is a warning (over budget now or by the end).
    pub const fn is_warning(self) -> bool {
        matches!(
            self,
            PacingVerdict::OverBudget { .. } | PacingVerdict::ProjectedOver { .. }
        )
    }
}

/// What may be said about a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdicts {
    /// Whether the revenue (and so ROI and ROAS) is measured rather than the seed's default
    /// order value.
    pub revenue_measured: bool,
    /// The performance verdict, `None` when the revenue is not measured.
    pub performance: Option<Performance>,
    /// Whether top and bottom performers, ROAS tiers, badges and the allocation
    /// recommendations may be shown (they rank platforms by ROAS).
    pub ranks_platforms: bool,
    pub pacing: PacingVerdict,
    /// The health score to lead with: the measured score when any sub-score was assumed (the
    /// seed's score stays available, labelled as such), else the seed's.
    pub lead_score: Option<u32>,
    /// Whether the seed's score rests on assumed inputs.
    pub score_assumed: bool,
    /// What is missing, in a stable order.
    pub missing: Vec<MissingInput>,
    /// The platforms whose revenue rests on a value per conversion that is not their own, in
    /// platform order: a verdict ranking them by ROAS says so (empty when the revenue is not
    /// measured, since then no such verdict is given).
    pub borrowed: Vec<BorrowedValue>,
}

/// A platform whose revenue is its conversions × a value per conversion that is not its own:
/// the campaign's order value, taken from LinkedIn's conversion value, GA4 or the custom
/// integration (the seed's order-value priority). Its ROAS is then its conversions per unit of
/// spend at that value, and holds only as far as its conversions are worth that much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BorrowedValue {
    pub platform: Platform,
    /// The value each of its conversions was given.
    pub per_conversion: Decimal,
    /// Where that value comes from.
    pub from: AovSource,
}

impl BorrowedValue {
    /// The borrowed value of `r`'s revenue, if it rests on one: an estimate with revenue, not
    /// from the platform's own conversion value. Meta and Google Ads take the campaign's
    /// estimated order value, the custom integration and Sheets its fallback (GA4, then the
    /// custom integration); LinkedIn only ever uses its own value.
    fn of(r: &PlatformRow, a: &Analysis) -> Option<BorrowedValue> {
        if r.revenue_source != RevenueSource::Estimated || r.own_value || r.revenue.is_zero() {
            return None;
        }
        let (per_conversion, from) = match r.platform {
            Platform::Meta | Platform::GoogleAds => (a.aov.estimated, a.aov.source),
            Platform::CustomIntegration | Platform::Sheets => {
                (a.aov.fallback, a.aov.fallback_source)
            }
            Platform::LinkedIn | Platform::Ga4 => return None,
        };
        Some(BorrowedValue {
            platform: r.platform,
            per_conversion,
            from,
        })
    }
}

impl Verdicts {
    /// Decides the verdicts of `a`.
    pub fn of(a: &Analysis) -> Verdicts {
        let h = &a.overview.health;
        let revenue_measured = !h.roi.assumed;
        let pacing = PacingVerdict::of(a);
        let mut missing = Vec::new();
        if !revenue_measured {
            missing.push(MissingInput::ConversionValue);
        }
        if a.overview.budget.budget.is_none() {
            missing.push(MissingInput::Budget);
        }
        let score_assumed = h.inputs_used < 4;
        Verdicts {
            revenue_measured,
            performance: revenue_measured.then_some(a.insights.summary.performance),
            ranks_platforms: revenue_measured,
            pacing,
            // A campaign that has not started and spent nothing has nothing to score: its 0 %
            // of the budget used is no sign of health.
            lead_score: if matches!(pacing, PacingVerdict::NotStarted { .. })
                && a.totals.spend.is_zero()
            {
                None
            } else if score_assumed {
                h.measured_score
            } else {
                Some(h.score)
            },
            score_assumed,
            missing,
            borrowed: if revenue_measured {
                a.platforms
                    .iter()
                    .filter_map(|r| BorrowedValue::of(r, a))
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// The borrowed values among `platforms`.
    pub fn borrowed_among(&self, platforms: &[Platform]) -> Vec<BorrowedValue> {
        self.borrowed
            .iter()
            .filter(|b| platforms.contains(&b.platform))
            .copied()
            .collect()
    }

    /// Whether an opportunity may be shown: those resting on ROAS need measured revenue, and
    /// "increase the budget" makes no sense once the budget is exceeded.
    pub fn shows(&self, o: Opportunity) -> bool {
        match o {
            Opportunity::ScaleBudget => self.revenue_measured,
            Opportunity::IncreaseBudget => {
                self.revenue_measured && !matches!(self.pacing, PacingVerdict::OverBudget { .. })
            }
            Opportunity::ImproveCvr | Opportunity::ImproveCtr | Opportunity::NoSpendData => true,
        }
    }
}

fn pacing(a: &Analysis) -> PacingVerdict {
    let b = &a.overview.budget;
    let p = &a.overview.pacing;
    let Some(budget) = b.budget else {
        return PacingVerdict::NoBudget;
    };
    if let Some(by) = b.over_budget_by {
        return PacingVerdict::OverBudget { by };
    }
    if a.as_of < p.start_date {
        return PacingVerdict::NotStarted {
            starts: p.start_date,
        };
    }
    if let Some(end) = p.end_date
        && end > a.as_of
    {
        let days_left = Decimal::from((end - a.as_of).num_days());
        // The spend the budget judges (the campaign's to date, also for a window's analysis):
        // what is left of the budget, taken from it.
        let spent = b.remaining.map_or(a.totals.spend, |left| budget - left);
        let projected = spent.saturating_add(p.daily_burn_rate.saturating_mul(days_left));
        if projected > budget {
            return PacingVerdict::ProjectedOver {
                projected,
                over_by: projected - budget,
                end,
            };
        }
    }
    PacingVerdict::Pace(p.status)
}
