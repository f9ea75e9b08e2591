//! spendlens-core: the pure domain of spendlens.
#![forbid(unsafe_code)]

pub mod platform;

pub use platform::Platform;
