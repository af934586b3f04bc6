use sea_orm::entity::prelude::*;

use crate::enums::MemberEventKind;

/// One change of a member's membership: joined, transferred, retired, ...
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub org_id: i64,
    pub kind: MemberEventKind,
    /// The other side of a transfer.
    pub other_org_id: Option<i64>,
    pub reason: Option<String>,
    pub actor_admin_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
