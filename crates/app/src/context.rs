//! What a use case that writes needs from its caller: the store, the clock and the budget-alert
//! sender, handed over as one value so that the API, the pages and the CLI call a write the same
//! way (and none of them can forget the alerts that follow it).
//!
//! The server builds one per request from its state; the CLI builds one per command with
//! [`Context::at`], taking the time once.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::Store;

use crate::clock::{Clock, FixedClock};
use crate::finance::webhook::WebhookSender;

/// The store, the clock and the alert sender of a use case.
#[derive(Debug, Clone)]
pub struct Context {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Delivers the budget alerts a write raises.
    pub webhooks: Arc<WebhookSender>,
}

impl Context {
    /// A context whose clock is stopped at `now` (a CLI command reads the time once).
    pub fn at(store: Arc<dyn Store>, webhooks: Arc<WebhookSender>, now: DateTime<Utc>) -> Context {
        Context {
            store,
            clock: Arc::new(FixedClock(now)),
            webhooks,
        }
    }

    /// The time now, from the clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// After daily rows of a campaign were written: its budget alerts (see
    /// [`crate::finance::alerts::after_write`]).
    pub async fn after_write(&self, org: &OrgId, campaign: &CampaignId) {
        crate::finance::alerts::after_write(self, org, campaign).await;
    }
}
