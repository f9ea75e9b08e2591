//! Fitting from history and the seed-shaped plan, end to end.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use spendlens_optimize::fit::FitKind;
use spendlens_optimize::plan::RiskLevel;
use spendlens_optimize::{Day, FitOptions, History, Objective, PlanRequest, fit, plan, to_cents};

use crate::solver::Rng;

fn date(i: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 1).expect("date") + chrono::Duration::days(i)
}

/// `n` days of a channel with a known Hill curve (no adstock), ±2 % noise, spend varied 5–100.
fn history(name: &str, beta: f64, k: f64, s: f64, n: i64, seed: u64) -> History {
    let mut rng = Rng::new(seed);
    let days = (0..n)
        .map(|i| {
            let spend = rng.range(5.0, 100.0);
            let clean = beta * spend.powf(s) / (spend.powf(s) + k.powf(s));
            let revenue = clean * (1.0 + rng.range(-0.02, 0.02));
            Day {
                date: date(i),
                spend,
                revenue,
                new_customers: revenue / 40.0,
            }
        })
        .collect();
    History {
        name: name.into(),
        days,
        ltv: None,
    }
}

fn histories() -> Vec<History> {
    vec![
        history("search", 2000.0, 40.0, 0.9, 120, 1),
        history("social", 900.0, 60.0, 1.8, 120, 2),
        history("video", 400.0, 20.0, 0.7, 120, 3),
    ]
}

#[test]
fn fitted_curves_recover_the_generating_parameters() {
    let model = fit(
        &histories(),
        Objective::Revenue,
        &FitOptions {
            draws: 10,
            ..FitOptions::default()
        },
    )
    .expect("fits");
    let want = [(2000.0, 40.0, 0.9), (900.0, 60.0, 1.8), (400.0, 20.0, 0.7)];
    for (c, (beta, k, s)) in model.channels.iter().zip(want) {
        assert_eq!(c.kind, FitKind::Hill, "{}", c.name);
        assert!(c.adstock < 0.05, "{}: θ {}", c.name, c.adstock);
        assert!(
            (c.curve.beta() - beta).abs() / beta < 0.08,
            "{}: β {}",
            c.name,
            c.curve.beta()
        );
        assert!(
            (c.curve.k() - k).abs() / k < 0.08,
            "{}: k {}",
            c.name,
            c.curve.k()
        );
        assert!(
            (c.curve.s() - s).abs() / s < 0.08,
            "{}: s {}",
            c.name,
            c.curve.s()
        );
        assert!(c.r_squared > 0.95, "{}: R² {}", c.name, c.r_squared);
        assert!((c.ltv.unwrap_or(0.0) - 40.0).abs() < 1e-9);
    }
    // No seasonality was put in, so none should come out.
    for w in model.seasonality.weekday {
        assert!((w - 1.0).abs() < 0.03, "{w}");
    }
}

#[test]
fn the_plan_has_the_seed_shape_and_keeps_its_promises() {
    let model = fit(
        &histories(),
        Objective::Revenue,
        &FitOptions {
            draws: 40,
            ..FitOptions::default()
        },
    )
    .expect("fits");
    let period: Vec<NaiveDate> = (0..28).map(|i| date(200 + i)).collect();
    let budget = 28.0 * 150.0;
    let p = plan(&model, &PlanRequest::new(period, budget)).expect("plans");
    let cents = to_cents(budget);
    let sum =
        |v: &[spendlens_optimize::plan::ChannelAmount]| v.iter().map(|a| a.spend).sum::<Decimal>();
    assert_eq!(sum(&p.current_allocation), cents);
    assert_eq!(sum(&p.optimized_allocation), cents);
    let imp = &p.expected_improvement;
    assert!(imp.point >= 0.0);
    assert!(imp.low <= imp.high);
    assert!(p.solution.optimality_gap < 1e-5);
    // Rollout: at most 20 % of the budget moves per week, it ends at the optimum, and (concave
    // along the segment) the expected response never falls week to week.
    let weeks = &p.implementation_timeline;
    assert!(!weeks.is_empty());
    assert!((weeks[weeks.len() - 1].progress - 1.0).abs() < 1e-12);
    let mut prev: Vec<f64> = p
        .current_allocation
        .iter()
        .map(|a| a.spend.to_string().parse().unwrap_or(0.0))
        .collect();
    let mut prev_resp = Decimal::MIN;
    // Each channel's response is rounded to the cent on its own: a sum may dip by a cent each.
    let slack = Decimal::new(1, 2) * Decimal::from(p.current_allocation.len());
    for w in weeks {
        let x: Vec<f64> = w
            .allocation
            .iter()
            .map(|a| a.spend.to_string().parse().unwrap_or(0.0))
            .collect();
        let moved: f64 = 0.5 * x.iter().zip(&prev).map(|(a, b)| (a - b).abs()).sum::<f64>();
        assert!(
            moved <= 0.2 * budget + 0.02 * x.len() as f64,
            "week {} moved {moved}",
            w.week
        );
        assert_eq!(sum(&w.allocation), cents);
        assert!(w.expected_response >= prev_resp - slack);
        prev_resp = w.expected_response;
        prev = x;
    }
    assert_eq!(p.risk_assessment.channels.len(), 3);
    assert!(p.risk_assessment.concentration > 0.0 && p.risk_assessment.concentration <= 1.0);
}

#[test]
fn extrapolation_and_thin_data_raise_the_risk() {
    let mut hs = histories();
    hs[2].days.truncate(8);
    let model = fit(
        &hs,
        Objective::LtvValue,
        &FitOptions {
            draws: 10,
            ..FitOptions::default()
        },
    )
    .expect("fits");
    assert_eq!(model.channels[2].kind, FitKind::Concave);
    let period: Vec<NaiveDate> = (0..7).map(|i| date(300 + i)).collect();
    // Far more money than the history ever spent.
    let p = plan(&model, &PlanRequest::new(period, 7.0 * 900.0)).expect("plans");
    assert!(p.risk_assessment.level >= RiskLevel::Medium);
    assert!(
        p.risk_assessment
            .channels
            .iter()
            .any(|c| c.extrapolation > 1.2)
    );
    assert!(
        p.risk_assessment.channels[2]
            .warnings
            .iter()
            .any(|w| w.contains("concave"))
    );
}

#[test]
fn seasonality_shifts_the_period_curve() {
    let mut hs = histories();
    for h in &mut hs {
        for d in &mut h.days {
            if d.date.weekday() == chrono::Weekday::Sun {
                d.revenue *= 2.0;
            }
        }
    }
    let model = fit(
        &hs,
        Objective::Revenue,
        &FitOptions {
            draws: 0,
            ..FitOptions::default()
        },
    )
    .expect("fits");
    let ratio = model.seasonality.weekday[6] / model.seasonality.weekday[2];
    assert!((ratio - 2.0).abs() < 0.1, "sun/wed {ratio}");
    // A week of Sundays is worth about twice a week of Wednesdays at the same spend.
    let sundays: Vec<NaiveDate> = (0..7)
        .map(|i| date(300 + 7 * i + (6 - i64::from(date(300).weekday().num_days_from_monday()))))
        .collect();
    let wednesdays: Vec<NaiveDate> = sundays
        .iter()
        .map(|d| *d - chrono::Duration::days(4))
        .collect();
    let a = model.period_curve(0, &sundays).expect("curve").value(700.0);
    let b = model
        .period_curve(0, &wednesdays)
        .expect("curve")
        .value(700.0);
    assert!((a / b - 2.0).abs() < 0.1, "{}", a / b);
}

#[test]
fn profit_subtracts_the_spend_and_keeps_the_split() {
    let opts = FitOptions {
        draws: 5,
        ..FitOptions::default()
    };
    let revenue = fit(&histories(), Objective::Revenue, &opts).expect("fits");
    let profit = fit(&histories(), Objective::Profit, &opts).expect("fits");
    let period: Vec<NaiveDate> = (0..14).map(|i| date(200 + i)).collect();
    let budget = 14.0 * 150.0;
    let a = plan(&revenue, &PlanRequest::new(period.clone(), budget)).expect("plans");
    let b = plan(&profit, &PlanRequest::new(period, budget)).expect("plans");
    assert_eq!(a.optimized_allocation, b.optimized_allocation);
    // Profit is the revenue less the spend, to the cent (the curves are the same fits).
    let budget = to_cents(budget);
    let cent = Decimal::new(1, 2) * Decimal::from(a.optimized_allocation.len());
    assert!((a.optimized_value - budget - b.optimized_value).abs() <= cent);
    assert!((a.current_value - budget - b.current_value).abs() <= cent);
}

#[test]
fn a_plan_that_moves_nothing_carries_no_risk_and_a_forced_one_says_it_loses() {
    let mut hs = histories();
    hs[2].days.truncate(8);
    let model = fit(
        &hs,
        Objective::Revenue,
        &FitOptions {
            draws: 20,
            ..FitOptions::default()
        },
    )
    .expect("fits");
    let period: Vec<NaiveDate> = (0..7).map(|i| date(300 + i)).collect();
    let budget = 7.0 * 150.0;
    let current = vec![budget / 3.0; 3];
    // Every channel pinned at its current spend: the thin channel's warning stays listed, but
    // nothing is recommended, so nothing is at risk, and a zero gain is no uncertainty.
    let pinned = PlanRequest {
        current: Some(current.clone()),
        bounds: Some(current.iter().map(|&c| (c, c)).collect()),
        ..PlanRequest::new(period.clone(), budget)
    };
    let p = plan(&model, &pinned).expect("plans");
    assert_eq!(p.risk_assessment.level, RiskLevel::Low);
    assert!(!p.risk_assessment.channels[2].warnings.is_empty());
    assert!(p.risk_assessment.relative_interval_width.abs() < 1e-12);
    assert!(!p.expected_improvement.includes_loss());
    // Bounds that force most of the budget into one channel: the gain is a loss, said plainly.
    let forced = PlanRequest {
        current: Some(current),
        bounds: Some(vec![(0.9 * budget, budget), (0.0, budget), (0.0, budget)]),
        ..PlanRequest::new(period, budget)
    };
    let p = plan(&model, &forced).expect("plans");
    assert!(p.expected_improvement.includes_loss());
    assert_eq!(p.risk_assessment.level, RiskLevel::High);
    assert!(
        p.risk_assessment.warnings.iter().any(|w| w
            == "The 90 % interval of the improvement includes a loss: the plan may do worse \
                than the current split."),
        "{:?}",
        p.risk_assessment.warnings
    );
    // Every warning is a sentence.
    for w in p
        .risk_assessment
        .warnings
        .iter()
        .chain(p.risk_assessment.channels.iter().flat_map(|c| &c.warnings))
    {
        assert!(
            w.ends_with('.') && w.chars().next().is_some_and(char::is_uppercase),
            "{w}"
        );
    }
}

/// Every total the plan shows is the sum of its rows as shown (the API's `current_value` once
/// read 41903.14 beside rows adding to 41903.13), and each row's response is its curve at the
/// spend as shown, so a chart of the curve gives the table's figure.
#[test]
fn every_total_is_the_sum_of_its_rows_and_each_row_its_curve_at_its_spend() {
    use rust_decimal::prelude::ToPrimitive;
    let opts = FitOptions {
        draws: 10,
        ..FitOptions::default()
    };
    for objective in [Objective::Revenue, Objective::Profit] {
        let model = fit(&histories(), objective, &opts).expect("fits");
        let period: Vec<NaiveDate> = (0..45).map(|i| date(200 + i)).collect();
        let budget = 45.0 * 163.37;
        let mut request = PlanRequest::new(period.clone(), budget);
        request.weekly_shift = 0.05;
        let p = plan(&model, &request).expect("plans");
        let responses = |v: &[spendlens_optimize::plan::ChannelAmount]| {
            v.iter().map(|a| a.expected_response).sum::<Decimal>()
        };
        let spend = |v: &[spendlens_optimize::plan::ChannelAmount]| {
            v.iter().map(|a| a.spend).sum::<Decimal>()
        };
        let less = |v: &[spendlens_optimize::plan::ChannelAmount]| {
            if objective == Objective::Profit {
                spend(v)
            } else {
                Decimal::ZERO
            }
        };
        assert_eq!(
            p.current_value,
            responses(&p.current_allocation) - less(&p.current_allocation)
        );
        assert_eq!(
            p.optimized_value,
            responses(&p.optimized_allocation) - less(&p.optimized_allocation)
        );
        let point = Decimal::try_from(p.expected_improvement.point).expect("finite");
        assert_eq!(
            point.round_dp(2),
            p.optimized_value - p.current_value,
            "{objective:?}"
        );
        for (i, a) in p.optimized_allocation.iter().enumerate() {
            let curve = model.period_curve(i, &period).expect("curve");
            let at = curve.value(a.spend.to_f64().expect("spend"));
            assert_eq!(a.expected_response, to_cents(at), "{}", a.name);
        }
        let weeks = &p.implementation_timeline;
        assert!(weeks.len() > 1, "a rollout of several weeks");
        let weekly_budget = (to_cents(budget) * Decimal::from(7) / Decimal::from(45)).round_dp(2);
        for w in weeks {
            assert_eq!(w.expected_response, responses(&w.allocation));
            assert_eq!(w.expected_weekly_response, responses(&w.weekly_allocation));
            assert_eq!(spend(&w.allocation), to_cents(budget));
            assert_eq!(
                spend(&w.weekly_allocation),
                weekly_budget,
                "week {}",
                w.week
            );
            for (period_row, week_row) in w.allocation.iter().zip(&w.weekly_allocation) {
                let per_week = period_row.spend * Decimal::from(7) / Decimal::from(45);
                assert!(
                    (week_row.spend - per_week).abs() <= Decimal::new(1, 2),
                    "{} {} vs {per_week}",
                    week_row.name,
                    week_row.spend
                );
            }
        }
        let last = weeks.last().expect("a week");
        assert_eq!(last.allocation, p.optimized_allocation);
    }
}
