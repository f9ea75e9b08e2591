//! Properties of the encoder over arbitrary valid inputs.
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;

fn money_paths(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, v)| money_paths(v, &format!("{path}.{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| money_paths(v, &format!("{path}[{i}]"), out)),
        Value::String(s) if s.parse::<Decimal>().is_ok() => out.push((path.to_owned(), s.clone())),
        _ => {}
    }
}

fn numbers(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, v)| numbers(v, &format!("{path}.{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| numbers(v, &format!("{path}[{i}]"), out)),
        Value::Number(n) => out.push((path.to_owned(), n.to_string())),
        _ => {}
    }
}

fn amount() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..10_000_000, 0u32..4).prop_map(|(m, s)| Decimal::new(
            i64::try_from(m).unwrap_or(0),
            s
        )
        .to_string()),
        Just("0".to_owned()),
    ]
}

prop_compose! {
    fn document()(
        spends in proptest::collection::vec(amount(), 5),
        convs in proptest::collection::vec(amount(), 5),
        clicks in proptest::collection::vec(0u64..1_000_000, 5),
        budget in proptest::option::of(amount()),
        aov in amount(),
        snap_spend in amount(),
    ) -> String {
        let names = ["linkedin", "meta", "google_ads", "custom_integration", "sheets"];
        let platforms: Vec<String> = names.iter().enumerate().map(|(i, n)| format!(
            r#""{n}": {{"spend": "{}", "clicks": {}, "conversions": "{}", "impressions": {}}}"#,
            spends[i], clicks[i], convs[i], clicks[i] * 37)).collect();
        format!(
            r#"{{"as_of": "2026-03-01", "campaign": {{"budget": {}, "start_date": "2026-02-01", "end_date": "2026-04-30"}},
               "platforms": {{{}, "ga4": {{"average_order_value": "{aov}"}}}},
               "comparison": {{"period": "7d", "snapshot": {{"date": "2026-02-22", "spend": "{snap_spend}", "conversions": 3}}}}}}"#,
            budget.map_or("null".to_owned(), |b| format!("\"{b}\"")), platforms.join(", "))
    }
}

proptest! {
    #[test]
    fn money_strings_have_exactly_two_decimals_and_numbers_at_most_two(doc in document()) {
        let input = spendlens_contract::analysis::decode(&doc, None);
        prop_assert!(input.is_ok(), "{:?}", input.err());
        let Ok(input) = input else { return Ok(()) };
        let out = spendlens_contract::analysis::encode(&spendlens_core::analysis::analyze(&input));
        let mut strings = Vec::new();
        money_paths(&out, "", &mut strings);
        prop_assert!(!strings.is_empty());
        for (path, s) in strings {
            let decimals = s.split_once('.').map(|(_, f)| f.len());
            prop_assert_eq!(decimals, Some(2), "{} = {}", path, s);
        }
        let mut nums = Vec::new();
        numbers(&out, "", &mut nums);
        for (path, n) in nums {
            let decimals = n.split_once('.').map_or(0, |(_, f)| f.len());
            prop_assert!(decimals <= 2, "{} = {}", path, n);
            prop_assert!(!n.contains(['e', 'E']), "{} = {}", path, n);
        }
    }
}
