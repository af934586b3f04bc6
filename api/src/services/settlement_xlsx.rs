//! The settlement statement workbook (结算单.xlsx): a 结算单 sheet (header block, one row
//! per coupon and face value, 合计) and a 结算明细 sheet with every voucher. A confirmed
//! statement's workbook carries no export time, so every export of it is the same.

use chrono::{DateTime, Utc};
use entity::enums::SettlementStatus;
use entity::settlement_statement as statement;
use jobs::settlement::sheet::{self, Formats, yuan};
use jobs::settlement::verification::{self, Document};
use rust_xlsxwriter::{Workbook, XlsxError};

use crate::services::settlement_statements::{Line, View};

pub const SUMMARY_SHEET: &str = "结算单";
pub const LINES_SHEET: &str = "结算明细";
pub const DRAFT_TITLE: &str = "结算单（草稿，未确认，数据可能变化）";

pub fn file_name(s: &statement::Model) -> String {
    let draft = if s.status == SettlementStatus::Draft {
        "（草稿）"
    } else {
        ""
    };
    sheet::safe_file_name(&format!(
        "结算单{draft}-{}-{}至{}.xlsx",
        s.merchant_name, s.period_from, s.period_to
    ))
}

/// The verification stamp of one export: what it covers, its code and where the QR
/// code points.
pub struct Stamp<'a> {
    pub doc: &'a Document,
    pub code: &'a str,
    pub public_base_url: Option<&'a str>,
}

/// What an export of the statement covers: a confirmed statement is the same document
/// at every export (generated when it was confirmed); a draft is a new one each time.
pub fn document(view: &View, now: DateTime<Utc>) -> Document {
    let s = &view.statement;
    let (identity, generated_at) = match (s.status, s.confirmed_at) {
        (SettlementStatus::Confirmed, Some(at)) => {
            (format!("statement:{}:confirmed:{}", s.id, s.version), at)
        }
        _ => (format!("statement:{}:draft:{}", s.id, s.version), now),
    };
    Document {
        kind: entity::enums::DocumentKind::SettlementStatement,
        identity,
        org_id: s.org_id,
        org_name: s.org_name.clone(),
        activity_id: None,
        merchant_id: Some(s.merchant_id),
        subject_name: s.merchant_name.clone(),
        period: format!("{} 至 {}", s.period_from, s.period_to),
        voucher_count: view.figures.voucher_count,
        total_face_value_fen: view.figures.amount_fen,
        generated_at,
    }
}

pub fn build(
    view: &View,
    lines: &[Line],
    now: DateTime<Utc>,
    stamp: &Stamp<'_>,
) -> Result<Vec<u8>, XlsxError> {
    let s = &view.statement;
    let f = Formats::default();
    let mut book = Workbook::new();
    book.set_properties(&stamp.doc.properties()?);

    let mut header = vec![
        ("结算单号", s.id.to_string()),
        ("付款工会", s.org_name.clone()),
        ("结算商家", s.merchant_name.clone()),
        ("结算期间", format!("{} 至 {}", s.period_from, s.period_to)),
        ("状态", s.status.label().to_owned()),
        (
            "创建",
            format!(
                "{}，{}",
                s.created_by_name,
                sheet::beijing_time(s.created_at)
            ),
        ),
    ];
    let title = match (s.status, s.confirmed_at) {
        (SettlementStatus::Confirmed, Some(at)) => {
            header.push((
                "结算确认",
                format!(
                    "{}，{}",
                    s.confirmed_by_name.clone().unwrap_or_default(),
                    sheet::beijing_time(at)
                ),
            ));
            SUMMARY_SHEET
        }
        _ => {
            header.push(("导出时间", sheet::beijing_time(now)));
            DRAFT_TITLE
        }
    };
    header.extend(verification::header_lines(
        stamp.public_base_url,
        stamp.code,
    ));
    let summary = book.add_worksheet().set_name(SUMMARY_SHEET)?;
    let mut row = sheet::header_block(summary, title, false, &header, &f)?;
    verification::insert_qr(summary, 0, 4, stamp.public_base_url, stamp.code)?;
    sheet::table_header(
        summary,
        row,
        &[
            ("优惠券", 28.0),
            ("面值（元）", 12.0),
            ("核销数量（张）", 16.0),
            ("金额（元）", 16.0),
        ],
        &f,
    )?;
    row += 1;
    for c in &view.figures.by_coupon {
        summary.write_string(row, 0, &c.coupon_title)?;
        summary.write_number_with_format(row, 1, yuan(c.face_value_fen), &f.money)?;
        summary.write_number(row, 2, c.voucher_count as f64)?;
        summary.write_number_with_format(row, 3, yuan(c.amount_fen()), &f.money)?;
        row += 1;
    }
    summary.write_string_with_format(row, 0, "合计", &f.total)?;
    summary.write_number_with_format(row, 2, view.figures.voucher_count as f64, &f.total)?;
    summary.write_number_with_format(row, 3, yuan(view.figures.amount_fen), &f.total_money)?;

    let detail = book
        .add_worksheet_with_constant_memory()?
        .set_name(LINES_SHEET)?;
    sheet::table_header(
        detail,
        0,
        &[
            ("序号", 8.0),
            ("券码", 28.0),
            ("活动", 24.0),
            ("优惠券", 20.0),
            ("面值（元）", 12.0),
            ("核销时间", 20.0),
            ("核销员", 12.0),
            ("会员（脱敏）", 12.0),
            ("手机号码（脱敏）", 16.0),
        ],
        &f,
    )?;
    detail.set_freeze_panes(1, 0)?;
    for (i, l) in lines.iter().enumerate() {
        let row = i as u32 + 1;
        detail.write_number(row, 0, (i + 1) as f64)?;
        detail.write_string(row, 1, &l.code)?;
        detail.write_string(row, 2, &l.activity_title)?;
        detail.write_string(row, 3, &l.coupon_title)?;
        detail.write_number_with_format(row, 4, yuan(l.face_value_fen), &f.money)?;
        detail.write_string(row, 5, sheet::beijing_time(l.redeemed_at))?;
        sheet::write_opt(detail, row, 6, l.staff_name.as_deref())?;
        sheet::write_opt(detail, row, 7, l.member_name_masked.as_deref())?;
        sheet::write_opt(detail, row, 8, l.member_phone_masked.as_deref())?;
    }
    book.save_to_buffer()
}
