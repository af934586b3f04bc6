use sea_orm::entity::prelude::*;

/// A fixed-window counter shared by every `api` instance: `hits` within the window that
/// ends at `window_ends_at` (Unix seconds) for one `scope` (e.g. `sms_phone_day`) and
/// `subject` (a phone, an IP address, an account id).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_limits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    pub hits: i32,
    pub window_ends_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
