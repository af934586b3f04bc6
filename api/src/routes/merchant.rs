//! Merchant mini-program (商家端): staff log-in, forced password change, profile,
//! voucher preview, redemption and history. Shapes as `miniprogram/README.md` uses them.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::VoucherStatus;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::auth::MerchantAuth;
use crate::client_ip::ClientIp;
use crate::error::ApiResult;
use crate::paging::PageRequest;
use crate::services::redemption_summary;
use crate::services::redemptions::{self, Redemption};
use crate::services::staff_auth::{self, StaffLoggedIn};
use crate::state::AppState;

#[derive(Object)]
pub struct StaffLoginRequest {
    #[oai(validator(max_length = 20))]
    pub phone: String,
    #[oai(validator(max_length = 128))]
    pub password: String,
    /// `wx.login()` code: binds this WeChat to the account.
    #[oai(validator(max_length = 128))]
    pub wx_code: Option<String>,
}

#[derive(Object)]
pub struct StaffWechatLoginRequest {
    #[oai(validator(max_length = 128))]
    pub wx_code: String,
}

#[derive(Object)]
pub struct IdName {
    pub id: i64,
    pub name: String,
}

#[derive(Object)]
pub struct StaffInfo {
    pub id: i64,
    pub name: String,
    pub phone: String,
}

#[derive(Object)]
pub struct StaffLoginResponse {
    pub token: String,
    /// Until the initial password is changed, every other route answers 403
    /// `PASSWORD_CHANGE_REQUIRED`.
    pub must_change_password: bool,
    pub merchant: IdName,
    pub staff: StaffInfo,
    /// Whether this staff account is bound to a WeChat after this log-in (a bound
    /// WeChat logs in without the password: 微信一键登录).
    pub wechat_bound: bool,
    /// Why the WeChat of `wx_code` was not bound (WeChat not configured or
    /// unavailable, an invalid code, a WeChat bound to another account), in Chinese;
    /// the log-in itself succeeded. Absent when it was bound or no `wx_code` was sent.
    #[oai(skip_serializing_if_is_none)]
    pub wechat_bind_error: Option<String>,
}

impl From<StaffLoggedIn> for StaffLoginResponse {
    fn from(l: StaffLoggedIn) -> Self {
        Self {
            token: l.token,
            must_change_password: l.staff.must_change_password,
            wechat_bound: l.staff.wx_openid.is_some(),
            wechat_bind_error: l.wechat_bind_error,
            merchant: IdName {
                id: l.merchant.id,
                name: l.merchant.name,
            },
            staff: StaffInfo {
                id: l.staff.id,
                name: l.staff.name,
                phone: l.staff.phone,
            },
        }
    }
}

#[derive(Object)]
pub struct StaffChangePasswordRequest {
    #[oai(validator(max_length = 128))]
    pub old_password: String,
    #[oai(validator(max_length = 128))]
    pub new_password: String,
}

#[derive(Object)]
pub struct StaffTokenResponse {
    pub token: String,
}

#[derive(Object)]
pub struct MeResponse {
    pub merchant: IdName,
    pub staff: StaffInfo,
    pub must_change_password: bool,
}

#[derive(Object)]
pub struct PreviewCoupon {
    pub id: i64,
    pub title: String,
    pub name: String,
    pub amount_fen: i64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub merchant_name: String,
    pub conditions: Option<String>,
}

#[derive(Object)]
pub struct PreviewMember {
    pub name_masked: String,
    pub phone_masked: String,
}

#[derive(Object)]
pub struct Preview {
    pub code: String,
    pub status: VoucherStatus,
    pub coupon: PreviewCoupon,
    pub member: PreviewMember,
    pub redeemable: bool,
    /// `ALREADY_REDEEMED` / `NOT_IN_WINDOW` / `EXPIRED`, or null. (A merchant that may
    /// not redeem the voucher gets no preview: 403 `NOT_AUTHORISED`.)
    pub reason: Option<String>,
    pub redeemed_at: Option<DateTime<Utc>>,
    pub redeemed_merchant_name: Option<String>,
    /// A screenshot-proof voucher (动态券码): its plain code needs `digits`.
    pub dynamic_code: bool,
}

#[derive(Object)]
pub struct RedeemRequest {
    /// What was scanned (a voucher code, or the dynamic payload of a screenshot-proof
    /// voucher, sent as is) or typed (the voucher code).
    #[oai(validator(max_length = 64))]
    pub code: String,
    /// With a typed code of a screenshot-proof voucher: the 6-digit number shown under
    /// its QR code on the member's phone.
    #[oai(validator(max_length = 12))]
    pub digits: Option<String>,
}

#[derive(Object)]
pub struct RedemptionView {
    pub id: i64,
    pub code: String,
    pub coupon_title: String,
    pub amount_fen: i64,
    pub redeemed_at: DateTime<Utc>,
    pub merchant_name: String,
    pub staff_name: String,
    pub member_name_masked: String,
}

impl From<Redemption> for RedemptionView {
    fn from(r: Redemption) -> Self {
        Self {
            id: r.id,
            code: r.code,
            coupon_title: r.coupon_title,
            amount_fen: r.amount_fen,
            redeemed_at: r.redeemed_at,
            merchant_name: r.merchant_name,
            staff_name: r.staff_name,
            member_name_masked: r.member_name_masked.unwrap_or_default(),
        }
    }
}

#[derive(ApiResponse)]
pub enum RedeemResponse {
    /// Redeemed.
    #[oai(status = 201)]
    Created(Json<RedemptionView>),
}

#[derive(Object)]
pub struct RedemptionPage {
    pub items: Vec<RedemptionView>,
    /// Redemptions matching the filter (all pages).
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    /// Face value of all redemptions matching the filter, in fen.
    pub total_amount_fen: i64,
}

/// Count and face value of redemptions.
#[derive(Object)]
pub struct DayFigures {
    pub count: i64,
    pub amount_fen: i64,
}

/// One Beijing day at the counter (今日核销).
#[derive(Object)]
pub struct DaySummaryView {
    pub date: NaiveDate,
    /// Redeemed by this staff account.
    pub mine: DayFigures,
    /// Redeemed by every staff account of the merchant.
    pub shop: DayFigures,
}

impl From<redemption_summary::Figures> for DayFigures {
    fn from(f: redemption_summary::Figures) -> Self {
        Self {
            count: f.count,
            amount_fen: f.amount_fen,
        }
    }
}

pub struct StaffApi;

#[OpenApi(prefix_path = "/api/merchant", tag = "ApiTags::Merchant")]
impl StaffApi {
    /// Staff log-in (商家登录)
    ///
    /// 401 `INVALID_CREDENTIALS`; 401 `INITIAL_PASSWORD_EXPIRED` for a one-time initial
    /// password past its 72 hours (the union's admin issues a new one); 403
    /// `ACCOUNT_DISABLED`. A `wx_code` that cannot be bound (WeChat not configured or
    /// down, an invalid code, a WeChat bound to another account) never fails the log-in:
    /// the answer says `wechat_bound: false` and why in `wechat_bind_error`.
    /// 429 with `Retry-After`: `LOGIN_IP_LIMITED` (too many attempts
    /// from this client), `TOO_MANY_ATTEMPTS` (too many wrong passwords for this phone
    /// from this client, or from everywhere at a much higher count).
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        client: ClientIp,
        body: Json<StaffLoginRequest>,
    ) -> ApiResult<Json<StaffLoginResponse>> {
        let l = staff_auth::login(
            &state,
            &body.phone,
            &body.password,
            body.wx_code.as_deref(),
            client.0,
        )
        .await?;
        Ok(Json(l.into()))
    }

    /// WeChat log-in of a bound account (微信一键登录)
    ///
    /// 401 `WECHAT_NOT_BOUND`, 401 `INITIAL_PASSWORD_EXPIRED` (the account never changed
    /// its expired initial password), 503 `WECHAT_NOT_CONFIGURED`.
    #[oai(path = "/login/wechat", method = "post")]
    async fn login_wechat(
        &self,
        state: Data<&AppState>,
        body: Json<StaffWechatLoginRequest>,
    ) -> ApiResult<Json<StaffLoginResponse>> {
        Ok(Json(
            staff_auth::login_wechat(&state, &body.wx_code)
                .await?
                .into(),
        ))
    }

    /// Change own password (修改密码); every older token is revoked
    #[oai(path = "/password", method = "post")]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        auth: MerchantAuth,
        body: Json<StaffChangePasswordRequest>,
    ) -> ApiResult<Json<StaffTokenResponse>> {
        let token =
            staff_auth::change_password(&state, &auth.0, &body.old_password, &body.new_password)
                .await?;
        Ok(Json(StaffTokenResponse { token }))
    }

    /// Own profile (我的)
    #[oai(path = "/me", method = "get")]
    async fn me(&self, auth: MerchantAuth) -> Json<MeResponse> {
        let p = auth.0;
        Json(MeResponse {
            merchant: IdName {
                id: p.merchant_id,
                name: p.merchant_name,
            },
            staff: StaffInfo {
                id: p.staff_id,
                name: p.staff_name,
                phone: p.phone,
            },
            must_change_password: p.must_change_password,
        })
    }

    /// Preview a scanned voucher (扫码预览)
    ///
    /// Only for a merchant that may redeem the voucher (its coupon's merchant or one it
    /// was granted to). Any other merchant gets 403 `NOT_AUTHORISED` with no holder,
    /// coupon, place or time — as little as the 404 for an unknown code tells. 403
    /// `MERCHANT_OFFLINE` while the merchant is 下线. Unknown and not-authorised codes
    /// count against a per-staff limit: 429 `TOO_MANY_LOOKUPS` after 20 in 10 minutes.
    ///
    /// `code` is what was scanned, sent as is (a voucher code, or the dynamic payload of
    /// a screenshot-proof voucher), or the typed voucher code. A payload past its time is
    /// 409 `DYNAMIC_CODE_EXPIRED` (请会员刷新券码后重新扫码). The plain code of a
    /// screenshot-proof voucher (动态券码) is 409 `DYNAMIC_CODE_REQUIRED` unless `digits`
    /// carries the 6-digit number shown under its QR code now; a wrong number is 409
    /// `DYNAMIC_DIGITS_INVALID` (counted like an unknown code).
    #[oai(path = "/vouchers/:code", method = "get")]
    async fn preview(
        &self,
        state: Data<&AppState>,
        auth: MerchantAuth,
        #[oai(validator(max_length = 64))] code: Path<String>,
        /// The 6-digit number of a screenshot-proof voucher, with its typed code.
        #[oai(validator(max_length = 12))]
        digits: Query<Option<String>>,
    ) -> ApiResult<Json<Preview>> {
        let found = redemptions::preview(&state, &auth.0, &code.0, digits.0.as_deref()).await?;
        let now = state.clock.now();
        let reason = found.reason(auth.0.merchant_id, now);
        Ok(Json(Preview {
            status: found.effective_status(now),
            code: found.code,
            coupon: PreviewCoupon {
                id: found.coupon_id,
                title: found.coupon_title,
                name: found.coupon_name,
                amount_fen: found.amount_fen,
                valid_from: found.valid_from,
                valid_to: found.valid_to,
                merchant_name: found.owner_merchant_name,
                conditions: found.conditions,
            },
            member: PreviewMember {
                name_masked: found.holder_name_masked.unwrap_or_default(),
                phone_masked: found.holder_phone_masked.unwrap_or_default(),
            },
            redeemable: reason.is_none(),
            reason: reason.map(|r| r.code().as_str().to_owned()),
            redeemed_at: found.redeemed_at,
            redeemed_merchant_name: found.redeemed_merchant_name,
            dynamic_code: found.dynamic_code,
        }))
    }

    /// Redeem (确认核销)
    ///
    /// One conditional update: the voucher unused and inside its validity, the merchant
    /// its coupon's or a granted one and online (上线), the staff account enabled — all
    /// checked by the same statement, so taking a merchant offline or disabling staff
    /// stops redemptions at once. 409 `ALREADY_REDEEMED` (details: when and where),
    /// `NOT_IN_WINDOW`, `EXPIRED`; 403 `NOT_AUTHORISED` (no details: a merchant that may
    /// not redeem the voucher learns nothing about it), 403 `MERCHANT_OFFLINE`, 403
    /// `ACCOUNT_DISABLED` (staff disabled since the token was read; afterwards the token
    /// is refused with 401); 404 for unknown codes; 429 `TOO_MANY_LOOKUPS`. A coupon
    /// switched off (关闭) after its vouchers were issued does not stop them: issued
    /// vouchers stay redeemable until their validity ends. 503 `BUSY` with
    /// `Retry-After` in an overload (the redemption queue full, or no lane free within
    /// `BATCH_QUEUE_WAIT_MS`): nothing was redeemed; retry after that many seconds.
    ///
    /// A retry with the same `Idempotency-Key` (per staff account) answers 201 with the
    /// first redemption, so a lost answer is never turned into `ALREADY_REDEEMED`; the
    /// key used for another code is 409 `IDEMPOTENCY_KEY_REUSED`.
    ///
    /// Screenshot-proof vouchers (动态券码): `code` may be the scanned dynamic payload;
    /// one past its time is 409 `DYNAMIC_CODE_EXPIRED`. The plain code alone is 409
    /// `DYNAMIC_CODE_REQUIRED`; with `digits` (the 6-digit number under the member's QR
    /// code) it redeems, a wrong number is 409 `DYNAMIC_DIGITS_INVALID`.
    #[oai(path = "/redemptions", method = "post")]
    async fn redeem(
        &self,
        state: Data<&AppState>,
        auth: MerchantAuth,
        body: Json<RedeemRequest>,
        /// 1 to 64 visible ASCII characters, fresh for each confirmation and sent again
        /// by its retries.
        #[oai(
            name = "Idempotency-Key",
            validator(max_length = 64, pattern = r"^[!-~]{1,64}$")
        )]
        idempotency_key: Header<Option<String>>,
    ) -> ApiResult<RedeemResponse> {
        let key = crate::input::parse_idempotency_key(idempotency_key.0.as_deref())?;
        let r = redemptions::redeem(&state, &auth.0, &body.code, body.digits.as_deref(), key).await;
        crate::metrics::count_redemption(&state.metrics, &r);
        let r = r?;
        Ok(RedeemResponse::Created(Json(r.into())))
    }

    /// Today's figures at the counter (今日核销)
    ///
    /// Count and face value of the redemptions of one Beijing day (`date`, default
    /// today) by this staff account and by the whole merchant.
    #[oai(path = "/summary", method = "get")]
    async fn summary(
        &self,
        state: Data<&AppState>,
        auth: MerchantAuth,
        date: Query<Option<NaiveDate>>,
    ) -> ApiResult<Json<DaySummaryView>> {
        let day = redemption_summary::of_day(&state, &auth.0, date.0).await?;
        Ok(Json(DaySummaryView {
            date: day.date,
            mine: day.mine.into(),
            shop: day.shop.into(),
        }))
    }

    /// Unbind this account's WeChat (解除微信绑定)
    ///
    /// The WeChat of this phone stops logging in as this staff account (a shared
    /// counter phone); the next log-in needs the password. Answers 204 also when no
    /// WeChat was bound.
    #[oai(path = "/wechat/unbind", method = "post")]
    async fn unbind_wechat(&self, state: Data<&AppState>, auth: MerchantAuth) -> ApiResult<()> {
        staff_auth::unbind_wechat(&state, &auth.0).await
    }

    /// Redemption history of own merchant (核销记录), with totals over the filter
    #[oai(path = "/redemptions", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn history(
        &self,
        state: Data<&AppState>,
        auth: MerchantAuth,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        /// One voucher code, exact (case, spaces and dashes do not matter).
        #[oai(validator(max_length = 64))]
        code: Query<Option<String>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<RedemptionPage>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let (items, total, amount) =
            redemptions::history(&state, &auth.0, from.0, to.0, code.0.as_deref(), req).await?;
        Ok(Json(RedemptionPage {
            items: items.into_iter().map(Into::into).collect(),
            total,
            page: req.page,
            page_size: req.page_size,
            total_amount_fen: amount,
        }))
    }
}
