use sea_orm::entity::prelude::*;

use crate::enums::VoucherStatus;

/// One unit of a prize: a free slot (`member_id` NULL, status `available`) until a claim
/// takes it, then the member's 电子券. The code is drawn when the slot is created; the
/// coupon's window is copied so redemption checks it in the same conditional update, and
/// its amount so the voucher keeps the face value it was issued with.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vouchers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub activity_id: i64,
    pub prize_id: i64,
    pub coupon_id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub status: VoucherStatus,
    pub member_id: Option<i64>,
    pub claim_id: Option<i64>,
    /// The holder as merchants see it (masked when the claim is made).
    pub holder_name_masked: Option<String>,
    pub holder_phone_masked: Option<String>,
    pub valid_from: DateTimeUtc,
    pub valid_to: DateTimeUtc,
    /// Face value in fen, as issued: what every money figure about this voucher uses.
    pub amount_fen: i64,
    pub claimed_at: Option<DateTimeUtc>,
    pub redeemed_at: Option<DateTimeUtc>,
    pub redeemed_by_merchant_id: Option<i64>,
    pub redeemed_by_staff_id: Option<i64>,
    /// The `Idempotency-Key` of the redemption request, unique per staff account.
    pub redeem_key: Option<String>,
    pub expired_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::coupon::Entity",
        from = "Column::CouponId",
        to = "super::coupon::Column::Id"
    )]
    Coupon,
}

impl Related<super::coupon::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Coupon.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
