//! Registration: the checks of a submitted registration, and its two outcomes.
//!
//! On an instance that has no user yet, the first registration creates the account and signs in
//! at once (no address can be taken then, so nothing leaks, and a fresh install needs no mail).
//! Afterwards every registration is answered alike, whether its address is new or taken: a new
//! address gets a one-time link (its SHA-256 stored, valid [`LINK_HOURS`]) that creates the
//! account and signs in when followed with the password chosen ([`verify`]: the link proves the
//! mailbox, the password who registered); a taken one gets a notice that someone tried.
//! Both go out of band (the outbox), so the answer tells nothing about who has an account. The
//! password is hashed in both cases, so neither takes measurably longer.

use std::net::IpAddr;

use chrono::TimeDelta;
use secrecy::{ExposeSecret, SecretString};
use spendlens_core::campaign::FieldError;
use spendlens_store::{PendingRegistration, StoreError};

use super::limiter::{self, AuthLimits};
use super::{
    Account, AccountError, MAX_EMAIL_BYTES, MAX_ORGANIZATION_CHARS, Session, hash_password,
    hash_secret, mail, new_secret, password_problem, start_session,
};
use crate::context::Context;

/// How long a registration's link is valid, in hours.
pub const LINK_HOURS: i64 = 24;

/// A registration as submitted: the sign-up form's fields or the API's body.
#[derive(Debug, Clone)]
pub struct Register {
    pub email: String,
    pub password: SecretString,
    pub organization_name: String,
}

/// A registration whose fields keep the rules (see [`Registration::try_from`]).
#[derive(Debug, Clone)]
pub struct Registration {
    pub(super) email: String,
    pub(super) password: SecretString,
    pub(super) organization_name: String,
}

impl TryFrom<Register> for Registration {
    type Error = Vec<FieldError>;

    /// The e-mail and the organisation name trimmed, then checked: an e-mail shape (something on
    /// both sides of an `@`, no whitespace, at most [`MAX_EMAIL_BYTES`]), a password that keeps
    /// the strength rule ([`password_problem`]), an organisation name of 1 to
    /// [`MAX_ORGANIZATION_CHARS`] characters without control or invisible formatting characters
    /// (`spendlens_core::text`). Every problem names its field.
    fn try_from(form: Register) -> Result<Registration, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: String| {
            errors.push(FieldError { field, message });
        };
        let email = form.email.trim().to_owned();
        let organization_name = form.organization_name.trim().to_owned();
        if let Some(problem) = email_problem(&email) {
            err("email", problem);
        }
        if let Some(problem) = password_problem(form.password.expose_secret(), &email) {
            err("password", problem);
        }
        if let Some(problem) = organization_name_problem(&organization_name) {
            err("organization_name", problem);
        }
        if errors.is_empty() {
            Ok(Registration {
                email,
                password: form.password,
                organization_name,
            })
        } else {
            Err(errors)
        }
    }
}

/// What is wrong with a (trimmed) e-mail address, if anything: an address mail can be sent to
/// (RFC 5321's shape, as the SMTP sender reads it: `"x"@evil.example>,<other@example.com` or
/// `<b>x</b>@example.com` are not), no hidden character, at most [`MAX_EMAIL_BYTES`].
/// Registration and invitations share it.
pub fn email_problem(email: &str) -> Option<String> {
    (email.len() > MAX_EMAIL_BYTES
        || email.contains(char::is_whitespace)
        || !crate::delivery::is_address(email)
        || spendlens_core::text::hidden_character(email).is_some())
    .then(|| "must be an e-mail address".to_owned())
}

/// What is wrong with a (trimmed) organisation name, if anything: 1 to
/// [`MAX_ORGANIZATION_CHARS`] characters without control or invisible formatting characters.
/// Registration and a new organisation share it.
pub fn organization_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("must not be empty".to_owned())
    } else if name.chars().count() > MAX_ORGANIZATION_CHARS {
        Some(format!(
            "must be at most {MAX_ORGANIZATION_CHARS} characters"
        ))
    } else {
        spendlens_core::text::check_name(name).err()
    }
}

/// Where the links of the messages point: the server's public address.
#[derive(Debug, Clone)]
pub struct Links {
    /// `https://spendlens.example.com`, without a trailing slash.
    pub base: String,
}

/// What a registration did.
#[derive(Debug)]
pub enum Registered {
    /// The instance had no user: the account exists and this session signs it in.
    SignedIn(Account, Session),
    /// A message went to the address (a link, or a notice that it is taken): the same answer
    /// either way.
    CheckYourEmail,
}

/// Registers `registration` from `client` (rate-limited per address, see [`AuthLimits`]): see
/// the module's note for the outcomes. A session, when one starts, lasts `lifetime`.
pub async fn register(
    ctx: &Context,
    limits: &AuthLimits,
    registration: Registration,
    client: Option<IpAddr>,
    links: &Links,
    lifetime: TimeDelta,
) -> Result<Registered, AccountError> {
    limiter::attempt_per_address(ctx, limiter::Kind::RegisterAddress, limits, client).await?;
    let email = registration.email.to_lowercase();
    let hash = hash_password(registration.password).await?;
    if !ctx.store.has_users().await? {
        match ctx
            .store
            .create_account(&email, &hash, &registration.organization_name, ctx.now())
            .await
        {
            Ok(principal) => {
                let session = start_session(ctx, &principal, lifetime).await?;
                return Ok(Registered::SignedIn(Account { principal, email }, session));
            }
            // Another first registration of the same address won the race: it is taken now.
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let base = links.base.trim_end_matches('/');
    // Taken: an account of this address exists, member of an organisation or not.
    if ctx.store.user_password(&email).await?.is_some() {
        let signin = format!("{base}/signin");
        mail::send(ctx, mail::taken(&email, &signin)).await?;
        return Ok(Registered::CheckYourEmail);
    }
    let token = new_secret("");
    let now = ctx.now();
    ctx.store
        .create_pending_registration(&PendingRegistration {
            token_hash: hash_secret(&token),
            email: email.clone(),
            password_hash: hash,
            organization_name: registration.organization_name,
            created_at: now,
            expires_at: now + TimeDelta::hours(LINK_HOURS),
            invitation_token_hash: None,
        })
        .await?;
    let link = mail::verify_link(base, &token);
    mail::send(ctx, mail::confirm(&email, &link, LINK_HOURS)).await?;
    Ok(Registered::CheckYourEmail)
}

/// The words for a registration link followed with another password than its own.
pub const NOT_ITS_PASSWORD: &str = "this is not the password the registration was made with: if \
     you did not register with this address, ignore the message (someone else typed it)";

/// Follows a registration's one-time link with the password the registration was made with:
/// creates the account and starts a session of `lifetime`. The link alone is not enough: anyone
/// may register someone else's address with a password of their own, and the owner of the
/// address who follows that link must not complete an account whose password another person
/// knows. An unknown, used or expired token, or an address that got its account meanwhile, is
/// [`AccountError::InvalidLink`]; another password is refused on `password` (the link stays
/// usable, its registration unchanged).
pub async fn verify(
    ctx: &Context,
    token: &str,
    password: SecretString,
    lifetime: TimeDelta,
) -> Result<(Account, Session), AccountError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(AccountError::InvalidLink);
    }
    let hash = hash_secret(token);
    let Some(pending) = ctx.store.pending_registration(&hash, ctx.now()).await? else {
        return Err(AccountError::InvalidLink);
    };
    let stored = pending.password_hash.clone();
    if !super::password::verify_password(password, Some(stored)).await? {
        return Err(AccountError::Invalid(vec![FieldError {
            field: "password",
            message: NOT_ITS_PASSWORD.to_owned(),
        }]));
    }
    // Made on an invitation's page: the account joins the invitation's organisation.
    if let Some(invitation) = &pending.invitation_token_hash {
        let joined =
            crate::members::invitations::complete_join(ctx, invitation, &pending.password_hash)
                .await
                .map_err(|e| match e {
                    crate::members::MemberError::Store(e) => AccountError::Store(e),
                    crate::members::MemberError::Internal(m) => AccountError::Internal(m),
                    // The invitation used, revoked, expired or no longer held, or the address taken.
                    _ => AccountError::InvalidLink,
                });
        // The link is used up whatever the invitation said (taken up, gone, address taken).
        ctx.store.delete_pending_registration(&hash).await?;
        let principal = joined?;
        let session = start_session(ctx, &principal, lifetime).await?;
        return Ok((
            Account {
                principal,
                email: pending.email,
            },
            session,
        ));
    }
    let created = match ctx.store.complete_registration(&hash, ctx.now()).await {
        Ok(Some(created)) => created,
        Ok(None) | Err(StoreError::Conflict(_)) => return Err(AccountError::InvalidLink),
        Err(e) => return Err(e.into()),
    };
    let (principal, email) = created;
    let session = start_session(ctx, &principal, lifetime).await?;
    Ok((Account { principal, email }, session))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(email: &str, password: &str, organization_name: &str) -> Register {
        Register {
            email: email.to_owned(),
            password: SecretString::from(password),
            organization_name: organization_name.to_owned(),
        }
    }

    fn fields(form: Register) -> Vec<&'static str> {
        Registration::try_from(form)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn registration_names_each_bad_field() {
        assert_eq!(
            fields(register("nope", "short", " ")),
            vec!["email", "password", "organization_name"]
        );
        assert!(fields(register(" ana@example.com ", "correct horse", " Acme ")).is_empty());
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            fields(register(&long, &"p1".repeat(513), &"o".repeat(201))),
            vec!["email", "password", "organization_name"]
        );
        assert_eq!(fields(register("@x", "ten chars!", "A")), vec!["email"]);
        assert_eq!(fields(register("a@", "ten chars!", "A")), vec!["email"]);
        assert_eq!(fields(register("a b@x", "ten chars!", "A")), vec!["email"]);
        for bad in [
            "\"x\"@evil.example>,<other@example.com",
            "<b>x</b>@example.com",
        ] {
            assert_eq!(
                fields(register(bad, "ten chars!", "A")),
                vec!["email"],
                "{bad}"
            );
        }
        assert_eq!(
            fields(register("a\u{202E}b@x", "ten chars!", "A")),
            vec!["email"]
        );
    }

    #[test]
    fn weak_passwords_and_hidden_characters_are_refused() {
        assert_eq!(
            fields(register("ana@example.com", "Password123", "Acme")),
            vec!["password"]
        );
        assert_eq!(
            fields(register("ana@example.com", "abcdefghijkl", "Acme")),
            vec!["password"]
        );
        for name in ["Acme\u{202E}gro", "Acme\u{2066}x", "Acme\u{200F}", "Ac\tme"] {
            assert_eq!(
                fields(register("ana@example.com", "correct horse", name)),
                vec!["organization_name"],
                "{name:?}"
            );
        }
    }

    #[test]
    fn a_registration_keeps_its_fields_trimmed() {
        let checked =
            Registration::try_from(register(" Ana@Example.com ", "correct horse", " Acme "))
                .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (checked.email.as_str(), checked.organization_name.as_str()),
            ("Ana@Example.com", "Acme")
        );
    }

    #[test]
    fn links_have_one_slash() {
        assert_eq!(
            mail::verify_link("https://s.example/", "abc"),
            "https://s.example/verify?token=abc"
        );
    }
}
