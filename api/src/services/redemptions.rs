//! Redemption (核销) by merchant staff: preview what was scanned, redeem it once, and
//! the merchant's history with totals.
//!
//! Redeeming is one conditional update (its conditions: `Redeemable`; the statement of
//! each backend: `store`) from `unused` to `redeemed` that also checks
//! the coupon's window and that the staff's merchant owns the coupon or was granted it;
//! of two phones scanning at once exactly one changes the row. The same update
//! requires the staff account to be enabled and its merchant online (上线). When no row
//! changed, a follow-up read names the reason (merchant offline, staff disabled,
//! already redeemed — when and where —, expired, not yet valid, not authorised, unknown
//! code). A merchant that may not redeem a voucher hears only 403 `NOT_AUTHORISED`,
//! in the preview as on redemption: nothing about the holder, coupon, place or time.
//!
//! A disabled coupon (关闭) stops being added to activities; vouchers already issued
//! stay redeemable (they are the members' and the union promised them), so the update
//! does not look at the coupon's switch. To stop redemptions, take the merchant
//! offline or let the validity end.
//!
//! Lookups of unknown codes (and of codes the merchant may not redeem) count against a
//! per-staff limit kept in `rate_limits` (shared by every instance); once it is reached
//! every lookup by that account answers 429 until the window ends, so codes cannot be
//! enumerated.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::VoucherStatus;
use jobs::clock::{beijing, beijing_day_start};
use jobs::database::{sql_str, stmt};
use sea_orm::FromQueryResult;

use crate::auth::StaffPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::paging::PageRequest;
use crate::services::dynamic_codes;
use crate::services::rate_limit::{self, Limit, Window};
use crate::state::AppState;

/// Failed lookups allowed per staff account per window.
pub const MAX_FAILED_LOOKUPS: i32 = 20;
pub const LOOKUP_WINDOW_SECONDS: i64 = 600;
pub const LOOKUP_SCOPE: &str = "merchant_lookup_fail";

fn lookup_limit(staff_id: i64) -> Limit {
    Limit {
        scope: LOOKUP_SCOPE,
        subject: staff_id.to_string(),
        max: MAX_FAILED_LOOKUPS,
        window: Window::Seconds(LOOKUP_WINDOW_SECONDS),
        code: ErrorCode::TooManyLookups,
        message: "查询不存在的券码次数过多，请{seconds}秒后再试",
    }
}

/// Why a voucher cannot be redeemed by this merchant now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    NotAuthorised,
    AlreadyRedeemed,
    Expired,
    NotInWindow,
}

impl Reason {
    /// The refusal that says nothing about the voucher: the one for `NotAuthorised`.
    fn refusal_without_details(self) -> ApiError {
        ApiError::Forbidden {
            code: self.code(),
            message: "本商家无权核销此券（非发券商家且未获授权）".into(),
        }
    }

    pub fn code(self) -> ErrorCode {
        match self {
            Self::NotAuthorised => ErrorCode::NotAuthorised,
            Self::AlreadyRedeemed => ErrorCode::AlreadyRedeemed,
            Self::Expired => ErrorCode::Expired,
            Self::NotInWindow => ErrorCode::NotInWindow,
        }
    }
}

/// A claimed voucher as the merchant side sees it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Scanned {
    pub id: i64,
    pub code: String,
    pub status: VoucherStatus,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub redeemed_at: Option<DateTime<Utc>>,
    pub holder_name_masked: Option<String>,
    pub holder_phone_masked: Option<String>,
    pub coupon_id: i64,
    pub coupon_title: String,
    pub coupon_name: String,
    /// The voucher's face value as issued (the coupon's may have been edited since).
    pub amount_fen: i64,
    pub conditions: Option<String>,
    pub owner_merchant_id: i64,
    pub owner_merchant_name: String,
    pub redeemed_merchant_name: Option<String>,
    pub granted: bool,
    /// Its activity's vouchers are screenshot-proof (动态券码).
    pub dynamic_code: bool,
}

impl Scanned {
    /// The status shown: an unused voucher past its window is expired even before the
    /// sweep has marked it.
    pub fn effective_status(&self, now: DateTime<Utc>) -> VoucherStatus {
        match self.status {
            VoucherStatus::Unused if now >= self.valid_to => VoucherStatus::Expired,
            s => s,
        }
    }

    /// Whether this voucher, redeemable now, is screenshot-proof and was presented
    /// without proof (its plain code alone).
    pub fn needs_proof(&self, proven: bool, merchant_id: i64, now: DateTime<Utc>) -> bool {
        self.dynamic_code && !proven && self.reason(merchant_id, now).is_none()
    }

    pub fn reason(&self, merchant_id: i64, now: DateTime<Utc>) -> Option<Reason> {
        if self.owner_merchant_id != merchant_id && !self.granted {
            return Some(Reason::NotAuthorised);
        }
        match self.effective_status(now) {
            VoucherStatus::Redeemed => Some(Reason::AlreadyRedeemed),
            VoucherStatus::Expired => Some(Reason::Expired),
            _ if now < self.valid_from => Some(Reason::NotInWindow),
            _ => None,
        }
    }

    pub fn refusal(&self, reason: Reason) -> ApiError {
        let fmt = |t: DateTime<Utc>| {
            t.with_timezone(&beijing())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        match reason {
            Reason::NotAuthorised => reason.refusal_without_details(),
            Reason::AlreadyRedeemed => ApiError::Conflict {
                code: ErrorCode::AlreadyRedeemed,
                message: format!(
                    "此券已于{}在{}核销",
                    self.redeemed_at.map(fmt).unwrap_or_default(),
                    self.redeemed_merchant_name.clone().unwrap_or_default()
                ),
                details: Some(serde_json::json!({
                    "redeemed_at": self.redeemed_at.map(|t| t.with_timezone(&beijing()).to_rfc3339()),
                    "merchant_name": self.redeemed_merchant_name,
                })),
            },
            Reason::Expired => ApiError::Conflict {
                code: ErrorCode::Expired,
                message: format!("此券已过期（有效期至{}）", fmt(self.valid_to)),
                details: Some(serde_json::json!({
                    "valid_to": self.valid_to.with_timezone(&beijing()).to_rfc3339(),
                })),
            },
            Reason::NotInWindow => ApiError::Conflict {
                code: ErrorCode::NotInWindow,
                message: format!(
                    "不在有效期内（{} 至 {}），暂不能核销",
                    fmt(self.valid_from),
                    fmt(self.valid_to)
                ),
                details: Some(serde_json::json!({
                    "valid_from": self.valid_from.with_timezone(&beijing()).to_rfc3339(),
                    "valid_to": self.valid_to.with_timezone(&beijing()).to_rfc3339(),
                })),
            },
        }
    }
}

/// 429 while the staff account has used up its failed lookups.
async fn refuse_if_blocked(
    state: &AppState,
    me: &StaffPrincipal,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let row =
        entity::rate_limit::Entity::find_by_id((LOOKUP_SCOPE.to_owned(), me.staff_id.to_string()));
    use sea_orm::EntityTrait;
    if let Some(r) = row.one(&state.db).await?
        && r.window_ends_at > now.timestamp()
        && r.hits >= MAX_FAILED_LOOKUPS
    {
        let retry_after_seconds = std::cmp::max(r.window_ends_at - now.timestamp(), 1);
        return Err(ApiError::TooManyRequests {
            code: ErrorCode::TooManyLookups,
            message: format!("查询不存在的券码次数过多，请{retry_after_seconds}秒后再试"),
            retry_after_seconds,
        });
    }
    Ok(())
}

/// Counts a failed lookup and answers `answer` (or 429 once the limit is reached).
async fn failed_lookup(
    state: &AppState,
    me: &StaffPrincipal,
    now: DateTime<Utc>,
    answer: ApiError,
) -> ApiError {
    match rate_limit::acquire(&state.db, now, &lookup_limit(me.staff_id)).await {
        Ok(()) => {
            tracing::warn!(
                staff_id = me.staff_id,
                code = answer.body().code.as_str(),
                "failed voucher lookup"
            );
            answer
        }
        Err(e) => e,
    }
}

/// An unknown code: 404, counted.
async fn not_found(state: &AppState, me: &StaffPrincipal, now: DateTime<Utc>) -> ApiError {
    failed_lookup(state, me, now, ApiError::NotFound("券码")).await
}

/// A voucher this merchant may not redeem: 403 `NOT_AUTHORISED` with nothing about the
/// voucher (as little as an unknown code tells), counted like an unknown code.
async fn not_authorised(state: &AppState, me: &StaffPrincipal, now: DateTime<Utc>) -> ApiError {
    failed_lookup(
        state,
        me,
        now,
        Reason::NotAuthorised.refusal_without_details(),
    )
    .await
}

/// 403 unless the staff account is enabled and its merchant online (上线): an offline
/// merchant (下线) neither previews nor redeems. Read afresh, since the statement that
/// redeems checks the same and may have refused for it.
async fn require_active(state: &AppState, me: &StaffPrincipal) -> ApiResult<()> {
    #[derive(FromQueryResult)]
    struct Standing {
        online: bool,
        disabled: bool,
    }
    let standing = Standing::find_by_statement(stmt(
        state.db.get_database_backend(),
        "SELECT m.online, st.disabled FROM merchant_staff st \
         JOIN merchants m ON m.id = st.merchant_id WHERE st.id = $1",
        vec![me.staff_id.into()],
    ))
    .one(&state.db)
    .await?
    .ok_or(ApiError::Unauthorized)?;
    if standing.disabled {
        return Err(crate::services::staff_auth::disabled());
    }
    if !standing.online {
        return Err(ApiError::Forbidden {
            code: ErrorCode::MerchantOffline,
            message: "本商家已下线，暂停核销；如需恢复请联系工会管理员".into(),
        });
    }
    Ok(())
}

async fn find(state: &AppState, me: &StaffPrincipal, code: &str) -> ApiResult<Option<Scanned>> {
    let backend = state.db.get_database_backend();
    let row = Scanned::find_by_statement(stmt(
        backend,
        "SELECT v.id, v.code, v.status, v.valid_from, v.valid_to, v.redeemed_at, \
         v.holder_name_masked, v.holder_phone_masked, c.id AS coupon_id, \
         c.title AS coupon_title, c.name AS coupon_name, v.amount_fen, c.conditions, \
         c.merchant_id AS owner_merchant_id, om.name AS owner_merchant_name, \
         rm.name AS redeemed_merchant_name, \
         EXISTS (SELECT 1 FROM coupon_grants g WHERE g.coupon_id = v.coupon_id \
           AND g.merchant_id = $2) AS granted, \
         EXISTS (SELECT 1 FROM activities a WHERE a.id = v.activity_id \
           AND a.dynamic_code) AS dynamic_code \
         FROM vouchers v JOIN coupons c ON c.id = v.coupon_id \
         JOIN merchants om ON om.id = c.merchant_id \
         LEFT JOIN merchants rm ON rm.id = v.redeemed_by_merchant_id \
         WHERE v.code = $1 AND v.member_id IS NOT NULL",
        vec![code.into(), me.merchant_id.into()],
    ))
    .one(&state.db)
    .await?;
    Ok(row)
}

/// 预览: what the scanned code is and whether this merchant may redeem it now. Only a
/// merchant that may redeem the voucher learns anything about it: for any other the
/// answer is 403 `NOT_AUTHORISED` without holder, coupon, place or time.
///
/// `raw_code` is what was scanned or typed: a voucher code, or the dynamic payload of
/// a screenshot-proof voucher; `digits` the 6-digit number typed with a code.
pub async fn preview(
    state: &AppState,
    me: &StaffPrincipal,
    raw_code: &str,
    digits: Option<&str>,
) -> ApiResult<Scanned> {
    let now = state.clock.now();
    refuse_if_blocked(state, me, now).await?;
    require_active(state, me).await?;
    let presented = present(state, me, raw_code, digits, now).await?;
    match find(state, me, &presented.code).await? {
        Some(found) if found.reason(me.merchant_id, now) == Some(Reason::NotAuthorised) => {
            Err(not_authorised(state, me, now).await)
        }
        Some(found) if found.needs_proof(presented.proven, me.merchant_id, now) => {
            Err(dynamic_code_required())
        }
        Some(found) => Ok(found),
        None => Err(not_found(state, me, now).await),
    }
}

/// What was scanned or typed, as the code of a voucher; `proven` when it came with a
/// proof that the member's phone shows it now (a dynamic payload still good, or the
/// right 6-digit number).
pub struct Presented {
    pub code: String,
    pub proven: bool,
}

fn dynamic_code_required() -> ApiError {
    ApiError::conflict(
        ErrorCode::DynamicCodeRequired,
        "此券为动态券码（防截图）：请扫描会员手机上实时刷新的二维码；手工输入时请同时输入券码下方的6位动态数字",
    )
}

fn dynamic_code_expired() -> ApiError {
    ApiError::conflict(ErrorCode::DynamicCodeExpired, "请会员刷新券码后重新扫码")
}

/// Resolves a scanned payload or a typed code (with its 6-digit number, if any).
/// A forged payload is an unknown code; wrong digits count as a failed lookup.
async fn present(
    state: &AppState,
    me: &StaffPrincipal,
    raw: &str,
    digits: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<Presented> {
    use dynamic_codes::Scanned as Payload;
    let key = state.cipher.subkey(dynamic_codes::KEY_PURPOSE);
    let backend = state.db.get_database_backend();
    match dynamic_codes::scan(&key, raw, now) {
        Payload::Voucher(id) => {
            #[derive(FromQueryResult)]
            struct Code {
                code: String,
            }
            let code = Code::find_by_statement(stmt(
                backend,
                "SELECT code FROM vouchers WHERE id = $1 AND member_id IS NOT NULL",
                vec![id.into()],
            ))
            .one(&state.db)
            .await?
            .map(|c| c.code);
            match code {
                Some(code) => Ok(Presented { code, proven: true }),
                None => Err(not_found(state, me, now).await),
            }
        }
        Payload::Expired => Err(dynamic_code_expired()),
        Payload::Forged => Err(not_found(state, me, now).await),
        Payload::NotAPayload => {
            let Some(code) = entity::value::voucher_code::normalize(raw) else {
                return Err(not_found(state, me, now).await);
            };
            let Some(typed) = digits.map(str::trim).filter(|d| !d.is_empty()) else {
                return Ok(Presented {
                    code,
                    proven: false,
                });
            };
            #[derive(FromQueryResult)]
            struct Held {
                id: i64,
                dynamic_code: bool,
            }
            let held = Held::find_by_statement(stmt(
                backend,
                "SELECT v.id, EXISTS (SELECT 1 FROM activities a WHERE a.id = v.activity_id \
                   AND a.dynamic_code) AS dynamic_code \
                 FROM vouchers v WHERE v.code = $1 AND v.member_id IS NOT NULL",
                vec![code.clone().into()],
            ))
            .one(&state.db)
            .await?;
            match held {
                None => Err(not_found(state, me, now).await),
                // The number only matters for a screenshot-proof voucher.
                Some(h) if !h.dynamic_code => Ok(Presented {
                    code,
                    proven: false,
                }),
                Some(h) if dynamic_codes::digits_match(&key, h.id, typed, now) => {
                    Ok(Presented { code, proven: true })
                }
                Some(_) => Err(failed_lookup(
                    state,
                    me,
                    now,
                    ApiError::conflict(
                        ErrorCode::DynamicDigitsInvalid,
                        "动态数字不正确或已过期，请核对会员手机上券码下方的6位数字",
                    ),
                )
                .await),
            }
        }
    }
}

/// A redemption as the mini-program shows it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Redemption {
    pub id: i64,
    pub code: String,
    pub coupon_title: String,
    pub amount_fen: i64,
    pub redeemed_at: DateTime<Utc>,
    pub merchant_name: String,
    pub staff_name: String,
    pub member_name_masked: Option<String>,
}

/// A redemption to try: this staff account of this merchant scanned `code` at `now`,
/// with the request's `Idempotency-Key` when it sent one.
#[derive(Clone, Debug)]
pub struct RedeemRequest {
    pub code: String,
    pub now: DateTime<Utc>,
    pub merchant_id: i64,
    pub staff_id: i64,
    pub key: Option<String>,
    /// Presented with a proof of the member's phone (`Presented::proven`): only then may
    /// a screenshot-proof voucher change.
    pub proven: bool,
}

/// The voucher a redemption changed.
#[derive(Debug, FromQueryResult)]
pub struct Redeemed {
    pub id: i64,
    pub code: String,
    pub coupon_id: i64,
    pub amount_fen: i64,
    pub redeemed_at: DateTime<Utc>,
    pub holder_name_masked: Option<String>,
}

/// What makes a redemption valid, written once for the statement of each backend (see
/// `store`): the voucher changes from `unused` to `redeemed` only inside its window,
/// only for the coupon's merchant or a merchant granted it, only by an enabled staff
/// account of that merchant while the merchant is online (上线), and only while the
/// staff account is not blocked for failed lookups. The staff and merchant are checked
/// here, not only when the token is read, so a merchant taken offline (or staff
/// disabled) a moment before the scan cannot redeem. `Scanned::reason` names the
/// reason afterwards when nothing changed.
///
/// Each field is the SQL expression giving the value (parameters for one request,
/// columns for a batch); `voucher` names the row being updated.
pub struct Redeemable<'a> {
    pub voucher: &'a str,
    pub code: &'a str,
    pub at: &'a str,
    pub merchant_id: &'a str,
    pub staff_id: &'a str,
    /// The staff id as text: the subject of its lookup limit.
    pub staff_subject: &'a str,
    /// `at` in whole seconds since the epoch, as the lookup limit counts.
    pub at_second: &'a str,
    /// The request's `Idempotency-Key` (NULL without one), kept on the voucher.
    pub key: &'a str,
    /// Whether the request proved the member's phone shows the voucher now (a boolean).
    pub proven: &'a str,
}

impl Redeemable<'_> {
    /// The `SET` list of the update.
    pub fn assignments(&self) -> String {
        format!(
            "status = {redeemed}, redeemed_at = {at}, redeemed_by_merchant_id = {merchant}, \
             redeemed_by_staff_id = {staff}, redeem_key = {key}",
            redeemed = sql_str(VoucherStatus::Redeemed),
            at = self.at,
            merchant = self.merchant_id,
            staff = self.staff_id,
            key = self.key,
        )
    }

    /// The `WHERE` conditions of the update.
    pub fn conditions(&self) -> String {
        let Self {
            voucher: v,
            code,
            at,
            merchant_id,
            staff_id,
            staff_subject,
            at_second,
            key: _,
            proven,
        } = self;
        format!(
            "{v}.code = {code} AND {v}.status = {unused} \
             AND {v}.valid_from <= {at} AND {v}.valid_to > {at} \
             AND (EXISTS (SELECT 1 FROM coupons c WHERE c.id = {v}.coupon_id \
                 AND c.merchant_id = {merchant_id}) \
               OR EXISTS (SELECT 1 FROM coupon_grants g WHERE g.coupon_id = {v}.coupon_id \
                 AND g.merchant_id = {merchant_id})) \
             AND EXISTS (SELECT 1 FROM merchant_staff st JOIN merchants m ON m.id = st.merchant_id \
               WHERE st.id = {staff_id} AND st.merchant_id = {merchant_id} \
               AND NOT st.disabled AND m.online) \
             AND NOT EXISTS (SELECT 1 FROM rate_limits l WHERE l.scope = '{LOOKUP_SCOPE}' \
               AND l.subject = {staff_subject} AND l.window_ends_at > {at_second} \
               AND l.hits >= {MAX_FAILED_LOOKUPS}) \
             AND ({proven} OR NOT EXISTS (SELECT 1 FROM activities a \
               WHERE a.id = {v}.activity_id AND a.dynamic_code))",
            unused = sql_str(VoucherStatus::Unused),
        )
    }
}

/// 核销: one conditional update (`Redeemable`); the reason when it changed nothing.
///
/// With an `Idempotency-Key` the update keeps the key on the voucher (unique per staff
/// account). A retry after a lost answer changes nothing (its voucher is redeemed) and
/// then finds its redemption by the key: the first answer again, also when it raced the
/// first attempt. A key already used for another code is refused, by that lookup or by
/// the unique key; so the usual first attempt costs no extra query.
#[tracing::instrument(skip(state, me, raw_code, digits, key), fields(staff_id = me.staff_id))]
pub async fn redeem(
    state: &AppState,
    me: &StaffPrincipal,
    raw_code: &str,
    digits: Option<&str>,
    key: Option<String>,
) -> ApiResult<Redemption> {
    let now = state.clock.now();
    let presented = match present(state, me, raw_code, digits, now).await {
        Ok(p) => p,
        Err(e) => {
            refuse_if_blocked(state, me, now).await?;
            return Err(e);
        }
    };
    let Presented { code, proven } = presented;
    let request = RedeemRequest {
        code: code.clone(),
        now,
        merchant_id: me.merchant_id,
        staff_id: me.staff_id,
        key: key.clone(),
        proven,
    };
    match state.store.redemptions.redeem(request).await {
        Ok(Some(done)) => redeemed(state, me, done).await,
        // Nothing changed: a retry finds the first attempt's redemption.
        Ok(None) => match replay(state, me, key.as_deref(), &code).await? {
            Some(first) => Ok(first),
            None => Err(why_not_redeemed(state, me, &code, proven, now)
                .await
                .unwrap_or_else(|e| e)),
        },
        // The key already names another voucher of this staff account.
        Err(ApiError::Db(e)) => Err(ApiError::on_unique(e, KEY_REUSED, KEY_REUSED_MESSAGE)),
        Err(e) => Err(e),
    }
}

const KEY_REUSED: ErrorCode = ErrorCode::IdempotencyKeyReused;
const KEY_REUSED_MESSAGE: &str = "Idempotency-Key 已用于另一张券的核销，请换一个";

/// The redemption this staff account already made with `key`, if any: the same
/// answer for a retry of the same code, 409 `IDEMPOTENCY_KEY_REUSED` for another code.
async fn replay(
    state: &AppState,
    me: &StaffPrincipal,
    key: Option<&str>,
    code: &str,
) -> ApiResult<Option<Redemption>> {
    let Some(key) = key else { return Ok(None) };
    let first = Redemption::find_by_statement(stmt(
        state.db.get_database_backend(),
        &format!(
            "SELECT {REDEMPTION_COLUMNS} {REDEMPTION_FROM} \
             WHERE v.redeemed_by_staff_id = $1 AND v.redeem_key = $2"
        ),
        vec![me.staff_id.into(), key.into()],
    ))
    .one(&state.db)
    .await?;
    match first {
        Some(first) if first.code == code => {
            tracing::info!(voucher_id = first.id, "redemption replayed for its key");
            Ok(Some(first))
        }
        Some(_) => Err(ApiError::conflict(KEY_REUSED, KEY_REUSED_MESSAGE)),
        None => Ok(None),
    }
}

/// A redemption as `Redemption` reads it: the voucher with its coupon, merchant and
/// staff (the history and a replayed answer).
const REDEMPTION_COLUMNS: &str = "v.id, v.code, c.title AS coupon_title, v.amount_fen, \
     v.redeemed_at, m.name AS merchant_name, st.name AS staff_name, \
     v.holder_name_masked AS member_name_masked";
const REDEMPTION_FROM: &str = "FROM vouchers v JOIN coupons c ON c.id = v.coupon_id \
     JOIN merchants m ON m.id = v.redeemed_by_merchant_id \
     LEFT JOIN merchant_staff st ON st.id = v.redeemed_by_staff_id";

/// Nothing changed: the reason, read afresh (blocked, staff or merchant no longer
/// active, unknown code, not authorised, already redeemed, expired, not yet valid).
async fn why_not_redeemed(
    state: &AppState,
    me: &StaffPrincipal,
    code: &str,
    proven: bool,
    now: DateTime<Utc>,
) -> ApiResult<ApiError> {
    refuse_if_blocked(state, me, now).await?;
    require_active(state, me).await?;
    let Some(found) = find(state, me, code).await? else {
        return Ok(not_found(state, me, now).await);
    };
    if found.needs_proof(proven, me.merchant_id, now) {
        return Ok(dynamic_code_required());
    }
    Ok(match found.reason(me.merchant_id, now) {
        Some(Reason::NotAuthorised) => not_authorised(state, me, now).await,
        reason => found.refusal(reason.unwrap_or(Reason::AlreadyRedeemed)),
    })
}

/// The redemption as shown, for the voucher it changed.
async fn redeemed(state: &AppState, me: &StaffPrincipal, done: Redeemed) -> ApiResult<Redemption> {
    let coupon = state
        .cache
        .coupon(&state.db, done.coupon_id)
        .await?
        .ok_or(ApiError::NotFound("优惠券"))?;
    tracing::info!(voucher_id = done.id, "voucher redeemed");
    Ok(Redemption {
        id: done.id,
        code: done.code,
        coupon_title: coupon.title.clone(),
        amount_fen: done.amount_fen,
        redeemed_at: done.redeemed_at,
        merchant_name: me.merchant_name.clone(),
        staff_name: me.staff_name.clone(),
        member_name_masked: done.holder_name_masked,
    })
}

/// One page of the merchant's redemptions between two Beijing dates (inclusive),
/// optionally of one voucher code (exact, normalised as typed codes are), with the
/// count and the face-value total of the whole filter (vouchers' own face values).
pub async fn history(
    state: &AppState,
    me: &StaffPrincipal,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    code: Option<&str>,
    page: PageRequest,
) -> ApiResult<(Vec<Redemption>, u64, i64)> {
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::validation(
            "开始日期（from）不能晚于结束日期（to）",
        ));
    }
    let start = from.map_or(DateTime::<Utc>::UNIX_EPOCH, beijing_day_start);
    let end = to.map_or_else(
        || state.clock.now() + chrono::Duration::days(36_500),
        |t| beijing_day_start(t + chrono::Duration::days(1)),
    );
    let backend = state.db.get_database_backend();
    // The merchant's redemptions in the period (and of one code, when asked); the
    // items add who redeemed them.
    let mut filter = format!(
        "WHERE v.redeemed_by_merchant_id = $1 AND v.status = {} \
         AND v.redeemed_at >= $2 AND v.redeemed_at < $3",
        sql_str(VoucherStatus::Redeemed)
    );
    let mut values: Vec<sea_orm::Value> = vec![me.merchant_id.into(), start.into(), end.into()];
    if let Some(raw) = code.map(str::trim).filter(|c| !c.is_empty()) {
        let code = entity::value::voucher_code::normalize(raw).ok_or_else(|| {
            ApiError::validation("券码格式不正确：应为24位字母或数字（不区分大小写）")
        })?;
        values.push(code.into());
        filter.push_str(" AND v.code = $4");
    }
    #[derive(FromQueryResult)]
    struct Totals {
        n: i64,
        amount: i64,
    }
    let totals = Totals::find_by_statement(stmt(
        backend,
        &format!(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(v.amount_fen), 0) AS BIGINT) AS amount \
             FROM vouchers v {filter}"
        ),
        values.clone(),
    ))
    .one(&state.db)
    .await?
    .map_or((0, 0), |t| (t.n, t.amount));
    let (limit, offset) = (values.len() + 1, values.len() + 2);
    values.push((page.page_size as i64).into());
    values.push(
        ((page.page - 1) * page.page_size)
            .try_into()
            .unwrap_or(i64::MAX)
            .into(),
    );
    let items = Redemption::find_by_statement(stmt(
        backend,
        &format!(
            "SELECT {REDEMPTION_COLUMNS} {REDEMPTION_FROM} \
             {filter} ORDER BY v.redeemed_at DESC, v.id DESC LIMIT ${limit} OFFSET ${offset}"
        ),
        values,
    ))
    .all(&state.db)
    .await?;
    Ok((items, u64::try_from(totals.0).unwrap_or(0), totals.1))
}
