//! Encryption of stored credentials (kubeconfigs) with AES-256-GCM.
//!
//! Each sealed value is `v1:<key id>:<base64(nonce || ciphertext+tag)>`. The key id says which key of the
//! [`KeyRing`] sealed it, so keys can be rotated while old rows still open. The associated data binds the
//! ciphertext to its row (for a cluster, `cluster:<id>`): a ciphertext copied into another row fails to open.

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Why a credential could not be sealed or opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    /// The sealed value is not in the `v1:<key id>:<base64>` form.
    #[error("stored credential is malformed")]
    Malformed,
    /// The key that sealed the value is not in the key ring (was it removed after a rotation?).
    #[error("stored credential was sealed with key '{0}', which this server does not have")]
    UnknownKey(String),
    /// Authentication failed: wrong key, tampered data, or a value moved to another row.
    #[error("stored credential failed to decrypt (wrong key, tampered, or moved between rows)")]
    Decrypt,
    /// A key file is not 32 bytes of hex or base64.
    #[error("encryption key is invalid: {0}")]
    BadKey(String),
}

/// One AES-256 key and its id (the first 8 hex digits of its SHA-256, so the id never reveals the key).
#[derive(Clone)]
pub struct CredentialKey {
    id: String,
    key: Key<Aes256Gcm>,
}

impl std::fmt::Debug for CredentialKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl CredentialKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self::from_bytes(&Key::<Aes256Gcm>::generate()).expect("32 random bytes")
    }

    /// A key from exactly 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        if bytes.len() != 32 {
            return Err(CredentialError::BadKey(format!(
                "expected 32 bytes, got {}",
                bytes.len()
            )));
        }
        let key = Key::<Aes256Gcm>::try_from(bytes)
            .map_err(|_| CredentialError::BadKey("length".into()))?;
        let id = hex::encode(&Sha256::digest(bytes)[..4]);
        Ok(Self { id, key })
    }

    /// Parses the text form kept in key files: 64 hex digits, or base64 of 32 bytes. Whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, CredentialError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|e| CredentialError::BadKey(e.to_string()))?
        } else {
            B64.decode(text)
                .map_err(|_| CredentialError::BadKey("not 64 hex digits or base64".into()))?
        };
        Self::from_bytes(&bytes)
    }

    /// The text form for key files (64 hex digits).
    pub fn to_text(&self) -> String {
        hex::encode(self.key.as_slice())
    }

    /// The key's id, stored beside each ciphertext.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The keys a server can open credentials with; exactly one of them seals new values.
#[derive(Clone, Debug)]
pub struct KeyRing {
    active: String,
    keys: BTreeMap<String, CredentialKey>,
}

impl KeyRing {
    /// A ring whose active (sealing) key is `active`; `older` keys only open existing values.
    pub fn new(active: CredentialKey, older: impl IntoIterator<Item = CredentialKey>) -> Self {
        let mut keys: BTreeMap<_, _> = older.into_iter().map(|k| (k.id.clone(), k)).collect();
        let active_id = active.id.clone();
        keys.insert(active_id.clone(), active);
        Self {
            active: active_id,
            keys,
        }
    }

    /// The id of the key that seals new values.
    pub fn active_key_id(&self) -> &str {
        &self.active
    }

    /// Seals `plaintext`, binding it to `row` (associated data).
    pub fn seal(&self, plaintext: &[u8], row: &str) -> String {
        let key = &self.keys[&self.active];
        let cipher = Aes256Gcm::new(&key.key);
        let nonce = Nonce::generate();
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: row.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        format!("v1:{}:{}", key.id, B64.encode(blob))
    }

    /// The id of the key that sealed `sealed`, if it is well formed.
    pub fn key_id_of(sealed: &str) -> Option<&str> {
        let mut parts = sealed.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("v1"), Some(id), Some(_)) => Some(id),
            _ => None,
        }
    }

    /// Opens a value sealed for `row`.
    pub fn open(&self, sealed: &str, row: &str) -> Result<Vec<u8>, CredentialError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some("v1"), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CredentialError::Malformed);
        };
        let key = self
            .keys
            .get(id)
            .ok_or_else(|| CredentialError::UnknownKey(id.to_string()))?;
        let blob = B64.decode(data).map_err(|_| CredentialError::Malformed)?;
        if blob.len() < 12 + 16 {
            return Err(CredentialError::Malformed);
        }
        let (nonce, ciphertext) = blob.split_at(12);
        let nonce = Nonce::try_from(nonce).map_err(|_| CredentialError::Malformed)?;
        Aes256Gcm::new(&key.key)
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: row.as_bytes(),
                },
            )
            .map_err(|_| CredentialError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_value_opens_only_for_its_row() {
        let ring = KeyRing::new(CredentialKey::generate(), []);
        let sealed = ring.seal(b"apiVersion: v1\nkind: Config", "cluster:1");
        assert!(!sealed.contains("apiVersion"));
        assert_eq!(
            ring.open(&sealed, "cluster:1").unwrap(),
            b"apiVersion: v1\nkind: Config"
        );
        assert_eq!(
            ring.open(&sealed, "cluster:2"),
            Err(CredentialError::Decrypt)
        );
    }

    #[test]
    fn two_seals_of_the_same_text_differ() {
        let ring = KeyRing::new(CredentialKey::generate(), []);
        assert_ne!(ring.seal(b"x", "r"), ring.seal(b"x", "r"));
    }

    #[test]
    fn rotated_ring_opens_old_values_and_seals_with_the_new_key() {
        let old = CredentialKey::generate();
        let old_ring = KeyRing::new(old.clone(), []);
        let sealed = old_ring.seal(b"secret", "cluster:7");
        let new = CredentialKey::generate();
        let ring = KeyRing::new(new.clone(), [old.clone()]);
        assert_eq!(ring.open(&sealed, "cluster:7").unwrap(), b"secret");
        let resealed = ring.seal(b"secret", "cluster:7");
        assert_eq!(KeyRing::key_id_of(&resealed), Some(new.id()));
        let only_new = KeyRing::new(new, []);
        assert_eq!(
            only_new.open(&sealed, "cluster:7"),
            Err(CredentialError::UnknownKey(old.id().to_string()))
        );
    }

    #[test]
    fn tampering_is_detected() {
        let ring = KeyRing::new(CredentialKey::generate(), []);
        let sealed = ring.seal(b"secret", "r");
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(ring.open(&tampered, "r").is_err());
        assert_eq!(ring.open("garbage", "r"), Err(CredentialError::Malformed));
    }

    #[test]
    fn key_text_round_trips_and_bad_keys_are_refused() {
        let key = CredentialKey::generate();
        let parsed = CredentialKey::parse(&format!("  {}\n", key.to_text())).unwrap();
        assert_eq!(parsed.id(), key.id());
        assert!(CredentialKey::parse("abcd").is_err());
    }
}
