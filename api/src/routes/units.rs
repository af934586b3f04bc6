use chrono::{DateTime, NaiveDate, Utc};
use entity::unit;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::services::units::{self, UnitFilter, UnitInput};
use crate::state::AppState;

/// A unit (单位), figure 20.
#[derive(Object)]
pub struct Unit {
    pub id: i64,
    pub org_id: i64,
    /// 名称
    pub name: String,
    /// 统一社会信用代码
    pub credit_code: Option<String>,
    /// 负责人
    pub leader: Option<String>,
    /// 联系电话
    pub phone: Option<String>,
    /// 单位性质类别
    pub nature: Option<String>,
    /// 经济类型
    pub economic_type: Option<String>,
    /// 所属行业
    pub industry: Option<String>,
    /// 是否开展工资集体协商
    pub collective_bargaining: bool,
    /// 合同有效期
    pub contract_valid_until: Option<NaiveDate>,
    /// 地址
    pub address: Option<String>,
    /// 职工人数
    pub employee_count: i64,
    /// 农民工人数
    pub migrant_worker_count: i64,
    /// 备注
    pub remark: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<unit::Model> for Unit {
    fn from(m: unit::Model) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            name: m.name,
            credit_code: m.credit_code,
            leader: m.leader,
            phone: m.phone,
            nature: m.nature,
            economic_type: m.economic_type,
            industry: m.industry,
            collective_bargaining: m.collective_bargaining,
            contract_valid_until: m.contract_valid_until,
            address: m.address,
            employee_count: m.employee_count,
            migrant_worker_count: m.migrant_worker_count,
            remark: m.remark,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Object)]
pub struct UnitBody {
    #[oai(validator(max_length = 100))]
    pub name: String,
    #[oai(validator(max_length = 32))]
    pub credit_code: Option<String>,
    #[oai(validator(max_length = 50))]
    pub leader: Option<String>,
    #[oai(validator(max_length = 32))]
    pub phone: Option<String>,
    #[oai(validator(max_length = 50))]
    pub nature: Option<String>,
    #[oai(validator(max_length = 50))]
    pub economic_type: Option<String>,
    #[oai(validator(max_length = 50))]
    pub industry: Option<String>,
    #[oai(default)]
    pub collective_bargaining: bool,
    pub contract_valid_until: Option<NaiveDate>,
    #[oai(validator(max_length = 200))]
    pub address: Option<String>,
    #[oai(default)]
    pub employee_count: i64,
    #[oai(default)]
    pub migrant_worker_count: i64,
    #[oai(validator(max_length = 500))]
    pub remark: Option<String>,
}

impl From<UnitBody> for UnitInput {
    fn from(b: UnitBody) -> Self {
        Self {
            name: b.name,
            credit_code: b.credit_code,
            leader: b.leader,
            phone: b.phone,
            nature: b.nature,
            economic_type: b.economic_type,
            industry: b.industry,
            collective_bargaining: b.collective_bargaining,
            contract_valid_until: b.contract_valid_until,
            address: b.address,
            employee_count: b.employee_count,
            migrant_worker_count: b.migrant_worker_count,
            remark: b.remark,
        }
    }
}

pub struct UnitApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Roster")]
impl UnitApi {
    /// Units of own organisation and those below
    #[oai(path = "/units", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        #[oai(validator(max_length = 100))] name: Query<Option<String>>,
        org_id: Query<Option<i64>>,
        #[oai(validator(max_length = 50))] industry: Query<Option<String>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<Unit>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let filter = UnitFilter {
            name: name.0,
            org_id: org_id.0,
            industry: industry.0,
        };
        let (items, total) = units::list(&state, &auth.0, filter, req).await?;
        Ok(Json(Page::new(
            items.into_iter().map(Unit::from).collect(),
            total,
            req,
        )))
    }

    /// Create a unit in own union (新增单位)
    #[oai(path = "/units", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<UnitBody>,
    ) -> ApiResult<Json<Unit>> {
        Ok(Json(
            units::create(&state, &auth.0, body.0.into()).await?.into(),
        ))
    }

    /// One unit
    #[oai(path = "/units/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Unit>> {
        Ok(Json(units::get(&state, &auth.0, id.0).await?.into()))
    }

    /// Edit a unit of own union
    #[oai(path = "/units/:id", method = "put")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<UnitBody>,
    ) -> ApiResult<Json<Unit>> {
        Ok(Json(
            units::update(&state, &auth.0, id.0, body.0.into())
                .await?
                .into(),
        ))
    }

    /// Delete a unit no member references (409 `UNIT_IN_USE` otherwise)
    #[oai(path = "/units/:id", method = "delete")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<()> {
        units::delete(&state, &auth.0, id.0).await
    }
}
