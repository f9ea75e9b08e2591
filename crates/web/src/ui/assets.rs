//! The stylesheet and the small enhancement script, compiled into the binary and served with a
//! content hash in their URL, so they can be cached for a year and never served stale.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

fn versioned(name: &str, ext: &str, body: &str) -> String {
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    format!("/static/{name}.{}.{ext}", &hash[..12])
}

static CSS_URL: LazyLock<String> = LazyLock::new(|| versioned("app", "css", CSS));
static JS_URL: LazyLock<String> = LazyLock::new(|| versioned("app", "js", JS));

/// The stylesheet's URL.
pub fn css_url() -> &'static str {
    CSS_URL.as_str()
}

/// The script's URL.
pub fn js_url() -> &'static str {
    JS_URL.as_str()
}

/// `GET /static/{file}`: the current versions for a year, an unversioned name for a minute.
pub async fn serve(Path(file): Path<String>) -> Response {
    let path = format!("/static/{file}");
    let (body, kind, immutable) = if path == *CSS_URL {
        (CSS, "text/css; charset=utf-8", true)
    } else if path == *JS_URL {
        (JS, "text/javascript; charset=utf-8", true)
    } else if file == "app.css" {
        (CSS, "text/css; charset=utf-8", false)
    } else if file == "app.js" {
        (JS, "text/javascript; charset=utf-8", false)
    } else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=60"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}
