//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!` embeds the
//! migrations at compile time, and cargo does not otherwise watch the directory, so a new
//! migration alone would leave a binary that never runs it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
