//! Reads an uploaded workbook into rows: refuses what is not a roster (not an xlsx, a zip
//! bomb, no template headers, no rows, too many rows) and tolerates what real files
//! contain (extra sheets, blank and formatted-but-empty rows, numbers typed as numbers,
//! dates as serial numbers, stray spaces, full-width characters).

use std::io::{Cursor, Read, Seek};

use calamine::{Data, DataRef, DataType, Reader, Xlsx, XlsxCellReader, open_workbook_from_rs};
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

/// Text the rows of one file may hold in all: about 80 bytes a row in a real roster
/// (16 MB at the 200,000-row limit), so only a crafted file reaches it.
const MAX_KEPT_TEXT_BYTES: usize = 32 << 20;

impl ParsedRow {
    fn text_bytes(&self) -> usize {
        let d = &self.draft;
        [&d.name, &d.phone, &d.id_type, &d.id_number, &d.gender]
            .iter()
            .map(|s| s.len())
            .sum::<usize>()
            + [&d.position, &d.remark, &self.unit_name]
                .iter()
                .map(|s| s.as_ref().map_or(0, String::len))
                .sum::<usize>()
    }
}

/// What a read found: the rows, or why the file is refused, and how many sheet rows
/// past the header were taken from the stream (reading stops at the first row past the
/// limit, so this never exceeds `max_rows + 1` plus the blank rows skipped).
#[derive(Debug)]
pub struct ReadOutcome {
    pub rows: Result<Vec<ParsedRow>, FileRefused>,
    pub data_rows_read: usize,
}

/// Reads the roster rows; the header row must hold every template column (in any order).
pub fn read(bytes: &[u8], limits: Limits) -> Result<Vec<ParsedRow>, FileRefused> {
    read_counted(bytes, limits).rows
}

/// `read`, also telling how far into the sheet it went.
pub fn read_counted(bytes: &[u8], limits: Limits) -> ReadOutcome {
    let mut data_rows_read = 0;
    let rows = read_rows(bytes, limits, &mut data_rows_read);
    ReadOutcome {
        rows,
        data_rows_read,
    }
}

fn read_rows(
    bytes: &[u8],
    limits: Limits,
    data_rows_read: &mut usize,
) -> Result<Vec<ParsedRow>, FileRefused> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(FileRefused(
            "文件不是Excel（.xlsx）格式，请使用下载的模板填写后上传".into(),
        ));
    }
    check_archive(bytes, limits)?;
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| FileRefused("无法读取Excel文件，文件可能已损坏或不是.xlsx格式".into()))?;
    let mut best_missing: Option<Vec<&str>> = None;
    for name in workbook.sheet_names() {
        let Ok(mut cells) = workbook.worksheet_cells_reader(&name) else {
            continue;
        };
        let mut sheet = SheetRows::default();
        // The header is within the first rows (some files put a title above it).
        let header = loop {
            match sheet.next_row(&mut cells) {
                Ok(Some((row, values))) if row < sheet.first_row.unwrap_or(row) + 5 => {
                    match header_map(&values) {
                        Some(Ok(map)) => break Some(map),
                        Some(Err(missing))
                            if best_missing
                                .as_ref()
                                .is_none_or(|b| missing.len() < b.len()) =>
                        {
                            best_missing = Some(missing);
                        }
                        _ => {}
                    }
                }
                // Past the first rows, the end, or unreadable: not this sheet.
                _ => break None,
            }
        };
        let Some(map) = header else {
            continue;
        };
        // Rows are parsed as they come, and reading stops at the first one too many.
        let mut rows = Vec::new();
        let mut kept_bytes = 0usize;
        while let Some((row, values)) = sheet
            .next_row(&mut cells)
            .map_err(|_| FileRefused("无法读取Excel文件，文件可能已损坏或不是.xlsx格式".into()))?
        {
            *data_rows_read += 1;
            if values.iter().all(is_blank) {
                continue;
            }
            if rows.len() >= limits.max_rows {
                return Err(FileRefused(format!(
                    "数据行数超过上限{}行，请分成多个文件导入",
                    limits.max_rows
                )));
            }
            let parsed = parse_row(row + 1, &values, &map);
            kept_bytes += parsed.text_bytes();
            if kept_bytes > MAX_KEPT_TEXT_BYTES {
                return Err(FileRefused(
                    "文件内容过大（单元格文字过多），请检查文件或分成多个文件导入".into(),
                ));
            }
            rows.push(parsed);
        }
        if rows.is_empty() {
            return Err(FileRefused(
                "文件中没有会员数据（表头下方没有填写任何行）".into(),
            ));
        }
        return Ok(rows);
    }
    Err(FileRefused(match best_missing {
        Some(missing) => format!(
            "模板不正确：缺少列 {}，请使用下载的模板",
            missing.join("、")
        ),
        None => "模板不正确：未找到表头（姓名、手机号码、证件号码……），请使用下载的模板".into(),
    }))
}

/// Columns past this are ignored: the template has 11, and a stray cell far to the
/// right must not make every row a long vector.
const MAX_COLUMNS: usize = 64;

/// Groups the cells of a sheet's stream into rows (by absolute row index; cells with no
/// value are skipped as a whole-sheet read skips them).
#[derive(Default)]
struct SheetRows {
    /// The first row that holds a value (where a whole-sheet range would start).
    first_row: Option<u32>,
    /// A cell already read that belongs to the next row.
    pending: Option<(u32, usize, Data)>,
    done: bool,
}

impl SheetRows {
    /// The next row that has a value, as its row index and its cells by column.
    fn next_row<RS: Read + Seek>(
        &mut self,
        cells: &mut XlsxCellReader<'_, RS>,
    ) -> Result<Option<(u32, Vec<Data>)>, calamine::XlsxError> {
        let mut current: Option<(u32, Vec<Data>)> = None;
        if let Some((row, col, value)) = self.pending.take() {
            current = Some((row, place(Vec::new(), col, value)));
        }
        while !self.done {
            let Some(cell) = cells.next_cell()? else {
                self.done = true;
                break;
            };
            let value = owned(cell.get_value());
            if value == Data::Empty {
                continue;
            }
            let (row, col) = cell.get_position();
            let col = col as usize;
            self.first_row.get_or_insert(row);
            match current.take() {
                None => current = Some((row, place(Vec::new(), col, value))),
                Some((r, values)) if r == row => current = Some((r, place(values, col, value))),
                Some(finished) => {
                    self.pending = Some((row, col, value));
                    return Ok(Some(finished));
                }
            }
        }
        Ok(current)
    }
}

/// The longest text kept from one cell: longer than any field allows (备注, 500), so a
/// cut value still fails its row as too long, while a crafted file cannot make every
/// cell a copy of one huge shared string.
const MAX_CELL_CHARS: usize = 1000;

/// A cell's value, owned, with text cut at `MAX_CELL_CHARS` + 1 characters.
fn owned(value: &DataRef<'_>) -> Data {
    let cut = |s: &str| match s.char_indices().nth(MAX_CELL_CHARS + 1) {
        Some((end, _)) => s[..end].to_owned(),
        None => s.to_owned(),
    };
    match value {
        DataRef::SharedString(s) => Data::String(cut(s)),
        DataRef::String(s) => Data::String(cut(s)),
        other => Data::from(other.clone()),
    }
}

/// Puts a cell's value at its column (ignoring columns past `MAX_COLUMNS`).
fn place(mut values: Vec<Data>, col: usize, value: Data) -> Vec<Data> {
    if col < MAX_COLUMNS {
        if values.len() <= col {
            values.resize(col + 1, Data::Empty);
        }
        values[col] = value;
    }
    values
}

/// For a row that names the 姓名 column: its column map, or the template columns it
/// lacks. `None` for any other row.
fn header_map(cells: &[Data]) -> Option<Result<ColumnMap, Vec<&'static str>>> {
    let headers: Vec<String> = cells.iter().map(|c| clean(&cell_text(c))).collect();
    if !headers.iter().any(|h| h == COLUMNS[columns::NAME].header) {
        return None;
    }
    let mut map = [0usize; COLUMNS.len()];
    let mut missing = Vec::new();
    for (k, col) in COLUMNS.iter().enumerate() {
        match headers.iter().position(|h| h == col.header) {
            Some(p) => map[k] = p,
            None => missing.push(col.header),
        }
    }
    Some(if missing.is_empty() {
        Ok(map)
    } else {
        Err(missing)
    })
}

/// Refuses archives that would inflate past the limits (zip bombs) before any XML is
/// parsed. Worksheets are streamed, so their size costs time, not memory; the other
/// parts (shared strings above all) are loaded whole, so together they may hold only an
/// eighth of the cap, and the shared-string count the file declares (which the reader
/// reserves room for up front) must fit what that part can hold. The zip reader stops
/// any part at its declared size, so these sizes bound what is inflated.
fn check_archive(bytes: &[u8], limits: Limits) -> Result<(), FileRefused> {
    let broken = || FileRefused("文件不是有效的.xlsx文件（压缩包结构损坏）".into());
    let too_big = || FileRefused("文件解压后过大，疑似异常文件，已拒绝处理".into());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| broken())?;
    let mut total: u64 = 0;
    let mut loaded: u64 = 0;
    let mut shared_strings: Vec<(usize, u64)> = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| broken())?;
        total = total.saturating_add(entry.size());
        // Named as the reader looks parts up: case-blind, either slash.
        let name = entry
            .name()
            .map_err(|_| broken())?
            .replace('\\', "/")
            .to_ascii_lowercase();
        if !name.starts_with("xl/worksheets/") {
            loaded = loaded.saturating_add(entry.size());
        }
        if name.ends_with("sharedstrings.xml") {
            shared_strings.push((i, entry.size()));
        }
        // A real sheet compresses 5–20×; a bomb, thousands of times.
        let ratio = entry.size() / entry.compressed_size().max(1);
        if total > limits.max_uncompressed_bytes
            || loaded > limits.max_uncompressed_bytes / 8
            || (entry.size() > 10 * 1024 * 1024 && ratio > 200)
        {
            return Err(too_big());
        }
    }
    for (index, size) in shared_strings {
        let mut head = Vec::with_capacity(2048);
        archive
            .by_index(index)
            .map_err(|_| broken())?
            .take(2048)
            .read_to_end(&mut head)
            .map_err(|_| broken())?;
        // Each string takes at least `<si/>`, 5 bytes.
        if declared_unique_count(&head).is_some_and(|n| n > size / 5 + 16) {
            return Err(too_big());
        }
    }
    Ok(())
}

/// The `uniqueCount` attribute at the start of a sharedStrings part, if any.
fn declared_unique_count(head: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(head);
    let rest = &text[text.find("uniqueCount=")? + "uniqueCount=".len()..];
    let digits: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    // More digits than a u64 holds is as absurd as a huge number.
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// Column index of each template column in this sheet.
type ColumnMap = [usize; COLUMNS.len()];

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

    /// A roster sheet (template headers) with `rows` members.
    fn roster(rows: usize) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, col) in COLUMNS.iter().enumerate() {
            sheet.write_string(0, c as u16, col.header).expect("header");
        }
        for r in 1..=rows as u32 {
            sheet
                .write_string(r, columns::NAME as u16, format!("会员{r}"))
                .expect("cell");
            sheet
                .write_string(r, columns::ID_NUMBER as u16, "11010519491231002X")
                .expect("cell");
        }
        book.save_to_buffer().expect("save")
    }

    #[test]
    fn reading_stops_at_the_first_row_past_the_limit() {
        let limits = Limits {
            max_rows: 50,
            max_uncompressed_bytes: 64 << 20,
        };
        let outcome = read_counted(&roster(1050), limits);
        assert_eq!(
            outcome.rows.expect_err("too many rows"),
            FileRefused("数据行数超过上限50行，请分成多个文件导入".into())
        );
        assert!(
            outcome.data_rows_read <= 51,
            "read {} rows",
            outcome.data_rows_read
        );
        let within = read_counted(&roster(50), limits);
        let rows = within.rows.expect("50 rows");
        assert_eq!(rows.len(), 50);
        assert_eq!(rows[0].row_no, 2);
        assert_eq!(rows[49].draft.name, "会员50");
    }

    /// A zip of the given parts, deflated.
    fn archive(parts: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in parts {
            writer.start_file(*name, options).expect("start");
            writer.write_all(body).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }

    #[test]
    fn parts_loaded_whole_have_a_cap_of_their_own() {
        let limits = Limits {
            max_rows: 10,
            max_uncompressed_bytes: 8 << 20,
        };
        let refused = Err(FileRefused(
            "文件解压后过大，疑似异常文件，已拒绝处理".into(),
        ));
        // A sheet may take most of the cap (it is streamed); shared strings only 1/8.
        let sheet = vec![b' '; 4 << 20];
        assert_eq!(
            check_archive(&archive(&[("xl/worksheets/sheet1.xml", &sheet)]), limits),
            Ok(())
        );
        assert_eq!(
            check_archive(&archive(&[("xl/sharedStrings.xml", &sheet)]), limits),
            refused
        );
        // A declared string count the part cannot hold (room for it is reserved first).
        let lying = br#"<?xml version="1.0"?><sst xmlns="x" count="1" uniqueCount="4000000000"><si><t>a</t></si></sst>"#;
        for name in ["xl/sharedStrings.xml", "XL\\SHAREDSTRINGS.XML"] {
            assert_eq!(
                check_archive(&archive(&[(name, lying)]), limits),
                refused,
                "{name}"
            );
        }
        let honest = br#"<?xml version="1.0"?><sst xmlns="x" count="1" uniqueCount="1"><si><t>a</t></si></sst>"#;
        assert_eq!(
            check_archive(&archive(&[("xl/sharedStrings.xml", honest)]), limits),
            Ok(())
        );
    }

    #[test]
    fn long_cells_are_cut_past_any_field_limit() {
        let long = "长".repeat(5000);
        let Data::String(kept) = owned(&DataRef::SharedString(&long)) else {
            panic!("text");
        };
        assert_eq!(kept.chars().count(), MAX_CELL_CHARS + 1);
        assert_eq!(owned(&DataRef::Float(1.5)), Data::Float(1.5));
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
