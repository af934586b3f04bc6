use sea_orm::entity::prelude::*;

use crate::enums::{TaskKind, TaskStatus};

/// A background task (采集任务, 结算报表, ...). The row, not the queue message, is the
/// source of truth: a worker claims it with a lease, and the housekeeping job re-enqueues
/// tasks whose message was lost or whose worker died.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub kind: TaskKind,
    pub status: TaskStatus,
    pub file_name: Option<String>,
    pub submitted_by: Option<i64>,
    /// Job-specific input as JSON.
    pub params: Option<String>,
    pub attempts: i32,
    pub lease_until: Option<DateTimeUtc>,
    pub total: i64,
    pub processed: i64,
    pub inserted: i64,
    pub updated: i64,
    pub failed: i64,
    /// Why the task failed as a whole (Chinese, shown to the admin).
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// The result workbook (stored_files), when the task produced one.
    pub result_file_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
