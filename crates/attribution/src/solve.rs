//! The two linear solvers behind the Markov model's absorption probabilities.
//!
//! Absorption probabilities satisfy x = Q·x + r (Q: transient-to-transient probabilities, r: the
//! one-step probability of converting), i.e. (I − Q)·x = r with I − Q a non-singular M-matrix as long
//! as every state can reach absorption, which holds for every observed state since each observed path
//! ends absorbed.
//!
//! * Order 1 has one state per channel (tens at most): dense Gaussian elimination with partial
//!   pivoting is exact to rounding and cheaper than any setup.
//! * Orders 2–4 have up to Σ n(n−1)^(k−1) states, but only the *observed* ones exist and each has a
//!   handful of successors: Gauss–Seidel over a compressed sparse row matrix. Sweeping states in
//!   reverse order of discovery follows the direction of the paths, so acyclic stretches converge in
//!   one sweep; the loop runs to a residual of 1e-14 (machine precision for probabilities), so the
//!   answer is the exact solution, not a simulation. A dependency on a sparse linear-algebra crate
//!   (sprs, faer) was rejected: it would bring a general LU for a system this small and this
//!   well-conditioned, and make the build heavier for the other crates sharing these two cores.

/// Solves `a · x = b` in place (`a` is `n × n`, row-major; the answer is left in `b`). Returns `None`
/// if the matrix is singular to working precision.
pub fn dense(a: &mut [f64], b: &mut [f64], n: usize) -> Option<()> {
    if a.len() != n * n || b.len() != n {
        return None;
    }
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[pivot * n + col].abs() < 1e-300 {
            return None;
        }
        if pivot != col {
            for k in 0..n {
                a.swap(pivot * n + k, col * n + k);
            }
            b.swap(pivot, col);
        }
        let diag = a[col * n + col];
        for row in col + 1..n {
            let factor = a[row * n + col] / diag;
            if factor != 0.0 {
                for k in col..n {
                    a[row * n + k] -= factor * a[col * n + k];
                }
                b[row] -= factor * b[col];
            }
        }
    }
    for row in (0..n).rev() {
        let mut sum = b[row];
        for k in row + 1..n {
            sum -= a[row * n + k] * b[k];
        }
        b[row] = sum / a[row * n + row];
    }
    b.iter().all(|x| x.is_finite()).then_some(())
}

/// A sparse substochastic matrix in compressed sparse row form.
#[derive(Debug, Clone, Default)]
pub struct Sparse {
    /// `row_start[s]..row_start[s + 1]` indexes the entries of row `s`.
    pub row_start: Vec<usize>,
    /// Column of each entry.
    pub col: Vec<u32>,
    /// Probability of each entry.
    pub prob: Vec<f64>,
}

impl Sparse {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.row_start.len().saturating_sub(1)
    }

    fn row(&self, s: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (from, to) = (self.row_start[s], self.row_start[s + 1]);
        self.col[from..to]
            .iter()
            .zip(&self.prob[from..to])
            .map(|(&c, &p)| (c as usize, p))
    }
}

/// Solves x = Q·x + r by Gauss–Seidel, with `x[s]` pinned to 0 where `removed[s]` (a removed state
/// sends everything to `(null)`). Returns `None` if it does not reach the residual within the sweep
/// limit (then the caller falls back to the dense solver).
pub fn gauss_seidel(q: &Sparse, r: &[f64], removed: &[bool]) -> Option<Vec<f64>> {
    const TOLERANCE: f64 = 1e-14;
    const MAX_SWEEPS: usize = 20_000;
    let n = q.rows();
    let mut x = vec![0.0; n];
    for _ in 0..MAX_SWEEPS {
        let mut change: f64 = 0.0;
        for s in (0..n).rev() {
            if removed[s] {
                continue;
            }
            let mut diag = 0.0;
            let mut sum = r[s];
            for (t, p) in q.row(s) {
                if t == s {
                    diag += p;
                } else {
                    sum += p * x[t];
                }
            }
            let next = sum / (1.0 - diag);
            change = change.max((next - x[s]).abs());
            x[s] = next;
        }
        if change <= TOLERANCE {
            return residual_ok(q, r, removed, &x, TOLERANCE * 10.0).then_some(x);
        }
        if !change.is_finite() {
            return None;
        }
    }
    None
}

fn residual_ok(q: &Sparse, r: &[f64], removed: &[bool], x: &[f64], tolerance: f64) -> bool {
    (0..q.rows()).filter(|&s| !removed[s]).all(|s| {
        let qx: f64 = q.row(s).map(|(t, p)| p * x[t]).sum();
        (x[s] - qx - r[s]).abs() <= tolerance
    })
}

/// The same system solved densely, for the rare chain on which Gauss–Seidel is slow (long cycles with
/// high return probability) and which is small enough to factorise.
pub fn dense_from_sparse(q: &Sparse, r: &[f64], removed: &[bool]) -> Option<Vec<f64>> {
    let n = q.rows();
    let mut a = vec![0.0; n * n];
    let mut b = vec![0.0; n];
    for s in 0..n {
        a[s * n + s] = 1.0;
        if removed[s] {
            continue;
        }
        b[s] = r[s];
        for (t, p) in q.row(s) {
            if !removed[t] {
                a[s * n + t] -= p;
            }
        }
    }
    dense(&mut a, &mut b, n)?;
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_solves_a_small_system() {
        // 2x + y = 3, x + 3y = 5  ->  x = 0.8, y = 1.4
        let mut a = vec![2.0, 1.0, 1.0, 3.0];
        let mut b = vec![3.0, 5.0];
        assert!(dense(&mut a, &mut b, 2).is_some());
        assert!((b[0] - 0.8).abs() < 1e-15 && (b[1] - 1.4).abs() < 1e-15);
        let mut singular = vec![1.0, 2.0, 2.0, 4.0];
        assert!(dense(&mut singular, &mut [1.0, 2.0], 2).is_none());
    }

    #[test]
    fn gauss_seidel_matches_dense_on_a_cycle() {
        // 0 -> 1 (0.5), 1 -> 0 (0.6); converts 0.3 from 0, 0.1 from 1.
        let q = Sparse {
            row_start: vec![0, 1, 2],
            col: vec![1, 0],
            prob: vec![0.5, 0.6],
        };
        let r = [0.3, 0.1];
        let gs = gauss_seidel(&q, &r, &[false, false]).expect("converges");
        let dense = dense_from_sparse(&q, &r, &[false, false]).expect("solves");
        for (a, b) in gs.iter().zip(&dense) {
            assert!((a - b).abs() < 1e-13);
        }
        let pinned = gauss_seidel(&q, &r, &[false, true]).expect("converges");
        assert!((pinned[0] - 0.3).abs() < 1e-15 && pinned[1].abs() < 1e-300);
    }
}
