//! Google service accounts: a signed JWT traded for an access token, cached, and renewed on 401.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::ExposeSecret;
use spendlens_connect::{
    ConnectError, Connector, Ga4Connector, ServiceAccountKey, ServiceAccountToken, TokenSource,
};
use wiremock::matchers::{bearer_token, body_string_contains, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{FixedClock, TestEnv, at, fixture, json, range, secret};

const SCOPE: &str = "https://www.googleapis.com/auth/analytics.readonly";
const RUN_REPORT: &str = "/v1beta/properties/314159265:runReport";

fn key(env: &TestEnv) -> ServiceAccountKey {
    ServiceAccountKey::from_json(
        &fixture("service_account.json").replace("{{BASE}}", &env.server.uri()),
    )
    .expect("key file")
}

fn source(env: &TestEnv, now: &str) -> ServiceAccountToken {
    ServiceAccountToken::new(
        key(env),
        env.url("/token"),
        vec![SCOPE.into()],
        env.http.reqwest().clone(),
        Arc::new(FixedClock(at(now))),
    )
    .expect("RSA key")
}

#[derive(Debug, serde::Deserialize)]
struct Claims {
    iss: String,
    scope: String,
    aud: String,
    iat: i64,
    exp: i64,
}

#[tokio::test]
async fn a_signed_assertion_is_traded_for_a_cached_token() {
    let env = TestEnv::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
        ))
        .and(body_string_contains("assertion="))
        .respond_with(json(200, "google_token.json"))
        .expect(1)
        .mount(&env.server)
        .await;
    let tokens = source(&env, "2024-06-03T08:00:00Z");
    let first = tokens.access_token().await.expect("token");
    let second = tokens.access_token().await.expect("cached");
    assert_eq!(first.expose_secret(), "ya29.new-access-token");
    assert_eq!(second.expose_secret(), first.expose_secret());

    // The assertion verifies with the public key and carries the right claims.
    let sent = env.requests_to("/token").await;
    let body = String::from_utf8(sent[0].body.clone()).expect("utf8");
    let assertion = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "assertion")
        .map(|(_, v)| v.into_owned())
        .expect("assertion");
    let public =
        DecodingKey::from_rsa_pem(fixture("service_account_public.pem").as_bytes()).expect("pem");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[format!("{}/token", env.server.uri())]);
    validation.validate_exp = false;
    let decoded =
        jsonwebtoken::decode::<Claims>(&assertion, &public, &validation).expect("valid signature");
    assert_eq!(
        decoded.header.kid.as_deref(),
        Some("0123456789abcdef0123456789abcdef01234567")
    );
    let c = decoded.claims;
    assert_eq!(
        c.iss,
        "spendlens-reader@spendlens-test.iam.gserviceaccount.com"
    );
    assert_eq!(c.scope, SCOPE);
    assert_eq!(c.aud, format!("{}/token", env.server.uri()));
    assert_eq!(
        (c.iat, c.exp - c.iat),
        (at("2024-06-03T08:00:00Z").timestamp(), 3600)
    );
}

#[tokio::test]
async fn a_rejected_service_account_token_is_minted_again() {
    let env = TestEnv::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"access_token":"ya29.sa-first","expires_in":3599,"token_type":"Bearer"}"#,
            "application/json",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&env.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"access_token":"ya29.sa-second","expires_in":3599,"token_type":"Bearer"}"#,
            "application/json",
        ))
        .mount(&env.server)
        .await;
    Mock::given(path(RUN_REPORT))
        .and(bearer_token("ya29.sa-first"))
        .respond_with(json(401, "google_401_unauthenticated.json"))
        .mount(&env.server)
        .await;
    Mock::given(path(RUN_REPORT))
        .and(bearer_token("ya29.sa-second"))
        .respond_with(json(200, "ga4_empty.json"))
        .mount(&env.server)
        .await;
    let tokens = Arc::new(source(&env, "2024-06-03T08:00:00Z"));
    let rows = Ga4Connector::new(env.http.clone(), env.base(), tokens)
        .fetch_daily("314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert!(rows.is_empty());
    assert_eq!(env.requests_to("/token").await.len(), 2);
}

#[tokio::test]
async fn a_refused_grant_and_a_bad_key_are_reported_without_the_key() {
    let env = TestEnv::start().await;
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
            "application/json",
        ))
        .mount(&env.server)
        .await;
    let err = source(&env, "2024-06-03T08:00:00Z")
        .access_token()
        .await
        .expect_err("refused");
    assert!(err.requires_reauthorization(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "OAuth token endpoint: invalid_grant: the grant was refused or has expired: authorise the connection again",
        "Google's description is not repeated"
    );

    let mut bad = key(&env);
    bad.private_key = secret("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
    let err = ServiceAccountToken::new(
        bad,
        env.url("/token"),
        vec![SCOPE.into()],
        env.http.reqwest().clone(),
        Arc::new(FixedClock(at("2024-06-03T08:00:00Z"))),
    )
    .expect_err("bad key");
    assert!(matches!(err, ConnectError::Config(_)));
    let shown = format!("{:?}", key(&env));
    assert!(!shown.contains("BEGIN PRIVATE KEY"), "{shown}");
    assert!(ServiceAccountKey::from_json("{\"private_key\": \"-----BEGIN").is_err());
}

#[tokio::test]
async fn the_key_s_token_uri_is_never_requested() {
    // The key names another host (an internal one, say); the grant still goes to the
    // configured endpoint, and that host receives nothing.
    let env = TestEnv::start().await;
    let elsewhere = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"error":"invalid_grant","error_description":"internal banner: redis 7.2 on 10.0.0.7"}"#,
            "application/json",
        ))
        .mount(&elsewhere)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(json(200, "google_token.json"))
        .expect(1)
        .mount(&env.server)
        .await;
    let foreign = ServiceAccountKey::from_json(
        &fixture("service_account.json").replace("{{BASE}}", &elsewhere.uri()),
    )
    .expect("key file");
    let configured = env.url("/token");
    assert!(!foreign.token_uri_accepted(&configured));
    assert!(
        key(&env).token_uri_accepted(&configured),
        "the configured endpoint"
    );
    let google = ServiceAccountKey::from_json(
        &fixture("service_account.json").replace("{{BASE}}", "https://oauth2.googleapis.com"),
    )
    .expect("key file");
    assert!(
        google.token_uri_accepted(&configured),
        "Google's own endpoint"
    );

    let tokens = ServiceAccountToken::new(
        foreign,
        configured,
        vec![SCOPE.into()],
        env.http.reqwest().clone(),
        Arc::new(FixedClock(at("2024-06-03T08:00:00Z"))),
    )
    .expect("RSA key");
    let token = tokens.access_token().await.expect("token");
    assert_eq!(token.expose_secret(), "ya29.new-access-token");
    assert!(
        elsewhere
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "the key's token_uri was not contacted"
    );
}
