use sea_orm::entity::prelude::*;

/// A member-app login (phone + password, optionally WeChat). Once a certification is
/// approved it is linked to the roster record (`member_id`), remembers the certified
/// person (`certified_id_hash`, unique: one person, one account) and holds the
/// electronic member card number.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub phone: String,
    pub password_hash: String,
    /// 注册地区
    pub region: String,
    pub agreement_accepted_at: DateTimeUtc,
    pub wechat_unionid: Option<String>,
    /// openid of the mobile app (WeChat Open Platform)
    pub wechat_app_openid: Option<String>,
    /// openid of the mini-program
    pub wechat_mini_openid: Option<String>,
    pub member_id: Option<i64>,
    pub certified_id_hash: Option<String>,
    pub card_no: Option<String>,
    pub card_issued_at: Option<DateTimeUtc>,
    /// Whether the member gets an SMS before an unused voucher expires (卡券到期提醒).
    pub expiry_reminders: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::member::Entity",
        from = "Column::MemberId",
        to = "super::member::Column::Id"
    )]
    Member,
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
