use sea_orm::entity::prelude::*;

/// A merchant staff login (商家账号 / 核销员) for the merchant mini-program. The phone is
/// unique across all staff; the first account of a merchant is created with it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "merchant_staff")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub merchant_id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub phone: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    /// The merchant's first account (created with the merchant).
    pub is_owner: bool,
    /// Bound WeChat mini-program openid.
    #[sea_orm(unique)]
    pub wx_openid: Option<String>,
    /// Until when the one-time initial password works (while `must_change_password`);
    /// none means expired.
    pub initial_password_expires_at: Option<DateTimeUtc>,
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
