use sea_orm::entity::prelude::*;

/// One voucher of a confirmed settlement statement, copied at confirmation so the
/// statement never changes afterwards. `voucher_id` is unique: a voucher is settled once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settlement_statement_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub statement_id: i64,
    #[sea_orm(unique)]
    pub voucher_id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub code: String,
    pub coupon_id: i64,
    pub coupon_title: String,
    pub face_value_fen: i64,
    pub redeemed_at: DateTimeUtc,
    pub staff_name: Option<String>,
    pub member_name_masked: Option<String>,
    pub member_phone_masked: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
