//! Settlement (结算): the settlement report job (结算报表, `report`) and what the api's
//! settlement statements (结算单) share with it: when an activity's figures become final,
//! and the workbook conventions (`sheet`).

pub mod report;
pub mod sheet;
pub mod verification;

use chrono::{DateTime, Utc};
use entity::{activity, activity_prize, coupon, voucher};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};

/// When an activity's vouchers can be redeemed, and from when its settlement figures
/// are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedemptionWindow {
    /// The earliest start of its vouchers' validity (its prizes' coupons before it opened).
    pub valid_from: Option<DateTime<Utc>>,
    /// The latest end of its vouchers' validity.
    pub valid_to: Option<DateTime<Utc>>,
    /// The later of the end of the claim window and the end of the redemption window:
    /// from then on nothing can be claimed or redeemed, so the figures no longer change.
    pub settles_at: DateTime<Utc>,
}

impl RedemptionWindow {
    /// Whether a report generated at `now` is final (else it is a 预览).
    pub fn is_final(&self, now: DateTime<Utc>) -> bool {
        now >= self.settles_at
    }
}

/// The redemption window of an activity, read from its vouchers (each copies its
/// coupon's window when the activity opens, and redemption checks that copy), or from
/// its prizes' coupons while it has none.
pub async fn redemption_window<C: ConnectionTrait>(
    db: &C,
    activity: &activity::Model,
) -> Result<RedemptionWindow, DbErr> {
    let first = |col: voucher::Column, desc: bool| {
        let query = voucher::Entity::find()
            .select_only()
            .column(col)
            .filter(voucher::Column::ActivityId.eq(activity.id));
        let query = if desc {
            query.order_by_desc(col)
        } else {
            query.order_by_asc(col)
        };
        query.limit(1).into_tuple::<DateTime<Utc>>().one(db)
    };
    let mut valid_from = first(voucher::Column::ValidFrom, false).await?;
    let mut valid_to = first(voucher::Column::ValidTo, true).await?;
    if valid_to.is_none() {
        let coupons: Vec<(DateTime<Utc>, DateTime<Utc>)> = activity_prize::Entity::find()
            .select_only()
            .column(coupon::Column::ValidFrom)
            .column(coupon::Column::ValidTo)
            .join(JoinType::InnerJoin, activity_prize::Relation::Coupon.def())
            .filter(activity_prize::Column::ActivityId.eq(activity.id))
            .into_tuple()
            .all(db)
            .await?;
        valid_from = coupons.iter().map(|c| c.0).min();
        valid_to = coupons.iter().map(|c| c.1).max();
    }
    Ok(RedemptionWindow {
        valid_from,
        valid_to,
        settles_at: valid_to.map_or(activity.ends_at, |t| t.max(activity.ends_at)),
    })
}
