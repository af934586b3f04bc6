//! The member import (采集任务): the template with the union's own units, and an
//! uploaded file checked, sealed and handed to the background import
//! (`jobs::import`).

use entity::enums::{FilePurpose, TaskKind};
use entity::{task, unit};
use jobs::import::reader::FileKind;
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

/// How an upload is to be imported.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// 试导入: check and report only.
    pub dry_run: bool,
    /// The unit of rows whose 所在单位 is blank or absent (one of the caller's units).
    pub default_unit_id: Option<i64>,
}

/// Checks an uploaded roster (.xlsx, .xls or .csv, told by its content), stores it
/// sealed and submits the import task. The file holds full ID numbers: it is stored
/// encrypted like them, readable only by the worker, and deleted when the task ends.
pub async fn submit(
    state: &AppState,
    me: &AdminPrincipal,
    file_name: String,
    bytes: Vec<u8>,
    options: ImportOptions,
) -> ApiResult<task::Model> {
    if bytes.is_empty() {
        return Err(ApiError::validation("file（上传文件）不能为空"));
    }
    if bytes.len() > state.settings.upload_limit_bytes {
        return Err(too_large(state.settings.upload_limit_bytes));
    }
    if let Some(unit_id) = options.default_unit_id {
        // The import writes to the caller's own union, so the unit must be one of its.
        let own = unit::Entity::find_by_id(unit_id)
            .filter(unit::Column::OrgId.eq(me.org_id))
            .one(&state.db)
            .await?;
        if own.is_none() {
            return Err(ApiError::validation(
                "default_unit_id（默认单位）不是本工会已登记的单位",
            ));
        }
    }
    // A workbook (.xlsx, .xls) or a text file (.csv) by its content, whatever its name;
    // anything else is refused before a task exists.
    let cipher = state.cipher.clone();
    let (kind, sealed) = tokio::task::spawn_blocking(move || {
        jobs::import::reader::detect(&bytes).map(|kind| (kind, cipher.encrypt_bytes(&bytes)))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(|refused| ApiError::validation(format!("file（上传文件）{refused}")))?;
    let content_type = match kind {
        FileKind::Xlsx => XLSX_MIME,
        FileKind::Xls => "application/vnd.ms-excel",
        FileKind::Csv => "text/csv",
    };
    let now = state.clock.now();
    let stored = files::store(
        &state.db,
        me.org_id,
        FilePurpose::ImportUpload,
        &file_name,
        content_type,
        sealed,
        Some(me.admin_id),
        now,
    )
    .await?;
    let params = serde_json::json!(jobs::import::ImportParams {
        file_id: stored.id,
        dry_run: options.dry_run,
        default_unit_id: options.default_unit_id,
    });
    tasks::submit(
        state,
        me,
        TaskKind::MemberImport,
        Some(stored.file_name),
        Some(params),
    )
    .await
}
