//! What protects a browser that talks to spendlens: the headers every answer carries, and the
//! same-origin rule of cookie-authenticated API writes.
//!
//! Every answer says `X-Content-Type-Options: nosniff` (a JSON or CSV answer is never run as a
//! script or a page), `Referrer-Policy: same-origin` (a campaign's URL, with its id, never
//! leaves for another site) and `X-Frame-Options: DENY`. Pages carry a Content-Security-Policy
//! that allows only this origin's own stylesheet and script (the templates hold no inline
//! script, style or event handler), no framing, no `<base>`, no plugins, and forms that post
//! here or to the platforms' consent pages (the connect form's answer redirects there); the
//! vendored API docs page gets the inline styles and data images it needs; everything else gets
//! a policy that allows nothing.
//!
//! A browser sends the session cookie with any request to this host, including one a foreign
//! page starts (a multipart upload is a "simple" request that needs no preflight). So a write
//! under `/api` that authenticates with the cookie (and no bearer token) must come from this
//! origin: its `Origin` (or, without one, `Sec-Fetch-Site`) must be the server's configured
//! address (`Settings::public_base`) or name the host the request was sent to (its `Host`,
//! which a foreign page cannot choose); a foreign one answers 403. Requests with neither header
//! (scripts, old clients) pass: the cookie is `SameSite=Lax` besides.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{SESSION_COOKIE, cookie};
use crate::config::Settings;
use crate::error::ApiError;
use crate::state::AppState;

/// The consent pages of the platforms' OAuth, where the connect form's answer may redirect a
/// browser (a form's redirect is subject to `form-action`); configured `auth_url`s are added.
const CONSENT_ORIGINS: [&str; 3] = [
    "https://accounts.google.com",
    "https://www.linkedin.com",
    "https://www.facebook.com",
];

/// The policies of this server's answers, built once from its settings.
#[derive(Debug, Clone)]
pub struct Policies {
    page: HeaderValue,
    docs: HeaderValue,
    other: HeaderValue,
}

impl Policies {
    /// The policies for `settings` (the connect form's consent origins come from its
    /// connectors).
    pub fn new(settings: &Settings) -> Policies {
        let mut form_action = vec!["'self'".to_owned()];
        let connectors = &settings.connectors;
        let configured = [
            &connectors.linkedin,
            &connectors.meta,
            &connectors.google,
            &connectors.ga4,
            &connectors.sheets,
            &connectors.google_ads,
        ]
        .into_iter()
        .filter_map(|p| p.auth_url.as_deref())
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| u.origin())
        .filter(url::Origin::is_tuple)
        .map(|o| o.ascii_serialization());
        for origin in CONSENT_ORIGINS
            .map(str::to_owned)
            .into_iter()
            .chain(configured)
        {
            if !form_action.contains(&origin) {
                form_action.push(origin);
            }
        }
        let page = format!(
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action {}; \
             object-src 'none'",
            form_action.join(" ")
        );
        let docs = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                    frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
        let other =
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
        Policies {
            page: HeaderValue::from_str(&page)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            docs: HeaderValue::from_static(docs),
            other: HeaderValue::from_static(other),
        }
    }

    /// The page policy (for tests and the docs).
    pub fn page(&self) -> &HeaderValue {
        &self.page
    }
}

/// Adds the security headers to every answer (see the module's note).
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let docs = request.uri().path().starts_with("/api/docs");
    // A share link's token is in its path: no page it leads to may learn it.
    let shared = request.uri().path().starts_with("/share/");
    // A request whose body may be left unread by a refusal (an upload answered 403 before a
    // byte of it is read): its connection is not reused, so the answer says so rather than the
    // client's next request on it failing.
    let with_body = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > 0)
        || request.headers().contains_key(header::TRANSFER_ENCODING);
    let mut response = next.run(request).await;
    if with_body && (response.status().is_client_error() || response.status().is_server_error()) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = if docs {
        state.policies.docs.clone()
    } else if html {
        state.policies.page.clone()
    } else {
        state.policies.other.clone()
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Answers are private (an organisation's money, a token shown once, an invitation's link):
    // no cache keeps them unless the answer says otherwise (the static assets do).
    if !docs && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(if shared { "no-referrer" } else { "same-origin" }),
    );
    response
}

/// Refuses (403) a cookie-authenticated API write whose origin is foreign (see the module's
/// note). Layered on `/api` only: the pages' forms carry their own CSRF token.
pub async fn same_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let write = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let headers = request.headers();
    let by_cookie =
        !headers.contains_key(header::AUTHORIZATION) && cookie(headers, SESSION_COOKIE).is_some();
    if write && by_cookie && is_foreign(headers, request.uri(), &state.settings) {
        return ApiError::Forbidden(
            "a request signed in with the session cookie must come from this site's own pages"
                .to_owned(),
        )
        .into_response();
    }
    next.run(request).await
}

static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// Whether the request says it comes from another origin than this server's.
fn is_foreign(headers: &HeaderMap, uri: &Uri, settings: &Settings) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Some(origin) = origin
            .to_str()
            .ok()
            .and_then(|o| url::Url::parse(o).ok())
            .map(|u| u.origin())
            .filter(url::Origin::is_tuple)
        else {
            // `null` (a sandboxed frame, a file, a redirect across origins) or garbage.
            return true;
        };
        return settings.public_origin().as_ref() != Some(&origin)
            && !same_authority(&origin, own_authority(headers, uri));
    }
    match headers.get(&SEC_FETCH_SITE).and_then(|v| v.to_str().ok()) {
        Some(site) => !matches!(site, "same-origin" | "none"),
        None => false,
    }
}

/// The authority the client addressed: the `Host` header, or the URI's (HTTP/2).
fn own_authority<'a>(headers: &'a HeaderMap, uri: &'a Uri) -> Option<&'a str> {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
}

/// Whether `origin` names the host and port of `authority` (`host[:port]`, the port omitted
/// when it is the scheme's default).
fn same_authority(origin: &url::Origin, authority: Option<&str>) -> bool {
    let (Some(authority), url::Origin::Tuple(scheme, host, port)) = (authority, origin) else {
        return false;
    };
    let host = host.to_string();
    let default_port = match scheme.as_str() {
        "https" => 443,
        _ => 80,
    };
    authority.eq_ignore_ascii_case(&format!("{host}:{port}"))
        || (*port == default_port && authority.eq_ignore_ascii_case(&host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn foreign(headers: &[(&'static str, &'static str)], public_url: Option<&str>) -> bool {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        let settings = Settings {
            public_url: public_url.map(str::to_owned),
            ..Settings::default()
        };
        is_foreign(&map, &Uri::from_static("/api/campaigns"), &settings)
    }

    #[test]
    fn the_origin_is_compared_with_the_host_or_the_public_url() {
        let host = ("host", "127.0.0.1:8080");
        assert!(!foreign(&[host, ("origin", "http://127.0.0.1:8080")], None));
        assert!(foreign(&[host, ("origin", "http://evil.example")], None));
        assert!(foreign(&[host, ("origin", "http://127.0.0.1:9999")], None));
        assert!(foreign(&[host, ("origin", "null")], None));
        assert!(!foreign(
            &[
                ("host", "spendlens.example"),
                ("origin", "https://spendlens.example")
            ],
            None
        ));
        assert!(!foreign(
            &[("host", "[::1]:8080"), ("origin", "http://[::1]:8080")],
            None
        ));
        // Behind a proxy that rewrites `Host`, the configured address is this origin.
        let public = Some("https://spendlens.example.com");
        assert!(!foreign(
            &[host, ("origin", "https://spendlens.example.com")],
            public
        ));
        assert!(foreign(
            &[host, ("origin", "http://spendlens.example.com")],
            public
        ));
        assert!(foreign(&[host, ("origin", "https://evil.example")], public));
        assert!(!foreign(
            &[host, ("origin", "http://127.0.0.1:8080")],
            public
        ));
    }

    #[test]
    fn without_an_origin_the_fetch_metadata_decides_and_nothing_passes() {
        let host = ("host", "127.0.0.1:8080");
        assert!(foreign(&[host, ("sec-fetch-site", "cross-site")], None));
        assert!(foreign(&[host, ("sec-fetch-site", "same-site")], None));
        assert!(!foreign(&[host, ("sec-fetch-site", "same-origin")], None));
        assert!(!foreign(&[host], None));
    }

    #[test]
    fn pages_may_post_to_the_consent_pages_only_besides_this_site() {
        let mut settings = Settings::default();
        settings.connectors.meta.auth_url = Some("https://meta.mock.test:8443/dialog".into());
        let policy = Policies::new(&settings);
        let page = policy.page().to_str().unwrap_or_default().to_owned();
        assert!(page.contains(
            "form-action 'self' https://accounts.google.com https://www.linkedin.com \
             https://www.facebook.com https://meta.mock.test:8443;"
        ));
        assert!(page.starts_with("default-src 'self'; frame-ancestors 'none'; base-uri 'none';"));
        assert!(!page.contains("unsafe"));
    }
}
