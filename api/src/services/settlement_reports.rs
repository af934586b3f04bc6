//! Settlement reports (结算报表) of an activity: submitted here, written by a worker
//! (`jobs::settlement::report`), read back through the tasks routes.
//!
//! Who: any admin who sees the activity, that is the publishing union's admins and
//! those of the federations above it (oversight); another branch gets 404. The task and
//! its file belong to the submitter's organisation, so a federation's report is not
//! seen by the union below it.
//!
//! When: from `RedemptionWindow::settles_at` (the later of the claim window's end and
//! the vouchers' validity end) a report is final. Before that only a 预览 may be asked
//! for (`preview: true`), and the workbook and file name say so; without the flag the
//! request is refused with 409 `SETTLEMENT_NOT_DUE`.

use entity::enums::TaskKind;
use entity::task;
use jobs::settlement::report::{self, ReportParams};
use jobs::settlement::{redemption_window, sheet};
use sea_orm::TransactionTrait;

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::services::{activities, audit, tasks};
use crate::state::AppState;

/// Creates the report task (audited in the same transaction) and enqueues it.
#[tracing::instrument(skip(state, me), fields(admin_id = me.admin_id))]
pub async fn submit(
    state: &AppState,
    me: &AdminPrincipal,
    activity_id: i64,
    preview: bool,
) -> ApiResult<task::Model> {
    let activity = activities::visible(&state.db, &me.scope, activity_id).await?;
    let now = state.clock.now();
    let window = redemption_window(&state.db, &activity).await?;
    let is_final = window.is_final(now);
    if !is_final && !preview {
        return Err(ApiError::Conflict {
            code: ErrorCode::SettlementNotDue,
            message: format!(
                "核销期未结束（{}结束），暂不能生成正式结算报表；如需查看当前数据，请以预览方式生成（preview=true）",
                sheet::beijing_minute(window.settles_at)
            ),
            details: Some(serde_json::json!({
                "settles_at": window.settles_at.with_timezone(&jobs::clock::beijing()).to_rfc3339(),
            })),
        });
    }
    let preview = !is_final;
    let params = ReportParams {
        activity_id: activity.id,
        preview,
    };
    let params = serde_json::to_value(&params).map_err(|e| ApiError::Internal(e.into()))?;
    let txn = state.db.begin().await?;
    let task = tasks::insert(
        &txn,
        me,
        now,
        TaskKind::SettlementReport,
        Some(report::file_name(&activity.title, preview)),
        Some(params),
    )
    .await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("generate_settlement_report", "activity", activity.id)
            .with_detail(serde_json::json!({ "task_id": task.id, "preview": preview })),
    )
    .await?;
    txn.commit().await?;
    tasks::enqueue(state, &task).await;
    Ok(task)
}
