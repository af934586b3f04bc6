use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::OrgKind;
use entity::{admin_account, organisation};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::auth::password::InitialPassword;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::services::orgs::{self, NewOrg, OrgFilter, ProfileInput};
use crate::services::welfare;
use crate::state::AppState;

#[derive(Object)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
}

/// An organisation and its profile (工会信息).
#[derive(Object)]
pub struct Org {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    /// 市总工会 / 区县/产业总工会 / 基层工会
    pub kind_label: String,
    pub depth: i32,
    /// 工会名称
    pub name: String,
    /// 简称
    pub short_name: Option<String>,
    /// 统一社会信用代码
    pub credit_code: Option<String>,
    /// 工会主席
    pub chairman: Option<String>,
    /// 联系人
    pub contact_name: Option<String>,
    /// 联系电话
    pub contact_phone: Option<String>,
    /// 地址
    pub address: Option<String>,
    /// 邮政编码
    pub postcode: Option<String>,
    /// 成立日期
    pub founded_on: Option<NaiveDate>,
    /// 简介
    pub description: Option<String>,
    /// 年度福利经费标准: this organisation's own yearly cap per member, in fen (null: none)
    pub welfare_cap_fen: Option<i64>,
    /// The cap its members' claims in its activities are held to: the smallest of its
    /// own and those of the organisations above it (null: none). Only in `GET /org`.
    pub welfare_cap_applying_fen: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<organisation::Model> for Org {
    fn from(m: organisation::Model) -> Self {
        Self {
            id: m.id,
            parent_id: m.parent_id,
            kind: m.kind,
            kind_label: m.kind.label().to_owned(),
            depth: m.depth,
            name: m.name,
            short_name: m.short_name,
            credit_code: m.credit_code,
            chairman: m.chairman,
            contact_name: m.contact_name,
            contact_phone: m.contact_phone,
            address: m.address,
            postcode: m.postcode,
            founded_on: m.founded_on,
            description: m.description,
            welfare_cap_fen: m.welfare_cap_fen,
            welfare_cap_applying_fen: None,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Editable profile fields; blank strings clear a field.
#[derive(Object)]
pub struct OrgProfileBody {
    #[oai(validator(max_length = 100))]
    pub name: String,
    #[oai(validator(max_length = 50))]
    pub short_name: Option<String>,
    #[oai(validator(max_length = 32))]
    pub credit_code: Option<String>,
    #[oai(validator(max_length = 50))]
    pub chairman: Option<String>,
    #[oai(validator(max_length = 50))]
    pub contact_name: Option<String>,
    #[oai(validator(max_length = 32))]
    pub contact_phone: Option<String>,
    #[oai(validator(max_length = 200))]
    pub address: Option<String>,
    #[oai(validator(max_length = 10))]
    pub postcode: Option<String>,
    pub founded_on: Option<NaiveDate>,
    #[oai(validator(max_length = 2000))]
    pub description: Option<String>,
}

impl From<OrgProfileBody> for ProfileInput {
    fn from(b: OrgProfileBody) -> Self {
        Self {
            name: b.name,
            short_name: b.short_name,
            credit_code: b.credit_code,
            chairman: b.chairman,
            contact_name: b.contact_name,
            contact_phone: b.contact_phone,
            address: b.address,
            postcode: b.postcode,
            founded_on: b.founded_on,
            description: b.description,
        }
    }
}

#[derive(Object)]
pub struct CreateOrgBody {
    /// Parent organisation; defaults to the caller's own.
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    /// Login name of the new organisation's admin (its one-time initial password is in
    /// the answer).
    #[oai(validator(max_length = 64))]
    pub admin_username: String,
    #[oai(validator(max_length = 50))]
    pub admin_display_name: Option<String>,
    #[oai(flatten)]
    pub profile: OrgProfileBody,
}

/// A one-time initial password, in the answer that issued it and nowhere else: it is
/// not stored in clear and cannot be read again (a new one can be issued). It logs in
/// once, within 72 hours, and must then be changed; after that the log-in answers 401
/// `INITIAL_PASSWORD_EXPIRED`.
#[derive(Object)]
pub struct IssuedPassword {
    /// 初始密码 (12 letters and digits without look-alikes such as 0/O, 1/l/I)
    pub initial_password: String,
    /// Until when it works for the first log-in.
    pub initial_password_expires_at: DateTime<Utc>,
}

impl From<InitialPassword> for IssuedPassword {
    fn from(p: InitialPassword) -> Self {
        Self {
            initial_password: p.clear,
            initial_password_expires_at: p.expires_at,
        }
    }
}

#[derive(Object)]
pub struct CreatedOrg {
    pub org: Org,
    pub admin: Admin,
    /// The new admin's one-time password.
    #[oai(flatten)]
    pub password: IssuedPassword,
}

#[derive(Object)]
pub struct CreateAdminBody {
    #[oai(validator(max_length = 64))]
    pub username: String,
    #[oai(validator(max_length = 50))]
    pub display_name: Option<String>,
}

/// An admin account's fields with its one-time password (created, or a new one issued).
#[derive(Object)]
pub struct AdminWithPassword {
    #[oai(flatten)]
    pub admin: Admin,
    #[oai(flatten)]
    pub password: IssuedPassword,
}

/// An admin account (never its password hash).
#[derive(Object)]
pub struct Admin {
    pub id: i64,
    pub org_id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<admin_account::Model> for Admin {
    fn from(m: admin_account::Model) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            username: m.username,
            display_name: m.display_name,
            must_change_password: m.must_change_password,
            disabled: m.disabled,
            created_at: m.created_at,
        }
    }
}

/// `PUT /org/welfare-budget`: the yearly cap per member, in fen; null removes it.
#[derive(Object)]
pub struct WelfareBudgetBody {
    /// The organisation; only one's own (the default).
    pub org_id: Option<i64>,
    /// 年度福利经费标准 (fen, 1 to 100,000,000), or null for none
    pub annual_cap_fen: Option<i64>,
}

/// An organisation's welfare budget after the change.
#[derive(Object)]
pub struct WelfareBudget {
    pub org_id: i64,
    /// Its own cap (fen; null: none).
    pub annual_cap_fen: Option<i64>,
    /// The cap that applies to its activities: the smallest of its own and those above it.
    pub applying_cap_fen: Option<i64>,
}

pub struct OrgApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Organisations")]
impl OrgApi {
    /// Own organisation (工会信息)
    #[oai(path = "/org", method = "get")]
    async fn own(&self, state: Data<&AppState>, auth: AdminAuth) -> ApiResult<Json<Org>> {
        let org = auth.0.scope.visible_org(&state.db, auth.0.org_id).await?;
        let applying = welfare::cap_of_chain(&state.db, &org.path).await?;
        let mut org = Org::from(org);
        org.welfare_cap_applying_fen = applying;
        Ok(Json(org))
    }

    /// Set own annual welfare budget per member (年度福利经费标准)
    ///
    /// Only one's own organisation (403 `NOT_AUTHORISED` for another). Claims in the
    /// activities of this organisation and every one below it are then held to it
    /// (the smallest cap of the chain wins): a claim that would take a member's total
    /// for the Beijing calendar year past it is refused with 409 `BUDGET_EXCEEDED`.
    #[oai(path = "/org/welfare-budget", method = "put")]
    async fn set_welfare_budget(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<WelfareBudgetBody>,
    ) -> ApiResult<Json<WelfareBudget>> {
        let org =
            welfare::set_own_cap(&state, &auth.0, body.0.org_id, body.0.annual_cap_fen).await?;
        Ok(Json(WelfareBudget {
            org_id: org.id,
            annual_cap_fen: org.welfare_cap_fen,
            applying_cap_fen: welfare::cap_of_chain(&state.db, &org.path).await?,
        }))
    }

    /// Edit own organisation (编辑工会信息)
    ///
    /// Only one's own organisation: a parent never edits a union's profile.
    #[oai(path = "/org", method = "put")]
    async fn update_own(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<OrgProfileBody>,
    ) -> ApiResult<Json<Org>> {
        let profile = ProfileInput::from(body.0).validate(state.clock.today())?;
        let org = orgs::update_own(&state, &auth.0, profile).await?;
        Ok(Json(org.into()))
    }

    /// Organisations visible to the caller: own and every one below (本级及下级)
    #[oai(path = "/orgs", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        parent_id: Query<Option<i64>>,
        kind: Query<Option<OrgKind>>,
        #[oai(validator(max_length = 100))] name: Query<Option<String>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<Org>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let filter = OrgFilter {
            parent_id: parent_id.0,
            kind: kind.0,
            name: name.0,
        };
        let (items, total) = orgs::list(&state, &auth.0, filter, req).await?;
        Ok(Json(Page::new(
            items.into_iter().map(Org::from).collect(),
            total,
            req,
        )))
    }

    /// Create a subordinate organisation and its admin account (新建下级组织)
    ///
    /// The answer carries the admin's one-time `initial_password` (shown only here).
    /// Audited.
    #[oai(path = "/orgs", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<CreateOrgBody>,
    ) -> ApiResult<Json<CreatedOrg>> {
        let body = body.0;
        let new = NewOrg {
            parent_id: body.parent_id,
            kind: body.kind,
            profile: ProfileInput::from(body.profile).validate(state.clock.today())?,
            admin_username: body.admin_username,
            admin_display_name: body.admin_display_name,
        };
        let (org, admin, initial) = orgs::create_child(&state, &auth.0, new).await?;
        Ok(Json(CreatedOrg {
            org: org.into(),
            admin: admin.into(),
            password: initial.into(),
        }))
    }

    /// One organisation in the caller's scope
    #[oai(path = "/orgs/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Org>> {
        let org = auth.0.scope.visible_org(&state.db, id.0).await?;
        Ok(Json(org.into()))
    }

    /// Admin accounts of an organisation in the caller's scope
    #[oai(path = "/orgs/:id/admins", method = "get")]
    async fn admins(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Admin>>> {
        let admins = orgs::admins_of(&state, &auth.0, id.0).await?;
        Ok(Json(admins.into_iter().map(Admin::from).collect()))
    }

    /// Add an admin account to an organisation in the caller's scope
    ///
    /// Admins of the organisation and of every organisation above it may do this. The
    /// answer carries the one-time `initial_password` (shown only here). Audited.
    #[oai(path = "/orgs/:id/admins", method = "post")]
    async fn add_admin(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<CreateAdminBody>,
    ) -> ApiResult<Json<AdminWithPassword>> {
        let body = body.0;
        let (admin, initial) =
            orgs::add_admin(&state, &auth.0, id.0, &body.username, body.display_name).await?;
        Ok(Json(AdminWithPassword {
            admin: admin.into(),
            password: initial.into(),
        }))
    }

    /// Issue a new one-time password for an admin account (重置密码)
    ///
    /// For an admin of the organisation or of one above it, never for one's own account
    /// (403 `OWN_ACCOUNT`). The old password stops working, every session of the account
    /// ends and its log-in lock-outs are lifted; the answer carries the new
    /// `initial_password` (shown only here, valid 72 hours). Audited.
    #[oai(path = "/orgs/:id/admins/:admin_id/reset-password", method = "post")]
    async fn reset_admin_password(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        admin_id: Path<i64>,
    ) -> ApiResult<Json<AdminWithPassword>> {
        let (admin, initial) =
            orgs::reset_admin_password(&state, &auth.0, id.0, admin_id.0).await?;
        Ok(Json(AdminWithPassword {
            admin: admin.into(),
            password: initial.into(),
        }))
    }

    /// Disable an admin account (停用); its sessions end
    ///
    /// For an admin of the organisation or of one above it, never for one's own account
    /// (403 `OWN_ACCOUNT`). A disabled admin cannot log in (403 `ACCOUNT_DISABLED`).
    /// Audited.
    #[oai(path = "/orgs/:id/admins/:admin_id/disable", method = "post")]
    async fn disable_admin(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        admin_id: Path<i64>,
    ) -> ApiResult<Json<Admin>> {
        let admin = orgs::set_admin_disabled(&state, &auth.0, id.0, admin_id.0, true).await?;
        Ok(Json(admin.into()))
    }

    /// Re-enable an admin account (启用); audited
    #[oai(path = "/orgs/:id/admins/:admin_id/enable", method = "post")]
    async fn enable_admin(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        admin_id: Path<i64>,
    ) -> ApiResult<Json<Admin>> {
        let admin = orgs::set_admin_disabled(&state, &auth.0, id.0, admin_id.0, false).await?;
        Ok(Json(admin.into()))
    }
}
