//! Reads an uploaded roster into rows: an .xlsx (streamed), an .xls (Excel 97–2003) or a
//! .csv (UTF-8 with or without BOM, GBK/GB18030 as Excel writes it on Chinese Windows,
//! UTF-16 as its "Unicode text"), told apart by their content, not their name. Refuses
//! what is not a roster (another kind of file, a zip bomb, no header, no rows, too many
//! rows) and tolerates what real files contain (extra sheets, a title above the header,
//! headers by other names, blank and formatted-but-empty rows, numbers typed as numbers,
//! dates as serial numbers, stray spaces, full-width characters).

use std::borrow::Cow;
use std::io::{Cursor, Read, Seek};

use calamine::{
    Data, DataRef, DataType, Range, Reader, Xls, Xlsx, XlsxCellReader, open_workbook_from_rs,
};
use chrono::NaiveDate;
use entity::enums::MemberStatus;
use entity::roster::{FieldError, MemberDraft};

use super::columns::{self, COLUMNS};

/// Why a whole file is refused (Chinese, shown as the task's error).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct FileRefused(pub String);

/// What a file that is not a roster is told.
pub const ACCEPTED: &str = "请上传 .xlsx、.xls 或 .csv 文件（可先下载模板填写）";

/// Limits that protect the worker.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_rows: usize,
    /// Total uncompressed size of the archive's parts.
    pub max_uncompressed_bytes: u64,
}

/// The kinds of file the import reads, as their content says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Excel 2007+ (a zip archive).
    Xlsx,
    /// Excel 97–2003 (an OLE2 compound file).
    Xls,
    /// Text with comma- (or tab-) separated values.
    Csv,
}

const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// What kind of roster file this is, or the refusal naming what is accepted.
pub fn detect(bytes: &[u8]) -> Result<FileKind, FileRefused> {
    if bytes.starts_with(b"PK\x03\x04") {
        Ok(FileKind::Xlsx)
    } else if bytes.starts_with(OLE2_MAGIC) {
        Ok(FileKind::Xls)
    } else if !bytes.starts_with(b"%PDF") && decode_text(bytes).is_some() {
        Ok(FileKind::Csv)
    } else {
        Err(FileRefused(format!("无法识别的文件格式，{ACCEPTED}")))
    }
}

/// The text of a CSV file: by its byte-order mark (UTF-8, UTF-16), else UTF-8 when it
/// is valid UTF-8, else the encoding `chardetng` guesses (GBK is read as GB18030, its
/// superset). `None` when it does not decode cleanly or holds control characters no
/// text file has (a binary file).
fn decode_text(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let text = if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        encoding.decode_without_bom_handling_and_without_replacement(&bytes[bom..])?
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        Cow::Borrowed(text)
    } else {
        let mut detector = chardetng::EncodingDetector::new();
        detector.feed(bytes, true);
        let mut encoding = detector.guess(None, false);
        if encoding == encoding_rs::GBK {
            encoding = encoding_rs::GB18030;
        }
        encoding.decode_without_bom_handling_and_without_replacement(bytes)?
    };
    let binary = text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n' | '\u{c}'));
    (!binary).then_some(text)
}

/// One data row as read, before the roster rules.
#[derive(Debug)]
pub struct ParsedRow {
    /// The row number as Excel shows it (header is row 1 when it is the first row).
    pub row_no: u32,
    pub draft: MemberDraft,
    pub unit_name: Option<String>,
    pub status: MemberStatus,
    /// Problems found while reading cells (bad date, bad yes/no, bad status, digits
    /// lost to a number format). A field with one here gets no other error from the
    /// roster rules (they would only send the clerk after the wrong problem).
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

/// How a file's columns were understood (its rows went to a [`RowSink`]).
#[derive(Debug)]
pub struct Layout {
    pub kind: FileKind,
    /// Every header cell of the file, in order, with the field it was read as (`None`:
    /// ignored).
    pub columns: Vec<(String, Option<&'static str>)>,
    /// Whether the file has a 所在单位 column (without one, every row takes the unit
    /// chosen on upload).
    pub has_unit_column: bool,
}

/// Where the rows of the roster's sheet go as they are read, in file order, so that
/// they can be checked while the rest of the file is still being read. A file refused
/// later (too many rows, too much text) has sent some rows already: the caller drops
/// what it made of them.
pub trait RowSink {
    /// The header was found; whether it has a 所在单位 column.
    fn header(&mut self, has_unit_column: bool);
    fn row(&mut self, row: ParsedRow);
}

impl RowSink for Vec<ParsedRow> {
    fn header(&mut self, _has_unit_column: bool) {}

    fn row(&mut self, row: ParsedRow) {
        self.push(row);
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

/// Reads the roster rows; the header row must name the required columns (in any order).
pub fn read(bytes: &[u8], limits: Limits) -> Result<Vec<ParsedRow>, FileRefused> {
    read_counted(bytes, limits).rows
}

/// `read`, also telling how far into the sheet it went.
pub fn read_counted(bytes: &[u8], limits: Limits) -> ReadOutcome {
    let mut data_rows_read = 0;
    let mut kept = Vec::new();
    let rows = read_any(bytes, limits, &mut data_rows_read, &mut kept).map(|_| kept);
    ReadOutcome {
        rows,
        data_rows_read,
    }
}

/// Reads the roster, handing its rows to `sink` as they are read.
pub fn read_into(
    bytes: &[u8],
    limits: Limits,
    sink: &mut dyn RowSink,
) -> Result<Layout, FileRefused> {
    read_any(bytes, limits, &mut 0, sink)
}

/// A sheet's rows with a value, in order, as (row index, cells by column).
trait RowSource {
    fn next_row(&mut self) -> Result<Option<(u32, Vec<Data>)>, FileRefused>;
}

fn damaged(kind: FileKind) -> FileRefused {
    FileRefused(match kind {
        FileKind::Xlsx => "无法读取Excel文件，文件可能已损坏或不是.xlsx格式".into(),
        FileKind::Xls => format!(
            "无法读取Excel 97-2003（.xls）文件，文件可能已损坏、加密或不是Excel文件；{ACCEPTED}"
        ),
        FileKind::Csv => "无法读取CSV文件，文件可能已损坏".into(),
    })
}

fn read_any(
    bytes: &[u8],
    limits: Limits,
    data_rows_read: &mut usize,
    sink: &mut dyn RowSink,
) -> Result<Layout, FileRefused> {
    let kind = detect(bytes)?;
    let mut search = HeaderSearch::default();
    match kind {
        FileKind::Xlsx => {
            check_archive(bytes, limits)?;
            let mut workbook: Xlsx<_> =
                open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| damaged(kind))?;
            for name in workbook.sheet_names() {
                let Ok(cells) = workbook.worksheet_cells_reader(&name) else {
                    continue;
                };
                let mut source = XlsxRows {
                    sheet: SheetRows::default(),
                    cells,
                };
                if let Some(layout) =
                    read_sheet(kind, &mut source, limits, data_rows_read, &mut search, sink)?
                {
                    return Ok(layout);
                }
            }
        }
        FileKind::Xls => {
            // An .xls is at most 65,536 rows a sheet, and no larger than the upload
            // limit: it is read a sheet at a time (it is no archive, so no bomb check).
            let mut workbook: Xls<_> =
                open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| damaged(kind))?;
            for name in workbook.sheet_names() {
                let Ok(range) = workbook.worksheet_range(&name) else {
                    continue;
                };
                let mut source = RangeRows::new(range);
                if let Some(layout) =
                    read_sheet(kind, &mut source, limits, data_rows_read, &mut search, sink)?
                {
                    return Ok(layout);
                }
            }
        }
        FileKind::Csv => {
            let text = decode_text(bytes).ok_or_else(|| damaged(kind))?;
            let mut source = CsvRows::new(&text);
            if let Some(layout) =
                read_sheet(kind, &mut source, limits, data_rows_read, &mut search, sink)?
            {
                return Ok(layout);
            }
        }
    }
    Err(search.refusal())
}

/// The best header candidate seen across sheets, for the refusal when none fits.
#[derive(Default)]
struct HeaderSearch {
    best_missing: Option<Vec<usize>>,
}

impl HeaderSearch {
    fn refusal(self) -> FileRefused {
        FileRefused(match self.best_missing {
            Some(missing) => format!(
                "模板不正确：缺少列 {}，请使用下载的模板",
                missing
                    .iter()
                    .map(|&k| {
                        let c = &COLUMNS[k];
                        if c.synonyms.is_empty() {
                            c.header.to_owned()
                        } else {
                            format!("{}（也可写作{}）", c.header, c.synonyms.join("、"))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            None => "模板不正确：未找到表头（姓名、证件号码……），请使用下载的模板".into(),
        })
    }
}

/// Reads one sheet: `None` when it has no roster header in its first rows.
fn read_sheet(
    kind: FileKind,
    sheet: &mut dyn RowSource,
    limits: Limits,
    data_rows_read: &mut usize,
    search: &mut HeaderSearch,
    sink: &mut dyn RowSink,
) -> Result<Option<Layout>, FileRefused> {
    // The header is within the first rows (some files put a title above it).
    let mut first_row = None;
    let header = loop {
        match sheet.next_row() {
            Ok(Some((row, values))) if row < *first_row.get_or_insert(row) + 5 => {
                match header_map(&values) {
                    Some(Ok(header)) => break Some(header),
                    Some(Err(missing))
                        if search
                            .best_missing
                            .as_ref()
                            .is_none_or(|b| missing.len() < b.len()) =>
                    {
                        search.best_missing = Some(missing);
                    }
                    _ => {}
                }
            }
            // Past the first rows, the end, or unreadable: not this sheet.
            _ => break None,
        }
    };
    let Some(Header { map, columns }) = header else {
        return Ok(None);
    };
    let has_unit_column = map[columns::UNIT].is_some();
    sink.header(has_unit_column);
    // Rows are parsed as they come, and reading stops at the first one too many.
    let mut rows = 0usize;
    let mut kept_bytes = 0usize;
    while let Some((row, values)) = sheet.next_row()? {
        *data_rows_read += 1;
        if values.iter().all(is_blank) {
            continue;
        }
        if rows >= limits.max_rows {
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
        rows += 1;
        sink.row(parsed);
    }
    if rows == 0 {
        return Err(FileRefused(
            "文件中没有会员数据（表头下方没有填写任何行）".into(),
        ));
    }
    Ok(Some(Layout {
        kind,
        columns,
        has_unit_column,
    }))
}

struct XlsxRows<'a, RS: Read + Seek> {
    sheet: SheetRows,
    cells: XlsxCellReader<'a, RS>,
}

impl<RS: Read + Seek> RowSource for XlsxRows<'_, RS> {
    fn next_row(&mut self) -> Result<Option<(u32, Vec<Data>)>, FileRefused> {
        self.sheet
            .next_row(&mut self.cells)
            .map_err(|_| damaged(FileKind::Xlsx))
    }
}

/// The rows of a sheet read whole (.xls).
struct RangeRows {
    range: Range<Data>,
    next: usize,
}

impl RangeRows {
    fn new(range: Range<Data>) -> Self {
        Self { range, next: 0 }
    }
}

impl RowSource for RangeRows {
    fn next_row(&mut self) -> Result<Option<(u32, Vec<Data>)>, FileRefused> {
        let first = self.range.start().map_or(0, |(row, _)| row);
        let (height, width) = (self.range.height(), self.range.width().min(MAX_COLUMNS));
        while self.next < height {
            let r = self.next;
            self.next += 1;
            let values: Vec<Data> = (0..width)
                .map(|c| match self.range.get((r, c)) {
                    Some(Data::String(s)) => Data::String(cut(s)),
                    Some(other) => other.clone(),
                    None => Data::Empty,
                })
                .collect();
            if values.iter().all(|c| *c == Data::Empty) {
                continue;
            }
            return Ok(Some((first + r as u32, values)));
        }
        Ok(None)
    }
}

/// The records of a CSV text (the separator is a tab when the first line has more tabs
/// than commas, as Excel's "Unicode text" has).
struct CsvRows<'a> {
    records: csv::StringRecordsIntoIter<&'a [u8]>,
    next: u32,
}

impl<'a> CsvRows<'a> {
    fn new(text: &'a str) -> Self {
        let first_line = text.lines().next().unwrap_or_default();
        let tabs = first_line.matches('\t').count();
        let delimiter = if tabs > first_line.matches(',').count() {
            b'\t'
        } else {
            b','
        };
        let records = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes())
            .into_records();
        Self { records, next: 0 }
    }
}

impl RowSource for CsvRows<'_> {
    fn next_row(&mut self) -> Result<Option<(u32, Vec<Data>)>, FileRefused> {
        for record in self.records.by_ref() {
            let record = record.map_err(|_| damaged(FileKind::Csv))?;
            let row = self.next;
            self.next += 1;
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let values = record
                .iter()
                .take(MAX_COLUMNS)
                .map(|f| {
                    if f.is_empty() {
                        Data::Empty
                    } else {
                        Data::String(cut(f))
                    }
                })
                .collect();
            return Ok(Some((row, values)));
        }
        Ok(None)
    }
}

/// Columns past this are ignored: the template has 11, and a stray cell far to the
/// right must not make every row a long vector.
const MAX_COLUMNS: usize = 64;

/// Groups the cells of a sheet's stream into rows (by absolute row index; cells with no
/// value are skipped as a whole-sheet read skips them).
#[derive(Default)]
struct SheetRows {
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

/// Text cut at `MAX_CELL_CHARS` + 1 characters.
fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_CELL_CHARS + 1) {
        Some((end, _)) => s[..end].to_owned(),
        None => s.to_owned(),
    }
}

/// A cell's value, owned, with text cut at `MAX_CELL_CHARS` + 1 characters.
fn owned(value: &DataRef<'_>) -> Data {
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

/// A header row understood: the column of each field (if the file has it), and every
/// header cell with the field it was read as.
struct Header {
    map: ColumnMap,
    columns: Vec<(String, Option<&'static str>)>,
}

/// For a row that names the 姓名 column (by any of its names): the header, or the
/// required columns it lacks (as indexes into `COLUMNS`). `None` for any other row.
fn header_map(cells: &[Data]) -> Option<Result<Header, Vec<usize>>> {
    let fields: Vec<Option<usize>> = cells
        .iter()
        .map(|c| columns::field_of(&columns::normalize_header(&cell_text(c))))
        .collect();
    if !fields.contains(&Some(columns::NAME)) {
        return None;
    }
    let mut map: ColumnMap = [None; COLUMNS.len()];
    let mut columns = Vec::new();
    for (p, (cell, field)) in cells.iter().zip(&fields).enumerate() {
        let header = clean(&cell_text(cell));
        // The first column of a field is read; a second one of the same field is not.
        let used = match field {
            Some(k) if map[*k].is_none() => {
                map[*k] = Some(p);
                Some(COLUMNS[*k].header)
            }
            _ => None,
        };
        if !header.is_empty() {
            columns.push((header, used));
        }
    }
    let missing: Vec<usize> = (0..COLUMNS.len())
        .filter(|&k| COLUMNS[k].required && map[k].is_none())
        .collect();
    Some(if missing.is_empty() {
        Ok(Header { map, columns })
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

/// Column index of each template column in this sheet (`None`: the file lacks it).
type ColumnMap = [Option<usize>; COLUMNS.len()];

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
    map[col].and_then(|p| cells.get(p)).unwrap_or(&Data::Empty)
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
    // Digits Excel dropped: an 18-digit number keeps only 15 significant digits, and a
    // number shown in scientific notation (then saved as CSV) keeps fewer still.
    let id_cell = cell(cells, map, columns::ID_NUMBER);
    let id_as_number = matches!(id_cell, Data::Float(f) if f.abs() >= 1e15)
        || matches!(id_cell, Data::Int(i) if i.unsigned_abs() >= 1_000_000_000_000_000);
    let id_number = text(cells, map, columns::ID_NUMBER);
    if id_as_number || scientific(&id_number) {
        errors.push(FieldError::new("证件号码", LOST_ID_DIGITS));
    }
    let phone = text(cells, map, columns::PHONE);
    if scientific(&phone) {
        errors.push(FieldError::new("手机号码", LOST_PHONE_DIGITS));
    }
    ParsedRow {
        row_no,
        draft: MemberDraft {
            name: text(cells, map, columns::NAME),
            phone,
            id_type: text(cells, map, columns::ID_TYPE),
            id_number,
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

pub const LOST_ID_DIGITS: &str =
    "证件号码被 Excel 存成了数字，后几位已丢失：请把该列设为文本后重新填写";
pub const LOST_PHONE_DIGITS: &str =
    "手机号码被 Excel 存成了科学计数法的数字，后几位已丢失：请把该列设为文本后重新填写";

/// Whether a value is a number in scientific notation (`3.70203E+17`), as Excel shows
/// a long number and writes it to CSV.
fn scientific(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.trim().split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    mantissa.starts_with(|c: char| c.is_ascii_digit())
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !exponent.is_empty()
        && exponent.chars().all(|c| c.is_ascii_digit())
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
        assert!(read(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1garbage", limits).is_err());
        assert_eq!(
            detect(b"%PDF-1.4\n"),
            Err(FileRefused(format!("无法识别的文件格式，{ACCEPTED}")))
        );
        assert!(detect(&[0u8, 159, 146, 150]).is_err());
    }

    #[test]
    fn numbers_excel_shortened_are_told_apart() {
        for s in ["3.70203E+17", "1.38E+10", "3E17", "1.2e5"] {
            assert!(scientific(s), "{s}");
        }
        for s in [
            "13800000000",
            "E+17",
            "3.7E",
            "11010519491231002X",
            "1.3E+1x",
        ] {
            assert!(!scientific(s), "{s}");
        }
    }

    #[test]
    fn csv_text_in_the_encodings_excel_writes() {
        let text = "姓名,证件号码\r\n张三,11010519491231002X\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let (utf16, _, _) = encoding_rs::UTF_16LE.encode(text);
        let mut utf16_bom = vec![0xFF, 0xFE];
        // encoding_rs encodes UTF-16 as UTF-8 (the standard's rule); build it by hand.
        assert_eq!(utf16.as_ref(), text.as_bytes());
        for unit in text.encode_utf16() {
            utf16_bom.extend(unit.to_le_bytes());
        }
        let utf8_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for bytes in [text.as_bytes(), &utf8_bom, &gbk, &utf16_bom] {
            assert_eq!(detect(bytes), Ok(FileKind::Csv));
            assert_eq!(decode_text(bytes).as_deref(), Some(text));
        }
    }
}
