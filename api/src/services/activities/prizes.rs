//! The prize list of an activity and the quantities it reserves on the coupons.

use std::collections::HashMap;

use entity::activity_state::ActivityAction;
use entity::enums::TrailAction;
use entity::{activity_prize, coupon, coupon_grant, merchant};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::{edit_refused, illegal, lock_editable, own_org, owned, trail_kept};
use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

pub(super) async fn release<C: ConnectionTrait>(
    db: &C,
    coupon_id: i64,
    quantity: i64,
) -> ApiResult<()> {
    coupon::Entity::update_many()
        .col_expr(
            coupon::Column::Reserved,
            Expr::col(coupon::Column::Reserved).sub(quantity),
        )
        .filter(coupon::Column::Id.eq(coupon_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A prize line with its coupon and the coupon's merchant.
pub type PrizeLine = (activity_prize::Model, coupon::Model, merchant::Model);

/// The prize lists of several activities.
pub async fn prizes_of<C: ConnectionTrait>(
    db: &C,
    activity_ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<PrizeLine>>> {
    let mut out: HashMap<i64, Vec<PrizeLine>> = HashMap::new();
    if activity_ids.is_empty() {
        return Ok(out);
    }
    let rows = activity_prize::Entity::find()
        .filter(activity_prize::Column::ActivityId.is_in(activity_ids.iter().copied()))
        .find_also_related(coupon::Entity)
        .order_by_asc(activity_prize::Column::Id)
        .all(db)
        .await?;
    let merchant_ids: Vec<i64> = rows
        .iter()
        .filter_map(|(_, c)| c.as_ref().map(|c| c.merchant_id))
        .collect();
    let merchants: HashMap<i64, merchant::Model> = merchant::Entity::find()
        .filter(merchant::Column::Id.is_in(merchant_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    for (prize, coupon) in rows {
        if let Some(coupon) = coupon
            && let Some(m) = merchants.get(&coupon.merchant_id)
        {
            out.entry(prize.activity_id)
                .or_default()
                .push((prize, coupon, m.clone()));
        }
    }
    Ok(out)
}

/// Whether the publishing organisation may hand out this coupon: an enabled coupon of a
/// merchant it owns, or one granted to a merchant it owns.
async fn usable_by<C: ConnectionTrait>(
    db: &C,
    coupon: &coupon::Model,
    publisher_org: i64,
) -> ApiResult<bool> {
    if !coupon.enabled {
        return Ok(false);
    }
    let owner = merchant::Entity::find_by_id(coupon.merchant_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("商家"))?;
    if owner.org_id == publisher_org {
        return Ok(true);
    }
    let granted = coupon_grant::Entity::find()
        .filter(coupon_grant::Column::CouponId.eq(coupon.id))
        .filter(
            Expr::col(coupon_grant::Column::MerchantId).in_subquery(
                Query::select()
                    .column(merchant::Column::Id)
                    .from(merchant::Entity)
                    .and_where(merchant::Column::OrgId.eq(publisher_org))
                    .to_owned(),
            ),
        )
        .count(db)
        .await?;
    Ok(granted > 0)
}

/// Adds a prize line, reserving its quantity on the coupon.
pub async fn add_prize(
    state: &AppState,
    me: &AdminPrincipal,
    activity_id: i64,
    coupon_id: i64,
    quantity: i64,
) -> ApiResult<activity_prize::Model> {
    let current = owned(&state.db, me, activity_id).await?;
    current
        .status
        .apply(ActivityAction::Edit)
        .map_err(illegal)?;
    if quantity <= 0 {
        return Err(ApiError::validation("奖品数量（quantity）应大于0"));
    }
    let coupon = coupon::Entity::find_by_id(coupon_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::validation("优惠券（coupon_id）不存在"))?;
    if !usable_by(&state.db, &coupon, current.org_id).await? {
        return Err(ApiError::validation(
            "优惠券（coupon_id）须为本工会商家或获授权商家的已开启优惠券",
        ));
    }
    let now = state.clock.now();
    let org = own_org(&state.db, me).await?;
    let txn = state.db.begin().await?;
    if !lock_editable(&txn, activity_id, now).await? {
        return Err(edit_refused(&txn, &me.scope, activity_id, None).await);
    }
    let reserved = coupon::Entity::update_many()
        .col_expr(
            coupon::Column::Reserved,
            Expr::col(coupon::Column::Reserved).add(quantity),
        )
        .filter(coupon::Column::Id.eq(coupon.id))
        .filter(coupon::Column::Enabled.eq(true))
        .filter(
            Expr::col(coupon::Column::Reserved)
                .add(quantity)
                .lte(Expr::col(coupon::Column::Quantity)),
        )
        .exec(&txn)
        .await?;
    if reserved.rows_affected == 0 {
        let fresh = coupon::Entity::find_by_id(coupon.id)
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("优惠券"))?;
        return Err(ApiError::Conflict {
            code: ErrorCode::InsufficientQuantity,
            message: format!(
                "优惠券剩余可分配数量不足：共{}张，已分配{}张，剩余{}张",
                fresh.quantity,
                fresh.reserved,
                fresh.quantity - fresh.reserved
            ),
            details: Some(serde_json::json!({
                "quantity": fresh.quantity,
                "reserved": fresh.reserved,
            })),
        });
    }
    let prize = activity_prize::ActiveModel {
        activity_id: Set(activity_id),
        coupon_id: Set(coupon.id),
        quantity: Set(quantity),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        ApiError::on_unique(
            e,
            ErrorCode::PrizeExists,
            "奖品列表中已有该优惠券，请先移除再添加",
        )
    })?;
    trail_kept(
        &txn,
        me,
        &org,
        &current,
        TrailAction::AddPrize,
        Some(format!("{} × {}", coupon.name, quantity)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(prize)
}

/// Removes a prize line while the activity is editable, releasing its quantity.
pub async fn remove_prize(
    state: &AppState,
    me: &AdminPrincipal,
    activity_id: i64,
    prize_id: i64,
) -> ApiResult<()> {
    let current = owned(&state.db, me, activity_id).await?;
    current
        .status
        .apply(ActivityAction::Edit)
        .map_err(illegal)?;
    let now = state.clock.now();
    let org = own_org(&state.db, me).await?;
    let txn = state.db.begin().await?;
    if !lock_editable(&txn, activity_id, now).await? {
        return Err(edit_refused(&txn, &me.scope, activity_id, None).await);
    }
    let prize = activity_prize::Entity::find_by_id(prize_id)
        .filter(activity_prize::Column::ActivityId.eq(activity_id))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("奖品"))?;
    activity_prize::Entity::delete_by_id(prize.id)
        .exec(&txn)
        .await?;
    release(&txn, prize.coupon_id, prize.quantity).await?;
    trail_kept(
        &txn,
        me,
        &org,
        &current,
        TrailAction::RemovePrize,
        Some(format!("coupon {} × {}", prize.coupon_id, prize.quantity)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
