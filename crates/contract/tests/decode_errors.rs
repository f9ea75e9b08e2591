//! Bad input is rejected with every problem named by its JSON path.
use spendlens_contract::analysis::decode;

fn problems(text: &str) -> Vec<String> {
    match decode(text, None) {
        Ok(_) => Vec::new(),
        Err(p) => p.lines().collect(),
    }
}

#[test]
fn a_text_where_a_number_belongs_names_the_path_and_the_value() {
    let got = problems(r#"{"as_of": "2026-11-21", "platforms": {"meta": {"spend": "abc"}}}"#);
    assert_eq!(
        got,
        vec![r#"platforms.meta.spend: expected a non-negative decimal, got "abc""#]
    );
}

#[test]
fn negative_spend_is_rejected() {
    let got = problems(r#"{"as_of": "2026-11-21", "platforms": {"linkedin": {"spend": -5}}}"#);
    assert_eq!(
        got,
        vec!["platforms.linkedin.spend: expected a non-negative decimal, got -5"]
    );
}

/// Amounts and counts larger than one campaign may hold are refused on their path (a spend of
/// 7.9e28 had saturated the totals at Decimal's maximum and been analysed); the limits themselves
/// still read.
#[test]
fn amounts_and_counts_past_a_campaign_s_limits_are_refused() {
    let doc = |spend: &str, clicks: &str| {
        format!(
            r#"{{"as_of": "2026-11-21", "campaign": {{"budget": {spend}}},
                "platforms": {{"meta": {{"spend": {spend}, "clicks": {clicks}}},
                               "linkedin": {{"spend": "{spend}", "conversions": {spend}}}}}}}"#
        )
    };
    assert_eq!(
        problems(&doc("1000000000000", "1000000000000000")),
        Vec::<String>::new()
    );
    assert_eq!(
        problems(&doc("1000000000000.01", "1000000000000001")),
        vec![
            "campaign.budget: is too large: at most 1000000000000, got 1000000000000.01",
            "platforms.meta.spend: is too large: at most 1000000000000, got 1000000000000.01",
            "platforms.meta.clicks: is too large: at most 1000000000000000, got 1000000000000001",
            "platforms.linkedin.spend: is too large: at most 1000000000000, got 1000000000000.01",
            "platforms.linkedin.conversions: is too large: at most 1000000000000, got 1000000000000.01",
        ]
    );
}

#[test]
fn unknown_platform_and_unknown_fields_are_rejected() {
    let got = problems(
        r#"{"as_of": "2026-11-21", "campaing": {}, "platforms": {"tiktok": {}, "meta": {"spnd": 1, "engagements": 3}}}"#,
    );
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got.iter().any(|l| l.starts_with("campaing: unknown field")));
    assert!(
        got.iter()
            .any(|l| l.starts_with("platforms.tiktok: unknown platform"))
    );
    assert!(
        got.iter()
            .any(|l| l.starts_with("platforms.meta.spnd: unknown field"))
    );
    // Meta has no engagements metric: passing one is a mistake, not silently zero.
    assert!(
        got.iter()
            .any(|l| l.starts_with("platforms.meta.engagements: unknown field"))
    );
}

#[test]
fn fields_are_only_accepted_where_the_contract_allows_them() {
    let got = problems(
        r#"{"as_of": "2026-11-21", "platforms": {"sheets": {"conversion_value": 5}, "meta": {"roi": 3}, "ga4": {"spend": 1}}}"#,
    );
    assert_eq!(got.len(), 3, "{got:?}");
}

#[test]
fn bad_dates_are_rejected() {
    let got = problems(r#"{"as_of": "2026-02-30", "campaign": {"start_date": "11/01/2026"}}"#);
    assert_eq!(
        got,
        vec![
            r#"as_of: expected a date YYYY-MM-DD, got "2026-02-30""#,
            r#"campaign.start_date: expected a date YYYY-MM-DD, got "11/01/2026""#,
        ]
    );
}

#[test]
fn as_of_is_required_unless_overridden() {
    assert_eq!(
        problems("{}"),
        vec!["as_of: missing: give it in the input or with --as-of"]
    );
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 2);
    assert!(decode("{}", day).is_ok());
    // The override wins over the document.
    let input = decode(r#"{"as_of": "2020-01-01"}"#, day)
        .ok()
        .map(|i| i.as_of);
    assert_eq!(input, day);
}

#[test]
fn malformed_json_names_line_and_column() {
    let got = problems("{\n  \"as_of\": \"2026-11-21\",\n  \"platforms\": {\n}");
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("(root) line 4 column 1: invalid JSON"),
        "{got:?}"
    );
}

#[test]
fn wrong_shapes_are_rejected() {
    assert_eq!(
        problems("[]"),
        vec!["(root): expected an object, got an array"]
    );
    let got =
        problems(r#"{"as_of": "2026-11-21", "platforms": [], "comparison": {"period": "2w"}}"#);
    assert_eq!(
        got,
        vec![
            "platforms: expected an object, got an array",
            r#"comparison.period: expected one of 1d, 7d, 30d, got "2w""#,
        ]
    );
    let got = problems(r#"{"as_of": "2026-11-21", "campaign": {"currency": "dollars"}}"#);
    assert_eq!(
        got,
        vec![r#"campaign.currency: expected a 3-letter ISO 4217 code, got "dollars""#]
    );
}

#[test]
fn fractional_counts_are_rejected_but_fractional_conversions_are_not() {
    let got = problems(
        r#"{"as_of": "2026-11-21", "platforms": {"meta": {"clicks": 10.5, "conversions": 2.5}}}"#,
    );
    assert_eq!(
        got,
        vec!["platforms.meta.clicks: expected a non-negative integer, got 10.5"]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let got = problems(
        r#"{"as_of": "x", "campaign": {"budget": "-1"}, "platforms": {"meta": {"spend": "1,000", "clicks": "many"}}, "comparison": {"snapshot": {"spend": 5}}}"#,
    );
    assert_eq!(got.len(), 5, "{got:?}");
    assert!(
        got.contains(&"comparison.snapshot.date: missing: a snapshot needs its date".to_owned())
    );
}

#[test]
fn nulls_mean_not_given() {
    let input = decode(
        r#"{"as_of": "2026-11-21", "campaign": {"budget": null, "end_date": null}, "platforms": {"linkedin": {"revenue": null, "roas": null, "roi": null}, "meta": null}, "comparison": {"period": "1d", "snapshot": null}}"#,
        None,
    );
    let input = input.unwrap_or_else(|p| panic!("{p}"));
    assert!(input.platforms.meta.is_none());
    assert_eq!(input.platforms.linkedin.map(|l| l.revenue), Some(None));
}
