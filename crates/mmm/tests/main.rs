//! The integration tests of spendlens-mmm: one binary; `sim` is the seeded simulator with known
//! truth that the other modules check the fit against.

mod calibration;
mod diagnostics;
mod floor;
mod input;
mod output;
mod pymc_process;
mod recovery;
mod robustness;
mod sim;
