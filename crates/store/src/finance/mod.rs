//! Finance storage (issue 6): the cost ledger, the finance facts of each campaign (people
//! assigned, attribution method), the organisation's finance settings and exchange rates, and
//! budget alerts raised once each.
//!
//! One module per area, each with its trait and the macro holding its portable SQL (the approach
//! of `backend.rs`): [`ledger`], [`settings`] (campaign facts, organisation settings and rates)
//! and [`alerts`]. [`FinanceStore`] is all three, a supertrait of [`Store`](crate::Store). Every
//! method that touches a tenant's data takes its `OrgId` and filters by it in SQL: another
//! organisation's campaign, entry or alert is simply not found.

pub mod alerts;
pub mod ledger;
pub mod settings;

use crate::StoreError;

pub use alerts::{AlertStore, NewAlert, StoredAlert, StoredAlertState};
pub use ledger::{LedgerImported, LedgerScope, LedgerStore, StoredEntry};
pub use settings::{CampaignFinance, FinanceSettingsStore, StoredFinanceSettings};

/// Finance storage: the ledger, the facts and settings, and the alerts. See the module
/// documentation.
pub trait FinanceStore: LedgerStore + FinanceSettingsStore + AlertStore {}

impl<T: LedgerStore + FinanceSettingsStore + AlertStore> FinanceStore for T {}

/// The error for a stored finance row that no longer reads as a valid value (a hand-edited
/// database, a migration gone wrong): refused rather than guessed at.
pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Invalid(format!("a stored finance row has an invalid {what}"))
}

/// Implements [`FinanceStore`] for `$store` (field `pool: sqlx::Pool<$db>`): every finance area's
/// macro, with the arguments of `impl_store!`.
macro_rules! impl_finance_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        crate::finance::ledger::impl_ledger_store!($store, $db, $begin_write);
        crate::finance::settings::impl_finance_settings_store!($store, $db, $begin_write);
        crate::finance::alerts::impl_alert_store!($store, $db, $begin_write);
    };
}

pub(crate) use impl_finance_store;
