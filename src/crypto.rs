//! Token generation, token hashing and sealing of secrets at rest (AES-256-GCM).
//! The only module that touches key material; callers see opaque strings.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// SHA-256 of `data`, lowercase hex: how tokens are keyed in KV.
pub fn sha256_hex(data: &str) -> String {
    hex(&Sha256::digest(data.as_bytes()))
}

/// `bytes` as lowercase hex. From a table, not `format!` per byte: every MCP request
/// hashes its token at least twice.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Compare digests so the length of the secret does not leak either.
    Sha256::digest(a).ct_eq(&Sha256::digest(b)).into()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CryptoError(pub String);

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
    Ok(format!("{prefix}_{}", hex(&bytes)))
}

/// One AES-256-GCM key and its public id (the first 8 hex digits of a SHA-256 of the key,
/// so a sealed value says which key opens it without revealing anything about it).
#[derive(Clone)]
struct Key {
    cipher: Aes256Gcm,
    id: String,
}

impl Key {
    fn from_secret(secret: &str) -> Result<Key, CryptoError> {
        let secret = secret.trim();
        let bytes = if secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| {
                    secret
                        .get(2 * i..2 * i + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                })
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| CryptoError("CREDENTIALS_KEY is not valid hex".into()))?
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
        let cipher = Aes256Gcm::new_from_slice(&bytes)
            .map_err(|_| CryptoError("CREDENTIALS_KEY has the wrong length".into()))?;
        let mut labelled = b"snmcp sealing key id\n".to_vec();
        labelled.extend_from_slice(&bytes);
        let digest = Sha256::digest(&labelled);
        let id = hex(&digest[..4]);
        Ok(Key { cipher, id })
    }

    fn open(&self, raw: &[u8], context: &str) -> Option<String> {
        if raw.len() < 12 + 16 {
            return None;
        }
        let (nonce, ciphertext) = raw.split_at(12);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                aes_gcm::aead::Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

/// The AES-256-GCM key that seals credentials at rest, from the `CREDENTIALS_KEY`
/// secret (32 bytes, base64 or 64 hex characters), plus the key it replaced
/// (`CREDENTIALS_KEY_PREVIOUS`), which still opens values but never seals new ones.
#[derive(Clone)]
pub struct SealingKey {
    current: Key,
    previous: Option<Key>,
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

/// Values sealed before keys had ids: `v1.<base64url(nonce | ciphertext)>`.
const SEALED_V1: &str = "v1.";
/// `v2.<key id>.<base64url(nonce | ciphertext)>`.
const SEALED_V2: &str = "v2.";

impl SealingKey {
    pub fn from_secret(secret: &str) -> Result<Self, CryptoError> {
        Ok(SealingKey {
            current: Key::from_secret(secret)?,
            previous: None,
        })
    }

    /// The ids of the keys this opens with (current, then previous): tells two
    /// configurations apart without revealing anything about the keys.
    pub fn fingerprint(&self) -> String {
        match &self.previous {
            Some(previous) => format!("{}+{}", self.current.id, previous.id),
            None => self.current.id.clone(),
        }
    }

    /// Also opens values sealed under `previous` (a key being rotated out).
    pub fn with_previous(mut self, previous: &str) -> Result<Self, CryptoError> {
        let key = Key::from_secret(previous)
            .map_err(|e| CryptoError(e.0.replace("CREDENTIALS_KEY", "CREDENTIALS_KEY_PREVIOUS")))?;
        self.previous = Some(key);
        Ok(self)
    }

    /// Seals `plaintext` with the current key; `context` (e.g. the KV key) is bound as
    /// associated data so a sealed value copied under another key does not open.
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, CryptoError> {
        let nonce_bytes = random_bytes(12)?;
        let nonce = Nonce::from_slice(&nonce_bytes);
        let ciphertext = self
            .current
            .cipher
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
        Ok(format!(
            "{SEALED_V2}{}.{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(out)
        ))
    }

    /// Opens a value sealed by the current or the previous key (the id in a `v2` value
    /// picks the key; a `v1` value, from before ids, is tried with both).
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, CryptoError> {
        let bad = || CryptoError("sealed value cannot be opened with this CREDENTIALS_KEY".into());
        let keys = [Some(&self.current), self.previous.as_ref()];
        let (candidates, body): (Vec<&Key>, &str) =
            if let Some(rest) = sealed.strip_prefix(SEALED_V2) {
                let (id, body) = rest.split_once('.').ok_or_else(bad)?;
                (
                    keys.into_iter().flatten().filter(|k| k.id == id).collect(),
                    body,
                )
            } else if let Some(body) = sealed.strip_prefix(SEALED_V1) {
                (keys.into_iter().flatten().collect(), body)
            } else {
                return Err(bad());
            };
        let raw = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
        candidates
            .into_iter()
            .find_map(|key| key.open(&raw, context))
            .ok_or_else(bad)
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

    #[test]
    fn a_previous_key_opens_old_values_and_new_values_use_the_current_key() {
        let old = SealingKey::from_secret(KEY).unwrap();
        let other = KEY.replace("00", "ff");
        let v_old = old.seal("pw", "account:a").unwrap();
        let rotated = SealingKey::from_secret(&other)
            .unwrap()
            .with_previous(KEY)
            .unwrap();
        assert_eq!(rotated.open(&v_old, "account:a").unwrap(), "pw");
        let v_new = rotated.seal("pw", "account:a").unwrap();
        assert!(old.open(&v_new, "account:a").is_err());
        let current_only = SealingKey::from_secret(&other).unwrap();
        assert_eq!(current_only.open(&v_new, "account:a").unwrap(), "pw");
        assert!(current_only.open(&v_old, "account:a").is_err());
        assert!(v_new.starts_with("v2.") && v_new.split('.').nth(1).unwrap().len() == 8);
        assert!(SealingKey::from_secret(KEY)
            .unwrap()
            .with_previous("short")
            .is_err());
    }

    #[test]
    fn values_sealed_before_key_ids_still_open() {
        let key = SealingKey::from_secret(KEY).unwrap();
        let v2 = key.seal("pw", "ctx").unwrap();
        let body = v2.rsplit('.').next().unwrap();
        assert_eq!(key.open(&format!("v1.{body}"), "ctx").unwrap(), "pw");
        assert!(key.open("v3.x.y", "ctx").is_err());
        assert!(key.open("v2.é.y", "ctx").is_err());
    }
}
