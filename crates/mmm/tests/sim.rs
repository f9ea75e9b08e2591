//! A seeded simulator of marketing-mix data with known truth: baseline (level, trend, weekday and
//! yearly seasons, controls), per channel geometric adstock and Hill saturation, Gaussian noise.
//! It shares no code with the crate (its adstock starts from a burn-in, not from the first spend).

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use spendlens_mmm::{ChannelSpend, Control, Dataset};
use spendlens_rng::SplitMix64;

/// The true parameters and answers of one channel.
#[derive(Debug, Clone)]
pub struct Truth {
    pub name: String,
    pub decay: f64,
    pub k: f64,
    pub s: f64,
    pub roi: f64,
    pub marginal_roi: f64,
    /// The channel's mean spend per period over the data and the burn-in before it: the
    /// half-saturation was drawn between 0.5 and 1.5 times this.
    pub mean_spend: f64,
    /// The channel's contribution per period.
    pub series: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct Sim {
    pub data: Dataset,
    pub truth: Vec<Truth>,
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    pub periods: usize,
    pub daily: bool,
    pub channels: Vec<&'static str>,
    pub controls: usize,
    /// Noise sd as a share of the level.
    pub noise: f64,
    /// The probability that a channel runs in flights (on/off) rather than always on.
    pub pulsed: f64,
    /// Always-on spend as the public simulators (PyMC-Marketing's, Meridian's) draw it, positive
    /// every period and moving a lot from period to period; `pulsed` is then ignored.
    pub varied: Option<Varied>,
    /// A channel paused (no spend) for `len` periods from period `from`: (channel, from, len).
    pub pause: Option<(&'static str, usize, usize)>,
}

impl Spec {
    pub fn daily(seed: u64) -> Self {
        Self {
            seed,
            periods: 730,
            daily: true,
            channels: vec!["tv", "meta", "google", "radio", "ooh", "podcast"],
            controls: 3,
            noise: 0.04,
            pulsed: 1.0,
            varied: None,
            pause: None,
        }
    }
}

/// The range the true decay is drawn from, uniformly.
pub fn decay_range(daily: bool) -> (f64, f64) {
    if daily { (0.1, 0.8) } else { (0.1, 0.6) }
}

/// The range of the true half-saturation, uniformly, in units of the channel's mean spend.
pub const HALF_SATURATION: (f64, f64) = (0.5, 1.5);

/// The range of the true Hill shape, uniformly.
pub const SHAPE: (f64, f64) = (0.8, 2.5);

fn uniform(rng: &mut SplitMix64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.unit()
}

pub fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.unit();
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn hill(a: f64, k: f64, s: f64) -> f64 {
    if a <= 0.0 {
        0.0
    } else {
        a.powf(s) / (a.powf(s) + k.powf(s))
    }
}

/// Spend with budget changes every few weeks and a log-normal wobble, switched off between
/// flights when `pulsed`; rounded to cents.
fn spend_series(rng: &mut SplitMix64, len: usize, mean: f64, daily: bool, pulsed: f64) -> Vec<f64> {
    let pulsed = rng.unit() < pulsed;
    let (on_lo, on_hi, off_lo, off_hi) = if daily {
        (10.0, 40.0, 5.0, 30.0)
    } else {
        (2.0, 8.0, 1.0, 5.0)
    };
    let mut out = Vec::with_capacity(len);
    let mut ar = 0.0;
    let mut on = true;
    let mut left = 0usize;
    let mut level = 1.0;
    while out.len() < len {
        if left == 0 {
            on = !on || !pulsed;
            let (lo, hi) = if on { (on_lo, on_hi) } else { (off_lo, off_hi) };
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            {
                left = uniform(rng, lo, hi) as usize + 1;
            }
            level = uniform(rng, 0.4, 1.8);
        }
        left -= 1;
        ar = 0.7 * ar + 0.3 * normal(rng);
        let v = if on {
            mean * level * (0.5 * ar).exp()
        } else {
            0.0
        };
        out.push((v * 100.0).round() / 100.0);
    }
    out
}

/// How always-on spend varies in [`Spec::varied`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Varied {
    /// Season, bursts and a log-normal wobble ([`varied_series`]): its lowest periods are about
    /// a quarter of the mean.
    Seasonal,
    /// Independent uniform draws between 1 % and 199 % of the mean, as PyMC-Marketing's example
    /// simulates its always-on channel: some periods come close to zero.
    Uniform,
}

/// Always-on spend of the public simulators' kind: a yearly season (amplitude 20–50 %), campaign
/// bursts (×1.5–3 for one to three weeks, every six to ten weeks) and a log-normal wobble per
/// period (sd 0.3–0.5, lightly autocorrelated); never zero. Rounded to cents.
fn varied_series(rng: &mut SplitMix64, len: usize, mean: f64, daily: bool) -> Vec<f64> {
    let step = if daily { 1.0 } else { 7.0 };
    let amp = uniform(rng, 0.2, 0.5);
    let phase = uniform(rng, 0.0, std::f64::consts::TAU);
    let sd = uniform(rng, 0.3, 0.5);
    let mut out = Vec::with_capacity(len);
    let mut ar = 0.0;
    let mut gap = 0.0;
    let mut burst_left = 0.0;
    let mut lift = 1.0;
    for t in 0..len {
        #[allow(clippy::cast_precision_loss)]
        let day = t as f64 * step;
        if burst_left <= 0.0 {
            if gap <= 0.0 {
                burst_left = uniform(rng, 7.0, 21.0);
                gap = uniform(rng, 42.0, 70.0);
                lift = uniform(rng, 1.5, 3.0);
            } else {
                gap -= step;
            }
        } else {
            burst_left -= step;
        }
        let burst = if burst_left > 0.0 { lift } else { 1.0 };
        ar = 0.3 * ar + (1.0_f64 - 0.09).sqrt() * normal(rng);
        let season = 1.0 + amp * (std::f64::consts::TAU * day / 365.25 + phase).sin();
        let v = mean * season * burst * (sd * ar - 0.5 * sd * sd).exp();
        out.push(((v * 100.0).round() / 100.0).max(0.01));
    }
    out
}

pub fn simulate(spec: &Spec) -> Sim {
    let mut rng = SplitMix64::new(spec.seed);
    let n = spec.periods;
    let burn = if spec.daily { 90 } else { 20 };
    let step = if spec.daily { 1 } else { 7 };
    let start = NaiveDate::from_ymd_opt(2023, 1, 2).expect("date");
    let dates: Vec<NaiveDate> = (0..n)
        .map(|t| start + Duration::days(i64::try_from(t * step).expect("small")))
        .collect();
    let level = uniform(&mut rng, 5_000.0, 50_000.0) * if spec.daily { 1.0 } else { 7.0 };
    let trend = uniform(&mut rng, -0.15, 0.25);
    let weekday: Vec<f64> = (0..7).map(|_| uniform(&mut rng, -0.06, 0.06)).collect();
    let (ya, yp) = (
        uniform(&mut rng, 0.03, 0.12),
        uniform(&mut rng, 0.0, std::f64::consts::TAU),
    );
    let mut y: Vec<f64> = (0..n)
        .map(|t| {
            #[allow(clippy::cast_precision_loss)]
            let frac = t as f64 / n as f64;
            let day = (dates[t] - start).num_days();
            #[allow(clippy::cast_precision_loss)]
            let season = ya * (2.0 * std::f64::consts::PI * day as f64 / 365.25 + yp).sin();
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let wd = if spec.daily {
                weekday[(day % 7) as usize]
            } else {
                0.0
            };
            level * (1.0 + trend * frac + season + wd)
        })
        .collect();
    let mut controls = Vec::new();
    for i in 0..spec.controls {
        let mut ar = 0.0;
        let effect = uniform(&mut rng, -0.04, 0.04) * level;
        let values: Vec<f64> = (0..n)
            .map(|_| {
                ar = 0.9 * ar + 0.45 * normal(&mut rng);
                100.0 + 10.0 * ar
            })
            .collect();
        for (yt, v) in y.iter_mut().zip(&values) {
            *yt += effect * (v - 100.0) / 10.0;
        }
        controls.push(Control {
            name: format!("control_{i}"),
            values,
        });
    }
    let mut channels = Vec::new();
    let mut truth = Vec::new();
    for name in &spec.channels {
        let mean = uniform(&mut rng, 200.0, 3_000.0) * if spec.daily { 1.0 } else { 7.0 };
        let mut full = match spec.varied {
            Some(Varied::Seasonal) => varied_series(&mut rng, n + burn, mean, spec.daily),
            Some(Varied::Uniform) => (0..n + burn)
                .map(|_| (mean * uniform(&mut rng, 0.01, 1.99) * 100.0).round() / 100.0)
                .collect(),
            None => spend_series(&mut rng, n + burn, mean, spec.daily, spec.pulsed),
        };
        if let Some((paused, from, len)) = spec.pause
            && paused == *name
        {
            for v in &mut full[burn + from..(burn + from + len).min(n + burn)] {
                *v = 0.0;
            }
        }
        let (lo, hi) = decay_range(spec.daily);
        let decay = uniform(&mut rng, lo, hi);
        let avg = full.iter().sum::<f64>() / f64::from(u32::try_from(full.len()).expect("small"));
        let k = avg * uniform(&mut rng, HALF_SATURATION.0, HALF_SATURATION.1);
        let s = uniform(&mut rng, SHAPE.0, SHAPE.1);
        let share = uniform(&mut rng, 0.04, 0.12);
        let mut a = 0.0;
        let z: Vec<f64> = full
            .iter()
            .map(|x| {
                a = (1.0 - decay) * x + decay * a;
                hill(a, k, s)
            })
            .collect();
        let z = &z[burn..];
        let zmean = z.iter().sum::<f64>() / f64::from(u32::try_from(n).expect("small"));
        let beta = share * level / zmean;
        for (yt, zt) in y.iter_mut().zip(z) {
            *yt += beta * zt;
        }
        let spend = &full[burn..];
        let total: f64 = spend.iter().sum();
        let recent = if spec.daily { 28 } else { 4 };
        let xbar = spend[n - recent..].iter().sum::<f64>()
            / f64::from(u32::try_from(recent).expect("small"));
        let h = hill(xbar, k, s);
        let marginal = if xbar > 0.0 {
            beta * s / xbar * h * (1.0 - h)
        } else {
            0.0
        };
        truth.push(Truth {
            name: (*name).to_owned(),
            decay,
            k,
            s,
            roi: beta * z.iter().sum::<f64>() / total,
            marginal_roi: marginal,
            mean_spend: avg,
            series: z.iter().map(|v| v * beta).collect(),
        });
        channels.push(ChannelSpend {
            name: (*name).to_owned(),
            column: format!("{name}_spend"),
            spend: spend
                .iter()
                .map(|v| Decimal::from_f64_retain(*v).unwrap_or_default().round_dp(2))
                .collect(),
        });
    }
    for yt in &mut y {
        *yt += spec.noise * level * normal(&mut rng);
    }
    Sim {
        data: Dataset {
            kpi: "revenue".into(),
            kpi_prefix: String::new(),
            date_column: "date".into(),
            first_row: 2,
            dates,
            values: y,
            channels,
            controls,
            holidays: Vec::new(),
        },
        truth,
    }
}
