//! The OAuth authorisation-code flow against a mock token endpoint, and tokens at rest.

use secrecy::ExposeSecret;
use spendlens_connect::{
    ConnectError, Connector, MetaConnector, MetaOAuth, OAuthConfig, RetryPolicy, TokenCipher,
    verify_state,
};
use wiremock::Mock;
use wiremock::matchers::{body_string_contains, method, path, query_param};

use crate::support::{TestEnv, at, json, range, secret, static_token};

fn google(env: &TestEnv) -> OAuthConfig {
    OAuthConfig::google(
        "sheets-client",
        secret("sheets-secret"),
        env.url("/oauth/callback"),
        vec!["https://www.googleapis.com/auth/spreadsheets.readonly".into()],
    )
    .expect("config")
    .with_endpoints(env.url("/o/oauth2/v2/auth"), env.url("/token"))
}

#[tokio::test]
async fn the_code_is_exchanged_with_the_pkce_verifier_and_sealed_for_storage() {
    let env = TestEnv::start().await;
    let oauth = google(&env);
    let request = oauth.authorization_request();
    assert!(
        request
            .url
            .as_str()
            .starts_with(&format!("{}/o/oauth2/v2/auth?", env.server.uri()))
    );
    let verifier = request.pkce_verifier.expect("PKCE for Google");

    // The callback brings the state back; a forged one is refused before any exchange.
    let returned_state = request
        .url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    assert!(verify_state(&request.state, &returned_state));
    assert!(!verify_state(&request.state, "attacker-state"));

    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=4%2F0Ad-code"))
        .and(body_string_contains(format!(
            "code_verifier={}",
            verifier.expose_secret()
        )))
        .and(body_string_contains("redirect_uri="))
        .and(body_string_contains("client_secret=sheets-secret"))
        .respond_with(json(200, "google_token_code_exchange.json"))
        .expect(1)
        .mount(&env.server)
        .await;
    let now = at("2024-06-03T08:00:00Z");
    let tokens = oauth
        .exchange_code(env.http.reqwest(), "4/0Ad-code", Some(&verifier), now)
        .await
        .expect("tokens");
    assert_eq!(
        tokens.access_token.expose_secret(),
        "ya29.first-access-token"
    );
    assert_eq!(
        tokens.expires_at,
        Some(now + chrono::TimeDelta::seconds(3599))
    );
    assert_eq!(
        tokens.scopes,
        vec!["https://www.googleapis.com/auth/spreadsheets.readonly".to_owned()]
    );

    // At rest: sealed, unreadable, and restored exactly.
    let cipher = TokenCipher::from_config(Some(&secret(
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    )))
    .expect("key");
    let refresh = tokens.refresh_token.as_ref().expect("refresh token");
    let sealed = cipher.seal(refresh).expect("seal");
    assert!(!sealed.contains("1//0g-refresh-token"));
    assert_eq!(
        cipher.open(&sealed).expect("open").expose_secret(),
        "1//0g-refresh-token"
    );
    let shown = format!("{tokens:?}");
    assert!(
        !shown.contains("ya29") && !shown.contains("1//0g"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_refused_code_names_the_oauth_error_without_secrets() {
    let env = TestEnv::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(json(401, "google_token_invalid_grant.json").set_body_raw(
            r#"{"error":"invalid_client","error_description":"Unauthorized"}"#,
            "application/json",
        ))
        .mount(&env.server)
        .await;
    let err = google(&env)
        .exchange_code(
            env.http.reqwest(),
            "4/0Ad-code",
            None,
            at("2024-06-03T08:00:00Z"),
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, ConnectError::OAuth { code, .. } if code == "invalid_client"),
        "{err:?}"
    );
    assert!(!err.requires_reauthorization());
    assert!(!format!("{err} {err:?}").contains("sheets-secret"));
    assert_eq!(
        err.to_string(),
        "OAuth token endpoint: invalid_client: the OAuth client id or secret was refused",
        "the provider's description is not repeated"
    );
}

#[tokio::test]
async fn transport_errors_carry_neither_url_nor_token() {
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let env = TestEnv::start().await;
    let http = env.http.clone().with_retry(RetryPolicy::never());
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let err = MetaConnector::new(http, base, static_token("EAAB-secret-token"))
        .fetch_daily("1", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("connection refused");
    assert!(matches!(err, ConnectError::Transport { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("EAAB-secret-token"), "{shown}");
    assert!(!shown.contains("insights"), "no URL: {shown}");
}

fn meta_oauth(env: &TestEnv) -> MetaOAuth {
    MetaOAuth::new(
        "1122334455",
        secret("meta-app-secret"),
        env.url("/oauth/meta/callback"),
        vec!["ads_read".into(), "read_insights".into()],
    )
    .expect("config")
    .with_endpoints(env.base(), env.base())
}

#[tokio::test]
async fn meta_login_exchanges_the_code_for_a_long_lived_token() {
    let env = TestEnv::start().await;
    let oauth = meta_oauth(&env);
    let request = oauth.authorization_request().expect("request");
    assert_eq!(request.url.path(), "/v27.0/dialog/oauth");
    let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    assert!(pairs.contains(&("scope".into(), "ads_read,read_insights".into())));
    assert!(pairs.contains(&("state".into(), request.state.expose_secret().to_owned())));
    assert!(!request.url.as_str().contains("meta-app-secret"));

    Mock::given(method("GET"))
        .and(path("/v27.0/oauth/access_token"))
        .and(query_param("code", "AQD-code"))
        .and(query_param("client_secret", "meta-app-secret"))
        .and(query_param(
            "redirect_uri",
            env.url("/oauth/meta/callback").as_str(),
        ))
        .respond_with(json(200, "meta_token_short.json"))
        .expect(1)
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v27.0/oauth/access_token"))
        .and(query_param("grant_type", "fb_exchange_token"))
        .and(query_param("fb_exchange_token", "EAAB-short-lived"))
        .respond_with(json(200, "meta_token_long.json"))
        .expect(1)
        .mount(&env.server)
        .await;
    let now = at("2024-06-03T08:00:00Z");
    let tokens = oauth
        .exchange_code(&env.http, "AQD-code", now)
        .await
        .expect("tokens");
    assert_eq!(tokens.access_token.expose_secret(), "EAAB-long-lived");
    assert!(tokens.refresh_token.is_none());
    let expiry = now + chrono::TimeDelta::days(60);
    assert_eq!(tokens.expires_at, Some(expiry));
    // Warn a week ahead: not yet on day 52, yes on day 54.
    assert!(!tokens.expires_within(
        now + chrono::TimeDelta::days(52),
        chrono::TimeDelta::days(7)
    ));
    assert!(tokens.expires_within(
        now + chrono::TimeDelta::days(54),
        chrono::TimeDelta::days(7)
    ));
}

#[tokio::test]
async fn an_expired_meta_code_is_a_plain_error_without_the_secret() {
    let env = TestEnv::start().await;
    Mock::given(path("/v27.0/oauth/access_token"))
        .respond_with(json(400, "meta_error_bad_code.json"))
        .expect(1)
        .mount(&env.server)
        .await;
    let err = meta_oauth(&env)
        .exchange_code(&env.http, "AQD-stale", at("2024-06-03T08:00:00Z"))
        .await
        .expect_err("expired code");
    assert!(
        matches!(&err, ConnectError::Api { code, .. } if code.as_deref() == Some("100/36007")),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("meta-app-secret") && !shown.contains("AQD-stale"),
        "{shown}"
    );
}
