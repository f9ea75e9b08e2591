//! The OpenAPI document, generated from the handlers' annotations, and the docs page (Swagger
//! UI, vendored into the binary: no CDN).

use utoipa::OpenApi;

use crate::{api, auth, error, observability};

/// The API description served at `/api/openapi.json`.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "spendlens API",
        description = "Budget & Financial Analysis of ad campaigns. \
        Authenticate with the session cookie from /api/auth/login or `Authorization: Bearer <token>` \
        from POST /api/tokens. Errors are `{\"error\": {\"code\", \"message\", \"details\"}}`."
    ),
    paths(
        api::audit_log::list,
        auth::register,
        auth::verify,
        auth::login,
        auth::logout,
        api::password::change,
        api::password::request_reset,
        api::password::complete_reset,
        api::tokens::create_token,
        api::tokens::list_tokens,
        api::tokens::revoke_token,
        api::organization::list_organizations,
        api::organization::create_organization,
        api::organization::switch_organization,
        api::organization::delete_organization,
        api::organization::transfer,
        api::organization::leave,
        api::organization::list_members,
        api::organization::change_role,
        api::organization::remove_member,
        api::organization::list_invitations,
        api::organization::invite,
        api::organization::revoke_invitation,
        api::organization::accept_invitation,
        api::campaigns::create,
        api::campaigns::list,
        api::campaigns::get,
        api::campaigns::patch,
        api::campaigns::delete,
        api::campaigns::get_settings,
        api::campaigns::put_settings,
        api::metrics_in::post,
        api::imports::create,
        api::sources::list,
        api::sources::delete,
        api::mappings::columns,
        api::mappings::list,
        api::mappings::save,
        api::mappings::delete,
        api::analysis::financial_analysis,
        api::analysis::snapshots,
        api::channels::campaign_channels,
        api::connections::connectors,
        api::connections::create,
        api::connections::list,
        api::connections::get,
        api::connections::authorize,
        api::connections::sync,
        api::connections::delete,
        api::connections::oauth_callback,
        api::attribution::import_touchpoints,
        api::attribution::attribute_paths,
        api::attribution::campaign_attribution,
        api::attribution::comparison_chart,
        api::attribution::get_model,
        api::attribution::put_model,
        api::optimization::budget_optimization,
        api::optimization::curves_chart,
        api::seed::linkedin,
        api::seed::meta,
        api::seed::custom_integration,
        api::seed::ga4,
        api::seed::sheets,
        api::finance::ledger::list_costs,
        api::finance::ledger::create_cost,
        api::finance::ledger::get_cost,
        api::finance::ledger::put_cost,
        api::finance::ledger::delete_cost,
        api::finance::ledger::import_costs,
        api::finance::ledger::list_overhead,
        api::finance::ledger::create_overhead,
        api::finance::ledger::get_overhead,
        api::finance::ledger::put_overhead,
        api::finance::ledger::delete_overhead,
        api::finance::settings::get_headcount,
        api::finance::settings::put_headcount,
        api::finance::settings::get_settings,
        api::finance::settings::put_settings,
        api::mmm::create,
        api::mmm::list,
        api::mmm::get,
        api::mmm::run_again,
        api::finance::reports::roi,
        api::finance::basis::get_reconciliation,
        api::finance::basis::get_basis,
        api::finance::basis::put_basis,
        api::finance::reports::budget_consumption,
        api::finance::reports::alerts,
        api::finance::reports::financial_report,
        api::portfolio::get_portfolio,
        api::sharing::create,
        api::sharing::list,
        api::sharing::revoke,
        api::schedules::create,
        api::schedules::list,
        api::schedules::delete,
        observability::healthz,
        observability::metrics,
    ),
    modifiers(&ErrorAnswers),
    components(schemas(
        auth::RegisterRequest,
        auth::LoginRequest,
        auth::AccountResponse,
        auth::CheckEmailResponse,
        auth::VerifyRequest,
        api::tokens::TokenRequest,
        api::tokens::TokenResponse,
        api::tokens::TokenInfoResponse,
        api::organization::OrganizationResponse,
        api::organization::MemberResponse,
        api::organization::InvitationResponse,
        api::organization::InvitedResponse,
        api::campaigns::CampaignRequest,
        api::campaigns::CampaignResponse,
        api::campaigns::SettingsBody,
        api::metrics_in::MetricsRequest,
        api::metrics_in::UpsertResponse,
        api::sharing::ShareLinkCreated,
        api::sharing::ShareLinkInfo,
        api::schedules::ScheduleInfo,
        api::schedules::DeliveryInfo,
        error::FieldProblem,
    ))
)]
pub struct ApiDoc;

/// Every operation's refusals in the document: the error envelope as a schema (`Error`), a
/// `default` answer with it for the statuses an operation does not list (400, 401, 403, 404,
/// 413, 415, 422, 429, 500, as the middleware and handlers answer them), and the envelope as the
/// body of every 4xx or 5xx answer listed without one.
struct ErrorAnswers;

impl utoipa::Modify for ErrorAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Response, schema::Schema};
        let envelope = serde_json::json!({
            "type": "object",
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string", "description": "stable: bad_request, unauthorized, forbidden, not_found, too_large, unsupported_media_type, validation_failed, rate_limited, internal, ..."},
                    "message": {"type": "string"},
                    "details": {"type": "array", "description": "one problem per field (at most 100; the message gives the count)",
                                "items": {"$ref": "#/components/schemas/FieldProblem"}}
                }
            }}
        });
        let body = |description: &str| {
            serde_json::from_value::<Response>(serde_json::json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            }))
            .ok()
        };
        let (Ok(schema), Some(default)) = (
            serde_json::from_value::<Schema>(envelope),
            body("A refusal or failure, in the error envelope"),
        ) else {
            return;
        };
        if let Some(components) = openapi.components.as_mut() {
            components
                .schemas
                .insert("Error".to_owned(), RefOr::T(schema));
        }
        // Operation ids are the handlers' names, which repeat across modules (`list`,
        // `create`): a repeated one takes its path, so that every id is unique, as the
        // specification requires.
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for item in openapi.paths.paths.values() {
            for op in [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                .into_iter()
                .flatten()
            {
                if let Some(id) = &op.operation_id {
                    *seen.entry(id.clone()).or_default() += 1;
                }
            }
        }
        for (path, item) in &mut openapi.paths.paths {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                if let Some(id) = op.operation_id.as_mut()
                    && seen.get(id.as_str()).is_some_and(|n| *n > 1)
                {
                    let place: Vec<&str> = path
                        .split('/')
                        .filter(|s| !s.is_empty() && *s != "api" && !s.starts_with('{'))
                        .collect();
                    *id = format!("{id}_{}", place.join("_").replace('-', "_"));
                }
                for (status, answer) in &mut op.responses.responses {
                    let error = status.starts_with('4') || status.starts_with('5');
                    // A response's description is required; the annotations leave some out.
                    if let RefOr::T(r) = answer
                        && r.description.is_empty()
                    {
                        r.description = if error { "A refusal" } else { "The answer" }.to_owned();
                    }
                    if let (true, RefOr::T(r)) = (error, answer)
                        && r.content.is_empty()
                        && let Some(with_body) = body(&r.description)
                    {
                        *r = with_body;
                    }
                }
                op.responses
                    .responses
                    .entry("default".to_owned())
                    .or_insert_with(|| RefOr::T(default.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document holds to the specification's rules a generator relies on: unique operation
    /// ids, a description on every answer, and the error envelope as the body of every refusal.
    #[test]
    fn every_operation_has_a_unique_id_described_answers_and_the_error_envelope() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        assert!(doc["components"]["schemas"]["Error"].is_object());
        let mut ids = std::collections::HashSet::new();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        assert!(paths.len() > 60, "{}", paths.len());
        for (path, item) in &paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let id = op["operationId"].as_str().unwrap_or_default().to_owned();
                assert!(ids.insert(id.clone()), "{method} {path}: {id} repeats");
                for (status, answer) in op["responses"].as_object().into_iter().flatten() {
                    assert!(
                        answer["description"]
                            .as_str()
                            .is_some_and(|d| !d.is_empty()),
                        "{method} {path} {status}"
                    );
                    if status == "default" || status.starts_with('4') {
                        assert_eq!(
                            answer["content"]["application/json"]["schema"]["$ref"],
                            "#/components/schemas/Error",
                            "{method} {path} {status}"
                        );
                    }
                }
                assert!(op["responses"]["default"].is_object(), "{method} {path}");
            }
        }
    }
}
