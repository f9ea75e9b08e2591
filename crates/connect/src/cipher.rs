//! Tokens encrypted at rest: AES-256-GCM with a key from configuration.

use std::fmt;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The current blob version.
const VERSION: u8 = 1;
const TAG_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// Why a key was refused or a blob could not be opened. Never holds key or plaintext material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    #[error("no token encryption key is configured; refusing to store tokens unencrypted")]
    MissingKey,
    #[error("the token encryption key must be 32 bytes as base64 or hex (got {0} bytes)")]
    KeyLength(usize),
    #[error("the token encryption key is neither base64 nor hex")]
    KeyEncoding,
    #[error(
        "the token encryption key is too weak (repeated or low-entropy bytes); generate 32 random bytes"
    )]
    WeakKey,
    #[error("the sealed token is malformed: {0}")]
    Malformed(&'static str),
    #[error("the sealed token has unsupported version {0}")]
    UnsupportedVersion(u64),
    #[error("the sealed token could not be decrypted (wrong key or tampered data)")]
    Decrypt,
    #[error("the token could not be encrypted")]
    Encrypt,
}

/// Encrypts OAuth tokens and client secrets for storage, and decrypts them again.
///
/// The stored form is a versioned JSON blob `{"v":1,"iv":…,"tag":…,"data":…}` with base64url
/// fields, the layout the original application used, so existing rows stay readable. Every seal
/// draws a fresh random 96-bit nonce from the OS. The key comes from configuration only: there is
/// deliberately no derived or built-in fallback key (the original fell back to a hard-coded dev
/// key), so a deployment without a key fails at start-up instead of "encrypting" with a public one.
#[derive(Clone)]
pub struct TokenCipher {
    cipher: Aes256Gcm,
}

impl fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCipher([REDACTED])")
    }
}

#[derive(Serialize, Deserialize)]
struct Blob {
    v: u64,
    iv: String,
    tag: String,
    data: String,
}

impl TokenCipher {
    /// A cipher from the configured key: exactly 32 bytes written as 64 hex digits or as base64
    /// (standard or URL-safe, padded or not).
    ///
    /// Refuses a missing or empty key, any other length, and keys that are obviously not random
    /// (fewer than 8 distinct byte values, as in all zeros or a repeated pattern); a passphrase is
    /// not hashed into a key because that hides a weak secret behind a strong-looking one.
    pub fn from_config(key: Option<&SecretString>) -> Result<Self, CipherError> {
        let text = key.map(|k| k.expose_secret().trim()).unwrap_or_default();
        if text.is_empty() {
            return Err(CipherError::MissingKey);
        }
        let bytes = decode_key(text)?;
        if bytes.len() != 32 {
            return Err(CipherError::KeyLength(bytes.len()));
        }
        let mut distinct: Vec<u8> = bytes.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 8 {
            return Err(CipherError::WeakKey);
        }
        let key = Key::<Aes256Gcm>::from_slice(&bytes);
        Ok(TokenCipher {
            cipher: Aes256Gcm::new(key),
        })
    }

    /// Encrypt `secret` into a storable blob.
    pub fn seal(&self, secret: &SecretString) -> Result<String, CipherError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut sealed = self
            .cipher
            .encrypt(&nonce, secret.expose_secret().as_bytes())
            .map_err(|_| CipherError::Encrypt)?;
        let tag = sealed.split_off(sealed.len() - TAG_LEN);
        let blob = Blob {
            v: u64::from(VERSION),
            iv: URL_SAFE_NO_PAD.encode(nonce),
            tag: URL_SAFE_NO_PAD.encode(tag),
            data: URL_SAFE_NO_PAD.encode(sealed),
        };
        serde_json::to_string(&blob).map_err(|_| CipherError::Encrypt)
    }

    /// Decrypt a blob made by [`TokenCipher::seal`] with the same key.
    pub fn open(&self, blob: &str) -> Result<SecretString, CipherError> {
        let blob: Blob =
            serde_json::from_str(blob).map_err(|_| CipherError::Malformed("not a sealed token"))?;
        if blob.v != u64::from(VERSION) {
            return Err(CipherError::UnsupportedVersion(blob.v));
        }
        let iv = decode_field(&blob.iv, "iv")?;
        let tag = decode_field(&blob.tag, "tag")?;
        let mut data = decode_field(&blob.data, "data")?;
        if iv.len() != NONCE_LEN {
            return Err(CipherError::Malformed("iv must be 12 bytes"));
        }
        if tag.len() != TAG_LEN {
            return Err(CipherError::Malformed("tag must be 16 bytes"));
        }
        data.extend_from_slice(&tag);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(&iv), data.as_slice())
            .map_err(|_| CipherError::Decrypt)?;
        let text = String::from_utf8(plain).map_err(|_| CipherError::Decrypt)?;
        Ok(SecretString::from(text))
    }
}

fn decode_key(text: &str) -> Result<Vec<u8>, CipherError> {
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(text).map_err(|_| CipherError::KeyEncoding);
    }
    let unpadded = text.trim_end_matches('=');
    let normalised: String = unpadded
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let padded = format!("{normalised}{}", "=".repeat((4 - normalised.len() % 4) % 4));
    STANDARD
        .decode(padded)
        .map_err(|_| CipherError::KeyEncoding)
}

fn decode_field(text: &str, name: &'static str) -> Result<Vec<u8>, CipherError> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| CipherError::Malformed(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn key(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    fn cipher() -> TokenCipher {
        TokenCipher::from_config(Some(&key(HEX_KEY))).expect("valid key")
    }

    #[test]
    fn seal_then_open_round_trips_with_fresh_nonces() {
        let c = cipher();
        let token = key("AQV-secret-access-token");
        let a = c.seal(&token).expect("seal");
        let b = c.seal(&token).expect("seal");
        assert_ne!(a, b, "a fresh nonce per seal");
        assert!(!a.contains("AQV"), "no plaintext in the blob");
        assert!(a.starts_with(r#"{"v":1,"iv":""#), "{a}");
        assert_eq!(
            c.open(&a).expect("open").expose_secret(),
            "AQV-secret-access-token"
        );
    }

    #[test]
    fn base64_and_hex_forms_of_one_key_agree() {
        let bytes = hex::decode(HEX_KEY).expect("hex");
        let forms = [
            STANDARD.encode(&bytes),
            URL_SAFE_NO_PAD.encode(&bytes),
            HEX_KEY.to_uppercase(),
        ];
        let blob = cipher().seal(&key("t")).expect("seal");
        for form in forms {
            let c = TokenCipher::from_config(Some(&key(&form))).expect("valid form");
            assert_eq!(c.open(&blob).expect("open").expose_secret(), "t", "{form}");
        }
    }

    #[test]
    fn weak_missing_and_malformed_keys_are_refused() {
        assert_eq!(
            TokenCipher::from_config(None).err(),
            Some(CipherError::MissingKey)
        );
        assert_eq!(
            TokenCipher::from_config(Some(&key("  "))).err(),
            Some(CipherError::MissingKey)
        );
        let zeros = "0".repeat(64);
        assert_eq!(
            TokenCipher::from_config(Some(&key(&zeros))).err(),
            Some(CipherError::WeakKey)
        );
        let pattern = "ab01".repeat(16);
        assert_eq!(
            TokenCipher::from_config(Some(&key(&pattern))).err(),
            Some(CipherError::WeakKey)
        );
        assert_eq!(
            TokenCipher::from_config(Some(&key("c2hvcnQ="))).err(),
            Some(CipherError::KeyLength(5))
        );
        assert_eq!(
            TokenCipher::from_config(Some(&key("not a key!"))).err(),
            Some(CipherError::KeyEncoding)
        );
    }

    #[test]
    fn tampering_wrong_key_and_versions_are_detected() {
        let c = cipher();
        let blob = c.seal(&key("refresh-token")).expect("seal");
        let mut parsed: Blob = serde_json::from_str(&blob).expect("json");
        let mut data = URL_SAFE_NO_PAD.decode(&parsed.data).expect("b64");
        data[0] ^= 1;
        parsed.data = URL_SAFE_NO_PAD.encode(data);
        let tampered = serde_json::to_string(&parsed).expect("json");
        assert_eq!(c.open(&tampered).err(), Some(CipherError::Decrypt));

        let other_key = format!("ff{}", &HEX_KEY[2..]);
        let other = TokenCipher::from_config(Some(&key(&other_key))).expect("valid key");
        assert_eq!(other.open(&blob).err(), Some(CipherError::Decrypt));

        let v2 = blob.replacen(r#""v":1"#, r#""v":2"#, 1);
        assert_eq!(c.open(&v2).err(), Some(CipherError::UnsupportedVersion(2)));
        assert!(matches!(
            c.open("plain-token"),
            Err(CipherError::Malformed(_))
        ));
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", cipher()), "TokenCipher([REDACTED])");
    }
}
