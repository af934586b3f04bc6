//! Password hashing (argon2id) and the password policy shared by every account kind.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{ApiError, ApiResult};

/// The initial password of every account an admin creates; it must be changed at first login.
pub const INITIAL_PASSWORD: &str = "gh123456";

/// Hashes on a blocking thread: argon2 is deliberately slow and must not stall the
/// async runtime.
pub async fn hash(password: &str) -> ApiResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
}

fn hash_blocking(password: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("argon2: {e}")))
}

/// Verifies a password against a stored hash. With `None` (unknown account) it still
/// spends the time of one verification, so response times do not reveal which
/// usernames exist.
pub async fn verify(password: &str, stored: Option<String>) -> ApiResult<bool> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let decoy = stored.is_none();
        let stored = stored.unwrap_or_else(|| decoy_hash().to_owned());
        let ok = PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && !decoy
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))
}

fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_blocking("decoy-password-1").unwrap_or_default())
}

/// The policy for a new password: 8 to 64 characters, letters and digits, and not the
/// initial password.
pub fn check_policy(new_password: &str) -> ApiResult<()> {
    let len = new_password.chars().count();
    if !(8..=64).contains(&len) {
        return Err(ApiError::validation("新密码长度应为8至64位"));
    }
    let has_letter = new_password.chars().any(|c| c.is_ascii_alphabetic());
    let has_digit = new_password.chars().any(|c| c.is_ascii_digit());
    if !has_letter || !has_digit {
        return Err(ApiError::validation("新密码须同时包含字母和数字"));
    }
    if new_password == INITIAL_PASSWORD {
        return Err(ApiError::validation("新密码不能与初始密码相同"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_short_letterless_digitless_and_initial_passwords() {
        assert!(check_policy("abc123").is_err());
        assert!(check_policy("abcdefgh").is_err());
        assert!(check_policy("12345678").is_err());
        assert!(check_policy(INITIAL_PASSWORD).is_err());
        assert!(check_policy("Union2026ok").is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let stored = hash("Union2026ok").await.expect("hash");
        assert!(
            verify("Union2026ok", Some(stored.clone()))
                .await
                .expect("verify")
        );
        assert!(!verify("Union2026no", Some(stored)).await.expect("verify"));
        assert!(!verify("Union2026ok", None).await.expect("verify"));
    }
}
