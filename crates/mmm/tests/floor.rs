//! How close to the truth can any estimator get? A reference posterior, written here
//! independently of the crate, that knows what no real model knows: the simulator's own prior
//! (the uniform ranges its decays, half-saturations and shapes are drawn from) and its baseline's
//! exact form. Its posterior median is the best estimate of a channel's ROI the data and that
//! prior allow; its 90 % interval is how far the data leave the ROI open.
//!
//! It answers the question the always-on scenarios of `recovery.rs` raise: are their 13–24 %
//! median ROI errors the estimator's or the data's? Measured over 16 seeds each (the seeds of
//! `recovery.rs`), the reference's posterior median errs by 16.7 % (season and bursts, daily),
//! 15.1 % (uniform draws, daily), 16.9 % (budget steps, daily) and 29.2 % (season and bursts,
//! weekly), against the fit's 17.7 %, 13.2 %, 19.7 % and 24.1 %, the reference's 90 % intervals
//! covering the truth for 88–95 % of channels. On flighted channels both meet the target: 2.1 %
//! against 2.5 % (daily), 6.0 % against 6.1 % (weekly). So on channels whose spend never stops,
//! no estimator reaches the 8 % target even with the simulator's own prior; the fit is at that
//! limit, and only outside information (a lift test) narrows it.
//!
//! The reference: γ (the baseline) and β (the effects) are integrated out under flat priors, so
//! the target over the 3 curve parameters per channel is `−rss/2σ² − ½·log det(ZᵀZ)` (`Z` the
//! channels' features with the baseline projected out) on the simulator's box; Metropolis within
//! Gibbs, one parameter at a time, steps tuned during burn-in, started at the box's centre; β is
//! drawn from its conditional normal and clamped at zero; σ² is the residual variance under the
//! true curves.

use spendlens_mmm::{Options, fit};
use spendlens_rng::SplitMix64;

use crate::sim::{HALF_SATURATION, SHAPE, Sim, Spec, Varied, decay_range, normal, simulate};

const BURN: usize = 500;
const KEEP: usize = 1_500;
const THIN: usize = 3;

#[test]
fn on_always_on_channels_no_estimator_reaches_the_target_and_the_fit_is_at_that_limit() {
    let (reference, fitted) = compare(300..312, |seed| Spec {
        varied: Some(Varied::Seasonal),
        ..Spec::daily(seed)
    });
    assert!(
        reference.coverage >= 0.8,
        "the reference posterior is calibrated: coverage {}",
        reference.coverage
    );
    assert!(
        reference.median >= 0.12,
        "the best estimate the data allow errs by {}",
        reference.median
    );
    assert!(
        fitted.median <= reference.median + 0.03,
        "the fit ({}) is within 3 points of the reference ({})",
        fitted.median,
        reference.median
    );
}

#[test]
fn on_flighted_channels_both_meet_the_target() {
    let (reference, fitted) = compare(0..6, Spec::daily);
    assert!(reference.coverage >= 0.8, "coverage {}", reference.coverage);
    assert!(reference.median <= 0.08, "reference {}", reference.median);
    assert!(fitted.median <= 0.08, "fit {}", fitted.median);
    assert!(
        fitted.median <= reference.median + 0.02,
        "fit {} against reference {}",
        fitted.median,
        reference.median
    );
}

struct Errors {
    median: f64,
    coverage: f64,
}

/// The reference's and the fit's ROI errors over the seeds.
fn compare(seeds: std::ops::Range<u64>, spec: impl Fn(u64) -> Spec) -> (Errors, Errors) {
    let (mut re, mut fe) = (Vec::new(), Vec::new());
    let mut covered = 0usize;
    for seed in seeds {
        let sim = simulate(&spec(1000 + seed));
        let model = fit(&sim.data, &[], &Options { draws: 300, seed }).expect("fits");
        let draws = Reference::new(&sim).sample(seed);
        for ((c, t), d) in model.channels.iter().zip(&sim.truth).zip(draws) {
            let (lo, mid, hi) = (quantile(&d, 0.05), quantile(&d, 0.5), quantile(&d, 0.95));
            re.push((mid - t.roi).abs() / t.roi);
            fe.push((c.roi.mean - t.roi).abs() / t.roi);
            if lo <= t.roi && t.roi <= hi {
                covered += 1;
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let coverage = covered as f64 / re.len() as f64;
    let (r, f) = (quantile(&re, 0.5), quantile(&fe, 0.5));
    eprintln!(
        "reference posterior median ROI error {:.1} % (coverage {:.1} %), fit {:.1} % ({} channels)",
        r * 100.0,
        coverage * 100.0,
        f * 100.0,
        re.len()
    );
    (
        Errors {
            median: r,
            coverage,
        },
        Errors {
            median: f,
            coverage: f64::NAN,
        },
    )
}

fn quantile(v: &[f64], q: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i]
}

/// One channel's curve: decay, half-saturation, shape.
type Curve = [f64; 3];

struct Reference {
    spend: Vec<Vec<f64>>,
    /// Orthonormal basis of the baseline over the fitted periods.
    basis: Vec<Vec<f64>>,
    /// The KPI with the baseline projected out.
    y: Vec<f64>,
    start: usize,
    /// The prior's box per channel: (low, high) per parameter.
    boxes: Vec<[(f64, f64); 3]>,
    truth: Vec<Curve>,
    totals: Vec<f64>,
    sigma2: f64,
}

struct Chain {
    curves: Vec<Curve>,
    /// The channels' features over all periods, and with the baseline projected out.
    z: Vec<Vec<f64>>,
    zt: Vec<Vec<f64>>,
}

impl Reference {
    fn new(sim: &Sim) -> Self {
        let d = &sim.data;
        let n = d.values.len();
        let daily = (d.dates[1] - d.dates[0]).num_days() == 1;
        let start = if daily { 28 } else { 8 };
        let mut cols: Vec<Vec<f64>> = vec![vec![1.0; n - start]];
        #[allow(clippy::cast_precision_loss)]
        cols.push((start..n).map(|t| t as f64).collect());
        let day = |t: usize| (d.dates[t] - d.dates[0]).num_days();
        if daily {
            for w in 1..7 {
                cols.push(
                    (start..n)
                        .map(|t| f64::from(u8::from(day(t) % 7 == w)))
                        .collect(),
                );
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let angle = |t: usize| std::f64::consts::TAU * day(t) as f64 / 365.25;
        cols.push((start..n).map(|t| angle(t).sin()).collect());
        cols.push((start..n).map(|t| angle(t).cos()).collect());
        for c in &d.controls {
            cols.push(c.values[start..].to_vec());
        }
        let mut basis: Vec<Vec<f64>> = Vec::new();
        for mut v in cols {
            for q in &basis {
                let p = dot(q, &v);
                v.iter_mut().zip(q).for_each(|(x, qk)| *x -= p * qk);
            }
            let norm = dot(&v, &v).sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            basis.push(v);
        }
        let spend: Vec<Vec<f64>> = d
            .channels
            .iter()
            .map(|c| {
                c.spend
                    .iter()
                    .map(|v| v.to_string().parse().expect("number"))
                    .collect()
            })
            .collect();
        let decay = decay_range(daily);
        let boxes = sim
            .truth
            .iter()
            .map(|t| {
                [
                    decay,
                    (
                        HALF_SATURATION.0 * t.mean_spend,
                        HALF_SATURATION.1 * t.mean_spend,
                    ),
                    SHAPE,
                ]
            })
            .collect();
        let mut r = Self {
            totals: spend.iter().map(|s| s.iter().sum()).collect(),
            spend,
            y: Vec::new(),
            basis,
            start,
            boxes,
            truth: sim.truth.iter().map(|t| [t.decay, t.k, t.s]).collect(),
            sigma2: 1.0,
        };
        r.y = r.project(&d.values);
        let truth = r.chain(&r.truth.clone());
        let (rss, _, _) = r.solve(&truth);
        #[allow(clippy::cast_precision_loss)]
        let dof = (n - start - r.basis.len() - r.spend.len()) as f64;
        r.sigma2 = rss / dof;
        r
    }

    fn project(&self, v: &[f64]) -> Vec<f64> {
        let mut out = v[self.start..].to_vec();
        for q in &self.basis {
            let p = dot(q, &out);
            out.iter_mut().zip(q).for_each(|(x, qk)| *x -= p * qk);
        }
        out
    }

    fn feature(&self, c: usize, curve: Curve) -> Vec<f64> {
        let [decay, k, s] = curve;
        let mut a = self.spend[c][0];
        self.spend[c]
            .iter()
            .map(|x| {
                a = (1.0 - decay) * x + decay * a;
                if a <= 0.0 {
                    0.0
                } else {
                    1.0 / (1.0 + (k / a).powf(s))
                }
            })
            .collect()
    }

    fn chain(&self, curves: &[Curve]) -> Chain {
        let z: Vec<Vec<f64>> = curves
            .iter()
            .enumerate()
            .map(|(c, k)| self.feature(c, *k))
            .collect();
        Chain {
            zt: z.iter().map(|v| self.project(v)).collect(),
            z,
            curves: curves.to_vec(),
        }
    }

    /// The residual sum of squares at the best β, `log det(ZᵀZ)`, and β with `ZᵀZ`'s Cholesky
    /// factor (lower, row-major).
    fn solve(&self, ch: &Chain) -> (f64, f64, (Vec<f64>, Vec<f64>)) {
        let m = ch.zt.len();
        let mut l = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..=i {
                l[i * m + j] = dot(&ch.zt[i], &ch.zt[j]);
            }
        }
        for j in 0..m {
            let d = (l[j * m + j] - (0..j).map(|k| l[j * m + k].powi(2)).sum::<f64>())
                .max(1e-12)
                .sqrt();
            l[j * m + j] = d;
            for i in j + 1..m {
                let s = l[i * m + j] - (0..j).map(|k| l[i * m + k] * l[j * m + k]).sum::<f64>();
                l[i * m + j] = s / d;
            }
        }
        let mut w: Vec<f64> = ch.zt.iter().map(|z| dot(z, &self.y)).collect();
        // w = L⁻¹·Zᵀy, then β = L⁻ᵀ·w: β = (ZᵀZ)⁻¹Zᵀy, and ‖w‖² is what β explains.
        for i in 0..m {
            w[i] = (w[i] - (0..i).map(|k| l[i * m + k] * w[k]).sum::<f64>()) / l[i * m + i];
        }
        let explained = dot(&w, &w);
        let mut beta = w;
        for i in (0..m).rev() {
            beta[i] =
                (beta[i] - (i + 1..m).map(|k| l[k * m + i] * beta[k]).sum::<f64>()) / l[i * m + i];
        }
        let logdet = (0..m).map(|i| 2.0 * l[i * m + i].ln()).sum();
        (dot(&self.y, &self.y) - explained, logdet, (beta, l))
    }

    fn log_target(&self, ch: &Chain) -> f64 {
        let (rss, logdet, _) = self.solve(ch);
        -rss / (2.0 * self.sigma2) - 0.5 * logdet
    }

    /// ROI draws per channel.
    fn sample(&self, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = SplitMix64::new(seed ^ 0x5eed);
        let centre: Vec<Curve> = self
            .boxes
            .iter()
            .map(|b| b.map(|(lo, hi)| 0.5 * (lo + hi)))
            .collect();
        let mut ch = self.chain(&centre);
        let mut lp = self.log_target(&ch);
        let nc = self.spend.len();
        let mut step: Vec<Curve> = self
            .boxes
            .iter()
            .map(|b| b.map(|(lo, hi)| 0.1 * (hi - lo)))
            .collect();
        let mut accepted = vec![[0u32; 3]; nc];
        let mut out = vec![Vec::new(); nc];
        for sweep in 0..BURN + KEEP {
            for c in 0..nc {
                for k in 0..3 {
                    let mut curve = ch.curves[c];
                    curve[k] += step[c][k] * normal(&mut rng);
                    let (lo, hi) = self.boxes[c][k];
                    if curve[k] < lo || curve[k] > hi {
                        continue;
                    }
                    let old = (ch.curves[c], ch.z[c].clone(), ch.zt[c].clone());
                    ch.curves[c] = curve;
                    ch.z[c] = self.feature(c, curve);
                    ch.zt[c] = self.project(&ch.z[c]);
                    let new = self.log_target(&ch);
                    if new - lp >= (1.0 - rng.unit()).ln() {
                        lp = new;
                        accepted[c][k] += 1;
                    } else {
                        (ch.curves[c], ch.z[c], ch.zt[c]) = old;
                    }
                }
            }
            if sweep < BURN && sweep % 50 == 49 {
                for (s, a) in step.iter_mut().zip(&mut accepted) {
                    for k in 0..3 {
                        let rate = f64::from(a[k]) / 50.0;
                        if rate > 0.45 {
                            s[k] *= 1.4;
                        } else if rate < 0.25 {
                            s[k] /= 1.4;
                        }
                        a[k] = 0;
                    }
                }
            }
            if sweep >= BURN && sweep % THIN == 0 {
                let (_, _, (beta, l)) = self.solve(&ch);
                let mut xi: Vec<f64> = (0..nc).map(|_| normal(&mut rng)).collect();
                for i in (0..nc).rev() {
                    xi[i] = (xi[i] - (i + 1..nc).map(|k| l[k * nc + i] * xi[k]).sum::<f64>())
                        / l[i * nc + i];
                }
                for c in 0..nc {
                    let b = (beta[c] + self.sigma2.sqrt() * xi[c]).max(0.0);
                    out[c].push(b * ch.z[c].iter().sum::<f64>() / self.totals[c]);
                }
            }
        }
        out
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
