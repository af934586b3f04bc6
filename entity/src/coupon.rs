use sea_orm::entity::prelude::*;

use crate::enums::CouponKind;

/// A coupon (优惠券) of a merchant. `reserved` is the sum of the quantities activities
/// hold as prizes; the database keeps `reserved <= quantity` through conditional updates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupons")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub merchant_id: i64,
    /// The owning merchant's organisation (denormalised for the scope filter).
    pub org_id: i64,
    pub kind: CouponKind,
    /// 标题
    pub title: String,
    /// 名称
    pub name: String,
    /// 数量
    pub quantity: i64,
    /// Held by activities' prize lists.
    pub reserved: i64,
    /// 有效期: the redemption window
    pub valid_from: DateTimeUtc,
    pub valid_to: DateTimeUtc,
    /// 金额 (face value) in fen
    pub amount_fen: i64,
    /// 使用条件
    pub conditions: Option<String>,
    /// 简介
    pub description: Option<String>,
    /// 开启 / 关闭
    pub enabled: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::merchant::Entity",
        from = "Column::MerchantId",
        to = "super::merchant::Column::Id"
    )]
    Merchant,
}

impl Related<super::merchant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Merchant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
