//! Building and reading workbooks in tests.

#![allow(dead_code)]

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rust_xlsxwriter::{Format, Workbook};

pub const HEADERS: [&str; 11] = [
    "姓名",
    "手机号码",
    "证件类型",
    "证件号码",
    "性别",
    "是否农民工",
    "职务",
    "入会日期",
    "所在单位",
    "会籍状态",
    "备注",
];

/// A cell as a person's spreadsheet holds it.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(&'static str),
    Owned(String),
    Number(f64),
    /// A real date cell.
    Date(u16, u8, u8),
    /// Formatted but empty.
    Blank,
    Empty,
}

/// A workbook with a `会员信息` sheet (headers + rows) and, like real files, an extra sheet.
pub fn roster(headers: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let notes = workbook.add_worksheet();
    notes.set_name("说明").expect("name");
    notes
        .write_string(0, 0, "这是一个额外的工作表")
        .expect("write");
    let sheet = workbook.add_worksheet();
    sheet.set_name("会员信息").expect("name");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let yellow = Format::new().set_background_color("#FFFF00");
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c, *s).expect("write");
                }
                Cell::Owned(s) => {
                    sheet.write_string(r, c, s).expect("write");
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n).expect("write");
                }
                Cell::Date(y, m, d) => {
                    let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
                    sheet
                        .write_datetime_with_format(r, c, &dt, &date)
                        .expect("write");
                }
                Cell::Blank => {
                    sheet.write_blank(r, c, &yellow).expect("write");
                }
                Cell::Empty => {}
            }
        }
    }
    workbook.save_to_buffer().expect("save")
}

/// A valid member row.
pub fn member(name: &str, id_number: &str, phone: &str) -> Vec<Cell> {
    vec![
        Cell::Owned(name.to_owned()),
        Cell::Owned(phone.to_owned()),
        Cell::Text("居民身份证"),
        Cell::Owned(id_number.to_owned()),
        Cell::Empty,
        Cell::Text("否"),
        Cell::Empty,
        Cell::Text("2020-05-01"),
        Cell::Empty,
        Cell::Text("入会"),
        Cell::Empty,
    ]
}

/// Every sheet of a workbook as rows of text.
pub fn read(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an xlsx");
    workbook
        .sheet_names()
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).expect("sheet");
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                            Data::Empty => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

pub fn sheet<'a>(book: &'a [(String, Vec<Vec<String>>)], name: &str) -> &'a Vec<Vec<String>> {
    &book
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1
}

/// A valid resident ID number, distinct per `n`.
pub fn id_number(n: u32) -> String {
    tests::roster_file::id_number(n as usize)
}
