use sea_orm::entity::prelude::*;

use crate::enums::FilePurpose;

/// A file kept in the database (so every server instance can read it): uploaded images,
/// import workbooks, their result workbooks, generated reports.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stored_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The organisation that owns the file; its admins and those above may read it.
    pub org_id: i64,
    pub purpose: FilePurpose,
    pub file_name: String,
    /// Detected from the content where the purpose allows (images), never trusted from the client.
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub data: Vec<u8>,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Inserts a file and gives its id. `ActiveModel::insert` would read the whole record
/// back (on PostgreSQL `RETURNING *`, the file's bytes included): for an import's result
/// workbook of several megabytes, that doubled the work of storing it.
pub async fn insert<C: ConnectionTrait>(db: &C, file: ActiveModel) -> Result<i64, DbErr> {
    Ok(Entity::insert(file).exec(db).await?.last_insert_id)
}
