//! Trying a write transaction again when the database gave up on it for a reason that passes.
//!
//! Every write transaction that touches a campaign takes the campaign's row first
//! (`campaigns::LOCK_CAMPAIGN`), so writers of one campaign queue instead of colliding, on
//! either backend and across instances. What can still happen is rare and passing: PostgreSQL
//! choosing a deadlock victim among writers that lock in an order no rule here foresaw, or
//! (rarely) SQLite finding its snapshot stale when it starts to write. Such a transaction was
//! rolled back whole, so running it again is safe; anything else is returned at once.

/// Attempts after the first one.
pub(crate) const RETRIES: u32 = 3;

/// Evaluates `$attempt` (a block holding one whole transaction, whose `return` and `?` leave the
/// attempt with a `crate::Result`) and evaluates it again, up to [`RETRIES`] times, while it
/// fails with a transient error (see [`crate::StoreError::is_transient`]). A macro, not a
/// function taking an async closure: the futures of async closures are not yet provably `Send`
/// for every lifetime, which `async_trait` requires.
macro_rules! transient {
    ($attempt:block) => {{
        let mut tries = 0u32;
        loop {
            let result: crate::Result<_> = async $attempt.await;
            match result {
                Err(e) if e.is_transient() && tries < crate::retry::RETRIES => {
                    tries += 1;
                    tracing::warn!(error = %e, tries, "write transaction failed transiently; trying again");
                }
                other => break other,
            }
        }
    }};
}

pub(crate) use transient;
