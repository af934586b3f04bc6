//! Voucher slots: when an activity is opened, one `vouchers` row per unit of each
//! prize's quantity, free (`member_id` NULL, status `available`) with its code already
//! drawn and the coupon's window and amount (face value) copied: later edits of the
//! coupon change neither for vouchers already issued. Created in the transaction that
//! opens the activity, so an open activity always has all its slots.

use chrono::{DateTime, Utc};
use entity::enums::VoucherStatus;
use entity::{activity_prize, coupon, voucher};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::error::ApiResult;

/// Rows per INSERT (18 values each, far below either backend's parameter limit).
const BATCH: usize = 1_000;

/// Creates the free slots of every prize of the activity; returns how many.
pub async fn create_for_activity<C: ConnectionTrait>(
    db: &C,
    activity_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let prizes = activity_prize::Entity::find()
        .filter(activity_prize::Column::ActivityId.eq(activity_id))
        .find_also_related(coupon::Entity)
        .all(db)
        .await?;
    let mut created = 0u64;
    for (prize, coupon) in prizes {
        let Some(coupon) = coupon else { continue };
        let mut left = usize::try_from(prize.quantity).unwrap_or(0);
        while left > 0 {
            let n = left.min(BATCH);
            let rows = (0..n).map(|_| voucher::ActiveModel {
                activity_id: Set(activity_id),
                prize_id: Set(prize.id),
                coupon_id: Set(coupon.id),
                code: Set(entity::value::voucher_code::generate()),
                status: Set(VoucherStatus::Available),
                member_id: Set(None),
                claim_id: Set(None),
                holder_name_masked: Set(None),
                holder_phone_masked: Set(None),
                valid_from: Set(coupon.valid_from),
                valid_to: Set(coupon.valid_to),
                amount_fen: Set(coupon.amount_fen),
                claimed_at: Set(None),
                redeemed_at: Set(None),
                redeemed_by_merchant_id: Set(None),
                redeemed_by_staff_id: Set(None),
                expired_at: Set(None),
                created_at: Set(now),
                ..Default::default()
            });
            voucher::Entity::insert_many(rows).exec(db).await?;
            left -= n;
            created += n as u64;
        }
    }
    Ok(created)
}
