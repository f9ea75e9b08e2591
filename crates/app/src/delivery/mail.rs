//! E-mail through the operator's SMTP relay (the `[smtp]` settings), with lettre.
//!
//! The relay is the operator's, named in the server's configuration, never a user's: it is not
//! subject to the outbound rule that guards users' URLs. The password is a `SecretString`
//! (redacted in `Debug`, never serialised back) and is handed only to the SMTP AUTH exchange.
//! What a failed send records is the SMTP reply code or a category ("connection refused"),
//! never the server's text, which may echo an address or a credential.
//! Rejected alternative: an own SMTP client; STARTTLS and AUTH are easy to get subtly wrong.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The `[smtp]` section of the server settings (`SPENDLENS_SMTP__HOST` and so on). Without a
/// host, e-mail deliveries cannot be scheduled.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// The relay's host name; unset, no e-mail is sent.
    pub host: Option<String>,
    pub port: u16,
    /// The sender (`spendlens <reports@example.com>`).
    pub from: String,
    pub username: Option<String>,
    /// Never logged nor written back.
    #[serde(skip_serializing)]
    pub password: Option<SecretString>,
    /// Require STARTTLS (the default). Off only for a relay on the same host or network that
    /// speaks plain SMTP.
    pub starttls: bool,
    /// Seconds a connection or reply may take.
    pub timeout_seconds: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            host: None,
            port: 587,
            from: "spendlens <reports@localhost>".to_owned(),
            username: None,
            password: None,
            starttls: true,
            timeout_seconds: 30,
        }
    }
}

/// Why a message was not sent, as recorded on the delivery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailFailure {
    #[error("the server has no SMTP settings (SPENDLENS_SMTP__HOST)")]
    NotConfigured,
    #[error("the sender address in the SMTP settings is not an address")]
    BadSender,
    #[error("a recipient is not an e-mail address")]
    BadRecipient,
    /// The relay answered with this reply code.
    #[error("SMTP {0}")]
    Rejected(u16),
    #[error("timed out")]
    TimedOut,
    #[error("TLS error")]
    Tls,
    #[error("connection failed")]
    Connection,
}

impl MailFailure {
    /// Whether trying again later could go differently (a 4xx reply, the network).
    pub fn is_transient(&self) -> bool {
        match self {
            MailFailure::Rejected(code) => (400..500).contains(code),
            MailFailure::TimedOut | MailFailure::Tls | MailFailure::Connection => true,
            MailFailure::NotConfigured | MailFailure::BadSender | MailFailure::BadRecipient => {
                false
            }
        }
    }
}

/// A message to send: text, with an optional attachment.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    /// File name, media type, bytes.
    pub attachment: Option<(String, String, Vec<u8>)>,
}

/// The SMTP sender of the server.
#[derive(Debug, Clone)]
pub struct Mailer {
    settings: MailSettings,
}

impl Mailer {
    /// A mailer over the settings (`None` without a host).
    pub fn new(settings: MailSettings) -> Option<Mailer> {
        settings
            .host
            .as_deref()
            .is_some_and(|h| !h.trim().is_empty())
            .then_some(Mailer { settings })
    }

    /// Sends one message to all its recipients.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailFailure> {
        let host = self
            .settings
            .host
            .as_deref()
            .map(str::trim)
            .ok_or(MailFailure::NotConfigured)?;
        let message = build(&self.settings.from, mail)?;
        let timeout = Some(Duration::from_secs(self.settings.timeout_seconds.max(1)));
        let builder = if self.settings.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|_| MailFailure::Tls)?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        };
        let mut builder = builder.port(self.settings.port).timeout(timeout);
        if let (Some(user), Some(password)) = (&self.settings.username, &self.settings.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        let transport = builder.build();
        transport.send(message).await.map(|_| ()).map_err(|e| {
            if let Some(code) = e.status() {
                MailFailure::Rejected(code.to_string().parse().unwrap_or(0))
            } else if e.is_timeout() {
                MailFailure::TimedOut
            } else if e.is_tls() {
                MailFailure::Tls
            } else {
                MailFailure::Connection
            }
        })
    }
}

/// The MIME message: a text part, and the attachment when there is one.
fn build(from: &str, mail: &Mail) -> Result<Message, MailFailure> {
    let from: Mailbox = from.parse().map_err(|_| MailFailure::BadSender)?;
    let mut builder = Message::builder().from(from).subject(mail.subject.clone());
    for to in &mail.to {
        let to: Mailbox = to.parse().map_err(|_| MailFailure::BadRecipient)?;
        builder = builder.to(to);
    }
    // Base64 whatever the text: a reader never sees a quoted-printable soft break inside an
    // amount, and the message's bytes do not depend on lettre's guess.
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::Base64)
        .body(mail.text.clone());
    let message = match &mail.attachment {
        None => builder.singlepart(text),
        Some((name, media, bytes)) => {
            let media = ContentType::parse(media).map_err(|_| MailFailure::BadRecipient)?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new(name.clone()).body(bytes.clone(), media)),
            )
        }
    };
    message.map_err(|_| MailFailure::BadRecipient)
}

/// Whether `text` reads as one e-mail address (what lettre will accept as a recipient), at most
/// 254 characters.
pub fn is_address(text: &str) -> bool {
    text.len() <= 254 && text.parse::<lettre::Address>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_with_a_pdf_is_multipart_and_the_password_stays_out_of_debug() {
        let mail = Mail {
            to: vec!["cfo@example.com".into()],
            subject: "Report".into(),
            text: "Attached.".into(),
            attachment: Some((
                "r.pdf".into(),
                "application/pdf".into(),
                b"%PDF-1.7".to_vec(),
            )),
        };
        let message =
            build("spendlens <reports@example.com>", &mail).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&message.formatted()).into_owned();
        assert!(text.contains("multipart/mixed"), "{text}");
        assert!(text.contains("filename=\"r.pdf\""), "{text}");
        assert!(text.contains("application/pdf"), "{text}");
        assert!(build("not an address", &mail).is_err());
        let settings = MailSettings {
            host: Some("smtp.example.com".into()),
            password: Some("hunter2-secret".into()),
            ..MailSettings::default()
        };
        assert!(!format!("{:?}", Mailer::new(settings)).contains("hunter2-secret"));
        assert!(Mailer::new(MailSettings::default()).is_none());
    }

    #[test]
    fn addresses_and_transient_failures() {
        assert!(is_address("a@example.com"));
        assert!(!is_address("a example.com"));
        assert!(!is_address(""));
        assert!(MailFailure::Rejected(451).is_transient());
        assert!(!MailFailure::Rejected(550).is_transient());
        assert!(MailFailure::Connection.is_transient());
        assert!(!MailFailure::BadRecipient.is_transient());
    }
}
