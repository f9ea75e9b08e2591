//! Solver benchmarks: concave and S-shaped Hill problems with 5, 50 and 500 channels, and
//! 50 channels × 1000 posterior draws. Run with
//! `cargo bench -p spendlens-optimize --bench solve`.

use divan::Bencher;
use spendlens_optimize::optimize;

mod problem;
use problem::problem;

fn main() {
    divan::main();
}

#[divan::bench(args = [5, 50, 500])]
fn concave(bencher: Bencher, n: usize) {
    let p = problem(n, 0.3, 1.0, 1);
    bencher.bench(|| optimize(divan::black_box(&p)));
}

#[divan::bench(args = [5, 50, 500])]
fn s_shaped(bencher: Bencher, n: usize) {
    let p = problem(n, 0.5, 3.5, 1);
    bencher.bench(|| optimize(divan::black_box(&p)));
}

#[divan::bench]
fn concave_50_channels_1000_draws(bencher: Bencher) {
    let p = problem(50, 0.3, 1.0, 1000);
    bencher.bench(|| optimize(divan::black_box(&p)));
}
