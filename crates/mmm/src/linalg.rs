//! The little dense linear algebra the fit needs (a few dozen unknowns at most): Cholesky,
//! triangular solves, a Gram–Schmidt basis and non-negative least squares in Gram form.
//!
//! Written here rather than taken from nalgebra or faer: the sizes are tiny (≤ ~60), the
//! operations are four, and a pure engine crate stays free of a large dependency.

/// `a·b`.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// In-place Cholesky of the symmetric `n×n` row-major `a` (lower triangle `L` with `LLᵀ = a`).
/// A diagonal that is not positive gets the floor `tiny`, so a singular direction (a channel with
/// no effect, an empty indicator) costs precision there and nowhere else.
pub(crate) fn cholesky(a: &mut [f64], n: usize, tiny: f64) {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        let d = if d > tiny { d.sqrt() } else { tiny.sqrt() };
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
        for i in 0..j {
            a[i * n + j] = 0.0;
        }
    }
}

/// Solves `L x = b` in place (`L` lower triangular, row-major).
pub(crate) fn solve_lower(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Solves `Lᵀ x = b` in place.
pub(crate) fn solve_upper_t(l: &[f64], n: usize, b: &mut [f64]) {
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Solves the symmetric positive (semi-)definite system `a x = b` by Cholesky with a relative
/// jitter on the diagonal.
pub(crate) fn solve_spd(a: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut l = a.to_vec();
    let scale = (0..n)
        .map(|i| a[i * n + i].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    cholesky(&mut l, n, scale * 1e-12);
    let mut x = b.to_vec();
    solve_lower(&l, n, &mut x);
    solve_upper_t(&l, n, &mut x);
    x
}

/// An orthonormal basis of the columns (modified Gram–Schmidt, twice for accuracy). Columns that
/// are (numerically) combinations of earlier ones are dropped; returns the basis and, per kept
/// column, its index and the upper-triangular `R` (row-major, `k×k`) with `cols = Q R`.
pub(crate) struct Basis {
    pub q: Vec<Vec<f64>>,
    pub kept: Vec<usize>,
    pub r: Vec<f64>,
}

pub(crate) fn basis(cols: &[Vec<f64>]) -> Basis {
    let mut q: Vec<Vec<f64>> = Vec::new();
    let mut kept = Vec::new();
    let mut coef: Vec<Vec<f64>> = Vec::new();
    for (j, col) in cols.iter().enumerate() {
        let norm0 = dot(col, col).sqrt();
        if norm0 == 0.0 {
            continue;
        }
        let mut v = col.clone();
        let mut c = vec![0.0; q.len()];
        for _ in 0..2 {
            for (i, qi) in q.iter().enumerate() {
                let p = dot(qi, &v);
                c[i] += p;
                for (vk, qk) in v.iter_mut().zip(qi) {
                    *vk -= p * qk;
                }
            }
        }
        let norm = dot(&v, &v).sqrt();
        if norm <= 1e-9 * norm0 {
            continue;
        }
        v.iter_mut().for_each(|x| *x /= norm);
        c.push(norm);
        q.push(v);
        kept.push(j);
        coef.push(c);
    }
    let k = q.len();
    let mut r = vec![0.0; k * k];
    for (j, c) in coef.iter().enumerate() {
        for (i, v) in c.iter().enumerate() {
            r[i * k + j] = *v;
        }
    }
    Basis { q, kept, r }
}

/// Minimises `βᵀGβ − 2rᵀβ` over `β ≥ 0` (Lawson–Hanson's active set on the normal equations; for
/// a handful of channels this is exact and takes a few steps). `G` is row-major `n×n`.
pub(crate) fn nnls(g: &[f64], r: &[f64], n: usize) -> Vec<f64> {
    let mut beta = vec![0.0; n];
    let mut passive = vec![false; n];
    let scale = (0..n).map(|i| g[i * n + i]).fold(0.0, f64::max).max(1e-300);
    let tol = 1e-12 * scale;
    for _ in 0..(3 * n + 3) {
        // Gradient (halved, negated): w = r − Gβ.
        let w: Vec<f64> = (0..n)
            .map(|i| r[i] - dot(&g[i * n..i * n + n], &beta))
            .collect();
        let Some(j) = (0..n)
            .filter(|&i| !passive[i] && w[i] > tol)
            .max_by(|&a, &b| w[a].total_cmp(&w[b]))
        else {
            break;
        };
        passive[j] = true;
        for _ in 0..(3 * n + 3) {
            let idx: Vec<usize> = (0..n).filter(|&i| passive[i]).collect();
            let m = idx.len();
            let sub: Vec<f64> = idx
                .iter()
                .flat_map(|&a| idx.iter().map(move |&b| g[a * n + b]))
                .collect();
            let rhs: Vec<f64> = idx.iter().map(|&a| r[a]).collect();
            let s = solve_spd(&sub, m, &rhs);
            if s.iter().all(|v| *v > 0.0) {
                for (k, &a) in idx.iter().enumerate() {
                    beta[a] = s[k];
                }
                break;
            }
            let mut alpha = 1.0_f64;
            for (k, &a) in idx.iter().enumerate() {
                if s[k] <= 0.0 {
                    let denom = beta[a] - s[k];
                    if denom > 0.0 {
                        alpha = alpha.min(beta[a] / denom);
                    }
                }
            }
            for (k, &a) in idx.iter().enumerate() {
                beta[a] += alpha * (s[k] - beta[a]);
                if beta[a] <= 1e-15 {
                    beta[a] = 0.0;
                    passive[a] = false;
                }
            }
        }
    }
    beta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nnls_matches_unconstrained_when_positive_and_clips_otherwise() {
        // G = I, r = (1, -2): β = (1, 0).
        let b = nnls(&[1.0, 0.0, 0.0, 1.0], &[1.0, -2.0], 2);
        assert!((b[0] - 1.0).abs() < 1e-12 && b[1].abs() < 1e-15);
        // Correlated: G = [[2,1],[1,2]], r = (3,3): β = (1,1).
        let b = nnls(&[2.0, 1.0, 1.0, 2.0], &[3.0, 3.0], 2);
        assert!((b[0] - 1.0).abs() < 1e-9 && (b[1] - 1.0).abs() < 1e-9);
        // Correlated with one negative unconstrained: r = (3, 0) → unconstrained (2, -1);
        // constrained (1.5, 0).
        let b = nnls(&[2.0, 1.0, 1.0, 2.0], &[3.0, 0.0], 2);
        assert!((b[0] - 1.5).abs() < 1e-9 && b[1].abs() < 1e-15);
    }

    #[test]
    fn basis_drops_dependent_columns_and_reproduces_the_rest() {
        let cols = vec![
            vec![1.0, 1.0, 1.0],
            vec![2.0, 2.0, 2.0],
            vec![0.0, 1.0, 2.0],
        ];
        let b = basis(&cols);
        assert_eq!(b.kept, vec![0, 2]);
        // cols[2] = Q R[:,1]
        for (t, want) in cols[2].iter().enumerate() {
            let v = b.q[0][t] * b.r[1] + b.q[1][t] * b.r[3];
            assert!((v - want).abs() < 1e-12);
        }
    }
}
