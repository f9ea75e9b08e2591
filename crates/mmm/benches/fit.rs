//! The speed target of issue 17: two years of daily data, 6 channels, 3 controls, 500 draws, in
//! under 2 s on one core. Run with `cargo bench -p spendlens-mmm --bench fit`.
//!
//! The data come from a small seeded generator here (flighted spend, adstock, Hill, a seasonal
//! baseline, controls, noise), so the benchmark needs no files.

use chrono::{Duration, NaiveDate};
use divan::Bencher;
use rust_decimal::Decimal;
use spendlens_mmm::{ChannelSpend, Control, Dataset, Options, fit};
use spendlens_rng::SplitMix64;

fn main() {
    divan::main();
}

fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * rng.unit()).cos()
}

fn dataset(periods: usize, channels: usize, controls: usize) -> Dataset {
    let mut rng = SplitMix64::new(17);
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let dates: Vec<NaiveDate> = (0..periods)
        .map(|t| start + Duration::days(i64::try_from(t).expect("small")))
        .collect();
    let mut y: Vec<f64> = (0..periods)
        .map(|t| {
            let day = f64::from(u32::try_from(t).expect("small"));
            10_000.0 + 3.0 * day + 800.0 * (day * 2.0 * std::f64::consts::PI / 365.25).sin()
        })
        .collect();
    let mut ctl = Vec::new();
    for i in 0..controls {
        let values: Vec<f64> = (0..periods).map(|_| normal(&mut rng)).collect();
        for (yt, v) in y.iter_mut().zip(&values) {
            *yt += 150.0 * v;
        }
        ctl.push(Control {
            name: format!("control_{i}"),
            values,
        });
    }
    let mut spend = Vec::new();
    for c in 0..channels {
        let mut x = Vec::with_capacity(periods);
        let mut on = true;
        while x.len() < periods {
            let len = 7 + rng.index(21);
            let level = if on { 300.0 + 700.0 * rng.unit() } else { 0.0 };
            for _ in 0..len {
                x.push(level * (0.3 * normal(&mut rng)).exp());
            }
            on = !on;
        }
        x.truncate(periods);
        let mut a = x[0];
        for (yt, v) in y.iter_mut().zip(&x) {
            a = 0.6 * v + 0.4 * a;
            *yt += 900.0 * a.powf(1.5) / (a.powf(1.5) + 500.0_f64.powf(1.5));
        }
        spend.push(ChannelSpend {
            name: format!("channel_{c}"),
            column: format!("channel_{c}_spend"),
            spend: x
                .iter()
                .map(|v| Decimal::from_f64_retain(*v).unwrap_or_default().round_dp(2))
                .collect(),
        });
    }
    for yt in &mut y {
        *yt += 300.0 * normal(&mut rng);
    }
    Dataset {
        kpi: "revenue".into(),
        kpi_prefix: String::new(),
        date_column: "date".into(),
        first_row: 2,
        dates,
        values: y,
        channels: spend,
        controls: ctl,
        holidays: Vec::new(),
    }
}

/// 730 days × 6 channels × 3 controls, 500 draws: the target (< 2 s).
#[divan::bench(sample_count = 10)]
fn two_years_daily_six_channels_500_draws(bencher: Bencher) {
    let data = dataset(730, 6, 3);
    bencher.bench(|| {
        fit(
            divan::black_box(&data),
            &[],
            &Options {
                draws: 500,
                seed: 1,
            },
        )
        .expect("fits")
    });
}

/// 156 weeks × 10 channels, 500 draws.
#[divan::bench(sample_count = 10)]
fn three_years_weekly_ten_channels_500_draws(bencher: Bencher) {
    let mut data = dataset(156 * 7, 10, 2);
    let keep: Vec<usize> = (0..data.dates.len()).step_by(7).collect();
    data.dates = keep.iter().map(|&i| data.dates[i]).collect();
    data.values = keep.iter().map(|&i| data.values[i] * 7.0).collect();
    for c in &mut data.channels {
        c.spend = keep
            .iter()
            .map(|&i| c.spend[i] * Decimal::from(7))
            .collect();
    }
    for c in &mut data.controls {
        c.values = keep.iter().map(|&i| c.values[i]).collect();
    }
    bencher.bench(|| {
        fit(
            divan::black_box(&data),
            &[],
            &Options {
                draws: 500,
                seed: 1,
            },
        )
        .expect("fits")
    });
}
