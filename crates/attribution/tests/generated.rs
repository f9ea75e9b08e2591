//! The seeded generator: deterministic, and its journeys read back consistently.

use spendlens_attribution::generate::{Shape, write_touchpoints};
use spendlens_attribution::{MarkovOrder, Model};

use crate::common::{assert_conserved, dataset, run};

fn csv(seed: u64, journeys: usize, shape: &Shape) -> String {
    let mut out = Vec::new();
    write_touchpoints(seed, journeys, shape, &mut out).expect("in memory");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn same_seed_same_bytes() {
    let shape = Shape::default();
    assert_eq!(csv(7, 500, &shape), csv(7, 500, &shape));
    assert_ne!(csv(7, 500, &shape), csv(8, 500, &shape));
}

#[test]
fn shuffled_rows_give_the_same_attribution_and_every_model_conserves() {
    let sorted = dataset(&csv(42, 3000, &Shape::default()));
    let shuffled = dataset(&csv(
        42,
        3000,
        &Shape {
            shuffle_rows: true,
            ..Shape::default()
        },
    ));
    let a = run(&sorted, &Model::ALL, MarkovOrder::Fixed(3));
    let b = run(&shuffled, &Model::ALL, MarkovOrder::Fixed(3));
    assert_eq!(a.len(), Model::ALL.len());
    assert!(
        a[0].total_conversions > 50.0,
        "the generator converts some journeys"
    );
    for (x, y) in a.iter().zip(&b) {
        assert_conserved(x);
        assert_eq!(x.total_value, y.total_value);
        assert_eq!(x.channels.len(), 8);
        for (cx, cy) in x.channels.iter().zip(&y.channels) {
            assert!(
                (cx.conversions - cy.conversions).abs() < 1e-9,
                "{} {}",
                x.model,
                cx.channel
            );
        }
    }
}
