//! Invariants every model must keep, on random path data sets.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spendlens_attribution::{Attribution, Dataset, MarkovOrder, Model, codec, money};

use crate::common::{assert_conserved, close, run};

/// Models that run on paths (time decay needs timestamps: see the touchpoint tests).
const PATH_MODELS: [Model; 7] = [
    Model::FirstTouch,
    Model::LastTouch,
    Model::Linear,
    Model::PositionBased,
    Model::Markov,
    Model::Shapley,
    Model::ShapleyOrdered,
];

/// A path row: channel indices, conversions, value in cents, nulls.
type Row = (Vec<usize>, u32, u64, u32);

fn rows(channels: usize) -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (
            prop::collection::vec(0..channels, 1..6),
            0u32..6,
            0u64..100_000,
            0u32..6,
        ),
        1..25,
    )
}

fn build(rows: &[Row], name: impl Fn(usize) -> String) -> Dataset {
    let names: Vec<Vec<String>> = rows
        .iter()
        .map(|(path, ..)| path.iter().map(|&c| name(c)).collect())
        .collect();
    Dataset::from_paths(
        rows.iter()
            .zip(&names)
            .map(|((_, conv, cents, nulls), path)| {
                (
                    path.iter().map(String::as_str),
                    f64::from(*conv),
                    // value comes with conversions only, as the reader insists
                    if *conv > 0 {
                        Decimal::new(i64::try_from(*cents).unwrap_or(0), 2)
                    } else {
                        Decimal::ZERO
                    },
                    f64::from(*nulls),
                )
            }),
    )
    .expect("valid paths")
}

fn all(data: &Dataset, order: usize) -> Vec<Attribution> {
    run(data, &PATH_MODELS, MarkovOrder::Fixed(order))
}

fn shares(result: &Attribution) -> Vec<(String, f64)> {
    result
        .channels
        .iter()
        .map(|c| {
            (
                c.channel.clone(),
                if result.total_conversions > 0.0 {
                    c.conversions / result.total_conversions
                } else {
                    0.0
                },
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn credit_is_conserved_by_every_model(rows in rows(5), order in 1usize..=4) {
        let data = build(&rows, |c| format!("c{c}"));
        for result in all(&data, order) {
            assert_conserved(&result);
            // and the cents printed add up to the printed total
            let exact: Vec<Decimal> = result.channels.iter().map(|c| c.value).collect();
            let cents: Decimal = money::to_cents(result.total_value, &exact).iter().sum();
            prop_assert_eq!(cents, money::round_cents(result.total_value));
            prop_assert!(codec::encode_one(&result).is_ok());
        }
    }

    #[test]
    fn a_single_channel_gets_everything(rows in rows(1), order in 1usize..=4) {
        let data = build(&rows, |_| "solo".to_owned());
        for result in all(&data, order) {
            prop_assert_eq!(result.channels.len(), 1);
            let line = &result.channels[0];
            prop_assert!(close(line.conversions, result.total_conversions, 1e-12), "{}", result.model);
            prop_assert_eq!(money::round_cents(line.value), money::round_cents(result.total_value));
        }
    }

    #[test]
    fn relabelling_channels_permutes_the_result(
        rows in rows(5),
        permutation in Just((0..5).collect::<Vec<usize>>()).prop_shuffle(),
        order in 1usize..=3,
    ) {
        let original = all(&build(&rows, |c| format!("c{c}")), order);
        let relabelled = all(&build(&rows, |c| format!("x{}", permutation[c])), order);
        for (a, b) in original.iter().zip(&relabelled) {
            for line in &a.channels {
                let c: usize = line.channel[1..].parse().expect("index");
                let renamed = format!("x{}", permutation[c]);
                let other = b.channels.iter().find(|l| l.channel == renamed).expect("renamed channel");
                prop_assert!(close(line.conversions, other.conversions, 1e-9), "{}: {} vs {}", a.model, line.conversions, other.conversions);
                prop_assert!(close(line.removal_effect.unwrap_or(0.0), other.removal_effect.unwrap_or(0.0), 1e-9));
                prop_assert!((line.value - other.value).abs() < Decimal::new(1, 6));
            }
        }
    }

    #[test]
    fn duplicating_every_path_leaves_shares_unchanged(rows in rows(5), order in 1usize..=4) {
        let once = all(&build(&rows, |c| format!("c{c}")), order);
        let doubled_rows: Vec<Row> = rows.iter().chain(&rows).cloned().collect();
        let twice = all(&build(&doubled_rows, |c| format!("c{c}")), order);
        for (a, b) in once.iter().zip(&twice) {
            prop_assert!(close(2.0 * a.total_conversions, b.total_conversions, 1e-12));
            for ((name, x), (_, y)) in shares(a).iter().zip(shares(b)) {
                prop_assert!(close(*x, y, 1e-9), "{} {name}: {x} vs {y}", a.model);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A chain fitted to complete paths conserves flow: whatever the order, the probability of
    /// converting from `(start)` is the observed conversion rate.
    #[test]
    fn conversion_probability_is_the_observed_rate(rows in rows(5), order in 1usize..=4) {
        let data = build(&rows, |c| format!("c{c}"));
        let result = run(&data, &[Model::Markov], MarkovOrder::Fixed(order)).pop().expect("one result");
        let conversions: f64 = rows.iter().map(|r| f64::from(r.1)).sum();
        let journeys: f64 = rows.iter().map(|r| f64::from(r.1 + r.3)).sum();
        let expected = if journeys > 0.0 { conversions / journeys } else { 0.0 };
        let p = result.markov.expect("summary").conversion_probability;
        prop_assert!(close(p, expected, 1e-12), "order {order}: {p} vs {expected}");
    }

    /// When the order is at least the longest path, every state is a whole prefix and the chain is a
    /// tree: removing k loses exactly the conversions of the paths that touch k.
    #[test]
    fn removal_effects_are_exact_on_a_prefix_tree(
        rows in prop::collection::vec((prop::collection::vec(0usize..4, 1..5), 0u32..6, 0u64..1, 0u32..6), 1..25),
    ) {
        let data = build(&rows, |c| format!("c{c}"));
        let result = run(&data, &[Model::Markov], MarkovOrder::Fixed(4)).pop().expect("one result");
        let total: f64 = rows.iter().map(|r| f64::from(r.1)).sum();
        for line in &result.channels {
            let c: usize = line.channel[1..].parse().expect("index");
            let touching: f64 = rows.iter().filter(|r| r.0.contains(&c)).map(|r| f64::from(r.1)).sum();
            let expected = if total > 0.0 { touching / total } else { 0.0 };
            let got = line.removal_effect.expect("markov");
            prop_assert!(close(got, expected, 1e-12), "{}: {got} vs {expected}", line.channel);
        }
    }
}
