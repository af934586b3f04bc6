//! Protection of ID numbers at rest (PIPL sensitive personal information):
//! AES-256-GCM encryption with the key id stored beside each value so keys can rotate,
//! and an HMAC-SHA256 keyed hash for uniqueness and exact search.
//!
//! Stored form: `v1:<key id>:<base64(nonce ‖ ciphertext)>`.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("encryption key must be base64 of 32 bytes")]
    BadKey,
    #[error("ciphertext is malformed")]
    Malformed,
    #[error("no key with id {0} is configured")]
    UnknownKey(String),
    #[error("ciphertext failed authentication")]
    Tampered,
}

struct Key {
    id: String,
    cipher: Aes256Gcm,
}

/// Encrypts and hashes ID numbers. `Debug` shows key ids only.
pub struct PiiCipher {
    current: Key,
    old: Vec<Key>,
    lookup: Hmac<Sha256>,
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiiCipher")
            .field("current_key_id", &self.current.id)
            .field(
                "old_key_ids",
                &self.old.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn decode_key(b64: &str) -> Result<[u8; 32], CryptoError> {
    STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
        .ok_or(CryptoError::BadKey)
}

fn key(bytes: [u8; 32]) -> Key {
    // The id is a fingerprint, not the key: 8 hex chars of SHA-256 over a label + key.
    let id = hex::encode(&Sha256::digest([b"gonghui-key-id:".as_slice(), &bytes].concat())[..4]);
    Key {
        id,
        cipher: Aes256Gcm::new(&bytes.into()),
    }
}

impl PiiCipher {
    /// `current` encrypts; `old` keys still decrypt values written before a rotation;
    /// `lookup` (default: the current key) keys the search hash and must never change
    /// once data exists, so rotate the encryption key but keep the lookup key.
    pub fn new(current: &str, old: &[String], lookup: Option<&str>) -> Result<Self, CryptoError> {
        let current_bytes = decode_key(current)?;
        let lookup_bytes = match lookup {
            Some(l) => decode_key(l)?,
            None => current_bytes,
        };
        // A derived key, so the same bytes never serve both AES and HMAC.
        let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(&lookup_bytes)
            .map_err(|_| CryptoError::BadKey)?;
        derive.update(b"gonghui:id-number-lookup:v1");
        let lookup_key = derive.finalize().into_bytes();
        Ok(Self {
            current: key(current_bytes),
            old: old
                .iter()
                .map(|k| decode_key(k).map(key))
                .collect::<Result<_, _>>()?,
            lookup: <Hmac<Sha256> as Mac>::new_from_slice(&lookup_key)
                .map_err(|_| CryptoError::BadKey)?,
        })
    }

    /// A fresh random key, base64: what the embedded mode writes on first start.
    pub fn generate_key() -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        STANDARD.encode(bytes)
    }

    pub fn encrypt(&self, plain: &str) -> String {
        let blob = self.seal(plain.as_bytes());
        format!("v1:{}:{}", self.current.id, STANDARD.encode(blob))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, CryptoError> {
        let mut parts = stored.splitn(3, ':');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CryptoError::Malformed);
        };
        let blob = STANDARD.decode(body).map_err(|_| CryptoError::Malformed)?;
        let plain = self.open(id, &blob)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed)
    }

    /// Encrypts a file (an uploaded roster holds ID numbers in clear) with the same keys
    /// as ID numbers. Stored form: `v1:<key id>:` then nonce ‖ ciphertext, raw bytes.
    pub fn encrypt_bytes(&self, plain: &[u8]) -> Vec<u8> {
        let mut out = format!("v1:{}:", self.current.id).into_bytes();
        out.extend_from_slice(&self.seal(plain));
        out
    }

    pub fn decrypt_bytes(&self, stored: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut parts = stored.splitn(3, |b| *b == b':');
        let (Some(b"v1"), Some(id), Some(blob)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CryptoError::Malformed);
        };
        let id = std::str::from_utf8(id).map_err(|_| CryptoError::Malformed)?;
        self.open(id, blob)
    }

    /// nonce ‖ AES-256-GCM ciphertext under the current key.
    fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .current
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain)
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        blob
    }

    /// Opens what `seal` made under the key with id `id` (current or old).
    fn open(&self, id: &str, blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = std::iter::once(&self.current)
            .chain(&self.old)
            .find(|k| k.id == id)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))?;
        if blob.len() < 12 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, sealed) = blob.split_at(12);
        key.cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| CryptoError::Tampered)
    }

    /// Keyed hash (hex) of a normalised ID number, for unique keys and exact search.
    pub fn lookup_hash(&self, normalised: &str) -> String {
        let mut mac = self.lookup.clone();
        mac.update(normalised.as_bytes());
        // Into a buffer, not `hex::encode`, which builds the text a char at a time (an
        // import hashes every row).
        let mut hex = [0u8; 64];
        hex::encode_to_slice(mac.finalize().into_bytes(), &mut hex)
            .expect("a SHA-256 MAC is 32 bytes");
        String::from_utf8_lossy(&hex).into_owned()
    }

    /// A key for another purpose (signing documents, dynamic voucher codes), derived
    /// from the lookup key, so it survives rotations of the encryption key like the
    /// lookup hash does. The prefix keeps it apart from every lookup hash (ID numbers
    /// hold only digits and X).
    pub fn subkey(&self, purpose: &str) -> [u8; 32] {
        let mut mac = self.lookup.clone();
        mac.update(b"gonghui:subkey:");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Whether a stored value was written with an old key (to re-encrypt later).
    pub fn needs_rotation(&self, stored: &str) -> bool {
        !stored.starts_with(&format!("v1:{}:", self.current.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> PiiCipher {
        PiiCipher::new(&PiiCipher::generate_key(), &[], None).expect("cipher")
    }

    #[test]
    fn round_trips_and_never_stores_the_plain_value() {
        let c = cipher();
        let stored = c.encrypt("11010519491231002X");
        assert!(!stored.contains("11010519491231002X"));
        assert_eq!(c.decrypt(&stored).expect("decrypt"), "11010519491231002X");
        // Random nonces: the same value encrypts differently each time.
        assert_ne!(stored, c.encrypt("11010519491231002X"));
    }

    #[test]
    fn files_round_trip_and_tampering_is_detected() {
        let c = cipher();
        let plain = b"PK\x03\x04 roster with 11010519491231002X".to_vec();
        let stored = c.encrypt_bytes(&plain);
        assert!(!stored.starts_with(b"PK"));
        assert!(!stored.windows(18).any(|w| w == b"11010519491231002X"));
        assert_eq!(c.decrypt_bytes(&stored).expect("decrypt"), plain);
        let mut tampered = stored.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(c.decrypt_bytes(&tampered), Err(CryptoError::Tampered));
        assert_eq!(c.decrypt_bytes(&plain), Err(CryptoError::Malformed));
    }

    #[test]
    fn tampering_is_detected() {
        let c = cipher();
        let stored = c.encrypt("440524188001010014");
        let mut bytes = stored.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).expect("ascii");
        assert!(c.decrypt(&tampered).is_err());
    }

    #[test]
    fn rotated_keys_still_decrypt_and_the_lookup_hash_survives_rotation() {
        let old_key = PiiCipher::generate_key();
        let before = PiiCipher::new(&old_key, &[], None).expect("cipher");
        let stored = before.encrypt("440524188001010014");
        let after = PiiCipher::new(
            &PiiCipher::generate_key(),
            std::slice::from_ref(&old_key),
            Some(&old_key),
        )
        .expect("cipher");
        assert_eq!(
            after.decrypt(&stored).expect("decrypt"),
            "440524188001010014"
        );
        assert!(after.needs_rotation(&stored));
        assert_eq!(before.lookup_hash("X1"), after.lookup_hash("X1"));
        let stranger = cipher();
        assert!(matches!(
            stranger.decrypt(&stored),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn lookup_hashes_differ_by_value_and_by_key() {
        let a = cipher();
        let b = cipher();
        assert_eq!(a.lookup_hash("1"), a.lookup_hash("1"));
        assert_ne!(a.lookup_hash("1"), a.lookup_hash("2"));
        assert_ne!(a.lookup_hash("1"), b.lookup_hash("1"));
        assert_eq!(a.lookup_hash("1").len(), 64);
        // The stored hashes are lowercase hex of the MAC.
        let mut mac = a.lookup.clone();
        mac.update(b"1");
        assert_eq!(a.lookup_hash("1"), hex::encode(mac.finalize().into_bytes()));
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(PiiCipher::new("c2hvcnQ=", &[], None).is_err());
        assert!(PiiCipher::new("not base64!", &[], None).is_err());
    }
}
