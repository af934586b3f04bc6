//! Password hashing (argon2id), the one-time initial passwords of admin-created accounts,
//! and the password policy shared by every account kind.
//!
//! Argon2 is deliberately slow (tens of milliseconds and 19 MiB per hash), so hashing
//! runs behind a gate with one permit per CPU: a burst of log-ins waits its turn instead
//! of filling tokio's blocking pool and starving everything else.

use std::sync::OnceLock;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult, ErrorCode};

/// How long a one-time initial password may be used for the first log-in.
pub const INITIAL_PASSWORD_TTL_HOURS: i64 = 72;

/// Length of a one-time initial password.
pub const INITIAL_PASSWORD_LEN: usize = 12;

/// Letters and digits without look-alikes (0/O/o, 1/l/I): easy to read out and type.
const INITIAL_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";

/// How long a hash waits for a free CPU before the request is refused as busy.
const HASH_WAIT: Duration = Duration::from_secs(10);

/// What a log-in refused as busy is told: the queue of hashes behind the gate was ten
/// seconds long, so come back in a few.
const HASH_RETRY_AFTER_SECONDS: i64 = 5;

/// Runs argon2 on at most `permits` blocking threads at once.
struct HashGate {
    permits: Semaphore,
    size: usize,
    wait: Duration,
}

impl HashGate {
    fn new(size: usize, wait: Duration) -> Self {
        Self {
            permits: Semaphore::new(size),
            size,
            wait,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _permit = tokio::time::timeout(self.wait, self.permits.acquire())
            .await
            .map_err(|_| ApiError::Busy {
                retry_after_seconds: HASH_RETRY_AFTER_SECONDS,
            })?
            .map_err(|e| ApiError::Internal(e.into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::Internal(e.into()))
    }
}

/// The process's gate: one permit per CPU.
fn gate() -> &'static HashGate {
    static GATE: OnceLock<HashGate> = OnceLock::new();
    GATE.get_or_init(|| {
        HashGate::new(
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            HASH_WAIT,
        )
    })
}

/// How many hashes may run at once (one per CPU).
pub fn hashing_permits() -> usize {
    gate().size
}

/// Hashes a password (behind the gate, on a blocking thread).
pub async fn hash(password: &str) -> ApiResult<String> {
    let password = password.to_owned();
    gate().run(move || hash_blocking(&password)).await?
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
    gate()
        .run(move || {
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
}

fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_blocking("decoy-password-1").unwrap_or_default())
}

/// A one-time initial password as it is handed out: the clear text (shown once, never
/// stored), its hash and until when it works.
pub struct InitialPassword {
    pub clear: String,
    pub hash: String,
    pub expires_at: DateTime<Utc>,
}

impl InitialPassword {
    /// A fresh random one, valid for [`INITIAL_PASSWORD_TTL_HOURS`] from `now`.
    pub async fn generate(now: DateTime<Utc>) -> ApiResult<Self> {
        Self::from_clear(random_initial()?, now).await
    }

    /// One the operator chose (`BOOTSTRAP_ADMIN_PASSWORD`).
    pub async fn from_clear(clear: String, now: DateTime<Utc>) -> ApiResult<Self> {
        Ok(Self {
            hash: hash(&clear).await?,
            clear,
            expires_at: now + chrono::Duration::hours(INITIAL_PASSWORD_TTL_HOURS),
        })
    }
}

/// [`INITIAL_PASSWORD_LEN`] characters of [`INITIAL_ALPHABET`] with at least one
/// letter and one digit, from a CSPRNG seeded by the operating system.
fn random_initial() -> ApiResult<String> {
    let mut rng = StdRng::try_from_os_rng().map_err(|e| ApiError::Internal(e.into()))?;
    loop {
        let candidate: String = (0..INITIAL_PASSWORD_LEN)
            .map(|_| char::from(INITIAL_ALPHABET[rng.random_range(0..INITIAL_ALPHABET.len())]))
            .collect();
        let has_letter = candidate.chars().any(|c| c.is_ascii_alphabetic());
        let has_digit = candidate.chars().any(|c| c.is_ascii_digit());
        if has_letter && has_digit {
            return Ok(candidate);
        }
    }
}

/// Whether an account still on its initial password may no longer use it. No expiry
/// recorded (accounts from before one-time passwords) counts as expired.
pub fn initial_expired(
    must_change_password: bool,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    must_change_password && expires_at.is_none_or(|t| t <= now)
}

/// 401 for a log-in with an initial password past its 72 hours.
pub fn initial_expired_error() -> ApiError {
    ApiError::LoginRefused {
        code: ErrorCode::InitialPasswordExpired,
        message: format!(
            "初始密码已过期（{INITIAL_PASSWORD_TTL_HOURS}小时内有效），请联系管理员重新获取初始密码"
        ),
    }
}

/// The policy for a new password: 8 to 64 characters, letters and digits. (That it
/// differs from the current one, the initial password included, is checked where the
/// old password is known.)
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
    Ok(())
}

/// The checks of a password change that need no database: the policy, and a new
/// password different from the old one (the initial one, on a first log-in).
pub fn check_change(old_password: &str, new_password: &str) -> ApiResult<()> {
    check_policy(new_password)?;
    if old_password == new_password {
        return Err(ApiError::validation("新密码不能与原密码（或初始密码）相同"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    #[test]
    fn policy_refuses_short_letterless_and_digitless_passwords_and_reuse() {
        assert!(check_policy("abc123").is_err());
        assert!(check_policy("abcdefgh").is_err());
        assert!(check_policy("12345678").is_err());
        assert!(check_policy("Union2026ok").is_ok());
        assert!(check_change("Union2026ok", "Union2026ok").is_err());
        assert!(check_change("Union2026ok", "Union2027ok").is_ok());
    }

    #[test]
    fn initial_passwords_are_long_readable_mixed_and_distinct() {
        let many: Vec<String> = (0..200)
            .map(|_| random_initial().expect("random"))
            .collect();
        for pw in &many {
            assert!(pw.len() >= 10, "{pw}");
            assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()), "{pw}");
            assert!(!pw.contains(['0', 'O', 'o', '1', 'l', 'I']), "{pw}");
            assert!(pw.chars().any(|c| c.is_ascii_digit()), "{pw}");
            assert!(pw.chars().any(|c| c.is_ascii_alphabetic()), "{pw}");
        }
        let mut distinct = many.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), many.len());
    }

    #[test]
    fn an_initial_password_expires_only_while_it_must_be_changed() {
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        assert!(!initial_expired(true, Some(later), now));
        assert!(initial_expired(true, Some(now), now));
        assert!(initial_expired(true, None, now));
        assert!(!initial_expired(false, None, now));
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

    #[tokio::test]
    async fn hashing_waits_for_a_free_permit_and_the_gate_has_one_per_cpu() {
        let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        assert_eq!(hashing_permits(), cpus);

        let gate = Arc::new(HashGate::new(1, HASH_WAIT));
        let held = gate.permits.acquire().await.expect("permit");
        let ran = Arc::new(AtomicBool::new(false));
        let job = {
            let (gate, ran) = (gate.clone(), ran.clone());
            tokio::spawn(async move { gate.run(move || ran.store(true, Ordering::SeqCst)).await })
        };
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        // The only permit is held: the work cannot have started.
        assert!(!ran.load(Ordering::SeqCst));
        drop(held);
        job.await.expect("join").expect("ran");
        assert!(ran.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_hash_that_waited_too_long_is_a_503_busy_with_retry_after() {
        use poem::error::ResponseError;

        let gate = HashGate::new(1, Duration::from_millis(1));
        let _held = gate.permits.acquire().await.expect("permit");
        let refused = gate.run(|| ()).await.expect_err("busy");
        let resp = refused.as_response();
        assert_eq!(resp.status(), poem::http::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            resp.headers()
                .get(poem::http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("5")
        );
        assert_eq!(refused.body().code, ErrorCode::Busy);
        assert_eq!(refused.body().message, "系统繁忙，请稍后重试");
    }
}
