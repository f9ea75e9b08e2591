//! Hill response curves, their mean over posterior or bootstrap draws, and the concave envelope
//! that the global solver relaxes S-shaped curves to.
//!
//! All evaluation goes through one routine that costs a single `exp` per draw (the Hill fraction
//! is a logistic function of `s·(ln x − ln k)`), because the solver evaluates a 1000-draw curve
//! tens of times per channel and `powf` would cost twice as much and overflow for large `x`.

use crate::error::Issue;

/// One Hill curve: `response(x) = beta · x^s / (x^s + k^s)` for spend `x ≥ 0`.
///
/// `beta` is the saturation level, `k` the half-saturation spend and `s` the shape: `s ≤ 1` is
/// concave on `[0, ∞)`, `s > 1` is S-shaped (convex up to the inflection point, concave after).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hill {
    beta: f64,
    k: f64,
    s: f64,
    /// `ln k`, cached: every evaluation needs it.
    lnk: f64,
}

impl Hill {
    /// Checks `beta > 0`, `k > 0`, `s > 0`, all finite; the error names the offending field.
    pub fn new(beta: f64, k: f64, s: f64) -> Result<Self, Issue> {
        for (name, v) in [("beta", beta), ("k", k), ("s", s)] {
            if !v.is_finite() || v <= 0.0 {
                return Err(Issue::new(
                    name,
                    format!("must be a finite number > 0, got {v}"),
                ));
            }
        }
        Ok(Self {
            beta,
            k,
            s,
            lnk: k.ln(),
        })
    }

    /// Saturation level.
    pub fn beta(&self) -> f64 {
        self.beta
    }
    /// Half-saturation spend.
    pub fn k(&self) -> f64 {
        self.k
    }
    /// Shape exponent.
    pub fn s(&self) -> f64 {
        self.s
    }

    /// The response at spend `x` (negative spend counts as zero).
    pub fn value(&self, x: f64) -> f64 {
        hill3(self.beta, self.s, self.lnk, x).0
    }

    /// The marginal response `d response / d x` at `x`.
    pub fn marginal(&self, x: f64) -> f64 {
        hill3(self.beta, self.s, self.lnk, x).1
    }

    /// The same curve with the response multiplied by `factor` (`beta · factor`) and spend
    /// stretched by `spend_factor` (`k · spend_factor`): how a daily curve becomes a curve for a
    /// planning period, or how one currency becomes another.
    pub fn scaled(&self, factor: f64, spend_factor: f64) -> Result<Self, Issue> {
        Self::new(self.beta * factor, self.k * spend_factor, self.s)
    }

    /// The inflection point `k·((s−1)/(s+1))^(1/s)` of an S-shaped curve, 0 for a concave one.
    pub fn inflection(&self) -> f64 {
        if self.s > 1.0 {
            self.k * ((self.s - 1.0) / (self.s + 1.0)).powf(1.0 / self.s)
        } else {
            0.0
        }
    }
}

/// A channel's response curve: the mean of one or more Hill draws (posterior samples or bootstrap
/// fits). The mean, not a single "best" draw, is what the solver maximises, because the expected
/// response of a plan is the mean response over the uncertainty.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseCurve {
    draws: Vec<Hill>,
}

impl ResponseCurve {
    /// A curve known exactly.
    pub fn single(hill: Hill) -> Self {
        Self { draws: vec![hill] }
    }

    /// The mean of `draws`; at least one draw is required.
    pub fn from_draws(draws: Vec<Hill>) -> Result<Self, Issue> {
        if draws.is_empty() {
            return Err(Issue::new("draws", "needs at least one draw"));
        }
        Ok(Self { draws })
    }

    /// The draws whose mean this curve is.
    pub fn draws(&self) -> &[Hill] {
        &self.draws
    }

    /// True when every draw has `s ≤ 1`: the mean is then concave and the solver is exact.
    pub fn is_concave(&self) -> bool {
        self.draws.iter().all(|h| h.s <= 1.0)
    }

    /// Mean response at `x`.
    pub fn value(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let lnx = x.ln();
        mean(&self.draws, |h| hill3_ln(h.beta, h.s, h.lnk, x, lnx).0)
    }

    /// Mean marginal response at `x`.
    pub fn marginal(&self, x: f64) -> f64 {
        mean(&self.draws, |h| hill3(h.beta, h.s, h.lnk, x).1)
    }

    /// Every draw scaled as [`Hill::scaled`].
    pub fn scaled(&self, factor: f64, spend_factor: f64) -> Result<Self, Issue> {
        let draws = self
            .draws
            .iter()
            .map(|h| h.scaled(factor, spend_factor))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_draws(draws)
    }
}

fn mean(draws: &[Hill], f: impl Fn(&Hill) -> f64) -> f64 {
    let n = draws.len().max(1) as f64;
    draws.iter().map(f).sum::<f64>() / n
}

/// Value, first and second derivative of one Hill draw at `x`, with `lnk = ln k`.
///
/// With `z = s·(ln x − ln k)`, `p = 1/(1+e^−z)` and `q = 1 − p`: `h = β·p`, `h' = β·s·p·q/x`,
/// `h'' = β·s·p·q·((s−1)·q − (s+1)·p)/x²`; `p` and `q` are formed from `e^−|z|` so that nothing
/// overflows at any spend.
#[inline]
pub(crate) fn hill3(beta: f64, s: f64, lnk: f64, x: f64) -> (f64, f64, f64) {
    if x <= 0.0 {
        // Limits at zero spend.
        return if s < 1.0 {
            (0.0, f64::INFINITY, f64::NEG_INFINITY)
        } else if s > 1.0 {
            (0.0, 0.0, 0.0)
        } else {
            let k = lnk.exp();
            (0.0, beta / k, -2.0 * beta / (k * k))
        };
    }
    hill3_ln(beta, s, lnk, x, x.ln())
}

/// [`hill3`] for `x > 0` with `ln x` supplied, so that a mean over many draws takes one
/// logarithm, not one per draw.
#[inline]
pub(crate) fn hill3_ln(beta: f64, s: f64, lnk: f64, x: f64, lnx: f64) -> (f64, f64, f64) {
    let z = s * (lnx - lnk);
    let e = (-z.abs()).exp();
    let inv = 1.0 / (1.0 + e);
    let (p, q) = if z >= 0.0 {
        (inv, e * inv)
    } else {
        (e * inv, inv)
    };
    let bspq = beta * s * p * q / x;
    (beta * p, bspq, bspq * ((s - 1.0) * q - (s + 1.0) * p) / x)
}

/// One draw prepared for the solver on a spend interval `[a, b]`: its concave envelope there.
///
/// For an S-shaped draw the envelope is the line from `(a, h(a))` tangent to the curve at `t`
/// (the unique `t ≥ max(a, inflection)` with `h'(t)·(t−a) = h(t) − h(a)`), then the curve itself;
/// when `t ≥ b` it is the chord from `a` to `b`. For a concave draw, or `a` past the inflection,
/// `t = a` and the envelope is the curve.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DrawEnv {
    beta: f64,
    s: f64,
    lnk: f64,
    /// Start of the linear piece.
    a: f64,
    /// End of the linear piece (`a` when there is none).
    t: f64,
    /// Value at `a`.
    ha: f64,
    /// Slope of the linear piece.
    m: f64,
}

impl DrawEnv {
    fn new(h: &Hill, a: f64, b: f64) -> Self {
        let lnk = h.lnk;
        let (beta, s) = (h.beta, h.s);
        // `ha` and `m` only matter on a linear piece (`t > a`); a concave draw has none.
        let mut env = Self {
            beta,
            s,
            lnk,
            a,
            t: a,
            ha: 0.0,
            m: 0.0,
        };
        if s <= 1.0 || b <= a {
            return env;
        }
        let infl = h.inflection();
        if a >= infl {
            return env;
        }
        let ha = hill3(beta, s, lnk, a).0;
        env.ha = ha;
        // F(t) = h(t) − h(a) − h'(t)(t − a): F(infl) < 0, F increasing on [infl, ∞), F(∞) > 0.
        let big_f = |t: f64| {
            let (v, d1, d2) = hill3(beta, s, lnk, t);
            (v - ha - d1 * (t - a), -d2 * (t - a))
        };
        // The tangent point lies past b (so the envelope is the chord) unless F(b) > 0.
        let t = if b <= infl || big_f(b).0 <= 0.0 {
            b
        } else {
            // From a = 0 the tangent point is k·(s−1)^(1/s) (h'(t)·t = h(t) ⇔ s·q = 1); it moves
            // right as a grows, so it is a lower end of the bracket whenever F is still ≤ 0 there.
            let from_origin = h.k * (s - 1.0).powf(1.0 / s);
            let lo = if from_origin > infl && from_origin < b && big_f(from_origin).0 <= 0.0 {
                from_origin
            } else {
                infl
            };
            root_increasing(&big_f, lo, b)
        };
        if t >= b {
            env.t = b;
            env.m = (hill3(beta, s, lnk, b).0 - ha) / (b - a);
        } else {
            env.t = t;
            env.m = hill3(beta, s, lnk, t).1;
        }
        env
    }

    /// Envelope at `x > 0` with `lnx = ln x`.
    #[inline]
    fn eval(&self, x: f64, lnx: f64) -> (f64, f64, f64) {
        // `x ≤ t`: at the end of a chord the envelope's slope is the chord's, not the curve's.
        if x <= self.t && self.t > self.a {
            (self.ha + self.m * (x - self.a), self.m, 0.0)
        } else {
            hill3_ln(self.beta, self.s, self.lnk, x, lnx)
        }
    }

    /// Envelope at `x ≤ 0`.
    fn eval_zero(&self, x: f64) -> (f64, f64, f64) {
        if x <= self.t && self.t > self.a {
            (self.ha + self.m * (x - self.a), self.m, 0.0)
        } else {
            hill3(self.beta, self.s, self.lnk, x)
        }
    }
}

/// Root of an increasing function on `[lo, hi]` (`f(lo) ≤ 0 < f(hi)`) by safeguarded Newton.
/// `f` returns the value and the derivative.
fn root_increasing(f: &impl Fn(f64) -> (f64, f64), lo0: f64, hi0: f64) -> f64 {
    let (mut lo, mut hi) = (lo0, hi0);
    // Start at the low end: F is ≤ 0 there and Newton moves right towards the root.
    let mut x = lo;
    for _ in 0..200 {
        let (v, d) = f(x);
        if v > 0.0 {
            hi = x;
        } else {
            lo = x;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
        let xn = x - v / d;
        x = if xn.is_finite() && xn > lo && xn < hi {
            if (xn - x).abs() <= 1e-14 * x {
                return xn;
            }
            xn
        } else {
            0.5 * (lo + hi)
        };
    }
    x
}

/// A channel's curve prepared on `[a, b]`: the mean of the draws' envelopes, which is concave and
/// lies on or above the true mean curve (the envelope of a mean is below the mean of envelopes, so
/// this is a valid, possibly looser, upper bound; branching on the interval tightens it).
#[derive(Debug, Clone)]
pub(crate) struct Env {
    pub(crate) a: f64,
    pub(crate) b: f64,
    draws: Vec<DrawEnv>,
    inv_n: f64,
    /// Below this spend some draw is on its linear piece; on `[c, b]` the envelope equals the
    /// curve, which is concave there.
    pub(crate) c: f64,
}

impl Env {
    pub(crate) fn new(curve: &ResponseCurve, a: f64, b: f64) -> Self {
        let draws: Vec<DrawEnv> = curve.draws.iter().map(|h| DrawEnv::new(h, a, b)).collect();
        let c = draws.iter().fold(a, |c, d| c.max(d.t)).min(b);
        let inv_n = 1.0 / draws.len().max(1) as f64;
        Self {
            a,
            b,
            draws,
            inv_n,
            c,
        }
    }

    /// True when the envelope is the curve on all of `[a, b]`.
    pub(crate) fn exact(&self) -> bool {
        self.c <= self.a
    }

    /// Envelope value, slope and curvature at `x`.
    #[inline]
    pub(crate) fn eval(&self, x: f64) -> (f64, f64, f64) {
        let (mut v, mut d1, mut d2) = (0.0, 0.0, 0.0);
        if x > 0.0 {
            let lnx = x.ln();
            for d in &self.draws {
                let (a, b, c) = d.eval(x, lnx);
                v += a;
                d1 += b;
                d2 += c;
            }
        } else {
            for d in &self.draws {
                let (a, b, c) = d.eval_zero(x);
                v += a;
                d1 += b;
                d2 += c;
            }
        }
        (v * self.inv_n, d1 * self.inv_n, d2 * self.inv_n)
    }

    /// The true (mean) curve's value and marginal at `x`.
    pub(crate) fn value_true(&self, x: f64) -> (f64, f64) {
        let (mut v, mut d1) = (0.0, 0.0);
        let lnx = if x > 0.0 { x.ln() } else { f64::NEG_INFINITY };
        for d in &self.draws {
            let (a, b, _) = if x > 0.0 {
                hill3_ln(d.beta, d.s, d.lnk, x, lnx)
            } else {
                hill3(d.beta, d.s, d.lnk, x)
            };
            v += a;
            d1 += b;
        }
        (v * self.inv_n, d1 * self.inv_n)
    }

    /// The maximiser of `envelope(x) − lam·x` on `[a, b]`, warm-started at `x0`, and the
    /// envelope's curvature there (0 at a bound), which is `1 / (dx/dλ)` for the outer search.
    ///
    /// The envelope is concave, so this is the point where its slope crosses `lam`, or a bound.
    /// Safeguarded Newton on `slope(x) − lam` inside a shrinking bracket; it stops when the Newton
    /// step is below 1e-10 of `x` (the error after that step is then ~1e-20 relative). On a linear
    /// piece (slope constant, curvature 0) it falls back to bisection and returns some point of the
    /// piece, which the outer search resolves.
    pub(crate) fn argmax(&self, lam: f64, x0: f64) -> (f64, f64) {
        self.argmax_tol(lam, x0, 1e-10)
    }

    /// [`Env::argmax`] stopping once the Newton step is below `tol·x`; the outer search loosens
    /// it while it is far from its answer (the error after the last step is ~`tol²`).
    pub(crate) fn argmax_tol(&self, lam: f64, x0: f64, tol: f64) -> (f64, f64) {
        let (a, b) = (self.a, self.b);
        if b <= a {
            return (a, 0.0);
        }
        if lam <= 0.0 {
            // Every slope is ≥ 0: spending everything allowed is a maximiser.
            return (b, 0.0);
        }
        let (mut lo, mut hi) = (a, b);
        let (mut lo_known, mut hi_known) = (false, false);
        let mut x = if x0.is_finite() { x0.clamp(a, b) } else { a };
        for _ in 0..200 {
            let (_, d1, d2) = self.eval(x);
            let g = d1 - lam;
            if g > 0.0 {
                if x >= b {
                    return (b, 0.0);
                }
                lo = x;
                lo_known = true;
            } else if g < 0.0 {
                if x <= a {
                    return (a, 0.0);
                }
                hi = x;
                hi_known = true;
            } else {
                return (x, d2);
            }
            let newton = x - g / d2;
            let next = if newton.is_finite() && newton > lo && newton < hi {
                if (newton - x).abs() <= tol * x.abs() {
                    return (newton, d2);
                }
                newton
            } else if newton.is_finite() && newton >= hi && !hi_known {
                hi
            } else if newton.is_finite() && newton <= lo && !lo_known {
                lo
            } else if !hi_known {
                hi
            } else if !lo_known {
                lo
            } else {
                split(lo, hi)
            };
            if lo_known && hi_known && hi - lo <= 1e-15 * hi.abs().max(1e-300) {
                return (0.5 * (lo + hi), 0.0);
            }
            x = next;
        }
        (x, 0.0)
    }
}

/// A bisection point suited to brackets spanning decades: geometric when the ratio is large.
#[inline]
pub(crate) fn split(lo: f64, hi: f64) -> f64 {
    if lo > 0.0 && hi > 4.0 * lo {
        (lo * hi).sqrt()
    } else if lo <= 0.0 && hi > 0.0 {
        let m = hi * 1e-3;
        if m > lo {
            m.max(0.5 * (lo + hi) * 1e-3)
        } else {
            0.5 * (lo + hi)
        }
    } else {
        0.5 * (lo + hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn hill_matches_the_textbook_formula_and_its_derivatives() {
        for &(beta, k, s) in &[
            (95.7_f64, 22.2_f64, 0.84_f64),
            (10.0, 3.0, 1.0),
            (50.0, 30.0, 2.5),
        ] {
            let h = Hill::new(beta, k, s).expect("valid");
            for &x in &[0.01_f64, 1.0, 22.0, 300.0, 1e7] {
                let direct = beta * x.powf(s) / (x.powf(s) + k.powf(s));
                assert!(close(h.value(x), direct, 1e-12), "{x}");
                let eps = x * 1e-6;
                let fd = (h.value(x + eps) - h.value(x - eps)) / (2.0 * eps);
                assert!(
                    close(h.marginal(x), fd, 1e-6),
                    "{x}: {} vs {fd}",
                    h.marginal(x)
                );
                let (_, d1p, _) = hill3(beta, s, k.ln(), x + eps);
                let (_, d1m, d2) = hill3(beta, s, k.ln(), x - eps);
                let (_, _, d2c) = hill3(beta, s, k.ln(), x);
                let fd2 = (d1p - d1m) / (2.0 * eps);
                assert!(
                    (d2c - fd2).abs() <= 1e-5 * d2c.abs().max(d2.abs()) + 1e-12,
                    "{x}"
                );
            }
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = Hill::new(1.0, -2.0, 1.0).expect_err("k < 0");
        assert_eq!(err.path, "k");
        assert!(Hill::new(f64::NAN, 1.0, 1.0).is_err());
        assert!(ResponseCurve::from_draws(vec![]).is_err());
    }

    #[test]
    fn envelope_is_tangent_concave_and_above_the_curve() {
        let h = Hill::new(50.0, 30.0, 3.0).expect("valid");
        let curve = ResponseCurve::single(h);
        let env = Env::new(&curve, 0.0, 200.0);
        assert!(env.c > h.inflection());
        let d = env.draws[0];
        // Tangency: the line's slope equals the curve's slope at t and it meets the curve there.
        assert!(close(d.m, h.marginal(d.t), 1e-10));
        assert!(close(d.ha + d.m * (d.t - d.a), h.value(d.t), 1e-10));
        let mut last_slope = f64::INFINITY;
        for i in 0..=400 {
            let x = 0.5 * f64::from(i);
            let (v, s, _) = env.eval(x);
            assert!(v >= h.value(x) - 1e-9, "{x}");
            assert!(s <= last_slope + 1e-12, "slope must not increase at {x}");
            last_slope = s;
        }
        // A short interval inside the convex part gives the chord.
        let chord = Env::new(&curve, 1.0, 5.0);
        let (v, _, _) = chord.eval(5.0);
        assert!(close(v, h.value(5.0), 1e-12));
    }

    #[test]
    fn argmax_finds_the_slope_crossing_or_a_bound() {
        let curve = ResponseCurve::single(Hill::new(100.0, 20.0, 0.7).expect("valid"));
        let env = Env::new(&curve, 0.0, 500.0);
        let (x, _) = env.argmax(0.5, 1.0);
        assert!(close(curve.marginal(x), 0.5, 1e-10));
        assert!((env.argmax(1e-9, 3.0).0 - 500.0).abs() < 1e-12);
        let bounded = Env::new(&curve, 10.0, 500.0);
        assert!((bounded.argmax(1e6, 50.0).0 - 10.0).abs() < 1e-12);
    }
}
