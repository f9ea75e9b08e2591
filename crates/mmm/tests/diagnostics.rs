//! The diagnostic sentences appear when their condition holds, and not on clean data.

use rust_decimal::Decimal;
use spendlens_mmm::{Options, fit};

use crate::sim::{Spec, normal, simulate};

fn warnings_of(sim: &crate::sim::Sim) -> Vec<String> {
    fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit")
    .warnings
}

#[test]
fn clean_flighted_data_get_no_warning() {
    let w = warnings_of(&simulate(&Spec::daily(31)));
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn two_channels_spent_together_are_called_collinear() {
    let mut sim = simulate(&Spec::daily(32));
    let meta = sim.data.channels[1].spend.clone();
    sim.data.channels[2].spend = meta.iter().map(|d| *d * Decimal::new(15, 1)).collect();
    let w = warnings_of(&sim);
    assert!(
        w.iter()
            .any(|s| s.starts_with("meta and google spend move together")),
        "{w:?}"
    );
}

#[test]
fn a_channel_that_barely_varies_is_named() {
    let mut sim = simulate(&Spec::daily(33));
    let mut rng = spendlens_rng::SplitMix64::new(5);
    sim.data.channels[3].spend = (0..sim.data.dates.len())
        .map(|_| {
            Decimal::from_f64_retain(1000.0 * (1.0 + 0.03 * normal(&mut rng)))
                .unwrap_or_default()
                .round_dp(2)
        })
        .collect();
    let w = warnings_of(&sim);
    assert!(
        w.iter()
            .any(|s| s.starts_with("radio's spend varies too little")),
        "{w:?}"
    );
}

#[test]
fn autocorrelated_residuals_are_reported_and_widen_the_intervals() {
    let sim = simulate(&Spec::daily(34));
    let plain = fit(
        &sim.data,
        &[],
        &Options {
            draws: 300,
            seed: 0,
        },
    )
    .expect("fit");
    let mut drift = sim;
    let mut rng = spendlens_rng::SplitMix64::new(9);
    let level = drift.data.values.iter().sum::<f64>() / 730.0;
    let mut ar = 0.0;
    for v in &mut drift.data.values {
        ar = 0.9 * ar + 0.04 * level * normal(&mut rng);
        *v += ar;
    }
    let model = fit(
        &drift.data,
        &[],
        &Options {
            draws: 300,
            seed: 0,
        },
    )
    .expect("fit");
    assert!(
        model.fit.durbin_watson < 1.5,
        "DW {}",
        model.fit.durbin_watson
    );
    assert!(
        model
            .warnings
            .iter()
            .any(|s| s.starts_with("The residuals are autocorrelated")),
        "{:?}",
        model.warnings
    );
    let width = |m: &spendlens_mmm::Model| {
        m.channels
            .iter()
            .map(|c| (c.roi.high - c.roi.low) / c.roi.mean)
            .sum::<f64>()
    };
    assert!(
        width(&model) > 1.5 * width(&plain),
        "{} vs {}",
        width(&model),
        width(&plain)
    );
}

#[test]
fn a_poor_fit_is_reported() {
    let sim = simulate(&Spec {
        noise: 0.6,
        ..Spec::daily(35)
    });
    let model = fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit");
    assert!(model.fit.r2 < 0.5, "R² {}", model.fit.r2);
    assert!(
        model
            .warnings
            .iter()
            .any(|s| s.starts_with("The model explains only")),
        "{:?}",
        model.warnings
    );
}

#[test]
fn a_break_in_the_last_tenth_is_reported_as_a_poor_forecast() {
    let mut sim = simulate(&Spec::daily(36));
    let n = sim.data.values.len();
    for v in &mut sim.data.values[n - 73..] {
        *v *= 1.3;
    }
    let model = fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit");
    let holdout = model.fit.holdout_mape.expect("holdout");
    assert!(holdout > 0.15, "holdout MAPE {holdout}");
    assert!(
        model
            .warnings
            .iter()
            .any(|s| s.contains("may not forecast well")),
        "{:?}",
        model.warnings
    );
}
