//! The model's input (periods, KPI, spend, controls, holidays, experiments) and its validation
//! into the scaled series the estimator works on.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::error::MmmError;

/// Daily or weekly periods, detected from the step between the first two dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One period per calendar day.
    Daily,
    /// One period per week (the date is any fixed day of the week).
    Weekly,
}

impl Granularity {
    /// `daily` or `weekly`, as the contract writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
        }
    }

    /// Days per period.
    pub fn days(self) -> i64 {
        match self {
            Self::Daily => 1,
            Self::Weekly => 7,
        }
    }

    /// The fewest periods the model accepts: 52 days leave a few points per parameter of 6
    /// channels; 26 weeks is half a year, the least from which any carry-over can be told apart.
    pub fn min_periods(self) -> usize {
        match self {
            Self::Daily => 52,
            Self::Weekly => 26,
        }
    }

    /// The periods over which "current spend" is averaged for the marginal ROI: 28 days or 4 weeks.
    pub fn recent_periods(self) -> usize {
        match self {
            Self::Daily => 28,
            Self::Weekly => 4,
        }
    }
}

/// One channel's spend per period. Money stays [`Decimal`] here; the fit reads it as `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSpend {
    /// The channel's name (`tv`, `meta`, `podcast`): what the output calls it.
    pub name: String,
    /// The column it came from (`tv_S`), for error messages.
    pub column: String,
    /// Spend per period, aligned with [`Dataset::dates`].
    pub spend: Vec<Decimal>,
}

/// A control variable (price, competitor sales, an event indicator), aligned with the dates.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    /// The column name.
    pub name: String,
    /// One value per period.
    pub values: Vec<f64>,
}

/// Everything the model is fitted from.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The KPI's name (`revenue`), echoed in the output and in errors.
    pub kpi: String,
    /// What the sentences write before a KPI amount: `$` for a revenue in US dollars, empty for
    /// a count or a unit the caller does not know.
    pub kpi_prefix: String,
    /// The date column's name, for errors.
    pub date_column: String,
    /// The row number of the first period as the caller shows it (2 for a CSV with a header),
    /// so that errors name the row the user sees.
    pub first_row: usize,
    /// Consecutive daily or weekly dates.
    pub dates: Vec<NaiveDate>,
    /// The KPI per period.
    pub values: Vec<f64>,
    /// The media channels.
    pub channels: Vec<ChannelSpend>,
    /// Control variables.
    pub controls: Vec<Control>,
    /// Holiday dates; a period containing one gets an indicator.
    pub holidays: Vec<NaiveDate>,
}

/// A lift test: it measured `lift` incremental KPI (standard error `lift_se`) caused by `channel`
/// between `from` and `to` inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// The row of the experiment as the caller shows it, for errors.
    pub row: usize,
    /// The channel's name (or its spend column's: `tv` or `tv_S`).
    pub channel: String,
    /// First day of the test.
    pub from: NaiveDate,
    /// Last day of the test.
    pub to: NaiveDate,
    /// Incremental KPI measured.
    pub lift: f64,
    /// Its standard error (> 0).
    pub lift_se: f64,
    /// The spend during the test, when known (reported as the experiment's own ROI).
    pub spend: Option<Decimal>,
}

/// A validated dataset, scaled for numerical conditioning: the KPI by its mean absolute value,
/// every channel's spend by its mean (so half-saturation points start near 1), controls
/// standardised.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub granularity: Granularity,
    pub y_scale: f64,
    pub y: Vec<f64>,
    pub spend_scale: Vec<f64>,
    pub spend: Vec<Vec<f64>>,
    pub spend_total: Vec<Decimal>,
    pub raw_spend: Vec<Vec<f64>>,
    pub controls: Vec<(String, Vec<f64>)>,
    pub holiday: Option<Vec<f64>>,
}

pub(crate) fn prepare(data: &Dataset) -> Result<Prepared, MmmError> {
    let n = data.dates.len();
    let row = |i: usize| data.first_row + i;
    let granularity = granularity(data)?;
    let needed = granularity.min_periods();
    if n < needed {
        return Err(MmmError::TooFewPeriods {
            column: data.date_column.clone(),
            granularity: granularity.name().into(),
            found: n,
            needed,
            first: data.first_row,
            last: row(n.saturating_sub(1)),
        });
    }
    check_len(&data.kpi, n, data.values.len())?;
    for (i, v) in data.values.iter().enumerate() {
        if !v.is_finite() {
            return Err(MmmError::NotFinite {
                row: row(i),
                column: data.kpi.clone(),
            });
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let nf = n as f64;
    let y_scale = data.values.iter().map(|v| v.abs()).sum::<f64>() / nf;
    if y_scale <= 0.0 {
        return Err(MmmError::ZeroKpi {
            column: data.kpi.clone(),
        });
    }
    if data.channels.is_empty() {
        return Err(MmmError::Channels {
            column: "spend".into(),
            message: "no channel spend column".into(),
        });
    }
    let mut spend = Vec::new();
    let mut raw_spend = Vec::new();
    let mut spend_scale = Vec::new();
    let mut spend_total = Vec::new();
    for (c, ch) in data.channels.iter().enumerate() {
        if data.channels[..c].iter().any(|o| o.name == ch.name) {
            return Err(MmmError::Channels {
                column: ch.column.clone(),
                message: format!("a second column for channel {}", ch.name),
            });
        }
        check_len(&ch.column, n, ch.spend.len())?;
        let mut raw = Vec::with_capacity(n);
        for (i, d) in ch.spend.iter().enumerate() {
            if d.is_sign_negative() && !d.is_zero() {
                return Err(MmmError::NegativeSpend {
                    row: row(i),
                    column: ch.column.clone(),
                    value: d.to_string(),
                });
            }
            raw.push(d.to_f64().unwrap_or(0.0));
        }
        if ch.spend.iter().all(|d| *d == ch.spend[0]) {
            return Err(MmmError::ConstantChannel {
                column: ch.column.clone(),
                value: ch.spend[0].to_string(),
            });
        }
        let mean = raw.iter().sum::<f64>() / nf;
        spend.push(raw.iter().map(|v| v / mean).collect());
        spend_scale.push(mean);
        spend_total.push(ch.spend.iter().copied().sum());
        raw_spend.push(raw);
    }
    let mut controls = Vec::new();
    for ctl in &data.controls {
        check_len(&ctl.name, n, ctl.values.len())?;
        if let Some(i) = ctl.values.iter().position(|v| !v.is_finite()) {
            return Err(MmmError::NotFinite {
                row: row(i),
                column: ctl.name.clone(),
            });
        }
        let mean = ctl.values.iter().sum::<f64>() / nf;
        let var = ctl.values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / nf;
        // A constant control adds nothing the level does not; it is left out (the caller is told
        // by a warning in the model, not an error: controls are often listed wholesale).
        let sd = var.sqrt();
        let values = if sd > 0.0 {
            ctl.values.iter().map(|v| (v - mean) / sd).collect()
        } else {
            vec![0.0; n]
        };
        controls.push((ctl.name.clone(), values));
    }
    let holiday = (!data.holidays.is_empty()).then(|| {
        let step = granularity.days();
        data.dates
            .iter()
            .map(|d| {
                let hit = data.holidays.iter().any(|h| {
                    let off = (*h - *d).num_days();
                    (0..step).contains(&off)
                });
                if hit { 1.0 } else { 0.0 }
            })
            .collect::<Vec<f64>>()
    });
    Ok(Prepared {
        granularity,
        y_scale,
        y: data.values.iter().map(|v| v / y_scale).collect(),
        spend_scale,
        spend,
        spend_total,
        raw_spend,
        controls,
        holiday: holiday.filter(|h| h.iter().any(|v| *v > 0.0)),
    })
}

fn check_len(column: &str, expected: usize, found: usize) -> Result<(), MmmError> {
    if expected == found {
        Ok(())
    } else {
        Err(MmmError::Length {
            column: column.into(),
            expected,
            found,
        })
    }
}

/// Detects the step from the first two dates and checks every later step against it.
fn granularity(data: &Dataset) -> Result<Granularity, MmmError> {
    let d = &data.dates;
    let column = || data.date_column.clone();
    if d.len() < 2 {
        return Err(MmmError::TooFewPeriods {
            column: column(),
            granularity: "daily".into(),
            found: d.len(),
            needed: Granularity::Daily.min_periods(),
            first: data.first_row,
            last: data.first_row + d.len().saturating_sub(1),
        });
    }
    let first = (d[1] - d[0]).num_days();
    let g = match first {
        1 => Granularity::Daily,
        7 => Granularity::Weekly,
        0 => {
            return Err(MmmError::Duplicate {
                row: data.first_row + 1,
                column: column(),
                date: d[1].to_string(),
            });
        }
        other => {
            return Err(MmmError::Gap {
                row: data.first_row + 1,
                column: column(),
                message: format!(
                    "{} follows {} ({other} days later): periods must be consecutive days or weeks",
                    d[1], d[0]
                ),
            });
        }
    };
    for i in 2..d.len() {
        let step = (d[i] - d[i - 1]).num_days();
        if step == g.days() {
            continue;
        }
        let row = data.first_row + i;
        if step == 0 {
            return Err(MmmError::Duplicate {
                row,
                column: column(),
                date: d[i].to_string(),
            });
        }
        let expected = d[i - 1] + chrono::Duration::days(g.days());
        return Err(MmmError::Gap {
            row,
            column: column(),
            message: format!(
                "{} follows {}, expected {expected} ({} periods): a gap or a date out of order",
                d[i],
                d[i - 1],
                g.name()
            ),
        });
    }
    Ok(g)
}

/// An experiment turned into a window of period indices `[from, to)` on the scaled KPI.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    pub index: usize,
    pub channel: usize,
    pub from: usize,
    pub to: usize,
    pub lift: f64,
    pub se: f64,
    /// The channel's spend in the data over the test's days (a week's spend prorated by the
    /// days it shares with the test).
    pub spend: f64,
}

pub(crate) fn windows(
    data: &Dataset,
    prepared: &Prepared,
    experiments: &[Experiment],
) -> Result<Vec<Window>, MmmError> {
    let step = prepared.granularity.days();
    let mut out = Vec::new();
    for (index, e) in experiments.iter().enumerate() {
        let bad = |column: &str, message: String| MmmError::Experiment {
            row: e.row,
            column: column.into(),
            message,
        };
        let channel = data
            .channels
            .iter()
            .position(|c| {
                c.name.eq_ignore_ascii_case(e.channel.trim())
                    || c.column.eq_ignore_ascii_case(e.channel.trim())
            })
            .ok_or_else(|| {
                let names: Vec<&str> = data.channels.iter().map(|c| c.name.as_str()).collect();
                bad(
                    "channel",
                    format!(
                        "unknown channel {:?} (the data has {})",
                        e.channel,
                        names.join(", ")
                    ),
                )
            })?;
        if e.to < e.from {
            return Err(bad("to", format!("{} is before from {}", e.to, e.from)));
        }
        if e.spend.is_some_and(|s| s < Decimal::ZERO) {
            return Err(bad("spend", "is below zero".into()));
        }
        // The same test twice would count its evidence twice.
        if let Some(twin) = experiments[..index].iter().find(|o| {
            o.channel.trim().eq_ignore_ascii_case(e.channel.trim())
                && o.from == e.from
                && o.to == e.to
        }) {
            return Err(bad(
                "channel",
                format!(
                    "the same test ({} from {} to {}) as row {}",
                    e.channel.trim(),
                    e.from,
                    e.to,
                    twin.row
                ),
            ));
        }
        if !e.lift.is_finite() {
            return Err(bad("lift", "not a finite number".into()));
        }
        if !(e.lift_se.is_finite() && e.lift_se > 0.0) {
            return Err(bad("lift_se", "must be a positive number".into()));
        }
        // A period overlaps the test when it starts on or before `to` and ends on or after `from`.
        let inside: Vec<usize> = data
            .dates
            .iter()
            .enumerate()
            .filter(|(_, d)| **d <= e.to && **d + chrono::Duration::days(step - 1) >= e.from)
            .map(|(i, _)| i)
            .collect();
        let (Some(&from), Some(&to)) = (inside.first(), inside.last()) else {
            return Err(bad(
                "from",
                format!("{}..{} lies outside the data's dates", e.from, e.to),
            ));
        };
        // A test reaching past the data measured days the model does not see: its lift cannot
        // be set against the model's figure for the days it does.
        let (first_day, last_day) = (
            data.dates[0],
            data.dates[data.dates.len() - 1] + chrono::Duration::days(step - 1),
        );
        if e.from < first_day {
            return Err(bad(
                "from",
                format!("{} is before the data's first day {first_day}", e.from),
            ));
        }
        if e.to > last_day {
            return Err(bad(
                "to",
                format!("{} is after the data's last day {last_day}", e.to),
            ));
        }
        // The lift is part of the KPI of the test's days, and its standard error a measurement's
        // (not a millionth of the KPI's scale, which would outweigh every day of the data).
        let kpi: f64 = data.values[from..=to].iter().map(|v| v.abs()).sum();
        if e.lift.abs() > kpi {
            return Err(bad(
                "lift",
                format!(
                    "{} is more than the whole KPI of those days ({kpi:.2})",
                    e.lift
                ),
            ));
        }
        if e.lift_se < 1e-6 * prepared.y_scale {
            return Err(bad(
                "lift_se",
                format!(
                    "{} is not a standard error of a measurement of those days (the KPI is about \
                     {:.2} a period)",
                    e.lift_se, prepared.y_scale
                ),
            ));
        }
        let spend = (from..=to)
            .map(|i| {
                let first = data.dates[i].max(e.from);
                let last = (data.dates[i] + chrono::Duration::days(step - 1)).min(e.to);
                #[allow(clippy::cast_precision_loss)]
                let share = ((last - first).num_days() + 1) as f64 / step as f64;
                prepared.raw_spend[channel][i] * share
            })
            .sum();
        out.push(Window {
            index,
            channel,
            from,
            to: to + 1,
            spend,
            lift: e.lift / prepared.y_scale,
            se: e.lift_se / prepared.y_scale,
        });
    }
    Ok(out)
}

/// Days since 0001-01-01, for the yearly Fourier terms (a fixed origin keeps them comparable
/// between a fit and its holdout).
pub(crate) fn day_number(d: NaiveDate) -> f64 {
    f64::from(d.num_days_from_ce())
}
