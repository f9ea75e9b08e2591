//! Passwords: the strength rule a new one must keep ([`password_problem`]), and hashing with
//! argon2id and the crate's default parameters, on a blocking thread (a hash takes tens of
//! milliseconds of CPU, which must not stall the async workers).
//!
//! The strength rule refuses what a guesser tries first, not what merely looks simple: a
//! password of [`MIN_PASSWORD_CHARS`] characters or more, of at least two kinds of character
//! (lower case, upper case, digits, anything else), not one of the few hundred most common
//! passwords (`common-passwords.txt`, compared case-insensitively), and not containing the
//! e-mail address's name. Rejected alternative: an entropy estimator (zxcvbn) whose verdicts a
//! user cannot predict from a one-line hint.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

use super::{AccountError, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};

/// The deny-list, one password a line (`#` starts a comment line), lower case.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// The shortest e-mail name (the part before the `@`) checked against the password: a shorter
/// one (`al@…`) occurs inside ordinary words and says nothing.
const MIN_CHECKED_NAME_CHARS: usize = 4;

/// Why `password` is not acceptable for the account of `email`, as the message shown under the
/// password field; `None` when it is.
pub fn password_problem(password: &str, email: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Some(format!("must be at most {MAX_PASSWORD_BYTES} bytes"));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(lower.as_str()) {
        return Some("is one of the most common passwords: choose another".to_owned());
    }
    let kinds = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(char::is_numeric),
        password
            .chars()
            .any(|c| !c.is_lowercase() && !c.is_uppercase() && !c.is_numeric()),
    ];
    if kinds.into_iter().filter(|k| *k).count() < 2 {
        return Some(
            "must mix at least two kinds of character (lower case, upper case, digits, \
             symbols or spaces)"
                .to_owned(),
        );
    }
    let name = email
        .trim()
        .rsplit_once('@')
        .map_or("", |(name, _)| name)
        .to_lowercase();
    if name.chars().count() >= MIN_CHECKED_NAME_CHARS && lower.contains(&name) {
        return Some("must not contain your e-mail address".to_owned());
    }
    None
}

/// A valid argon2 hash of a random password, verified against when the e-mail is unknown so
/// that an unknown address takes as long as a wrong password (no account enumeration by timing).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c3BlbmRsZW5zZHVtbXk$Hn3/uuw1JqsCDuAzvS0E1iMyQTExpg6dyXXWH3oIMs8";

/// Hashes a password with argon2id on a blocking thread: the stored form of a password (a PHC
/// string with its salt and parameters).
pub async fn hash_password(password: SecretString) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AccountError::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| AccountError::Internal(e.to_string()))?
}

/// Whether `password` matches `hash`; without a hash (an unknown e-mail) the dummy hash is
/// verified all the same and the answer is `false`.
pub(super) async fn verify_password(
    password: SecretString,
    hash: Option<String>,
) -> Result<bool, AccountError> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && known
    })
    .await
    .map_err(|e| AccountError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let problem = |p: &str| password_problem(p, "ana.lopez@example.com");
        assert_eq!(problem("correct horse battery"), None);
        assert_eq!(problem("Tr0ub4dor&3x"), None);
        assert!(problem("short1!").is_some_and(|m| m.contains("at least 10")));
        assert!(problem(&"a1".repeat(513)).is_some_and(|m| m.contains("1024 bytes")));
        for common in [
            "password123",
            "PASSWORD123",
            "Qwertyuiop",
            "1234567890",
            "iloveyou123",
        ] {
            assert!(
                problem(common).is_some_and(|m| m.contains("most common")),
                "{common}"
            );
        }
        for one_kind in [
            "abcdefghijkl",
            "ABCDEFGHIJKL",
            "98237461920348",
            "!@#$%^&*()_+",
        ] {
            assert!(
                problem(one_kind).is_some_and(|m| m.contains("two kinds")),
                "{one_kind}"
            );
        }
        assert!(problem("ana.lopez@example.com").is_some_and(|m| m.contains("e-mail")));
        assert!(problem("my Ana.Lopez 2026").is_some_and(|m| m.contains("e-mail")));
        // A short name says nothing: `al` is in many words.
        assert_eq!(password_problem("fall colours 26", "al@example.com"), None);
    }

    #[test]
    fn the_deny_list_is_loaded_and_long_enough_to_matter() {
        assert!(COMMON.len() >= 300, "{}", COMMON.len());
        assert!(
            COMMON
                .iter()
                .filter(|p| p.chars().count() >= MIN_PASSWORD_CHARS)
                .count()
                >= 300
        );
        assert!(COMMON.iter().all(|p| *p == p.to_lowercase()));
    }

    #[test]
    fn the_dummy_hash_is_a_valid_argon2_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password(SecretString::from("correct horse battery"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let verify = |p: &str, h: Option<String>| verify_password(SecretString::from(p), h);
        assert!(matches!(
            verify("correct horse battery", Some(hash.clone())).await,
            Ok(true)
        ));
        assert!(matches!(verify("wrong horse", Some(hash)).await, Ok(false)));
        assert!(matches!(
            verify("correct horse battery", None).await,
            Ok(false)
        ));
    }
}
