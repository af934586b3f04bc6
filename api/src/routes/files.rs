use chrono::{DateTime, Utc};
use entity::enums::FilePurpose;
use entity::stored_file;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, Object, OpenApi};

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::error::{ApiError, ApiResult};
use crate::services::{audit, files};
use crate::state::AppState;

/// A stored file (never its bytes).
#[derive(Object)]
pub struct StoredFile {
    pub id: i64,
    pub org_id: i64,
    pub purpose: FilePurpose,
    pub file_name: String,
    /// Detected from the content, not taken from the client.
    pub content_type: String,
    pub size: i64,
    /// Where to read it.
    pub url: String,
    pub created_at: DateTime<Utc>,
}

impl From<stored_file::Model> for StoredFile {
    fn from(m: stored_file::Model) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            purpose: m.purpose,
            file_name: m.file_name,
            content_type: m.content_type,
            size: m.size,
            url: files::url(m.id),
            created_at: m.created_at,
        }
    }
}

#[derive(Multipart)]
pub struct UploadForm {
    /// PNG, JPEG or WebP, at most 2 MB.
    file: Upload,
}

#[derive(ApiResponse)]
pub enum FileContent {
    /// The file's bytes with its content type.
    #[oai(status = 200)]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Type")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

pub struct FileApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Files")]
impl FileApi {
    /// Upload an image (logo, licence, activity cover); the type is detected from the content
    #[oai(path = "/files", method = "post")]
    async fn upload(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        form: UploadForm,
    ) -> ApiResult<Json<StoredFile>> {
        let me = &auth.0;
        let file_name = form.file.file_name().unwrap_or("image").to_owned();
        if form.file.size() > files::MAX_IMAGE_BYTES {
            return Err(ApiError::PayloadTooLarge("图片不能超过2MB".into()));
        }
        let bytes = form
            .file
            .into_vec()
            .await
            .map_err(|_| ApiError::validation("file（上传文件）读取失败"))?;
        let content_type = files::check_image(&bytes)?;
        let now = state.clock.now();
        let stored = files::store(
            &state.db,
            me.org_id,
            FilePurpose::Image,
            &file_name,
            content_type,
            bytes,
            Some(me.admin_id),
            now,
        )
        .await?;
        audit::record_admin(
            &state.db,
            me,
            now,
            audit::Entry::on("upload_file", "stored_file", stored.id)
                .with_detail(serde_json::json!({ "size": stored.size })),
        )
        .await?;
        Ok(Json(stored.into()))
    }

    /// An uploaded image of own organisation or one below
    ///
    /// Only images are served here: any other stored file (an import upload, a result
    /// workbook, a report) answers 404 like an unknown id; results are downloaded through
    /// `GET /api/admin/tasks/{id}/result`.
    #[oai(path = "/files/:id", method = "get")]
    async fn download(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<FileContent> {
        let file = files::load_downloadable(&state.db, &auth.0.scope, id.0).await?;
        Ok(FileContent::Ok(
            Binary(file.data),
            file.content_type,
            "private, max-age=3600".into(),
        ))
    }
}
