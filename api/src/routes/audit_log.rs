//! 审计日志: the audit log of the caller's organisation and below, read-only.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::PrincipalKind;
use entity::{admin_account, audit_log};
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;
use jobs::clock::beijing_day_start;

/// What an audited action is called on screen; the codes are those the services record.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "view_member_detail" => "查看会员完整信息",
        "create_member" => "录入会员",
        "update_member" => "修改会员",
        "transfer_member" => "会员转会",
        "member_left" => "会员离会",
        "create_transfer_request" => "发起转会申请",
        "approve_transfer_request" => "同意转会申请",
        "reject_transfer_request" => "驳回转会申请",
        "transfer_request_no_match" => "转会申请未匹配到会员",
        "approve_certification" => "认证审核通过",
        "reject_certification" => "认证审核驳回",
        "create_unit" => "新增单位",
        "update_unit" => "修改单位",
        "delete_unit" => "删除单位",
        "create_org" => "新建下级组织",
        "update_org_profile" => "修改工会信息",
        "set_welfare_budget" => "设置年度福利经费标准",
        "create_admin" => "新增管理员账号",
        "reset_admin_password" => "重置管理员密码",
        "disable_admin" => "停用管理员账号",
        "enable_admin" => "启用管理员账号",
        "change_password" => "修改密码",
        "create_merchant" => "新增商家",
        "update_merchant" => "修改商家",
        "create_merchant_staff" => "新增店员账号",
        "reset_merchant_staff_password" => "重置商家账号密码",
        "merchant_online" => "商家上线",
        "merchant_offline" => "商家下线",
        "disable_merchant_staff" => "停用商家账号",
        "enable_merchant_staff" => "启用商家账号",
        "create_coupon" => "新增优惠券",
        "enable_coupon" => "开启优惠券",
        "disable_coupon" => "关闭优惠券",
        "update_coupon" => "修改优惠券",
        "grant_coupon" => "优惠券授权",
        "revoke_coupon_grant" => "取消优惠券授权",
        "create_activity" => "新建活动",
        "update_activity" => "修改活动",
        "delete_activity" => "删除活动",
        "submit_activity" => "提交活动审核",
        "approve_activity" => "活动审核通过",
        "reject_activity" => "活动审核驳回",
        "open_activity" => "开启活动",
        "finish_opening_activity" => "完成开启活动",
        "abandon_opening_activity" => "开启未完成，退回审核通过",
        "close_activity" => "关闭活动",
        "generate_settlement_report" => "生成结算报表",
        "create_settlement_statement" => "新建结算单",
        "confirm_settlement_statement" => "结算确认",
        "delete_settlement_statement" => "删除结算单",
        "upload_file" => "上传文件",
        _ => "其他操作",
    }
}

/// One audited action.
#[derive(Object)]
pub struct AuditEntry {
    pub id: i64,
    /// Who acted: `admin` (an admin account of the organisation) or `system`.
    pub actor_kind: PrincipalKind,
    pub actor_id: i64,
    /// 操作人: the admin account's login name.
    pub actor_name: String,
    /// The organisation the actor acted for.
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    /// The action's code, e.g. `view_member_detail`, `approve_activity`.
    pub action: String,
    /// 操作 (Chinese), e.g. 查看会员完整信息.
    pub action_label: String,
    /// The kind of record acted on (`member`, `activity`, `coupon`, …) and its id.
    pub target_type: String,
    pub target_id: Option<String>,
    /// JSON detail; never holds a full ID number or phone number.
    pub detail: Option<String>,
    /// 操作时间
    pub created_at: DateTime<Utc>,
}

pub struct AuditLogApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Organisations")]
impl AuditLogApi {
    /// 审计日志: who viewed a member's full data and who changed what, in the caller's
    /// organisation and every one below (newest first; read-only)
    ///
    /// Filters: `actor` (an admin's login name, exact), `action` (an action code such as
    /// `view_member_detail`), `from`/`to` (Beijing dates, both inclusive). Entries of
    /// organisations above or beside the caller's are never listed.
    #[oai(path = "/audit-log", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        #[oai(validator(max_length = 50))] actor: Query<Option<String>>,
        #[oai(validator(max_length = 64))] action: Query<Option<String>>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<AuditEntry>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let me = &auth.0;
        if let (Some(f), Some(t)) = (from.0, to.0)
            && t < f
        {
            return Err(ApiError::validation("结束日期不能早于开始日期"));
        }
        let mut query = audit_log::Entity::find()
            .filter(me.scope.filter(audit_log::Column::OrgId))
            .order_by_desc(audit_log::Column::CreatedAt)
            .order_by_desc(audit_log::Column::Id);
        if let Some(f) = from.0 {
            query = query.filter(audit_log::Column::CreatedAt.gte(beijing_day_start(f)));
        }
        if let Some(t) = to.0 {
            query = query.filter(
                audit_log::Column::CreatedAt.lt(beijing_day_start(t + chrono::Days::new(1))),
            );
        }
        if let Some(a) = action.0.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            query = query.filter(audit_log::Column::Action.eq(a));
        }
        if let Some(name) = actor.0.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            // An admin outside the scope matches nothing in it anyway: no existence leaks.
            let ids: Vec<i64> = admin_account::Entity::find()
                .filter(admin_account::Column::Username.eq(name))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect();
            query = query
                .filter(audit_log::Column::ActorKind.eq(PrincipalKind::Admin))
                .filter(audit_log::Column::ActorId.is_in(ids));
        }
        let paginator = query.paginate(&state.db, req.page_size);
        let total = paginator.num_items().await?;
        let rows = paginator.fetch_page(req.page - 1).await?;

        let admin_ids: Vec<i64> = rows
            .iter()
            .filter(|r| r.actor_kind == PrincipalKind::Admin)
            .map(|r| r.actor_id)
            .collect();
        let names: HashMap<i64, String> = admin_account::Entity::find()
            .filter(admin_account::Column::Id.is_in(admin_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.username))
            .collect();
        let org_ids: Vec<i64> = rows.iter().filter_map(|r| r.org_id).collect();
        let orgs: HashMap<i64, String> = entity::organisation::Entity::find()
            .filter(entity::organisation::Column::Id.is_in(org_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let items = rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                actor_name: match r.actor_kind {
                    PrincipalKind::Admin => names.get(&r.actor_id).cloned().unwrap_or_default(),
                    PrincipalKind::System => "系统".to_owned(),
                    _ => String::new(),
                },
                actor_kind: r.actor_kind,
                actor_id: r.actor_id,
                org_name: r.org_id.and_then(|id| orgs.get(&id).cloned()),
                org_id: r.org_id,
                action_label: action_label(&r.action).to_owned(),
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                detail: r.detail,
                created_at: r.created_at,
            })
            .collect();
        Ok(Json(Page::new(items, total, req)))
    }
}
