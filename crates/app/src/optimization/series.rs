//! A campaign's daily rows as the optimiser reads them: per ad platform, each day's spend,
//! revenue (as the analysis values it) and conversions, then one history per channel for the
//! fit, what each channel's history says for the cautious range ([`super::caution::Observed`]),
//! and the channels that have nothing to fit a response to.
//!
//! A channel's days run from its first to its last day with rows, days without rows counting as
//! zero spend (adstock needs consecutive days).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use spendlens_core::{DateWindow, Platform};
use spendlens_optimize::{Day, History, Objective};

use super::caution::Observed;
use super::wording;

/// One day of one channel: spend, revenue, conversions. Money is summed as `Decimal` and
/// turned into `f64` only where the curve fit reads it ([`Series::histories`], the observed
/// range): the fit is modelling, the sums are money.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct DayFigures {
    /// Spend that day.
    pub spend: Decimal,
    /// Revenue as the analysis values it (reported, else conversion value, else AOV).
    pub revenue: Decimal,
    /// Conversions (the `ltv` objective's new customers).
    pub conversions: f64,
}

/// Every ad platform's days with spend somewhere in the window, by platform.
#[derive(Debug, Default)]
pub(super) struct Series(pub BTreeMap<Platform, BTreeMap<NaiveDate, DayFigures>>);

impl Series {
    /// Adds a row's figures to its platform's day.
    pub fn add(&mut self, platform: Platform, date: NaiveDate, figures: DayFigures) {
        let day = self.0.entry(platform).or_default().entry(date).or_default();
        day.spend = day.spend.saturating_add(figures.spend);
        day.revenue = day.revenue.saturating_add(figures.revenue);
        day.conversions += figures.conversions;
    }

    /// Drops the platforms without any spend.
    pub fn keep_spending(&mut self) {
        self.0
            .retain(|_, days| days.values().any(|d| d.spend > Decimal::ZERO));
    }

    /// Each channel's consecutive days, from its first to its last day with a row.
    fn consecutive(days: &BTreeMap<NaiveDate, DayFigures>) -> Vec<(NaiveDate, DayFigures)> {
        let (Some(first), Some(last)) = (days.keys().next(), days.keys().next_back()) else {
            return Vec::new();
        };
        first
            .iter_days()
            .take_while(|d| d <= last)
            .map(|date| (date, days.get(&date).copied().unwrap_or_default()))
            .collect()
    }

    /// The channels' histories for the fit, in platform order.
    pub fn histories(&self, ltv: &BTreeMap<Platform, f64>) -> Vec<History> {
        self.0
            .iter()
            .map(|(platform, days)| History {
                name: platform.as_str().to_owned(),
                days: Self::consecutive(days)
                    .into_iter()
                    .map(|(date, d)| Day {
                        date,
                        spend: f64_of(d.spend),
                        revenue: f64_of(d.revenue),
                        new_customers: d.conversions,
                    })
                    .collect(),
                ltv: ltv.get(platform).copied(),
            })
            .collect()
    }

    /// The recent days: the last `days` days up to the last day any channel spent on, within the
    /// history window (a window ending long after the spend stopped still has a recent rate).
    pub fn recent(&self, window: &DateWindow, days: u64) -> DateWindow {
        let last = self
            .0
            .values()
            .filter_map(|d| {
                d.iter()
                    .filter(|(_, f)| f.spend > Decimal::ZERO)
                    .map(|(date, _)| *date)
                    .next_back()
            })
            .max()
            .unwrap_or(window.to());
        DateWindow::new(window.from(), last)
            .unwrap_or(*window)
            .last(days)
    }

    /// What each channel's history says for a period of `period_days` days, in platform order.
    pub fn observed(&self, recent: &DateWindow, period_days: usize) -> Vec<Observed> {
        let recent_days = usize::try_from(recent.days()).unwrap_or(usize::MAX);
        self.0
            .values()
            .map(|days| {
                let all: Vec<f64> = Self::consecutive(days)
                    .iter()
                    .map(|(_, d)| f64_of(d.spend))
                    .collect();
                let last: Vec<f64> = days
                    .iter()
                    .filter(|(date, _)| recent.contains(**date))
                    .map(|(_, d)| f64_of(d.spend))
                    .collect();
                Observed::from_days(&all, &last, recent_days, period_days)
            })
            .collect()
    }

    /// Why no curve can be fitted to some channels, one clause each (empty when every channel
    /// has a response): a channel with spend but no revenue (or, for the `ltv` objective, no
    /// conversions or no value per conversion) has nothing to fit.
    /// `own_value` names the platforms valued by the value they report with their conversions.
    pub fn silent(
        &self,
        objective: Objective,
        ltv: &BTreeMap<Platform, f64>,
        own_value: impl Fn(Platform) -> bool,
    ) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|(platform, days)| {
                let with_spend = days.values().filter(|d| d.spend > Decimal::ZERO).count();
                let revenue: Decimal = days.values().map(|d| d.revenue).sum();
                let conversions: f64 = days.values().map(|d| d.conversions).sum();
                let has_value = revenue > Decimal::ZERO || ltv.contains_key(platform);
                let silent = match objective {
                    Objective::Revenue | Objective::Profit => revenue <= Decimal::ZERO,
                    Objective::LtvValue => conversions <= 0.0 || !has_value,
                };
                silent.then(|| {
                    wording::no_response(*platform, with_spend, conversions, own_value(*platform))
                })
            })
            .collect()
    }
}

/// Money into the fit's `f64` (a value beyond `f64` cannot occur within the store's limits).
fn f64_of(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}
