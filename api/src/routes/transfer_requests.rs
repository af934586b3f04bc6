//! Back office: transfer requests (转会申请) between unions.

use chrono::{DateTime, Utc};
use entity::enums::TransferRequestStatus;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use super::orgs::OrgRef;
use crate::auth::AdminAuth;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::services::transfer_requests::{self, Direction, NewRequest, Seen};
use crate::state::AppState;

#[derive(Object)]
pub struct TransferRequestBody {
    /// 姓名, as on the roster of the union holding the person
    #[oai(validator(max_length = 50))]
    pub name: String,
    /// 证件号码
    #[oai(validator(max_length = 32))]
    pub id_number: String,
    /// 证件类型 code or label; default 居民身份证
    #[oai(validator(max_length = 32))]
    pub id_type: Option<String>,
    /// 转会原因 (kept in the member's history)
    #[oai(validator(max_length = 1000))]
    pub reason: Option<String>,
}

#[derive(Object)]
pub struct TransferRejectBody {
    /// 驳回原因 (shown to the requesting union)
    #[oai(validator(max_length = 1000))]
    pub reason: String,
}

/// Which requests to list.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum TransferDirection {
    /// Requests by the caller's unions for people held elsewhere (转入申请).
    Incoming,
    /// Requests for members of the caller's unions (转出审批).
    Outgoing,
}

/// A transfer request as the caller may see it.
#[derive(Object)]
pub struct TransferRequestItem {
    pub id: i64,
    pub status: TransferRequestStatus,
    /// 待审批 / 已同意 / 已驳回
    pub status_label: String,
    /// 姓名
    pub name: String,
    /// 证件号码 (masked)
    pub id_number: String,
    /// 转会原因
    pub reason: Option<String>,
    /// 驳回原因
    pub reject_reason: Option<String>,
    /// The requesting union (转入工会).
    pub to_org: OrgRef,
    /// The union holding the member (转出工会): only for its own side (and
    /// organisations above it), or once the request is approved; null otherwise.
    pub from_org: Option<OrgRef>,
    /// The member's record in the holding union, when `from_org` is shown.
    pub member_id: Option<i64>,
    /// The member's new record in the requesting union, once approved.
    pub new_member_id: Option<i64>,
    /// Whether the caller may approve or reject it now.
    pub can_review: bool,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl From<Seen> for TransferRequestItem {
    fn from(s: Seen) -> Self {
        let r = s.request;
        let org_ref = |o: entity::organisation::Model| OrgRef {
            id: o.id,
            name: o.name,
        };
        Self {
            id: r.id,
            status_label: r.status.label().to_owned(),
            status: r.status,
            name: r.name,
            id_number: r.id_number_masked,
            reason: r.reason,
            reject_reason: r.reject_reason,
            to_org: org_ref(s.to_org),
            member_id: s.from_org.as_ref().map(|_| r.member_id),
            from_org: s.from_org.map(org_ref),
            new_member_id: r.new_member_id,
            can_review: s.can_review,
            created_at: r.created_at,
            reviewed_at: r.reviewed_at,
        }
    }
}

pub struct TransferRequestApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Roster")]
impl TransferRequestApi {
    /// Ask for a member of another union (提交转会申请)
    ///
    /// By a grassroots union's admin, for a person who is an active member of another
    /// union (entry and import answer 409 `MEMBER_ACTIVE_ELSEWHERE` without naming it).
    /// The name and ID number must both match that member; otherwise — also for a
    /// person who is no union's active member — the answer is always 409
    /// `NO_MATCHING_MEMBER`. 409 `MEMBER_EXISTS` for the caller's own member,
    /// `TRANSFER_REQUEST_OPEN` while the person has a pending request; 403 `NOT_A_UNION`
    /// for federations; 429 `TRANSFER_REQUESTS_TOO_FREQUENT` past 50 requests a day.
    /// The answer does not name the union holding the person.
    #[oai(path = "/transfer-requests", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<TransferRequestBody>,
    ) -> ApiResult<Json<TransferRequestItem>> {
        let body = body.0;
        let input = NewRequest {
            name: body.name,
            id_type: body.id_type,
            id_number: body.id_number,
            reason: body.reason,
        };
        Ok(Json(
            transfer_requests::create(&state, &auth.0, input)
                .await?
                .into(),
        ))
    }

    /// Transfer requests to (`incoming`) or from (`outgoing`) own organisation and those below
    ///
    /// Newest first. ID numbers are masked; an incoming request names the union holding
    /// the member only once approved.
    #[oai(path = "/transfer-requests", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        direction: Query<TransferDirection>,
        status: Query<Option<TransferRequestStatus>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<TransferRequestItem>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let direction = match direction.0 {
            TransferDirection::Incoming => Direction::Incoming,
            TransferDirection::Outgoing => Direction::Outgoing,
        };
        let (items, total) =
            transfer_requests::list(&state, &auth.0, direction, status.0, req).await?;
        Ok(Json(Page::new(
            items.into_iter().map(Into::into).collect(),
            total,
            req,
        )))
    }

    /// Approve (同意转会): the member moves to the requesting union with history
    ///
    /// By admins of the union holding the member or of an organisation above both
    /// unions; the member leaves as 转出 and a new active record joins the requesting
    /// union, exactly as `POST /members/{id}/transfer`. 403 `NOT_REVIEWER` for the
    /// requesting union; 404 for anyone who sees neither union; 409
    /// `TRANSFER_REQUEST_NOT_PENDING` once decided (also to the second of two approvals
    /// at the same moment), `MEMBER_NOT_ACTIVE` if the member has left meanwhile.
    #[oai(path = "/transfer-requests/:id/approve", method = "post")]
    async fn approve(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<TransferRequestItem>> {
        Ok(Json(
            transfer_requests::approve(&state, &auth.0, id.0)
                .await?
                .into(),
        ))
    }

    /// Reject (驳回) with a reason
    ///
    /// The same reviewers and refusals as approval; a rejected request cannot be
    /// approved later (409 `TRANSFER_REQUEST_NOT_PENDING`).
    #[oai(path = "/transfer-requests/:id/reject", method = "post")]
    async fn reject(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<TransferRejectBody>,
    ) -> ApiResult<Json<TransferRequestItem>> {
        Ok(Json(
            transfer_requests::reject(&state, &auth.0, id.0, &body.reason)
                .await?
                .into(),
        ))
    }
}
