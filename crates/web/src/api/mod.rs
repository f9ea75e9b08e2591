//! The JSON API under `/api`.

pub mod analysis;
pub mod attribution;
pub mod audit_log;
pub mod campaigns;
pub mod channels;
pub mod connections;
pub mod finance;
pub mod imports;
pub mod mappings;
pub mod metrics_in;
pub mod mmm;
pub mod optimization;
pub mod organization;
pub mod password;
pub mod pdf_preview;
pub mod portfolio;
pub mod schedules;
pub mod seed;
pub mod sharing;
pub mod sources;
pub mod tokens;
