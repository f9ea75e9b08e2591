//! Integration tests of the analysis contract: golden examples, input errors, properties.

mod decode_errors;
mod golden;
mod properties;
