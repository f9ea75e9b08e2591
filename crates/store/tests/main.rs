//! The store contract: the same stories against SQLite and, when `SPENDLENS_TEST_POSTGRES_URL`
//! names a server (CI starts one), against a fresh PostgreSQL database per test.

mod attribution;
mod channels;
mod concurrency;
mod connections;
mod contract;
mod finance;
mod imports;
mod limits;
mod security;
mod sharing;
mod support;
mod upgrade;
mod versions;
