//! A large, valid roster workbook in the template's layout, for benchmarks.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

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

/// A valid resident ID, distinct for every `n` below 3,650,000 (birth date × sequence).
pub fn id_number(n: usize) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("date")
        + chrono::Days::new((n / 1000) as u64);
    let body = format!("370203{}{:03}", day.format("%Y%m%d"), n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// `rows` valid members (constant-memory writer, so this stays small in memory too).
pub fn generate(rows: usize) -> Result<Vec<u8>, XlsxError> {
    generate_range(0, rows)
}

/// `rows` valid members numbered from `first` (files of different ranges hold
/// different people).
pub fn generate_range(first: usize, rows: usize) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("会员信息")?;
    let text = Format::new().set_num_format("@");
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for (i, n) in (first..first + rows).enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, format!("会员{n}"))?;
        sheet.write_string_with_format(r, 1, format!("13{:09}", n), &text)?;
        sheet.write_string(r, 2, "居民身份证")?;
        sheet.write_string_with_format(r, 3, id_number(n), &text)?;
        sheet.write_string(r, 5, if n % 5 == 0 { "是" } else { "否" })?;
        sheet.write_string(r, 6, "职工")?;
        sheet.write_string(r, 7, "2020-05-01")?;
        sheet.write_string(r, 9, "入会")?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..5000).map(id_number).collect();
        assert_eq!(ids.len(), 5000);
        for id in ids.iter().take(50) {
            entity::value::IdNumber::parse(entity::value::IdType::ResidentId, id).expect(id);
        }
    }
}
