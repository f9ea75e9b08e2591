//! The random secrets spendlens hands out (sessions, API tokens) and their stored form.
//!
//! A secret is shown to its holder once; the database keeps only its SHA-256, so a leaked
//! database holds no usable credential, and a lookup hashes what the client presents.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random secret: 32 bytes (256 bits), hex, behind a prefix that says what it is (`sl_`
/// for API tokens, none for session cookies).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The stored form of a secret: its SHA-256, hex. A plain hash suffices (unlike a password's):
/// the secret is 256 random bits, so there is nothing to guess.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret("sl_");
        assert!(a.starts_with("sl_") && a.len() == 67);
        assert_ne!(a, new_secret("sl_"));
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
