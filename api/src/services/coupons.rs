//! Coupons (优惠券) of merchants: create, edit, 开启 / 关闭, and 授权 to other merchants.
//!
//! `quantity` never drops below `reserved` (what activities hold as prizes): both are
//! changed only by conditional updates, so concurrent edits cannot break the rule.
//! Coupons of the scope are readable; changes need the owning organisation
//! (`scope::require_owner`).

use chrono::{DateTime, Utc};
use entity::enums::CouponKind;
use entity::{coupon, coupon_grant, merchant};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::input::{multiline_text, required_text};
use crate::paging::PageRequest;
use crate::scope::{Scope, require_owner};
use crate::services::{audit, merchants, toggle};
use crate::state::AppState;

pub const MAX_QUANTITY: i64 = 10_000_000;
/// 1,000,000 yuan.
pub const MAX_AMOUNT_FEN: i64 = 100_000_000;

/// Coupon fields as the client sent them.
#[derive(Clone, Debug)]
pub struct CouponInput {
    pub kind: Option<CouponKind>,
    pub title: String,
    pub name: String,
    pub quantity: i64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub amount_fen: i64,
    pub conditions: Option<String>,
    pub description: Option<String>,
}

/// Validated coupon fields.
#[derive(Clone, Debug)]
pub struct CouponFields {
    kind: CouponKind,
    title: String,
    name: String,
    quantity: i64,
    valid_from: DateTime<Utc>,
    valid_to: DateTime<Utc>,
    amount_fen: i64,
    conditions: Option<String>,
    description: Option<String>,
}

impl CouponInput {
    pub fn validate(self) -> ApiResult<CouponFields> {
        let title = required_text(&self.title, "优惠券标题", 100)?;
        let name = required_text(&self.name, "优惠券名称", 100)?;
        if self.quantity <= 0 {
            return Err(ApiError::validation("优惠券数量应大于0"));
        }
        if self.quantity > MAX_QUANTITY {
            return Err(ApiError::validation(format!(
                "优惠券数量不能超过{MAX_QUANTITY}"
            )));
        }
        if self.valid_to <= self.valid_from {
            return Err(ApiError::validation("有效期结束时间须晚于开始时间"));
        }
        if self.amount_fen <= 0 {
            return Err(ApiError::validation("优惠金额（amount_fen）应大于0"));
        }
        if self.amount_fen > MAX_AMOUNT_FEN {
            return Err(ApiError::validation(
                "优惠金额（amount_fen）不能超过100万元",
            ));
        }
        Ok(CouponFields {
            kind: self.kind.unwrap_or(CouponKind::UnionActivity),
            title,
            name,
            quantity: self.quantity,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            amount_fen: self.amount_fen,
            conditions: multiline_text(self.conditions, "使用条件", 500)?,
            description: multiline_text(self.description, "简介", 2000)?,
        })
    }
}

fn apply(active: &mut coupon::ActiveModel, f: CouponFields) {
    active.kind = Set(f.kind);
    active.title = Set(f.title);
    active.name = Set(f.name);
    active.valid_from = Set(f.valid_from);
    active.valid_to = Set(f.valid_to);
    active.amount_fen = Set(f.amount_fen);
    active.conditions = Set(f.conditions);
    active.description = Set(f.description);
}

/// A coupon of an organisation in scope, or 404.
pub async fn visible<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: i64,
) -> ApiResult<coupon::Model> {
    coupon::Entity::find_by_id(id)
        .filter(scope.filter(coupon::Column::OrgId))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("优惠券"))
}

/// A coupon the caller's organisation owns: 404 outside the scope, 403 `NOT_OWNER` for
/// one of an organisation below.
pub async fn owned<C: ConnectionTrait>(
    db: &C,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<coupon::Model> {
    let coupon = visible(db, &me.scope, id).await?;
    require_owner(coupon.org_id, me.org_id)?;
    Ok(coupon)
}

/// Creates a coupon (closed until 开启) for a merchant of the caller's organisation.
pub async fn create(
    state: &AppState,
    me: &AdminPrincipal,
    merchant_id: i64,
    fields: CouponFields,
) -> ApiResult<coupon::Model> {
    let merchant = merchants::owned(&state.db, me, merchant_id).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let mut active = coupon::ActiveModel {
        merchant_id: Set(merchant.id),
        org_id: Set(merchant.org_id),
        quantity: Set(fields.quantity),
        reserved: Set(0),
        enabled: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let coupon = active.insert(&txn).await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("create_coupon", "coupon", coupon.id)
            .with_detail(serde_json::json!({ "merchant_id": merchant.id })),
    )
    .await?;
    txn.commit().await?;
    Ok(coupon)
}

/// Edits a coupon read at `version`; the quantity may not drop below what activities hold.
/// Allowed while activities hold it: vouchers already issued keep the window and face value
/// they copied (`slots`), so an edit only reaches vouchers issued afterwards.
pub async fn update(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    version: i32,
    fields: CouponFields,
) -> ApiResult<coupon::Model> {
    let current = owned(&state.db, me, id).await?;
    let quantity = fields.quantity;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let mut active = coupon::ActiveModel {
        quantity: Set(quantity),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let changed = coupon::Entity::update_many()
        .set(active)
        .col_expr(
            coupon::Column::Version,
            Expr::col(coupon::Column::Version).add(1),
        )
        .filter(coupon::Column::Id.eq(current.id))
        .filter(coupon::Column::Version.eq(version))
        .filter(coupon::Column::Reserved.lte(quantity))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        let now_row = visible(&txn, &me.scope, id).await?;
        if now_row.version != version {
            return Err(ApiError::stale("优惠券"));
        }
        return Err(ApiError::conflict(
            ErrorCode::QuantityBelowReserved,
            format!("优惠券数量不能少于活动已占用的{}张", now_row.reserved),
        ));
    }
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("update_coupon", "coupon", id)
            .with_detail(serde_json::json!({ "quantity": quantity })),
    )
    .await?;
    txn.commit().await?;
    visible(&state.db, &me.scope, id).await
}

/// 开启 / 关闭.
pub async fn set_enabled(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    enabled: bool,
) -> ApiResult<coupon::Model> {
    let current = owned(&state.db, me, id).await?;
    let action = if enabled {
        "enable_coupon"
    } else {
        "disable_coupon"
    };
    toggle::set::<coupon::Entity>(
        state,
        me,
        current.id,
        toggle::Columns {
            id: coupon::Column::Id,
            flag: coupon::Column::Enabled,
            version: coupon::Column::Version,
            updated_at: coupon::Column::UpdatedAt,
        },
        enabled,
        audit::Entry::on(action, "coupon", id),
    )
    .await?;
    visible(&state.db, &me.scope, id).await
}

/// Filters of the coupon list.
#[derive(Debug, Default)]
pub struct CouponFilter {
    pub merchant_id: Option<i64>,
    pub name: Option<String>,
    pub enabled: Option<bool>,
}

pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: CouponFilter,
    page: PageRequest,
) -> ApiResult<(Vec<coupon::Model>, u64)> {
    let mut query = coupon::Entity::find()
        .filter(me.scope.filter(coupon::Column::OrgId))
        .order_by_desc(coupon::Column::Id);
    if let Some(m) = filter.merchant_id {
        query = query.filter(coupon::Column::MerchantId.eq(m));
    }
    if let Some(name) = filter
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
    {
        query = query.filter(
            coupon::Column::Name
                .contains(&name)
                .or(coupon::Column::Title.contains(&name)),
        );
    }
    if let Some(enabled) = filter.enabled {
        query = query.filter(coupon::Column::Enabled.eq(enabled));
    }
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}

/// The merchants a coupon is granted to (授权), with their grants.
pub async fn grants(
    state: &AppState,
    me: &AdminPrincipal,
    coupon_id: i64,
) -> ApiResult<Vec<(coupon_grant::Model, merchant::Model)>> {
    let coupon = visible(&state.db, &me.scope, coupon_id).await?;
    let rows = coupon_grant::Entity::find()
        .filter(coupon_grant::Column::CouponId.eq(coupon.id))
        .find_also_related(merchant::Entity)
        .order_by_asc(coupon_grant::Column::Id)
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(g, m)| m.map(|m| (g, m)))
        .collect())
}

/// Authorises another merchant in the caller's scope to redeem the coupon.
pub async fn grant(
    state: &AppState,
    me: &AdminPrincipal,
    coupon_id: i64,
    merchant_id: i64,
) -> ApiResult<(coupon_grant::Model, merchant::Model)> {
    let coupon = owned(&state.db, me, coupon_id).await?;
    let grantee = merchants::visible(&state.db, &me.scope, merchant_id).await?;
    if grantee.id == coupon.merchant_id {
        return Err(ApiError::validation(
            "被授权商家（merchant_id）不能是优惠券所属商家",
        ));
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let grant = coupon_grant::ActiveModel {
        coupon_id: Set(coupon.id),
        merchant_id: Set(grantee.id),
        granted_by: Set(me.admin_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| ApiError::on_unique(e, ErrorCode::AlreadyGranted, "该商家已获授权"))?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("grant_coupon", "coupon", coupon.id)
            .with_detail(serde_json::json!({ "merchant_id": grantee.id })),
    )
    .await?;
    txn.commit().await?;
    Ok((grant, grantee))
}

/// Revokes a grant.
pub async fn revoke(
    state: &AppState,
    me: &AdminPrincipal,
    coupon_id: i64,
    merchant_id: i64,
) -> ApiResult<()> {
    let coupon = owned(&state.db, me, coupon_id).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let deleted = coupon_grant::Entity::delete_many()
        .filter(coupon_grant::Column::CouponId.eq(coupon.id))
        .filter(coupon_grant::Column::MerchantId.eq(merchant_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound("授权"));
    }
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("revoke_coupon_grant", "coupon", coupon.id)
            .with_detail(serde_json::json!({ "merchant_id": merchant_id })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
