use sea_orm::entity::prelude::*;

use crate::enums::MemberStatus;

/// A union member on the roster. The ID number is stored encrypted (`id_number_enc`),
/// as a keyed hash for lookups (`id_number_hash`) and in masked form for lists.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub unit_id: Option<i64>,
    pub name: String,
    pub phone: String,
    /// `IdType::as_code()`
    pub id_type: String,
    pub id_number_enc: String,
    pub id_number_hash: String,
    pub id_number_masked: String,
    /// `Gender::as_code()`
    pub gender: Option<String>,
    pub birth_date: Option<Date>,
    pub migrant_worker: bool,
    pub position: Option<String>,
    pub joined_on: Option<Date>,
    pub status: MemberStatus,
    pub status_reason: Option<String>,
    pub left_on: Option<Date>,
    pub remark: Option<String>,
    pub certified: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The import task that created this record, if any.
    pub import_task_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrgId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
