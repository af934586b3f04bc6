//! Merchants (商家) owned by an organisation, their login accounts (商家账号 / 核销员),
//! 上线 / 下线.
//!
//! Reads reach every merchant in the caller's scope; every write needs the caller's
//! organisation to own the merchant (`scope::require_owner`). New accounts and
//! password resets get a one-time initial password, answered once and, when the SMS
//! gateway is configured, also sent to the account's phone.

use chrono::{DateTime, Utc};
use entity::enums::MerchantKind;
use entity::value::{ContactPhone, Phone};
use entity::{merchant, merchant_staff};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use crate::auth::AdminPrincipal;
use crate::auth::password::InitialPassword;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::input::{multiline_text, required_text, text};
use crate::paging::PageRequest;
use crate::scope::{Scope, require_owner};
use crate::services::{audit, files, managed_accounts, sms, toggle};
use crate::state::AppState;

const NAME_TAKEN: &str = "本组织下已有同名商家";
const PHONE_TAKEN: &str = "手机号码已被其他商家账号使用";

/// Merchant fields as the client sent them.
#[derive(Clone, Debug, Default)]
pub struct MerchantInput {
    pub name: String,
    pub contact_name: String,
    pub landline: Option<String>,
    pub kind: Option<MerchantKind>,
    pub service_type: Option<String>,
    pub tags: Vec<String>,
    pub company_address: Option<String>,
    pub address: Option<String>,
    pub intro: Option<String>,
    pub settled_on: Option<chrono::NaiveDate>,
    pub licence_file_id: Option<i64>,
    pub logo_file_id: Option<i64>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

/// Validated merchant fields.
#[derive(Clone, Debug)]
pub struct MerchantFields {
    name: String,
    contact_name: String,
    landline: Option<String>,
    kind: MerchantKind,
    service_type: Option<String>,
    tags: String,
    company_address: Option<String>,
    address: Option<String>,
    intro: Option<String>,
    settled_on: Option<chrono::NaiveDate>,
    licence_file_id: Option<i64>,
    logo_file_id: Option<i64>,
    longitude: Option<f64>,
    latitude: Option<f64>,
}

impl MerchantInput {
    /// Checks every field; image references must be images the caller can see.
    pub async fn validate<C: ConnectionTrait>(
        self,
        db: &C,
        scope: &Scope,
    ) -> ApiResult<MerchantFields> {
        let landline = text(self.landline, "固定电话", 30)?
            .map(|p| ContactPhone::parse(&p).map(|p| p.as_str().to_owned()))
            .transpose()
            .map_err(|_| {
                ApiError::validation("固定电话格式不正确（应为带区号的固定电话，如0633-1234567）")
            })?;
        let mut tags = Vec::new();
        for tag in self.tags {
            if let Some(tag) = text(Some(tag), "商家标签", 20)?
                && !tags.contains(&tag)
            {
                tags.push(tag);
            }
        }
        if tags.len() > 10 {
            return Err(ApiError::validation("商家标签不能超过10个"));
        }
        match (self.longitude, self.latitude) {
            (Some(lng), Some(lat)) => {
                if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
                    return Err(ApiError::validation("经度应在-180至180之间"));
                }
                if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
                    return Err(ApiError::validation("纬度应在-90至90之间"));
                }
            }
            (None, None) => {}
            _ => return Err(ApiError::validation("商家位置的经度和纬度须同时填写")),
        }
        if let Some(id) = self.licence_file_id {
            files::require_image(db, scope, id, "营业执照（licence_file_id）").await?;
        }
        if let Some(id) = self.logo_file_id {
            files::require_image(db, scope, id, "商家Logo（logo_file_id）").await?;
        }
        Ok(MerchantFields {
            name: required_text(&self.name, "商家名称", 100)?,
            contact_name: required_text(&self.contact_name, "联系人", 50)?,
            landline,
            kind: self.kind.unwrap_or(MerchantKind::Merchant),
            service_type: text(self.service_type, "服务类型", 50)?,
            tags: serde_json::to_string(&tags).map_err(|e| ApiError::Internal(e.into()))?,
            company_address: text(self.company_address, "公司地址", 200)?,
            address: text(self.address, "地址", 200)?,
            intro: multiline_text(self.intro, "商家简介", 2000)?,
            settled_on: self.settled_on,
            licence_file_id: self.licence_file_id,
            logo_file_id: self.logo_file_id,
            longitude: self.longitude,
            latitude: self.latitude,
        })
    }
}

fn apply(active: &mut merchant::ActiveModel, f: MerchantFields) {
    active.name = Set(f.name);
    active.contact_name = Set(f.contact_name);
    active.landline = Set(f.landline);
    active.kind = Set(f.kind);
    active.service_type = Set(f.service_type);
    active.tags = Set(f.tags);
    active.company_address = Set(f.company_address);
    active.address = Set(f.address);
    active.intro = Set(f.intro);
    active.settled_on = Set(f.settled_on);
    active.licence_file_id = Set(f.licence_file_id);
    active.logo_file_id = Set(f.logo_file_id);
    active.longitude = Set(f.longitude);
    active.latitude = Set(f.latitude);
}

/// Parses a staff login phone; the message names the field.
pub fn parse_phone(raw: &str) -> ApiResult<String> {
    Phone::parse(raw)
        .map(|p| p.as_str().to_owned())
        .map_err(|e| ApiError::validation(e.to_string()))
}

/// A merchant of an organisation in the caller's scope, or 404.
pub async fn visible<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: i64,
) -> ApiResult<merchant::Model> {
    merchant::Entity::find_by_id(id)
        .filter(scope.filter(merchant::Column::OrgId))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("商家"))
}

/// A merchant the caller's organisation owns: 404 outside the scope, 403 `NOT_OWNER`
/// for a merchant of an organisation below.
pub async fn owned<C: ConnectionTrait>(
    db: &C,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<merchant::Model> {
    let merchant = visible(db, &me.scope, id).await?;
    require_owner(merchant.org_id, me.org_id)?;
    Ok(merchant)
}

/// A login account as created or reset: the account, its one-time password (to show
/// once) and whether the password also went to the phone by SMS.
pub struct IssuedAccount {
    pub staff: merchant_staff::Model,
    pub initial: InitialPassword,
    pub sent_by_sms: bool,
}

impl IssuedAccount {
    /// After the commit: the SMS, where a gateway is configured.
    async fn deliver(
        state: &AppState,
        staff: merchant_staff::Model,
        initial: InitialPassword,
    ) -> Self {
        let sent_by_sms = sms::send_initial_password(state, &staff.phone, &initial.clear).await;
        Self {
            staff,
            initial,
            sent_by_sms,
        }
    }
}

/// Creates a merchant owned by `org_id` (default, and the only choice: the caller's
/// organisation) and its first login account: `phone` with a one-time initial password,
/// to be changed at first login.
pub async fn create(
    state: &AppState,
    me: &AdminPrincipal,
    org_id: Option<i64>,
    phone: &str,
    fields: MerchantFields,
) -> ApiResult<(merchant::Model, IssuedAccount)> {
    let org = me
        .scope
        .visible_org(&state.db, org_id.unwrap_or(me.org_id))
        .await?;
    require_owner(org.id, me.org_id)?;
    let phone = parse_phone(phone)?;
    let now = state.clock.now();
    let initial = InitialPassword::generate(now).await?;
    let staff_name = fields.contact_name.clone();

    let txn = state.db.begin().await?;
    let mut active = merchant::ActiveModel {
        org_id: Set(org.id),
        phone: Set(phone.clone()),
        online: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let merchant = active
        .insert(&txn)
        .await
        .map_err(|e| ApiError::on_unique(e, ErrorCode::MerchantNameTaken, NAME_TAKEN))?;
    let staff = insert_staff(&txn, merchant.id, staff_name, phone, true, &initial, now).await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("create_merchant", "merchant", merchant.id)
            .with_detail(serde_json::json!({ "org_id": org.id, "staff_id": staff.id })),
    )
    .await?;
    txn.commit().await?;
    Ok((
        merchant,
        IssuedAccount::deliver(state, staff, initial).await,
    ))
}

async fn insert_staff<C: ConnectionTrait>(
    db: &C,
    merchant_id: i64,
    name: String,
    phone: String,
    is_owner: bool,
    initial: &InitialPassword,
    now: DateTime<Utc>,
) -> ApiResult<merchant_staff::Model> {
    merchant_staff::ActiveModel {
        merchant_id: Set(merchant_id),
        name: Set(name),
        phone: Set(phone),
        password_hash: Set(initial.hash.clone()),
        must_change_password: Set(true),
        initial_password_expires_at: Set(Some(initial.expires_at)),
        disabled: Set(false),
        is_owner: Set(is_owner),
        wx_openid: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::on_unique(e, ErrorCode::PhoneTaken, PHONE_TAKEN))
}

/// Edits a merchant, provided nobody changed it since the caller read `version`.
pub async fn update(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    version: i32,
    fields: MerchantFields,
) -> ApiResult<merchant::Model> {
    let current = owned(&state.db, me, id).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let mut active = merchant::ActiveModel {
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let changed = merchant::Entity::update_many()
        .set(active)
        .col_expr(
            merchant::Column::Version,
            Expr::col(merchant::Column::Version).add(1),
        )
        .filter(merchant::Column::Id.eq(current.id))
        .filter(merchant::Column::Version.eq(version))
        .exec(&txn)
        .await
        .map_err(|e| ApiError::on_unique(e, ErrorCode::MerchantNameTaken, NAME_TAKEN))?;
    if changed.rows_affected == 0 {
        return Err(ApiError::stale("商家"));
    }
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("update_merchant", "merchant", id),
    )
    .await?;
    txn.commit().await?;
    visible(&state.db, &me.scope, id).await
}

/// 上线 / 下线.
pub async fn set_online(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    online: bool,
) -> ApiResult<merchant::Model> {
    let current = owned(&state.db, me, id).await?;
    let action = if online {
        "merchant_online"
    } else {
        "merchant_offline"
    };
    toggle::set::<merchant::Entity>(
        state,
        me,
        current.id,
        toggle::Columns {
            id: merchant::Column::Id,
            flag: merchant::Column::Online,
            version: merchant::Column::Version,
            updated_at: merchant::Column::UpdatedAt,
        },
        online,
        audit::Entry::on(action, "merchant", id),
    )
    .await?;
    visible(&state.db, &me.scope, id).await
}

/// Filters of the merchant list.
#[derive(Debug, Default)]
pub struct MerchantFilter {
    pub name: Option<String>,
    pub kind: Option<MerchantKind>,
    pub online: Option<bool>,
    pub org_id: Option<i64>,
}

pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: MerchantFilter,
    page: PageRequest,
) -> ApiResult<(Vec<merchant::Model>, u64)> {
    let mut query = merchant::Entity::find()
        .filter(me.scope.filter(merchant::Column::OrgId))
        .order_by_desc(merchant::Column::Id);
    if let Some(name) = filter
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
    {
        query = query.filter(merchant::Column::Name.contains(&name));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(merchant::Column::Kind.eq(kind));
    }
    if let Some(online) = filter.online {
        query = query.filter(merchant::Column::Online.eq(online));
    }
    if let Some(org_id) = filter.org_id {
        query = query.filter(merchant::Column::OrgId.eq(org_id));
    }
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}

/// Login accounts of a merchant in scope.
pub async fn staff_of(
    state: &AppState,
    me: &AdminPrincipal,
    merchant_id: i64,
) -> ApiResult<Vec<merchant_staff::Model>> {
    let merchant = visible(&state.db, &me.scope, merchant_id).await?;
    Ok(merchant_staff::Entity::find()
        .filter(merchant_staff::Column::MerchantId.eq(merchant.id))
        .order_by_asc(merchant_staff::Column::Id)
        .all(&state.db)
        .await?)
}

/// Adds a staff account (核销员) with a one-time initial password.
pub async fn add_staff(
    state: &AppState,
    me: &AdminPrincipal,
    merchant_id: i64,
    name: &str,
    phone: &str,
) -> ApiResult<IssuedAccount> {
    let merchant = owned(&state.db, me, merchant_id).await?;
    let name = required_text(name, "核销员姓名", 50)?;
    let phone = parse_phone(phone)?;
    let now = state.clock.now();
    let initial = InitialPassword::generate(now).await?;
    let txn = state.db.begin().await?;
    let staff = insert_staff(&txn, merchant.id, name, phone, false, &initial, now).await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("create_merchant_staff", "merchant_staff", staff.id)
            .with_detail(serde_json::json!({ "merchant_id": merchant.id })),
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedAccount::deliver(state, staff, initial).await)
}

/// A login account of a merchant the caller owns: `staff_id`, or the merchant's main
/// account (商家账号, the one created with it) when `None`.
async fn owned_staff(
    state: &AppState,
    me: &AdminPrincipal,
    merchant_id: i64,
    staff_id: Option<i64>,
) -> ApiResult<(merchant::Model, merchant_staff::Model)> {
    let merchant = owned(&state.db, me, merchant_id).await?;
    let mut query =
        merchant_staff::Entity::find().filter(merchant_staff::Column::MerchantId.eq(merchant.id));
    query = match staff_id {
        Some(id) => query.filter(merchant_staff::Column::Id.eq(id)),
        None => query.filter(merchant_staff::Column::IsOwner.eq(true)),
    };
    let staff = query
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("核销员"))?;
    Ok((merchant, staff))
}

/// Issues a new one-time initial password for a login account of a merchant (the old
/// password stops working, every session ends, lock-outs are lifted; audited).
pub async fn reset_staff_password(
    state: &AppState,
    me: &AdminPrincipal,
    merchant_id: i64,
    staff_id: Option<i64>,
) -> ApiResult<IssuedAccount> {
    let (merchant, staff) = owned_staff(state, me, merchant_id, staff_id).await?;
    let initial = managed_accounts::reissue_password::<merchant_staff::Entity>(
        state,
        me,
        staff.id,
        &staff.phone,
        audit::Entry::on("reset_merchant_staff_password", "merchant_staff", staff.id)
            .with_detail(serde_json::json!({ "merchant_id": merchant.id })),
    )
    .await?;
    let staff = reload_staff(state, staff.id).await?;
    Ok(IssuedAccount::deliver(state, staff, initial).await)
}

async fn reload_staff(state: &AppState, id: i64) -> ApiResult<merchant_staff::Model> {
    merchant_staff::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("核销员"))
}

/// Disables or re-enables a staff account; disabling also ends its sessions.
pub async fn set_staff_disabled(
    state: &AppState,
    me: &AdminPrincipal,
    merchant_id: i64,
    staff_id: i64,
    disabled: bool,
) -> ApiResult<merchant_staff::Model> {
    let (merchant, staff) = owned_staff(state, me, merchant_id, Some(staff_id)).await?;
    let action = if disabled {
        "disable_merchant_staff"
    } else {
        "enable_merchant_staff"
    };
    managed_accounts::set_disabled::<merchant_staff::Entity>(
        state,
        me,
        staff.id,
        disabled,
        audit::Entry::on(action, "merchant_staff", staff.id)
            .with_detail(serde_json::json!({ "merchant_id": merchant.id })),
    )
    .await?;
    reload_staff(state, staff.id).await
}
