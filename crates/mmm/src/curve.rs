//! Carry-over and diminishing returns: geometric adstock and the Hill curve, and the steady-state
//! response curve the budget optimiser reads.

/// Normalised geometric adstock: `a[t] = (1 − λ)·x[t] + λ·a[t−1]`, started at `a[0] = x[0]`
/// (as if the first period's spend had been running before the data began).
///
/// Normalised (weights summing to 1) rather than the plain `x[t] + λ·a[t−1]`: a constant spend
/// `x` then has adstock `x`, so the half-saturation point stays in spend-per-period units
/// whatever the decay, and decay and half-saturation are far less correlated in the fit. Started
/// at the first spend rather than at zero: zero would read the first weeks' response as lower.
pub(crate) fn adstock_into(x: &[f64], decay: f64, out: &mut [f64]) {
    let mut a = x.first().copied().unwrap_or(0.0);
    for (o, &v) in out.iter_mut().zip(x) {
        a = (1.0 - decay) * v + decay * a;
        *o = a;
    }
}

/// The Hill curve `a^s / (a^s + k^s)` in `[0, 1)`.
pub(crate) fn hill(a: f64, k: f64, s: f64) -> f64 {
    if a <= 0.0 {
        0.0
    } else {
        1.0 / (1.0 + (k / a).powf(s))
    }
}

/// The derivative of [`hill`] with respect to `a`: `s/a · h(1 − h)`.
pub(crate) fn hill_slope(a: f64, k: f64, s: f64) -> f64 {
    if a <= 0.0 {
        if (s - 1.0).abs() < 1e-12 {
            1.0 / k
        } else if s < 1.0 {
            f64::INFINITY
        } else {
            0.0
        }
    } else {
        let h = hill(a, k, s);
        s / a * h * (1.0 - h)
    }
}

/// A channel's fitted response: the KPI per period that a steady spend of `x` per period brings
/// once carry-over has built up, `beta · x^s / (x^s + half_saturation^s)`. This is what the budget
/// optimiser and an MMM page need (the optimiser's Hill curve with these three numbers); the
/// decay says how long the effect of one period's spend lasts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseCurve {
    /// KPI per period at full saturation.
    pub beta: f64,
    /// Spend per period at which half of `beta` is reached.
    pub half_saturation: f64,
    /// Hill shape: ≤ 1 concave, > 1 S-shaped.
    pub shape: f64,
    /// Geometric adstock decay per period, in `[0, 1)`.
    pub decay: f64,
}

impl ResponseCurve {
    /// Steady-state KPI per period at a steady spend of `spend` per period.
    pub fn contribution(&self, spend: f64) -> f64 {
        self.beta * hill(spend, self.half_saturation, self.shape)
    }

    /// The derivative of [`contribution`](Self::contribution): the KPI that one more unit of
    /// per-period spend brings per period, in steady state (the marginal ROI).
    pub fn marginal(&self, spend: f64) -> f64 {
        self.beta * hill_slope(spend, self.half_saturation, self.shape)
    }

    /// Periods until the effect of one period's spend halves: `ln ½ / ln λ` (0 without carry-over).
    pub fn half_life(&self) -> f64 {
        if self.decay <= 0.0 {
            0.0
        } else {
            0.5_f64.ln() / self.decay.ln()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_spend_keeps_its_level_and_a_pulse_decays_geometrically() {
        let mut out = vec![0.0; 4];
        adstock_into(&[3.0; 4], 0.6, &mut out);
        assert!(out.iter().all(|v| (v - 3.0).abs() < 1e-12));
        adstock_into(&[0.0, 1.0, 0.0, 0.0], 0.5, &mut out);
        assert!((out[1] - 0.5).abs() < 1e-12 && (out[2] - 0.25).abs() < 1e-12);
    }

    #[test]
    fn the_curve_is_half_at_half_saturation_and_its_slope_matches_a_difference() {
        let c = ResponseCurve {
            beta: 10.0,
            half_saturation: 4.0,
            shape: 1.7,
            decay: 0.2,
        };
        assert!((c.contribution(4.0) - 5.0).abs() < 1e-12);
        let h = 1e-6;
        let numeric = (c.contribution(3.0 + h) - c.contribution(3.0 - h)) / (2.0 * h);
        assert!((numeric - c.marginal(3.0)).abs() < 1e-6);
        assert!((c.half_life() - 0.4307).abs() < 1e-3);
    }
}
