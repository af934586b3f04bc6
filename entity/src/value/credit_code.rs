//! Unified social credit codes (统一社会信用代码, GB 32100-2015).
//!
//! Layout: 1 registration authority char + 1 organisation type char + 6-digit
//! region + 9-char organisation code + 1 check char, all from the 31-char set
//! `0123456789ABCDEFGHJKLMNPQRTUWXY` (I, O, Z, S, V are never used so they
//! cannot be confused with 1, 0, 2, 5, U).

use std::fmt;
use std::str::FromStr;

use super::{ValueError, normalize};

/// Allowed characters; the index of a char is its numeric value.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights 3^i mod 31 for positions 1..=17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A validated 18-character unified social credit code, stored uppercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

impl CreditCode {
    /// Normalises (trim, spaces, full-width, uppercase) and validates a credit code.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let v = normalize(s);
        if v.is_empty() {
            return Err(ValueError::Empty("统一社会信用代码"));
        }
        if v.chars().count() != 18 {
            return Err(ValueError::CreditCodeFormat("应为18位数字或大写字母"));
        }
        if !v.bytes().all(|b| CHARSET.contains(&b)) {
            return Err(ValueError::CreditCodeFormat(
                "含有无效字符，只能使用数字和除I、O、Z、S、V以外的大写字母",
            ));
        }
        let expected = Self::check_char(&v[..17]);
        if expected != v[17..].chars().next() {
            return Err(ValueError::CreditCodeChecksum);
        }
        Ok(Self(v))
    }

    /// Computes the check character for the first 17 chars; `None` if not exactly 17 valid chars.
    pub fn check_char(first17: &str) -> Option<char> {
        if first17.len() != 17 {
            return None;
        }
        let mut sum = 0u32;
        for (b, w) in first17.bytes().zip(WEIGHTS) {
            let value = CHARSET.iter().position(|&c| c == b)?;
            sum += value as u32 * w;
        }
        // 31 - sum % 31 lies in 1..=31; 31 wraps to 0.
        let check = (31 - sum % 31) % 31;
        Some(CHARSET[check as usize] as char)
    }

    /// The 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid code from its first 17 characters.
    fn with_check(first17: &str) -> String {
        let c = CreditCode::check_char(first17).expect("17 valid chars");
        format!("{first17}{c}")
    }

    #[test]
    fn accepts_known_real_code() {
        let code = CreditCode::parse("91350100M000100Y43").expect("real code");
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(CreditCode::check_char("91350100M000100Y4"), Some('3'));
    }

    #[test]
    fn accepts_computed_codes() {
        // Independently computed: 91370000MA3C5X8P3 -> 0, 91110000100000000 -> R.
        assert_eq!(with_check("91370000MA3C5X8P3"), "91370000MA3C5X8P30");
        assert_eq!(with_check("91110000100000000"), "91110000100000000R");
        for first17 in [
            "91370000MA3C5X8P3",
            "91110000100000000",
            "12100000400000000",
            "52370100MJD0000XY",
            "Y1440300000000000",
        ] {
            let code = with_check(first17);
            assert!(CreditCode::parse(&code).is_ok(), "{code}");
        }
    }

    #[test]
    fn check_value_31_maps_to_zero() {
        // Sum 0 gives 31 - 0 = 31, which must wrap to '0'.
        assert_eq!(CreditCode::check_char("00000000000000000"), Some('0'));
    }

    #[test]
    fn normalises_case_spaces_and_full_width() {
        for raw in [
            " 91350100m000100y43 ",
            "91350100 M000100Y43",
            "９１３５０１００Ｍ０００１００Ｙ４３",
        ] {
            assert_eq!(
                raw.parse::<CreditCode>().expect(raw).to_string(),
                "91350100M000100Y43"
            );
        }
    }

    #[test]
    fn rejects_invalid() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(ValueError::CreditCodeChecksum)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(ValueError::CreditCodeFormat("应为18位数字或大写字母"))
        );
        assert!(matches!(
            CreditCode::parse("91350100M000100Y433"),
            Err(ValueError::CreditCodeFormat(_))
        ));
        for bad_char in [
            "91350100O000100Y43",
            "91350100I000100Y43",
            "9135010-M000100Y43",
        ] {
            assert!(
                matches!(
                    CreditCode::parse(bad_char),
                    Err(ValueError::CreditCodeFormat(_))
                ),
                "{bad_char}"
            );
        }
        assert!(matches!(
            CreditCode::parse("91350100M000100中4"),
            Err(ValueError::CreditCodeFormat(_))
        ));
        assert_eq!(
            CreditCode::parse(""),
            Err(ValueError::Empty("统一社会信用代码"))
        );
        assert_eq!(CreditCode::check_char("short"), None);
        assert_eq!(CreditCode::check_char("9135010OM000100Y4"), None);
    }
}
