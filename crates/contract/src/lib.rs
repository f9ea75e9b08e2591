//! spendlens-contract: the JSON contracts of spendlens, shared by the CLI and the web API so that
//! both give byte-for-byte the same answer.
//!
//! Decoding reads an untrusted JSON document into the domain's input types and reports *every*
//! problem at once, each naming its JSON path (`platforms.meta.spend: expected a non-negative
//! decimal, got "abc"`); unknown fields are problems too, so a typo never passes silently.
//! Encoding applies the contract's output rules: money as 2-decimal strings, ratios as numbers
//! rounded half away from zero, codes as their stable names.
//!
//! Start at [`analysis::decode`] and [`analysis::encode`]. This crate does no I/O: it turns bytes
//! or values into values.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod channels;
pub mod json;
pub mod verdicts;

pub use json::{Problem, Problems};
