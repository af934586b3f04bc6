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

/// The voucher's QR code as PNG: it holds the code itself, which the merchant
/// mini-program scans. Rendered with the `qrcode` crate (widely used, maintained, pure
/// Rust) into an `image` luma buffer, encoded as PNG.
pub fn qr_png(code: &str) -> ApiResult<Vec<u8>> {
    use image::{ImageEncoder, Luma};
    let qr = qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("QR encoding failed: {e}")))?;
    let img = qr
        .render::<Luma<u8>>()
        .min_dimensions(300, 300)
        .quiet_zone(true)
        .build();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("PNG encoding failed: {e}")))?;
    Ok(out)
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
