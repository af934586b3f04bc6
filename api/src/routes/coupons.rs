use chrono::{DateTime, Utc};
use entity::enums::CouponKind;
use entity::{coupon, coupon_grant, merchant};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::services::coupons::{self, CouponFilter, CouponInput};
use crate::state::AppState;

/// A coupon (优惠券).
#[derive(Object)]
pub struct Coupon {
    pub id: i64,
    pub merchant_id: i64,
    pub org_id: i64,
    pub kind: CouponKind,
    /// 工会活动券
    pub kind_label: String,
    /// 标题
    pub title: String,
    /// 名称
    pub name: String,
    /// 数量
    pub quantity: i64,
    /// Held by activities' prize lists.
    pub reserved: i64,
    /// `quantity - reserved`: what activities may still take.
    pub available: i64,
    /// 有效期 (redemption window)
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    /// 金额, in fen
    pub amount_fen: i64,
    /// 使用条件
    pub conditions: Option<String>,
    /// 简介
    pub description: Option<String>,
    /// 开启 / 关闭
    pub enabled: bool,
    pub enabled_label: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<coupon::Model> for Coupon {
    fn from(m: coupon::Model) -> Self {
        Self {
            id: m.id,
            merchant_id: m.merchant_id,
            org_id: m.org_id,
            kind: m.kind,
            kind_label: m.kind.label().to_owned(),
            title: m.title,
            name: m.name,
            quantity: m.quantity,
            reserved: m.reserved,
            available: m.quantity - m.reserved,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            amount_fen: m.amount_fen,
            conditions: m.conditions,
            description: m.description,
            enabled: m.enabled,
            enabled_label: if m.enabled { "开启" } else { "关闭" }.to_owned(),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Object)]
pub struct CouponBody {
    #[oai(default)]
    pub kind: Option<CouponKind>,
    #[oai(validator(max_length = 100))]
    pub title: String,
    #[oai(validator(max_length = 100))]
    pub name: String,
    pub quantity: i64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub amount_fen: i64,
    #[oai(validator(max_length = 500))]
    pub conditions: Option<String>,
    #[oai(validator(max_length = 2000))]
    pub description: Option<String>,
}

impl From<CouponBody> for CouponInput {
    fn from(b: CouponBody) -> Self {
        Self {
            kind: b.kind,
            title: b.title,
            name: b.name,
            quantity: b.quantity,
            valid_from: b.valid_from,
            valid_to: b.valid_to,
            amount_fen: b.amount_fen,
            conditions: b.conditions,
            description: b.description,
        }
    }
}

#[derive(Object)]
pub struct CreateCouponBody {
    pub merchant_id: i64,
    #[oai(flatten)]
    pub fields: CouponBody,
}

#[derive(Object)]
pub struct UpdateCouponBody {
    /// The version read; a stale one answers 409 `STALE_VERSION`.
    pub version: i32,
    #[oai(flatten)]
    pub fields: CouponBody,
}

#[derive(Object)]
pub struct GrantBody {
    pub merchant_id: i64,
}

/// 授权: a merchant that may redeem the coupon besides its owner.
#[derive(Object)]
pub struct Grant {
    pub coupon_id: i64,
    pub merchant_id: i64,
    pub merchant_name: String,
    pub granted_by: i64,
    pub created_at: DateTime<Utc>,
}

impl From<(coupon_grant::Model, merchant::Model)> for Grant {
    fn from((g, m): (coupon_grant::Model, merchant::Model)) -> Self {
        Self {
            coupon_id: g.coupon_id,
            merchant_id: g.merchant_id,
            merchant_name: m.name,
            granted_by: g.granted_by,
            created_at: g.created_at,
        }
    }
}

#[derive(Object)]
pub struct Revoked {
    pub revoked: bool,
}

pub struct CouponApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Coupons")]
impl CouponApi {
    /// Coupons of merchants of own organisation and those below
    #[oai(path = "/coupons", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        merchant_id: Query<Option<i64>>,
        #[oai(validator(max_length = 100))] name: Query<Option<String>>,
        enabled: Query<Option<bool>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<Coupon>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let filter = CouponFilter {
            merchant_id: merchant_id.0,
            name: name.0,
            enabled: enabled.0,
        };
        let (items, total) = coupons::list(&state, &auth.0, filter, req).await?;
        Ok(Json(Page::new(
            items.into_iter().map(Coupon::from).collect(),
            total,
            req,
        )))
    }

    /// Create a coupon (closed until enabled)
    #[oai(path = "/coupons", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<CreateCouponBody>,
    ) -> ApiResult<Json<Coupon>> {
        let body = body.0;
        let fields = CouponInput::from(body.fields).validate()?;
        let c = coupons::create(&state, &auth.0, body.merchant_id, fields).await?;
        Ok(Json(c.into()))
    }

    /// One coupon
    #[oai(path = "/coupons/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Coupon>> {
        Ok(Json(
            coupons::visible(&state.db, &auth.0.scope, id.0)
                .await?
                .into(),
        ))
    }

    /// Edit a coupon (send the version read); the quantity may not drop below what activities hold
    #[oai(path = "/coupons/:id", method = "put")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<UpdateCouponBody>,
    ) -> ApiResult<Json<Coupon>> {
        let body = body.0;
        coupons::visible(&state.db, &auth.0.scope, id.0).await?;
        let fields = CouponInput::from(body.fields).validate()?;
        let c = coupons::update(&state, &auth.0, id.0, body.version, fields).await?;
        Ok(Json(c.into()))
    }

    /// 开启
    #[oai(path = "/coupons/:id/enable", method = "post")]
    async fn enable(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Coupon>> {
        Ok(Json(
            coupons::set_enabled(&state, &auth.0, id.0, true)
                .await?
                .into(),
        ))
    }

    /// 关闭
    ///
    /// A closed coupon cannot be added to an activity's prizes. Vouchers already issued
    /// (and the prizes of activities already open) are not affected: they stay
    /// claimable and redeemable until their validity ends. To stop redemptions, take
    /// the merchant offline (下线).
    #[oai(path = "/coupons/:id/disable", method = "post")]
    async fn disable(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Coupon>> {
        Ok(Json(
            coupons::set_enabled(&state, &auth.0, id.0, false)
                .await?
                .into(),
        ))
    }

    /// Merchants the coupon is granted to (授权列表)
    #[oai(path = "/coupons/:id/grants", method = "get")]
    async fn grants(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Grant>>> {
        let rows = coupons::grants(&state, &auth.0, id.0).await?;
        Ok(Json(rows.into_iter().map(Grant::from).collect()))
    }

    /// Grant another merchant in scope the right to redeem (授权)
    #[oai(path = "/coupons/:id/grants", method = "post")]
    async fn grant(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<GrantBody>,
    ) -> ApiResult<Json<Grant>> {
        let row = coupons::grant(&state, &auth.0, id.0, body.0.merchant_id).await?;
        Ok(Json(row.into()))
    }

    /// Revoke a grant
    #[oai(path = "/coupons/:id/grants/:merchant_id", method = "delete")]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        merchant_id: Path<i64>,
    ) -> ApiResult<Json<Revoked>> {
        coupons::revoke(&state, &auth.0, id.0, merchant_id.0).await?;
        Ok(Json(Revoked { revoked: true }))
    }
}
