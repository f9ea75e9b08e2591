//! A request's JSON body, read as axum's `Json` reads it (its content type, its size limit, its
//! refusals), and refused when an object names a key twice: `{"name": "a", "name": "b"}` is
//! not read as its last value, as the API's other strict readings refuse what they cannot read
//! one way only.

use std::collections::HashSet;
use std::fmt;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::ApiError;

/// The JSON body of an API request.
#[derive(Debug, Clone)]
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let head = Request::from_parts(parts.clone(), body);
        let bytes = Bytes::from_request(head, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let again = Request::from_parts(parts, Body::from(bytes.clone()));
        let Json(value) = Json::<Value>::from_request(again, state)
            .await
            .map_err(IntoResponse::into_response)?;
        twice(&bytes).map_err(|message| ApiError::field("body", message).into_response())?;
        Ok(JsonBody(value))
    }
}

/// The first key an object of `json` names twice, with where it is; `json` is valid JSON.
fn twice(json: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<Unique>(json)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A JSON value read only to find a key given twice in one object (numbers, under
/// `arbitrary_precision`, come as a one-key object and pass).
struct Unique;

impl<'de> de::Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_none<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Unique, D::Error> {
        <Unique as de::Deserialize>::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format!(
                    "the key \"{key}\" is given twice in one object"
                )));
            }
            map.next_value::<Unique>()?;
            seen.insert(key);
        }
        Ok(Unique)
    }
}

#[cfg(test)]
mod tests {
    use super::twice;

    #[test]
    fn a_key_given_twice_is_found_at_any_depth() {
        assert!(twice(br#"{"a": 1, "b": [1, {"c": 2.50}], "d": {"e": null}}"#).is_ok());
        let e = twice(br#"{"name": "a", "name": "b"}"#)
            .err()
            .unwrap_or_default();
        assert!(
            e.contains("the key \"name\" is given twice") && e.contains("line 1"),
            "{e}"
        );
        let e = twice(br#"{"rows": [{"spend": "1", "spend": "2"}]}"#)
            .err()
            .unwrap_or_default();
        assert!(e.contains("\"spend\""), "{e}");
        // The same key in two objects is no repeat.
        assert!(twice(br#"[{"a": 1}, {"a": 2}]"#).is_ok());
    }
}
