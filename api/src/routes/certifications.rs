//! Back office: real-name certification review (会员认证审核).

use chrono::{DateTime, Utc};
use entity::enums::CertificationStatus;
use entity::value::mask_phone;
use entity::{app_account, certification};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::services::certifications::{self, CertificationFilter};
use crate::services::members;
use crate::state::AppState;

/// An application as reviewers see it (ID number and phone masked).
#[derive(Object)]
pub struct CertificationItem {
    pub id: i64,
    /// The member's union (whose admins review it).
    pub org_id: i64,
    pub org_name: String,
    pub member_id: i64,
    pub account_id: i64,
    /// 姓名
    pub name: String,
    /// 证件号码 (masked)
    pub id_number: String,
    /// 注册手机号 (masked)
    pub phone: String,
    pub status: CertificationStatus,
    pub status_label: String,
    pub reject_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl CertificationItem {
    pub fn new(
        c: certification::Model,
        account: Option<&app_account::Model>,
        org_name: String,
    ) -> Self {
        Self {
            id: c.id,
            org_id: c.org_id,
            org_name,
            member_id: c.member_id,
            account_id: c.account_id,
            name: c.name,
            id_number: c.id_number_masked,
            phone: account.map(|a| mask_phone(&a.phone)).unwrap_or_default(),
            status_label: c.status.label().to_owned(),
            status: c.status,
            reject_reason: c.reject_reason,
            created_at: c.created_at,
            reviewed_at: c.reviewed_at,
        }
    }
}

/// Items with their union names.
pub async fn items(
    state: &AppState,
    rows: Vec<(certification::Model, Option<app_account::Model>)>,
) -> ApiResult<Vec<CertificationItem>> {
    let names = members::org_names(state, rows.iter().map(|(c, _)| c.org_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|(c, a)| {
            let org = names.get(&c.org_id).cloned().unwrap_or_default();
            CertificationItem::new(c, a.as_ref(), org)
        })
        .collect())
}

async fn one(
    state: &AppState,
    c: certification::Model,
    a: Option<app_account::Model>,
) -> ApiResult<CertificationItem> {
    let mut v = items(state, vec![(c, a)]).await?;
    Ok(v.remove(0))
}

#[derive(Object)]
pub struct RejectBody {
    /// 驳回原因 (shown to the member)
    #[oai(validator(max_length = 200))]
    pub reason: String,
}

pub struct CertificationApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Certification")]
impl CertificationApi {
    /// Certification applications of own organisation and those below
    #[oai(path = "/certifications", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        status: Query<Option<CertificationStatus>>,
        org_id: Query<Option<i64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<CertificationItem>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let filter = CertificationFilter {
            status: status.0,
            org_id: org_id.0,
        };
        let (rows, total) = certifications::list(&state, &auth.0, filter, req).await?;
        Ok(Json(Page::new(items(&state, rows).await?, total, req)))
    }

    /// One application
    #[oai(path = "/certifications/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<CertificationItem>> {
        let (c, a) = certifications::get(&state, &auth.0, id.0).await?;
        Ok(Json(one(&state, c, a).await?))
    }

    /// Approve (审核通过): links the account to the member and issues the member card
    ///
    /// Only admins of the member's own union (403 `NOT_OWNER` for a parent).
    /// 409 `CERTIFICATION_NOT_PENDING`, `MEMBER_NOT_ACTIVE`, `ID_ALREADY_CERTIFIED`.
    #[oai(path = "/certifications/:id/approve", method = "post")]
    async fn approve(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<CertificationItem>> {
        certifications::approve(&state, &auth.0, id.0).await?;
        let (c, a) = certifications::get(&state, &auth.0, id.0).await?;
        Ok(Json(one(&state, c, a).await?))
    }

    /// Reject (驳回) with a reason
    #[oai(path = "/certifications/:id/reject", method = "post")]
    async fn reject(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<RejectBody>,
    ) -> ApiResult<Json<CertificationItem>> {
        certifications::reject(&state, &auth.0, id.0, &body.reason).await?;
        let (c, a) = certifications::get(&state, &auth.0, id.0).await?;
        Ok(Json(one(&state, c, a).await?))
    }
}
