//! Token generation, token hashing and sealing of secrets at rest (AES-256-GCM).
//! The only module that touches key material; callers see opaque strings.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::fmt;

/// SHA-256 of `data`, lowercase hex: how tokens are keyed in KV.
pub fn sha256_hex(data: &str) -> String {
    let digest = Sha256::digest(data.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Compare digests so the length of the secret does not leak either.
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    da.iter()
        .zip(db.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoError(pub String);

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `n` random bytes from the platform CSPRNG (crypto.getRandomValues on Workers).
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| CryptoError(format!("no randomness available: {e}")))?;
    Ok(buf)
}

/// A secret URL token: 32 random bytes, base64url without padding (43 characters).
pub fn new_token() -> Result<String, CryptoError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes(32)?))
}

/// A short random identifier with a prefix, e.g. `mcp_3f9a...` (not a secret).
pub fn new_id(prefix: &str) -> Result<String, CryptoError> {
    let bytes = random_bytes(10)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}_{hex}"))
}

/// The AES-256-GCM key that seals credentials at rest, from the `CREDENTIALS_KEY`
/// secret (32 bytes, base64 or 64 hex characters).
#[derive(Clone)]
pub struct SealingKey(Aes256Gcm);

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

const SEALED_PREFIX: &str = "v1.";

impl SealingKey {
    pub fn from_secret(secret: &str) -> Result<Self, CryptoError> {
        let secret = secret.trim();
        let bytes = if secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&secret[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| CryptoError("CREDENTIALS_KEY is not valid hex".into()))?
        } else {
            STANDARD
                .decode(secret)
                .or_else(|_| URL_SAFE_NO_PAD.decode(secret))
                .map_err(|_| {
                    CryptoError(
                        "CREDENTIALS_KEY must be 32 bytes as base64 or 64 hex characters".into(),
                    )
                })?
        };
        if bytes.len() != 32 {
            return Err(CryptoError(format!(
                "CREDENTIALS_KEY must decode to 32 bytes, got {}",
                bytes.len()
            )));
        }
        Aes256Gcm::new_from_slice(&bytes)
            .map(SealingKey)
            .map_err(|_| CryptoError("CREDENTIALS_KEY has the wrong length".into()))
    }

    /// Seals `plaintext`; `context` (e.g. the KV key) is bound as associated data so a
    /// sealed value copied under another key does not open.
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, CryptoError> {
        let nonce_bytes = random_bytes(12)?;
        let nonce = Nonce::from_slice(&nonce_bytes);
        let ciphertext = self
            .0
            .encrypt(
                nonce,
                aes_gcm::aead::Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError("sealing failed".into()))?;
        let mut out = nonce_bytes;
        out.extend_from_slice(&ciphertext);
        Ok(format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<String, CryptoError> {
        let bad = || CryptoError("sealed value cannot be opened with this CREDENTIALS_KEY".into());
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or_else(bad)?;
        let raw = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
        if raw.len() < 12 + 16 {
            return Err(bad());
        }
        let (nonce, ciphertext) = raw.split_at(12);
        let plain = self
            .0
            .decrypt(
                Nonce::from_slice(nonce),
                aes_gcm::aead::Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn sha256_hex_matches_the_known_vector() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn tokens_are_43_url_safe_characters_and_differ() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a, b);
    }

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let key = SealingKey::from_secret(KEY).unwrap();
        let sealed = key.seal("hunter2", "account:demo").unwrap();
        assert!(!sealed.contains("hunter2"));
        assert_eq!(key.open(&sealed, "account:demo").unwrap(), "hunter2");
        assert!(key.open(&sealed, "account:other").is_err());
        let other = SealingKey::from_secret(&KEY.replace("00", "ff")).unwrap();
        assert!(other.open(&sealed, "account:demo").is_err());
        assert_ne!(sealed, key.seal("hunter2", "account:demo").unwrap());
    }

    #[test]
    fn sealing_key_accepts_base64_and_rejects_short_keys() {
        assert!(SealingKey::from_secret(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(SealingKey::from_secret(&STANDARD.encode([7u8; 16])).is_err());
        assert!(SealingKey::from_secret("not a key").is_err());
    }

    #[test]
    fn constant_time_eq_compares_content() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
    }
}
