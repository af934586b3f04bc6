use sea_orm::entity::prelude::*;

use crate::activity_state::ActivityStatus;
use crate::enums::{ClaimLimitKind, ReviewStatus};

/// A 领券活动 published by an organisation; its workflow is `activity_state`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// 发布工会
    pub org_id: i64,
    pub title: String,
    pub cover_file_id: Option<i64>,
    pub cover_url: Option<String>,
    pub claim_limit_kind: ClaimLimitKind,
    /// Claims per day when `claim_limit_kind` is per_day.
    pub claim_limit_times: Option<i32>,
    /// 适用范围: an organisation in the publisher's subtree, optionally one unit.
    pub scope_org_id: i64,
    pub scope_unit_id: Option<i64>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// Sanitised rich text.
    #[sea_orm(column_type = "Text")]
    pub content_html: String,
    /// Only members whose birthday falls in the window may claim (生日蛋糕).
    pub birthday_only: bool,
    /// Screenshot-proof vouchers (动态券码): merchants accept only the member app's
    /// short-lived signed payload, or the code with the current 6-digit number.
    pub dynamic_code: bool,
    pub status: ActivityStatus,
    pub review_status: ReviewStatus,
    pub created_by: i64,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub review_comment: Option<String>,
    /// The task creating the voucher slots while 开启中 (kept afterwards).
    pub opening_task_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrgId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
