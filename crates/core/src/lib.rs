//! spendlens-core: the pure domain of spendlens.
#![forbid(unsafe_code)]
