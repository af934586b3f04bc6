use sea_orm::entity::prelude::*;

use crate::enums::SmsPurpose;

/// A one-time SMS code. Only a keyed hash of the code is stored; it expires, is
/// consumed once, and stops working after too many wrong attempts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub phone: String,
    pub purpose: SmsPurpose,
    pub code_hash: String,
    /// Wrong codes tried against this one.
    pub attempts: i32,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub consumed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
