//! The entry forms of the finance pages: which fields each category of cost has (labels,
//! kinds, hints, choices), their views with the values as typed and the problems beside each
//! field, and the decoding of a posted form into `spendlens_finance`'s `EntryDraft`, the command
//! the API decodes its JSON into too.

use std::collections::HashMap;

use serde::Deserialize;
use spendlens_app::labels::Label;
use spendlens_finance::LedgerEntry;
use spendlens_finance::ledger::EntryDraft;
use spendlens_finance::ledger::{AttributionMethod, CostCategory, OverheadMethod};
use spendlens_report::currency::fixed;
use spendlens_store::finance::StoredEntry;

use crate::ui::FormErrors;
use crate::ui::format;

/// One option of a select.
#[derive(Debug, Clone)]
pub struct OptionView {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// One field of an entry form, with its value as typed and its message.
#[derive(Debug, Clone)]
pub struct FieldView {
    pub id: String,
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `date` or `select`.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<OptionView>,
    pub hint: &'static str,
    pub error: String,
}

pub(super) struct FieldSpec {
    pub(super) name: &'static str,
    label: &'static str,
    kind: &'static str,
    /// The choices of a select, as (code, label).
    options: fn() -> Vec<(&'static str, &'static str)>,
    hint: &'static str,
}

const fn text(name: &'static str, label: &'static str, hint: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind: "text",
        options: Vec::new,
        hint,
    }
}

const fn date_field(name: &'static str, label: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind: "date",
        options: Vec::new,
        hint: "",
    }
}

/// The attribution methods of a media spend, the default (last touch) first, in the words of
/// `spendlens_app::labels`.
pub(super) fn attribution_options() -> Vec<(&'static str, &'static str)> {
    use AttributionMethod::{FirstTouch, LastTouch, MultiTouch};
    [LastTouch, FirstTouch, MultiTouch]
        .iter()
        .map(|m| (m.as_str(), m.label()))
        .collect()
}

/// The ways an overhead is spread over campaigns.
fn overhead_options() -> Vec<(&'static str, &'static str)> {
    OverheadMethod::ALL
        .iter()
        .map(|m| (m.as_str(), m.label()))
        .collect()
}

const AMOUNT: FieldSpec = text(
    "amount",
    "Amount",
    "In the entry's currency, e.g. 1,250.00.",
);
const PERIOD_HINT: &str = "2026-11, 2026-Q4, 2026 or 2026-11-01..2026-11-30.";

/// The categories of a campaign cost, with their fields.
pub(super) const COST_CATEGORIES: [(CostCategory, &str, &[FieldSpec]); 3] = [
    (
        CostCategory::MediaSpend,
        "ms",
        &[
            AMOUNT,
            FieldSpec {
                name: "attribution_method",
                label: "Attribution method",
                kind: "select",
                options: attribution_options,
                hint: "",
            },
            date_field("allocation_date", "Allocation date"),
        ],
    ),
    (
        CostCategory::CreativeProduction,
        "cp",
        &[
            AMOUNT,
            text("resource_hours", "Resource hours", "Whole hours."),
            text(
                "fixed_cost_allocation",
                "Fixed cost allocation",
                "Added to the amount.",
            ),
            date_field("incurred_on", "Incurred on"),
        ],
    ),
    (
        CostCategory::PlatformFees,
        "pf",
        &[
            AMOUNT,
            text(
                "platform",
                "Platform",
                "Meta Ads, Google Ads, LinkedIn Ads… (or any platform's name)",
            ),
            text("billing_period", "Billing period", PERIOD_HINT),
        ],
    ),
];

const OVERHEAD_FIELD_SPECS: &[FieldSpec] = &[
    AMOUNT,
    FieldSpec {
        name: "allocation_method",
        label: "Allocation method",
        kind: "select",
        options: overhead_options,
        hint: "Headcount spreads it by people assigned; time based by active days.",
    },
    text("reporting_period", "Reporting period", PERIOD_HINT),
];

/// An entry form (one category), ready to render.
#[derive(Debug, Clone)]
pub struct EntryFormView {
    pub category: &'static str,
    pub title: &'static str,
    pub fields: Vec<FieldView>,
    /// Hidden values kept as they are (the entry's currency when editing).
    pub currency: String,
    /// Problems for no field of the form.
    pub other_errors: Vec<String>,
}

impl EntryFormView {
    /// Whether any field or the form as a whole has a problem.
    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| !f.error.is_empty()) || !self.other_errors.is_empty()
    }

    fn build(
        category: &'static str,
        title: &'static str,
        prefix: &str,
        specs: &[FieldSpec],
        values: &HashMap<String, String>,
        errors: &FormErrors,
    ) -> EntryFormView {
        let fields = specs
            .iter()
            .map(|s| {
                let value = values.get(s.name).cloned().unwrap_or_default();
                FieldView {
                    id: format!("{prefix}-{}", s.name),
                    name: s.name,
                    label: s.label,
                    kind: s.kind,
                    options: (s.options)()
                        .into_iter()
                        .map(|(v, l)| OptionView {
                            value: v,
                            label: l,
                            selected: v == value,
                        })
                        .collect(),
                    value,
                    hint: s.hint,
                    error: errors.get(s.name),
                }
            })
            .collect();
        let shown: Vec<&str> = specs.iter().map(|s| s.name).collect();
        EntryFormView {
            category,
            title,
            fields,
            currency: values.get("currency").cloned().unwrap_or_default(),
            other_errors: errors.other(&shown.join(",")),
        }
    }
}
/// An entry form as posted: every field of every category (a form sends only its own).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EntryForm {
    pub(super) csrf: String,
    pub(super) category: String,
    amount: String,
    currency: String,
    attribution_method: String,
    allocation_date: String,
    resource_hours: String,
    fixed_cost_allocation: String,
    incurred_on: String,
    platform: String,
    billing_period: String,
    allocation_method: String,
    reporting_period: String,
}

impl EntryForm {
    /// The values as typed, by field name.
    pub(super) fn values(&self) -> HashMap<String, String> {
        [
            ("category", &self.category),
            ("amount", &self.amount),
            ("currency", &self.currency),
            ("attribution_method", &self.attribution_method),
            ("allocation_date", &self.allocation_date),
            ("resource_hours", &self.resource_hours),
            ("fixed_cost_allocation", &self.fixed_cost_allocation),
            ("incurred_on", &self.incurred_on),
            ("platform", &self.platform),
            ("billing_period", &self.billing_period),
            ("allocation_method", &self.allocation_method),
            ("reporting_period", &self.reporting_period),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }

    /// The draft of an entry from the given fields (blank ones left out), money with thousands
    /// separators accepted as on the campaign form.
    pub(super) fn draft(&self, fields: &[&str]) -> EntryDraft {
        let values = self.values();
        let mut draft = EntryDraft::default();
        for name in fields {
            let Some(text) = values.get(*name).map(|v| v.trim()) else {
                continue;
            };
            if text.is_empty() {
                continue;
            }
            let text = if matches!(*name, "amount" | "fixed_cost_allocation") {
                match format::parse_money(text) {
                    Ok(Some(d)) => d.to_string(),
                    _ => text.to_owned(),
                }
            } else {
                text.to_owned()
            };
            if let Some(slot) = draft.field_mut(name) {
                *slot = Some(text);
            }
        }
        draft
    }
}

/// The form values of a stored entry, written as the API writes them (money with two decimals,
/// codes, ISO dates, periods).
pub(super) fn values_of(stored: &StoredEntry) -> HashMap<String, String> {
    let e = &stored.entry;
    let money = |d| fixed(d, 2);
    let mut values: Vec<(&str, String)> = vec![
        ("category", e.category().as_str().to_owned()),
        ("currency", e.currency().to_owned()),
    ];
    match e {
        LedgerEntry::MediaSpend(x) => values.extend([
            ("amount", money(x.amount)),
            (
                "attribution_method",
                x.attribution_method.as_str().to_owned(),
            ),
            ("allocation_date", x.allocation_date.to_string()),
        ]),
        LedgerEntry::CreativeProduction(x) => values.extend([
            ("amount", money(x.amount)),
            ("resource_hours", x.resource_hours.to_string()),
            ("fixed_cost_allocation", money(x.fixed_cost_allocation)),
            ("incurred_on", x.incurred_on.to_string()),
        ]),
        LedgerEntry::PlatformFee(x) => values.extend([
            ("amount", money(x.amount)),
            ("platform", x.platform.clone()),
            ("billing_period", x.billing_period.label()),
        ]),
        LedgerEntry::OperationalOverhead(x) => values.extend([
            ("amount", money(x.amount)),
            ("allocation_method", x.allocation_method.as_str().to_owned()),
            ("reporting_period", x.reporting_period.label()),
        ]),
    }
    values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The fields of a cost category (`None`: not a cost category).
pub(super) fn cost_fields(category: &str) -> Option<&'static [FieldSpec]> {
    COST_CATEGORIES
        .iter()
        .find(|(c, ..)| c.as_str() == category)
        .map(|(.., f)| *f)
}

/// The add or edit form of a cost category, with values and problems.
pub(super) fn cost_form_view(
    category: &str,
    values: &HashMap<String, String>,
    errors: &FormErrors,
) -> Option<EntryFormView> {
    COST_CATEGORIES
        .iter()
        .find(|(c, ..)| c.as_str() == category)
        .map(|(c, prefix, specs)| {
            EntryFormView::build(c.as_str(), c.label(), prefix, specs, values, errors)
        })
}

/// The overhead form, with values and problems.
pub(super) fn overhead_form_view(
    values: &HashMap<String, String>,
    errors: &FormErrors,
) -> EntryFormView {
    EntryFormView::build(
        "operational_overhead",
        "Operational overhead",
        "oh",
        OVERHEAD_FIELD_SPECS,
        values,
        errors,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draft_leaves_blanks_out_and_reads_grouped_money() {
        let form = EntryForm {
            category: "creative_production".into(),
            amount: " 1,200.50 ".into(),
            resource_hours: "".into(),
            fixed_cost_allocation: "abc".into(),
            platform: "meta".into(),
            ..EntryForm::default()
        };
        let draft = form.draft(&[
            "category",
            "amount",
            "resource_hours",
            "fixed_cost_allocation",
        ]);
        assert_eq!(
            draft,
            EntryDraft {
                category: Some("creative_production".into()),
                amount: Some("1200.50".into()),
                fixed_cost_allocation: Some("abc".into()),
                ..EntryDraft::default()
            }
        );
    }

    #[test]
    fn a_failed_form_keeps_its_values_and_names_its_fields() {
        let mut errors = FormErrors::default();
        errors.push("amount", "must be positive");
        errors.push("colour", "unknown field");
        let values: HashMap<String, String> = [
            ("amount".to_owned(), "-5".to_owned()),
            ("attribution_method".to_owned(), "first_touch".to_owned()),
        ]
        .into_iter()
        .collect();
        let view = cost_form_view("media_spend", &values, &errors)
            .unwrap_or_else(|| panic!("a cost category"));
        assert_eq!(view.fields[0].id, "ms-amount");
        assert_eq!(view.fields[0].value, "-5");
        assert_eq!(view.fields[0].error, "must be positive");
        assert!(
            view.fields[1]
                .options
                .iter()
                .any(|o| o.selected && o.value == "first_touch")
        );
        assert_eq!(view.other_errors, vec!["colour: unknown field".to_owned()]);
        assert!(view.has_errors());
        assert!(cost_form_view("operational_overhead", &values, &errors).is_none());
    }
}
