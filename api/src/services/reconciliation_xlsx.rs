//! The reconciliation workbook (数据比对.xlsx): a summary sheet and one sheet per list.

use std::collections::HashMap;

use entity::value::mask_phone;
use entity::{app_account, certification, member};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::services::reconciliation::{UnionRow, rate};

pub struct Sheets<'a> {
    pub unions: &'a [UnionRow],
    pub uncertified: &'a [member::Model],
    pub pending: &'a [(certification::Model, Option<app_account::Model>)],
    pub left: &'a [(app_account::Model, Option<member::Model>)],
    pub org_names: &'a HashMap<i64, String>,
    pub unit_names: &'a HashMap<i64, String>,
}

fn header(sheet: &mut Worksheet, titles: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (col, title) in titles.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, *title, bold)?;
        sheet.set_column_width(col, 18)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

pub fn build(s: &Sheets<'_>) -> Result<Vec<u8>, XlsxError> {
    let org = |id: i64| s.org_names.get(&id).map(String::as_str).unwrap_or("");
    let bold = Format::new().set_bold();
    let mut book = Workbook::new();

    let sheet = book.add_worksheet();
    sheet.set_name("汇总")?;
    header(
        sheet,
        &[
            "工会",
            "在会会员数",
            "已认证",
            "未认证",
            "认证率(%)",
            "待审核申请",
            "已离会仍认证账号",
        ],
        &bold,
    )?;
    let mut totals = UnionRow::default();
    let mut row = 1u32;
    for u in s.unions {
        sheet.write_string(row, 0, &u.org_name)?;
        sheet.write_number(row, 1, u.active_members as f64)?;
        sheet.write_number(row, 2, u.certified_members as f64)?;
        sheet.write_number(row, 3, (u.active_members - u.certified_members) as f64)?;
        sheet.write_number(row, 4, u.certification_rate())?;
        sheet.write_number(row, 5, u.pending_applications as f64)?;
        sheet.write_number(row, 6, u.left_certified_accounts as f64)?;
        totals.active_members += u.active_members;
        totals.certified_members += u.certified_members;
        totals.pending_applications += u.pending_applications;
        totals.left_certified_accounts += u.left_certified_accounts;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "合计", &bold)?;
    sheet.write_number(row, 1, totals.active_members as f64)?;
    sheet.write_number(row, 2, totals.certified_members as f64)?;
    sheet.write_number(
        row,
        3,
        (totals.active_members - totals.certified_members) as f64,
    )?;
    sheet.write_number(
        row,
        4,
        rate(totals.certified_members, totals.active_members),
    )?;
    sheet.write_number(row, 5, totals.pending_applications as f64)?;
    sheet.write_number(row, 6, totals.left_certified_accounts as f64)?;

    let sheet = book.add_worksheet();
    sheet.set_name("未认证会员")?;
    header(
        sheet,
        &[
            "工会",
            "所在单位",
            "姓名",
            "手机号码",
            "证件号码",
            "入会日期",
        ],
        &bold,
    )?;
    for (i, m) in s.uncertified.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, org(m.org_id))?;
        let unit = m
            .unit_id
            .and_then(|u| s.unit_names.get(&u))
            .map(String::as_str)
            .unwrap_or("");
        sheet.write_string(row, 1, unit)?;
        sheet.write_string(row, 2, &m.name)?;
        sheet.write_string(row, 3, mask_phone(&m.phone))?;
        sheet.write_string(row, 4, &m.id_number_masked)?;
        sheet.write_string(
            row,
            5,
            m.joined_on.map(|d| d.to_string()).unwrap_or_default(),
        )?;
    }

    let sheet = book.add_worksheet();
    sheet.set_name("待审核申请")?;
    header(
        sheet,
        &["工会", "姓名", "证件号码", "注册手机号", "申请时间"],
        &bold,
    )?;
    for (i, (c, a)) in s.pending.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, org(c.org_id))?;
        sheet.write_string(row, 1, &c.name)?;
        sheet.write_string(row, 2, &c.id_number_masked)?;
        sheet.write_string(
            row,
            3,
            a.as_ref().map(|a| mask_phone(&a.phone)).unwrap_or_default(),
        )?;
        sheet.write_string(row, 4, beijing_time(c.created_at))?;
    }

    let sheet = book.add_worksheet();
    sheet.set_name("已离会仍认证账号")?;
    header(
        sheet,
        &[
            "工会",
            "姓名",
            "注册手机号",
            "会籍状态",
            "离会日期",
            "会员卡号",
        ],
        &bold,
    )?;
    for (i, (a, m)) in s.left.iter().enumerate() {
        let row = i as u32 + 1;
        if let Some(m) = m {
            sheet.write_string(row, 0, org(m.org_id))?;
            sheet.write_string(row, 1, &m.name)?;
            sheet.write_string(row, 3, m.status.label())?;
            sheet.write_string(row, 4, m.left_on.map(|d| d.to_string()).unwrap_or_default())?;
        }
        sheet.write_string(row, 2, mask_phone(&a.phone))?;
        sheet.write_string(row, 5, a.card_no.clone().unwrap_or_default())?;
    }
    book.save_to_buffer()
}

fn beijing_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&jobs::clock::beijing())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
