//! The downloadable template 工会会员信息采集表.xlsx: headers, drop-downs, text and date
//! column formats, and an instructions sheet.

use entity::enums::MemberStatus;
use entity::value::IdType;
use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Formula, Workbook, XlsxError};

use super::columns::{self, COLUMNS};

/// Rows the drop-downs and formats cover.
const ROWS: u32 = 200_000;

pub const FILE_NAME: &str = "工会会员信息采集表.xlsx";
pub const DATA_SHEET: &str = "会员信息";

/// Builds the template; `units` are the caller's unit names for the 所在单位 drop-down.
pub fn build(units: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("#D9E1F2")
        .set_align(FormatAlign::Center);
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");

    let sheet = workbook.add_worksheet().set_name(DATA_SHEET)?;
    for (i, col) in COLUMNS.iter().enumerate() {
        let c = i as u16;
        sheet.write_string_with_format(0, c, col.header, &header)?;
        sheet.set_column_width(
            c,
            if c == columns::ID_NUMBER as u16 {
                22
            } else {
                14
            },
        )?;
    }
    sheet.set_freeze_panes(1, 0)?;
    // ID and phone as text, or Excel shows 18 digits as 1.10105E+17 and drops the last ones.
    for c in [columns::PHONE, columns::ID_NUMBER] {
        sheet.set_column_format(c as u16, &text)?;
    }
    sheet.set_column_format(columns::JOINED_ON as u16, &date)?;

    let id_types: Vec<&str> = IdType::ALL.iter().map(|t| t.label()).collect();
    let statuses: Vec<&str> = MemberStatus::ALL.iter().map(|s| s.label()).collect();
    let lists: [(usize, &[&str]); 4] = [
        (columns::ID_TYPE, &id_types),
        (columns::GENDER, &columns::GENDERS),
        (columns::MIGRANT, &columns::YES_NO),
        (columns::STATUS, &statuses),
    ];
    for (col, values) in lists {
        let dv = DataValidation::new()
            .allow_list_strings(values)?
            .set_error_message(format!("请从下拉列表中选择{}", COLUMNS[col].header))?;
        sheet.add_data_validation(1, col as u16, ROWS, col as u16, &dv)?;
    }
    let date_dv = DataValidation::new()
        .allow_date(rust_xlsxwriter::DataValidationRule::Between(
            rust_xlsxwriter::ExcelDateTime::from_ymd(1900, 1, 1)?,
            rust_xlsxwriter::ExcelDateTime::from_ymd(2100, 12, 31)?,
        ))
        .set_error_message("请填写日期，如2020-05-01")?;
    sheet.add_data_validation(
        1,
        columns::JOINED_ON as u16,
        ROWS,
        columns::JOINED_ON as u16,
        &date_dv,
    )?;

    // Units can be many and long: list them on a hidden sheet and point the drop-down at it.
    if !units.is_empty() {
        let dv = DataValidation::new()
            .allow_list_formula(Formula::new(format!("=单位列表!$A$1:$A${}", units.len())))
            .set_error_message("请选择本工会已登记的单位")?;
        sheet.add_data_validation(1, columns::UNIT as u16, ROWS, columns::UNIT as u16, &dv)?;
    }

    let help = workbook.add_worksheet().set_name("填表说明")?;
    help.set_column_width(0, 14)?;
    help.set_column_width(1, 90)?;
    help.write_string_with_format(0, 0, "列名", &header)?;
    help.write_string_with_format(0, 1, "填写要求", &header)?;
    for (i, col) in COLUMNS.iter().enumerate() {
        let row = i as u32 + 1;
        help.write_string(row, 0, col.header)?;
        help.write_string(row, 1, col.rule)?;
    }
    let notes = [
        "请在“会员信息”工作表中从第2行起逐行填写，不要修改表头。",
        "同一人（证件号码相同）重复导入时更新原有信息，不会重复新增。",
        "一人同时只能在一个工会入会；已在其他工会入会（会籍有效）的，请在系统中提交转会申请，由其所在工会审批。",
        "导入在后台执行，可在“采集任务”中查看进度，并导出结果查看每一行的处理情况。",
    ];
    for (i, note) in notes.iter().enumerate() {
        help.write_string(COLUMNS.len() as u32 + 2 + i as u32, 0, *note)?;
    }

    let list = workbook.add_worksheet().set_name("单位列表")?;
    for (i, name) in units.iter().enumerate() {
        list.write_string(i as u32, 0, name)?;
    }
    list.set_hidden(true);
    workbook.save_to_buffer()
}
