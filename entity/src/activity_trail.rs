use sea_orm::entity::prelude::*;

use crate::activity_state::ActivityStatus;
use crate::enums::TrailAction;

/// One 处理轨迹 entry: who did what to an activity, from which organisation, when, why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_trails")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub activity_id: i64,
    pub action: TrailAction,
    pub from_status: Option<ActivityStatus>,
    pub to_status: ActivityStatus,
    pub actor_id: i64,
    pub actor_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub comment: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
