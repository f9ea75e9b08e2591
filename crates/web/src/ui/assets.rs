//! The stylesheet, the small enhancement script and the UI's font, compiled into the binary and
//! served with a content hash in their URL, so they can be cached for a year and never served
//! stale.
//!
//! The stylesheet names the font by its plain path (`/static/fonts/roboto.woff2`); it is served
//! with that path replaced by the font's versioned URL, and the stylesheet's own hash is taken
//! after the replacement, so a new font also gives the stylesheet a new URL.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS_SOURCE: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

/// Roboto, variable weight, Latin subset (OFL 1.1: `static/fonts/OFL.txt`): the UI's font and
/// the charts' (`spendlens_report::chart::FONT_FAMILY`), also embedded in downloaded charts.
pub const FONT_WOFF2: &[u8] = include_bytes!("../../static/fonts/roboto-latin-wght-normal.woff2");

/// The font's path as the stylesheet source writes it.
const FONT_PLAIN: &str = "/static/fonts/roboto.woff2";

fn versioned(name: &str, ext: &str, body: &[u8]) -> String {
    let hash = hex::encode(Sha256::digest(body));
    format!("/static/{name}.{}.{ext}", &hash[..12])
}

static FONT_URL: LazyLock<String> = LazyLock::new(|| versioned("roboto", "woff2", FONT_WOFF2));
static CSS: LazyLock<String> = LazyLock::new(|| CSS_SOURCE.replace(FONT_PLAIN, &FONT_URL));
static CSS_URL: LazyLock<String> = LazyLock::new(|| versioned("app", "css", CSS.as_bytes()));
static JS_URL: LazyLock<String> = LazyLock::new(|| versioned("app", "js", JS.as_bytes()));

/// The stylesheet's URL.
pub fn css_url() -> &'static str {
    CSS_URL.as_str()
}

/// The script's URL.
pub fn js_url() -> &'static str {
    JS_URL.as_str()
}

/// The font's URL.
pub fn font_url() -> &'static str {
    FONT_URL.as_str()
}

/// `GET /static/{file}`: the current versions for a year, an unversioned name for a minute.
pub async fn serve(Path(file): Path<String>) -> Response {
    let path = format!("/static/{file}");
    let (body, kind, immutable): (&'static [u8], _, _) = if path == *CSS_URL {
        (CSS.as_bytes(), "text/css; charset=utf-8", true)
    } else if path == *JS_URL {
        (JS.as_bytes(), "text/javascript; charset=utf-8", true)
    } else if path == *FONT_URL {
        (FONT_WOFF2, "font/woff2", true)
    } else if file == "app.css" {
        (CSS.as_bytes(), "text/css; charset=utf-8", false)
    } else if file == "app.js" {
        (JS.as_bytes(), "text/javascript; charset=utf-8", false)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_points_at_the_versioned_font() {
        assert!(CSS_SOURCE.contains(FONT_PLAIN));
        assert!(!CSS.contains(FONT_PLAIN));
        assert!(CSS.contains(&format!("url(\"{}\")", font_url())));
        assert!(font_url().starts_with("/static/roboto.") && font_url().ends_with(".woff2"));
        // A woff2 file starts with its signature.
        assert_eq!(&FONT_WOFF2[..4], b"wOF2");
    }
}
