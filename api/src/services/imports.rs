//! The member import (采集任务): the template with the union's own units, and an
//! uploaded file checked, sealed and handed to the background import
//! (`jobs::import`).

use entity::enums::{FilePurpose, TaskKind};
use entity::{task, unit};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::AdminPrincipal;
use crate::download::XLSX_MIME;
use crate::error::{ApiError, ApiResult};
use crate::services::{files, tasks};
use crate::state::AppState;

/// The template 工会会员信息采集表.xlsx, with the caller's own units in the drop-down.
pub async fn template(state: &AppState, me: &AdminPrincipal) -> ApiResult<Vec<u8>> {
    let units: Vec<String> = unit::Entity::find()
        .filter(unit::Column::OrgId.eq(me.org_id))
        .order_by_asc(unit::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| u.name)
        .collect();
    jobs::import::template::build(&units)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("template: {e}")))
}

/// The upload's size limit refusal.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("上传文件不能超过{}MB", limit / 1024 / 1024))
}

/// Checks an uploaded roster, stores it sealed and submits the import task. The file
/// holds full ID numbers: it is stored encrypted like them, readable only by the
/// worker, and deleted when the task ends.
pub async fn submit(
    state: &AppState,
    me: &AdminPrincipal,
    file_name: String,
    bytes: Vec<u8>,
) -> ApiResult<task::Model> {
    if bytes.is_empty() {
        return Err(ApiError::validation("file（上传文件）不能为空"));
    }
    if bytes.len() > state.settings.upload_limit_bytes {
        return Err(too_large(state.settings.upload_limit_bytes));
    }
    // An xlsx is a zip archive; anything else is refused before a task exists.
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(ApiError::validation(
            "file（上传文件）不是Excel（.xlsx）文件，请使用下载的模板",
        ));
    }
    let cipher = state.cipher.clone();
    let sealed = tokio::task::spawn_blocking(move || cipher.encrypt_bytes(&bytes))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let now = state.clock.now();
    let stored = files::store(
        &state.db,
        me.org_id,
        FilePurpose::ImportUpload,
        &file_name,
        XLSX_MIME,
        sealed,
        Some(me.admin_id),
        now,
    )
    .await?;
    let params = serde_json::json!(jobs::import::ImportParams { file_id: stored.id });
    tasks::submit(
        state,
        me,
        TaskKind::MemberImport,
        Some(stored.file_name),
        Some(params),
    )
    .await
}
