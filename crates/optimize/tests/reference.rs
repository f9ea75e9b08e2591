//! Independent reference solutions, slow and simple on purpose.

/// One channel: Hill draws `(beta, k, s)` and bounds.
#[derive(Debug, Clone)]
pub struct RefChannel {
    pub draws: Vec<(f64, f64, f64)>,
    pub lo: f64,
    pub hi: f64,
}

/// Mean response, straight from the formula.
pub fn value(draws: &[(f64, f64, f64)], x: f64) -> f64 {
    let sum: f64 = draws
        .iter()
        .map(|&(b, k, s)| {
            if x <= 0.0 {
                0.0
            } else {
                b * x.powf(s) / (x.powf(s) + k.powf(s))
            }
        })
        .sum();
    sum / draws.len() as f64
}

/// Mean marginal response, straight from the formula `β s kˢ x^(s−1) / (xˢ + kˢ)²`.
pub fn marginal(draws: &[(f64, f64, f64)], x: f64) -> f64 {
    let sum: f64 = draws
        .iter()
        .map(|&(b, k, s)| {
            let (xs, ks) = (x.powf(s), k.powf(s));
            b * s * ks * x.powf(s - 1.0) / ((xs + ks) * (xs + ks))
        })
        .sum();
    sum / draws.len() as f64
}

fn spend_at(ch: &RefChannel, lam: f64) -> f64 {
    if marginal(&ch.draws, ch.lo) <= lam {
        return ch.lo;
    }
    if marginal(&ch.draws, ch.hi) >= lam {
        return ch.hi;
    }
    let (mut lo, mut hi) = (ch.lo, ch.hi);
    for _ in 0..110 {
        let mid = 0.5 * (lo + hi);
        if marginal(&ch.draws, mid) > lam {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The exact optimum for concave curves: bisection on λ, bisection per channel on `f' = λ`.
/// Returns the spends and the total response.
pub fn solve_concave(chs: &[RefChannel], budget: f64) -> (Vec<f64>, f64) {
    let total = |lam: f64| chs.iter().map(|c| spend_at(c, lam)).sum::<f64>();
    let mut hi = 1.0;
    while total(hi) > budget && hi < 1e300 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..120 {
        let mid = 0.5 * (lo + hi);
        if total(mid) > budget {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let x: Vec<f64> = chs.iter().map(|c| spend_at(c, hi)).collect();
    let v = chs.iter().zip(&x).map(|(c, &xi)| value(&c.draws, xi)).sum();
    (x, v)
}

/// The best total response with every spend on a grid of `steps` equal parts of the budget, by
/// dynamic programming: a lower bound on the true optimum that any valid upper bound must exceed.
pub fn grid_optimum(chs: &[RefChannel], budget: f64, steps: usize) -> f64 {
    let h = budget / steps as f64;
    let mut best = vec![f64::NEG_INFINITY; steps + 1];
    best[0] = 0.0;
    for c in chs {
        let mut next = vec![f64::NEG_INFINITY; steps + 1];
        for used in 0..=steps {
            if best[used] == f64::NEG_INFINITY {
                continue;
            }
            for add in 0..=(steps - used) {
                let x = add as f64 * h;
                if x < c.lo - 1e-9 * budget || x > c.hi + 1e-9 * budget {
                    continue;
                }
                let v = best[used] + value(&c.draws, x);
                if v > next[used + add] {
                    next[used + add] = v;
                }
            }
        }
        best = next;
    }
    best[steps]
}

/// [`grid_optimum`] with the channels in `group` capped together at `cap`: the group's best
/// response for every grid spend is computed first, capped, then combined with the rest.
pub fn grid_optimum_grouped(
    chs: &[RefChannel],
    group: &[usize],
    cap: f64,
    budget: f64,
    steps: usize,
) -> f64 {
    let h = budget / steps as f64;
    let combine = |best: &[f64], c: &RefChannel| {
        let mut next = vec![f64::NEG_INFINITY; steps + 1];
        for used in 0..=steps {
            if best[used] == f64::NEG_INFINITY {
                continue;
            }
            for add in 0..=(steps - used) {
                let x = add as f64 * h;
                if x < c.lo - 1e-9 * budget || x > c.hi + 1e-9 * budget {
                    continue;
                }
                let v = best[used] + value(&c.draws, x);
                if v > next[used + add] {
                    next[used + add] = v;
                }
            }
        }
        next
    };
    let mut start = vec![f64::NEG_INFINITY; steps + 1];
    start[0] = 0.0;
    let mut in_group = start.clone();
    for &i in group {
        in_group = combine(&in_group, &chs[i]);
    }
    for (j, v) in in_group.iter_mut().enumerate() {
        if j as f64 * h > cap + 1e-9 * budget {
            *v = f64::NEG_INFINITY;
        }
    }
    let mut best = in_group;
    for (i, c) in chs.iter().enumerate() {
        if !group.contains(&i) {
            best = combine(&best, c);
        }
    }
    best[steps]
}
