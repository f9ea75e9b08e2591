//! Benchmarks on a generated 1,000,000-journey data set over 8 channels (seed 2026).
//!
//! * `raw_heuristics_and_shapley`: touchpoint CSV bytes in memory -> streamed, aggregated, and every
//!   rule-based model, time decay, Shapley and ordered Shapley.
//! * `markov_order_1` / `markov_order_3`: exact Markov (fit, P, every removal effect, credit) on the
//!   already aggregated paths.
//! * `markov_auto`: order selection (5-fold held-out likelihood, orders 1–4) plus the chosen fit.
//! * `all_models`: `--model all` end to end from the bytes.
//!
//! Peak memory: divan's allocation profiler reports each benchmark's maximum live heap ("max alloc").
//! Run with `cargo bench -p spendlens-attribution` (release).

use std::sync::OnceLock;

use spendlens_attribution::generate::{Shape, write_touchpoints};
use spendlens_attribution::{Dataset, MarkovOrder, Model, ReadOptions, Request, attribute, read};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

const JOURNEYS: usize = 1_000_000;
const SEED: u64 = 2026;

fn main() {
    let bytes = csv();
    let data = dataset();
    eprintln!(
        "data set: {JOURNEYS} journeys, {} MB of touchpoint CSV, {} rows, {} distinct paths, {} conversions",
        bytes.len() / 1_000_000,
        bytecount_lines(bytes) - 1,
        data.paths.len(),
        data.paths.total_conversions()
    );
    divan::main();
}

fn bytecount_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

fn csv() -> &'static [u8] {
    static CSV: OnceLock<Vec<u8>> = OnceLock::new();
    CSV.get_or_init(|| {
        let mut out = Vec::with_capacity(200 << 20);
        write_touchpoints(SEED, JOURNEYS, &Shape::default(), &mut out).expect("in memory");
        out
    })
}

fn dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| read(csv(), &ReadOptions::default()).expect("generated data is valid"))
}

fn request(models: &[Model], order: MarkovOrder) -> Request {
    Request {
        models: models.to_vec(),
        order,
        transitions: false,
        skip_unavailable: true,
    }
}

const RAW_MODELS: [Model; 7] = [
    Model::FirstTouch,
    Model::LastTouch,
    Model::Linear,
    Model::PositionBased,
    Model::TimeDecay,
    Model::Shapley,
    Model::ShapleyOrdered,
];

#[divan::bench(sample_count = 10, sample_size = 1)]
fn raw_heuristics_and_shapley() -> usize {
    let options = ReadOptions {
        time_decay_half_life_days: Some(7.0),
    };
    let data = read(divan::black_box(csv()), &options).expect("valid");
    attribute(&data, &request(&RAW_MODELS, MarkovOrder::Fixed(1)))
        .expect("runs")
        .len()
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn markov_order_1() -> usize {
    attribute(
        divan::black_box(dataset()),
        &request(&[Model::Markov], MarkovOrder::Fixed(1)),
    )
    .expect("runs")
    .len()
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn markov_order_3() -> usize {
    attribute(
        divan::black_box(dataset()),
        &request(&[Model::Markov], MarkovOrder::Fixed(3)),
    )
    .expect("runs")
    .len()
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn markov_auto() -> usize {
    attribute(
        divan::black_box(dataset()),
        &request(&[Model::Markov], MarkovOrder::Auto),
    )
    .expect("runs")
    .len()
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn all_models() -> usize {
    let options = ReadOptions {
        time_decay_half_life_days: Some(7.0),
    };
    let data = read(divan::black_box(csv()), &options).expect("valid");
    attribute(&data, &request(&Model::ALL, MarkovOrder::Fixed(1)))
        .expect("runs")
        .len()
}

/// The CSV tokenizer alone over the same bytes: the floor under `raw_heuristics_and_shapley`.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn records_only() -> usize {
    let mut records = spendlens_attribution::records::Records::new(divan::black_box(csv()));
    let mut fields = 0;
    while let Ok(Some(record)) = records.next_record() {
        fields += record.len();
    }
    fields
}

/// Reading into paths without time decay, to show what time decay costs.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn read_paths_only() -> usize {
    read(divan::black_box(csv()), &ReadOptions::default())
        .expect("valid")
        .paths
        .len()
}
