//! Every connector reports the account's currency and the time zone its days are in.

use spendlens_connect::{
    AccountInfo, Connector, Ga4Connector, GoogleAdsConnector, LinkedInConnector, MetaConnector,
    SheetsConnector,
};
use wiremock::Mock;
use wiremock::matchers::{body_partial_json, body_string_contains, method, path, query_param};

use crate::support::{TestEnv, json, secret, static_token};

fn info(currency: Option<&str>, time_zone: &str) -> AccountInfo {
    AccountInfo {
        currency: currency.map(str::to_owned),
        time_zone: Some(time_zone.to_owned()),
    }
}

#[tokio::test]
async fn each_platform_names_currency_and_reporting_time_zone() {
    let env = TestEnv::start().await;
    Mock::given(path("/rest/adAccounts/5123456"))
        .respond_with(json(200, "linkedin_ad_account.json"))
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v27.0/act_1234567890"))
        .and(query_param("fields", "currency,timezone_name"))
        .respond_with(json(200, "meta_ad_account.json"))
        .mount(&env.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1beta/properties/314159265:runReport"))
        .and(body_partial_json(serde_json::json!({"limit": "1"})))
        .respond_with(json(200, "ga4_empty.json"))
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v4/spreadsheets/1AbC_sheet-ID"))
        .and(query_param("fields", "properties(timeZone)"))
        .respond_with(json(200, "sheets_spreadsheet.json"))
        .mount(&env.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v26/customers/1234567890/googleAds:searchStream"))
        .and(body_string_contains("customer.time_zone"))
        .respond_with(json(200, "google_ads_currency.json"))
        .mount(&env.server)
        .await;

    let t = || static_token("t");
    let linkedin = LinkedInConnector::new(env.http.clone(), env.base(), t());
    let meta = MetaConnector::new(env.http.clone(), env.base(), t());
    let ga4 = Ga4Connector::new(env.http.clone(), env.base(), t());
    let sheets = SheetsConnector::new(env.http.clone(), env.base(), t(), "A:J");
    let ads = GoogleAdsConnector::new(env.http.clone(), env.base(), t(), secret("dev"));
    let cases: Vec<(&dyn Connector, &str, AccountInfo)> = vec![
        (&linkedin, "5123456", info(Some("EUR"), "UTC")),
        (
            &meta,
            "act_1234567890",
            info(Some("USD"), "America/Los_Angeles"),
        ),
        (&ga4, "314159265", info(Some("USD"), "America/Los_Angeles")),
        (&sheets, "1AbC_sheet-ID", info(None, "Europe/London")),
        (&ads, "123-456-7890", info(Some("EUR"), "Europe/Berlin")),
    ];
    for (connector, account, expected) in cases {
        let got = connector.account_info(account).await.expect("info");
        assert_eq!(got, expected, "{}", connector.platform());
    }
}
