//! Integration tests for spendlens-connect: every connector against a wiremock server on an
//! ephemeral port serving the platform's real payload shapes, error bodies and rate limits.

mod support;

mod account_info;
mod ga4;
mod google_ads;
mod linkedin;
mod logging;
mod meta;
mod meta_reports;
mod oauth;
mod service_account;
mod sheets;
mod sync;
