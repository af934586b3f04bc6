use sea_orm::entity::prelude::*;

use crate::enums::DocumentKind;

/// One exported settlement workbook as the server vouches for it: its verification
/// code (printed in the workbook and in its QR code), what it covers and the SHA-256 of
/// the file as it was handed out. Names are copies taken when it was generated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_verifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// 16 base32 characters, unique.
    pub code: String,
    pub org_id: i64,
    pub org_name: String,
    pub kind: DocumentKind,
    pub activity_id: Option<i64>,
    pub merchant_id: Option<i64>,
    /// The activity's title (结算报表) or the merchant's name (结算单).
    pub subject_name: String,
    /// The period covered, as the workbook says it.
    pub period: String,
    pub voucher_count: i64,
    pub total_face_value_fen: i64,
    pub generated_at: DateTimeUtc,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub size: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
