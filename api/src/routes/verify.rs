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

/// `/verify/{code}`: the page the QR code of a settlement workbook opens (with
/// `PUBLIC_BASE_URL`): the same answer as `GET /api/verify/{code}`, as a plain HTML page
/// for a phone, under the same per-client limit.
#[poem::handler]
pub async fn page(
    state: Data<&AppState>,
    client: ClientIp,
    poem::web::Path(code): poem::web::Path<String>,
) -> poem::Response {
    use poem::IntoResponse;
    use poem::error::ResponseError;
    use poem::http::StatusCode;
    let (status, body) = match service::lookup(&state, client.0, &code).await {
        Ok(d) => {
            let subject = match d.kind {
                DocumentKind::SettlementReport => "活动",
                DocumentKind::SettlementStatement => "结算商家",
            };
            let generated = jobs::settlement::sheet::beijing_time(d.generated_at);
            let rows = [
                ("验证码", verification::grouped(&d.code)),
                ("文件类型", d.kind.label().to_owned()),
                ("工会", d.org_name),
                (subject, d.subject_name),
                ("期间", d.period),
                ("券数（张）", d.voucher_count.to_string()),
                (
                    "面值合计（元）",
                    format!(
                        "{}.{:02}",
                        d.total_face_value_fen / 100,
                        d.total_face_value_fen % 100
                    ),
                ),
                ("生成时间", generated),
                ("文件大小（字节）", d.size.to_string()),
                ("文件SHA-256", d.sha256),
            ];
            let table: String = rows
                .iter()
                .map(|(k, v)| format!("<tr><th>{}</th><td>{}</td></tr>", k, escape(v)))
                .collect();
            (
                StatusCode::OK,
                format!(
                    "<h1>结算文件核验</h1><p>系统生成过以下文件。请核对手中文件的SHA-256与下表一致；不一致即文件已被改动。</p><table>{table}</table>"
                ),
            )
        }
        Err(e) => {
            let status = e.status();
            (
                status,
                format!("<h1>结算文件核验</h1><p>{}</p>", escape(&e.body().message)),
            )
        }
    };
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>结算文件核验</title><style>body{{font-family:sans-serif;margin:16px;}}\
         th{{text-align:left;padding:4px 12px 4px 0;white-space:nowrap;vertical-align:top}}\
         td{{word-break:break-all}}</style></head><body>{body}</body></html>"
    );
    poem::web::Html(html)
        .with_status(status)
        .with_header("Cache-Control", "no-store")
        .into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
