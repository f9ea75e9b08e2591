//! Password hashing: argon2id with the crate's default parameters, on a blocking thread (a hash
//! takes tens of milliseconds of CPU, which must not stall the async workers).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

use super::AccountError;

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
