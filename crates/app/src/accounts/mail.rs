//! The messages registration sends out of band, through the outbox (`spendlens_store::outbox`).
//!
//! Until the outbox is delivered by e-mail (a later issue adds SMTP), every message is also
//! logged at INFO as `mail to <address>: <subject>: <link>`, so that the operator of a
//! single-user install can follow the link. That one log line carries a secret (a registration
//! link, valid 24 hours) on purpose: without mail, the log is the mail.

use spendlens_store::OutgoingMail;

use super::AccountError;
use crate::context::Context;

/// The subject of a registration's link.
pub const CONFIRM_SUBJECT: &str = "Confirm your spendlens account";
/// The subject of the notice to an address that already has an account.
pub const TAKEN_SUBJECT: &str = "Someone tried to register with your address";

/// The link that completes a registration: `{base}/verify?token=…`.
pub fn verify_link(base: &str, token: &str) -> String {
    format!("{}/verify?token={token}", base.trim_end_matches('/'))
}

/// The message with a registration's link.
pub(super) fn confirm(to: &str, link: &str, hours: i64) -> OutgoingMail {
    OutgoingMail {
        to: to.to_owned(),
        subject: CONFIRM_SUBJECT.to_owned(),
        body: format!(
            "Someone (we hope you) asked for a spendlens account with this address.\n\n\
             To confirm it and sign in, open this link within {hours} hours:\n\n{link}\n\n\
             If it was not you, ignore this message: no account is created without it.\n"
        ),
    }
}

/// The notice to an address that already has an account (the registration answered the same as
/// for a new one, so only the owner of the address learns it is taken).
pub(super) fn taken(to: &str, signin: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_owned(),
        subject: TAKEN_SUBJECT.to_owned(),
        body: format!(
            "Someone tried to register a spendlens account with this address, which already has \
             one. Nothing was changed.\n\nIf it was you, sign in instead:\n\n{signin}\n\n\
             If it was not you, you need not do anything.\n"
        ),
    }
}

/// Queues `mail` in the outbox and logs it with `link` (see the module's note).
pub(super) async fn send(ctx: &Context, mail: OutgoingMail, link: &str) -> Result<(), AccountError> {
    ctx.store.enqueue_mail(&mail, ctx.now()).await?;
    tracing::info!("mail to {}: {}: {link}", mail.to, mail.subject);
    Ok(())
}
