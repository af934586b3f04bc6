use sea_orm::entity::prelude::*;

/// One claim of a member in an activity. The unique key
/// `(activity_id, member_id, day_key, seq)` with `seq` in `1..=N` is the member's limit
/// (`day_key` is the Beijing date for per-day limits, `once` otherwise);
/// `(member_id, idempotency_key)` makes a retried request find the first claim.
/// The vouchers it gave point back with `vouchers.claim_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claims")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub activity_id: i64,
    pub member_id: i64,
    pub app_account_id: i64,
    pub day_key: String,
    pub seq: i32,
    pub idempotency_key: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
