use entity::enums::{FilePurpose, TaskKind};
use entity::unit;
use poem::web::Data;
use poem_openapi::types::multipart::Upload;
use poem_openapi::{Multipart, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::ApiTags;
use super::tasks::{Submitted, SubmittedResponse};
use crate::auth::AdminAuth;
use crate::download::{XLSX_MIME, XlsxDownload};
use crate::error::{ApiError, ApiResult};
use crate::services::units::require_union;
use crate::services::{files, tasks};
use crate::state::AppState;

#[derive(Multipart)]
pub struct ImportForm {
    /// The filled-in template (.xlsx).
    file: Upload,
}

pub struct ImportApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Roster")]
impl ImportApi {
    /// Download the template 工会会员信息采集表.xlsx (with own units in the drop-down)
    #[oai(path = "/member-imports/template", method = "get")]
    async fn template(&self, state: Data<&AppState>, auth: AdminAuth) -> ApiResult<XlsxDownload> {
        let units: Vec<String> = unit::Entity::find()
            .filter(unit::Column::OrgId.eq(auth.0.org_id))
            .order_by_asc(unit::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|u| u.name)
            .collect();
        let bytes = jobs::import::template::build(&units)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("template: {e}")))?;
        Ok(XlsxDownload::new(jobs::import::template::FILE_NAME, bytes))
    }

    /// Upload a filled template; the import runs in the background (采集任务)
    ///
    /// Answers 202 at once with the task; follow it through `/api/admin/tasks/{id}`.
    #[oai(path = "/member-imports", method = "post")]
    async fn upload(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        form: ImportForm,
    ) -> ApiResult<SubmittedResponse> {
        let me = &auth.0;
        require_union(&state, me).await?;
        let file_name = form.file.file_name().unwrap_or("会员导入.xlsx").to_owned();
        if form.file.size() > state.settings.upload_limit_bytes {
            return Err(too_large(state.settings.upload_limit_bytes));
        }
        let bytes = form
            .file
            .into_vec()
            .await
            .map_err(|_| ApiError::validation("file（上传文件）读取失败"))?;
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
        // The roster holds full ID numbers: stored encrypted like them, readable only by
        // the worker, deleted when the task ends.
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
        let task = tasks::submit(
            &state,
            me,
            TaskKind::MemberImport,
            Some(stored.file_name),
            Some(params),
        )
        .await?;
        Ok(SubmittedResponse::Accepted(poem_openapi::payload::Json(
            Submitted {
                task_id: task.id,
                status: task.status,
            },
        )))
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("上传文件不能超过{}MB", limit / 1024 / 1024))
}
