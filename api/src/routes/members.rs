use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{MemberEventKind, MemberStatus};
use entity::member;
use entity::roster::MemberDraft;
use entity::value::{IdType, mask_phone};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::orgs::OrgRef;
use crate::auth::AdminAuth;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::services::members::{self, MemberDetail, MemberFilter, MemberInput};
use crate::services::welfare;
use crate::state::AppState;

/// A roster row as lists show it: ID number and phone masked.
#[derive(Object)]
pub struct MemberSummary {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub unit_id: Option<i64>,
    /// 所在单位
    pub unit_name: Option<String>,
    /// 姓名
    pub name: String,
    /// 手机号码 (masked)
    pub phone: String,
    /// 证件类型 code
    pub id_type: String,
    /// 证件类型
    pub id_type_label: String,
    /// 证件号码 (masked)
    pub id_number: String,
    /// `male` / `female`
    pub gender: Option<String>,
    /// 男 / 女
    pub gender_label: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// 是否农民工
    pub migrant_worker: bool,
    /// 职务
    pub position: Option<String>,
    /// 入会日期
    pub joined_on: Option<NaiveDate>,
    pub status: MemberStatus,
    /// 会籍状态
    pub status_label: String,
    pub status_reason: Option<String>,
    pub left_on: Option<NaiveDate>,
    /// 已认证 (app account linked)
    pub certified: bool,
    /// 备注
    pub remark: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn id_type_label(code: &str) -> String {
    IdType::parse(code)
        .map(|t| t.label().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

fn gender_label(code: &Option<String>) -> Option<String> {
    code.as_deref()
        .and_then(|c| entity::value::Gender::parse(c).ok())
        .map(|g| g.label().to_owned())
}

impl MemberSummary {
    fn new(m: member::Model, org_name: String, unit_name: Option<String>) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            org_name,
            unit_id: m.unit_id,
            unit_name,
            name: m.name,
            phone: mask_phone(&m.phone),
            id_type_label: id_type_label(&m.id_type),
            id_type: m.id_type,
            id_number: m.id_number_masked,
            gender_label: gender_label(&m.gender),
            gender: m.gender,
            birth_date: m.birth_date,
            migrant_worker: m.migrant_worker,
            position: m.position,
            joined_on: m.joined_on,
            status: m.status,
            status_label: m.status.label().to_owned(),
            status_reason: m.status_reason,
            left_on: m.left_on,
            certified: m.certified,
            remark: m.remark,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// One entry of the membership history.
#[derive(Object)]
pub struct MemberEvent {
    pub kind: MemberEventKind,
    pub kind_label: String,
    pub org_name: String,
    /// The other union of a transfer.
    pub other_org_name: Option<String>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The detail view: full ID number and phone (the view is audit-logged) and history.
#[derive(Object)]
pub struct MemberDetailView {
    #[oai(flatten)]
    pub summary: MemberSummary,
    /// 证件号码 (full)
    pub id_number_full: String,
    /// 手机号码 (full)
    pub phone_full: String,
    pub history: Vec<MemberEvent>,
    /// The Beijing calendar year of the welfare figures.
    pub welfare_year: i32,
    /// 本年度已领福利: face value of the vouchers claimed this year, in fen
    pub welfare_year_total_fen: i64,
    /// The annual welfare budget of the member's union (the smallest cap of it and the
    /// organisations above it), in fen; null: none
    pub welfare_cap_fen: Option<i64>,
}

impl From<MemberDetail> for MemberDetailView {
    fn from(d: MemberDetail) -> Self {
        let phone_full = d.member.phone.clone();
        Self {
            summary: MemberSummary::new(d.member, d.org_name, d.unit_name),
            id_number_full: d.id_number,
            phone_full,
            welfare_year: 0,
            welfare_year_total_fen: 0,
            welfare_cap_fen: None,
            history: d
                .events
                .into_iter()
                .map(|(e, org_name, other_org_name)| MemberEvent {
                    kind: e.kind,
                    kind_label: e.kind.label().to_owned(),
                    org_name,
                    other_org_name,
                    reason: e.reason,
                    created_at: e.created_at,
                })
                .collect(),
        }
    }
}

/// Member fields (figure 5). `id_type` takes the code or the Chinese label; blank means
/// 居民身份证. `gender` may be omitted for a resident ID (derived from it).
#[derive(Object)]
pub struct MemberBody {
    /// 姓名
    #[oai(validator(max_length = 50))]
    pub name: String,
    /// 手机号码
    #[oai(validator(max_length = 32))]
    pub phone: String,
    /// 证件类型
    #[oai(default, validator(max_length = 32))]
    pub id_type: String,
    /// 证件号码
    #[oai(validator(max_length = 32))]
    pub id_number: String,
    /// 性别
    #[oai(default, validator(max_length = 16))]
    pub gender: String,
    /// 是否农民工
    #[oai(default)]
    pub migrant_worker: bool,
    /// 职务
    #[oai(validator(max_length = 50))]
    pub position: Option<String>,
    /// 入会日期
    pub joined_on: Option<NaiveDate>,
    /// 所在单位
    pub unit_id: Option<i64>,
    /// 备注
    #[oai(validator(max_length = 500))]
    pub remark: Option<String>,
}

impl From<MemberBody> for MemberInput {
    fn from(b: MemberBody) -> Self {
        Self {
            unit_id: b.unit_id,
            draft: MemberDraft {
                name: b.name,
                phone: b.phone,
                id_type: b.id_type,
                id_number: b.id_number,
                gender: b.gender,
                migrant_worker: b.migrant_worker,
                position: b.position,
                joined_on: b.joined_on,
                remark: b.remark,
            },
        }
    }
}

#[derive(Object)]
pub struct TransferBody {
    pub to_org_id: i64,
    #[oai(validator(max_length = 200))]
    pub reason: Option<String>,
}

#[derive(Object)]
pub struct TransferResult {
    /// The record left behind in the old union (status 转出).
    pub from_member_id: i64,
    /// The new record in the receiving union.
    pub member_id: i64,
    pub to_org: OrgRef,
}

#[derive(Object)]
pub struct LeaveBody {
    /// `retired` (退休), `left_job` (离岗) or `other` (其他, reason required)
    pub status: MemberStatus,
    #[oai(validator(max_length = 200))]
    pub reason: Option<String>,
}

async fn summaries(state: &AppState, members: Vec<member::Model>) -> ApiResult<Vec<MemberSummary>> {
    let orgs = members::org_names(state, members.iter().map(|m| m.org_id).collect()).await?;
    let units =
        members::unit_names(state, members.iter().filter_map(|m| m.unit_id).collect()).await?;
    Ok(members
        .into_iter()
        .map(|m| {
            let org = orgs.get(&m.org_id).cloned().unwrap_or_default();
            let unit = m.unit_id.and_then(|u| units.get(&u).cloned());
            MemberSummary::new(m, org, unit)
        })
        .collect())
}

pub struct MemberApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Roster")]
impl MemberApi {
    /// Roster of own organisation and those below, masked (会员信息)
    #[oai(path = "/members", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        #[oai(validator(max_length = 100))] name: Query<Option<String>>,
        #[oai(validator(max_length = 32))] id_number: Query<Option<String>>,
        #[oai(validator(max_length = 32))] phone: Query<Option<String>>,
        status: Query<Option<MemberStatus>>,
        unit_id: Query<Option<i64>>,
        org_id: Query<Option<i64>>,
        certified: Query<Option<bool>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<MemberSummary>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let filter = MemberFilter {
            name: name.0,
            id_number: id_number.0,
            phone: phone.0,
            status: status.0,
            unit_id: unit_id.0,
            org_id: org_id.0,
            certified: certified.0,
        };
        let (items, total) = members::list(&state, &auth.0, filter, req).await?;
        Ok(Json(Page::new(summaries(&state, items).await?, total, req)))
    }

    /// Add a member to own union (会员录入)
    ///
    /// 409 `MEMBER_EXISTS` (with `member_id`) when the person is already an active member
    /// of own union; 409 `MEMBER_ACTIVE_ELSEWHERE` ("该会员已在其他工会（会籍有效），请通过转会办理",
    /// no union named) when active in another: ask for them with
    /// `POST /api/admin/transfer-requests`.
    #[oai(path = "/members", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<MemberBody>,
    ) -> ApiResult<Json<MemberSummary>> {
        let member = members::create(&state, &auth.0, body.0.into()).await?;
        Ok(Json(summaries(&state, vec![member]).await?.remove(0)))
    }

    /// Full record with history; the view is written to the audit log
    #[oai(path = "/members/:id", method = "get")]
    async fn detail(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<MemberDetailView>> {
        let detail = members::detail(&state, &auth.0, id.0).await?;
        let now = state.clock.now();
        let (member_id, org_id) = (detail.member.id, detail.member.org_id);
        let mut view = MemberDetailView::from(detail);
        view.welfare_year = welfare::year_of(now);
        view.welfare_year_total_fen = welfare::year_total(&state.db, member_id, now).await?;
        view.welfare_cap_fen = welfare::cap_for_org(&state.db, org_id).await?;
        Ok(Json(view))
    }

    /// Edit a member of own union
    ///
    /// The same 409 `MEMBER_ACTIVE_ELSEWHERE` as entry when the new ID number is an active
    /// member's elsewhere.
    #[oai(path = "/members/:id", method = "put")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<MemberBody>,
    ) -> ApiResult<Json<MemberSummary>> {
        let member = members::update(&state, &auth.0, id.0, body.0.into()).await?;
        Ok(Json(summaries(&state, vec![member]).await?.remove(0)))
    }

    /// Transfer a member to another union (转会)
    #[oai(path = "/members/:id/transfer", method = "post")]
    async fn transfer(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<TransferBody>,
    ) -> ApiResult<Json<TransferResult>> {
        let body = body.0;
        let done = members::transfer(&state, &auth.0, id.0, body.to_org_id, body.reason).await?;
        Ok(Json(TransferResult {
            from_member_id: done.from.id,
            member_id: done.to.id,
            to_org: OrgRef {
                id: done.to_org.id,
                name: done.to_org.name,
            },
        }))
    }

    /// A member leaves the union: 退休 / 离岗 / 其他
    #[oai(path = "/members/:id/leave", method = "post")]
    async fn leave(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<LeaveBody>,
    ) -> ApiResult<Json<MemberSummary>> {
        let body = body.0;
        let member = members::leave(&state, &auth.0, id.0, body.status, body.reason).await?;
        Ok(Json(summaries(&state, vec![member]).await?.remove(0)))
    }

    /// Unions a member can be transferred to (name search in the same organisation tree)
    #[oai(path = "/transfer-targets", method = "get")]
    async fn transfer_targets(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        #[oai(validator(max_length = 100))] name: Query<Option<String>>,
    ) -> ApiResult<Json<Vec<OrgRef>>> {
        let orgs =
            members::transfer_targets(&state, &auth.0, name.0.as_deref().unwrap_or("")).await?;
        Ok(Json(
            orgs.into_iter()
                .map(|o| OrgRef {
                    id: o.id,
                    name: o.name,
                })
                .collect(),
        ))
    }
}
