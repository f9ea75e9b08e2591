//! The least-squares fit of one Hill curve `y ≈ β·aˢ/(aˢ + kˢ)` to adstocked spend: starts on a
//! grid, Levenberg–Marquardt on `(ln β, ln k, ln s)` (the logarithms keep every parameter positive
//! without constraints), and the fallbacks for thin data (`s = 1`, then a curve half-saturated at
//! the highest spend).

use super::FitKind;

/// A Hill curve's parameters in adstocked spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Params {
    pub(super) beta: f64,
    pub(super) k: f64,
    pub(super) s: f64,
}

/// The best curve found, its sum of squared errors and how it was obtained.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fit {
    pub(super) params: Params,
    pub(super) sse: f64,
    pub(super) kind: FitKind,
}

pub(super) fn sse(a: &[f64], y: &[f64], p: Params) -> f64 {
    let lnk = p.k.ln();
    a.iter()
        .zip(y)
        .map(|(&x, &v)| (v - crate::curve::hill3(p.beta, p.s, lnk, x).0).powi(2))
        .sum()
}

/// Fits `y ≈ Hill(a)`; `start` warm-starts a bootstrap refit from the point estimate.
pub(super) fn fit_curve(
    a: &[f64],
    y: &[f64],
    thin: bool,
    distinct: usize,
    start: Option<Params>,
) -> Fit {
    let top = a.iter().fold(0.0, |m: f64, &v| m.max(v));
    let ymax = y.iter().fold(0.0, |m: f64, &v| m.max(v)).max(1e-12);
    let positive: Vec<f64> = {
        let mut v: Vec<f64> = a.iter().copied().filter(|&x| x > 0.0).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let median = positive
        .get(positive.len() / 2)
        .copied()
        .unwrap_or(top)
        .max(1e-9);
    if distinct < 3 {
        // Half-saturated at the highest spend seen; β by linear least squares.
        let k = top.max(1e-9);
        let g: Vec<f64> = a.iter().map(|&x| x / (x + k)).collect();
        let num: f64 = g.iter().zip(y).map(|(g, y)| g * y).sum();
        let den: f64 = g.iter().map(|g| g * g).sum();
        let beta = if den > 0.0 && num > 0.0 {
            num / den
        } else {
            ymax
        };
        let p = Params { beta, k, s: 1.0 };
        return Fit {
            params: p,
            sse: sse(a, y, p),
            kind: FitKind::Assumed,
        };
    }
    let bounds = Bounds {
        k_lo: (median * 1e-3).ln(),
        k_hi: (top * 1e3).max(1e-9).ln(),
        s_lo: 0.2f64.ln(),
        s_hi: 5.0f64.ln(),
    };
    let kind = if thin {
        FitKind::Concave
    } else {
        FitKind::Hill
    };
    let starts: Vec<Params> = match (start, thin) {
        (Some(p), _) => vec![p],
        (None, true) => vec![
            Params {
                beta: 2.0 * ymax,
                k: median,
                s: 1.0,
            },
            Params {
                beta: 4.0 * ymax,
                k: 3.0 * top,
                s: 1.0,
            },
        ],
        (None, false) => [0.7, 1.0, 1.8, 3.0]
            .iter()
            .flat_map(|&s| {
                [
                    Params {
                        beta: 1.5 * ymax,
                        k: median,
                        s,
                    },
                    Params {
                        beta: 3.0 * ymax,
                        k: 2.0 * top,
                        s,
                    },
                ]
            })
            .collect(),
    };
    let mut best: Option<Fit> = None;
    for p0 in starts {
        let p0 = if thin { Params { s: 1.0, ..p0 } } else { p0 };
        let p = levenberg_marquardt(a, y, p0, thin, &bounds);
        let f = Fit {
            params: p,
            sse: sse(a, y, p),
            kind,
        };
        if best.is_none_or(|b| f.sse < b.sse) {
            best = Some(f);
        }
    }
    best.unwrap_or(Fit {
        params: Params {
            beta: ymax,
            k: median,
            s: 1.0,
        },
        sse: f64::INFINITY,
        kind,
    })
}

/// The box `ln k` and `ln s` are kept in, so a flat direction cannot run off to infinity.
struct Bounds {
    k_lo: f64,
    k_hi: f64,
    s_lo: f64,
    s_hi: f64,
}

/// Levenberg–Marquardt on `θ = (ln β, ln k, ln s)` (or `(ln β, ln k)` with `s = 1` fixed).
///
/// With `p = 1/(1+(k/a)ˢ)`, `q = 1−p`: `∂h/∂ln β = β·p`, `∂h/∂ln k = −β·s·p·q`,
/// `∂h/∂ln s = β·s·p·q·(ln a − ln k)`. Damping `μ` scales the diagonal of `JᵀJ` (Marquardt) and
/// adapts ×10 / ÷3 on rejection / acceptance; `ln k` and `ln s` are kept in a box so a flat
/// direction cannot run off to infinity.
fn levenberg_marquardt(a: &[f64], y: &[f64], p0: Params, fix_s: bool, b: &Bounds) -> Params {
    let mut t = [
        p0.beta.max(1e-12).ln(),
        p0.k.max(1e-12).ln().clamp(b.k_lo, b.k_hi),
        p0.s.ln().clamp(b.s_lo, b.s_hi),
    ];
    let m = if fix_s { 2 } else { 3 };
    let to_params = |t: &[f64; 3]| Params {
        beta: t[0].exp(),
        k: t[1].exp(),
        s: if fix_s { 1.0 } else { t[2].exp() },
    };
    let mut cur = sse(a, y, to_params(&t));
    let mut mu = 1e-3;
    for _ in 0..200 {
        let p = to_params(&t);
        let (mut jtj, mut jtr) = ([[0.0f64; 3]; 3], [0.0f64; 3]);
        let lnk = p.k.ln();
        for (&x, &v) in a.iter().zip(y) {
            let (h, row) = if x > 0.0 {
                let z = p.s * (x.ln() - lnk);
                let e = (-z.abs()).exp();
                let inv = 1.0 / (1.0 + e);
                let (pp, qq) = if z >= 0.0 {
                    (inv, e * inv)
                } else {
                    (e * inv, inv)
                };
                let h = p.beta * pp;
                (h, [h, -p.beta * p.s * pp * qq, p.beta * pp * qq * z])
            } else {
                (0.0, [0.0; 3])
            };
            let r = v - h;
            for i in 0..m {
                jtr[i] += row[i] * r;
                for j in 0..m {
                    jtj[i][j] += row[i] * row[j];
                }
            }
        }
        let mut improved = false;
        for _ in 0..12 {
            let mut lhs = jtj;
            for (i, row) in lhs.iter_mut().enumerate().take(m) {
                row[i] += mu * jtj[i][i].max(1e-12);
            }
            let Some(step) = solve_small(&lhs, &jtr, m) else {
                mu *= 10.0;
                continue;
            };
            let mut tn = t;
            for i in 0..m {
                tn[i] += step[i];
            }
            tn[0] = tn[0].clamp(-700.0, 700.0);
            tn[1] = tn[1].clamp(b.k_lo, b.k_hi);
            tn[2] = tn[2].clamp(b.s_lo, b.s_hi);
            let new = sse(a, y, to_params(&tn));
            if new.is_finite() && new < cur {
                let rel = (cur - new) / cur.max(1e-300);
                t = tn;
                cur = new;
                mu = (mu / 3.0).max(1e-12);
                improved = rel > 1e-12;
                break;
            }
            mu *= 10.0;
        }
        if !improved {
            break;
        }
    }
    to_params(&t)
}

/// Gaussian elimination with partial pivoting on the leading `m × m` block.
fn solve_small(a: &[[f64; 3]; 3], b: &[f64; 3], m: usize) -> Option<[f64; 3]> {
    let mut a = *a;
    let mut b = *b;
    for c in 0..m {
        let piv = (c..m).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[piv][c].abs() < 1e-300 || !a[piv][c].is_finite() {
            return None;
        }
        a.swap(c, piv);
        b.swap(c, piv);
        for r in (c + 1)..m {
            let f = a[r][c] / a[c][c];
            let pivot_row = a[c];
            for (x, p) in a[r].iter_mut().zip(pivot_row).take(m).skip(c) {
                *x -= f * p;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0; 3];
    for c in (0..m).rev() {
        let s: f64 = ((c + 1)..m).map(|k| a[c][k] * x[k]).sum();
        x[c] = (b[c] - s) / a[c][c];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}
