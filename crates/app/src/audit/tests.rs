//! The diff of two representations and the checks of a query.

use serde_json::json;

use super::*;

#[test]
fn only_changed_fields_are_kept_with_both_sides() {
    let before = json!({"name": "Q4", "budget": "15000.00", "end_date": "2026-12-15",
        "settings": {"ga4_average_order_value": null, "linkedin_conversion_value": "50.00"}});
    let after = json!({"name": "Q4", "budget": "16000.00", "end_date": "2026-12-31",
        "settings": {"ga4_average_order_value": "95.00", "linkedin_conversion_value": "50.00"}});
    let c = changes(&before, &after);
    assert_eq!(
        Value::Object(c),
        json!({
            "budget": {"before": "15000.00", "after": "16000.00"},
            "end_date": {"before": "2026-12-15", "after": "2026-12-31"},
            "settings.ga4_average_order_value": {"before": null, "after": "95.00"},
        })
    );
    assert!(changes(&before, &before).is_empty());
}

#[test]
fn a_field_on_one_side_only_and_whole_values_are_changes() {
    let c = changes(
        &json!({"role": "viewer"}),
        &json!({"role": "editor", "note": "x"}),
    );
    assert_eq!(c["role"], json!({"before": "viewer", "after": "editor"}));
    assert_eq!(c["note"], json!({"before": null, "after": "x"}));
    let appeared = changes(&json!({"s": null}), &json!({"s": {"a": 1, "b": null}}));
    assert_eq!(
        Value::Object(appeared),
        json!({"s.a": {"before": null, "after": 1}}),
        "a field null on both sides did not change"
    );
    let whole = changes(&Value::Null, &json!({"a": 1}));
    assert_eq!(whole["a"], json!({"before": null, "after": 1}));
    let scalar = changes(&json!(1), &json!(2));
    assert_eq!(scalar["value"], json!({"before": 1, "after": 2}));
}

#[test]
fn a_query_names_each_bad_field_and_includes_the_last_day() {
    let bad = AuditQuery {
        from: Some("6 Dec".into()),
        limit: Some("0".into()),
        ..AuditQuery::default()
    };
    let problems = bad.check().err().unwrap_or_default();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, vec!["from", "limit"]);
    let reversed = AuditQuery {
        from: Some("2026-12-06".into()),
        to: Some("2026-12-05".into()),
        ..AuditQuery::default()
    };
    assert_eq!(reversed.check().err().unwrap_or_default()[0].field, "to");
    let ok = AuditQuery {
        from: Some("2026-12-01".into()),
        to: Some("2026-12-01".into()),
        limit: Some("200".into()),
        actor: Some(" ".into()),
        ..AuditQuery::default()
    }
    .check()
    .unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(ok.filter.limit, MAX_PAGE);
    assert_eq!(ok.filter.actor, None, "a blank field does not filter");
    assert_eq!(
        ok.filter.to.map(|t| t.to_rfc3339()),
        Some("2026-12-02T00:00:00+00:00".to_owned()),
        "to includes its whole day"
    );
    let over = AuditQuery {
        limit: Some("201".into()),
        ..AuditQuery::default()
    };
    assert!(over.check().is_err());
}
