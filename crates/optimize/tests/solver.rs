//! The solver against the independent reference on the acceptance problems (5, 50, 500 channels).

use spendlens_optimize::{
    Bound, Channel, Group, Hill, OptimizeError, Problem, ResponseCurve, Status, optimize,
};

use spendlens_rng::SplitMix64;

use crate::reference::{RefChannel, grid_optimum, solve_concave};

/// A small deterministic generator (SplitMix64), so the problems are the same on every run.
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(SplitMix64::new(seed))
    }
    pub fn next_f64(&mut self) -> f64 {
        self.0.unit()
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }
}

/// A random problem: `n` channels, shapes in `[s_lo, s_hi]`, `draws` draws per channel, bounds
/// around a current spend, budget between the floors and the caps.
pub fn problem(
    seed: u64,
    n: usize,
    s_lo: f64,
    s_hi: f64,
    draws: usize,
) -> (Problem, Vec<RefChannel>) {
    let mut rng = Rng::new(seed);
    let mut channels = Vec::new();
    let mut refs = Vec::new();
    let mut total = 0.0;
    for i in 0..n {
        let beta = rng.range(20.0, 500.0);
        let k = rng.range(5.0, 80.0);
        let s = rng.range(s_lo, s_hi);
        let hs: Vec<(f64, f64, f64)> = (0..draws)
            .map(|_| {
                let j = |r: &mut Rng| if draws > 1 { r.range(0.9, 1.1) } else { 1.0 };
                (
                    beta * j(&mut rng),
                    k * j(&mut rng),
                    (s * j(&mut rng)).min(s_hi),
                )
            })
            .collect();
        let curve = ResponseCurve::from_draws(
            hs.iter()
                .map(|&(b, k, s)| Hill::new(b, k, s).expect("valid"))
                .collect(),
        )
        .expect("draws");
        let current = rng.range(5.0, 60.0);
        let lo = current * rng.range(0.0, 0.6);
        let hi = current * rng.range(1.5, 4.0);
        total += current;
        channels.push(
            Channel::new(format!("c{i}"), curve)
                .current(current)
                .bounds(lo, hi),
        );
        refs.push(RefChannel { draws: hs, lo, hi });
    }
    (Problem::new(total, channels), refs)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
}

fn check_concave(seed: u64, n: usize, draws: usize) {
    let (p, refs) = problem(seed, n, 0.3, 1.0, draws);
    let s = optimize(&p).expect("feasible");
    let (_, want) = solve_concave(&refs, p.total_budget);
    assert!(
        rel(s.total_response, want) <= 1e-9,
        "n={n}: {} vs reference {want}",
        s.total_response
    );
    assert!(s.optimality_gap <= 1e-9, "gap {}", s.optimality_gap);
    assert!(
        s.upper_bound >= want * (1.0 - 1e-12),
        "bound {} below optimum {want}",
        s.upper_bound
    );
    let spent: f64 = s.allocation.iter().map(|a| a.spend).sum();
    assert!(rel(spent, p.total_budget) <= 1e-12);
    assert_eq!(s.status, Status::Optimal);
}

#[test]
fn concave_5_channels_match_the_reference() {
    for seed in 0..20 {
        check_concave(seed, 5, 1);
    }
}

#[test]
fn concave_50_channels_match_the_reference() {
    for seed in 100..104 {
        check_concave(seed, 50, 1);
    }
}

#[test]
fn concave_500_channels_match_the_reference() {
    check_concave(7, 500, 1);
}

#[test]
fn concave_draws_match_the_reference() {
    check_concave(11, 10, 40);
}

fn check_s_shaped(seed: u64, n: usize, draws: usize, grid: Option<usize>) {
    let (p, refs) = problem(seed, n, 0.5, 3.5, draws);
    let s = optimize(&p).expect("feasible");
    assert!(
        s.optimality_gap < 1e-5,
        "seed {seed} n={n}: gap {}",
        s.optimality_gap
    );
    let spent: f64 = s.allocation.iter().map(|a| a.spend).sum();
    assert!(rel(spent, p.total_budget) <= 1e-12);
    for (a, r) in s.allocation.iter().zip(&refs) {
        assert!(
            a.spend >= r.lo - 1e-9 && a.spend <= r.hi + 1e-9,
            "{}: {} outside bounds",
            a.name,
            a.spend
        );
    }
    // The reported response is what the formula says at the reported spends.
    let direct: f64 = s
        .allocation
        .iter()
        .zip(&refs)
        .map(|(a, r)| crate::reference::value(&r.draws, a.spend))
        .sum();
    assert!(rel(direct, s.total_response) <= 1e-12);
    assert!(s.total_response >= s.current_response * (1.0 - 1e-12));
    if let Some(steps) = grid {
        // The certificate must hold against an independent search of the feasible set.
        let dp = grid_optimum(&refs, p.total_budget, steps);
        assert!(
            s.upper_bound >= dp * (1.0 - 1e-12),
            "bound {} below a feasible {dp}",
            s.upper_bound
        );
        assert!(
            s.total_response >= dp * (1.0 - 1e-9),
            "{} worse than grid {dp}",
            s.total_response
        );
    }
}

#[test]
fn s_shaped_5_channels_are_certified_and_beat_a_grid_search() {
    for seed in 0..12 {
        check_s_shaped(seed, 5, 1, Some(600));
    }
}

#[test]
fn s_shaped_50_and_500_channels_are_certified() {
    check_s_shaped(3, 50, 1, None);
    check_s_shaped(4, 500, 1, None);
}

#[test]
fn s_shaped_draws_are_certified() {
    check_s_shaped(5, 5, 20, Some(400));
}

#[test]
fn a_hard_s_shaped_case_needs_branching() {
    // Two identical S-curves and a budget that one channel uses better than two: the envelope
    // relaxation splits the budget on the linear pieces, the best plan does not.
    let (beta, k, s) = (100.0, 50.0, 4.0);
    let h = Hill::new(beta, k, s).expect("valid");
    let ch = |n: &str| Channel::new(n, ResponseCurve::single(h));
    let p = Problem::new(90.0, vec![ch("a"), ch("b")]);
    let sol = optimize(&p).expect("feasible");
    let refs = vec![
        RefChannel {
            draws: vec![(beta, k, s)],
            lo: 0.0,
            hi: 90.0
        };
        2
    ];
    let dp = grid_optimum(&refs, 90.0, 9000);
    assert!(
        sol.total_response >= dp * (1.0 - 1e-9),
        "{} vs grid {dp}",
        sol.total_response
    );
    assert!(
        sol.upper_bound >= dp,
        "bound {} below a feasible {dp}",
        sol.upper_bound
    );
    assert!(sol.optimality_gap < 1e-9, "gap {}", sol.optimality_gap);
    assert!(sol.nodes > 1, "the root relaxation alone cannot prove this");
}

#[test]
fn frozen_channels_keep_their_spend() {
    let (mut p, _) = problem(1, 6, 0.4, 1.0, 1);
    p.channels[2].frozen = true;
    let s = optimize(&p).expect("feasible");
    assert!((s.allocation[2].spend - p.channels[2].current_spend).abs() < 1e-12);
}

#[test]
fn ramp_limits_bound_the_change() {
    let (mut p, _) = problem(2, 6, 0.4, 1.0, 1);
    p.ramp_limit = Some(0.1);
    let s = optimize(&p).expect("feasible");
    for (a, c) in s.allocation.iter().zip(&p.channels) {
        assert!(
            (a.spend - c.current_spend).abs() <= 0.1 * c.current_spend * (1.0 + 1e-12) + 1e-12,
            "{}",
            a.name
        );
    }
}

#[test]
fn group_caps_bind_and_the_rest_is_optimal() {
    let (mut p, mut refs) = problem(3, 6, 0.4, 1.0, 1);
    let free = optimize(&p).expect("feasible");
    let grouped = free.allocation[0].spend + free.allocation[1].spend;
    let cap = 0.8 * grouped;
    p.groups.push(Group {
        name: "social".into(),
        channels: vec![0, 1],
        max_spend: cap,
    });
    let s = optimize(&p).expect("feasible");
    let spent = s.allocation[0].spend + s.allocation[1].spend;
    assert!(spent <= cap * (1.0 + 1e-12), "{spent} > {cap}");
    // Reference: the cap binds, so solve the group with budget `cap` and the rest with the remainder.
    let rest = p.total_budget - cap;
    let (_, g) = solve_concave(&refs[..2], cap);
    let (_, r) = solve_concave(&refs.split_off(2), rest);
    assert!(
        rel(s.total_response, g + r) <= 1e-9,
        "{} vs {}",
        s.total_response,
        g + r
    );
    assert!(s.optimality_gap <= 1e-9);
}

#[test]
fn infeasible_bounds_name_the_field() {
    let (mut p, _) = problem(4, 3, 0.4, 1.0, 1);
    p.total_budget = 1e6;
    let err = optimize(&p).expect_err("too much money");
    assert!(err.to_string().starts_with("total_budget:"), "{err}");
    p.total_budget = 10.0;
    p.channels[1].min_spend = 50.0;
    p.channels[1].max_spend = 40.0;
    p.channels[2].current_spend = f64::NAN;
    let OptimizeError::Invalid(issues) = optimize(&p).expect_err("bad") else {
        panic!("wrong kind")
    };
    let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        ["channels[1].max_spend", "channels[2].current_spend"]
    );
}

#[test]
fn bounds_are_reported() {
    let h = Hill::new(100.0, 10.0, 0.8).expect("valid");
    let weak = Hill::new(1.0, 10.0, 0.8).expect("valid");
    let p = Problem::new(
        30.0,
        vec![
            Channel::new("strong", ResponseCurve::single(h)).bounds(0.0, 20.0),
            Channel::new("weak", ResponseCurve::single(weak)).bounds(2.0, 100.0),
            Channel::new("mid", ResponseCurve::single(h)).bounds(0.0, 100.0),
        ],
    );
    let s = optimize(&p).expect("feasible");
    assert_eq!(s.allocation[1].at_bound, Some(Bound::Min));
    assert_eq!(s.allocation[2].at_bound, None);
    let total: rust_decimal::Decimal = s.allocation.iter().map(|a| a.spend_rounded).sum();
    assert_eq!(total, rust_decimal::Decimal::new(3000, 2));
}

#[test]
fn s_curves_with_a_group_cap_beat_a_grid_search() {
    // The golden fixture s_curves_groups_frozen, checked against an independent search.
    let spec = [
        ("search", 400.0, 90.0, 0.8, 60.0, 180.0),
        ("meta", 350.0, 110.0, 2.4, 50.0, 150.0),
        ("tiktok", 300.0, 70.0, 3.1, 40.0, 120.0),
        ("youtube", 250.0, 80.0, 1.7, 60.0, 150.0),
        ("email", 150.0, 40.0, 0.6, 100.0, 100.0),
    ];
    let channels = spec
        .iter()
        .map(|&(n, b, k, s, lo, hi)| {
            Channel::new(n, ResponseCurve::single(Hill::new(b, k, s).expect("valid")))
                .bounds(lo, hi)
        })
        .collect();
    let mut p = Problem::new(500.0, channels);
    p.groups.push(Group {
        name: "social".into(),
        channels: vec![1, 2],
        max_spend: 170.0,
    });
    let s = optimize(&p).expect("feasible");
    let refs: Vec<RefChannel> = spec
        .iter()
        .map(|&(_, b, k, s, lo, hi)| RefChannel {
            draws: vec![(b, k, s)],
            lo,
            hi,
        })
        .collect();
    let dp = crate::reference::grid_optimum_grouped(&refs, &[1, 2], 170.0, 500.0, 1000);
    assert!(
        s.upper_bound >= dp,
        "bound {} below a feasible {dp}",
        s.upper_bound
    );
    assert!(
        s.total_response >= dp * (1.0 - 1e-9),
        "{} vs grid {dp}",
        s.total_response
    );
    assert!(s.optimality_gap < 1e-9, "gap {}", s.optimality_gap);
    assert!(s.allocation[1].spend + s.allocation[2].spend <= 170.0 * (1.0 + 1e-12));
}

#[test]
fn the_budget_residual_is_not_taken_from_a_channel_at_its_cap() {
    // Found by a stress run: a tiny capped channel with a marginal of 44 next to a huge one at
    // marginal 4e-8; the last rounding residual of Σx = B must go to the interior channel.
    let refs = vec![
        RefChannel {
            draws: vec![(63.680392215841664, 0.6639200337615284, 0.5721248113526828)],
            lo: 0.0,
            hi: 0.18083056241205903,
        },
        RefChannel {
            draws: vec![(391.7857523712848, 0.021354149046280718, 0.15821081463969616)],
            lo: 504.5536422933842,
            hi: 8357.630757714078,
        },
        RefChannel {
            draws: vec![(9.27946491308848, 179.70559706673623, 0.6088937380967553)],
            lo: 0.0,
            hi: 838635.3030655001,
        },
    ];
    let budget = 838635.3030655001;
    let channels = refs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (b, k, s) = r.draws[0];
            Channel::new(
                format!("c{i}"),
                ResponseCurve::single(Hill::new(b, k, s).expect("valid")),
            )
            .bounds(r.lo, r.hi)
        })
        .collect();
    let s = optimize(&Problem::new(budget, channels)).expect("feasible");
    let (_, want) = solve_concave(&refs, budget);
    assert!(
        rel(s.total_response, want) <= 1e-11,
        "{} vs {want}",
        s.total_response
    );
    assert!((s.allocation[0].spend - refs[0].hi).abs() <= 1e-15);
}

mod modes {
    use spendlens_optimize::{
        Bound, OptimizeError, min_budget, optimize, spend_to_marginal, target_roas,
    };

    use super::{problem, rel};

    #[test]
    fn target_marginal_spends_to_the_marginal() {
        let (p, _) = problem(21, 8, 0.3, 1.0, 1);
        let s = spend_to_marginal(&p, 0.8).expect("reachable");
        for a in &s.allocation {
            match a.at_bound {
                None => assert!(
                    rel(a.marginal_response, 0.8) < 1e-6,
                    "{}: {}",
                    a.name,
                    a.marginal_response
                ),
                Some(Bound::Min) => assert!(a.marginal_response <= 0.8 * (1.0 + 1e-9)),
                Some(Bound::Max) => assert!(a.marginal_response >= 0.8 * (1.0 - 1e-9)),
            }
        }
    }

    #[test]
    fn min_budget_is_the_least_that_reaches_the_target() {
        let (p, _) = problem(22, 8, 0.3, 2.5, 1);
        let full = optimize(&p).expect("feasible");
        let target = 0.9 * full.total_response;
        let s = min_budget(&p, target).expect("reachable");
        assert!(s.total_response >= target * (1.0 - 1e-12));
        let mut less = p.clone();
        less.total_budget = s.total_budget * (1.0 - 1e-6);
        assert!(optimize(&less).expect("feasible").total_response < target);
        assert!(matches!(
            min_budget(&p, 1e12),
            Err(OptimizeError::Unreachable(_))
        ));
    }

    #[test]
    fn target_roas_is_the_largest_budget_at_that_return() {
        let (p, _) = problem(23, 8, 0.3, 1.0, 1);
        let s = target_roas(&p, 2.0).expect("reachable");
        assert!(s.total_response >= 2.0 * s.total_budget * (1.0 - 1e-12));
        let mut more = p;
        more.total_budget = s.total_budget * (1.0 + 1e-6);
        if let Ok(m) = optimize(&more) {
            assert!(
                m.total_response < 2.0 * m.total_budget,
                "a larger budget still returns 2"
            );
        }
    }
}
