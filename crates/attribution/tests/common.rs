//! Helpers shared by the test modules: run models on CSV text and look results up by channel.

use rust_decimal::prelude::ToPrimitive;
use spendlens_attribution::{
    Attribution, Dataset, MarkovOrder, Model, ReadOptions, Request, attribute, read,
};

/// Reads CSV text (either format), computing time decay with a 7-day half-life.
pub fn dataset(csv: &str) -> Dataset {
    read(
        csv.as_bytes(),
        &ReadOptions {
            time_decay_half_life_days: Some(7.0),
        },
    )
    .expect("valid input")
}

/// Runs `models` (Markov of the given order) on a data set.
pub fn run(data: &Dataset, models: &[Model], order: MarkovOrder) -> Vec<Attribution> {
    let request = Request {
        models: models.to_vec(),
        order,
        transitions: false,
        skip_unavailable: true,
    };
    attribute(data, &request).expect("attribution succeeds")
}

/// Runs one model.
pub fn run_one(data: &Dataset, model: Model) -> Attribution {
    run(data, &[model], MarkovOrder::Fixed(1))
        .pop()
        .expect("one result")
}

/// `(conversions, value)` credited to `channel` (zero if absent).
pub fn credit_of(result: &Attribution, channel: &str) -> (f64, f64) {
    result
        .channels
        .iter()
        .find(|c| c.channel == channel)
        .map_or((0.0, 0.0), |c| {
            (c.conversions, c.value.to_f64().unwrap_or(f64::NAN))
        })
}

/// Whether `a` and `b` agree to `tolerance`, relative to their size (absolute below 1).
pub fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * a.abs().max(b.abs()).max(1.0)
}

/// Asserts that the credit adds up to the total conversions (and the value weights to the value).
pub fn assert_conserved(result: &Attribution) {
    let sum: f64 = result.channels.iter().map(|c| c.conversions).sum();
    assert!(
        close(sum, result.total_conversions, 1e-9),
        "{}: credit {sum} vs total {}",
        result.model,
        result.total_conversions
    );
    let value: rust_decimal::Decimal = result.channels.iter().map(|c| c.value).sum();
    let total = result.total_value.to_f64().unwrap_or(0.0);
    assert!(
        close(value.to_f64().unwrap_or(0.0), total, 1e-9),
        "{}: value {value} vs total {}",
        result.model,
        result.total_value
    );
}
