//! Lift tests: a consistent one pulls the model toward it, an inconsistent one is reported.

use spendlens_mmm::{Experiment, Options, fit};

use crate::sim::{Sim, Spec, simulate};

/// An experiment on channel `c` over periods `from..to` that measured `factor` × the true lift.
fn experiment(
    sim: &Sim,
    c: usize,
    from: usize,
    to: usize,
    factor: f64,
    se_share: f64,
) -> Experiment {
    let truth: f64 = sim.truth[c].series[from..to].iter().sum();
    Experiment {
        row: 2,
        channel: sim.truth[c].name.clone(),
        from: sim.data.dates[from],
        to: sim.data.dates[to - 1],
        lift: truth * factor,
        lift_se: truth * se_share,
        spend: None,
    }
}

#[test]
fn a_consistent_experiment_pulls_the_estimate_toward_it_and_narrows_it() {
    let mut pulled = 0;
    for seed in 0..4u64 {
        // Always-on channels: the data alone leave them wide, so the experiment has work to do.
        let sim = simulate(&Spec {
            pulsed: 0.0,
            ..Spec::daily(500 + seed)
        });
        let options = Options { draws: 300, seed };
        let plain = fit(&sim.data, &[], &options).expect("fits");
        let c = usize::try_from(seed).expect("small") % sim.truth.len();
        let exp = experiment(&sim, c, 400, 428, 1.0, 0.05);
        let model = fit(&sim.data, std::slice::from_ref(&exp), &options).expect("fits");
        let cal = &model.calibration[0];
        let truth = sim.truth[c].roi;
        let before = (plain.channels[c].roi.mean - truth).abs();
        let after = (model.channels[c].roi.mean - truth).abs();
        eprintln!(
            "seed {seed} {}: ROI error {:.1} % → {:.1} %, window {:.0} → {:.0} (lift {:.0}), z {:.2}",
            exp.channel,
            100.0 * before / truth,
            100.0 * after / truth,
            cal.uncalibrated.mean,
            cal.calibrated.mean,
            exp.lift,
            cal.z
        );
        assert!(
            // Already within half a standard error, the draws' own noise may move it either way.
            (cal.calibrated.mean - exp.lift).abs()
                <= (cal.uncalibrated.mean - exp.lift)
                    .abs()
                    .max(0.5 * exp.lift_se),
            "seed {seed}: the window estimate moved away from the lift"
        );
        assert!(
            (cal.calibrated.mean - exp.lift).abs() <= 2.0 * exp.lift_se,
            "seed {seed}: calibrated window estimate {} vs lift {} ± {}",
            cal.calibrated.mean,
            exp.lift,
            exp.lift_se
        );
        assert!(
            cal.calibrated.high - cal.calibrated.low
                <= cal.uncalibrated.high - cal.uncalibrated.low,
            "seed {seed}: calibration widened the window's interval"
        );
        if after < before {
            pulled += 1;
        }
        assert!(
            !model.warnings.iter().any(|w| w.contains("disagree")),
            "seed {seed}: {:?}",
            model.warnings
        );
    }
    assert!(
        pulled >= 3,
        "the channel's ROI moved toward the truth in {pulled} of 4 fits"
    );
}

#[test]
fn an_inconsistent_experiment_is_reported_in_a_sentence() {
    let sim = simulate(&Spec::daily(77));
    let exp = experiment(&sim, 1, 300, 342, 3.0, 0.05);
    let model = fit(
        &sim.data,
        std::slice::from_ref(&exp),
        &Options {
            draws: 200,
            seed: 1,
        },
    )
    .expect("fits");
    let cal = &model.calibration[0];
    assert!(!cal.agrees, "z {}", cal.z);
    assert!(
        cal.z < -2.0,
        "the data say less than the experiment: z {}",
        cal.z
    );
    let warning = model
        .warnings
        .iter()
        .find(|w| w.contains("disagree"))
        .expect("a disagreement warning");
    assert!(
        warning.contains(&exp.channel) && warning.contains(&exp.from.to_string()),
        "{warning}"
    );
}

#[test]
fn an_experiment_on_an_unknown_channel_or_outside_the_data_names_its_row() {
    let sim = simulate(&Spec::daily(3));
    let mut exp = experiment(&sim, 0, 10, 20, 1.0, 0.1);
    exp.row = 7;
    exp.channel = "cinema".into();
    let err = fit(&sim.data, std::slice::from_ref(&exp), &Options::default()).expect_err("unknown");
    assert!(
        err.to_string()
            .starts_with("experiment row 7, column channel: unknown channel \"cinema\""),
        "{err}"
    );
    let mut exp = experiment(&sim, 0, 10, 20, 1.0, 0.1);
    exp.from = sim.data.dates[0] - chrono::Duration::days(60);
    exp.to = sim.data.dates[0] - chrono::Duration::days(30);
    let err = fit(&sim.data, &[exp], &Options::default()).expect_err("outside");
    assert!(err.to_string().contains("lies outside the data"), "{err}");
    let mut exp = experiment(&sim, 0, 10, 20, 1.0, 0.1);
    exp.channel = "tv_spend".into();
    let model = fit(&sim.data, &[exp], &Options { draws: 20, seed: 0 }).expect("a column name");
    assert_eq!(model.calibration[0].channel, "tv");
    let mut exp = experiment(&sim, 0, 10, 20, 1.0, 0.1);
    exp.lift_se = 0.0;
    let err = fit(&sim.data, &[exp], &Options::default()).expect_err("se");
    assert!(err.to_string().contains("column lift_se"), "{err}");
    // Any case of the channel's name.
    let mut exp = experiment(&sim, 0, 10, 20, 1.0, 0.1);
    exp.channel = exp.channel.to_uppercase();
    let model = fit(&sim.data, &[exp], &Options { draws: 20, seed: 0 }).expect("any case");
    assert_eq!(model.calibration[0].channel, sim.truth[0].name);
    // A test reaching past the data on either side, though it overlaps them.
    let n = sim.data.dates.len();
    let mut exp = experiment(&sim, 0, n - 10, n, 1.0, 0.1);
    let last = sim.data.dates[n - 1];
    exp.to = last + chrono::Duration::days(1);
    let err = fit(&sim.data, &[exp], &Options::default()).expect_err("past the end");
    assert!(
        err.to_string().contains(&format!(
            "column to: {} is after the data's last day {last}",
            last + chrono::Duration::days(1)
        )),
        "{err}"
    );
    let mut exp = experiment(&sim, 0, 0, 10, 1.0, 0.1);
    exp.from = sim.data.dates[0] - chrono::Duration::days(1);
    let err = fit(&sim.data, &[exp], &Options::default()).expect_err("before the start");
    assert!(err.to_string().contains("column from:"), "{err}");
    // Ending on the last day is inside.
    let exp = experiment(&sim, 0, n - 10, n, 1.0, 0.1);
    assert!(fit(&sim.data, &[exp], &Options { draws: 20, seed: 0 }).is_ok());
    // A lift above the whole KPI of its days, and a standard error no measurement has.
    let kpi: f64 = sim.data.values[10..20].iter().sum();
    let mut exp = experiment(&sim, 0, 10, 20, 1.0, 0.1);
    exp.lift = kpi * 1.01;
    let err = fit(&sim.data, std::slice::from_ref(&exp), &Options::default()).expect_err("lift");
    assert!(err.to_string().contains("column lift:"), "{err}");
    exp.lift = kpi * 0.99;
    exp.lift_se = 1e-300;
    let err = fit(&sim.data, std::slice::from_ref(&exp), &Options::default()).expect_err("tiny se");
    assert!(err.to_string().contains("column lift_se:"), "{err}");
    // A negative spend, and the same test twice (its evidence would count twice).
    exp.lift_se = kpi * 0.1;
    exp.spend = Some(rust_decimal::Decimal::new(-100, 0));
    let err = fit(&sim.data, std::slice::from_ref(&exp), &Options::default()).expect_err("spend");
    assert!(
        err.to_string().contains("column spend: is below zero"),
        "{err}"
    );
    exp.spend = None;
    let mut twin = exp.clone();
    twin.row = 9;
    twin.channel = twin.channel.to_uppercase();
    let err = fit(&sim.data, &[exp, twin], &Options::default()).expect_err("twice");
    assert!(
        err.to_string()
            .starts_with("experiment row 9, column channel: the same test")
            && err.to_string().ends_with("as row 2"),
        "{err}"
    );
}

#[test]
fn an_experiment_whose_spend_is_not_the_datas_is_questioned() {
    let sim = simulate(&Spec::daily(78));
    let data_spend: rust_decimal::Decimal =
        sim.data.channels[1].spend[300..342].iter().copied().sum();
    let mut exp = experiment(&sim, 1, 300, 342, 1.0, 0.1);
    exp.spend = Some(data_spend);
    let model = fit(
        &sim.data,
        std::slice::from_ref(&exp),
        &Options { draws: 50, seed: 1 },
    )
    .expect("fits");
    assert!(
        !model.warnings.iter().any(|w| w.contains("states a spend")),
        "{:?}",
        model.warnings
    );
    exp.spend = Some(data_spend * rust_decimal::Decimal::TWO);
    let model = fit(&sim.data, &[exp], &Options { draws: 50, seed: 1 }).expect("fits");
    assert!(
        model.warnings.iter().any(|w| w.contains("states a spend")),
        "{:?}",
        model.warnings
    );
}
