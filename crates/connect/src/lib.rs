//! spendlens-connect: the platform API clients. Each connector (LinkedIn `adAnalytics`, Meta
//! Insights, GA4 `runReport`, Google Sheets `values.get`, Google Ads `searchStream`) turns one
//! account's API responses for a date range into `spendlens_core::DailyRow`s, handling OAuth
//! tokens, paging, rate limits and retries on the way.
//!
//! What it must never do: return part of a range (a fetch yields every row or an error, so a
//! failed sync leaves stored data as it was); log, display or put in an error a token, a client
//! secret or a request URL; read a clock (today and "now" are passed in); parse money through
//! `f64`; store a token unencrypted (see [`TokenCipher`]); request a URL a user or a platform
//! supplied without the outbound rule ([`outbound`]: public addresses only, checked again after
//! resolution); show a platform's free-text error message (errors carry its code and our words
//! for it). It owns no storage, no scheduler and no HTTP server: the app crate calls it.
//!
//! Where to start reading: [`Connector`] and [`sync_window`], then one platform module such as
//! [`platform::meta`], then [`HttpClient`] (retries, quota waits, 401 refresh) and [`oauth`];
//! [`versions`] holds each platform's API versions and their sunset dates.
#![forbid(unsafe_code)]

pub mod cipher;
pub mod connector;
pub mod error;
pub mod http;
mod number;
pub mod oauth;
pub mod outbound;
pub mod platform;
pub mod quota;
mod reason;
pub mod retry;
pub mod service_account;
pub mod versions;
pub mod window;

pub use cipher::{CipherError, TokenCipher};
pub use connector::{AccountInfo, Connector, Fetched, Notice};
pub use error::{ConnectError, safe_code, safe_text};
pub use http::HttpClient;
pub use oauth::{
    AuthorizationRequest, Clock, OAuthConfig, RefreshingToken, StaticToken, TokenSet, TokenSource,
    verify_state,
};
pub use outbound::{AllowList, AllowListError, Outbound};
pub use platform::ga4::{Ga4Connector, average_order_value};
pub use platform::google_ads::GoogleAdsConnector;
pub use platform::linkedin::LinkedInConnector;
pub use platform::meta::{Conversions, MetaConnector, MetaOAuth};
pub use platform::sheets::{SheetsConnector, ValueRange};
pub use quota::{Quota, QuotaReset};
pub use reason::oauth as oauth_reason;
pub use retry::{
    BoxFuture, DEFAULT_WAIT_BUDGET, Jitter, RetryPolicy, Sleeper, TokioSleeper, WaitBudget,
};
pub use secrecy::SecretString;
pub use service_account::{GOOGLE_TOKEN_URL, ServiceAccountKey, ServiceAccountToken};
pub use window::{DEFAULT_RESTATEMENT_DAYS, DateRange, InvalidDateRange, sync_window};
