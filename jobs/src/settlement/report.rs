//! The settlement report (结算报表) of one activity, run by a worker: a 领取明细表 sheet
//! with every claimed voucher (code — masked while the voucher can still be redeemed —,
//! member with masked ID number and phone, unit, coupon, face value, claim time, status,
//! redemption time, merchant, staff) and a 结算汇总 sheet per
//! redeeming merchant and coupon (count × face value = amount, with a 合计 row), each
//! under a header block (union, activity, windows, generated at and by).
//!
//! Memory stays flat whatever the size of the activity: vouchers are read in keyset
//! pages of `PAGE` rows (by id, a stable order) and written row by row to worksheets in
//! constant-memory mode. On PostgreSQL every read runs in one read-only REPEATABLE READ
//! transaction, so the detail and the summary describe the same moment.
//!
//! Before the activity's figures are final (`RedemptionWindow::settles_at`) the report
//! is a 预览 and says so in its first row and its file name.

use chrono::{DateTime, Utc};
use entity::enums::{FilePurpose, VoucherStatus};
use entity::value::{mask_phone, voucher_code};
use entity::{activity, admin_account, organisation, stored_file, task};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait,
    FromQueryResult, IsolationLevel, QueryFilter, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::sheet::{self, Formats, yuan};
use super::verification::{self, Document};
use super::{RedemptionWindow, redemption_window};
use crate::database::stmt;
use crate::task_runner::{Outcome, TaskError, renew};
use crate::workers::JobContext;

/// Vouchers read (and written) per round trip.
pub const PAGE: u64 = 2_000;

pub const DETAIL_SHEET: &str = "领取明细表";
pub const SUMMARY_SHEET: &str = "结算汇总";

/// What the api stores in `tasks.params` for a settlement report.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportParams {
    pub activity_id: i64,
    /// Requested before the figures were final; the report is marked 预览 either way
    /// when it runs before `settles_at`.
    #[serde(default)]
    pub preview: bool,
}

/// The report's file name (also the task's).
pub fn file_name(activity_title: &str, preview: bool) -> String {
    let prefix = if preview { "预览-" } else { "" };
    sheet::safe_file_name(&format!("{prefix}结算报表-{activity_title}.xlsx"))
}

const DETAIL_COLUMNS: [(&str, f64); 13] = [
    ("序号", 8.0),
    ("券码", 28.0),
    ("会员姓名", 12.0),
    ("证件号码（脱敏）", 22.0),
    ("手机号码（脱敏）", 16.0),
    ("所在单位", 20.0),
    ("优惠券", 20.0),
    ("面值（元）", 12.0),
    ("领取时间", 20.0),
    ("状态", 10.0),
    ("核销时间", 20.0),
    ("核销商家", 20.0),
    ("核销员", 12.0),
];

const SUMMARY_COLUMNS: [(&str, f64); 5] = [
    ("核销商家", 24.0),
    ("优惠券", 24.0),
    ("核销数量（张）", 16.0),
    ("面值（元）", 12.0),
    ("金额（元）", 16.0),
];

/// One claimed voucher as the detail sheet shows it.
#[derive(Debug, FromQueryResult)]
struct DetailRow {
    id: i64,
    code: String,
    status: VoucherStatus,
    valid_to: DateTime<Utc>,
    claimed_at: Option<DateTime<Utc>>,
    redeemed_at: Option<DateTime<Utc>>,
    member_name: Option<String>,
    id_number_masked: Option<String>,
    member_phone: Option<String>,
    unit_name: Option<String>,
    coupon_title: String,
    amount_fen: i64,
    merchant_name: Option<String>,
    staff_name: Option<String>,
}

/// Redeemed vouchers of one coupon at one face value by one merchant.
#[derive(Debug, FromQueryResult)]
struct SummaryRow {
    merchant_name: String,
    coupon_title: String,
    amount_fen: i64,
    n: i64,
}

#[derive(Debug, Default, FromQueryResult)]
struct Counts {
    claimed: i64,
    redeemed: i64,
    expired: i64,
    /// Face value of the claimed vouchers, in fen.
    face_value: i64,
}

/// Runs the report task to completion (the result file is attached to the task): the
/// activity and its header, then from one snapshot the counts and the summary, the
/// detail sheet page by page and the summary sheet, then the file.
pub async fn run(ctx: &JobContext, task: &task::Model) -> Result<Outcome, TaskError> {
    let (params, activity) = match load_activity(ctx, task).await? {
        Ok(found) => found,
        Err(reason) => return Ok(Outcome::Failed(reason)),
    };
    let started = std::time::Instant::now();
    let now = ctx.clock.now();
    let window = redemption_window(&ctx.db, &activity).await?;
    let preview = params.preview || !window.is_final(now);
    let union = organisation::Entity::find_by_id(activity.org_id)
        .one(&ctx.db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let mut header = header_lines(ctx, task, &activity, &union, &window, now).await?;

    let txn = read_snapshot(ctx).await?;
    let (counts, summary) = read_figures(&txn, activity.id, now).await?;
    renew(ctx, task, counts.claimed, 0).await?;

    // The verification code covers what the workbook lists: every claimed voucher.
    let doc = Document {
        kind: entity::enums::DocumentKind::SettlementReport,
        identity: format!("report:{}:{}", task.id, task.attempts),
        org_id: activity.org_id,
        org_name: union.clone(),
        activity_id: Some(activity.id),
        merchant_id: None,
        subject_name: activity.title.clone(),
        period: verification::period_of(activity.starts_at, activity.ends_at),
        voucher_count: counts.claimed,
        total_face_value_fen: counts.face_value,
        generated_at: now,
    };
    let code = doc.code(&ctx.cipher.subkey(verification::KEY_PURPOSE));
    let public_base_url = ctx.settings.public_base_url.as_deref();
    header.extend(verification::header_lines(public_base_url, &code));

    let f = Formats::default();
    let mut book = Workbook::new();
    book.set_properties(&doc.properties().map_err(xlsx)?);
    let report = Report {
        activity_id: activity.id,
        preview,
        header: &header,
        now,
        f: &f,
        code: &code,
        public_base_url,
    };
    let written = write_detail_sheet(ctx, task, &txn, &mut book, &report, counts.claimed).await?;
    let read_time = started.elapsed();
    write_summary_sheet(&mut book, &report, &counts, &summary).map_err(xlsx)?;
    txn.commit().await?;

    let bytes = tokio::task::spawn_blocking(move || book.save_to_buffer())
        .await
        .map_err(|e| TaskError::Other(e.to_string()))?
        .map_err(xlsx)?;
    let size = bytes.len();
    store(
        ctx,
        task,
        &file_name(&activity.title, preview),
        bytes,
        written,
        (&doc, &code),
    )
    .await?;
    tracing::info!(
        rows = written,
        bytes = size,
        preview,
        ?read_time,
        total_time = ?started.elapsed(),
        "settlement report written"
    );
    Ok(Outcome::Succeeded)
}

/// What every sheet of one report shares.
struct Report<'a> {
    activity_id: i64,
    preview: bool,
    header: &'a [(&'static str, String)],
    now: DateTime<Utc>,
    f: &'a Formats,
    /// The verification code, and where its QR code points.
    code: &'a str,
    public_base_url: Option<&'a str>,
}

/// The task's parameters and its activity, or why the task fails at once.
async fn load_activity(
    ctx: &JobContext,
    task: &task::Model,
) -> Result<Result<(ReportParams, activity::Model), String>, TaskError> {
    let Some(params) = crate::task_runner::params::<ReportParams>(task) else {
        return Ok(Err("任务参数无效".into()));
    };
    let Some(activity) = activity::Entity::find_by_id(params.activity_id)
        .one(&ctx.db)
        .await?
    else {
        return Ok(Err("活动不存在或已删除".into()));
    };
    Ok(Ok((params, activity)))
}

/// The voucher counts and the per-merchant summary, from the report's snapshot.
async fn read_figures(
    txn: &DatabaseTransaction,
    activity_id: i64,
    now: DateTime<Utc>,
) -> Result<(Counts, Vec<SummaryRow>), TaskError> {
    let backend = txn.get_database_backend();
    let counts = Counts::find_by_statement(stmt(
        backend,
        "SELECT COUNT(*) AS claimed, \
         CAST(COALESCE(SUM(CASE WHEN status = 'redeemed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS redeemed, \
         CAST(COALESCE(SUM(CASE WHEN status = 'expired' OR (status = 'unused' AND valid_to <= $2) \
           THEN 1 ELSE 0 END), 0) AS BIGINT) AS expired, \
         CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS face_value \
         FROM vouchers WHERE activity_id = $1 AND member_id IS NOT NULL",
        vec![activity_id.into(), now.into()],
    ))
    .one(txn)
    .await?
    .unwrap_or_default();
    let summary = SummaryRow::find_by_statement(stmt(
        backend,
        "SELECT rm.name AS merchant_name, c.title AS coupon_title, v.amount_fen, COUNT(*) AS n \
         FROM vouchers v JOIN coupons c ON c.id = v.coupon_id \
         JOIN merchants rm ON rm.id = v.redeemed_by_merchant_id \
         WHERE v.activity_id = $1 AND v.status = 'redeemed' \
         GROUP BY v.redeemed_by_merchant_id, rm.name, v.coupon_id, c.title, v.amount_fen \
         ORDER BY v.redeemed_by_merchant_id, v.coupon_id, v.amount_fen",
        vec![activity_id.into()],
    ))
    .all(txn)
    .await?;
    Ok((counts, summary))
}

/// The 领取明细表 sheet: every claimed voucher, read in keyset pages and written row by
/// row, the task's progress renewed after each page. Returns the rows written.
async fn write_detail_sheet(
    ctx: &JobContext,
    task: &task::Model,
    txn: &DatabaseTransaction,
    book: &mut Workbook,
    report: &Report<'_>,
    claimed: i64,
) -> Result<i64, TaskError> {
    let f = report.f;
    let detail = book
        .add_worksheet_with_constant_memory()
        .and_then(|s| s.set_name(DETAIL_SHEET))
        .map_err(xlsx)?;
    let mut row = sheet::header_block(detail, DETAIL_SHEET, report.preview, report.header, f)
        .map_err(xlsx)?;
    verification::insert_qr(detail, 0, 7, report.public_base_url, report.code).map_err(xlsx)?;
    sheet::table_header(detail, row, &DETAIL_COLUMNS, f).map_err(xlsx)?;
    detail.set_freeze_panes(row + 1, 0).map_err(xlsx)?;
    row += 1;

    let backend = txn.get_database_backend();
    let mut written: i64 = 0;
    let mut after: i64 = 0;
    loop {
        let page = DetailRow::find_by_statement(stmt(
            backend,
            "SELECT v.id, v.code, v.status, v.valid_to, v.claimed_at, v.redeemed_at, \
             m.name AS member_name, m.id_number_masked, m.phone AS member_phone, \
             u.name AS unit_name, c.title AS coupon_title, v.amount_fen, \
             rm.name AS merchant_name, st.name AS staff_name \
             FROM vouchers v JOIN coupons c ON c.id = v.coupon_id \
             LEFT JOIN members m ON m.id = v.member_id \
             LEFT JOIN units u ON u.id = m.unit_id \
             LEFT JOIN merchants rm ON rm.id = v.redeemed_by_merchant_id \
             LEFT JOIN merchant_staff st ON st.id = v.redeemed_by_staff_id \
             WHERE v.activity_id = $1 AND v.member_id IS NOT NULL AND v.id > $2 \
             ORDER BY v.id LIMIT $3",
            vec![
                report.activity_id.into(),
                after.into(),
                (PAGE as i64).into(),
            ],
        ))
        .all(txn)
        .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        let sheet = book.worksheet_from_index(0).map_err(xlsx)?;
        for r in &page {
            written += 1;
            write_detail(sheet, row, written, r, report.now, f).map_err(xlsx)?;
            row += 1;
        }
        renew(ctx, task, claimed.max(written), written).await?;
    }
    Ok(written)
}

/// The 结算汇总 sheet: the header with the voucher counts, then the summary table.
fn write_summary_sheet(
    book: &mut Workbook,
    report: &Report<'_>,
    counts: &Counts,
    summary: &[SummaryRow],
) -> Result<(), XlsxError> {
    let totals = book
        .add_worksheet_with_constant_memory()
        .and_then(|s| s.set_name(SUMMARY_SHEET))?;
    let mut lines = report.header.to_vec();
    lines.push((
        "券数统计",
        format!(
            "领取{}张，已核销{}张，已过期{}张，未使用{}张",
            counts.claimed,
            counts.redeemed,
            counts.expired,
            counts.claimed - counts.redeemed - counts.expired
        ),
    ));
    let row = sheet::header_block(totals, SUMMARY_SHEET, report.preview, &lines, report.f)?;
    verification::insert_qr(totals, 0, 5, report.public_base_url, report.code)?;
    write_summary(totals, row, summary, report.f)
}

fn xlsx(e: XlsxError) -> TaskError {
    TaskError::Other(format!("workbook: {e}"))
}

/// A read-only snapshot on PostgreSQL; a plain (deferred, so snapshot-on-first-read in
/// WAL mode) transaction on SQLite, which knows no isolation levels.
async fn read_snapshot(ctx: &JobContext) -> Result<DatabaseTransaction, TaskError> {
    Ok(match ctx.db.get_database_backend() {
        DatabaseBackend::Postgres => {
            ctx.db
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?
        }
        _ => ctx.db.begin().await?,
    })
}

async fn header_lines(
    ctx: &JobContext,
    task: &task::Model,
    activity: &activity::Model,
    union: &str,
    window: &RedemptionWindow,
    now: DateTime<Utc>,
) -> Result<Vec<(&'static str, String)>, TaskError> {
    let by = match task.submitted_by {
        Some(id) => admin_account::Entity::find_by_id(id).one(&ctx.db).await?,
        None => None,
    };
    let by_org = organisation::Entity::find_by_id(task.org_id)
        .one(&ctx.db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let generated_by = by.map_or_else(
        || "系统".to_owned(),
        |a| {
            let name = a.display_name.unwrap_or(a.username);
            format!("{name}（{by_org}）")
        },
    );
    let redemption = match (window.valid_from, window.valid_to) {
        (Some(from), Some(to)) => format!(
            "{} 至 {}",
            sheet::beijing_minute(from),
            sheet::beijing_minute(to)
        ),
        _ => "（未设置奖品）".to_owned(),
    };
    Ok(vec![
        ("工会", union.to_owned()),
        ("活动", activity.title.clone()),
        (
            "活动时间",
            format!(
                "{} 至 {}",
                sheet::beijing_minute(activity.starts_at),
                sheet::beijing_minute(activity.ends_at)
            ),
        ),
        ("核销期", redemption),
        ("生成时间", sheet::beijing_time(now)),
        ("生成人", generated_by),
    ])
}

fn write_detail(
    sheet: &mut Worksheet,
    row: u32,
    seq: i64,
    r: &DetailRow,
    now: DateTime<Utc>,
    f: &Formats,
) -> Result<(), XlsxError> {
    // Unused past its window is expired, whether or not the sweep has marked it yet.
    let status = match r.status {
        VoucherStatus::Unused if r.valid_to <= now => VoucherStatus::Expired,
        s => s,
    };
    sheet.write_number(row, 0, seq as f64)?;
    sheet.write_string(row, 1, listed_code(&r.code, status))?;
    sheet::write_opt(sheet, row, 2, r.member_name.as_deref())?;
    sheet::write_opt(sheet, row, 3, r.id_number_masked.as_deref())?;
    sheet::write_opt(
        sheet,
        row,
        4,
        r.member_phone.as_deref().map(mask_phone).as_deref(),
    )?;
    sheet::write_opt(sheet, row, 5, r.unit_name.as_deref())?;
    sheet.write_string(row, 6, &r.coupon_title)?;
    sheet.write_number_with_format(row, 7, yuan(r.amount_fen), &f.money)?;
    sheet::write_opt(
        sheet,
        row,
        8,
        r.claimed_at.map(sheet::beijing_time).as_deref(),
    )?;
    sheet.write_string(row, 9, status.label())?;
    sheet::write_opt(
        sheet,
        row,
        10,
        r.redeemed_at.map(sheet::beijing_time).as_deref(),
    )?;
    sheet::write_opt(sheet, row, 11, r.merchant_name.as_deref())?;
    sheet::write_opt(sheet, row, 12, r.staff_name.as_deref())?;
    Ok(())
}

/// The code as the sheet lists it: an unused voucher's code still redeems the voucher
/// (whoever holds the workbook could collect the goods), so only its last characters
/// are shown; a redeemed or expired voucher's code is spent and shows in full.
fn listed_code(code: &str, status: VoucherStatus) -> String {
    match status {
        VoucherStatus::Redeemed | VoucherStatus::Expired => code.to_owned(),
        VoucherStatus::Unused | VoucherStatus::Available => voucher_code::masked(code),
    }
}

/// One row per merchant and coupon (count × face value = amount, in integer fen), then
/// the 合计 row.
fn write_summary(
    sheet: &mut Worksheet,
    mut row: u32,
    lines: &[SummaryRow],
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet::table_header(sheet, row, &SUMMARY_COLUMNS, f)?;
    row += 1;
    let (mut count, mut amount) = (0i64, 0i64);
    for l in lines {
        let line_amount = l.n * l.amount_fen;
        sheet.write_string(row, 0, &l.merchant_name)?;
        sheet.write_string(row, 1, &l.coupon_title)?;
        sheet.write_number(row, 2, l.n as f64)?;
        sheet.write_number_with_format(row, 3, yuan(l.amount_fen), &f.money)?;
        sheet.write_number_with_format(row, 4, yuan(line_amount), &f.money)?;
        count += l.n;
        amount += line_amount;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "合计", &f.total)?;
    sheet.write_number_with_format(row, 2, count as f64, &f.total)?;
    sheet.write_number_with_format(row, 4, yuan(amount), &f.total_money)?;
    Ok(())
}

/// Stores the workbook and attaches it to the task, in one transaction conditional on
/// this worker still holding the task.
async fn store(
    ctx: &JobContext,
    task: &task::Model,
    name: &str,
    bytes: Vec<u8>,
    rows: i64,
    (doc, code): (&Document, &str),
) -> Result<(), TaskError> {
    use sha2::Digest;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    verification::record(&txn, doc, code, &bytes).await?;
    let stored = stored_file::ActiveModel {
        org_id: Set(task.org_id),
        purpose: Set(FilePurpose::Report),
        file_name: Set(name.to_owned()),
        content_type: Set(crate::import::XLSX_MIME.to_owned()),
        size: Set(bytes.len() as i64),
        sha256: Set(hex::encode(sha2::Sha256::digest(&bytes))),
        data: Set(bytes),
        uploaded_by: Set(task.submitted_by),
        created_at: Set(now),
        ..Default::default()
    };
    let stored = stored_file::insert(&txn, stored).await?;
    let attached = task::Entity::update_many()
        .col_expr(task::Column::ResultFileId, Expr::value(stored))
        .col_expr(task::Column::Total, Expr::value(rows))
        .col_expr(task::Column::Processed, Expr::value(rows))
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .filter(task::Column::Id.eq(task.id))
        .filter(task::Column::Attempts.eq(task.attempts))
        .filter(task::Column::Status.eq(entity::enums::TaskStatus::Running))
        .exec(&txn)
        .await?;
    if attached.rows_affected == 0 {
        return Err(TaskError::LeaseLost);
    }
    txn.commit().await?;
    Ok(())
}
