//! The columns of 工会会员信息采集表, in template order, with the rule each states, the
//! other names people give them and whether a file may leave them out. The template,
//! the reader, the instructions sheet and the README's list all come from this one list.

/// One column of the template.
pub struct Column {
    pub header: &'static str,
    /// What the 填表说明 sheet says about it.
    pub rule: &'static str,
    /// Other headers people give this column (HR exports, old rosters), read as it.
    pub synonyms: &'static [&'static str],
    /// Whether a file without this column is refused (else its default applies).
    pub required: bool,
}

pub const NAME: usize = 0;
pub const PHONE: usize = 1;
pub const ID_TYPE: usize = 2;
pub const ID_NUMBER: usize = 3;
pub const GENDER: usize = 4;
pub const MIGRANT: usize = 5;
pub const POSITION: usize = 6;
pub const JOINED_ON: usize = 7;
pub const UNIT: usize = 8;
pub const STATUS: usize = 9;
pub const REMARK: usize = 10;

pub const COLUMNS: [Column; 11] = [
    Column {
        header: "姓名",
        rule: "必填，不超过50个字",
        synonyms: &["名字", "会员姓名", "职工姓名", "员工姓名"],
        required: true,
    },
    Column {
        header: "手机号码",
        rule: "选填（建议填写），11位大陆手机号码",
        synonyms: &[
            "手机",
            "手机号",
            "联系电话",
            "移动电话",
            "联系方式",
            "电话号码",
        ],
        required: false,
    },
    Column {
        header: "证件类型",
        rule: "下拉选择：居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、港澳台居民居住证；不填视为居民身份证",
        synonyms: &["证件种类"],
        required: false,
    },
    Column {
        header: "证件号码",
        rule: "必填；居民身份证为18位（末位可为X），校验码和出生日期须正确；同一文件内不能重复",
        synonyms: &[
            "身份证号",
            "身份证号码",
            "证件号",
            "公民身份号码",
            "身份证",
            "身份证件号码",
        ],
        required: true,
    },
    Column {
        header: "性别",
        rule: "下拉选择：男、女；居民身份证可不填（由证件号码推算），填写时须与证件号码一致",
        synonyms: &[],
        required: false,
    },
    Column {
        header: "是否农民工",
        rule: "下拉选择：是、否；不填视为否",
        synonyms: &["农民工"],
        required: false,
    },
    Column {
        header: "职务",
        rule: "选填，不超过50个字",
        synonyms: &["职位", "岗位"],
        required: false,
    },
    Column {
        header: "入会日期",
        rule: "选填，日期格式如2020-05-01，不能晚于今天",
        synonyms: &["入会时间"],
        required: false,
    },
    Column {
        header: "所在单位",
        rule: "选填，下拉选择本工会已登记的单位；新单位请先在“单位管理”中添加",
        synonyms: &["单位", "工作单位", "单位名称"],
        required: false,
    },
    Column {
        header: "会籍状态",
        rule: "下拉选择：入会、转出、退休、离岗、其他；不填视为入会",
        synonyms: &[],
        required: false,
    },
    Column {
        header: "备注",
        rule: "选填，不超过500个字",
        synonyms: &[],
        required: false,
    },
];

/// Values offered by the drop-downs.
pub const YES_NO: [&str; 2] = ["是", "否"];
pub const GENDERS: [&str; 2] = ["男", "女"];

/// A header cell as compared with the names above: spaces anywhere, full-width forms
/// (`（`, `＊`, `Ａ`, the ideographic space) and a trailing required-mark (`*`, `（必填）`,
/// `(必填)`) do not count.
pub fn normalize_header(cell: &str) -> String {
    let mut s: String = cell
        .chars()
        .filter_map(|c| match c {
            '\u{3000}' => None,
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
            c if c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}') => None,
            c => Some(c),
        })
        .collect();
    loop {
        let before = s.len();
        for mark in ["*", "(必填)", "(必须)"] {
            if let Some(stripped) = s.strip_suffix(mark) {
                s = stripped.to_owned();
            }
        }
        if let Some(stripped) = s.strip_prefix('*') {
            s = stripped.to_owned();
        }
        if s.len() == before {
            return s;
        }
    }
}

/// The template column a (normalised) header names, by its name or a synonym.
pub fn field_of(header: &str) -> Option<usize> {
    COLUMNS
        .iter()
        .position(|c| c.header == header || c.synonyms.contains(&header))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_after_spaces_widths_and_marks() {
        for cell in [
            "证件号码",
            " 证件号码* ",
            "证件号码（必填）",
            "证件号码(必填)",
            "*身份证号",
            "身份证号＊",
            "公民身份号码",
        ] {
            assert_eq!(field_of(&normalize_header(cell)), Some(ID_NUMBER), "{cell}");
        }
        assert_eq!(field_of(&normalize_header("手　机")), Some(PHONE));
        assert_eq!(field_of(&normalize_header("工作单位")), Some(UNIT));
        assert_eq!(field_of(&normalize_header("籍贯")), None);
        // Every name is one field's only.
        let mut seen = std::collections::HashSet::new();
        for c in &COLUMNS {
            for name in std::iter::once(&c.header).chain(c.synonyms) {
                assert!(seen.insert(*name), "{name} twice");
            }
        }
    }
}
