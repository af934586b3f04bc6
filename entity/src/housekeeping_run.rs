use sea_orm::entity::prelude::*;

/// One run of the scheduled housekeeping job, kept so operators (and tests) can see
/// that the schedule fires and what it did.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "housekeeping_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub worker: String,
    pub sessions_purged: i64,
    pub tasks_requeued: i64,
    pub ran_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
