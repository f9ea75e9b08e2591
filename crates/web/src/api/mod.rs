//! The JSON API under `/api`.

pub mod analysis;
pub mod campaigns;
pub mod finance;
pub mod imports;
pub mod metrics_in;
pub mod seed;
