//! Units (单位) of a union: the employers its members work for.

use entity::enums::OrgKind;
use entity::value::{ContactPhone, CreditCode};
use entity::{member, unit};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set, SqlErr,
};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::input::{multiline_text, required_text, text};
use crate::paging::PageRequest;
use crate::scope::require_owner;
use crate::services::audit;
use crate::state::AppState;

/// Unit fields as sent by the client (figure 20).
#[derive(Clone, Debug, Default)]
pub struct UnitInput {
    pub name: String,
    pub credit_code: Option<String>,
    pub leader: Option<String>,
    pub phone: Option<String>,
    pub nature: Option<String>,
    pub economic_type: Option<String>,
    pub industry: Option<String>,
    pub collective_bargaining: bool,
    pub contract_valid_until: Option<chrono::NaiveDate>,
    pub address: Option<String>,
    pub employee_count: i64,
    pub migrant_worker_count: i64,
    pub remark: Option<String>,
}

impl UnitInput {
    fn apply(self, active: &mut unit::ActiveModel) -> ApiResult<()> {
        let credit_code = text(self.credit_code, "统一社会信用代码", 18)?
            .map(|c| CreditCode::parse(&c).map(|c| c.as_str().to_owned()))
            .transpose()
            .map_err(|e| ApiError::validation(e.to_string()))?;
        let phone = text(self.phone, "联系电话", 30)?
            .map(|p| ContactPhone::parse(&p).map(|p| p.as_str().to_owned()))
            .transpose()
            .map_err(|e| ApiError::validation(e.to_string()))?;
        if self.employee_count < 0 {
            return Err(ApiError::validation("职工人数不能小于0"));
        }
        if self.migrant_worker_count < 0 {
            return Err(ApiError::validation("农民工人数不能小于0"));
        }
        if self.migrant_worker_count > self.employee_count {
            return Err(ApiError::validation("农民工人数不能大于职工人数"));
        }
        active.name = Set(required_text(&self.name, "单位名称", 100)?);
        active.credit_code = Set(credit_code);
        active.leader = Set(text(self.leader, "负责人", 50)?);
        active.phone = Set(phone);
        active.nature = Set(text(self.nature, "单位性质类别", 50)?);
        active.economic_type = Set(text(self.economic_type, "经济类型", 50)?);
        active.industry = Set(text(self.industry, "所属行业", 50)?);
        active.collective_bargaining = Set(self.collective_bargaining);
        active.contract_valid_until = Set(self.contract_valid_until);
        active.address = Set(text(self.address, "地址", 200)?);
        active.employee_count = Set(self.employee_count);
        active.migrant_worker_count = Set(self.migrant_worker_count);
        active.remark = Set(multiline_text(self.remark, "备注", 500)?);
        Ok(())
    }
}

const NAME_TAKEN: &str = "本工会已有同名单位";

/// Units and members belong to grassroots unions; federations only look at them.
pub async fn require_union(state: &AppState, me: &AdminPrincipal) -> ApiResult<()> {
    let org = me.scope.visible_org(&state.db, me.org_id).await?;
    if org.kind != OrgKind::GrassrootsUnion {
        return Err(ApiError::Forbidden {
            code: ErrorCode::NotAUnion,
            message: "只有基层工会可以维护单位和会员".into(),
        });
    }
    Ok(())
}

pub async fn create(
    state: &AppState,
    me: &AdminPrincipal,
    input: UnitInput,
) -> ApiResult<unit::Model> {
    require_union(state, me).await?;
    let now = state.clock.now();
    let mut active = unit::ActiveModel {
        org_id: Set(me.org_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    input.apply(&mut active)?;
    let unit = active
        .insert(&state.db)
        .await
        .map_err(|e| ApiError::on_unique(e, ErrorCode::UnitNameTaken, NAME_TAKEN))?;
    audit::record_admin(
        &state.db,
        me,
        now,
        audit::Entry::on("create_unit", "unit", unit.id),
    )
    .await?;
    Ok(unit)
}

/// A unit of an organisation in the caller's scope, or 404.
pub async fn get(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<unit::Model> {
    unit::Entity::find_by_id(id)
        .filter(me.scope.filter(unit::Column::OrgId))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("单位"))
}

pub async fn update(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    input: UnitInput,
) -> ApiResult<unit::Model> {
    let unit = get(state, me, id).await?;
    require_owner(unit.org_id, me.org_id)?;
    let now = state.clock.now();
    let mut active = unit.into_active_model();
    input.apply(&mut active)?;
    active.updated_at = Set(now);
    let unit = active
        .update(&state.db)
        .await
        .map_err(|e| ApiError::on_unique(e, ErrorCode::UnitNameTaken, NAME_TAKEN))?;
    audit::record_admin(
        &state.db,
        me,
        now,
        audit::Entry::on("update_unit", "unit", unit.id),
    )
    .await?;
    Ok(unit)
}

/// Deletes a unit nobody references. The foreign key settles the race with a member
/// being added to the unit at the same moment.
pub async fn delete(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<()> {
    let unit = get(state, me, id).await?;
    require_owner(unit.org_id, me.org_id)?;
    let members = member::Entity::find()
        .filter(member::Column::UnitId.eq(unit.id))
        .count(&state.db)
        .await?;
    let in_use = || {
        ApiError::conflict(
            ErrorCode::UnitInUse,
            format!("该单位下还有{members}名会员（含已离会记录），不能删除"),
        )
    };
    if members > 0 {
        return Err(in_use());
    }
    unit::Entity::delete_by_id(unit.id)
        .exec(&state.db)
        .await
        .map_err(|e| match e.sql_err() {
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => in_use(),
            _ => ApiError::Db(e),
        })?;
    audit::record_admin(
        &state.db,
        me,
        state.clock.now(),
        audit::Entry::on("delete_unit", "unit", unit.id),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct UnitFilter {
    pub name: Option<String>,
    pub org_id: Option<i64>,
    pub industry: Option<String>,
}

pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: UnitFilter,
    page: PageRequest,
) -> ApiResult<(Vec<unit::Model>, u64)> {
    let mut query = unit::Entity::find()
        .filter(me.scope.filter(unit::Column::OrgId))
        .order_by_asc(unit::Column::Id);
    if let Some(org_id) = filter.org_id {
        query = query.filter(unit::Column::OrgId.eq(org_id));
    }
    if let Some(name) = filter
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
    {
        query = query.filter(unit::Column::Name.contains(&name));
    }
    if let Some(industry) = filter
        .industry
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
    {
        query = query.filter(unit::Column::Industry.eq(industry));
    }
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}
