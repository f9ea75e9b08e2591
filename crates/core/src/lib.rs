//! spendlens-core: the pure domain of spendlens.
#![forbid(unsafe_code)]

pub mod daily;
pub mod platform;

pub use daily::{DailyKey, DailyRow};
pub use platform::Platform;
