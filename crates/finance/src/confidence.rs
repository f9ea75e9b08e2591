//! How sure the ROI is: a day-level bootstrap with a fixed seed, and a level from the interval's
//! width and the number of conversions.
//!
//! The rule (README text):
//!
//! > The days resampled are the days of the window with an ad-platform row or an attributed
//! > revenue entry (n days). Each of `resamples` bootstrap resamples (1 000 by default) draws n of
//! > these days with replacement and computes
//! > ROI* = (R* − S* − F) ÷ (S* + F) × 100, where R* and S* are the resampled days' revenue and
//! > platform spend (each day rounded to cents) and F is every other cost of the window (media and
//! > creative entries, fees, overhead, opportunity cost), which does not vary by day and is held
//! > fixed. Resamples with S* + F ≤ 0 are left out. The 90 % interval is the 5th and 95th
//! > percentiles of the remaining ROI* values by the nearest-rank method (the ⌈0.05·m⌉-th and
//! > ⌈0.95·m⌉-th smallest of m values), each rounded half away from zero to 2 decimals; its width
//! > is upper − lower in percentage points.
//! > - **high**: width ≤ 20 points, at least 100 conversions and at least 7 days;
//! > - **medium**: width ≤ 60 points, at least 30 conversions and at least 7 days;
//! > - **low**: anything else (including no interval at all).
//! >
//! > The generator is SplitMix64 seeded with the configured seed (the same for every campaign),
//! > and a day is drawn as ⌊x·n / 2⁶⁴⌋ for each 64-bit output x, so the same data and seed give
//! > the same interval on every machine and every version.
//!
//! On revenue modelled by a marketing-mix run the ROI does not come from here: its days are the
//! model's means, smooth by construction, and its uncertainty is the model's (`roi.rs` takes the
//! interval from the model's range and applies [`level`] to it).
//!
//! Why a bootstrap over days rather than a formula: daily revenue is skewed and autocorrelated
//! enough that a normal approximation of a ratio is optimistic on short campaigns; resampling days
//! needs no distribution assumption. Why the fixed seed: a report run twice must not disagree
//! with itself. Why SplitMix64 (from `spendlens-rng`) rather than `rand`'s ranges: its output
//! sequence and the multiply-shift draw are fixed by their definitions, while `rand`'s range
//! algorithms may change between versions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rust_decimal::Decimal;
use spendlens_core::num;
use spendlens_rng::SplitMix64;

use crate::cents;

/// A level of confidence in an ROI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfidenceLevel {
    /// No revenue is measured (nothing reported, no conversion value, no order value): the ROI
    /// is of an assumption, and no level of confidence may be claimed for it.
    NotMeasurable,
    Low,
    Medium,
    High,
}

impl ConfidenceLevel {
    /// The stable code used on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConfidenceLevel::NotMeasurable => "not_measurable",
            ConfidenceLevel::Low => "low",
            ConfidenceLevel::Medium => "medium",
            ConfidenceLevel::High => "high",
        }
    }
}

/// The widest 90 % interval (percentage points) a *high* confidence allows.
pub const HIGH_MAX_WIDTH: Decimal = Decimal::from_parts(20, 0, 0, false, 0);
/// The conversions a *high* confidence needs.
pub const HIGH_MIN_CONVERSIONS: Decimal = Decimal::ONE_HUNDRED;
/// The widest 90 % interval a *medium* confidence allows.
pub const MEDIUM_MAX_WIDTH: Decimal = Decimal::from_parts(60, 0, 0, false, 0);
/// The conversions a *medium* confidence needs.
pub const MEDIUM_MIN_CONVERSIONS: Decimal = Decimal::from_parts(30, 0, 0, false, 0);
/// The days with data below which the confidence is always low.
pub const MIN_DAYS: u32 = 7;

/// The confidence in a campaign's ROI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confidence {
    pub level: ConfidenceLevel,
    /// The 90 % bootstrap interval of the ROI in percent, (lower, upper), 2 decimals; `None` with
    /// no day to resample or no resample with a positive investment.
    pub interval: Option<(Decimal, Decimal)>,
    /// Days resampled.
    pub days: u32,
    /// Conversions in the window (ad platforms).
    pub conversions: Decimal,
    /// Resamples that entered the interval.
    pub resamples: u32,
}

/// What the bootstrap reads: per data day, platform spend and revenue; the fixed costs; the
/// conversions.
pub(crate) struct Sample<'a> {
    pub spend: &'a [Decimal],
    pub revenue: &'a [Decimal],
    pub has_data: &'a [bool],
    pub fixed: Decimal,
    pub conversions: Decimal,
}

/// Resample figures up to which the exact fast paths are safe: sums of days in `i64`, and the
/// cross products of two (net, investment) pairs in `i128`.
const FAST_LIMIT: i128 = 1 << 60;

/// Runs the bootstrap and applies the level rule. `tables`, when given, may hold the days the
/// resamples draw for this number of days (see [`DrawTables`]); the answer is the same either way.
pub(crate) fn confidence(
    sample: &Sample<'_>,
    resamples: u32,
    seed: u64,
    tables: Option<&DrawTables>,
) -> Confidence {
    let days: Vec<(i128, i128)> = sample
        .has_data
        .iter()
        .enumerate()
        .filter(|(_, has)| **has)
        .map(|(i, _)| {
            let spend = sample.spend.get(i).copied().unwrap_or_default();
            let revenue = sample.revenue.get(i).copied().unwrap_or_default();
            (cents::to_cents(spend), cents::to_cents(revenue))
        })
        .collect();
    let n = days.len();
    let table = tables.and_then(|t| t.table(n, resamples, seed));
    let draws = resample(
        &days,
        cents::to_cents(sample.fixed),
        resamples,
        seed,
        table.as_deref(),
    );
    let m = draws.len();
    let interval = percentiles(draws);
    let days_n = u32::try_from(n).unwrap_or(u32::MAX);
    Confidence {
        level: level(interval, sample.conversions, days_n),
        interval,
        days: days_n,
        conversions: sample.conversions,
        resamples: u32::try_from(m).unwrap_or(u32::MAX),
    }
}

/// Bytes of draw tables one [`DrawTables`] keeps at most: 22 tables of 730 days × 1 000
/// resamples.
const TABLE_BUDGET: usize = 32 << 20;

/// The days the resamples draw, kept for the campaigns of one report.
///
/// Every campaign's generator starts from the same seed, so which days the resamples draw
/// depends only on how many days there are (n): campaigns with the same n draw the same
/// indices. The second campaign with a given n writes them down once (resamples × n indices of
/// 16 bits), and it and every later one with that n read them instead of running the generator,
/// which was most of the bootstrap's time. The first only notes n, so a report whose campaigns
/// all differ builds nothing; tables stop being built past [`TABLE_BUDGET`] bytes. The table is
/// the generator's own sequence, so the interval is the same with or without it.
#[derive(Debug)]
pub(crate) struct DrawTables {
    state: Mutex<TableState>,
}

/// The days drawn, `resamples` runs of n indices.
type Table = Arc<[u16]>;

#[derive(Debug, Default)]
struct TableState {
    /// Per (n, resamples, seed): `None` once seen, the table once built.
    slots: HashMap<(usize, u32, u64), Option<Table>>,
    bytes: usize,
}

impl DrawTables {
    pub(crate) fn new() -> Self {
        DrawTables {
            state: Mutex::new(TableState::default()),
        }
    }

    /// The table of `resamples` draws of `n` days from `seed`, when one is kept or worth
    /// building now (the second time this n is asked for, within the budget).
    fn table(&self, n: usize, resamples: u32, seed: u64) -> Option<Table> {
        let key = (n, resamples, seed);
        let count = usize::try_from(resamples).ok()?.checked_mul(n)?;
        let bytes = count.checked_mul(2)?;
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            match state.slots.get(&key) {
                Some(Some(table)) => return Some(Arc::clone(table)),
                None => {
                    state.slots.insert(key, None);
                    return None;
                }
                Some(None) => {}
            }
            // Indices must fit 16 bits, and the table the budget.
            if n == 0 || n - 1 > usize::from(u16::MAX) || state.bytes + bytes > TABLE_BUDGET {
                return None;
            }
        }
        // Built outside the lock: two campaigns racing may both build it; both tables are equal.
        let mut rng = SplitMix64::new(seed);
        let table: Table = (0..count)
            .map(|_| u16::try_from(rng.index(n)).unwrap_or(0))
            .collect();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot @ None) = state.slots.get_mut(&key) {
            *slot = Some(Arc::clone(&table));
            state.bytes += bytes;
        }
        Some(table)
    }
}

/// Draws the resamples: for each, (net revenue, investment) in cents, investment above zero.
/// The days drawn come from `table` (resamples × n indices, the generator's sequence) when
/// given, otherwise from the generator seeded with `seed`.
///
/// When no sum of n days can leave `FAST_LIMIT` (always, for real campaigns) the days are summed
/// in `i64` without overflow checks; otherwise in saturating `i128`. Both paths draw the same
/// days, so the path never changes the answer.
fn resample(
    days: &[(i128, i128)],
    fixed: i128,
    resamples: u32,
    seed: u64,
    table: Option<&[u16]>,
) -> Vec<(i128, i128)> {
    let n = days.len();
    if n == 0 {
        return Vec::new();
    }
    let bound = FAST_LIMIT / i128::try_from(n).unwrap_or(i128::MAX);
    let small: Option<Vec<(i64, i64)>> = days
        .iter()
        .map(|&(s, r)| {
            if s.abs() <= bound && r.abs() <= bound {
                Some((i64::try_from(s).ok()?, i64::try_from(r).ok()?))
            } else {
                None
            }
        })
        .collect();
    let mut rng = SplitMix64::new(seed);
    let mut picks = table.map(|t| t.chunks_exact(n));
    let mut out = Vec::with_capacity(usize::try_from(resamples).unwrap_or(0));
    for _ in 0..resamples {
        let (spend, revenue) = match (&small, picks.as_mut().and_then(Iterator::next)) {
            (Some(days), Some(picked)) => sum_small(days, picked.iter().map(|&i| usize::from(i))),
            (Some(days), None) => sum_small(days, (0..n).map(|_| rng.index(n))),
            (None, Some(picked)) => sum_wide(days, picked.iter().map(|&i| usize::from(i))),
            (None, None) => sum_wide(days, (0..n).map(|_| rng.index(n))),
        };
        let investment = spend.saturating_add(fixed);
        if investment > 0 {
            out.push((revenue.saturating_sub(investment), investment));
        }
    }
    out
}

/// The picked days' (spend, revenue), summed in `i64`: cannot wrap, each value being at most
/// `FAST_LIMIT / n` and n being picked.
fn sum_small(days: &[(i64, i64)], picks: impl Iterator<Item = usize>) -> (i128, i128) {
    let (mut spend, mut revenue) = (0i64, 0i64);
    for i in picks {
        let (s, r) = days[i];
        spend = spend.wrapping_add(s);
        revenue = revenue.wrapping_add(r);
    }
    (i128::from(spend), i128::from(revenue))
}

/// The picked days' (spend, revenue), summed in saturating `i128`.
fn sum_wide(days: &[(i128, i128)], picks: impl Iterator<Item = usize>) -> (i128, i128) {
    let (mut spend, mut revenue) = (0i128, 0i128);
    for i in picks {
        let (s, r) = days[i];
        spend = spend.saturating_add(s);
        revenue = revenue.saturating_add(r);
    }
    (spend, revenue)
}

/// The nearest-rank 5th and 95th percentiles of the resamples' ROI, rounded to 2 decimals.
///
/// The resamples are ordered by their exact ratio (cross-multiplied in `i128`) and only the two
/// picked are turned into a decimal ROI, when every figure is below `FAST_LIMIT`; otherwise
/// every ROI is computed and sorted.
fn percentiles(mut draws: Vec<(i128, i128)>) -> Option<(Decimal, Decimal)> {
    let m = draws.len();
    if m == 0 {
        return None;
    }
    let rank = |pct: usize| (pct * m).div_ceil(100).clamp(1, m) - 1;
    let roi = |(net, investment): (i128, i128)| {
        num::pct_or_zero(cents::from_cents(net), cents::from_cents(investment))
    };
    let exact = draws
        .iter()
        .all(|(net, investment)| net.abs() <= FAST_LIMIT && *investment <= FAST_LIMIT);
    let (lower, upper) = if exact {
        // investment > 0 for every draw, so a/b < c/d ⇔ a·d < c·b.
        draws.sort_unstable_by(|a, b| (a.0 * b.1).cmp(&(b.0 * a.1)));
        (roi(draws[rank(5)]), roi(draws[rank(95)]))
    } else {
        let mut rois: Vec<Decimal> = draws.into_iter().map(roi).collect();
        rois.sort_unstable();
        (rois[rank(5)], rois[rank(95)])
    };
    Some((
        num::round_half_away(lower, 2),
        num::round_half_away(upper, 2),
    ))
}

/// The level rule: see the module documentation.
pub fn level(
    interval: Option<(Decimal, Decimal)>,
    conversions: Decimal,
    days: u32,
) -> ConfidenceLevel {
    let Some((lower, upper)) = interval else {
        return ConfidenceLevel::Low;
    };
    if days < MIN_DAYS {
        return ConfidenceLevel::Low;
    }
    let width = num::sub(upper, lower);
    if width <= HIGH_MAX_WIDTH && conversions >= HIGH_MIN_CONVERSIONS {
        ConfidenceLevel::High
    } else if width <= MEDIUM_MAX_WIDTH && conversions >= MEDIUM_MIN_CONVERSIONS {
        ConfidenceLevel::Medium
    } else {
        ConfidenceLevel::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sample<'a>(
        spend: &'a [Decimal],
        revenue: &'a [Decimal],
        has: &'a [bool],
        fixed: Decimal,
        conversions: Decimal,
    ) -> Sample<'a> {
        Sample {
            spend,
            revenue,
            has_data: has,
            fixed,
            conversions,
        }
    }

    #[test]
    fn identical_days_give_a_point_interval_at_the_roi() {
        // 10 days of spend 100 and revenue 250, fixed costs 500: every resample has
        // R = 2500, S = 1000 → ROI = (2500 − 1500) / 1500 = 66.666…% → 66.67 both ends.
        let spend = vec![dec!(100); 10];
        let revenue = vec![dec!(250); 10];
        let has = vec![true; 10];
        let c = confidence(
            &sample(&spend, &revenue, &has, dec!(500), dec!(150)),
            1_000,
            1,
            None,
        );
        assert_eq!(c.interval, Some((dec!(66.67), dec!(66.67))));
        assert_eq!(
            (c.days, c.resamples, c.level),
            (10, 1_000, ConfidenceLevel::High)
        );
    }

    #[test]
    fn days_without_data_are_not_resampled() {
        let spend = [dec!(100), dec!(0), dec!(100)];
        let revenue = [dec!(300), dec!(0), dec!(300)];
        let has = [true, false, true];
        let c = confidence(
            &sample(&spend, &revenue, &has, dec!(0), dec!(5)),
            200,
            3,
            None,
        );
        assert_eq!(c.interval, Some((dec!(200), dec!(200))));
        assert_eq!((c.days, c.level), (2, ConfidenceLevel::Low));
    }

    #[test]
    fn resamples_without_investment_are_left_out() {
        // Half the days spend nothing and there are no fixed costs: resamples drawing only those
        // days have no investment and are dropped; the rest all have ROI 100 % (spend 10,
        // revenue 20 on the spending day).
        let spend = [dec!(10), dec!(0)];
        let revenue = [dec!(20), dec!(0)];
        let has = [true, true];
        let c = confidence(
            &sample(&spend, &revenue, &has, dec!(0), dec!(0)),
            1_000,
            11,
            None,
        );
        assert!(c.resamples < 1_000 && c.resamples > 600, "{}", c.resamples);
        assert_eq!(c.interval, Some((dec!(100), dec!(100))));
    }

    #[test]
    fn the_exact_and_the_decimal_orderings_agree() {
        // Figures beyond the fast limits take the decimal path; scaled down they take the exact
        // one; the ROIs (ratios) are the same.
        let draws: Vec<(i128, i128)> = vec![(5, 10), (-3, 7), (40, 9), (0, 1), (1, 3), (-9, 10)];
        let big: Vec<(i128, i128)> = draws.iter().map(|(a, b)| (a << 70, b << 70)).collect();
        assert_eq!(percentiles(draws.clone()), percentiles(big));
        // 6 draws: ranks ⌈0.3⌉ = 1 and ⌈5.7⌉ = 6 → the smallest (−90 %) and largest (444.44 %).
        assert_eq!(percentiles(draws), Some((dec!(-90), dec!(444.44))));
        assert_eq!(percentiles(Vec::new()), None);
    }

    #[test]
    fn huge_days_take_the_saturating_path_with_the_same_draws() {
        let small = [(100i128, 300i128), (50, 0), (10, 20)];
        let huge: Vec<(i128, i128)> = small.iter().map(|(s, r)| (s << 70, r << 70)).collect();
        let a = resample(&small, 0, 50, 9, None);
        let b = resample(&huge, 0, 50, 9, None);
        let scaled: Vec<(i128, i128)> = a.iter().map(|(x, y)| (x << 70, y << 70)).collect();
        assert_eq!(scaled, b);
    }

    #[test]
    fn a_draw_table_gives_the_generators_draws() {
        // 40 uneven days. The first ask for n = 40 only notes it, the second builds the table,
        // the third reads it; every answer is the generator's. Another seed or resample count
        // gets no table of this one's.
        let spend: Vec<Decimal> = (0..40).map(|i| Decimal::from(i * 7 % 13 + 1)).collect();
        let revenue: Vec<Decimal> = (0..40).map(|i| Decimal::from(i * 11 % 17)).collect();
        let has = vec![true; 40];
        let s = sample(&spend, &revenue, &has, dec!(30), dec!(50));
        let tables = DrawTables::new();
        let plain = confidence(&s, 500, 42, None);
        let built = |t: &DrawTables| {
            let state = t.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.slots.values().filter(|v| v.is_some()).count()
        };
        assert_eq!(confidence(&s, 500, 42, Some(&tables)), plain);
        assert_eq!(built(&tables), 0);
        assert_eq!(confidence(&s, 500, 42, Some(&tables)), plain);
        assert_eq!(built(&tables), 1);
        assert_eq!(confidence(&s, 500, 42, Some(&tables)), plain);
        for (resamples, seed) in [(500, 43), (400, 42)] {
            let other = confidence(&s, resamples, seed, None);
            assert_ne!(other.interval, plain.interval);
            assert_eq!(confidence(&s, resamples, seed, Some(&tables)), other);
        }
        // The table's draws on the saturating path too.
        let table = tables
            .table(40, 500, 42)
            .unwrap_or_else(|| panic!("the table was built"));
        assert_eq!(table.len(), 40 * 500);
        let huge: Vec<(i128, i128)> = (0..40).map(|i| (i << 70, (40 - i) << 70)).collect();
        assert_eq!(
            resample(&huge, 5, 500, 42, Some(&table)),
            resample(&huge, 5, 500, 42, None)
        );
    }

    #[test]
    fn draw_tables_stay_within_their_budget() {
        // 100 000 resamples × 200 days is 40 MB of indices: never built, still answered.
        let tables = DrawTables::new();
        for _ in 0..3 {
            assert!(tables.table(200, 100_000, 1).is_none());
        }
        assert_eq!(
            tables
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .bytes,
            0
        );
        // More days than 16 bits can index: never built.
        for _ in 0..3 {
            assert!(tables.table(70_000, 100, 1).is_none());
        }
    }

    #[test]
    fn no_days_means_no_interval_and_low() {
        let c = confidence(&sample(&[], &[], &[], dec!(100), dec!(500)), 1_000, 1, None);
        assert_eq!(
            (c.interval, c.level, c.resamples),
            (None, ConfidenceLevel::Low, 0)
        );
    }

    #[test]
    fn the_level_rule_on_its_edges() {
        let iv = |w: Decimal| Some((dec!(10), dec!(10) + w));
        assert_eq!(level(iv(dec!(20)), dec!(100), 7), ConfidenceLevel::High);
        assert_eq!(
            level(iv(dec!(20.01)), dec!(100), 7),
            ConfidenceLevel::Medium
        );
        assert_eq!(level(iv(dec!(20)), dec!(99.9), 7), ConfidenceLevel::Medium);
        assert_eq!(level(iv(dec!(60)), dec!(30), 365), ConfidenceLevel::Medium);
        assert_eq!(
            level(iv(dec!(60.01)), dec!(1000), 365),
            ConfidenceLevel::Low
        );
        assert_eq!(level(iv(dec!(0)), dec!(29), 365), ConfidenceLevel::Low);
        assert_eq!(level(iv(dec!(0)), dec!(1000), 6), ConfidenceLevel::Low);
        assert_eq!(level(None, dec!(1000), 365), ConfidenceLevel::Low);
    }
}
