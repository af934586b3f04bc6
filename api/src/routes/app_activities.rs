//! Member app: activities to claim in, claiming, 我的-卡券 and QR codes.

use chrono::{DateTime, Utc};
use entity::enums::{ClaimLimitKind, VoucherStatus};
use entity::{merchant, voucher};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::auth::MemberAuth;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::services::app_activities::{self, MemberView};
use crate::services::claims;
use crate::services::rush_cache::PrizeSnapshot;
use crate::services::vouchers;
use crate::state::AppState;

#[derive(Object, Clone)]
pub struct CouponInfo {
    pub id: i64,
    pub title: String,
    pub name: String,
    pub amount_fen: i64,
    pub conditions: Option<String>,
    pub description: Option<String>,
    pub merchant_id: i64,
    pub merchant_name: String,
    /// The redemption window (有效期).
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
}

impl From<&PrizeSnapshot> for CouponInfo {
    fn from(p: &PrizeSnapshot) -> Self {
        Self {
            id: p.coupon.id,
            title: p.coupon.title.clone(),
            name: p.coupon.name.clone(),
            amount_fen: p.coupon.amount_fen,
            conditions: p.coupon.conditions.clone(),
            description: p.coupon.description.clone(),
            merchant_id: p.coupon.merchant_id,
            merchant_name: p.merchant_name.clone(),
            valid_from: p.coupon.valid_from,
            valid_to: p.coupon.valid_to,
        }
    }
}

#[derive(Object)]
pub struct PrizeInfo {
    pub prize_id: i64,
    pub coupon: CouponInfo,
    pub quantity: i64,
    /// Vouchers still free.
    pub remaining: i64,
}

#[derive(Object)]
pub struct ClaimLimitInfo {
    pub kind: ClaimLimitKind,
    /// Claims allowed in the period (1 for once, N per day).
    pub times: i32,
    /// Claims this member made in the current period (today, for per-day limits).
    pub used: i64,
}

/// An activity as the member sees it.
#[derive(Object)]
pub struct AppActivity {
    pub id: i64,
    pub title: String,
    pub cover_url: Option<String>,
    /// 发布工会
    pub org_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub birthday_only: bool,
    pub claim_limit: ClaimLimitInfo,
    /// A claim gives one voucher of every prize that still has stock.
    pub prizes: Vec<PrizeInfo>,
    /// Vouchers still free over all prizes.
    pub remaining: i64,
    pub can_claim: bool,
    /// Why not: `NOT_IN_WINDOW`, `NOT_ELIGIBLE`, `LIMIT_REACHED`, `SOLD_OUT`.
    pub reason: Option<String>,
    pub reason_message: Option<String>,
    /// Sanitised rich text (detail only).
    #[oai(skip_serializing_if_is_none)]
    pub content_html: Option<String>,
}

fn app_activity(v: MemberView, with_content: bool) -> AppActivity {
    let a = &v.snapshot.activity;
    let prizes: Vec<PrizeInfo> = v
        .snapshot
        .prizes
        .iter()
        .map(|p| PrizeInfo {
            prize_id: p.prize_id,
            coupon: p.into(),
            quantity: p.quantity,
            remaining: v.remaining.get(&p.prize_id).copied().unwrap_or(0),
        })
        .collect();
    AppActivity {
        id: a.id,
        title: a.title.clone(),
        cover_url: a.cover_url.clone(),
        org_name: v.snapshot.org_name.clone(),
        starts_at: a.starts_at,
        ends_at: a.ends_at,
        birthday_only: a.birthday_only,
        claim_limit: ClaimLimitInfo {
            kind: a.claim_limit_kind,
            times: v.limit,
            used: v.claimed,
        },
        remaining: prizes.iter().map(|p| p.remaining).sum(),
        prizes,
        can_claim: v.refusal.is_none(),
        reason: v.refusal.map(|r| r.code().as_str().to_owned()),
        reason_message: v.refusal.map(|r| r.message().to_owned()),
        content_html: with_content.then(|| a.content_html.clone()),
    }
}

/// A voucher (电子券) of the member.
#[derive(Object)]
pub struct VoucherView {
    pub id: i64,
    /// The code the QR code carries (also typed by hand when a scan fails).
    pub code: String,
    /// `unused` / `redeemed` / `expired` (an unused voucher past its window is expired).
    pub status: VoucherStatus,
    /// The coupon; its `amount_fen` is this voucher's face value, as issued.
    pub coupon: CouponInfo,
    /// Face value in fen, as issued (a later edit of the coupon does not change it).
    pub amount_fen: i64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub activity_id: i64,
    pub claimed_at: Option<DateTime<Utc>>,
    pub redeemed_at: Option<DateTime<Utc>>,
    /// 适用商户 (one voucher only): the coupon's owning merchant first, then the
    /// merchants it was granted to.
    #[oai(skip_serializing_if_is_none)]
    pub redeemable_at: Option<Vec<VoucherMerchant>>,
    /// 核销商户 (one voucher only, once redeemed).
    #[oai(skip_serializing_if_is_none)]
    pub redeemed_merchant: Option<VoucherMerchant>,
    /// Screenshot-proof (动态券码): show the QR code of `GET /vouchers/{id}/dynamic-code`,
    /// refreshed, with its 6 digits; the fixed code alone is refused by merchants.
    pub dynamic_code: bool,
}

/// A merchant where a voucher is (or was) used.
#[derive(Object)]
pub struct VoucherMerchant {
    pub id: i64,
    pub name: String,
    /// 经营地址
    pub address: Option<String>,
    /// 联系电话 (landline), if given
    pub landline: Option<String>,
}

impl From<merchant::Model> for VoucherMerchant {
    fn from(m: merchant::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            address: m.address,
            landline: m.landline,
        }
    }
}

async fn voucher_view(state: &AppState, v: voucher::Model) -> ApiResult<VoucherView> {
    let now = state.clock.now();
    let snapshot = state.cache.activity(&state.db, v.activity_id).await?;
    let mut coupon = match snapshot
        .as_ref()
        .and_then(|s| s.prizes.iter().find(|p| p.prize_id == v.prize_id))
    {
        Some(p) => CouponInfo::from(p),
        None => {
            let c = state
                .cache
                .coupon(&state.db, v.coupon_id)
                .await?
                .ok_or(crate::error::ApiError::NotFound("优惠券"))?;
            CouponInfo {
                id: c.id,
                title: c.title.clone(),
                name: c.name.clone(),
                amount_fen: c.amount_fen,
                conditions: c.conditions.clone(),
                description: c.description.clone(),
                merchant_id: c.merchant_id,
                merchant_name: String::new(),
                valid_from: c.valid_from,
                valid_to: c.valid_to,
            }
        }
    };
    // The voucher's own face value, not the coupon's current one.
    coupon.amount_fen = v.amount_fen;
    let dynamic_code = snapshot.as_ref().is_some_and(|s| s.activity.dynamic_code);
    Ok(VoucherView {
        id: v.id,
        status: vouchers::effective_status(&v, now),
        code: v.code,
        coupon,
        amount_fen: v.amount_fen,
        valid_from: v.valid_from,
        valid_to: v.valid_to,
        activity_id: v.activity_id,
        claimed_at: v.claimed_at,
        redeemed_at: v.redeemed_at,
        redeemable_at: None,
        redeemed_merchant: None,
        dynamic_code,
    })
}

/// The screenshot-proof code of a voucher now.
#[derive(Object)]
pub struct DynamicCodeView {
    /// What the QR code shows (a signed payload naming the voucher and the current
    /// 30-second step); the merchant's scanner sends it as is.
    pub payload: String,
    /// Seconds until merchants refuse this payload (409 `DYNAMIC_CODE_EXPIRED`).
    pub expires_in_seconds: i64,
    /// Seconds until the next step: fetch a new one then.
    pub refresh_in_seconds: i64,
    /// The 6-digit number shown under the QR code, typed by the merchant with the
    /// voucher code when scanning fails.
    pub digits: String,
}

/// The claim's answer: the (first) voucher, and every voucher the claim gave.
#[derive(Object)]
pub struct ClaimResult {
    pub id: i64,
    pub code: String,
    pub status: VoucherStatus,
    pub coupon: CouponInfo,
    /// Face value in fen, as issued.
    pub amount_fen: i64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub claim_id: i64,
    /// One voucher per prize that still had stock.
    pub vouchers: Vec<VoucherView>,
}

#[derive(ApiResponse)]
pub enum ClaimResponse {
    /// Claimed (or, for a retried request with the same `Idempotency-Key`, the first
    /// claim's result).
    #[oai(status = 201)]
    Created(Json<ClaimResult>),
}

#[derive(ApiResponse)]
pub enum QrCode {
    /// The QR code (PNG) holding the voucher code.
    #[oai(status = 200)]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Type")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

pub struct AppActivityApi;

#[OpenApi(prefix_path = "/api/app", tag = "ApiTags::App")]
impl AppActivityApi {
    /// Activities I can see now (普惠活动)
    ///
    /// Open, approved activities whose scope contains my organisation (and unit), inside
    /// their window; what remains and whether I can still claim. 403 `NOT_CERTIFIED`
    /// before real-name certification.
    #[oai(path = "/activities", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
    ) -> ApiResult<Json<Vec<AppActivity>>> {
        let views = app_activities::list(&state, auth.0.principal_id).await?;
        Ok(Json(
            views.into_iter().map(|v| app_activity(v, false)).collect(),
        ))
    }

    /// One activity (活动详情)
    #[oai(path = "/activities/:id", method = "get")]
    async fn detail(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<AppActivity>> {
        let view = app_activities::detail(&state, auth.0.principal_id, id.0).await?;
        Ok(Json(app_activity(view, true)))
    }

    /// Claim (领券)
    ///
    /// One voucher of every prize that still has stock, counted once against my limit.
    /// 409 `SOLD_OUT` / `LIMIT_REACHED` / `NOT_IN_WINDOW` / `NOT_ELIGIBLE`, or
    /// `BUDGET_EXCEEDED` when the vouchers would take my total for the year past the
    /// annual welfare budget (the message names the cap and what is left). A retry with
    /// the same `Idempotency-Key` answers the first result. 503 `BUSY` with
    /// `Retry-After` in an overload (the claim queue full, or no lane free within
    /// `BATCH_QUEUE_WAIT_MS`): nothing was claimed; retry after that many seconds.
    #[oai(path = "/activities/:id/claims", method = "post")]
    async fn claim(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
        id: Path<i64>,
        /// 1 to 64 visible ASCII characters, chosen by the client once per claim intent.
        #[oai(
            name = "Idempotency-Key",
            validator(max_length = 64, pattern = r"^[!-~]{1,64}$")
        )]
        idempotency_key: Header<Option<String>>,
    ) -> ApiResult<ClaimResponse> {
        let key = crate::input::parse_idempotency_key(idempotency_key.0.as_deref())?;
        let claimed = claims::claim(&state, auth.0.principal_id, id.0, key).await;
        crate::metrics::count_claim(&state.metrics, &claimed);
        let claimed = claimed?;
        let mut views = Vec::with_capacity(claimed.vouchers.len());
        for v in claimed.vouchers {
            views.push(voucher_view(&state, v).await?);
        }
        let first = views
            .first()
            .ok_or(crate::error::ApiError::NotFound("卡券"))?;
        Ok(ClaimResponse::Created(Json(ClaimResult {
            id: first.id,
            code: first.code.clone(),
            status: first.status,
            coupon: first.coupon.clone(),
            amount_fen: first.amount_fen,
            valid_from: first.valid_from,
            valid_to: first.valid_to,
            claim_id: claimed.claim_id,
            vouchers: views,
        })))
    }

    /// My vouchers (我的-卡券)
    #[oai(path = "/vouchers", method = "get")]
    async fn vouchers(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
        status: Query<Option<VoucherStatus>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<VoucherView>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let (items, total) = vouchers::list(&state, auth.0.principal_id, status.0, req).await?;
        let mut out = Vec::with_capacity(items.len());
        for v in items {
            out.push(voucher_view(&state, v).await?);
        }
        Ok(Json(Page::new(out, total, req)))
    }

    /// One of my vouchers, with where it may be used and, once used, where it was
    #[oai(path = "/vouchers/:id", method = "get")]
    async fn voucher(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<VoucherView>> {
        let v = vouchers::get(&state, auth.0.principal_id, id.0).await?;
        let places = vouchers::places(&state, &v).await?;
        let mut view = voucher_view(&state, v).await?;
        view.redeemable_at = Some(places.redeemable_at.into_iter().map(Into::into).collect());
        view.redeemed_merchant = places.redeemed_by.map(Into::into);
        Ok(Json(view))
    }

    /// The dynamic code of a screenshot-proof voucher (动态券码)
    ///
    /// Only for the member's own voucher (404 otherwise) of an activity with
    /// `dynamic_code` (409 `DYNAMIC_CODE_NOT_ENABLED` otherwise). The payload is good for
    /// its 30-second step and the next; ask again every `refresh_in_seconds`.
    #[oai(path = "/vouchers/:id/dynamic-code", method = "get")]
    async fn dynamic_code(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<DynamicCodeView>> {
        let c = vouchers::dynamic_code(&state, auth.0.principal_id, id.0).await?;
        Ok(Json(DynamicCodeView {
            payload: c.payload,
            expires_in_seconds: c.expires_in_seconds,
            refresh_in_seconds: c.refresh_in_seconds,
            digits: c.digits,
        }))
    }

    /// The voucher's QR code (PNG) for the merchant to scan
    #[oai(path = "/vouchers/:id/qrcode.png", method = "get")]
    async fn qrcode(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
        id: Path<i64>,
    ) -> ApiResult<QrCode> {
        let v = vouchers::get(&state, auth.0.principal_id, id.0).await?;
        let png = vouchers::qr_png(&v.code)?;
        Ok(QrCode::Ok(
            Binary(png),
            "image/png".into(),
            "private, no-store".into(),
        ))
    }
}
