//! Validated value types for the union member roster.
//!
//! Each type normalises raw input (typically pasted from Excel or typed on a
//! phone), validates it once in `parse`, and afterwards only holds the
//! canonical form, so code that receives one never has to re-check it.

pub mod base32;
mod credit_code;
mod id_number;
mod landline;
mod mask;
mod phone;
pub mod text;
pub mod voucher_code;

pub use credit_code::CreditCode;
pub use id_number::{Gender, IdNumber, IdType};
pub use landline::{ContactPhone, ContactPhoneKind};
pub use mask::{mask_id_number, mask_name, mask_phone};
pub use phone::Phone;

/// Validation failure of a roster value; messages are shown to users as-is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The field (named in Chinese) was empty after trimming.
    #[error("{0}不能为空")]
    Empty(&'static str),
    /// Unknown identity document type label or code.
    #[error("证件类型无效：{0}")]
    InvalidIdType(String),
    /// ID number has the wrong length or characters for its document type.
    #[error("证件号码格式不正确（{0}）")]
    IdNumberFormat(&'static str),
    /// GB 11643 check character does not match.
    #[error("证件号码校验位错误")]
    IdNumberChecksum,
    /// GB 11643 region prefix is not allowed for the document type.
    #[error("证件号码地区码不正确（{0}）")]
    IdNumberRegion(&'static str),
    /// Birth date encoded in a GB 11643 number is impossible.
    #[error("证件号码中的出生日期无效（{0}）")]
    IdNumberBirthDate(&'static str),
    /// Unknown gender label or code.
    #[error("性别无效：{0}（应为“男”或“女”）")]
    InvalidGender(String),
    /// Claimed gender contradicts the one encoded in the ID number.
    #[error("性别与证件号码不符")]
    GenderMismatch,
    /// Not an 11-digit mainland mobile number.
    #[error("手机号码格式不正确（应为11位大陆手机号）")]
    InvalidPhone,
    /// Neither a mobile number nor a landline with area code.
    #[error("联系电话格式不正确（应为手机号或带区号的固定电话，如0633-1234567）")]
    InvalidContactPhone,
    /// Unified social credit code has the wrong length or characters.
    #[error("统一社会信用代码格式不正确（{0}）")]
    CreditCodeFormat(&'static str),
    /// GB 32100 check character does not match.
    #[error("统一社会信用代码校验位错误")]
    CreditCodeChecksum,
}

/// Maps full-width ASCII variants (U+FF01..U+FF5E, e.g. `０`, `Ｘ`, `－`) to ASCII.
pub(crate) fn to_half_width(c: char) -> char {
    match c {
        // The full-width block mirrors ASCII 0x21..0x7E at a fixed offset.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Whether `c` is an invisible formatting character that Excel/web copies leave behind.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Removes all whitespace and invisible characters, maps full-width to ASCII, uppercases.
pub fn normalize(s: &str) -> String {
    if !s.is_ascii() {
        return normalize_any(s);
    }
    // What almost every value is (an import checks hundreds of thousands): ASCII has no
    // full-width or invisible characters and uppercases byte by byte, so this is
    // `normalize_any` without its per-char iteration.
    let mut out = String::with_capacity(s.len());
    out.extend(
        s.bytes()
            .map(char::from)
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase()),
    );
    out
}

/// `normalize` of any text.
fn normalize_any(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .map(to_half_width)
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_handles_full_width_spaces_and_case() {
        assert_eq!(normalize(" １１０ １０５\u{3000}ｘ\u{FEFF} "), "110105X");
        assert_eq!(normalize("ａｂＣ－１"), "ABC-1");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn ascii_values_normalise_as_any_other() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        for s in [
            every_ascii.as_str(),
            " 11010519491231002x\t",
            "a\u{0B}b\u{0C}c\r\nd",
            "",
        ] {
            assert_eq!(normalize(s), normalize_any(s), "{s:?}");
        }
    }

    #[test]
    fn error_messages_name_the_field() {
        assert_eq!(
            ValueError::Empty("手机号码").to_string(),
            "手机号码不能为空"
        );
        assert_eq!(
            ValueError::IdNumberChecksum.to_string(),
            "证件号码校验位错误"
        );
        assert_eq!(
            ValueError::InvalidPhone.to_string(),
            "手机号码格式不正确（应为11位大陆手机号）"
        );
        assert!(
            ValueError::InvalidContactPhone
                .to_string()
                .starts_with("联系电话格式不正确")
        );
    }
}
