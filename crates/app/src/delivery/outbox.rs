//! The outbox's delivery: on a server with an SMTP relay, each sweep claims the messages that
//! accounts and invitations queued (a registration's link, the notice that an address is taken,
//! the link that confirms an invited address) and sends them. A message sent keeps no body (its
//! link is a credential, and a leaked database should hold none); one the relay refuses for
//! now is unclaimed and goes with a later sweep; one it refuses for good (a 5xx reply, an
//! address it cannot take) is recorded as not delivered, without its body either. Without a
//! relay nothing is claimed: the operator reads the messages with `spendlens outbox`.

use chrono::{DateTime, Utc};
use spendlens_store::Store;

use super::Deliverer;
use super::mail::Mail;

/// Messages one sweep sends at most (the rest go with the next sweep).
pub const OUTBOX_BATCH: u32 = 50;

/// What the stored message says once it went: the link it held is not kept.
pub const SENT_NOTE: &str = "(sent by e-mail; the message is not kept)";

/// Sends the waiting messages (see the module's note); how many went and how many did not.
pub async fn send_waiting(
    store: &dyn Store,
    deliverer: &Deliverer,
    now: DateTime<Utc>,
) -> (u32, u32) {
    let Some(mailer) = &deliverer.mailer else {
        return (0, 0);
    };
    let claimed = match store.claim_unsent_mail(now, OUTBOX_BATCH).await {
        Ok(claimed) => claimed,
        Err(e) => {
            tracing::warn!(error = %e, "the outbox was not read");
            return (0, 0);
        }
    };
    let (mut sent, mut failed) = (0, 0);
    for message in claimed {
        let mail = Mail {
            to: vec![message.mail.to.clone()],
            subject: message.mail.subject.clone(),
            text: message.mail.body.clone(),
            attachment: None,
        };
        let settled = match mailer.send(&mail).await {
            Ok(()) => {
                sent += 1;
                store.settle_mail(&message.id, Some(SENT_NOTE)).await
            }
            Err(failure) => {
                failed += 1;
                // The reason is a category or a reply code, never the relay's text.
                tracing::warn!(outbox_id = %message.id, reason = %failure, "outbox message not sent");
                if failure.is_transient() {
                    store.settle_mail(&message.id, None).await
                } else {
                    let note = format!("(not delivered: {failure}; the message is not kept)");
                    store.settle_mail(&message.id, Some(&note)).await
                }
            }
        };
        if let Err(e) = settled {
            tracing::warn!(outbox_id = %message.id, error = %e, "outbox message not settled");
        }
    }
    (sent, failed)
}
