use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::MerchantKind;
use entity::{merchant, merchant_staff};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::routes::orgs::IssuedPassword;
use crate::services::files;
use crate::services::merchants::{self, IssuedAccount, MerchantFilter, MerchantInput};
use crate::state::AppState;

/// A merchant (商家).
#[derive(Object)]
pub struct Merchant {
    pub id: i64,
    /// Owning organisation.
    pub org_id: i64,
    /// 商家名称
    pub name: String,
    /// 联系人
    pub contact_name: String,
    /// 手机号码 (login of the first staff account)
    pub phone: String,
    /// 固定电话
    pub landline: Option<String>,
    /// 商家类型
    pub kind: MerchantKind,
    pub kind_label: String,
    /// 服务类型
    pub service_type: Option<String>,
    /// 商家标签
    pub tags: Vec<String>,
    /// 公司地址
    pub company_address: Option<String>,
    /// 地址
    pub address: Option<String>,
    /// 商家简介
    pub intro: Option<String>,
    /// 入驻时间
    pub settled_on: Option<NaiveDate>,
    /// 营业执照
    pub licence_file_id: Option<i64>,
    pub licence_url: Option<String>,
    /// 商家Logo
    pub logo_file_id: Option<i64>,
    pub logo_url: Option<String>,
    /// 经度
    pub longitude: Option<f64>,
    /// 纬度
    pub latitude: Option<f64>,
    /// 上线 / 下线
    pub online: bool,
    pub online_label: String,
    /// Send it back with an edit.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<merchant::Model> for Merchant {
    fn from(m: merchant::Model) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            name: m.name,
            contact_name: m.contact_name,
            phone: m.phone,
            landline: m.landline,
            kind: m.kind,
            kind_label: m.kind.label().to_owned(),
            service_type: m.service_type,
            tags: serde_json::from_str(&m.tags).unwrap_or_default(),
            company_address: m.company_address,
            address: m.address,
            intro: m.intro,
            settled_on: m.settled_on,
            licence_file_id: m.licence_file_id,
            licence_url: m.licence_file_id.map(files::url),
            logo_file_id: m.logo_file_id,
            logo_url: m.logo_file_id.map(files::url),
            longitude: m.longitude,
            latitude: m.latitude,
            online: m.online,
            online_label: if m.online { "上线" } else { "下线" }.to_owned(),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A merchant staff login (核销员), never its password hash.
#[derive(Object)]
pub struct Staff {
    pub id: i64,
    pub merchant_id: i64,
    pub name: String,
    pub phone: String,
    pub must_change_password: bool,
    pub disabled: bool,
    /// The merchant's first account.
    pub is_owner: bool,
    /// Whether a WeChat account is bound.
    pub wechat_bound: bool,
    pub created_at: DateTime<Utc>,
}

impl From<merchant_staff::Model> for Staff {
    fn from(m: merchant_staff::Model) -> Self {
        Self {
            id: m.id,
            merchant_id: m.merchant_id,
            name: m.name,
            phone: m.phone,
            must_change_password: m.must_change_password,
            disabled: m.disabled,
            is_owner: m.is_owner,
            wechat_bound: m.wx_openid.is_some(),
            created_at: m.created_at,
        }
    }
}

/// Editable merchant fields.
#[derive(Object)]
pub struct MerchantBody {
    #[oai(validator(max_length = 100))]
    pub name: String,
    #[oai(validator(max_length = 50))]
    pub contact_name: String,
    #[oai(validator(max_length = 32))]
    pub landline: Option<String>,
    pub kind: Option<MerchantKind>,
    #[oai(validator(max_length = 50))]
    pub service_type: Option<String>,
    /// 标签: at most 10, each at most 20 characters.
    #[oai(default, validator(max_items = 10, max_length = 20))]
    pub tags: Vec<String>,
    #[oai(validator(max_length = 200))]
    pub company_address: Option<String>,
    #[oai(validator(max_length = 200))]
    pub address: Option<String>,
    #[oai(validator(max_length = 2000))]
    pub intro: Option<String>,
    pub settled_on: Option<NaiveDate>,
    pub licence_file_id: Option<i64>,
    pub logo_file_id: Option<i64>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

impl From<MerchantBody> for MerchantInput {
    fn from(b: MerchantBody) -> Self {
        Self {
            name: b.name,
            contact_name: b.contact_name,
            landline: b.landline,
            kind: b.kind,
            service_type: b.service_type,
            tags: b.tags,
            company_address: b.company_address,
            address: b.address,
            intro: b.intro,
            settled_on: b.settled_on,
            licence_file_id: b.licence_file_id,
            logo_file_id: b.logo_file_id,
            longitude: b.longitude,
            latitude: b.latitude,
        }
    }
}

#[derive(Object)]
pub struct CreateMerchantBody {
    /// Owning organisation: the caller's own (the default). Another organisation in
    /// scope answers 403 `NOT_OWNER`: a union's merchants are created by the union.
    pub org_id: Option<i64>,
    /// 手机号码: the login of the merchant's first account (its one-time initial
    /// password is in the answer).
    #[oai(validator(max_length = 32))]
    pub phone: String,
    #[oai(flatten)]
    pub fields: MerchantBody,
}

#[derive(Object)]
pub struct UpdateMerchantBody {
    /// The version read; a stale one answers 409 `STALE_VERSION`.
    pub version: i32,
    #[oai(flatten)]
    pub fields: MerchantBody,
}

#[derive(Object)]
pub struct CreatedMerchant {
    pub merchant: Merchant,
    /// The login account: `phone` with the one-time initial password below, to be
    /// changed at first login.
    pub account: Staff,
    #[oai(flatten)]
    pub password: IssuedPassword,
    /// Whether the password was also sent to the phone by SMS (only where
    /// `SMS_GATEWAY_URL` is configured).
    pub initial_password_sent_by_sms: bool,
}

#[derive(Object)]
pub struct CreateStaffBody {
    #[oai(validator(max_length = 50))]
    pub name: String,
    #[oai(validator(max_length = 32))]
    pub phone: String,
}

/// A login account's fields with its one-time password (created, or a new one issued).
#[derive(Object)]
pub struct StaffWithPassword {
    #[oai(flatten)]
    pub staff: Staff,
    #[oai(flatten)]
    pub password: IssuedPassword,
    /// Whether the password was also sent to the phone by SMS (only where
    /// `SMS_GATEWAY_URL` is configured).
    pub initial_password_sent_by_sms: bool,
}

impl From<IssuedAccount> for StaffWithPassword {
    fn from(a: IssuedAccount) -> Self {
        Self {
            staff: a.staff.into(),
            password: a.initial.into(),
            initial_password_sent_by_sms: a.sent_by_sms,
        }
    }
}

pub struct MerchantApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Merchants")]
impl MerchantApi {
    /// Merchants of own organisation and those below
    #[oai(path = "/merchants", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        #[oai(validator(max_length = 100))] name: Query<Option<String>>,
        kind: Query<Option<MerchantKind>>,
        online: Query<Option<bool>>,
        org_id: Query<Option<i64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<Merchant>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let filter = MerchantFilter {
            name: name.0,
            kind: kind.0,
            online: online.0,
            org_id: org_id.0,
        };
        let (items, total) = merchants::list(&state, &auth.0, filter, req).await?;
        Ok(Json(Page::new(
            items.into_iter().map(Merchant::from).collect(),
            total,
            req,
        )))
    }

    /// Create a merchant and its login account (新增商家)
    ///
    /// Owned by the caller's organisation. The answer carries the account's one-time
    /// `initial_password` (shown only here; also sent by SMS where the gateway is
    /// configured). Audited.
    #[oai(path = "/merchants", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<CreateMerchantBody>,
    ) -> ApiResult<Json<CreatedMerchant>> {
        let body = body.0;
        let fields = MerchantInput::from(body.fields)
            .validate(&state.db, &auth.0.scope)
            .await?;
        let (merchant, account) =
            merchants::create(&state, &auth.0, body.org_id, &body.phone, fields).await?;
        Ok(Json(CreatedMerchant {
            merchant: merchant.into(),
            account: account.staff.into(),
            password: account.initial.into(),
            initial_password_sent_by_sms: account.sent_by_sms,
        }))
    }

    /// One merchant
    #[oai(path = "/merchants/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Merchant>> {
        Ok(Json(
            merchants::visible(&state.db, &auth.0.scope, id.0)
                .await?
                .into(),
        ))
    }

    /// Edit a merchant (send the version read)
    ///
    /// Only the owning organisation's admins (403 `NOT_OWNER` for an organisation above).
    #[oai(path = "/merchants/:id", method = "put")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<UpdateMerchantBody>,
    ) -> ApiResult<Json<Merchant>> {
        let body = body.0;
        merchants::owned(&state.db, &auth.0, id.0).await?;
        let fields = MerchantInput::from(body.fields)
            .validate(&state.db, &auth.0.scope)
            .await?;
        let m = merchants::update(&state, &auth.0, id.0, body.version, fields).await?;
        Ok(Json(m.into()))
    }

    /// 上线 (owning organisation only)
    #[oai(path = "/merchants/:id/online", method = "post")]
    async fn online(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Merchant>> {
        let m = merchants::set_online(&state, &auth.0, id.0, true).await?;
        Ok(Json(m.into()))
    }

    /// 下线 (owning organisation only)
    ///
    /// From the next scan on, the merchant's staff can neither preview nor redeem
    /// vouchers (403 `MERCHANT_OFFLINE`), whatever coupon they are for; its own and
    /// granted vouchers stay valid for when it is back online (上线). A new merchant
    /// starts offline.
    #[oai(path = "/merchants/:id/offline", method = "post")]
    async fn offline(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Merchant>> {
        let m = merchants::set_online(&state, &auth.0, id.0, false).await?;
        Ok(Json(m.into()))
    }

    /// Login accounts of a merchant (商家账号 / 核销员)
    #[oai(path = "/merchants/:id/staff", method = "get")]
    async fn staff(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Staff>>> {
        let staff = merchants::staff_of(&state, &auth.0, id.0).await?;
        Ok(Json(staff.into_iter().map(Staff::from).collect()))
    }

    /// Add a staff account (新增核销员)
    ///
    /// Owning organisation only. The answer carries the one-time `initial_password`
    /// (shown only here; also sent by SMS where the gateway is configured). Audited.
    #[oai(path = "/merchants/:id/staff", method = "post")]
    async fn add_staff(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<CreateStaffBody>,
    ) -> ApiResult<Json<StaffWithPassword>> {
        let account =
            merchants::add_staff(&state, &auth.0, id.0, &body.0.name, &body.0.phone).await?;
        Ok(Json(account.into()))
    }

    /// Issue a new one-time password for the merchant's main account (重置商家账号密码)
    ///
    /// Owning organisation only (403 `NOT_OWNER` above it). The old password stops
    /// working, every session of the account ends and its log-in lock-outs are lifted;
    /// the answer carries the new `initial_password` (shown only here, valid 72 hours;
    /// also sent by SMS where the gateway is configured). Audited.
    #[oai(path = "/merchants/:id/reset-password", method = "post")]
    async fn reset_password(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<StaffWithPassword>> {
        let account = merchants::reset_staff_password(&state, &auth.0, id.0, None).await?;
        Ok(Json(account.into()))
    }

    /// Issue a new one-time password for a staff account (重置核销员密码)
    ///
    /// As for the main account.
    #[oai(
        path = "/merchants/:id/staff/:staff_id/reset-password",
        method = "post"
    )]
    async fn reset_staff_password(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        staff_id: Path<i64>,
    ) -> ApiResult<Json<StaffWithPassword>> {
        let account =
            merchants::reset_staff_password(&state, &auth.0, id.0, Some(staff_id.0)).await?;
        Ok(Json(account.into()))
    }

    /// Disable a staff account (its sessions end; owning organisation only)
    #[oai(path = "/merchants/:id/staff/:staff_id/disable", method = "post")]
    async fn disable_staff(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        staff_id: Path<i64>,
    ) -> ApiResult<Json<Staff>> {
        let s = merchants::set_staff_disabled(&state, &auth.0, id.0, staff_id.0, true).await?;
        Ok(Json(s.into()))
    }

    /// Re-enable a staff account (owning organisation only)
    #[oai(path = "/merchants/:id/staff/:staff_id/enable", method = "post")]
    async fn enable_staff(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        staff_id: Path<i64>,
    ) -> ApiResult<Json<Staff>> {
        let s = merchants::set_staff_disabled(&state, &auth.0, id.0, staff_id.0, false).await?;
        Ok(Json(s.into()))
    }
}
