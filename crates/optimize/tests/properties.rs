//! Properties of the solver on random problems.

use proptest::prelude::*;
use spendlens_optimize::{Bound, Channel, Hill, Problem, ResponseCurve, optimize};

fn arb_problem(s_max: f64) -> impl Strategy<Value = Problem> {
    let channel = (
        1.0f64..1000.0,
        1.0f64..100.0,
        0.2f64..s_max,
        0.0f64..100.0,
        0.0f64..1.0,
        1.0f64..4.0,
    );
    (proptest::collection::vec(channel, 1..10), 0.0f64..1.0).prop_map(|(chs, t)| {
        let mut channels = Vec::new();
        let (mut floor, mut cap) = (0.0, 0.0);
        for (i, (beta, k, s, current, lo, hi)) in chs.into_iter().enumerate() {
            let curve = ResponseCurve::single(Hill::new(beta, k, s).expect("valid"));
            let (lo, hi) = (current * lo, (current * hi).max(1.0));
            floor += lo;
            cap += hi;
            channels.push(
                Channel::new(format!("c{i}"), curve)
                    .current(current)
                    .bounds(lo, hi),
            );
        }
        let budget = floor + t * (cap - floor);
        Problem::new(budget, channels)
    })
}

fn feasible_current(p: &mut Problem) {
    // Make the current spends a feasible plan by spreading the budget proportionally to room.
    let floor: f64 = p.channels.iter().map(|c| c.min_spend).sum();
    let room: f64 = p.channels.iter().map(|c| c.max_spend - c.min_spend).sum();
    let share = if room > 0.0 {
        (p.total_budget - floor) / room
    } else {
        0.0
    };
    for c in &mut p.channels {
        c.current_spend = c.min_spend + share * (c.max_spend - c.min_spend);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn budget_spent_bounds_kept_never_worse(mut p in arb_problem(3.0)) {
        feasible_current(&mut p);
        let s = optimize(&p).expect("feasible by construction");
        let spent: f64 = s.allocation.iter().map(|a| a.spend).sum();
        prop_assert!((spent - p.total_budget).abs() <= 1e-9 * p.total_budget.max(1.0));
        for (a, c) in s.allocation.iter().zip(&p.channels) {
            prop_assert!(a.spend >= c.min_spend && a.spend <= c.max_spend, "{} {} [{}, {}]", a.name, a.spend, c.min_spend, c.max_spend);
        }
        prop_assert!(s.total_response >= s.current_response * (1.0 - 1e-12), "{} < {}", s.total_response, s.current_response);
        prop_assert!(s.optimality_gap < 1e-5, "gap {}", s.optimality_gap);
        let cents: rust_decimal::Decimal = s.allocation.iter().map(|a| a.spend_rounded).sum();
        prop_assert_eq!(cents, spendlens_optimize::to_cents(p.total_budget));
    }

    #[test]
    fn group_caps_hold_and_are_certified(mut p in arb_problem(3.0), share in 0.1f64..1.0, ramp in proptest::option::of(0.2f64..2.0)) {
        prop_assume!(p.channels.len() >= 3);
        feasible_current(&mut p);
        let group_floor = p.channels[0].min_spend + p.channels[1].min_spend;
        let group_top = p.channels[0].max_spend + p.channels[1].max_spend;
        let cap = group_floor + share * (group_top - group_floor);
        p.groups.push(spendlens_optimize::Group { name: "g".into(), channels: vec![0, 1], max_spend: cap });
        p.ramp_limit = ramp;
        // Infeasible combinations must be refused with a located error, feasible ones solved.
        match optimize(&p) {
            Err(e) => prop_assert!(e.to_string().contains(':'), "{}", e),
            Ok(s) => {
                let spent: f64 = s.allocation.iter().map(|a| a.spend).sum();
                prop_assert!((spent - p.total_budget).abs() <= 1e-9 * p.total_budget.max(1.0));
                let grouped = s.allocation[0].spend + s.allocation[1].spend;
                prop_assert!(grouped <= cap * (1.0 + 1e-9) + 1e-9, "{} > {}", grouped, cap);
                for (a, c) in s.allocation.iter().zip(&p.channels) {
                    prop_assert!(a.spend >= c.min_spend - 1e-9 && a.spend <= c.max_spend + 1e-9);
                    if let Some(r) = ramp {
                        prop_assert!((a.spend - c.current_spend).abs() <= r * c.current_spend * (1.0 + 1e-9) + 1e-9);
                    }
                }
                prop_assert!(s.optimality_gap < 1e-5, "gap {}", s.optimality_gap);
                prop_assert!(s.upper_bound >= s.total_response);
            }
        }
    }

    #[test]
    fn kkt_holds_for_concave_curves(p in arb_problem(1.0)) {
        let s = optimize(&p).expect("feasible by construction");
        let lam = s.marginal_response;
        prop_assert!(s.optimality_gap <= 1e-9);
        for a in &s.allocation {
            let m = a.marginal_response;
            let tol = 1e-6 * lam.max(m) + 1e-12;
            match a.at_bound {
                None => prop_assert!((m - lam).abs() <= tol, "{}: marginal {} vs λ {}", a.name, m, lam),
                Some(Bound::Min) => prop_assert!(m <= lam + tol, "{} at min with marginal {} > λ {}", a.name, m, lam),
                Some(Bound::Max) => prop_assert!(m >= lam - tol, "{} at max with marginal {} < λ {}", a.name, m, lam),
            }
        }
    }

    #[test]
    fn scaling_curves_scales_the_answer(p in arb_problem(1.0), c in 0.1f64..10.0) {
        let s = optimize(&p).expect("feasible");
        let budget = p.total_budget;
        // Response scaled by c: same spends, response × c.
        let mut q = p.clone();
        for ch in &mut q.channels {
            ch.curve = ch.curve.scaled(c, 1.0).expect("valid");
        }
        let t = optimize(&q).expect("feasible");
        prop_assert!((t.total_response - c * s.total_response).abs() <= 1e-9 * t.total_response.max(1e-9));
        for (a, b) in s.allocation.iter().zip(&t.allocation) {
            prop_assert!((a.spend - b.spend).abs() <= 1e-6 * budget.max(1.0));
        }
        // Spend scaled by c (curves, bounds, budget): spends × c, same response.
        let mut r = p;
        r.total_budget *= c;
        for ch in &mut r.channels {
            ch.curve = ch.curve.scaled(1.0, c).expect("valid");
            ch.min_spend *= c;
            ch.max_spend *= c;
            ch.current_spend *= c;
        }
        let u = optimize(&r).expect("feasible");
        prop_assert!((u.total_response - s.total_response).abs() <= 1e-9 * s.total_response.max(1e-9));
        for (a, b) in s.allocation.iter().zip(&u.allocation) {
            prop_assert!((c * a.spend - b.spend).abs() <= 1e-6 * r.total_budget.max(1.0));
        }
    }
}

/// Extreme but valid scales: saturation levels and half-saturation spends over eight decades,
/// shapes from 0.1 to 8, draws, bounds that leave almost nothing free.
fn arb_extreme() -> impl Strategy<Value = (Problem, Vec<crate::reference::RefChannel>)> {
    let channel = (
        -2.0f64..6.0,
        -2.0f64..5.0,
        0.1f64..8.0,
        1usize..4,
        proptest::option::of(-3.0f64..4.0),
        -3.0f64..5.0,
    );
    (proptest::collection::vec(channel, 1..7), 0.0f64..1.0).prop_map(|(chs, t)| {
        let mut channels = Vec::new();
        let mut refs = Vec::new();
        let (mut floor, mut cap) = (0.0, 0.0);
        for (i, (lb, lk, s, draws, lo, width)) in chs.into_iter().enumerate() {
            let d: Vec<(f64, f64, f64)> = (0..draws)
                .map(|j| {
                    (
                        10f64.powf(lb) * (1.0 + 0.05 * j as f64),
                        10f64.powf(lk) * (1.0 - 0.04 * j as f64),
                        s * (1.0 + 0.03 * j as f64),
                    )
                })
                .collect();
            let curve = ResponseCurve::from_draws(
                d.iter()
                    .map(|&(b, k, s)| Hill::new(b, k, s).expect("valid"))
                    .collect(),
            )
            .expect("draws");
            let lo = lo.map_or(0.0, |l| 10f64.powf(l));
            let hi = lo + 10f64.powf(width);
            floor += lo;
            cap += hi;
            channels.push(
                Channel::new(format!("c{i}"), curve)
                    .current(lo)
                    .bounds(lo, hi),
            );
            refs.push(crate::reference::RefChannel { draws: d, lo, hi });
        }
        (Problem::new(floor + t * (cap - floor), channels), refs)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn extreme_scales_are_solved_and_certified((p, refs) in arb_extreme()) {
        let s = optimize(&p).expect("feasible by construction");
        let b = p.total_budget;
        let spent: f64 = s.allocation.iter().map(|a| a.spend).sum();
        prop_assert!((spent - b).abs() <= 1e-9 * b.max(1.0));
        for (a, r) in s.allocation.iter().zip(&refs) {
            prop_assert!(a.spend >= r.lo && a.spend <= r.hi, "{} {} [{}, {}]", a.name, a.spend, r.lo, r.hi);
        }
        prop_assert!(s.optimality_gap < 1e-5, "gap {} nodes {}", s.optimality_gap, s.nodes);
        if refs.iter().all(|r| r.draws.iter().all(|d| d.2 <= 1.0)) {
            let (_, want) = crate::reference::solve_concave(&refs, b);
            prop_assert!(s.upper_bound >= want * (1.0 - 1e-9), "bound {} below the optimum {}", s.upper_bound, want);
            prop_assert!(s.total_response >= want * (1.0 - 1e-7), "{} vs reference {}", s.total_response, want);
        }
    }
}
