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
        auth::register,
        auth::verify,
        auth::login,
        auth::logout,
        api::tokens::create_token,
        api::tokens::list_tokens,
        api::tokens::revoke_token,
        api::campaigns::create,
        api::campaigns::list,
        api::campaigns::get,
        api::campaigns::patch,
        api::campaigns::delete,
        api::campaigns::get_settings,
        api::campaigns::put_settings,
        api::metrics_in::post,
        api::imports::create,
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
        api::finance::reports::roi,
        api::finance::reports::budget_consumption,
        api::finance::reports::alerts,
        api::finance::reports::financial_report,
        observability::healthz,
        observability::metrics,
    ),
    components(schemas(
        auth::RegisterRequest,
        auth::LoginRequest,
        auth::AccountResponse,
        auth::CheckEmailResponse,
        auth::VerifyRequest,
        api::tokens::TokenRequest,
        api::tokens::TokenResponse,
        api::tokens::TokenInfoResponse,
        api::campaigns::CampaignRequest,
        api::campaigns::CampaignResponse,
        api::campaigns::SettingsBody,
        api::metrics_in::MetricsRequest,
        api::metrics_in::UpsertResponse,
        error::FieldProblem,
    ))
)]
pub struct ApiDoc;
