//! No input makes the engine panic: it answers or returns a located error.

use chrono::NaiveDate;
use proptest::prelude::*;
use spendlens_optimize::codec::run_json;
use spendlens_optimize::{Day, FitOptions, History, Objective, PlanRequest, fit, plan};

fn wild() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-1.0),
        Just(1e-300),
        Just(1e300),
        Just(f64::NAN),
        Just(f64::INFINITY),
        -10.0f64..1e4,
        1e-6f64..1e9,
    ]
}

fn json_number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        format!("\"{v}\"")
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = run_json(&text, None);
    }

    #[test]
    fn wild_problems_never_panic(
        budget in wild(),
        chs in proptest::collection::vec((wild(), wild(), wild(), wild(), wild(), wild(), any::<bool>()), 0..6),
        cap in proptest::option::of(wild()),
        mode in 0usize..4,
        target in wild(),
    ) {
        let channels: Vec<String> = chs
            .iter()
            .enumerate()
            .map(|(i, (b, k, s, cur, lo, hi, frozen))| {
                format!(
                    r#"{{"name": "c{i}", "current_spend": {}, "min_spend": {}, "max_spend": {}, "frozen": {frozen},
                        "curve": {{"type": "hill", "beta": {}, "k": {}, "s": {}}}}}"#,
                    json_number(*cur), json_number(*lo), json_number(*hi), json_number(*b), json_number(*k), json_number(*s)
                )
            })
            .collect();
        let groups = cap.map_or(String::new(), |c| format!(r#", "groups": [{{"name": "g", "channels": ["c0", "c1"], "max_spend": {}}}]"#, json_number(c)));
        let modes = ["budget", "target_roas", "target_marginal", "min_budget"];
        let text = format!(
            r#"{{"total_budget": {}, "mode": "{}", "target": {}, "channels": [{}]{groups}}}"#,
            json_number(budget), modes[mode], json_number(target), channels.join(",")
        );
        if let Ok(out) = run_json(&text, None) {
            // An answer is a well-formed JSON document.
            prop_assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
        }
    }

    #[test]
    fn wild_histories_never_panic(
        days in proptest::collection::vec((0i64..400, wild(), wild(), wild()), 0..40),
        ltv in proptest::option::of(wild()),
        budget in wild(),
        share in wild(),
    ) {
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
        let days: Vec<Day> = days
            .into_iter()
            .map(|(d, spend, revenue, new_customers)| Day { date: start + chrono::Duration::days(d), spend, revenue, new_customers })
            .collect();
        let h = History { name: "c".into(), days, ltv };
        let opts = FitOptions { draws: 3, ..FitOptions::default() };
        if let Ok(model) = fit(&[h.clone(), h], Objective::LtvValue, &opts) {
            let period: Vec<NaiveDate> = (0..7).map(|i| start + chrono::Duration::days(500 + i)).collect();
            let mut req = PlanRequest::new(period, budget);
            req.weekly_shift = share;
            let _ = plan(&model, &req);
        }
    }
}
