//! 我的-卡券: a member's vouchers, one voucher, and its QR code.

use chrono::{DateTime, Utc};
use entity::enums::VoucherStatus;
use entity::{coupon, coupon_grant, merchant, voucher};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::error::{ApiError, ApiResult};
use crate::paging::PageRequest;
use crate::state::AppState;

/// An unused voucher past its window shows as expired before the sweep marks it.
pub fn effective_status(v: &voucher::Model, now: DateTime<Utc>) -> VoucherStatus {
    match v.status {
        VoucherStatus::Unused if now >= v.valid_to => VoucherStatus::Expired,
        s => s,
    }
}

async fn member_of(state: &AppState, account_id: i64) -> ApiResult<i64> {
    let holder = state.cache.holder(&state.db, account_id).await?;
    holder
        .member
        .as_ref()
        .map(|m| m.id)
        .ok_or_else(ApiError::not_certified)
}

/// The member's vouchers, newest first, optionally of one (effective) status.
pub async fn list(
    state: &AppState,
    account_id: i64,
    status: Option<VoucherStatus>,
    page: PageRequest,
) -> ApiResult<(Vec<voucher::Model>, u64)> {
    let member_id = member_of(state, account_id).await?;
    let now = state.clock.now();
    let mut query = voucher::Entity::find().filter(voucher::Column::MemberId.eq(member_id));
    query = match status {
        None => query.filter(voucher::Column::Status.ne(VoucherStatus::Available)),
        Some(VoucherStatus::Unused) => query
            .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
            .filter(voucher::Column::ValidTo.gt(now)),
        Some(VoucherStatus::Expired) => query.filter(
            sea_orm::Condition::any()
                .add(voucher::Column::Status.eq(VoucherStatus::Expired))
                .add(
                    sea_orm::Condition::all()
                        .add(voucher::Column::Status.eq(VoucherStatus::Unused))
                        .add(voucher::Column::ValidTo.lte(now)),
                ),
        ),
        Some(s) => query.filter(voucher::Column::Status.eq(s)),
    };
    let paginator = query
        .order_by_desc(voucher::Column::Id)
        .paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}

/// One voucher of the member's, or 404.
pub async fn get(state: &AppState, account_id: i64, id: i64) -> ApiResult<voucher::Model> {
    let member_id = member_of(state, account_id).await?;
    voucher::Entity::find_by_id(id)
        .filter(voucher::Column::MemberId.eq(member_id))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("卡券"))
}

/// The dynamic code of one of the member's vouchers (动态券码), when its activity has
/// screenshot-proof vouchers.
pub async fn dynamic_code(
    state: &AppState,
    account_id: i64,
    id: i64,
) -> ApiResult<crate::services::dynamic_codes::DynamicCode> {
    use crate::services::dynamic_codes;
    let v = get(state, account_id, id).await?;
    let dynamic = entity::activity::Entity::find_by_id(v.activity_id)
        .one(&state.db)
        .await?
        .is_some_and(|a| a.dynamic_code);
    if !dynamic {
        return Err(ApiError::conflict(
            crate::error::ErrorCode::DynamicCodeNotEnabled,
            "该券所属活动未启用动态券码，请出示券码二维码",
        ));
    }
    let key = state.cipher.subkey(dynamic_codes::KEY_PURPOSE);
    Ok(dynamic_codes::issue(&key, v.id, state.clock.now()))
}

/// The voucher's QR code as PNG: it holds the code itself, which the merchant
/// mini-program scans.
pub fn qr_png(code: &str) -> ApiResult<Vec<u8>> {
    jobs::qr::png(code, 300).map_err(|e| ApiError::Internal(e.into()))
}

/// Where a voucher may be used and where it was: the coupon's owning merchant first, then
/// the merchants it was granted to (by name), and the merchant that redeemed it.
pub struct VoucherPlaces {
    pub redeemable_at: Vec<merchant::Model>,
    pub redeemed_by: Option<merchant::Model>,
}

pub async fn places(state: &AppState, v: &voucher::Model) -> ApiResult<VoucherPlaces> {
    let owner = coupon::Entity::find_by_id(v.coupon_id)
        .one(&state.db)
        .await?
        .map(|c| c.merchant_id);
    let allowed: Vec<i64> = coupon_grant::Entity::find()
        .filter(coupon_grant::Column::CouponId.eq(v.coupon_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|g| g.merchant_id)
        .chain(owner)
        .collect();
    let wanted: Vec<i64> = allowed
        .iter()
        .copied()
        .chain(v.redeemed_by_merchant_id)
        .collect();
    let found = merchant::Entity::find()
        .filter(merchant::Column::Id.is_in(wanted))
        .order_by_asc(merchant::Column::Name)
        .all(&state.db)
        .await?;
    let redeemed_by = found
        .iter()
        .find(|m| Some(m.id) == v.redeemed_by_merchant_id)
        .cloned();
    let mut redeemable_at: Vec<merchant::Model> = found
        .into_iter()
        .filter(|m| allowed.contains(&m.id))
        .collect();
    // The owner first, then the granted ones by name (a stable sort keeps that order).
    redeemable_at.sort_by_key(|m| Some(m.id) != owner);
    Ok(VoucherPlaces {
        redeemable_at,
        redeemed_by,
    })
}
