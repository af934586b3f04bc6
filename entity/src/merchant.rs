use sea_orm::entity::prelude::*;

use crate::enums::MerchantKind;

/// A merchant (商家) owned by one organisation: where members collect what their
/// vouchers are for. Its first staff account logs in with `phone`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "merchants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    /// 商家名称
    pub name: String,
    /// 联系人
    pub contact_name: String,
    /// 手机号码 (the first staff account's login)
    pub phone: String,
    /// 固定电话
    pub landline: Option<String>,
    /// 商家类型
    pub kind: MerchantKind,
    /// 服务类型
    pub service_type: Option<String>,
    /// 商家标签, a JSON array of strings
    pub tags: String,
    /// 公司地址
    pub company_address: Option<String>,
    /// 地址
    pub address: Option<String>,
    /// 商家简介
    pub intro: Option<String>,
    /// 入驻时间
    pub settled_on: Option<Date>,
    /// 营业执照 (a stored image)
    pub licence_file_id: Option<i64>,
    /// 商家Logo (a stored image)
    pub logo_file_id: Option<i64>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    /// 上线 / 下线
    pub online: bool,
    /// Bumped by every change; an edit must name the version it read.
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
