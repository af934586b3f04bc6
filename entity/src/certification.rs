use sea_orm::entity::prelude::*;

use crate::enums::CertificationStatus;

/// A real-name certification application (工会会员认证): an app account claims to be a
/// roster member; an admin of that member's union approves or rejects it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    /// The roster record matched when applying.
    pub member_id: i64,
    /// That member's union, whose admins review the application.
    pub org_id: i64,
    pub name: String,
    pub id_number_hash: String,
    pub id_number_masked: String,
    pub status: CertificationStatus,
    pub reject_reason: Option<String>,
    /// The admin who approved or rejected it.
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::app_account::Entity",
        from = "Column::AccountId",
        to = "super::app_account::Column::Id"
    )]
    Account,
    #[sea_orm(
        belongs_to = "super::member::Entity",
        from = "Column::MemberId",
        to = "super::member::Column::Id"
    )]
    Member,
}

impl Related<super::app_account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
