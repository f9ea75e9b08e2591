//! The messages registration sends out of band, through the outbox (`spendlens_store::outbox`).
//!
//! A server with an SMTP relay sends them by e-mail (`crate::delivery::outbox`); without one,
//! the operator reads the waiting messages with `spendlens outbox` ([`waiting_mail`]) and passes
//! a link on. The log says only
//! that a message was queued and its subject: a registration's link is a secret (it creates the
//! account, valid 24 hours), and no secret, nor whom it was for, reaches a log.
use spendlens_store::{OutgoingMail, StoredMail};

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

/// The subject of the link that confirms an address invited to an organisation.
pub const JOIN_SUBJECT: &str = "Confirm your address to join spendlens";

/// The message with the link that completes an account made on an invitation's page, joining
/// `organization`.
pub(crate) fn confirm_join(to: &str, link: &str, organization: &str, hours: i64) -> OutgoingMail {
    OutgoingMail {
        to: to.to_owned(),
        subject: JOIN_SUBJECT.to_owned(),
        body: format!(
            "Someone (we hope you) chose a password for this address on an invitation to join \
             {organization} on spendlens.\n\n\
             To confirm the address, create the account and join, open this link within {hours} \
             hours and enter that password:\n\n{link}\n\n\
             If it was not you, ignore this message: no account is created without it.\n"
        ),
    }
}

/// The notice to an address that already has an account (the registration answered the same as
/// for a new one, so only the owner of the address learns it is taken).
pub(crate) fn taken(to: &str, signin: &str) -> OutgoingMail {
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

/// Queues `mail` in the outbox (see the module's note on what is logged).
pub(crate) async fn send(ctx: &Context, mail: OutgoingMail) -> Result<(), AccountError> {
    let id = ctx.store.enqueue_mail(&mail, ctx.now()).await?;
    tracing::info!(
        outbox_id = %id,
        subject = %mail.subject,
        "message queued in the outbox (`spendlens outbox` shows it until mail is delivered)"
    );
    Ok(())
}

/// The newest `limit` messages waiting in the outbox, oldest of them first, or those to `to`:
/// what the operator relays while no delivery runs.
pub async fn waiting_mail(
    ctx: &Context,
    to: Option<&str>,
    limit: u32,
) -> Result<Vec<StoredMail>, AccountError> {
    Ok(match to {
        Some(address) => ctx.store.mail_to(address).await?,
        None => ctx.store.unsent_mail(limit).await?,
    })
}
