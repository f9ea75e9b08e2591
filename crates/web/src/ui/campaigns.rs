//! The campaign form (create and edit, with the conversion value and average order values the
//! revenue estimate needs). The campaign list is the portfolio (`super::portfolio`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use rust_decimal::Decimal;
use serde::Deserialize;
use spendlens_app::campaigns;
use spendlens_core::campaign::{
    Campaign, CampaignDraft, CampaignSpec, DEFAULT_CURRENCY, DEFAULT_TIME_ZONE, PlatformSettings,
};

use crate::state::AppState;
use crate::ui::format::{self, parse_money};
use crate::ui::session::SignedIn;
use crate::ui::{Crumb, FormErrors, Layout, UiResult, form_day, render, see_other};

/// The campaign form's fields, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CampaignForm {
    csrf: String,
    name: String,
    currency: String,
    budget: String,
    start_date: String,
    end_date: String,
    time_zone: String,
    linkedin_conversion_value: String,
    ga4_average_order_value: String,
    custom_integration_average_order_value: String,
    /// The fingerprint of the campaign as the edit form showed it ([`CampaignForm::fingerprint`]):
    /// a save over a campaign someone changed since is refused, not written over their change.
    original: String,
}

impl CampaignForm {
    fn of(c: &Campaign, s: &PlatformSettings) -> CampaignForm {
        let money = |d: Option<Decimal>| d.map(format::plain).unwrap_or_default();
        CampaignForm {
            csrf: String::new(),
            name: c.spec.name.clone(),
            currency: c.spec.currency.clone(),
            budget: money(c.spec.budget.filter(|b| !b.is_zero())),
            start_date: c.spec.start_date.map(|d| d.to_string()).unwrap_or_default(),
            end_date: c.spec.end_date.map(|d| d.to_string()).unwrap_or_default(),
            time_zone: c.spec.time_zone.clone(),
            linkedin_conversion_value: money(s.linkedin_conversion_value),
            ga4_average_order_value: money(s.ga4_average_order_value),
            custom_integration_average_order_value: money(s.custom_integration_average_order_value),
            original: String::new(),
        }
        .with_original()
    }

    /// The form with its `original` set to the fingerprint of its own values.
    fn with_original(mut self) -> Self {
        self.original = self.fingerprint();
        self
    }

    /// The values, said in a line (for the message that someone changed them).
    fn summary(&self) -> String {
        let mut parts = vec![format!("name \"{}\"", self.name)];
        for (label, value) in [
            ("currency", &self.currency),
            ("budget", &self.budget),
            ("start", &self.start_date),
            ("end", &self.end_date),
            ("time zone", &self.time_zone),
            ("LinkedIn conversion value", &self.linkedin_conversion_value),
            ("GA4 average order value", &self.ga4_average_order_value),
            (
                "Custom Integration average order value",
                &self.custom_integration_average_order_value,
            ),
        ] {
            if !value.is_empty() {
                parts.push(format!("{label} {value}"));
            }
        }
        parts.join(", ")
    }

    /// A digest of the values the form shows (not the token or the fingerprint itself).
    fn fingerprint(&self) -> String {
        use sha2::Digest as _;
        let mut digest = sha2::Sha256::new();
        for value in [
            &self.name,
            &self.currency,
            &self.budget,
            &self.start_date,
            &self.end_date,
            &self.time_zone,
            &self.linkedin_conversion_value,
            &self.ga4_average_order_value,
            &self.custom_integration_average_order_value,
        ] {
            digest.update(value.len().to_le_bytes());
            digest.update(value.as_bytes());
        }
        hex::encode(&digest.finalize()[..16])
    }

    /// Checks every field (the campaign through `spendlens_app::campaigns::spec`, its values
    /// through `campaigns::check_settings`, as the API does); every problem names its field.
    fn parse(&self) -> Result<(CampaignSpec, PlatformSettings), FormErrors> {
        let mut errors = FormErrors::default();
        let mut money = |field: &str, text: &str| match parse_money(text) {
            Ok(v) => v,
            Err(m) => {
                errors.push(field, m);
                None
            }
        };
        let budget = money("budget", &self.budget);
        let settings = PlatformSettings {
            linkedin_conversion_value: money(
                "linkedin_conversion_value",
                &self.linkedin_conversion_value,
            ),
            ga4_average_order_value: money(
                "ga4_average_order_value",
                &self.ga4_average_order_value,
            ),
            custom_integration_average_order_value: money(
                "custom_integration_average_order_value",
                &self.custom_integration_average_order_value,
            ),
        };
        for p in campaigns::check_settings(&settings)
            .err()
            .unwrap_or_default()
        {
            errors.push(p.field, p.message);
        }
        let start_date = form_day(&mut errors, "start_date", &self.start_date);
        let end_date = form_day(&mut errors, "end_date", &self.end_date);
        let blank = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let draft = CampaignDraft {
            name: self.name.clone(),
            currency: blank(&self.currency),
            budget,
            start_date,
            end_date,
            time_zone: blank(&self.time_zone),
        };
        match campaigns::spec(draft) {
            Ok(spec) if errors.is_empty() => Ok((spec, settings)),
            Ok(_) => Err(errors),
            Err(problems) => {
                for p in problems {
                    if !errors.has(p.field) {
                        errors.push(p.field, p.message);
                    }
                }
                Err(errors)
            }
        }
    }
}

#[derive(Template)]
#[template(path = "campaign_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    /// The analysis page of an existing campaign (for the cancel link).
    back: String,
    csrf: String,
    form: CampaignForm,
    errors: FormErrors,
}

fn form_page(
    viewer: &SignedIn,
    heading: String,
    action: String,
    back: String,
    form: CampaignForm,
    errors: FormErrors,
) -> Response {
    let invalid = !errors.is_empty();
    // Campaigns / the campaign being edited /
    let mut crumbs = vec![Crumb::new("Campaigns", "/campaigns")];
    if let Some(name) = heading.strip_prefix("Edit ") {
        crumbs.push(Crumb::new(name, back.clone()));
    }
    let mut response = render(&FormPage {
        layout: viewer
            .layout(heading.clone(), "campaigns")
            .with_crumbs(crumbs),
        heading,
        action,
        back,
        csrf: viewer.csrf.clone(),
        form,
        errors,
    });
    if invalid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /campaigns/new`.
pub async fn new_page(viewer: SignedIn) -> Response {
    let form = CampaignForm {
        currency: DEFAULT_CURRENCY.to_owned(),
        time_zone: DEFAULT_TIME_ZONE.to_owned(),
        ..CampaignForm::default()
    };
    form_page(
        &viewer,
        "New campaign".to_owned(),
        "/campaigns".to_owned(),
        "/campaigns".to_owned(),
        form,
        FormErrors::default(),
    )
}

/// `POST /campaigns`: creates the campaign, then on to its imports.
pub async fn create(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<CampaignForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let (spec, settings) = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => {
            return Ok(form_page(
                &viewer,
                "New campaign".to_owned(),
                "/campaigns".to_owned(),
                "/campaigns".to_owned(),
                form,
                errors,
            ));
        }
    };
    let org = &viewer.principal.org_id;
    let ctx = state.context();
    let campaign = campaigns::create_with_settings(&ctx, org, &spec, &settings).await?;
    Ok(see_other(&format!(
        "/campaigns/{}/imports?created=1",
        campaign.id
    )))
}

/// The campaign (through the visitor's organisation) and its conversion values.
async fn load(
    state: &AppState,
    viewer: &SignedIn,
    id: &str,
) -> UiResult<(Campaign, PlatformSettings)> {
    let org = &viewer.principal.org_id;
    let campaign = state.campaign(org, id).await?;
    let settings = state
        .store
        .settings(org, &campaign.id)
        .await?
        .unwrap_or_default();
    Ok((campaign, settings))
}

/// `GET /campaigns/{id}/edit`.
pub async fn edit_page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
) -> UiResult<Response> {
    let (campaign, settings) = load(&state, &viewer, &id).await?;
    Ok(form_page(
        &viewer,
        format!("Edit {}", campaign.spec.name),
        format!("/campaigns/{}/edit", campaign.id),
        format!("/campaigns/{}", campaign.id),
        CampaignForm::of(&campaign, &settings),
        FormErrors::default(),
    ))
}

/// `POST /campaigns/{id}/edit`: replaces the campaign's fields and its values.
pub async fn update(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CampaignForm>,
) -> UiResult<Response> {
    let (campaign, stored_settings) = load(&state, &viewer, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let show = |form: CampaignForm, errors: FormErrors| {
        form_page(
            &viewer,
            format!("Edit {}", campaign.spec.name),
            format!("/campaigns/{}/edit", campaign.id),
            format!("/campaigns/{}", campaign.id),
            form,
            errors,
        )
    };
    let (spec, settings) = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => return Ok(show(form, errors)),
    };
    let org = &viewer.principal.org_id;
    let ctx = state.context();
    let changed = |current: &CampaignForm, mut form: CampaignForm| {
        let mut errors = FormErrors::default();
        errors.push(
            "campaign",
            format!(
                "Someone changed this campaign after you opened this form, and nothing was saved. \
                 It is now: {}. Check your values below and save again.",
                current.summary()
            ),
        );
        form.original = current.original.clone();
        show(form, errors)
    };
    let current = CampaignForm::of(&campaign, &stored_settings);
    // A form without its fingerprint (sent by a script, not the page) is checked from here on.
    if !form.original.is_empty() && form.original != current.original {
        return Ok(changed(&current, form));
    }
    // Written, fields and values together, only if the campaign is still what this form was
    // checked against.
    let read = (&campaign.spec, &stored_settings);
    match campaigns::replace(&ctx, org, &campaign.id, read, (&spec, &settings)).await {
        Ok(_) => {}
        Err(spendlens_app::AppError::Conflict(_)) => {
            let (campaign, settings) = load(&state, &viewer, &id).await?;
            return Ok(changed(&CampaignForm::of(&campaign, &settings), form));
        }
        Err(spendlens_app::AppError::Invalid { field, message }) if field == "currency" => {
            let mut errors = FormErrors::default();
            errors.push("currency", message);
            return Ok(show(form, errors));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&format!(
        "/campaigns/{}?saved=campaign",
        campaign.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CampaignForm {
        CampaignForm {
            name: "Q4".into(),
            currency: "usd".into(),
            budget: "15,000.00".into(),
            start_date: "2026-11-01".into(),
            end_date: "2026-12-15".into(),
            time_zone: "UTC".into(),
            linkedin_conversion_value: "120".into(),
            ..CampaignForm::default()
        }
    }

    #[test]
    fn a_good_form_parses_with_grouped_money() {
        let (spec, settings) = form().parse().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(spec.budget, Some(Decimal::new(1_500_000, 2)));
        assert_eq!(spec.currency, "USD");
        assert_eq!(
            settings.linkedin_conversion_value,
            Some(Decimal::new(120, 0))
        );
        assert_eq!(settings.ga4_average_order_value, None);
    }

    #[test]
    fn every_bad_field_is_named_once() {
        let bad = CampaignForm {
            name: " ".into(),
            budget: "15,00".into(),
            end_date: "2026-10-01".into(),
            start_date: "1 Nov".into(),
            ga4_average_order_value: "-3".into(),
            time_zone: "Mars/Base".into(),
            ..form()
        };
        let errors = bad.parse().err().unwrap_or_default();
        let fields: Vec<&str> = errors.0.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "budget",
                "ga4_average_order_value",
                "start_date",
                "name",
                "time_zone"
            ]
        );
    }

    #[test]
    fn values_above_the_money_limit_are_too_large() {
        let big = CampaignForm {
            linkedin_conversion_value: "1,000,000,000,000.01".into(),
            ga4_average_order_value: "1,000,000,000,000".into(),
            ..form()
        };
        let errors = big.parse().err().unwrap_or_default();
        assert_eq!(errors.get("linkedin_conversion_value"), "is too large");
        assert!(!errors.has("ga4_average_order_value"), "{errors:?}");
    }
}
