use poem::web::Data;
use poem_openapi::types::multipart::Upload;
use poem_openapi::{Multipart, OpenApi};

use super::ApiTags;
use super::tasks::{Submitted, SubmittedResponse};
use crate::auth::AdminAuth;
use crate::download::XlsxDownload;
use crate::error::{ApiError, ApiResult};
use crate::services::{imports, units};
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
        let bytes = imports::template(&state, &auth.0).await?;
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
        units::require_union(&state, me).await?;
        let file_name = form.file.file_name().unwrap_or("会员导入.xlsx").to_owned();
        if form.file.size() > state.settings.upload_limit_bytes {
            return Err(imports::too_large(state.settings.upload_limit_bytes));
        }
        let bytes = form
            .file
            .into_vec()
            .await
            .map_err(|_| ApiError::validation("file（上传文件）读取失败"))?;
        let task = imports::submit(&state, me, file_name, bytes).await?;
        Ok(SubmittedResponse::Accepted(poem_openapi::payload::Json(
            Submitted {
                task_id: task.id,
                status: task.status,
            },
        )))
    }
}
