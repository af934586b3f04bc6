//! The result workbook: every input row with its original row number, outcome (新增 /
//! 更新 / 失败) and every reason it failed, plus a summary sheet. ID numbers and phones
//! are masked: the file is kept on the server and the row number finds the input row.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::Counts;

/// What happened to one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowOutcome {
    Inserted,
    Updated,
    Failed,
}

impl RowOutcome {
    pub fn label(self) -> &'static str {
        match self {
            Self::Inserted => "新增",
            Self::Updated => "更新",
            Self::Failed => "失败",
        }
    }

    /// What a dry run says: what a real import would do.
    pub fn dry_run_label(self) -> &'static str {
        match self {
            Self::Inserted => "将新增",
            Self::Updated => "将更新",
            Self::Failed => "失败",
        }
    }
}

/// One line of the result sheet.
#[derive(Clone, Debug)]
pub struct RowResult {
    pub row_no: u32,
    pub name: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub outcome: RowOutcome,
    pub reasons: Vec<String>,
}

impl RowResult {
    /// The row, moved out (its texts leave empty ones behind).
    pub fn take(&mut self) -> Self {
        Self {
            row_no: self.row_no,
            name: std::mem::take(&mut self.name),
            id_number_masked: std::mem::take(&mut self.id_number_masked),
            phone_masked: std::mem::take(&mut self.phone_masked),
            outcome: self.outcome,
            reasons: std::mem::take(&mut self.reasons),
        }
    }
}

/// What the 汇总 sheet says besides the counts.
pub struct Summary {
    pub file_name: String,
    pub finished_at: String,
    /// Every header cell of the file with the field it was read as (`None`: ignored).
    pub columns: Vec<(String, Option<&'static str>)>,
    /// Whether a unit was chosen on upload for rows without one.
    pub default_unit: bool,
}

/// The result workbook as it is written: the rows in file order as their outcomes are
/// known (the import hands them over while it still writes later batches), then the
/// 汇总 sheet, which comes first in the file but needs the counts.
pub struct Book {
    workbook: Workbook,
    dry_run: bool,
    counts: Counts,
    red: Format,
}

/// The sheets' places in the workbook.
const SUMMARY_SHEET: usize = 0;
const ROWS_SHEET: usize = 1;

impl Book {
    /// A workbook with its two sheets and the rows' header line. `dry_run`: 试导入
    /// (nothing was written; the outcomes say what a real import would do).
    pub fn new(dry_run: bool) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        // Deflating the sheet is much of the time this takes (100,000 rows: about 0.4 s
        // at the default level 6); the fastest level makes a somewhat larger file.
        workbook.set_zip_compression_level(1);
        workbook.add_worksheet().set_name("汇总")?;
        let sheet = workbook
            .add_worksheet_with_constant_memory()?
            .set_name("导入结果")?;
        let headers = [
            "原行号",
            "姓名",
            "证件号码（脱敏）",
            "手机号码（脱敏）",
            "处理结果",
            "失败原因",
        ];
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &header())?;
        }
        for (c, width) in [8.0, 12.0, 22.0, 16.0, 10.0, 80.0].into_iter().enumerate() {
            sheet.set_column_width(c as u16, width)?;
        }
        Ok(Self {
            workbook,
            dry_run,
            counts: Counts::default(),
            red: Format::new().set_font_color("#C00000"),
        })
    }

    /// Writes the next row (rows come in file order).
    pub fn push(&mut self, r: &RowResult) -> Result<(), XlsxError> {
        let sheet = self.workbook.worksheet_from_index(ROWS_SHEET)?;
        self.counts.total += 1;
        let row = self.counts.total as u32;
        match r.outcome {
            RowOutcome::Inserted => self.counts.inserted += 1,
            RowOutcome::Updated => self.counts.updated += 1,
            RowOutcome::Failed => self.counts.failed += 1,
        }
        sheet.write_number(row, 0, r.row_no)?;
        sheet.write_string(row, 1, &r.name)?;
        sheet.write_string(row, 2, &r.id_number_masked)?;
        sheet.write_string(row, 3, &r.phone_masked)?;
        let label = if self.dry_run {
            r.outcome.dry_run_label()
        } else {
            r.outcome.label()
        };
        if r.outcome == RowOutcome::Failed {
            sheet.write_string_with_format(row, 4, label, &self.red)?;
        } else {
            sheet.write_string(row, 4, label)?;
        }
        if !r.reasons.is_empty() {
            sheet.write_string(row, 5, r.reasons.join("；"))?;
        }
        Ok(())
    }

    /// The rows written so far, by outcome.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Fills the 汇总 sheet and gives the workbook's bytes.
    pub fn finish(mut self, summary: &Summary) -> Result<Vec<u8>, XlsxError> {
        let (counts, dry_run) = (self.counts, self.dry_run);
        let bold = header();
        let red = self.red.clone();
        let sheet = self.workbook.worksheet_from_index(SUMMARY_SHEET)?;
        sheet.set_column_width(0, 16)?;
        sheet.set_column_width(1, 60)?;
        let verdict = if dry_run {
            format!(
                "试导入只检查，未修改会员名册。正式导入时将新增{}行、更新{}行{}",
                counts.inserted,
                counts.updated,
                if counts.failed == 0 {
                    "，没有问题行".to_owned()
                } else {
                    format!(
                        "；有{}行有问题、不会导入，请按“导入结果”表中的原因修改后再导入",
                        counts.failed
                    )
                }
            )
        } else if counts.failed == 0 {
            "全部导入成功".to_owned()
        } else {
            format!(
                "有{}行失败，未导入；其余{}行已导入。请按“导入结果”表中的原因修改失败行后重新导入（重复导入不会产生重复数据）",
                counts.failed,
                counts.inserted + counts.updated
            )
        };
        let mode = if dry_run {
            "试导入（只检查，未修改会员名册）"
        } else {
            "导入"
        };
        let lines: [(&str, String); 8] = [
            ("导入方式", mode.to_owned()),
            ("文件名", summary.file_name.clone()),
            ("完成时间", summary.finished_at.clone()),
            ("数据行数", counts.total.to_string()),
            ("新增", counts.inserted.to_string()),
            ("更新", counts.updated.to_string()),
            ("失败", counts.failed.to_string()),
            ("结论", verdict),
        ];
        for (i, (k, v)) in lines.iter().enumerate() {
            sheet.write_string_with_format(i as u32, 0, *k, &bold)?;
            sheet.write_string(i as u32, 1, v)?;
        }
        // How the file's columns were read.
        let mut row = lines.len() as u32 + 1;
        sheet.write_string_with_format(row, 0, "文件中的列", &bold)?;
        sheet.write_string_with_format(row, 1, "读作", &bold)?;
        for (header, field) in &summary.columns {
            row += 1;
            sheet.write_string(row, 0, header)?;
            match field {
                Some(field) => sheet.write_string(row, 1, *field)?,
                None => sheet.write_string_with_format(row, 1, "未使用（忽略）", &red)?,
            };
        }
        for column in &super::columns::COLUMNS {
            if summary
                .columns
                .iter()
                .any(|(_, f)| *f == Some(column.header))
            {
                continue;
            }
            row += 1;
            let note = match column.header {
                "所在单位" if summary.default_unit => {
                    "文件中没有此列：使用上传时选择的默认单位"
                }
                "所在单位" => "文件中没有此列，上传时也未选择默认单位：各行失败",
                _ => "文件中没有此列：使用默认值",
            };
            sheet.write_string(row, 0, format!("（{}）", column.header))?;
            sheet.write_string(row, 1, note)?;
        }
        self.workbook.save_to_buffer()
    }
}

fn header() -> Format {
    Format::new().set_bold().set_background_color("#D9E1F2")
}
