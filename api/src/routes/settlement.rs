use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::SettlementStatus;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::activities::Deleted;
use super::tasks::{Submitted, SubmittedResponse};
use crate::auth::AdminAuth;
use crate::download::XlsxDownload;
use crate::error::ApiResult;
use crate::paging::{Page, PageRequest};
use crate::services::settlement_reports;
use crate::services::settlement_statements::{
    self, CouponFigure, NewStatement, StatementFilter, View,
};
use crate::state::AppState;

#[derive(Object, Default)]
pub struct ReportBody {
    /// Ask for a 预览 before the redemption window has ended (marked as such); without
    /// it such a request is refused with 409 `SETTLEMENT_NOT_DUE`.
    #[oai(default)]
    pub preview: bool,
}

#[derive(Object)]
pub struct StatementBody {
    pub merchant_id: i64,
    /// First day of the period (Beijing date, inclusive).
    pub from: NaiveDate,
    /// Last day of the period (Beijing date, inclusive).
    pub to: NaiveDate,
}

/// Redeemed vouchers of one coupon at one face value.
#[derive(Object)]
pub struct StatementCoupon {
    pub coupon_id: i64,
    pub coupon_title: String,
    pub face_value_fen: i64,
    pub voucher_count: i64,
    pub amount_fen: i64,
}

impl From<&CouponFigure> for StatementCoupon {
    fn from(c: &CouponFigure) -> Self {
        Self {
            coupon_id: c.coupon_id,
            coupon_title: c.coupon_title.clone(),
            face_value_fen: c.face_value_fen,
            voucher_count: c.voucher_count,
            amount_fen: c.amount_fen(),
        }
    }
}

/// A settlement statement (结算单). Figures are live while it is a draft and frozen
/// once it is confirmed.
#[derive(Object)]
pub struct Statement {
    pub id: i64,
    /// 付款工会
    pub org_id: i64,
    pub org_name: String,
    pub merchant_id: i64,
    pub merchant_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Whether the period is over; until then more redemptions may fall in it.
    pub period_ended: bool,
    pub status: SettlementStatus,
    /// 草稿 / 已确认
    pub status_label: String,
    /// 核销数量
    pub voucher_count: i64,
    /// 结算金额 (fen)
    pub amount_fen: i64,
    pub by_coupon: Vec<StatementCoupon>,
    /// Vouchers of the period already on a confirmed statement (drafts only); a draft
    /// with any cannot be confirmed.
    pub already_settled_count: i64,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub confirmed_by: Option<i64>,
    pub confirmed_by_name: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl From<View> for Statement {
    fn from(v: View) -> Self {
        let s = v.statement;
        Self {
            id: s.id,
            org_id: s.org_id,
            org_name: s.org_name,
            merchant_id: s.merchant_id,
            merchant_name: s.merchant_name,
            period_from: s.period_from,
            period_to: s.period_to,
            period_ended: v.period_ended,
            status: s.status,
            status_label: s.status.label().to_owned(),
            voucher_count: v.figures.voucher_count,
            amount_fen: v.figures.amount_fen,
            by_coupon: v.figures.by_coupon.iter().map(Into::into).collect(),
            already_settled_count: v.figures.already_settled,
            created_by: s.created_by,
            created_by_name: s.created_by_name,
            created_at: s.created_at,
            confirmed_by: s.confirmed_by,
            confirmed_by_name: s.confirmed_by_name,
            confirmed_at: s.confirmed_at,
            version: s.version,
        }
    }
}

pub struct SettlementApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Settlement")]
impl SettlementApi {
    /// Generate an activity's settlement report (结算报表) in the background; the
    /// workbook is the task's result (`/api/admin/tasks/{id}/result`)
    #[oai(path = "/activities/:id/settlement-reports", method = "post")]
    async fn report(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<Option<ReportBody>>,
    ) -> ApiResult<SubmittedResponse> {
        let preview = body.0.unwrap_or_default().preview;
        let task = settlement_reports::submit(&state, &auth.0, id.0, preview).await?;
        Ok(SubmittedResponse::Accepted(Json(Submitted {
            task_id: task.id,
            status: task.status,
        })))
    }

    /// Create a draft settlement statement of own organisation with a merchant for a period
    #[oai(path = "/settlement-statements", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<StatementBody>,
    ) -> ApiResult<Json<Statement>> {
        let input = NewStatement {
            merchant_id: body.0.merchant_id,
            from: body.0.from,
            to: body.0.to,
        };
        Ok(Json(
            settlement_statements::create(&state, &auth.0, input)
                .await?
                .into(),
        ))
    }

    /// Settlement statements of own organisation and those below, newest first
    #[oai(path = "/settlement-statements", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        status: Query<Option<SettlementStatus>>,
        merchant_id: Query<Option<i64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<Page<Statement>>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let filter = StatementFilter {
            status: status.0,
            merchant_id: merchant_id.0,
        };
        let (items, total) = settlement_statements::list(&state, &auth.0, filter, req).await?;
        Ok(Json(Page::new(
            items.into_iter().map(Statement::from).collect(),
            total,
            req,
        )))
    }

    /// One statement: live figures while a draft, the frozen snapshot once confirmed
    #[oai(path = "/settlement-statements/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Statement>> {
        Ok(Json(
            settlement_statements::get(&state, &auth.0, id.0)
                .await?
                .into(),
        ))
    }

    /// Delete a draft statement
    #[oai(path = "/settlement-statements/:id", method = "delete")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Deleted>> {
        settlement_statements::delete(&state, &auth.0, id.0).await?;
        Ok(Json(Deleted { deleted: true }))
    }

    /// 结算确认: freeze the statement with a snapshot of its vouchers, once its period
    /// is over (409 `PERIOD_NOT_ENDED` before); a voucher already on another confirmed
    /// statement makes it 409 `ALREADY_SETTLED`
    #[oai(path = "/settlement-statements/:id/confirm", method = "post")]
    async fn confirm(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Statement>> {
        Ok(Json(
            settlement_statements::confirm(&state, &auth.0, id.0)
                .await?
                .into(),
        ))
    }

    /// The statement as an xlsx workbook (结算单.xlsx)
    #[oai(path = "/settlement-statements/:id/export", method = "get")]
    async fn export(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<XlsxDownload> {
        let (name, bytes) = settlement_statements::export(&state, &auth.0, id.0).await?;
        Ok(XlsxDownload::new(&name, bytes))
    }
}
