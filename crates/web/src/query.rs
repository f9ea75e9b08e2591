//! Query-string parameters: the one reading of a day, a flag and a text parameter, each with one
//! wording, for every route that takes them (the analysis, snapshots, ROI, the report,
//! attribution, syncs, imports' dry runs).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};

/// A calendar day written `YYYY-MM-DD`, exactly (`2026-1-5` is refused: a date read two ways is
/// worse than one refused). The pages read their date fields with it too.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    read_day(text).ok()
}

/// [`parse_day`] with the reason a text is not one: not written `YYYY-MM-DD`, or outside the days
/// spendlens keeps (2000-01-01 to 2099-12-31, `spendlens_core::limits`): `0000-01-01` read as a
/// day gave trends from year −1, and `9999-12-31` an empty audit log.
pub fn read_day(text: &str) -> Result<NaiveDate, String> {
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or_else(|| format!("expected a date YYYY-MM-DD, got \"{text}\""))?;
    spendlens_core::limits::check_date(day)?;
    Ok(day)
}

/// A day in a request, or the API's one message about it.
pub fn day(field: &str, text: &str) -> ApiResult<NaiveDate> {
    read_day(text).map_err(|message| ApiError::field(field, message))
}

/// A route's query parameters, each given once: `dry_run=true&dry_run=false` is refused before
/// the handler runs (400, naming the parameter), not read as its last value, which would turn a
/// dry run into an import.
#[derive(Debug, Clone, Default)]
pub struct Params(pub HashMap<String, String>);

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(String, String)>::deserialize(d)?;
        let mut map = HashMap::with_capacity(pairs.len());
        for (key, value) in pairs {
            if map.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "{key}: given more than once; give it once"
                )));
            }
            map.insert(key, value);
        }
        Ok(Self(map))
    }
}

impl Params {
    /// The parameter as given; `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// An optional day (absent or empty: none).
    pub fn day(&self, name: &str) -> ApiResult<Option<NaiveDate>> {
        self.text(name).map(|s| day(name, s)).transpose()
    }

    /// A day that must be given.
    pub fn required_day(&self, name: &str) -> ApiResult<NaiveDate> {
        self.day(name)?
            .ok_or_else(|| ApiError::field(name, "missing"))
    }

    /// A flag: `true`/`1` or `false`/`0`/empty/absent.
    pub fn flag(&self, name: &str) -> ApiResult<bool> {
        match self.0.get(name).map(String::as_str) {
            None | Some("false" | "0" | "") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(_) => Err(ApiError::field(name, "expected true or false")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    fn message(e: ApiError) -> String {
        match e {
            ApiError::Validation(p) => format!("{}: {}", p[0].field, p[0].message),
            other => other.to_string(),
        }
    }

    #[test]
    fn days_are_exact_and_named_once() {
        let q = params(&[("from", "2026-11-01"), ("to", ""), ("as_of", "2026-1-5")]);
        assert_eq!(
            q.day("from").ok().flatten(),
            NaiveDate::from_ymd_opt(2026, 11, 1)
        );
        assert_eq!(q.day("to").ok().flatten(), None);
        assert_eq!(q.day("nope").ok().flatten(), None);
        assert_eq!(
            q.day("as_of").err().map(message).as_deref(),
            Some("as_of: expected a date YYYY-MM-DD, got \"2026-1-5\"")
        );
        assert_eq!(
            q.required_day("to").err().map(message).as_deref(),
            Some("to: missing")
        );
        assert!(parse_day("2026-02-30").is_none() && parse_day(" 2026-02-03").is_none());
    }

    #[test]
    fn flags_are_true_or_false() {
        let q = params(&[("a", "1"), ("b", ""), ("c", "yes")]);
        assert_eq!(q.flag("a").ok(), Some(true));
        assert_eq!(q.flag("b").ok(), Some(false));
        assert_eq!(q.flag("none").ok(), Some(false));
        assert_eq!(
            q.flag("c").err().map(message).as_deref(),
            Some("c: expected true or false")
        );
    }
}
