//! Budget optimisation of a stored campaign: its daily series per platform → one history per
//! channel (`series`) → response curves fitted by `spendlens-optimize` (with its fallbacks for
//! thin data) → the cautious limits of each channel (`caution`) → the seed-shaped plan, with the
//! improvement and the risks in sentences (`wording`) and the answer's document (`document`).
//!
//! The channels are the campaign's ad platforms with spend in the history window (by default the
//! last [`HISTORY_DAYS`] days up to today; `history.from`/`history.to` choose another, so a data
//! set from earlier years can be used: a [`DateWindow`], the type the marketing-mix model shares).
//! The response of a day is its revenue as the analysis values it (reported revenue, else the
//! conversion value, else the average order value per conversion); for the `ltv` objective,
//! conversions × LTV (configured per channel, or revenue per conversion). A channel with spend
//! and no response (no conversion value anywhere) has nothing to fit: the answer says so, per
//! channel, and where its value is set.
//!
//! The current spend of each channel for the period is its share of the recent spend (the last
//! [`RECENT_DAYS`] days with ad spend) applied to the budget. By default each channel then moves
//! only within the range it has been run at, and a channel whose curve cannot be trusted keeps its
//! spend and the plan says why (`caution`); the request widens that per channel (`bounds`) or
//! for all (`spend_range: "open"`).
//!
//! Named channels (TV, radio, podcasts...) have no revenue response of their own: they are
//! listed beside the plan, frozen at their current spend (`channels`).
//!
//! The request and its rules are in `request` (re-exported here).

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use spendlens_core::campaign::{Campaign, CampaignId, OrgId};
use spendlens_core::{DateWindow, Platform};
use spendlens_optimize::{BudgetPlan, FitOptions, FittedModel, Objective, PlanRequest};

use crate::AppError;

pub mod caution;
mod channels;
mod document;
pub mod mmm_curves;
mod request;
mod series;
pub mod wording;

pub use caution::{ChannelLimits, Hold, Limit, SpendRange, spend_range};
pub use channels::{FROZEN_REASON, FrozenChannel, frozen_channels};
pub use document::{document, months_seen};
use series::{DayFigures, Series};

pub use mmm_curves::MmmCurves;
pub use request::{
    CurvesSource, GROUP_CHANNELS_EXPECTED, Grouped, OptimizationRequest, bounds, channel_key,
    curves, group_name, history, history_ends, listed_channel, objective, period, positive, share,
    weeks,
};

/// Days of history read by default, and from or to a single given end (a year: enough for the
/// month-of-year seasonality to mean something).
pub const HISTORY_DAYS: u64 = 365;
/// The longest history window: three years (the fit's work grows with the days).
pub const MAX_HISTORY_DAYS: u64 = 1096;
/// The days whose spend rate sets the default budget (the last four weeks of the history) and
/// each channel's recent spend (the last four weeks with ad spend).
pub const RECENT_DAYS: u64 = 28;
/// Fewest days with spend a channel needs before any curve is fitted to it. Below 21 the crate
/// fits a simpler concave curve and says so in the risk assessment.
pub const MIN_DAYS_WITH_SPEND: usize = 7;
/// The planned period when neither dates nor weeks are given and the campaign has no end ahead.
pub const DEFAULT_WEEKS: u64 = 4;
/// The longest planned period.
pub const MAX_PERIOD_DAYS: u64 = 366;

/// A plan with what it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimization {
    pub campaign: Campaign,
    /// The channels, in plan order.
    pub platforms: Vec<Platform>,
    pub period: (NaiveDate, NaiveDate),
    /// The days the curves were fitted on.
    pub history: DateWindow,
    /// The first to the last day with ad rows in the history (the months seasonality saw).
    pub fitted: DateWindow,
    /// The recent days: each channel's recent spend is its spend rate over them.
    pub recent: DateWindow,
    /// How far channels without bounds of their own could move.
    pub spend_range: SpendRange,
    /// The fitted curves (for the response-curve chart), CAC, LTV and seasonality.
    pub model: FittedModel,
    pub plan: BudgetPlan,
    /// Per channel, in plan order: the limits it was held to and what they rest on.
    pub limits: Vec<ChannelLimits>,
    /// Every planned day (the curves of the chart are period curves over them).
    pub days: Vec<NaiveDate>,
    /// The campaign's named channels in the history window, each frozen at its current spend
    /// beside the plan (see `channels`).
    pub offline_channels: Vec<FrozenChannel>,
    /// The marketing-mix model run whose curves the plan used (`None`: curves fitted to the
    /// history).
    pub mmm: Option<MmmCurves>,
    /// Where the daily revenue the curves were fitted to came from (see
    /// [`wording::curves_basis`]).
    pub daily_revenue: wording::DailyRevenue,
}

fn f64_of(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// The answer when no ad platform has spend in the history window: it names the window and
/// says where the campaign's spend is, to pass as `history.from`/`history.to`.
async fn no_spend(
    store: &dyn spendlens_store::Store,
    org: &OrgId,
    id: &CampaignId,
    request: &OptimizationRequest,
    window: &DateWindow,
    today: NaiveDate,
) -> Result<AppError, AppError> {
    // Only on this error path: every day the campaign has, to say where its spend lies.
    let earliest = spendlens_core::limits::earliest_date();
    let all = store
        .daily_series(org, id, earliest, today.max(window.to()))
        .await?;
    let mut spent = all
        .iter()
        .filter(|r| r.platform.is_ad_platform() && r.spend > Decimal::ZERO)
        .map(|r| r.date);
    let first = spent.next();
    let last = spent.next_back().or(first);
    let which = if request.history_from.is_none() && request.history_to.is_none() {
        format!(" (the history window: by default the last {HISTORY_DAYS} days)")
    } else {
        " (the history window)".to_owned()
    };
    let hint = match (first, last) {
        (Some(a), Some(b)) => {
            let span = DateWindow::new(a, b).map_or(1, |w| w.days());
            let limit = if span > MAX_HISTORY_DAYS {
                format!(" (at most {MAX_HISTORY_DAYS} days of them)")
            } else {
                String::new()
            };
            format!(
                "; the campaign's ad spend runs from {a} to {b}: pass history.from and \
                 history.to to fit on those days{limit}"
            )
        }
        _ => format!(
            "; the campaign has no ad spend on any day yet: import its data first (and pass \
             history.from and history.to when it covers other days); each channel needs at \
             least {MIN_DAYS_WITH_SPEND} days with spend"
        ),
    };
    Ok(AppError::invalid(
        "history",
        format!("no ad platform has spend from {window}{which}{hint}"),
    ))
}

/// Fits the campaign's history and plans the period (see the module documentation).
/// `AppError::NotFound` for a campaign outside `org`; `AppError::Fields` for a request breaking
/// [`OptimizationRequest::check`]'s rules or limits that cannot be met together (in the
/// request's fields, naming the defaults when they took part); `AppError::Invalid` naming the
/// field for a request the history cannot serve, `history` when there is not enough history, and
/// `settings` when a channel has spend but no revenue to fit (no conversion value).
pub async fn optimize_campaign(
    store: &dyn spendlens_store::Store,
    org: &OrgId,
    id: &CampaignId,
    today: NaiveDate,
    request: &OptimizationRequest,
    fit_options: &FitOptions,
) -> Result<Optimization, AppError> {
    let campaign = store.campaign(org, id).await?.ok_or(AppError::NotFound)?;
    request.check().map_err(AppError::Fields)?;
    let window = request
        .history_window(today)
        .map_err(|(field, message)| AppError::invalid(field, message))?;
    let rows = store
        .daily_series(org, id, window.from(), window.to())
        .await?;
    // Days are valued as the analysis values them (reported revenue, else the conversion value,
    // else the average order value), so LinkedIn's configured value per lead counts.
    let platform_settings = store.settings(org, id).await?.unwrap_or_default();
    let totals = store.platform_totals(org, id, today).await?;
    let input = spendlens_core::totals::analysis_input(
        today,
        &campaign.spec,
        &platform_settings,
        &totals,
        None,
    );
    let aov = spendlens_core::analysis::aov(&input.platforms);

    // What the campaign has spent so far (its remaining budget is the default budget).
    let spent_total: Decimal = totals
        .iter()
        .filter(|t| t.platform.is_ad_platform())
        .map(|t| t.spend)
        .sum();

    // Per platform: each day's spend, revenue and conversions.
    let mut series = Series::default();
    let recent_budget = window.last(RECENT_DAYS);
    let mut recent_spend = Decimal::ZERO;
    let mut daily_revenue = wording::DailyRevenue::default();
    for row in &rows {
        if !row.platform.is_ad_platform() {
            continue;
        }
        if recent_budget.contains(row.date) {
            recent_spend += row.spend;
        }
        let revenue = crate::finance::row_revenue(row, &platform_settings, &aov, &input.platforms);
        daily_revenue.add(row.revenue.is_some(), revenue);
        series.add(
            row.platform,
            row.date,
            DayFigures {
                spend: row.spend,
                revenue,
                conversions: f64_of(row.conversions),
            },
        );
    }
    series.keep_spending();
    if series.0.is_empty() {
        return Err(no_spend(store, org, id, request, &window, today).await?);
    }
    let mut thin = Vec::new();
    for (platform, days) in &series.0 {
        let with_spend = days.values().filter(|d| d.spend > Decimal::ZERO).count();
        if with_spend < MIN_DAYS_WITH_SPEND {
            thin.push(format!("{platform} has {with_spend}"));
        }
    }
    if !thin.is_empty() {
        return Err(AppError::invalid(
            "history",
            format!(
                "not enough history: {} day(s) with spend; every channel needs at least \
                 {MIN_DAYS_WITH_SPEND} days with spend (21 or more for a full S-curve fit)",
                thin.join(", ")
            ),
        ));
    }
    let platforms: Vec<Platform> = series.0.keys().copied().collect();
    for (field, keys) in [
        ("ltv", request.ltv.keys().copied().collect::<Vec<_>>()),
        ("bounds", request.bounds.keys().copied().collect()),
        ("frozen", request.frozen.clone()),
    ] {
        if let Some(p) = keys.iter().find(|p| !platforms.contains(p)) {
            return Err(AppError::invalid(
                &format!("{field}.{p}"),
                format!(
                    "{p} has no spend in the history (channels: {})",
                    platforms
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    // A channel with spend and nothing to fit is named with its real cause, before any work.
    let objective = request.objective.unwrap_or(Objective::Revenue);
    // A platform that reports a value with its conversions on some days is valued by it (as the
    // analysis values it), so its days without one add nothing: said so, not "set a value".
    let own_value = |p: Platform| {
        let reported = input
            .platforms
            .get(p)
            .and_then(|m| m.conversion_value)
            .is_some_and(|v| v > Decimal::ZERO);
        match p {
            Platform::Meta | Platform::GoogleAds => reported,
            Platform::LinkedIn => reported && platform_settings.linkedin_conversion_value.is_none(),
            _ => false,
        }
    };
    let silent = series.silent(objective, &request.ltv, own_value);
    if !silent.is_empty() {
        return Err(AppError::invalid(
            "settings",
            wording::no_response_message(&silent, id.as_str()),
        ));
    }
    let mmm = match &request.curves {
        CurvesSource::History => None,
        CurvesSource::Mmm { run } => {
            if objective == Objective::LtvValue {
                return Err(AppError::invalid(
                    "objective",
                    "the marketing-mix model's curves are in its KPI (revenue), not customer value: plan the revenue or profit objective with them",
                ));
            }
            let curves = mmm_curves::load(store, org, id, run.as_deref()).await?;
            let names: Vec<&str> = platforms.iter().map(|p| p.as_str()).collect();
            let missing = mmm_curves::missing(&curves, &names);
            if !missing.is_empty() {
                return Err(AppError::invalid(
                    "curves",
                    format!(
                        "model run {} has no curve for {}: run the model again over the same history",
                        curves.run_id,
                        missing.join(", ")
                    ),
                ));
            }
            Some(curves)
        }
    };
    let histories = series.histories(&request.ltv);
    let fitted = {
        let days = || series.0.values().flat_map(|d| d.keys().copied());
        let first = days().min().unwrap_or(window.from());
        let last = days().max().unwrap_or(window.to());
        DateWindow::new(first, last).unwrap_or(window)
    };
    let recent = series.recent(&window, RECENT_DAYS);

    // The period.
    let from = request.from.unwrap_or_else(|| today + Days::new(1));
    let after = |days: u64| {
        from.checked_add_days(Days::new(days)).ok_or_else(|| {
            AppError::invalid(
                "weeks",
                format!("the planned period is longer than {MAX_PERIOD_DAYS} days"),
            )
        })
    };
    let to = match (request.to, request.weeks) {
        (Some(to), _) => to,
        (None, Some(weeks)) => after(weeks.saturating_mul(7).saturating_sub(1))?,
        (None, None) => match campaign.spec.end_date {
            Some(end) if end >= from => end,
            _ => after(DEFAULT_WEEKS * 7 - 1)?,
        },
    };
    if to < from {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    let length = u64::try_from((to - from).num_days())
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    if length > MAX_PERIOD_DAYS {
        return Err(AppError::invalid(
            "to",
            format!("the planned period is {length} days; at most {MAX_PERIOD_DAYS}"),
        ));
    }
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
    let n_days = Decimal::from(days.len());

    // The budget.
    let budget = match request.total_budget {
        Some(b) => b,
        None => {
            let remaining = campaign
                .spec
                .budget
                .map(|b| b - spent_total)
                .filter(|r| *r > Decimal::ZERO);
            match remaining {
                Some(r) => r,
                None => spendlens_core::num::round_half_away(
                    recent_spend / Decimal::from(28) * n_days,
                    2,
                ),
            }
        }
    };
    if budget <= Decimal::ZERO {
        return Err(AppError::invalid(
            "total_budget",
            format!(
                "the budget for the period must be positive (no remaining budget and no spend \
                 from {recent_budget}, the history's last {RECENT_DAYS} days): give total_budget"
            ),
        ));
    }
    // Rounded as every figure shown is (half away from zero): the remaining budget the analysis
    // shows is the one planned.
    let budget = spendlens_core::num::round_half_away(budget, 2);
    let total = f64_of(budget);

    let asked: Vec<caution::Asked> = platforms
        .iter()
        .map(|p| caution::Asked {
            frozen: request.frozen.contains(p),
            bounds: request.bounds.get(p).copied(),
        })
        .collect();
    let observed = series.observed(&recent, days.len());
    let names: Vec<&'static str> = platforms.iter().map(|p| p.as_str()).collect();
    let range = request.spend_range;
    let (ramp_limit, weekly_shift) = (request.ramp_limit, request.max_weekly_shift.unwrap_or(0.2));
    // A group names platforms; channels without history are not planned, so they drop out.
    let groups: Vec<spendlens_optimize::Group> = request
        .groups
        .iter()
        .map(|(name, members, max)| spendlens_optimize::Group {
            name: name.clone(),
            channels: platforms
                .iter()
                .enumerate()
                .filter(|(_, p)| members.contains(p))
                .map(|(i, _)| i)
                .collect(),
            max_spend: *max,
        })
        .filter(|g| !g.channels.is_empty())
        .collect();
    let offline_channels = frozen_channels(
        &store
            .channel_series(org, id, window.from(), window.to())
            .await?,
        days.len(),
    );
    let options = fit_options.clone();
    let period = days.clone();
    let mmm_for_fit = mmm.clone();
    // Fitting runs Levenberg–Marquardt per bootstrap draw: CPU work, off the async workers.
    let (model, plan, limits) = tokio::task::spawn_blocking(move || {
        let mut model = spendlens_optimize::fit(&histories, objective, &options)?;
        if let Some(curves) = &mmm_for_fit {
            mmm_curves::apply(&mut model, curves);
        }
        // Current spend for the period: each channel's share of the recent spend, applied to the
        // budget (the history's mean when nothing was spent recently, which cannot happen while
        // the recent days end on a day with spend).
        let recent_total: f64 = observed.iter().map(|o| o.recent).sum();
        let current: Vec<f64> = if recent_total > 0.0 {
            observed
                .iter()
                .map(|o| o.recent * total / recent_total)
                .collect()
        } else {
            let raw: Vec<f64> = model.channels.iter().map(|c| c.mean_daily_spend).collect();
            let raw_total: f64 = raw.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            raw.iter().map(|v| v * total / raw_total).collect()
        };
        let limits: Vec<ChannelLimits> = model
            .channels
            .iter()
            .zip(&observed)
            .zip(&current)
            .zip(&asked)
            .map(|(((fit, &seen), &c), &ask)| {
                caution::limits(fit, seen, c, period.len(), ask, range)
            })
            .collect();
        let bounds: Vec<(f64, f64)> = limits.iter().map(|l| (l.min, l.max)).collect();
        let plan = spendlens_optimize::plan(
            &model,
            &PlanRequest {
                period,
                total_budget: total,
                current: Some(current),
                bounds: Some(bounds),
                ramp_limit,
                weekly_shift,
                groups,
            },
        )
        .map_err(|e| caution::explain(e, &limits, &names))?;
        Ok::<_, AppError>((model, plan, limits))
    })
    .await
    .map_err(|e| {
        AppError::invalid("optimization", format!("the optimisation task failed: {e}"))
    })??;
    Ok(Optimization {
        campaign,
        platforms,
        period: (from, to),
        history: window,
        fitted,
        recent,
        spend_range: range,
        model,
        plan,
        limits,
        days,
        offline_channels,
        mmm,
        daily_revenue,
    })
}
