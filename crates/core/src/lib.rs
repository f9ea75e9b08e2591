//! spendlens-core: the pure domain of spendlens.
//!
//! It holds the types every other crate speaks (platforms, the normalised daily row) and every
//! formula of the Budget & Financial Analysis. Start at [`analysis::analyze`].
//!
//! Architecture invariant: this crate does no I/O. No clock (the caller passes `as_of`), no files,
//! no network, no database, no async, no serde: the wire formats live in `spendlens-contract`
//! and the web layer. Money is `rust_decimal::Decimal`, never a float; nothing here panics on any
//! input (see [`num`]).
#![forbid(unsafe_code)]

pub mod analysis;
pub mod campaign;
pub mod channel;
pub mod currency;
pub mod daily;
pub mod dates;
pub mod limits;
pub mod num;
pub mod platform;
pub mod role;
pub mod text;
pub mod totals;
pub mod window;

pub use channel::{ChannelDay, ChannelName};
pub use daily::{DailyKey, DailyRow, RowProblem};
pub use platform::Platform;
pub use role::Role;
pub use window::{DateWindow, WindowError};
