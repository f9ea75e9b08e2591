//! Budget consumption: the seed's `trackBudgetConsumption`, as a pure function.
//!
//! The status comes from the Budget & Financial Analysis (`spendlens_core::analysis`), so the
//! alerts can never disagree with what the analysis page shows. The alerts:
//! - `budget_80`, `budget_95`, `budget_100`: the spend reached 80 %, 95 %, 100 % of the budget;
//! - `pacing_ahead`, `pacing_behind`: the pacing left the ±15 % band (the analysis' own
//!   `ahead` above 115 %, `behind` below 85 %). Pacing that rests on assumed dates (no budget or
//!   no start or end date) raises nothing.
//!
//! Each alert is raised once: the [`AlertState`] remembers which conditions hold and were already
//! raised. A condition that stops holding is forgotten silently, so it is raised again if it
//! comes back (a budget raised from 1 000 to 2 000 re-arms the 80 % alert; pacing back on track
//! re-arms the pacing alerts). Crossing several thresholds at once raises each of them.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::analysis::verdicts::PacingVerdict;
use spendlens_core::analysis::{Analysis, PacingStatus, Status, analyze};
use spendlens_core::campaign::PlatformSettings;
use spendlens_core::num;
use spendlens_core::totals::{analysis_input, totals_of_rows};

use crate::books::CampaignBook;

/// A budget alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    Budget80,
    Budget95,
    Budget100,
    PacingAhead,
    PacingBehind,
}

impl AlertKind {
    /// Every alert, in the order they are raised.
    pub const ALL: [AlertKind; 5] = [
        AlertKind::Budget80,
        AlertKind::Budget95,
        AlertKind::Budget100,
        AlertKind::PacingAhead,
        AlertKind::PacingBehind,
    ];

    /// The stable code used on the wire and in storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            AlertKind::Budget80 => "budget_80",
            AlertKind::Budget95 => "budget_95",
            AlertKind::Budget100 => "budget_100",
            AlertKind::PacingAhead => "pacing_ahead",
            AlertKind::PacingBehind => "pacing_behind",
        }
    }

    /// Parses the code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }
}

/// The alerts raised and still holding: what [`track_budget_consumption`] needs to raise each
/// alert once. Stored by the caller between runs; the empty state means "nothing raised yet".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertState {
    /// Sorted, without repeats.
    pub raised: Vec<AlertKind>,
}

/// The budget and pacing of a campaign as of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetStatus {
    pub as_of: NaiveDate,
    pub currency: String,
    /// `None` without a budget.
    pub budget: Option<Decimal>,
    /// Platform spend to date.
    pub spend: Decimal,
    pub used_pct: Decimal,
    pub remaining: Option<Decimal>,
    pub over_budget_by: Option<Decimal>,
    /// The analysis' budget status (excellent ≤ 80 %, good ≤ 95 %, warning ≤ 100 %, critical).
    pub status: Status,
    /// The seed's pace: the burn rate against the target daily spend (a stand-in without a
    /// budget).
    pub pacing_pct: Decimal,
    /// The seed's pace status (inside or outside the ±15 % band): what the pacing alerts watch.
    /// Never shown as the pacing: [`BudgetStatus::pacing`] is.
    pub pacing_status: PacingStatus,
    /// The pacing verdict every surface shows (`spendlens_core::analysis::verdicts`): the budget
    /// before the pace, a projection above the budget a warning, no verdict without a budget.
    pub pacing: PacingVerdict,
    /// True when pacing rests on assumed dates or no budget.
    pub pacing_assumed: bool,
    pub projected_exhaustion_date: Option<NaiveDate>,
}

impl BudgetStatus {
    /// What there is to judge: the share used, its status, and the pace with its status, when
    /// the campaign has a budget. Without one, the seed's figures (0 % used, "excellent", 100 %
    /// pace) are stand-ins, and no surface shows a verdict from them.
    pub fn judged(&self) -> Option<(Decimal, Status, Decimal, PacingStatus)> {
        self.budget.map(|_| {
            (
                self.used_pct,
                self.status,
                self.pacing_pct,
                self.pacing_status,
            )
        })
    }
}

/// One alert to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetAlert {
    pub kind: AlertKind,
    pub as_of: NaiveDate,
    pub used_pct: Decimal,
    pub pacing_pct: Decimal,
}

/// The result of tracking: the status, the alerts to raise now, and the state to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetConsumption {
    pub status: BudgetStatus,
    pub alerts: Vec<BudgetAlert>,
    pub state: AlertState,
}

/// The budget status the analysis gives.
pub fn budget_status(analysis: &Analysis) -> BudgetStatus {
    let overview = &analysis.overview;
    BudgetStatus {
        as_of: analysis.as_of,
        currency: analysis.currency.clone(),
        budget: overview.budget.budget,
        spend: analysis.totals.spend,
        used_pct: overview.budget.used_pct,
        remaining: overview.budget.remaining,
        over_budget_by: overview.budget.over_budget_by,
        status: overview.health.budget.status,
        pacing_pct: overview.pacing.pacing_pct,
        pacing_status: overview.pacing.status,
        pacing: PacingVerdict::of(analysis),
        pacing_assumed: overview.health.pacing.assumed,
        // A campaign past its end date spends no more: its budget runs out on no day.
        projected_exhaustion_date: overview.pacing.projected_exhaustion_date.filter(|_| {
            overview
                .pacing
                .end_date
                .is_none_or(|end| analysis.as_of <= end)
        }),
    }
}

/// Given the previous alert state and the current analysis, the alerts to raise now and the new
/// state. Pure: the caller stores the state and delivers the alerts.
pub fn track_budget_consumption(previous: &AlertState, analysis: &Analysis) -> BudgetConsumption {
    let status = budget_status(analysis);
    let has_budget = status.budget.is_some();
    let holds = |kind: AlertKind| match kind {
        AlertKind::Budget80 => has_budget && status.used_pct >= Decimal::from(80),
        AlertKind::Budget95 => has_budget && status.used_pct >= Decimal::from(95),
        AlertKind::Budget100 => has_budget && status.used_pct >= num::HUNDRED,
        AlertKind::PacingAhead => {
            !status.pacing_assumed && status.pacing_status == PacingStatus::Ahead
        }
        AlertKind::PacingBehind => {
            !status.pacing_assumed && status.pacing_status == PacingStatus::Behind
        }
    };
    let mut raised = Vec::new();
    let mut alerts = Vec::new();
    for kind in AlertKind::ALL {
        if !holds(kind) {
            continue;
        }
        if !previous.raised.contains(&kind) {
            alerts.push(BudgetAlert {
                kind,
                as_of: status.as_of,
                used_pct: status.used_pct,
                pacing_pct: status.pacing_pct,
            });
        }
        raised.push(kind);
    }
    BudgetConsumption {
        status,
        alerts,
        state: AlertState { raised },
    }
}

/// The analysis of a campaign as of `today`, from its daily rows up to that day (the analysis'
/// own window: all stored days up to `as_of`). Conversion values are left unset: only the budget
/// and pacing figures are read from it here.
pub fn analyse(book: &CampaignBook, today: NaiveDate) -> Analysis {
    let totals = totals_of_rows(book.rows.iter().filter(|r| r.date <= today));
    analyze(&analysis_input(
        today,
        &book.spec,
        &PlatformSettings::default(),
        &totals,
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use spendlens_core::DailyRow;
    use spendlens_core::Platform;
    use spendlens_core::campaign::{CampaignId, CampaignSpec};

    use crate::books::RevenueSeries;
    use crate::ledger::AttributionMethod;

    #[test]
    fn nothing_is_judged_without_a_budget() {
        let mut status = BudgetStatus {
            as_of: NaiveDate::MIN,
            currency: "USD".into(),
            budget: None,
            spend: Decimal::from(120),
            used_pct: Decimal::ZERO,
            remaining: None,
            over_budget_by: None,
            status: Status::Excellent,
            pacing_pct: Decimal::from(100),
            pacing_status: PacingStatus::OnTrack,
            pacing: PacingVerdict::NoBudget,
            pacing_assumed: true,
            projected_exhaustion_date: None,
        };
        assert_eq!(status.judged(), None);
        status.budget = Some(Decimal::from(1000));
        status.used_pct = Decimal::from(12);
        assert_eq!(
            status.judged(),
            Some((
                Decimal::from(12),
                Status::Excellent,
                Decimal::from(100),
                PacingStatus::OnTrack
            ))
        );
    }

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    /// A 30-day April campaign with a budget of 3000 (100 a day on target) and `daily` spend on
    /// each of the first `days` days.
    fn book(budget: Option<i64>, daily: i64, days: u32) -> CampaignBook {
        CampaignBook {
            id: CampaignId::new("c"),
            spec: CampaignSpec {
                name: "C".into(),
                currency: "USD".into(),
                budget: budget.map(Decimal::from),
                start_date: Some(date(4, 1)),
                end_date: Some(date(4, 30)),
                time_zone: "UTC".into(),
            },
            headcount: 1,
            rows: (1..=days)
                .map(|d| DailyRow {
                    spend: Decimal::from(daily),
                    ..DailyRow::empty(date(4, d), Platform::Meta, "x")
                })
                .collect(),
            channels: Vec::new(),
            revenue: RevenueSeries {
                reported: Vec::new(),
                credit: Vec::new(),
                credit_offline: Decimal::ZERO,
                method: AttributionMethod::LastTouch,
                basis: crate::books::RevenueBasis::default(),
                days: Vec::new(),
            },
        }
    }

    fn kinds(c: &BudgetConsumption) -> Vec<AlertKind> {
        c.alerts.iter().map(|a| a.kind).collect()
    }

    #[test]
    fn thresholds_are_raised_once_each() {
        // Day 10 at 100/day: 1000 of 3000 (33 %), pacing 100 %: nothing.
        let s0 = AlertState::default();
        let c = track_budget_consumption(&s0, &analyse(&book(Some(3000), 100, 10), date(4, 10)));
        assert!(c.alerts.is_empty());
        assert_eq!(c.status.used_pct.round_dp(2), Decimal::new(3333, 2));
        // Day 24 at 100/day: 2400 (80 %) → budget_80 once.
        let c =
            track_budget_consumption(&c.state, &analyse(&book(Some(3000), 100, 24), date(4, 24)));
        assert_eq!(kinds(&c), vec![AlertKind::Budget80]);
        let again =
            track_budget_consumption(&c.state, &analyse(&book(Some(3000), 100, 25), date(4, 25)));
        assert!(again.alerts.is_empty());
        // Day 30: 3000 (100 %) → 95 and 100 together.
        let c = track_budget_consumption(
            &again.state,
            &analyse(&book(Some(3000), 100, 30), date(4, 30)),
        );
        assert_eq!(kinds(&c), vec![AlertKind::Budget95, AlertKind::Budget100]);
        assert_eq!(
            c.state.raised,
            vec![
                AlertKind::Budget80,
                AlertKind::Budget95,
                AlertKind::Budget100
            ]
        );
        // The budget is raised to 6000: 50 % used, the thresholds re-arm silently; the pace is
        // now 100/day against 200/day, which is behind.
        let c =
            track_budget_consumption(&c.state, &analyse(&book(Some(6000), 100, 30), date(4, 30)));
        assert_eq!(kinds(&c), vec![AlertKind::PacingBehind]);
        assert_eq!(c.state.raised, vec![AlertKind::PacingBehind]);
    }

    #[test]
    fn pacing_alerts_fire_when_leaving_the_band() {
        // 150/day against a 100/day target: 150 % → ahead (and 10 days × 150 = 50 %, no budget
        // alert).
        let c = track_budget_consumption(
            &AlertState::default(),
            &analyse(&book(Some(3000), 150, 10), date(4, 10)),
        );
        assert_eq!(kinds(&c), vec![AlertKind::PacingAhead]);
        let c2 =
            track_budget_consumption(&c.state, &analyse(&book(Some(3000), 150, 11), date(4, 11)));
        assert!(c2.alerts.is_empty());
        // 80/day: 80 % → behind (directly from ahead).
        let c3 =
            track_budget_consumption(&c2.state, &analyse(&book(Some(3000), 80, 11), date(4, 11)));
        assert_eq!(kinds(&c3), vec![AlertKind::PacingBehind]);
        assert_eq!(c3.state.raised, vec![AlertKind::PacingBehind]);
        // Exactly 85 % is on track: the band is inclusive.
        let c4 =
            track_budget_consumption(&c3.state, &analyse(&book(Some(3000), 85, 11), date(4, 11)));
        assert!(c4.alerts.is_empty() && c4.state.raised.is_empty());
    }

    #[test]
    fn no_budget_no_alerts() {
        let c = track_budget_consumption(
            &AlertState::default(),
            &analyse(&book(None, 500, 10), date(4, 10)),
        );
        assert!(c.alerts.is_empty());
        assert!(c.status.pacing_assumed);
        assert_eq!(c.status.budget, None);
    }

    #[test]
    fn codes_round_trip() {
        for k in AlertKind::ALL {
            assert_eq!(AlertKind::parse(k.as_str()), Some(k));
        }
    }
}
