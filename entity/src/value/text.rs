//! The rule for free text, in one place, for every writer (API services, the Excel
//! import, the demo data):
//!
//! - surrounding white space is trimmed, and a blank value counts as absent;
//! - a NUL character (U+0000) is refused everywhere ("不能包含空字符"): PostgreSQL cannot
//!   store it, and no person types it. The HTTP boundary refuses it before any handler
//!   runs (`api::input`); this check keeps the other writers honest;
//! - single-line fields (names, titles, addresses, phones, ...) refuse every other control
//!   character too, line breaks and tabs included: they would break lists and workbooks;
//! - multi-line fields (remarks, introductions, conditions, reasons, review comments, rich
//!   text) keep line breaks and tabs (`\n`, `\r`, `\t`) and refuse the other control
//!   characters;
//! - the length is counted in characters (what PostgreSQL's `varchar(n)` counts), and a
//!   field's maximum is never above its column's.

/// Whether a field may hold line breaks and tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

impl Lines {
    fn admits(self, c: char) -> bool {
        !c.is_control() || (self == Self::Multi && matches!(c, '\n' | '\r' | '\t'))
    }
}

/// Checks one text value of the field `field` (named in Chinese): trimmed, `None` when
/// blank, or the Chinese message of the first rule it breaks.
pub fn clean(value: &str, field: &str, max: usize, lines: Lines) -> Result<Option<String>, String> {
    if value.contains('\0') {
        return Err(format!("{field}不能包含空字符"));
    }
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if let Some(c) = value.chars().find(|c| !lines.admits(*c)) {
        return Err(match (lines, c) {
            (Lines::Single, '\n' | '\r' | '\t') => format!("{field}不能包含换行符或制表符"),
            _ => format!("{field}不能包含控制字符（U+{:04X}）", c as u32),
        });
    }
    if value.chars().count() > max {
        return Err(format!("{field}不能超过{max}个字"));
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_are_absent_and_others_are_trimmed() {
        assert_eq!(clean("  ", "备注", 10, Lines::Multi), Ok(None));
        assert_eq!(
            clean(" 张三 ", "姓名", 10, Lines::Single),
            Ok(Some("张三".into()))
        );
    }

    #[test]
    fn a_nul_character_is_refused_in_every_kind_of_field() {
        for lines in [Lines::Single, Lines::Multi] {
            assert_eq!(
                clean("单位\0名", "单位名称", 100, lines),
                Err("单位名称不能包含空字符".into())
            );
        }
        // Even where trimming would have removed it.
        assert!(clean("名称\0", "单位名称", 100, Lines::Single).is_err());
    }

    #[test]
    fn line_breaks_and_tabs_are_kept_only_in_multi_line_fields() {
        assert_eq!(
            clean("第一行\n第二行\t完", "备注", 100, Lines::Multi),
            Ok(Some("第一行\n第二行\t完".into()))
        );
        assert_eq!(
            clean("第一行\n第二行", "单位名称", 100, Lines::Single),
            Err("单位名称不能包含换行符或制表符".into())
        );
    }

    #[test]
    fn other_control_characters_are_refused_everywhere() {
        for lines in [Lines::Single, Lines::Multi] {
            assert_eq!(
                clean("a\u{7}b", "备注", 100, lines),
                Err("备注不能包含控制字符（U+0007）".into())
            );
            assert!(clean("a\u{85}b", "备注", 100, lines).is_err());
        }
    }

    #[test]
    fn the_length_is_counted_in_characters() {
        assert!(clean(&"工".repeat(5), "职务", 5, Lines::Single).is_ok());
        assert_eq!(
            clean(&"工".repeat(6), "职务", 5, Lines::Single),
            Err("职务不能超过5个字".into())
        );
    }
}
