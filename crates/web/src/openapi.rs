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
        auth::login,
        auth::logout,
        auth::create_token,
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
        api::connections::connectors,
        api::connections::create,
        api::connections::list,
        api::connections::get,
        api::connections::authorize,
        api::connections::sync,
        api::connections::delete,
        api::connections::oauth_callback,
        api::attribution::import_touchpoints,
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
        api::finance::list_costs,
        api::finance::create_cost,
        api::finance::get_cost,
        api::finance::put_cost,
        api::finance::delete_cost,
        api::finance::import_costs,
        api::finance::list_overhead,
        api::finance::create_overhead,
        api::finance::get_overhead,
        api::finance::put_overhead,
        api::finance::delete_overhead,
        api::finance::get_headcount,
        api::finance::put_headcount,
        api::finance::get_settings,
        api::finance::put_settings,
        api::finance::roi,
        api::finance::budget_consumption,
        api::finance::alerts,
        api::finance::financial_report,
        observability::healthz,
        observability::metrics,
    ),
    components(schemas(
        auth::RegisterRequest,
        auth::LoginRequest,
        auth::AccountResponse,
        auth::TokenRequest,
        auth::TokenResponse,
        api::campaigns::CampaignRequest,
        api::campaigns::CampaignResponse,
        api::campaigns::SettingsBody,
        api::metrics_in::MetricsRequest,
        api::metrics_in::UpsertResponse,
        error::FieldProblem,
    ))
)]
pub struct ApiDoc;
