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

/// Members with this ID hash, whatever their status. On PostgreSQL the active ones are
/// indexed by the one-active unique index and the others by a partial hash index, so
/// the condition names both halves for PostgreSQL to read each from its index (a plain
/// `id_number_hash = …` would read the whole table).
pub fn id_hash_is(hash: &str) -> sea_orm::Condition {
    use sea_orm::Condition;
    let half = |status| {
        Condition::all()
            .add(status)
            .add(Column::IdNumberHash.eq(hash))
    };
    Condition::any()
        .add(half(Column::Status.eq(MemberStatus::Active)))
        .add(half(Column::Status.ne(MemberStatus::Active)))
}
