use sea_orm::entity::prelude::*;

/// A unit (单位): an employer whose staff belong to the union.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub credit_code: Option<String>,
    pub leader: Option<String>,
    pub phone: Option<String>,
    pub nature: Option<String>,
    pub economic_type: Option<String>,
    pub industry: Option<String>,
    pub collective_bargaining: bool,
    pub contract_valid_until: Option<Date>,
    pub address: Option<String>,
    pub employee_count: i64,
    pub migrant_worker_count: i64,
    pub remark: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
