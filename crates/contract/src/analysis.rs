//! The analysis contract (`docs/analysis-contract.md`): its input document and its result.

mod decode;
mod encode;

pub use decode::{decode, decode_value};
pub use encode::encode;
