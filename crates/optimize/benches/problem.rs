//! The benchmark problems (shared with nothing else).

use spendlens_optimize::{Channel, Hill, Problem, ResponseCurve};
use spendlens_rng::SplitMix64;

/// A number in `[lo, hi)` from the seeded stream, so that every run solves the same problems.
fn range(rng: &mut SplitMix64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.unit()
}

pub fn problem(n: usize, s_lo: f64, s_hi: f64, draws: usize) -> Problem {
    let mut rng = SplitMix64::new(42);
    let mut total = 0.0;
    let channels = (0..n)
        .map(|i| {
            let (beta, k, s) = (
                range(&mut rng, 20.0, 500.0),
                range(&mut rng, 5.0, 80.0),
                range(&mut rng, s_lo, s_hi),
            );
            let hs = (0..draws)
                .map(|_| {
                    let mut j = || {
                        if draws > 1 {
                            range(&mut rng, 0.9, 1.1)
                        } else {
                            1.0
                        }
                    };
                    Hill::new(beta * j(), k * j(), (s * j()).min(s_hi)).expect("valid")
                })
                .collect();
            let current = range(&mut rng, 5.0, 60.0);
            total += current;
            let (lo, hi) = (
                current * range(&mut rng, 0.0, 0.6),
                current * range(&mut rng, 1.5, 4.0),
            );
            Channel::new(
                format!("c{i}"),
                ResponseCurve::from_draws(hs).expect("draws"),
            )
            .current(current)
            .bounds(lo, hi)
        })
        .collect();
    Problem::new(total, channels)
}
