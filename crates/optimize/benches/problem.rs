//! The benchmark problems (shared with nothing else).

use spendlens_optimize::{Channel, Hill, Problem, ResponseCurve};

/// SplitMix64, so that every run solves the same problems.
struct Rng(u64);

impl Rng {
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        lo + (hi - lo) * ((z >> 11) as f64 / (1u64 << 53) as f64)
    }
}

pub fn problem(n: usize, s_lo: f64, s_hi: f64, draws: usize) -> Problem {
    let mut rng = Rng(42);
    let mut total = 0.0;
    let channels = (0..n)
        .map(|i| {
            let (beta, k, s) = (
                rng.range(20.0, 500.0),
                rng.range(5.0, 80.0),
                rng.range(s_lo, s_hi),
            );
            let hs = (0..draws)
                .map(|_| {
                    let mut j = || if draws > 1 { rng.range(0.9, 1.1) } else { 1.0 };
                    Hill::new(beta * j(), k * j(), (s * j()).min(s_hi)).expect("valid")
                })
                .collect();
            let current = rng.range(5.0, 60.0);
            total += current;
            let (lo, hi) = (current * rng.range(0.0, 0.6), current * rng.range(1.5, 4.0));
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
