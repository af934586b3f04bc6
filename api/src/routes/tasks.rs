use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{TaskKind, TaskStatus};
use entity::task;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::download::XlsxDownload;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::services::tasks::{self, TaskFilter};
use crate::state::AppState;

/// A background task (采集任务 / 结算报表 ...).
#[derive(Object)]
pub struct Task {
    pub id: i64,
    pub org_id: i64,
    pub kind: TaskKind,
    /// 任务类型
    pub kind_label: String,
    pub status: TaskStatus,
    /// 等待执行 / 执行中 / 执行成功 / 执行失败
    pub status_label: String,
    pub file_name: Option<String>,
    pub submitted_by: Option<i64>,
    /// Runs started so far; at most `TASK_MAX_ATTEMPTS` (3), after which a task whose
    /// last run died ends 执行失败 with a reason in `error`.
    pub attempts: i32,
    pub total: i64,
    pub processed: i64,
    pub inserted: i64,
    pub updated: i64,
    pub failed: i64,
    /// Why the task failed (Chinese, for the admin), e.g. a refused file or
    /// "任务多次执行未能完成（已尝试3次），请检查文件后重新导入".
    pub error: Option<String>,
    /// 提交时间
    pub created_at: DateTime<Utc>,
    /// 状态更新时间
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Whether `GET /api/admin/tasks/{id}/result` has a workbook.
    pub has_result: bool,
    /// A member import submitted as 试导入 (checks only; the roster is unchanged, and
    /// `inserted` / `updated` say what a real import would do).
    pub dry_run: bool,
}

impl From<task::Model> for Task {
    fn from(m: task::Model) -> Self {
        let dry_run = m.kind == TaskKind::MemberImport
            && jobs::task_runner::params::<jobs::import::ImportParams>(&m)
                .is_some_and(|p| p.dry_run);
        Self {
            id: m.id,
            org_id: m.org_id,
            kind: m.kind,
            kind_label: m.kind.label().to_owned(),
            status: m.status,
            status_label: m.status.label().to_owned(),
            file_name: m.file_name,
            submitted_by: m.submitted_by,
            attempts: m.attempts,
            total: m.total,
            processed: m.processed,
            inserted: m.inserted,
            updated: m.updated,
            failed: m.failed,
            error: m.error,
            created_at: m.created_at,
            updated_at: m.updated_at,
            finished_at: m.finished_at,
            has_result: m.result_file_id.is_some(),
            dry_run,
        }
    }
}

#[derive(Object)]
pub struct Submitted {
    pub task_id: i64,
    pub status: TaskStatus,
}

#[derive(ApiResponse)]
pub enum SubmittedResponse {
    /// Accepted; follow the task through `/api/admin/tasks/{id}`.
    #[oai(status = 202)]
    Accepted(Json<Submitted>),
}

pub struct TaskApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Tasks")]
impl TaskApi {
    /// Tasks of own organisation and those below (default: today's)
    #[oai(path = "/tasks", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        status: Query<Option<TaskStatus>>,
        kind: Query<Option<TaskKind>>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<Task>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let filter = TaskFilter {
            status: status.0,
            kind: kind.0,
            from: from.0,
            to: to.0,
        };
        let (items, total) = tasks::list(&state, &auth.0, filter, req).await?;
        Ok(Json(Page::new(
            items.into_iter().map(Task::from).collect(),
            total,
            req,
        )))
    }

    /// One task: status, counts and progress
    #[oai(path = "/tasks/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Task>> {
        Ok(Json(tasks::get(&state, &auth.0, id.0).await?.into()))
    }

    /// The result workbook of a task (导出结果)
    #[oai(path = "/tasks/:id/result", method = "get")]
    async fn result(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<XlsxDownload> {
        let file = tasks::result_file(&state, &auth.0, id.0).await?;
        Ok(XlsxDownload::new(&file.file_name, file.data))
    }

    /// Queue a self-check task (系统自检) that a worker runs; proves the queue end to end
    #[oai(path = "/system/ping-tasks", method = "post")]
    async fn ping(&self, state: Data<&AppState>, auth: AdminAuth) -> ApiResult<SubmittedResponse> {
        let task = tasks::submit(&state, &auth.0, TaskKind::Ping, None, None).await?;
        Ok(SubmittedResponse::Accepted(Json(Submitted {
            task_id: task.id,
            status: task.status,
        })))
    }
}
