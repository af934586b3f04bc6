//! Loading the ID-number cipher: from `ENCRYPTION_KEY`, or in the embedded mode from a
//! key file generated once in the data dir (readable by the owner only).

use std::path::Path;

use entity::crypto::PiiCipher;
use secrecy::ExposeSecret;

use crate::settings::Settings;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("ENCRYPTION_KEY is required with PostgreSQL")]
    Missing,
    #[error("invalid encryption key: {0}")]
    Invalid(#[from] entity::crypto::CryptoError),
    #[error("key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

pub fn load_cipher(settings: &Settings) -> Result<PiiCipher, KeyError> {
    let current = match &settings.encryption_key {
        Some(key) => key.expose_secret().to_owned(),
        None if settings.is_sqlite() => key_file(&settings.data_dir.join("encryption.key"))?,
        None => return Err(KeyError::Missing),
    };
    let old: Vec<String> = settings
        .encryption_old_keys
        .as_ref()
        .map(|keys| {
            keys.expose_secret()
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let lookup = settings
        .lookup_key
        .as_ref()
        .map(|k| k.expose_secret().to_owned());
    Ok(PiiCipher::new(&current, &old, lookup.as_deref())?)
}

/// Reads the key file, creating it with a fresh key on first start.
fn key_file(path: &Path) -> Result<String, KeyError> {
    let err = |source| KeyError::File {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(key) => Ok(key.trim().to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(err)?;
            }
            let key = PiiCipher::generate_key();
            write_private(path, &key).map_err(err)?;
            tracing::warn!(path = %path.display(), "generated a new encryption key; back it up with the database");
            Ok(key)
        }
        Err(e) => Err(err(e)),
    }
}

/// Writes a file only its owner can read (0600), replacing an earlier one (for files
/// that may be rewritten, like the bootstrap admin's one-time password; never the key).
pub fn replace_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    write_private(path, contents)
}

/// Creates a file only its owner can read (0600); fails if it exists.
#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_key_is_generated_once_and_reused() {
        let dir = tempfile::tempdir().expect("dir");
        let settings = Settings::embedded(dir.path());
        let first = load_cipher(&settings).expect("cipher");
        let stored = first.encrypt("440524188001010014");
        let second = load_cipher(&settings).expect("cipher");
        assert_eq!(
            second.decrypt(&stored).expect("same key"),
            "440524188001010014"
        );
    }
}
