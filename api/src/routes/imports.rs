use poem::web::Data;
use poem_openapi::param::Query;
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
    /// The roster: the filled-in template or a union's own file, as .xlsx, .xls
    /// (Excel 97–2003) or .csv (UTF-8, UTF-8 with BOM, GBK/GB18030); told by content.
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

    /// Upload a roster; the import runs in the background (采集任务)
    ///
    /// Answers 202 at once with the task; follow it through `/api/admin/tasks/{id}`.
    /// Columns are found by header name (or a common synonym, e.g. 身份证号 for 证件号码);
    /// only 姓名 and 证件号码 are required. With `dry_run=true` (试导入) the task runs
    /// every check and writes the result workbook without changing the roster.
    #[oai(path = "/member-imports", method = "post")]
    async fn upload(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        /// 试导入: check and report only, change nothing.
        dry_run: Query<Option<bool>>,
        /// The unit (of the caller's union) of rows whose 所在单位 is blank or absent.
        default_unit_id: Query<Option<i64>>,
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
        let options = imports::ImportOptions {
            dry_run: dry_run.0.unwrap_or(false),
            default_unit_id: default_unit_id.0,
        };
        let task = imports::submit(&state, me, file_name, bytes, options).await?;
        Ok(SubmittedResponse::Accepted(poem_openapi::payload::Json(
            Submitted {
                task_id: task.id,
                status: task.status,
            },
        )))
    }
}
