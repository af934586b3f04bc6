//! Public verification of settlement workbooks (文件核验), without login.

use chrono::{DateTime, Utc};
use entity::enums::DocumentKind;
use jobs::settlement::verification;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::client_ip::ClientIp;
use crate::error::ApiResult;
use crate::services::verification as service;
use crate::state::AppState;

/// What a verified document covers. Nothing personal: organisation, merchant or
/// activity, period, counts, amounts and the file's digest.
#[derive(Object)]
pub struct VerificationView {
    /// The code, grouped as printed (`ABCD-EFGH-JKLM-NPQR`).
    pub code: String,
    pub kind: DocumentKind,
    /// 结算报表 or 结算单.
    pub kind_label: String,
    /// The organisation the document belongs to (the paying or publishing union).
    pub org_name: String,
    /// The activity (结算报表).
    pub activity_name: Option<String>,
    /// The merchant (结算单).
    pub merchant_name: Option<String>,
    /// The period covered: the activity's time (结算报表) or the statement's dates (结算单).
    pub period: String,
    /// Vouchers the document lists: every claimed voucher of the activity (结算报表),
    /// the settled vouchers (结算单).
    pub voucher_count: i64,
    /// Their face value in fen.
    pub total_face_value_fen: i64,
    pub generated_at: DateTime<Utc>,
    /// Hex SHA-256 of the file as the system handed it out: a copy whose SHA-256
    /// differs was changed.
    pub sha256: String,
    /// The file's size in bytes.
    pub size: i64,
}

pub struct VerifyApi;

#[OpenApi(prefix_path = "/api/verify", tag = "ApiTags::Verify")]
impl VerifyApi {
    /// Verify a settlement workbook (文件核验)
    ///
    /// No login. `code` is the verification code printed in the workbook's header and
    /// held by its QR code (dashes, spaces and case do not matter). 404 for an unknown
    /// code; 429 `TOO_MANY_LOOKUPS` with `Retry-After` past
    /// `VERIFY_LOOKUPS_PER_IP_PER_MINUTE` lookups (default 30) from one client.
    #[oai(path = "/:code", method = "get")]
    async fn verify(
        &self,
        state: Data<&AppState>,
        client: ClientIp,
        #[oai(validator(max_length = 64))] code: Path<String>,
    ) -> ApiResult<Json<VerificationView>> {
        let d = service::lookup(&state, client.0, &code.0).await?;
        let (activity_name, merchant_name) = match d.kind {
            DocumentKind::SettlementReport => (Some(d.subject_name), None),
            DocumentKind::SettlementStatement => (None, Some(d.subject_name)),
        };
        Ok(Json(VerificationView {
            code: verification::grouped(&d.code),
            kind: d.kind,
            kind_label: d.kind.label().to_owned(),
            org_name: d.org_name,
            activity_name,
            merchant_name,
            period: d.period,
            voucher_count: d.voucher_count,
            total_face_value_fen: d.total_face_value_fen,
            generated_at: d.generated_at,
            sha256: d.sha256,
            size: d.size,
        }))
    }
}
