//! Member app: own profile with the electronic member card, and real-name certification.

use chrono::{DateTime, NaiveDate, Utc};
use entity::certification;
use entity::enums::{CertificationStatus, MemberStatus};
use entity::value::mask_phone;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use crate::auth::MemberAuth;
use crate::error::ApiResult;
use crate::services::app_accounts::{self, Profile};
use crate::services::certifications::{self, Application};
use crate::state::AppState;

/// Where the account stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum CertificationState {
    /// 未认证
    Uncertified,
    /// 审核中
    Pending,
    /// 已驳回 (may apply again)
    Rejected,
    /// 已认证
    Certified,
}

/// An application as the member sees it.
#[derive(Object)]
pub struct MyApplication {
    pub id: i64,
    pub name: String,
    /// 证件号码 (masked)
    pub id_number: String,
    pub status: CertificationStatus,
    pub status_label: String,
    pub reject_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl From<certification::Model> for MyApplication {
    fn from(c: certification::Model) -> Self {
        Self {
            id: c.id,
            name: c.name,
            id_number: c.id_number_masked,
            status_label: c.status.label().to_owned(),
            status: c.status,
            reject_reason: c.reject_reason,
            created_at: c.created_at,
            reviewed_at: c.reviewed_at,
        }
    }
}

#[derive(Object)]
pub struct MyCertification {
    pub state: CertificationState,
    /// The latest application, if any.
    pub application: Option<MyApplication>,
}

/// 电子会员卡
#[derive(Object)]
pub struct MemberCard {
    /// 卡号: unique, never changes (also across transfers)
    pub card_no: String,
    /// 所属工会 (current)
    pub union_name: String,
    pub name: String,
    /// 证件号码 (masked)
    pub id_number: String,
    /// 入会日期
    pub joined_on: Option<NaiveDate>,
    pub issued_at: DateTime<Utc>,
    /// 会籍状态
    pub member_status: MemberStatus,
    pub member_status_label: String,
}

#[derive(Object)]
pub struct WechatBinding {
    pub app: bool,
    pub miniprogram: bool,
}

#[derive(Object)]
pub struct Me {
    pub id: i64,
    /// Own phone (full).
    pub phone: String,
    pub phone_masked: String,
    /// 注册地区
    pub region: String,
    pub registered_at: DateTime<Utc>,
    pub wechat: WechatBinding,
    pub certification: MyCertification,
    /// Certified and still an active member: may claim welfare. False after leaving
    /// the union (the card and history stay).
    pub active_for_claiming: bool,
    pub card: Option<MemberCard>,
    pub preferences: Preferences,
}

/// The member's settings (设置).
#[derive(Object)]
pub struct Preferences {
    /// 卡券到期提醒: an SMS a few days before an unused voucher expires
    pub expiry_reminders: bool,
}

impl From<&entity::app_account::Model> for Preferences {
    fn from(a: &entity::app_account::Model) -> Self {
        Self {
            expiry_reminders: a.expiry_reminders,
        }
    }
}

/// `PUT /me/preferences`: the settings to change (omitted ones stay).
#[derive(Object)]
pub struct PreferencesBody {
    pub expiry_reminders: Option<bool>,
}

fn state_of(profile: &Profile) -> CertificationState {
    if profile.account.member_id.is_some() {
        return CertificationState::Certified;
    }
    match profile.latest_application.as_ref().map(|a| a.status) {
        Some(CertificationStatus::Pending) => CertificationState::Pending,
        Some(CertificationStatus::Rejected) => CertificationState::Rejected,
        // An approved application whose link has gone: treat as not certified.
        Some(CertificationStatus::Approved) | None => CertificationState::Uncertified,
    }
}

fn my_certification(profile: &Profile) -> MyCertification {
    let mut state = state_of(profile);
    // A pending re-application after leaving shows as pending.
    if state == CertificationState::Certified
        && profile.latest_application.as_ref().map(|a| a.status)
            == Some(CertificationStatus::Pending)
    {
        state = CertificationState::Pending;
    }
    MyCertification {
        state,
        application: profile.latest_application.clone().map(Into::into),
    }
}

impl From<Profile> for Me {
    fn from(p: Profile) -> Self {
        let certification = my_certification(&p);
        let active_for_claiming = p
            .member
            .as_ref()
            .is_some_and(|m| m.status == MemberStatus::Active);
        let card = match (&p.account.card_no, p.account.card_issued_at, &p.member) {
            (Some(card_no), Some(issued_at), Some(m)) => Some(MemberCard {
                card_no: card_no.clone(),
                union_name: p.org_name.clone().unwrap_or_default(),
                name: m.name.clone(),
                id_number: m.id_number_masked.clone(),
                joined_on: m.joined_on,
                issued_at,
                member_status: m.status,
                member_status_label: m.status.label().to_owned(),
            }),
            _ => None,
        };
        let a = p.account;
        let preferences = Preferences::from(&a);
        Self {
            id: a.id,
            phone_masked: mask_phone(&a.phone),
            phone: a.phone,
            region: a.region,
            registered_at: a.created_at,
            wechat: WechatBinding {
                app: a.wechat_app_openid.is_some(),
                miniprogram: a.wechat_mini_openid.is_some(),
            },
            certification,
            active_for_claiming,
            card,
            preferences,
        }
    }
}

#[derive(Object)]
pub struct CertificationRequest {
    /// 姓名
    #[oai(validator(max_length = 100))]
    pub name: String,
    /// 证件号码
    #[oai(validator(max_length = 64))]
    pub id_number: String,
    /// 证件类型 (code or label); default 居民身份证
    #[oai(validator(max_length = 32))]
    pub id_type: Option<String>,
}

pub struct AppMeApi;

#[OpenApi(prefix_path = "/api/app", tag = "ApiTags::App")]
impl AppMeApi {
    /// Own profile, certification state and electronic member card (我的)
    #[oai(path = "/me", method = "get")]
    async fn me(&self, state: Data<&AppState>, auth: MemberAuth) -> ApiResult<Json<Me>> {
        Ok(Json(
            app_accounts::profile(&state, auth.0.principal_id)
                .await?
                .into(),
        ))
    }

    /// Apply for real-name certification (工会会员认证)
    ///
    /// Matched against active roster members by ID number and name. 409 `NOT_ON_ROSTER`
    /// (ask your union to add you) whenever the name and ID number do not match an active
    /// member — whether or not that number is certified by someone else; only a matching
    /// name hears `ID_ALREADY_CERTIFIED` (another account holds this person). Also
    /// `CERTIFICATION_PENDING`, `ALREADY_CERTIFIED`.
    #[oai(path = "/certification", method = "post")]
    async fn apply(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
        body: Json<CertificationRequest>,
    ) -> ApiResult<Json<MyCertification>> {
        let body = body.0;
        certifications::apply(
            &state,
            auth.0.principal_id,
            Application {
                name: body.name,
                id_number: body.id_number,
                id_type: body.id_type,
            },
        )
        .await?;
        let profile = app_accounts::profile(&state, auth.0.principal_id).await?;
        Ok(Json(my_certification(&profile)))
    }

    /// Own settings (设置)
    #[oai(path = "/me/preferences", method = "get")]
    async fn preferences(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
    ) -> ApiResult<Json<Preferences>> {
        let account = app_accounts::account(&state, auth.0.principal_id).await?;
        Ok(Json((&account).into()))
    }

    /// Change own settings, e.g. switch expiry reminders (卡券到期提醒) off
    #[oai(path = "/me/preferences", method = "put")]
    async fn set_preferences(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
        body: Json<PreferencesBody>,
    ) -> ApiResult<Json<Preferences>> {
        let account =
            app_accounts::set_preferences(&state, auth.0.principal_id, body.0.expiry_reminders)
                .await?;
        Ok(Json((&account).into()))
    }

    /// Own certification state and latest application
    #[oai(path = "/certification", method = "get")]
    async fn status(
        &self,
        state: Data<&AppState>,
        auth: MemberAuth,
    ) -> ApiResult<Json<MyCertification>> {
        let profile = app_accounts::profile(&state, auth.0.principal_id).await?;
        Ok(Json(my_certification(&profile)))
    }
}
