//! Back office: 数据比对 — the roster against the app accounts, per union.

use chrono::NaiveDate;
use entity::enums::MemberStatus;
use entity::value::mask_phone;
use entity::{app_account, member};
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::certifications::{CertificationItem, items};
use super::orgs::OrgRef;
use crate::auth::AdminAuth;
use crate::download::XlsxDownload;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Page, PageRequest};
use crate::services::reconciliation::{self, UnionRow};
use crate::services::{members, reconciliation_xlsx};
use crate::state::AppState;

/// One union's (or the total's) numbers.
#[derive(Object)]
pub struct UnionStats {
    pub org_id: i64,
    pub org_name: String,
    /// 在会会员
    pub active_members: i64,
    /// 已认证 (active members with a certified account)
    pub certified_members: i64,
    /// 未认证 (to urge)
    pub uncertified_members: i64,
    /// 认证率, percent with one decimal
    pub certification_rate: f64,
    /// 待审核申请
    pub pending_applications: i64,
    /// Certified accounts whose member has left (退休 / 离岗 / 其他)
    pub left_certified_accounts: i64,
}

impl From<&UnionRow> for UnionStats {
    fn from(u: &UnionRow) -> Self {
        Self {
            org_id: u.org_id,
            org_name: u.org_name.clone(),
            active_members: u.active_members,
            certified_members: u.certified_members,
            uncertified_members: u.active_members - u.certified_members,
            certification_rate: u.certification_rate(),
            pending_applications: u.pending_applications,
            left_certified_accounts: u.left_certified_accounts,
        }
    }
}

#[derive(Object)]
pub struct Reconciliation {
    /// The organisation compared (with everything below it).
    pub org: OrgRef,
    pub totals: UnionStats,
    /// Every grassroots union in scope.
    pub unions: Vec<UnionStats>,
}

/// An active member without a certified account (to urge).
#[derive(Object)]
pub struct UncertifiedMember {
    pub member_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub unit_name: Option<String>,
    pub name: String,
    /// masked
    pub phone: String,
    /// masked
    pub id_number: String,
    pub joined_on: Option<NaiveDate>,
}

/// A certified account whose roster member has left.
#[derive(Object)]
pub struct LeftAccount {
    pub account_id: i64,
    /// masked
    pub phone: String,
    pub card_no: Option<String>,
    pub member_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    pub member_status: MemberStatus,
    pub member_status_label: String,
    pub left_on: Option<NaiveDate>,
}

fn totals(org_id: i64, org_name: &str, unions: &[UnionRow]) -> UnionRow {
    let mut t = UnionRow {
        org_id,
        org_name: org_name.to_owned(),
        ..Default::default()
    };
    for u in unions {
        t.active_members += u.active_members;
        t.certified_members += u.certified_members;
        t.pending_applications += u.pending_applications;
        t.left_certified_accounts += u.left_certified_accounts;
    }
    t
}

async fn uncertified_items(
    state: &AppState,
    rows: Vec<member::Model>,
) -> ApiResult<Vec<UncertifiedMember>> {
    let orgs = members::org_names(state, rows.iter().map(|m| m.org_id).collect()).await?;
    let units = members::unit_names(state, rows.iter().filter_map(|m| m.unit_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|m| UncertifiedMember {
            member_id: m.id,
            org_id: m.org_id,
            org_name: orgs.get(&m.org_id).cloned().unwrap_or_default(),
            unit_name: m.unit_id.and_then(|u| units.get(&u).cloned()),
            name: m.name,
            phone: mask_phone(&m.phone),
            id_number: m.id_number_masked,
            joined_on: m.joined_on,
        })
        .collect())
}

async fn left_items(
    state: &AppState,
    rows: Vec<(app_account::Model, Option<member::Model>)>,
) -> ApiResult<Vec<LeftAccount>> {
    let orgs = members::org_names(
        state,
        rows.iter()
            .filter_map(|(_, m)| m.as_ref().map(|m| m.org_id))
            .collect(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(a, m)| {
            let m = m?;
            Some(LeftAccount {
                account_id: a.id,
                phone: mask_phone(&a.phone),
                card_no: a.card_no,
                member_id: m.id,
                org_id: m.org_id,
                org_name: orgs.get(&m.org_id).cloned().unwrap_or_default(),
                name: m.name,
                member_status: m.status,
                member_status_label: m.status.label().to_owned(),
                left_on: m.left_on,
            })
        })
        .collect())
}

pub struct ReconciliationApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Certification")]
impl ReconciliationApi {
    /// Roster vs app accounts per union (数据比对)
    ///
    /// `org_id` defaults to the caller's organisation; any organisation in scope.
    #[oai(path = "/reconciliation", method = "get")]
    async fn summary(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        org_id: Query<Option<i64>>,
    ) -> ApiResult<Json<Reconciliation>> {
        let (org, scope) = reconciliation::root(&state, &auth.0, org_id.0).await?;
        let unions = reconciliation::summary(&state, &scope).await?;
        let totals = totals(org.id, &org.name, &unions);
        Ok(Json(Reconciliation {
            totals: (&totals).into(),
            unions: unions.iter().map(Into::into).collect(),
            org: OrgRef {
                id: org.id,
                name: org.name,
            },
        }))
    }

    /// Active members without a certified account (未认证会员, to urge)
    #[oai(path = "/reconciliation/uncertified", method = "get")]
    async fn uncertified(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        org_id: Query<Option<i64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<UncertifiedMember>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let (_, scope) = reconciliation::root(&state, &auth.0, org_id.0).await?;
        let (rows, total) = reconciliation::uncertified(&state, &scope, Some(req)).await?;
        Ok(Json(Page::new(
            uncertified_items(&state, rows).await?,
            total,
            req,
        )))
    }

    /// Pending certification applications (待审核)
    #[oai(path = "/reconciliation/pending", method = "get")]
    async fn pending(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        org_id: Query<Option<i64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<CertificationItem>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let (_, scope) = reconciliation::root(&state, &auth.0, org_id.0).await?;
        let (rows, total) = reconciliation::pending(&state, &scope, Some(req)).await?;
        Ok(Json(Page::new(items(&state, rows).await?, total, req)))
    }

    /// Certified accounts whose member has left (已离会仍认证账号)
    #[oai(path = "/reconciliation/left", method = "get")]
    async fn left(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        org_id: Query<Option<i64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<LeftAccount>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let (_, scope) = reconciliation::root(&state, &auth.0, org_id.0).await?;
        let (rows, total) = reconciliation::left_accounts(&state, &scope, Some(req)).await?;
        Ok(Json(Page::new(left_items(&state, rows).await?, total, req)))
    }

    /// The same as an xlsx workbook (数据比对.xlsx): summary and the three lists
    #[oai(path = "/reconciliation/export", method = "get")]
    async fn export(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        org_id: Query<Option<i64>>,
    ) -> ApiResult<XlsxDownload> {
        let (org, scope) = reconciliation::root(&state, &auth.0, org_id.0).await?;
        let unions = reconciliation::summary(&state, &scope).await?;
        let (uncertified, _) = reconciliation::uncertified(&state, &scope, None).await?;
        let (pending, _) = reconciliation::pending(&state, &scope, None).await?;
        let (left, _) = reconciliation::left_accounts(&state, &scope, None).await?;
        let mut org_ids: Vec<i64> = unions.iter().map(|u| u.org_id).collect();
        org_ids.extend(uncertified.iter().map(|m| m.org_id));
        let org_names = members::org_names(&state, org_ids).await?;
        let unit_names = members::unit_names(
            &state,
            uncertified.iter().filter_map(|m| m.unit_id).collect(),
        )
        .await?;
        let bytes = reconciliation_xlsx::build(&reconciliation_xlsx::Sheets {
            unions: &unions,
            uncertified: &uncertified,
            pending: &pending,
            left: &left,
            org_names: &org_names,
            unit_names: &unit_names,
        })
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing the workbook: {e}")))?;
        let name = format!("数据比对-{}-{}.xlsx", org.name, state.clock.today());
        Ok(XlsxDownload::new(&name, bytes))
    }
}
