//! Reads an uploaded workbook into rows: refuses what is not a roster (not an xlsx, a zip
//! bomb, no template headers, no rows, too many rows) and tolerates what real files
//! contain (extra sheets, blank and formatted-but-empty rows, numbers typed as numbers,
//! dates as serial numbers, stray spaces, full-width characters).

use std::io::{Cursor, Read, Seek};

use calamine::{Data, DataType, Range, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use entity::enums::MemberStatus;
use entity::roster::{FieldError, MemberDraft};

use super::columns::{self, COLUMNS};

/// Why a whole file is refused (Chinese, shown as the task's error).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct FileRefused(pub String);

/// Limits that protect the worker.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_rows: usize,
    /// Total uncompressed size of the archive's parts.
    pub max_uncompressed_bytes: u64,
}

/// One data row as read, before the roster rules.
#[derive(Debug)]
pub struct ParsedRow {
    /// The row number as Excel shows it (header is row 1 when it is the first row).
    pub row_no: u32,
    pub draft: MemberDraft,
    pub unit_name: Option<String>,
    pub status: MemberStatus,
    /// Problems found while reading cells (bad date, bad yes/no, bad status).
    pub errors: Vec<FieldError>,
}

/// The header row must hold every template column (in any order).
pub fn read(bytes: &[u8], limits: Limits) -> Result<Vec<ParsedRow>, FileRefused> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(FileRefused(
            "文件不是Excel（.xlsx）格式，请使用下载的模板填写后上传".into(),
        ));
    }
    check_archive(bytes, limits)?;
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| FileRefused("无法读取Excel文件，文件可能已损坏或不是.xlsx格式".into()))?;
    let (range, header_row, map) = find_roster_sheet(&mut workbook)?;
    let mut rows = Vec::new();
    for (offset, cells) in range.rows().enumerate().skip(header_row + 1) {
        if cells.iter().all(is_blank) {
            continue;
        }
        if rows.len() >= limits.max_rows {
            return Err(FileRefused(format!(
                "数据行数超过上限{}行，请分成多个文件导入",
                limits.max_rows
            )));
        }
        let start_row = range.start().map_or(0, |(r, _)| r);
        let row_no = start_row + offset as u32 + 1;
        rows.push(parse_row(row_no, cells, &map));
    }
    if rows.is_empty() {
        return Err(FileRefused(
            "文件中没有会员数据（表头下方没有填写任何行）".into(),
        ));
    }
    Ok(rows)
}

/// Refuses archives that would inflate past the limit (zip bombs) before any XML is parsed.
fn check_archive(bytes: &[u8], limits: Limits) -> Result<(), FileRefused> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| FileRefused("文件不是有效的.xlsx文件（压缩包结构损坏）".into()))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|_| FileRefused("文件不是有效的.xlsx文件（压缩包结构损坏）".into()))?;
        total = total.saturating_add(entry.size());
        // A real sheet compresses 5–20×; a bomb, thousands of times.
        let ratio = entry.size() / entry.compressed_size().max(1);
        if total > limits.max_uncompressed_bytes || (entry.size() > 10 * 1024 * 1024 && ratio > 200)
        {
            return Err(FileRefused(
                "文件解压后过大，疑似异常文件，已拒绝处理".into(),
            ));
        }
    }
    Ok(())
}

/// Column index of each template column in this sheet.
type ColumnMap = [usize; COLUMNS.len()];

fn find_roster_sheet<RS: Read + Seek>(
    workbook: &mut Xlsx<RS>,
) -> Result<(Range<Data>, usize, ColumnMap), FileRefused> {
    let mut best_missing: Option<Vec<&str>> = None;
    for name in workbook.sheet_names() {
        let Ok(range) = workbook.worksheet_range(&name) else {
            continue;
        };
        // The header is within the first rows (some files put a title above it).
        for (i, cells) in range.rows().take(5).enumerate() {
            let headers: Vec<String> = cells.iter().map(|c| clean(&cell_text(c))).collect();
            if !headers.iter().any(|h| h == COLUMNS[columns::NAME].header) {
                continue;
            }
            let mut map = [0usize; COLUMNS.len()];
            let mut missing = Vec::new();
            for (k, col) in COLUMNS.iter().enumerate() {
                match headers.iter().position(|h| h == col.header) {
                    Some(p) => map[k] = p,
                    None => missing.push(col.header),
                }
            }
            if missing.is_empty() {
                return Ok((range, i, map));
            }
            if best_missing
                .as_ref()
                .is_none_or(|b| missing.len() < b.len())
            {
                best_missing = Some(missing);
            }
        }
    }
    Err(FileRefused(match best_missing {
        Some(missing) => format!(
            "模板不正确：缺少列 {}，请使用下载的模板",
            missing.join("、")
        ),
        None => "模板不正确：未找到表头（姓名、手机号码、证件号码……），请使用下载的模板".into(),
    }))
}

fn is_blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Trims and drops invisible characters people paste along with values.
fn clean(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}'))
        .to_owned()
}

/// A cell as text: numbers typed as numbers lose the `.0` Excel gives them.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::DateTime(_) | Data::DateTimeIso(_) => {
            cell.as_date().map(|d| d.to_string()).unwrap_or_default()
        }
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) => "#错误".to_owned(),
    }
}

fn cell<'a>(cells: &'a [Data], map: &ColumnMap, col: usize) -> &'a Data {
    cells.get(map[col]).unwrap_or(&Data::Empty)
}

fn text(cells: &[Data], map: &ColumnMap, col: usize) -> String {
    clean(&cell_text(cell(cells, map, col)))
}

fn optional(cells: &[Data], map: &ColumnMap, col: usize) -> Option<String> {
    Some(text(cells, map, col)).filter(|s| !s.is_empty())
}

fn parse_row(row_no: u32, cells: &[Data], map: &ColumnMap) -> ParsedRow {
    let mut errors = Vec::new();
    let joined_on = match parse_date(cell(cells, map, columns::JOINED_ON)) {
        Ok(d) => d,
        Err(()) => {
            errors.push(FieldError::new(
                "入会日期",
                "入会日期格式不正确（应为日期，如2020-05-01）",
            ));
            None
        }
    };
    let migrant_worker = match text(cells, map, columns::MIGRANT).as_str() {
        "" | "否" | "N" | "n" | "0" | "false" | "FALSE" => false,
        "是" | "Y" | "y" | "1" | "true" | "TRUE" => true,
        other => {
            errors.push(FieldError::new(
                "是否农民工",
                format!("是否农民工应为“是”或“否”，不能为“{other}”"),
            ));
            false
        }
    };
    let status_text = text(cells, map, columns::STATUS);
    let status = if status_text.is_empty() {
        MemberStatus::Active
    } else {
        MemberStatus::parse(&status_text).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "会籍状态",
                format!("会籍状态应为入会、转出、退休、离岗或其他，不能为“{status_text}”"),
            ));
            MemberStatus::Active
        })
    };
    ParsedRow {
        row_no,
        draft: MemberDraft {
            name: text(cells, map, columns::NAME),
            phone: text(cells, map, columns::PHONE),
            id_type: text(cells, map, columns::ID_TYPE),
            id_number: text(cells, map, columns::ID_NUMBER),
            gender: text(cells, map, columns::GENDER),
            migrant_worker,
            position: optional(cells, map, columns::POSITION),
            joined_on,
            remark: optional(cells, map, columns::REMARK),
        },
        unit_name: optional(cells, map, columns::UNIT),
        status,
        errors,
    }
}

/// A date cell, a serial number (a date typed without a date format), or text in the
/// forms people type: 2020-05-01, 2020/5/1, 2020.5.1, 20200501, 2020年5月1日.
fn parse_date(cell: &Data) -> Result<Option<NaiveDate>, ()> {
    match cell {
        Data::Empty => Ok(None),
        Data::DateTime(_) | Data::DateTimeIso(_) => cell.as_date().map(Some).ok_or(()),
        Data::Float(_) | Data::Int(_) => {
            let serial = cell.as_f64().ok_or(())?;
            if !(1.0..=2_958_465.0).contains(&serial) {
                return Err(());
            }
            // Excel's day 0 is 1899-12-30 once its 1900 leap-year bug is accounted for.
            let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or(())?;
            epoch
                .checked_add_days(chrono::Days::new(serial.trunc() as u64))
                .map(Some)
                .ok_or(())
        }
        Data::String(s) => {
            let s = clean(&entity::value::normalize(s).to_lowercase());
            if s.is_empty() {
                return Ok(None);
            }
            let unified = s.replace(['年', '月', '/', '.'], "-").replace('日', "");
            NaiveDate::parse_from_str(&unified, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(&s, "%Y%m%d"))
                .map(Some)
                .map_err(|_| ())
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_form_people_use() {
        let expected = NaiveDate::from_ymd_opt(2020, 5, 1);
        for text in [
            "2020-05-01",
            "2020/5/1",
            "2020.5.1",
            "20200501",
            "2020年5月1日",
            " ２０２０-０５-０１ ",
        ] {
            assert_eq!(
                parse_date(&Data::String(text.into())),
                Ok(expected),
                "{text}"
            );
        }
        assert_eq!(parse_date(&Data::Float(43952.0)), Ok(expected));
        assert_eq!(parse_date(&Data::Int(43952)), Ok(expected));
        assert_eq!(parse_date(&Data::Empty), Ok(None));
        assert!(parse_date(&Data::String("去年".into())).is_err());
        assert!(parse_date(&Data::Float(-3.0)).is_err());
    }

    #[test]
    fn numbers_typed_as_numbers_read_as_their_digits() {
        assert_eq!(cell_text(&Data::Float(13800000000.0)), "13800000000");
        assert_eq!(cell_text(&Data::Int(13800000000)), "13800000000");
        assert_eq!(clean(" 张三\u{FEFF} "), "张三");
    }

    #[test]
    fn non_zip_files_are_refused() {
        let limits = Limits {
            max_rows: 10,
            max_uncompressed_bytes: 1 << 20,
        };
        assert!(read(b"name,phone\n", limits).is_err());
        assert!(read(b"PK\x03\x04garbage", limits).is_err());
    }
}
