//! The imports page's column mapping: when a file does not read (headers spendlens does not
//! know, two candidate spend columns), the page keeps the file waiting (as a preview does) and
//! shows its columns with their first values and one choice per field; the choices become the
//! import's `ColumnMapping` (the text form `spendlens import --map` takes), previewed, then
//! confirmed, optionally saved for the campaign.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use spendlens_app::imports::{ImportCommand, ImportOutcome, import_rows};
use spendlens_core::campaign::Campaign;
use spendlens_ingest::{ColumnMapping, Field, FileColumns};

use super::{ImportsPage, PeriodForm, errors_of, page_of, pending, preview_view, respond};
use crate::state::AppState;
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, UiResult};

/// One column of the file, with the values under it.
#[derive(Debug)]
pub struct ColumnView {
    pub(super) letter: String,
    pub(super) header: String,
    pub(super) samples: String,
}

/// One field's choice: the field, its label and the columns it may be mapped to.
#[derive(Debug)]
pub struct FieldChoice {
    pub(super) field: &'static str,
    pub(super) label: &'static str,
    /// (value, label, selected): the empty value detects.
    pub(super) options: Vec<(String, String, bool)>,
}

/// The mapping card.
#[derive(Debug)]
pub struct MappingView {
    pub(super) token: String,
    pub(super) file: String,
    pub(super) header_row: u64,
    pub(super) columns: Vec<ColumnView>,
    pub(super) fields: Vec<FieldChoice>,
}

/// The fields the form offers, in the order a user thinks of them.
const FORM_FIELDS: [Field; 12] = [
    Field::Date,
    Field::Campaign,
    Field::Spend,
    Field::Impressions,
    Field::Clicks,
    Field::Conversions,
    Field::ConversionValue,
    Field::Revenue,
    Field::Currency,
    Field::Platform,
    Field::CampaignId,
    Field::Engagements,
];

fn view(token: String, file: &str, found: &FileColumns, chosen: &ColumnMapping) -> MappingView {
    let columns = found
        .columns
        .iter()
        .map(|c| ColumnView {
            letter: c.letter.clone(),
            header: c.header.clone(),
            samples: c
                .samples
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" · "),
        })
        .collect();
    let fields = FORM_FIELDS
        .iter()
        .map(|&field| {
            let current = chosen
                .entries()
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, c)| c.as_str());
            let options = std::iter::once((String::new(), "Detect".to_owned(), current.is_none()))
                .chain(found.columns.iter().map(|c| {
                    let label = if c.header.is_empty() {
                        format!("Column {}", c.letter)
                    } else {
                        format!("{} · {}", c.letter, c.header)
                    };
                    (c.letter.clone(), label, current == Some(c.letter.as_str()))
                }))
                .collect();
            FieldChoice {
                field: field.as_str(),
                label: field.label(),
                options,
            }
        })
        .collect();
    MappingView {
        token,
        file: file.to_owned(),
        header_row: found.header_row,
        columns,
        fields,
    }
}

/// After an upload that did not read: the page with its problems and, when the file has
/// columns, the mapping form (the file kept waiting under a new token). `None` when the file
/// has no columns to map (a PDF, a damaged file): the caller shows the problems alone.
pub(super) async fn offer(
    state: &AppState,
    viewer: &SignedIn,
    campaign: &Campaign,
    command: ImportCommand,
    errors: FormErrors,
) -> UiResult<Option<ImportsPage>> {
    let Ok(found) = spendlens_app::mappings::columns(&command).await else {
        return Ok(None);
    };
    if found.columns.iter().all(|c| c.header.is_empty()) {
        return Ok(None);
    }
    let chosen = command.mapping.clone();
    let file = command.file_name.clone();
    let period = PeriodForm::of(command.period);
    let waiting = ImportCommand {
        dry_run: false,
        save_mapping: false,
        ..command
    };
    let token = pending::put(state, &viewer.principal.org_id, &campaign.id, waiting).await?;
    let mut page = page_of(viewer, campaign, errors, "", String::new());
    page.period = period;
    page.mapping = Some(view(token, &file, &found, &chosen));
    Ok(Some(page))
}

/// The mapping form as posted: the waiting file's token and one column letter per field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MappingForm {
    csrf: String,
    pending: String,
    date: String,
    campaign: String,
    spend: String,
    impressions: String,
    clicks: String,
    conversions: String,
    conversion_value: String,
    revenue: String,
    currency: String,
    platform: String,
    campaign_id: String,
    engagements: String,
}

impl MappingForm {
    /// The chosen columns as a mapping (by letter: a header may repeat, a letter cannot).
    fn mapping(&self) -> ColumnMapping {
        let chosen = [
            (Field::Date, &self.date),
            (Field::Campaign, &self.campaign),
            (Field::Spend, &self.spend),
            (Field::Impressions, &self.impressions),
            (Field::Clicks, &self.clicks),
            (Field::Conversions, &self.conversions),
            (Field::ConversionValue, &self.conversion_value),
            (Field::Revenue, &self.revenue),
            (Field::Currency, &self.currency),
            (Field::Platform, &self.platform),
            (Field::CampaignId, &self.campaign_id),
            (Field::Engagements, &self.engagements),
        ];
        chosen
            .into_iter()
            .filter(|(_, c)| !c.trim().is_empty())
            .fold(ColumnMapping::new(), |m, (f, c)| m.with(f, c.trim()))
    }
}

/// `POST /campaigns/{id}/imports/map`: the waiting file read with the chosen columns, as a
/// preview to confirm (or the form again with what is still wrong).
pub async fn apply(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<MappingForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let _slot = state
        .upload_gate
        .enter(viewer.principal.org_id.as_str())
        .await?;
    let waiting = match super::take_waiting(&state, &viewer, &campaign, &form.pending).await? {
        Ok(waiting) => waiting,
        Err(expired) => return Ok(expired),
    };
    let mapping = form.mapping();
    if mapping.is_empty() {
        let mut errors = FormErrors::default();
        errors.push(
            "map",
            "choose the columns that hold at least the date and the spend",
        );
        return match offer(&state, &viewer, &campaign, waiting, errors).await? {
            Some(page) => Ok(respond(&page)),
            None => Ok(respond(&page_of(
                &viewer,
                &campaign,
                FormErrors::default(),
                "",
                String::new(),
            ))),
        };
    }
    let command = ImportCommand {
        mapping,
        dry_run: true,
        ..waiting
    };
    match import_rows(&state.context(), &campaign, command.clone()).await {
        Ok(ImportOutcome::Rows(rows)) => {
            let confirm = ImportCommand {
                dry_run: false,
                ..command.clone()
            };
            let token =
                pending::put(&state, &viewer.principal.org_id, &campaign.id, confirm).await?;
            let mut page = page_of(&viewer, &campaign, FormErrors::default(), "", String::new());
            let mut preview = preview_view(token, &rows.parsed, &campaign.spec.currency);
            preview.mapping = command.mapping.to_string();
            page.preview = Some(preview);
            Ok(respond(&page))
        }
        Ok(ImportOutcome::Preview(_)) => Ok(respond(&page_of(
            &viewer,
            &campaign,
            FormErrors::default(),
            "",
            String::new(),
        ))),
        Err(e) => {
            let errors = errors_of(e.into())?;
            match offer(&state, &viewer, &campaign, command, errors.clone()).await? {
                Some(page) => Ok(respond(&page)),
                None => Ok(respond(&page_of(
                    &viewer,
                    &campaign,
                    errors,
                    "",
                    String::new(),
                ))),
            }
        }
    }
}
