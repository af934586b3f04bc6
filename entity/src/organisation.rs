use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::OrgKind;

/// A node of the organisation tree: city federation, district/industry federation or
/// grassroots union. `path` is the materialised path of ids (`/1/5/12/`), so "this
/// organisation and everything below it" is one `LIKE` prefix match.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub depth: i32,
    pub kind: OrgKind,
    pub name: String,
    pub short_name: Option<String>,
    pub credit_code: Option<String>,
    pub chairman: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub founded_on: Option<Date>,
    pub description: Option<String>,
    /// 年度福利经费标准: the yearly cap per member in fen (None: no cap of its own).
    pub welfare_cap_fen: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
