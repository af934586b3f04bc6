//! Background tasks as the admin sees them: create-and-enqueue, list, detail.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{TaskKind, TaskStatus};
use entity::task;
use jobs::clock::beijing_day_start;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult};
use crate::paging::PageRequest;
use crate::state::AppState;

/// Creates a pending task for the caller's organisation and enqueues it. If the queue
/// is down the task stays pending and housekeeping enqueues it later, so the admin's
/// request still succeeds.
pub async fn submit(
    state: &AppState,
    me: &AdminPrincipal,
    kind: TaskKind,
    file_name: Option<String>,
    params: Option<serde_json::Value>,
) -> ApiResult<task::Model> {
    let task = insert(&state.db, me, state.clock.now(), kind, file_name, params).await?;
    enqueue(state, &task).await;
    Ok(task)
}

/// Inserts a pending task of the caller's organisation (in the caller's transaction when
/// given one); `enqueue` it once that is committed.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    me: &AdminPrincipal,
    now: DateTime<Utc>,
    kind: TaskKind,
    file_name: Option<String>,
    params: Option<serde_json::Value>,
) -> ApiResult<task::Model> {
    Ok(task::ActiveModel {
        org_id: Set(me.org_id),
        kind: Set(kind),
        status: Set(TaskStatus::Pending),
        file_name: Set(file_name),
        submitted_by: Set(Some(me.admin_id)),
        params: Set(params.map(|p| p.to_string())),
        attempts: Set(0),
        lease_until: Set(None),
        total: Set(0),
        processed: Set(0),
        inserted: Set(0),
        updated: Set(0),
        failed: Set(0),
        error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Hands a committed task to the workers. A failure is only logged: the task stays
/// pending and housekeeping enqueues it again.
pub async fn enqueue(state: &AppState, task: &task::Model) {
    if let Err(e) = state.queue.push(jobs::RunTask { task_id: task.id }).await {
        tracing::warn!(task_id = task.id, error = %e, "enqueue failed; housekeeping will retry");
    }
}

/// A task of an organisation in the caller's scope, or 404.
pub async fn get(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<task::Model> {
    task::Entity::find_by_id(id)
        .filter(me.scope.filter(task::Column::OrgId))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("任务"))
}

#[derive(Debug, Default)]
pub struct TaskFilter {
    pub status: Option<TaskStatus>,
    pub kind: Option<TaskKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Tasks of the caller's organisation and those below, newest first. Without dates it
/// shows today's (Beijing time), as the back office does.
pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: TaskFilter,
    page: PageRequest,
) -> ApiResult<(Vec<task::Model>, u64)> {
    let today = state.clock.today();
    let from = filter.from.unwrap_or(today);
    let to = filter.to.unwrap_or(if filter.from.is_some() {
        from.max(today)
    } else {
        today
    });
    if to < from {
        return Err(ApiError::validation("结束日期不能早于开始日期"));
    }
    let mut query = task::Entity::find()
        .filter(me.scope.filter(task::Column::OrgId))
        .filter(task::Column::CreatedAt.gte(beijing_day_start(from)))
        .filter(task::Column::CreatedAt.lt(beijing_day_start(to + chrono::Days::new(1))))
        .order_by_desc(task::Column::CreatedAt)
        .order_by_desc(task::Column::Id);
    if let Some(status) = filter.status {
        query = query.filter(task::Column::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(task::Column::Kind.eq(kind));
    }
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}

/// The result workbook of a task in the caller's scope, or 404.
pub async fn result_file(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<entity::stored_file::Model> {
    let task = get(state, me, id).await?;
    let file_id = task.result_file_id.ok_or(ApiError::NotFound("结果文件"))?;
    entity::stored_file::Entity::find_by_id(file_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("结果文件"))
}
