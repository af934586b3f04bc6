//! Throttling of the three password log-ins (admin, merchant staff, member app), with
//! counters in `rate_limits` so every `api` process shares them. Each attempt takes a
//! place in three counters before its password is hashed:
//!
//! - the client IP: `LOGIN_ATTEMPTS_PER_IP_PER_MINUTE` attempts (429 `LOGIN_IP_LIMITED`);
//! - the pair (login name, client IP): `LOGIN_MAX_FAILURES` attempts per
//!   `LOGIN_LOCK_MINUTES`;
//! - the login name from everywhere: `LOGIN_MAX_FAILURES_PER_ACCOUNT` (much higher).
//!
//! A right password gives its places back and clears the pair, so only wrong passwords
//! add up: a stranger typing wrong passwords for `admin` locks only their own pair,
//! while a spread-out guessing campaign still hits the per-name limit. Places are taken
//! with `rate_limit::acquire` (one conditional statement each), so parallel guesses
//! cannot get more tries than the limit. Unknown names are counted like known ones, so
//! the answers never tell them apart.

use std::net::IpAddr;

use entity::enums::PrincipalKind;
use sea_orm::{ActiveEnum, ConnectionTrait};

use crate::error::{ApiResult, ErrorCode};
use crate::services::rate_limit::{self, Limit, Window};
use crate::state::AppState;

const IP_SCOPE: &str = "login_ip";
const PAIR_SCOPE: &str = "login_fail_pair";
const NAME_SCOPE: &str = "login_fail_name";

/// A log-in attempt that has its places: give them back with [`Ticket::succeeded`]
/// when the password was right; a wrong one keeps them.
pub struct Ticket {
    pair: Limit,
    name: Limit,
}

fn subject_of(kind: PrincipalKind, login: &str) -> String {
    format!("{}:{login}", kind.to_value())
}

/// The 429 of a locked pair or name, worded for the account kind.
fn locked(
    kind: PrincipalKind,
    scope: &'static str,
    subject: String,
    max: i32,
    minutes: i64,
) -> Limit {
    let (code, message) = match kind {
        PrincipalKind::Merchant => (
            ErrorCode::TooManyAttempts,
            "登录失败次数过多，请{minutes}分钟后再试",
        ),
        PrincipalKind::Member => (
            ErrorCode::AccountLocked,
            "登录失败次数过多，账号已锁定，请{minutes}分钟后再试或使用验证码重置密码",
        ),
        _ => (
            ErrorCode::AccountLocked,
            "登录失败次数过多，账号已锁定，请{minutes}分钟后再试",
        ),
    };
    Limit {
        scope,
        subject,
        max,
        window: Window::Seconds(minutes * 60),
        code,
        message,
    }
}

/// Before the password is checked: takes the attempt's places, or answers 429.
/// `login` is the name as the account kind stores it (lower-cased username, phone).
pub async fn admit(
    state: &AppState,
    kind: PrincipalKind,
    login: &str,
    ip: Option<IpAddr>,
) -> ApiResult<Ticket> {
    let settings = &state.settings;
    let ip = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let name = subject_of(kind, login);
    let minutes = settings.login_lock_minutes;
    let ticket = Ticket {
        pair: locked(
            kind,
            PAIR_SCOPE,
            format!("{name}|{ip}"),
            settings.login_max_failures,
            minutes,
        ),
        name: locked(
            kind,
            NAME_SCOPE,
            name,
            settings.login_max_failures_per_account,
            minutes,
        ),
    };
    let per_ip = Limit {
        scope: IP_SCOPE,
        subject: ip,
        max: settings.login_attempts_per_ip_per_minute,
        window: Window::Seconds(60),
        code: ErrorCode::LoginIpLimited,
        message: "当前网络登录尝试过于频繁，请{seconds}秒后再试",
    };
    let now = state.clock.now();
    rate_limit::acquire(&state.db, now, &per_ip).await?;
    rate_limit::acquire_all(&state.db, now, &[ticket.pair.clone(), ticket.name.clone()]).await?;
    Ok(ticket)
}

impl Ticket {
    /// The right password: the pair's count is cleared and the name's place given back.
    pub async fn succeeded(self, state: &AppState) -> ApiResult<()> {
        rate_limit::forget(&state.db, PAIR_SCOPE, &self.pair.subject).await?;
        rate_limit::release_all(&state.db, &[self.name]).await
    }
}

/// A password set by proof of ownership (an SMS reset) or by an admin: every lock of
/// the name is lifted, from every client.
pub async fn lift<C: ConnectionTrait>(db: &C, kind: PrincipalKind, login: &str) -> ApiResult<()> {
    let name = subject_of(kind, login);
    rate_limit::forget(db, NAME_SCOPE, &name).await?;
    rate_limit::forget_prefixed(db, PAIR_SCOPE, &format!("{name}|")).await
}
