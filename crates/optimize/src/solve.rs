//! The solver: maximise `Σ fᵢ(xᵢ)` subject to `Σ xᵢ = B`, `aᵢ ≤ xᵢ ≤ bᵢ` and group caps
//! `Σ_{i∈G} xᵢ ≤ C_G`.
//!
//! # Concave curves: marginal-return equalisation
//! With every `fᵢ` concave the KKT conditions are necessary and sufficient: there is a multiplier
//! `λ ≥ 0` such that each channel spends `xᵢ(λ) = argmax_{[aᵢ,bᵢ]} fᵢ(x) − λx` (the point where
//! its marginal return falls to `λ`, or a bound), and `Σ xᵢ(λ) = B`. `Σ xᵢ(λ)` is non-increasing,
//! so `λ` is found by a safeguarded Newton search inside a bracket (Newton uses
//! `d xᵢ/dλ = 1/fᵢ''(xᵢ)`), each `xᵢ(λ)` by a warm-started safeguarded Newton on `fᵢ' = λ`.
//! A group whose cap binds has its own multiplier: its channels face `max(λ, λ_G)`, where `λ_G`
//! solves the group's sub-problem with budget `C_G`.
//!
//! # The certificate (upper bound)
//! For *any* `λ` and `μ_G ≥ 0`, weak duality gives
//! `OPT ≤ D(λ, μ) = λB + Σ_G μ_G·C_G + Σᵢ max_{[aᵢ,bᵢ]} (f̂ᵢ(x) − (λ + μ_{G(i)})·x)` for any
//! `f̂ᵢ ≥ fᵢ`. The solver reports `D` at its final multipliers with `f̂ᵢ` concave, where the inner
//! maximum is exact. For concave curves `f̂ = f` and `D` equals the optimum up to rounding, so the
//! reported gap is ~1e-15.
//!
//! # S-shaped curves: branch and bound on concave envelopes
//! `f̂ᵢ` is the mean of the draws' concave envelopes on `[aᵢ, bᵢ]` (see [`crate::curve`]). The
//! relaxation above gives the bound and a point that is feasible for the real problem. A repair
//! step fixes each channel either at its lower end or inside the part of its interval where the
//! curve is concave, and solves that concave problem exactly: the incumbent. If the bound is not
//! yet within tolerance of the incumbent, the channel whose envelope overstates its curve most at
//! the relaxed point is split there into two intervals (the envelope of each piece is tighter), and
//! nodes are explored best bound first. The reported upper bound is the largest bound of any node
//! not explored or pruned, so `optimality_gap` is a proof, not an estimate.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::curve::{Env, ResponseCurve, split};
use crate::problem::Intervals;

/// Where the relaxation's multiplier search ended.
struct SumSolve {
    /// Allocation summing to the budget.
    x: Vec<f64>,
    /// The multiplier of the budget constraint.
    lam: f64,
    /// A multiplier and the exact argmax at it, for the dual bound.
    lam_dual: f64,
    x_dual: Vec<f64>,
}

/// The relaxation of one node: allocation, multiplier and certified bound.
pub(crate) struct Relaxed {
    pub(crate) x: Vec<f64>,
    pub(crate) lam: f64,
    pub(crate) upper: f64,
}

/// Solves the concave problem over `envs` (each already the envelope of its curve on its interval)
/// for `budget`, with group caps. The caller guarantees feasibility.
pub(crate) fn relax(
    envs: &[&Env],
    group_of: &[Option<usize>],
    caps: &[f64],
    budget: f64,
    warm: &mut [f64],
) -> Relaxed {
    let n = envs.len();
    let mut floors = vec![0.0; n];
    // Members of a group whose cap binds spend the group's own optimum for budget = cap while
    // the budget multiplier is below the group's (on a linear piece of an envelope the argmax
    // at λ_G alone would not say where in the piece to stop).
    let mut fixed: Vec<Option<f64>> = vec![None; n];
    let mut group_lams = vec![0.0; caps.len()];
    for (g, &cap) in caps.iter().enumerate() {
        let members: Vec<usize> = (0..n).filter(|&i| group_of[i] == Some(g)).collect();
        let top: f64 = members.iter().map(|&i| envs[i].b).sum();
        if top > cap {
            let zero = vec![0.0; n];
            let none = vec![None; n];
            let s = sum_solve(envs, &members, &zero, &none, cap, warm);
            group_lams[g] = s.lam_dual;
            for &i in &members {
                floors[i] = s.lam_dual;
                fixed[i] = Some(s.x[i]);
            }
        }
    }
    let all: Vec<usize> = (0..n).collect();
    let s = sum_solve(envs, &all, &floors, &fixed, budget, warm);
    warm.copy_from_slice(&s.x);
    // Dual bound at (lam_dual, μ_G = max(0, λ_G − lam_dual)); every term needs the exact
    // maximiser at its multiplier, so members held at their group's plan are re-maximised.
    let ld = s.lam_dual;
    let mut upper = ld * budget;
    for (g, &cap) in caps.iter().enumerate() {
        upper += (group_lams[g] - ld).max(0.0) * cap;
    }
    for (i, env) in envs.iter().enumerate() {
        let le = ld.max(floors[i]);
        let xi = if fixed[i].is_some() && ld <= floors[i] {
            env.argmax(le, s.x_dual[i]).0
        } else {
            s.x_dual[i]
        };
        upper += env.eval(xi).0 - le * xi;
    }
    Relaxed {
        x: s.x,
        lam: s.lam,
        upper,
    }
}

/// Finds `λ` with `Σ_{i∈members} xᵢ(max(λ, floorᵢ)) = budget`; returns full-length vectors
/// (entries outside `members` are untouched copies of `warm`).
///
/// Safeguarded Newton on `g(λ) = Σ xᵢ − budget` (non-increasing, `g' = Σ 1/fᵢ''(xᵢ)` over the
/// channels strictly inside their bounds), bisection whenever Newton leaves the bracket or fails
/// to halve `|g|`; it stops when `|g| ≤ 1e-12·scale` or the bracket is one ulp wide.
fn sum_solve(
    envs: &[&Env],
    members: &[usize],
    floors: &[f64],
    fixed: &[Option<f64>],
    budget: f64,
    warm: &[f64],
) -> SumSolve {
    let mut x = warm.to_vec();
    // Per channel: the multiplier it last faced and its curvature there, to predict the next
    // spend to first order (`Δx = Δλ / f''`) so the inner Newton starts next to its answer.
    let mut last = vec![(f64::NAN, 0.0); envs.len()];
    let mut eval = |lam: f64, x: &mut [f64], tol: f64| -> (f64, f64) {
        let (mut sum, mut slope) = (0.0, 0.0);
        for &i in members {
            if let Some(v) = fixed[i]
                && lam <= floors[i]
            {
                x[i] = v;
                sum += v;
                continue;
            }
            let le = lam.max(floors[i]);
            let (prev_le, prev_d2) = last[i];
            let start = if prev_d2 < 0.0 && prev_le.is_finite() {
                x[i] + (le - prev_le) / prev_d2
            } else {
                x[i]
            };
            let (xi, d2) = envs[i].argmax_tol(le, start, tol);
            last[i] = (le, d2);
            x[i] = xi;
            sum += xi;
            if le <= lam && d2 < 0.0 {
                slope += 1.0 / d2;
            }
        }
        (sum - budget, slope)
    };
    let scale = budget
        .abs()
        .max(members.iter().map(|&i| envs[i].b).fold(0.0, f64::max))
        .max(1e-300);
    // Converged when the budget residual is negligible against the budget left after the
    // minimum spends (or at rounding level of the sum itself, whichever is larger).
    let free = budget - members.iter().map(|&i| envs[i].a).sum::<f64>();
    let tol = (1e-12 * free.max(0.0)).max(1e-15 * scale * members.len() as f64);
    let (g0, _) = eval(0.0, &mut x, 1e-10);
    if g0 <= tol {
        let xd = x.clone();
        fix_sum(envs, members, fixed, &mut x, budget);
        return SumSolve {
            x,
            lam: 0.0,
            lam_dual: 0.0,
            x_dual: xd,
        };
    }
    // Initial guess: the mean marginal at a proportional feasible point.
    let (mut floor_sum, mut width) = (0.0, 0.0);
    for &i in members {
        floor_sum += envs[i].a;
        width += envs[i].b - envs[i].a;
    }
    let share = if width > 0.0 {
        ((budget - floor_sum) / width).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut guess = 0.0;
    for &i in members {
        let xi = envs[i].a + share * (envs[i].b - envs[i].a);
        x[i] = xi;
        let d1 = envs[i].eval(xi).1;
        if d1.is_finite() {
            guess += d1.max(0.0);
        }
    }
    guess /= members.len().max(1) as f64;
    let mut lam = if guess > 0.0 && guess.is_finite() {
        guess
    } else {
        1.0
    };
    let (mut lo, mut hi) = (0.0_f64, f64::INFINITY);
    let mut x_lo = x.clone();
    let mut x_hi = x.clone();
    let mut prev_abs_g = f64::INFINITY;
    for _ in 0..400 {
        // Inner accuracy follows the outer residual: loose far away, 1e-10 at the end.
        let inner_tol = (1e-2 * (prev_abs_g / scale).sqrt()).clamp(1e-10, 1e-3);
        let (mut g, mut dg) = eval(lam, &mut x, inner_tol);
        if g.abs() <= tol && inner_tol > 1e-10 {
            // Looks converged on loose inner solves: confirm on exact ones.
            (g, dg) = eval(lam, &mut x, 1e-10);
        }
        if g.abs() <= tol {
            let xd = x.clone();
            fix_sum(envs, members, fixed, &mut x, budget);
            return SumSolve {
                x,
                lam,
                lam_dual: lam,
                x_dual: xd,
            };
        }
        if g > 0.0 {
            lo = lam;
            x_lo.copy_from_slice(&x);
        } else {
            hi = lam;
            x_hi.copy_from_slice(&x);
        }
        if hi.is_finite() && hi - lo <= 1e-15 * hi {
            break;
        }
        // Newton in ln λ: x(λ) behaves like a power of λ, so steps in ln λ overshoot far less.
        let newton = lam * (-(g / (lam * dg)).clamp(-3.0, 3.0)).exp();
        let progressing = g.abs() <= 0.5 * prev_abs_g;
        prev_abs_g = g.abs();
        lam = if progressing && newton.is_finite() && newton > lo && newton < hi {
            newton
        } else if hi.is_infinite() {
            if newton.is_finite() && newton > lam {
                newton.min(lam * 16.0)
            } else {
                lam * 4.0
            }
        } else {
            split(lo, hi)
        };
        if lam > 1e300 {
            break;
        }
    }
    if hi.is_infinite() {
        // Only the lower bounds remain: the budget equals the sum of the floors.
        let mut x = x_lo.clone();
        for &i in members {
            x[i] = envs[i].a;
        }
        fix_sum(envs, members, fixed, &mut x, budget);
        return SumSolve {
            x,
            lam: lo,
            lam_dual: lo,
            x_dual: x_lo,
        };
    }
    // Interpolate between the two sides of the jump (a linear piece of an envelope, or the
    // last ulp of a smooth search): each xᵢ(λ) is monotone, so the blend stays in bounds.
    // Both sides are re-solved exactly first (they may date from loose early iterations),
    // unless that loses the bracket: at a multiplier within rounding of a linear piece's slope
    // the piece's argmax is decided by rounding noise.
    let mut again = x_lo.clone();
    if eval(lo, &mut again, 1e-10).0 >= 0.0 {
        x_lo = again;
    }
    let mut again = x_hi.clone();
    if eval(hi, &mut again, 1e-10).0 <= 0.0 {
        x_hi = again;
    }
    let s_hi: f64 = members.iter().map(|&i| x_hi[i]).sum();
    let s_lo: f64 = members.iter().map(|&i| x_lo[i]).sum();
    let theta = if s_lo > s_hi {
        ((budget - s_hi) / (s_lo - s_hi)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut x = x_hi.clone();
    for &i in members {
        x[i] = x_hi[i] + theta * (x_lo[i] - x_hi[i]);
    }
    fix_sum(envs, members, fixed, &mut x, budget);
    SumSolve {
        x,
        lam: hi,
        lam_dual: hi,
        x_dual: x_hi,
    }
}

/// Spreads the last rounding residual of `Σ x = budget` over channels with room, so that the
/// budget is spent to the last ulp and no bound is crossed.
fn fix_sum(envs: &[&Env], members: &[usize], fixed: &[Option<f64>], x: &mut [f64], budget: f64) {
    // Channels strictly inside their bounds first: their marginal is λ, so the residual costs
    // only second order there (a channel at a bound may have a far larger marginal). Channels
    // held at their group's plan come last, so caps are crossed only if nothing else has room.
    let rank = |i: usize| match (fixed[i].is_some(), x[i] > envs[i].a && x[i] < envs[i].b) {
        (false, true) => 0,
        (false, false) => 1,
        (true, _) => 2,
    };
    let mut order: Vec<usize> = members.to_vec();
    order.sort_by_key(|&i| rank(i));
    for _ in 0..3 {
        let sum: f64 = members.iter().map(|&i| x[i]).sum();
        let mut r = budget - sum;
        if r == 0.0 {
            return;
        }
        for &i in &order {
            let room = if r > 0.0 {
                envs[i].b - x[i]
            } else {
                envs[i].a - x[i]
            };
            let step = if r > 0.0 { r.min(room) } else { r.max(room) };
            x[i] += step;
            r -= step;
            if r == 0.0 {
                break;
            }
        }
    }
}

/// Tuning of the global search.
#[derive(Debug, Clone, Copy)]
pub struct SolverOptions {
    /// Stop when `(upper − best)/upper` is at most this (default 1e-9).
    pub gap_tolerance: f64,
    /// Most branch-and-bound nodes to explore (default 20 000); the answer then carries the gap
    /// reached, which is still a proof.
    pub max_nodes: usize,
}

impl Default for SolverOptions {
    fn default() -> Self {
        Self {
            gap_tolerance: 1e-9,
            max_nodes: 20_000,
        }
    }
}

/// The solver's raw answer before it is dressed with names and per-channel figures.
pub(crate) struct Raw {
    pub(crate) x: Vec<f64>,
    /// Total true response at `x` (NaN when the caller is left to compute it).
    pub(crate) value: f64,
    pub(crate) lam: f64,
    pub(crate) upper: f64,
    pub(crate) nodes: usize,
    pub(crate) proven: bool,
}

/// Solves for `budget` over the root envelopes `envs` (one per channel on its interval); `curves`
/// gives the true curves for repairs; `current` is a feasible plan the answer must not be worse
/// than, if any.
pub(crate) fn solve(
    root: &[Env],
    curves: &[&ResponseCurve],
    iv: &Intervals,
    budget: f64,
    current: Option<&[f64]>,
    opts: SolverOptions,
) -> Raw {
    let n = root.len();
    let refs: Vec<&Env> = root.iter().collect();
    let mut warm: Vec<f64> = root.iter().map(|e| e.a).collect();
    let rel = relax(&refs, &iv.group_of, &iv.caps, budget, &mut warm);
    if root.iter().all(Env::exact) {
        // Concave: the relaxation is the problem. The value (and the comparison with the current
        // plan) is computed once by the caller, which evaluates every channel anyway.
        return Raw {
            value: f64::NAN,
            x: rel.x,
            lam: rel.lam,
            upper: rel.upper,
            nodes: 1,
            proven: true,
        };
    }
    let value_of = |x: &[f64]| -> f64 { root.iter().zip(x).map(|(e, &v)| e.value_true(v).0).sum() };
    let mut best = Raw {
        value: value_of(&rel.x),
        x: rel.x.clone(),
        lam: rel.lam,
        upper: rel.upper,
        nodes: 1,
        proven: true,
    };
    if let Some(cur) = current {
        let v = value_of(cur);
        if v > best.value {
            best.value = v;
            best.x = cur.to_vec();
        }
    }
    // Branch and bound, best bound first.
    let tol = opts.gap_tolerance;
    let done = |upper: f64, value: f64| upper - value <= tol * upper.abs().max(1e-300);
    let mut heap: BinaryHeap<Node> = BinaryHeap::new();
    let mut pruned_upper = f64::NEG_INFINITY;
    let mut nodes = 1usize;
    let mut pending = Some((Vec::new(), rel));
    loop {
        let (mods, r) = match pending.take() {
            Some(p) => p,
            None => {
                let Some(node) = heap.pop() else { break };
                if done(node.upper, best.value) {
                    pruned_upper = pruned_upper.max(node.upper);
                    continue;
                }
                if nodes >= opts.max_nodes {
                    heap.push(node);
                    break;
                }
                nodes += 1;
                let envs = NodeEnvs::new(curves, &node.mods);
                let view: Vec<&Env> = (0..n).map(|i| envs.get(i, root)).collect();
                if !feasible(&view, iv, budget) {
                    continue;
                }
                let mut w: Vec<f64> = best
                    .x
                    .iter()
                    .zip(&view)
                    .map(|(&v, e)| v.clamp(e.a, e.b))
                    .collect();
                let r = relax(&view, &iv.group_of, &iv.caps, budget, &mut w);
                let upper = r.upper.min(node.upper);
                (node.mods, Relaxed { upper, ..r })
            }
        };
        let envs = NodeEnvs::new(curves, &mods);
        let view: Vec<&Env> = (0..n).map(|i| envs.get(i, root)).collect();
        // Candidates: the relaxed point itself and its repairs.
        let v = value_of(&r.x);
        if v > best.value {
            best.value = v;
            best.x.clone_from(&r.x);
            best.lam = r.lam;
        }
        // A relaxed point where every envelope touches its curve is optimal for the node already;
        // repairs only help when some channel sits on a linear piece.
        let on_curve = view.iter().zip(&r.x).all(|(e, &xi)| xi <= e.a || xi >= e.c);
        let candidates = if on_curve {
            Vec::new()
        } else {
            repairs(&view, curves, iv, budget, &r.x)
        };
        for (cand, lam) in candidates {
            let v = value_of(&cand);
            if v > best.value {
                best.value = v;
                best.x = cand;
                best.lam = lam;
            }
        }
        if done(r.upper, best.value) {
            pruned_upper = pruned_upper.max(r.upper);
            continue;
        }
        // Branch on the channel whose envelope overstates its curve most at the relaxed point.
        let mut pick: Option<(usize, f64)> = None;
        for (i, e) in view.iter().enumerate() {
            let xi = r.x[i];
            if xi <= e.a || xi >= e.c {
                continue;
            }
            let excess = e.eval(xi).0 - e.value_true(xi).0;
            if excess > pick.map_or(0.0, |p| p.1) {
                pick = Some((i, excess));
            }
        }
        let Some((i, _)) = pick else {
            // Every channel sits where its envelope is its curve: nothing left to split here.
            pruned_upper = pruned_upper.max(r.upper);
            continue;
        };
        let e = view[i];
        let cut = r.x[i].clamp(e.a + 1e-12 * (e.b - e.a), e.b - 1e-12 * (e.b - e.a));
        for (a, b) in [(e.a, cut), (cut, e.b)] {
            let mut child = mods.clone();
            child.retain(|m| m.0 != i);
            child.push((i, a, b));
            heap.push(Node {
                upper: r.upper,
                mods: child,
            });
        }
    }
    let open = heap
        .iter()
        .map(|h| h.upper)
        .fold(f64::NEG_INFINITY, f64::max);
    best.upper = open.max(pruned_upper).max(best.value);
    best.nodes = nodes;
    best.proven = heap.is_empty();
    best
}

#[derive(Debug, Clone)]
struct Node {
    upper: f64,
    /// Channels whose interval differs from the root: (channel, a, b).
    mods: Vec<(usize, f64, f64)>,
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.upper.total_cmp(&other.upper).is_eq()
    }
}
impl Eq for Node {}
impl PartialOrd for Node {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Node {
    fn cmp(&self, other: &Self) -> Ordering {
        self.upper.total_cmp(&other.upper)
    }
}

/// The envelopes of the channels whose interval a node has narrowed.
struct NodeEnvs {
    map: Vec<(usize, Env)>,
}

impl NodeEnvs {
    fn new(curves: &[&ResponseCurve], mods: &[(usize, f64, f64)]) -> Self {
        Self {
            map: mods
                .iter()
                .map(|&(i, a, b)| (i, Env::new(curves[i], a, b)))
                .collect(),
        }
    }

    fn get<'a>(&'a self, i: usize, root: &'a [Env]) -> &'a Env {
        self.map
            .iter()
            .find(|m| m.0 == i)
            .map_or(&root[i], |m| &m.1)
    }
}

fn feasible(view: &[&Env], iv: &Intervals, budget: f64) -> bool {
    let tol = 1e-12 * budget.max(1.0);
    let floor: f64 = view.iter().map(|e| e.a).sum();
    if floor > budget + tol {
        return false;
    }
    let mut per_group = vec![(0.0, 0.0); iv.caps.len()];
    let mut free = 0.0;
    for (i, e) in view.iter().enumerate() {
        match iv.group_of[i] {
            Some(g) => {
                per_group[g].0 += e.a;
                per_group[g].1 += e.b;
            }
            None => free += e.b,
        }
    }
    let mut cap = free;
    for (g, &(lo, hi)) in per_group.iter().enumerate() {
        if lo > iv.caps[g] + tol {
            return false;
        }
        cap += hi.min(iv.caps[g]);
    }
    cap >= budget - tol
}

/// Feasible plans near a relaxed point `x`: every channel is put either at the low end of its
/// interval or in the part `[c, b]` where its curve is concave (channels in between try both, up
/// to 2⁴ combinations), and the concave problem is solved exactly.
fn repairs(
    view: &[&Env],
    curves: &[&ResponseCurve],
    iv: &Intervals,
    budget: f64,
    x: &[f64],
) -> Vec<(Vec<f64>, f64)> {
    let n = view.len();
    let mut fractional = Vec::new();
    let mut on = vec![false; n];
    for (i, e) in view.iter().enumerate() {
        if e.exact() || x[i] >= e.c {
            on[i] = true;
        } else if x[i] > e.a {
            fractional.push(i);
        }
    }
    let combos: Vec<u32> = if fractional.len() <= 4 {
        (0..(1u32 << fractional.len())).collect()
    } else {
        vec![0, u32::MAX]
    };
    let mut out = Vec::new();
    for mask in combos {
        let mut pick = on.clone();
        for (j, &i) in fractional.iter().enumerate() {
            pick[i] = mask & (1u32 << j.min(31)) != 0;
        }
        let owned: Vec<Option<Env>> = (0..n)
            .map(|i| {
                let e = view[i];
                if e.exact() {
                    None
                } else if pick[i] {
                    Some(Env::new(curves[i], e.c, e.b))
                } else {
                    Some(Env::new(curves[i], e.a, e.a))
                }
            })
            .collect();
        let sub: Vec<&Env> = (0..n)
            .map(|i| owned[i].as_ref().unwrap_or(view[i]))
            .collect();
        if !feasible(&sub, iv, budget) {
            continue;
        }
        let mut w: Vec<f64> = x
            .iter()
            .zip(&sub)
            .map(|(&v, e)| v.clamp(e.a, e.b))
            .collect();
        let r = relax(&sub, &iv.group_of, &iv.caps, budget, &mut w);
        out.push((r.x, r.lam));
    }
    out
}
