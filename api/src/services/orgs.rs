//! The organisation tree: own profile (工会信息), subordinate organisations and their
//! admin accounts.
//!
//! Admin accounts follow the account rule of `scope`: the admins of an organisation and
//! of every organisation above it create them, disable and enable them and issue new
//! one-time passwords (each audited); nobody does it to their own account.

use entity::enums::OrgKind;
use entity::value::{ContactPhone, CreditCode};
use entity::{admin_account, organisation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::auth::AdminPrincipal;
use crate::auth::password::InitialPassword;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::input::{multiline_text, required_text, text};
use crate::paging::PageRequest;
use crate::services::{audit, managed_accounts};
use crate::state::AppState;

/// The editable profile fields of an organisation (工会信息), already validated.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub name: String,
    pub short_name: Option<String>,
    pub credit_code: Option<String>,
    pub chairman: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub founded_on: Option<chrono::NaiveDate>,
    pub description: Option<String>,
}

/// Unvalidated profile input as the client sent it.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput {
    pub name: String,
    pub short_name: Option<String>,
    pub credit_code: Option<String>,
    pub chairman: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub founded_on: Option<chrono::NaiveDate>,
    pub description: Option<String>,
}

impl ProfileInput {
    pub fn validate(self, today: chrono::NaiveDate) -> ApiResult<Profile> {
        let credit_code = text(self.credit_code, "统一社会信用代码", 18)?
            .map(|c| CreditCode::parse(&c).map(|c| c.as_str().to_owned()))
            .transpose()
            .map_err(|e| ApiError::validation(e.to_string()))?;
        let contact_phone = text(self.contact_phone, "联系电话", 30)?
            .map(|p| ContactPhone::parse(&p).map(|p| p.as_str().to_owned()))
            .transpose()
            .map_err(|e| ApiError::validation(e.to_string()))?;
        let postcode = text(self.postcode, "邮政编码", 6)?;
        if let Some(p) = &postcode
            && (p.len() != 6 || !p.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(ApiError::validation("邮政编码应为6位数字"));
        }
        if let Some(d) = self.founded_on
            && d > today
        {
            return Err(ApiError::validation("成立日期不能晚于今天"));
        }
        Ok(Profile {
            name: required_text(&self.name, "工会名称", 100)?,
            short_name: text(self.short_name, "简称", 50)?,
            credit_code,
            chairman: text(self.chairman, "工会主席", 50)?,
            contact_name: text(self.contact_name, "联系人", 50)?,
            contact_phone,
            address: text(self.address, "地址", 200)?,
            postcode,
            founded_on: self.founded_on,
            description: multiline_text(self.description, "简介", 2000)?,
        })
    }
}

fn apply(active: &mut organisation::ActiveModel, p: Profile) {
    active.name = Set(p.name);
    active.short_name = Set(p.short_name);
    active.credit_code = Set(p.credit_code);
    active.chairman = Set(p.chairman);
    active.contact_name = Set(p.contact_name);
    active.contact_phone = Set(p.contact_phone);
    active.address = Set(p.address);
    active.postcode = Set(p.postcode);
    active.founded_on = Set(p.founded_on);
    active.description = Set(p.description);
}

const NAME_TAKEN: &str = "同一上级下已有同名组织";
const USERNAME_TAKEN: &str = "管理员账号已被占用";

/// Updates the caller's own organisation profile.
pub async fn update_own(
    state: &AppState,
    me: &AdminPrincipal,
    profile: Profile,
) -> ApiResult<organisation::Model> {
    let now = state.clock.now();
    let org = me.scope.visible_org(&state.db, me.org_id).await?;
    let txn = state.db.begin().await?;
    let mut active = org.into_active_model();
    apply(&mut active, profile);
    active.updated_at = Set(now);
    let org = active
        .update(&txn)
        .await
        .map_err(|e| ApiError::on_unique(e, ErrorCode::OrgNameTaken, NAME_TAKEN))?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("update_org_profile", "organisation", org.id),
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// What creating a subordinate organisation needs.
pub struct NewOrg {
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    pub profile: Profile,
    pub admin_username: String,
    pub admin_display_name: Option<String>,
}

/// Creates an organisation below one the caller can see, with its first admin account
/// (a one-time initial password, to be changed at first login), in one transaction.
pub async fn create_child(
    state: &AppState,
    me: &AdminPrincipal,
    new: NewOrg,
) -> ApiResult<(organisation::Model, admin_account::Model, InitialPassword)> {
    let parent = me
        .scope
        .visible_org(&state.db, new.parent_id.unwrap_or(me.org_id))
        .await?;
    if !parent.kind.may_have_children() {
        return Err(ApiError::validation("基层工会下不能再设下级组织"));
    }
    if new.kind == OrgKind::CityFederation {
        return Err(ApiError::validation(
            "组织类型不正确：下级组织不能是市总工会",
        ));
    }
    let username = validate_username(&new.admin_username)?;
    let now = state.clock.now();
    let initial = InitialPassword::generate(now).await?;

    let txn = state.db.begin().await?;
    let mut active = organisation::ActiveModel {
        parent_id: Set(Some(parent.id)),
        // The real path needs the id; written right after the insert.
        path: Set(format!("{}pending/", parent.path)),
        depth: Set(parent.depth + 1),
        kind: Set(new.kind),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, new.profile);
    let org = active
        .insert(&txn)
        .await
        .map_err(|e| ApiError::on_unique(e, ErrorCode::OrgNameTaken, NAME_TAKEN))?;
    let mut active = org.into_active_model();
    active.path = Set(format!("{}{}/", parent.path, active.id.as_ref()));
    let org = active.update(&txn).await?;

    let admin = insert_admin(
        &txn,
        org.id,
        username,
        new.admin_display_name,
        &initial,
        now,
    )
    .await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("create_org", "organisation", org.id)
            .with_detail(serde_json::json!({ "admin_username": admin.username })),
    )
    .await?;
    txn.commit().await?;
    Ok((org, admin, initial))
}

/// Adds another admin account (with a one-time initial password) to an organisation in
/// the caller's scope.
pub async fn add_admin(
    state: &AppState,
    me: &AdminPrincipal,
    org_id: i64,
    username: &str,
    display_name: Option<String>,
) -> ApiResult<(admin_account::Model, InitialPassword)> {
    let org = me.scope.visible_org(&state.db, org_id).await?;
    let username = validate_username(username)?;
    let now = state.clock.now();
    let initial = InitialPassword::generate(now).await?;
    let txn = state.db.begin().await?;
    let admin = insert_admin(&txn, org.id, username, display_name, &initial, now).await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("create_admin", "admin_account", admin.id)
            .with_detail(serde_json::json!({ "org_id": org.id })),
    )
    .await?;
    txn.commit().await?;
    Ok((admin, initial))
}

pub async fn insert_admin<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    username: String,
    display_name: Option<String>,
    initial: &InitialPassword,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<admin_account::Model> {
    admin_account::ActiveModel {
        org_id: Set(org_id),
        username: Set(username),
        display_name: Set(text(display_name, "管理员姓名", 50)?),
        password_hash: Set(initial.hash.clone()),
        must_change_password: Set(true),
        initial_password_expires_at: Set(Some(initial.expires_at)),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::on_unique(e, ErrorCode::UsernameTaken, USERNAME_TAKEN))
}

/// 3–32 characters: letters, digits, `_`, `-`, `.`; stored lower-case.
fn validate_username(raw: &str) -> ApiResult<String> {
    let username = raw.trim().to_lowercase();
    let ok_len = (3..=32).contains(&username.len());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok_len || !ok_chars {
        return Err(ApiError::validation(
            "管理员账号应为3至32位字母、数字、下划线、短横线或点",
        ));
    }
    Ok(username)
}

/// An admin account of an organisation in the caller's scope, other than the caller's
/// own (404 outside the scope, 403 `OWN_ACCOUNT` for oneself).
async fn managed_admin(
    state: &AppState,
    me: &AdminPrincipal,
    org_id: i64,
    admin_id: i64,
) -> ApiResult<admin_account::Model> {
    let org = me.scope.visible_org(&state.db, org_id).await?;
    let admin = admin_account::Entity::find_by_id(admin_id)
        .filter(admin_account::Column::OrgId.eq(org.id))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("管理员账号"))?;
    if admin.id == me.admin_id {
        return Err(ApiError::Forbidden {
            code: ErrorCode::OwnAccount,
            message: "不能对自己的账号执行此操作（修改自己的密码请使用“修改密码”）".into(),
        });
    }
    Ok(admin)
}

/// Issues a new one-time initial password for an admin account (the old password stops
/// working, every session ends, lock-outs are lifted; audited).
pub async fn reset_admin_password(
    state: &AppState,
    me: &AdminPrincipal,
    org_id: i64,
    admin_id: i64,
) -> ApiResult<(admin_account::Model, InitialPassword)> {
    let admin = managed_admin(state, me, org_id, admin_id).await?;
    let initial = managed_accounts::reissue_password::<admin_account::Entity>(
        state,
        me,
        admin.id,
        &admin.username,
        audit::Entry::on("reset_admin_password", "admin_account", admin.id)
            .with_detail(serde_json::json!({ "org_id": admin.org_id })),
    )
    .await?;
    Ok((reload_admin(state, admin.id).await?, initial))
}

/// Disables (ending every session) or re-enables an admin account; audited.
pub async fn set_admin_disabled(
    state: &AppState,
    me: &AdminPrincipal,
    org_id: i64,
    admin_id: i64,
    disabled: bool,
) -> ApiResult<admin_account::Model> {
    let admin = managed_admin(state, me, org_id, admin_id).await?;
    let action = if disabled {
        "disable_admin"
    } else {
        "enable_admin"
    };
    managed_accounts::set_disabled::<admin_account::Entity>(
        state,
        me,
        admin.id,
        disabled,
        audit::Entry::on(action, "admin_account", admin.id)
            .with_detail(serde_json::json!({ "org_id": admin.org_id })),
    )
    .await?;
    reload_admin(state, admin.id).await
}

async fn reload_admin(state: &AppState, id: i64) -> ApiResult<admin_account::Model> {
    admin_account::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("管理员账号"))
}

/// Filters of the organisation list.
#[derive(Debug, Default)]
pub struct OrgFilter {
    pub parent_id: Option<i64>,
    pub kind: Option<OrgKind>,
    pub name: Option<String>,
}

/// Organisations in the caller's scope, in tree order.
pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: OrgFilter,
    page: PageRequest,
) -> ApiResult<(Vec<organisation::Model>, u64)> {
    let mut query = organisation::Entity::find()
        .filter(me.scope.orgs())
        .order_by_asc(organisation::Column::Depth)
        .order_by_asc(organisation::Column::Id);
    if let Some(parent) = filter.parent_id {
        query = query.filter(organisation::Column::ParentId.eq(parent));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(organisation::Column::Kind.eq(kind));
    }
    if let Some(name) = filter
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
    {
        query = query.filter(organisation::Column::Name.contains(&name));
    }
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}

/// Admin accounts of an organisation in scope.
pub async fn admins_of(
    state: &AppState,
    me: &AdminPrincipal,
    org_id: i64,
) -> ApiResult<Vec<admin_account::Model>> {
    let org = me.scope.visible_org(&state.db, org_id).await?;
    Ok(admin_account::Entity::find()
        .filter(admin_account::Column::OrgId.eq(org.id))
        .order_by_asc(admin_account::Column::Id)
        .all(&state.db)
        .await?)
}

/// An organisation by id, without a scope check (for the caller's own organisation).
pub async fn org_by_id(state: &AppState, id: i64) -> ApiResult<organisation::Model> {
    organisation::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("组织"))
}
