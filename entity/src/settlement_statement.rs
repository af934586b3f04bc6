use sea_orm::entity::prelude::*;

use crate::enums::SettlementStatus;

/// A settlement statement (结算单): what the paying union owes one merchant for the
/// vouchers of its activities that merchant redeemed in a period (Beijing dates,
/// inclusive). A draft shows live figures; once confirmed (结算确认) the figures and the
/// lines in `settlement_statement_lines` are a frozen snapshot.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settlement_statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The paying union (publisher of the covered activities).
    pub org_id: i64,
    pub merchant_id: i64,
    pub period_from: Date,
    pub period_to: Date,
    pub status: SettlementStatus,
    /// Names as they were at creation, replaced by the names at confirmation.
    pub org_name: String,
    pub merchant_name: String,
    /// Set at confirmation (0 while draft).
    pub voucher_count: i64,
    pub amount_fen: i64,
    pub created_by: i64,
    pub created_by_name: String,
    pub confirmed_by: Option<i64>,
    pub confirmed_by_name: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
