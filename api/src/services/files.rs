//! Files kept in the database (`stored_files`), so every server instance can read what
//! another one stored: uploaded images, import uploads (encrypted), result workbooks and
//! reports. Only images are served by id; the others belong to their task.

use entity::enums::FilePurpose;
use entity::stored_file;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, NotSet, QueryFilter, QuerySelect,
};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::scope::Scope;

/// The largest image an admin may upload.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// An image format recognised by its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
}

impl ImageKind {
    /// Detects PNG, JPEG or WebP from the first bytes; anything else is `None`.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }
}

/// Checks an uploaded image (size, then type by content) and answers its content type.
pub fn check_image(bytes: &[u8]) -> ApiResult<&'static str> {
    if bytes.is_empty() {
        return Err(ApiError::validation("file（上传文件）不能为空"));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "图片不能超过{}MB",
            MAX_IMAGE_BYTES / 1024 / 1024
        )));
    }
    ImageKind::sniff(bytes)
        .map(ImageKind::content_type)
        .ok_or_else(|| {
            ApiError::validation("file（上传文件）类型不支持：仅支持PNG、JPEG、WebP图片")
        })
}

/// Stores a file for an organisation. The caller has already checked the content.
#[allow(clippy::too_many_arguments)]
pub async fn store<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    purpose: FilePurpose,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
    uploaded_by: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<stored_file::Model> {
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(255)
        .collect();
    let file_name = if file_name.trim().is_empty() {
        "file".to_owned()
    } else {
        file_name.trim().to_owned()
    };
    let size = i64::try_from(bytes.len()).map_err(|e| ApiError::Internal(e.into()))?;
    let stored = stored_file::Model {
        id: 0,
        org_id,
        purpose,
        file_name,
        content_type: content_type.to_owned(),
        size,
        sha256: hex::encode(Sha256::digest(&bytes)),
        data: bytes,
        uploaded_by,
        created_at: now,
    };
    let mut record = stored.clone().into_active_model();
    record.id = NotSet;
    let id = stored_file::insert(db, record).await?;
    Ok(stored_file::Model { id, ..stored })
}

/// A downloadable file of an organisation in `scope` (with its bytes), or 404. Only
/// images are: an import upload holds full ID numbers (and is encrypted), and result
/// workbooks and reports are read through their task (`/api/admin/tasks/{id}/result`),
/// so any other purpose answers exactly like an unknown id.
pub async fn load_downloadable<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: i64,
) -> ApiResult<stored_file::Model> {
    stored_file::Entity::find_by_id(id)
        .filter(scope.filter(stored_file::Column::OrgId))
        .filter(stored_file::Column::Purpose.eq(FilePurpose::Image))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("文件"))
}

/// Checks that `id` names an image in `scope`, for fields that reference one; the error
/// is a 400 naming `field`.
pub async fn require_image<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: i64,
    field: &str,
) -> ApiResult<()> {
    let found: Option<i64> = stored_file::Entity::find_by_id(id)
        .filter(scope.filter(stored_file::Column::OrgId))
        .filter(stored_file::Column::Purpose.eq(FilePurpose::Image))
        .select_only()
        .column(stored_file::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(ApiError::validation(format!(
            "{field}不存在或不是已上传的图片"
        ))),
    }
}

/// Where a stored file can be read.
pub fn url(id: i64) -> String {
    format!("/api/admin/files/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_magic_bytes() {
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\n0000"),
            Some(ImageKind::Png)
        );
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(ImageKind::sniff(b"GIF89a"), None);
        assert_eq!(ImageKind::sniff(b"<svg></svg>"), None);
        assert_eq!(ImageKind::sniff(b"RIFF"), None);
    }

    #[test]
    fn an_oversized_image_is_413_and_a_non_image_400() {
        let big = [b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0u8; MAX_IMAGE_BYTES]].concat();
        assert!(matches!(
            check_image(&big),
            Err(ApiError::PayloadTooLarge(_))
        ));
        assert!(matches!(
            check_image(b"%PDF-1.7"),
            Err(ApiError::Validation(_))
        ));
        assert!(matches!(check_image(b""), Err(ApiError::Validation(_))));
    }
}
