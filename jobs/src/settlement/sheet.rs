//! Workbook conventions of the settlement sheets: money as a number of yuan with two
//! decimals (exact: integer fen divided by 100 once, at the cell), Beijing times as
//! text, a title row and a `label：value` header block above the table.

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use crate::clock::beijing;

/// The first row of every sheet of a report generated before its figures are final.
pub const PREVIEW_TITLE: &str = "预览（核销期未结束，数据可能变化）";

/// The cell value of an amount in fen: yuan, shown with the `0.00` format. Every
/// amount below 2^53 fen is the nearest double to its exact yuan value, so it reads
/// back (and displays) exactly.
pub fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

/// `2026-12-20 10:05:00`, Beijing time.
pub fn beijing_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `2026-12-20 10:05`, Beijing time.
pub fn beijing_minute(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The formats every settlement sheet uses.
pub struct Formats {
    pub title: Format,
    pub warning: Format,
    pub label: Format,
    pub header: Format,
    pub money: Format,
    pub total: Format,
    pub total_money: Format,
}

impl Default for Formats {
    fn default() -> Self {
        Self {
            title: Format::new().set_bold().set_font_size(14),
            warning: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_font_color("#C00000"),
            label: Format::new().set_bold(),
            header: Format::new().set_bold().set_background_color("#D9E1F2"),
            money: Format::new().set_num_format("0.00"),
            total: Format::new().set_bold(),
            total_money: Format::new().set_bold().set_num_format("0.00"),
        }
    }
}

/// Writes, from row 0: the preview warning when `preview`, the title, then one
/// `label | value` row per line and a blank row. Returns the next free row.
pub fn header_block(
    sheet: &mut Worksheet,
    title: &str,
    preview: bool,
    lines: &[(&str, String)],
    f: &Formats,
) -> Result<u32, XlsxError> {
    let mut row = 0;
    if preview {
        sheet.write_string_with_format(row, 0, PREVIEW_TITLE, &f.warning)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, title, &f.title)?;
    row += 1;
    for (label, value) in lines {
        sheet.write_string_with_format(row, 0, *label, &f.label)?;
        sheet.write_string(row, 1, value)?;
        row += 1;
    }
    Ok(row + 1)
}

/// Sets the column widths and writes the column headers on `row`.
pub fn table_header(
    sheet: &mut Worksheet,
    row: u32,
    columns: &[(&str, f64)],
    f: &Formats,
) -> Result<(), XlsxError> {
    for (c, (name, width)) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.set_column_width(c, *width)?;
        sheet.write_string_with_format(row, c, *name, &f.header)?;
    }
    Ok(())
}

/// Writes text when there is some (a blank cell otherwise).
pub fn write_opt(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<&str>,
) -> Result<(), XlsxError> {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        sheet.write_string(row, col, v)?;
    }
    Ok(())
}

/// A file name without path separators or control characters.
pub fn safe_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_fen_become_exact_yuan() {
        assert_eq!(yuan(8850), 88.5);
        assert_eq!(yuan(1234), 12.34);
        assert_eq!(format!("{:.2}", yuan(30252)), "302.52");
        assert_eq!(yuan(0), 0.0);
        // Large sums stay exact to the fen.
        assert_eq!(format!("{:.2}", yuan(999_999_999_999)), "9999999999.99");
    }

    #[test]
    fn file_names_lose_separators() {
        assert_eq!(safe_file_name("中秋/国庆:福利"), "中秋_国庆_福利");
    }
}
