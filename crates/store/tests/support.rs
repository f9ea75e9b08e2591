//! Fresh databases for each test, removed when it ends (see `spendlens_testkit::database`).
use std::sync::Arc;

use spendlens_core::campaign::CampaignSpec;
use spendlens_store::Store;
use spendlens_testkit::TestDatabase;

/// Every backend this run can test, freshly created: SQLite always, PostgreSQL when
/// `SPENDLENS_TEST_POSTGRES_URL` names a server (otherwise that half is skipped visibly, or fails
/// under CI). Iterate it with `for (backend, store) in stores().await`: the loop owns the
/// databases and drops them when it ends.
pub async fn stores() -> Stores {
    let mut databases = vec![TestDatabase::sqlite("spendlens-store-tests")];
    if let Some(pg) = TestDatabase::postgres("store").await {
        databases.push(pg);
    }
    let mut stores: Vec<(&'static str, Arc<dyn Store>)> = Vec::new();
    for db in &databases {
        let store = spendlens_store::connect(db)
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        stores.push((db.backend(), store));
    }
    Stores { stores, databases }
}

/// [`stores`] and an in-memory SQLite store: a file's long reads go through rusqlite
/// (`sqlite_read.rs`), an in-memory database's through the pool, and both must agree.
pub async fn stores_and_memory() -> Stores {
    let mut stores = stores().await;
    let memory = spendlens_store::connect("sqlite::memory:")
        .await
        .unwrap_or_else(|e| panic!("sqlite::memory: {e}"));
    stores.stores.push(("sqlite in memory", memory));
    stores
}

/// Every backend this run can test, as fresh databases (see [`stores`]), for tests that also
/// reach the database around the store (`TestDatabase::execute`).
pub async fn databases() -> Vec<TestDatabase> {
    let mut databases = vec![TestDatabase::sqlite("spendlens-store-tests")];
    databases.extend(TestDatabase::postgres("store").await);
    databases
}

/// The store over `db`, migrated.
pub async fn store_of(db: &TestDatabase) -> Arc<dyn Store> {
    spendlens_store::connect(db)
        .await
        .unwrap_or_else(|e| panic!("{db:?}: {e}"))
}

/// The stores of one test and the databases behind them.
pub struct Stores {
    stores: Vec<(&'static str, Arc<dyn Store>)>,
    databases: Vec<TestDatabase>,
}

impl IntoIterator for Stores {
    type Item = (&'static str, Arc<dyn Store>);
    type IntoIter = StoresIter;

    fn into_iter(self) -> StoresIter {
        StoresIter {
            stores: self.stores.into_iter(),
            _databases: self.databases,
        }
    }
}

/// Yields each backend's store; the databases go when the loop ends (fields drop in order, so
/// the stores' pools close first).
pub struct StoresIter {
    stores: std::vec::IntoIter<(&'static str, Arc<dyn Store>)>,
    _databases: Vec<TestDatabase>,
}

impl Iterator for StoresIter {
    type Item = (&'static str, Arc<dyn Store>);

    fn next(&mut self) -> Option<Self::Item> {
        self.stores.next()
    }
}

/// A campaign in USD and UTC with no budget and no dates.
pub fn plain_spec(name: &str) -> CampaignSpec {
    CampaignSpec {
        name: name.into(),
        currency: "USD".into(),
        budget: None,
        start_date: None,
        end_date: None,
        time_zone: "UTC".into(),
    }
}
