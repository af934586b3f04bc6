//! Contact numbers of units and merchants (联系电话): mobile, landline or 400/800.
//!
//! Landline layout: area code `0` + 2-3 digits, then a 7-8 digit local number
//! (never starting with 0, the trunk prefix), optionally an extension.
//! Accepted spellings include `0633-1234567`, `0633 12345678`,
//! `(0633)1234567`, `010-12345678`, `06331234567`, `010-6552-9988`, with an
//! extension as `-123`, `转123`, `分机123` or `ext 123`.
//!
//! The area code length is fixed by its prefix (`010` and `02x` are 3 digits,
//! all others 4), which lets an unseparated number be split unambiguously.

use std::fmt;
use std::str::FromStr;

use super::{Phone, ValueError, is_invisible, to_half_width};

/// Which kind of number a [`ContactPhone`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactPhoneKind {
    /// Mainland mobile, stored as 11 digits.
    Mobile,
    /// Landline, stored as `AREA-LOCAL` or `AREA-LOCAL-EXT`.
    Landline,
    /// Nationwide 400/800 service number, stored as `400-XXX-XXXX`.
    ServiceNumber,
}

/// A validated contact number in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContactPhone {
    kind: ContactPhoneKind,
    value: String,
}

impl ContactPhone {
    /// Parses a mobile number, a landline with area code, or a 400/800 number.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let cleaned: String = s
            .chars()
            .filter(|c| !is_invisible(*c))
            .map(to_half_width)
            .collect::<String>()
            .trim()
            .to_uppercase();
        if cleaned.is_empty() {
            return Err(ValueError::Empty("联系电话"));
        }
        if let Ok(mobile) = Phone::parse(&cleaned) {
            return Ok(Self {
                kind: ContactPhoneKind::Mobile,
                value: mobile.as_str().to_string(),
            });
        }
        if let Some(value) = parse_service_number(&cleaned) {
            return Ok(Self {
                kind: ContactPhoneKind::ServiceNumber,
                value,
            });
        }
        parse_landline(&cleaned)
            .map(|value| Self {
                kind: ContactPhoneKind::Landline,
                value,
            })
            .ok_or(ValueError::InvalidContactPhone)
    }

    /// Which kind of number this is.
    pub fn kind(&self) -> ContactPhoneKind {
        self.kind
    }

    /// Whether this is a mobile number (e.g. usable for SMS).
    pub fn is_mobile(&self) -> bool {
        self.kind == ContactPhoneKind::Mobile
    }

    /// Canonical form: `13800000000`, `0633-1234567[-123]` or `400-123-4567`.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// Splits `s` into groups of digits separated by spaces, dashes or parentheses.
fn digit_groups(s: &str) -> Option<Vec<&str>> {
    let is_sep =
        |c: char| c.is_whitespace() || matches!(c, '-' | '(' | ')' | '—' | '–' | '（' | '）');
    let groups: Vec<&str> = s.split(is_sep).filter(|g| !g.is_empty()).collect();
    groups
        .iter()
        .all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        .then_some(groups)
}

/// Splits off an extension written as `转123`, `分机123` or `EXT123`.
fn split_extension(s: &str) -> (&str, Option<&str>) {
    for marker in ["分机", "转", "EXT"] {
        if let Some((main, ext)) = s.split_once(marker) {
            let ext = ext.trim_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ':' | '-'));
            return (main, Some(ext));
        }
    }
    (s, None)
}

/// Area code length implied by its prefix: 3 for `010`/`02x`, otherwise 4.
fn area_code_len(digits: &str) -> usize {
    if digits.starts_with("010") || digits.starts_with("02") {
        3
    } else {
        4
    }
}

/// Parses a landline into `AREA-LOCAL[-EXT]`.
fn parse_landline(s: &str) -> Option<String> {
    let (main, marked_ext) = split_extension(s);
    let groups = digit_groups(main)?;
    let (first, tail) = groups.split_first()?;
    // Either the area code stands alone or it is glued to the local number.
    let (area, mut rest): (&str, Vec<&str>) = if first.len() <= 4 {
        (first, tail.to_vec())
    } else {
        let (area, local) = first.split_at_checked(area_code_len(first))?;
        (area, [&[local][..], tail].concat())
    };
    // A local number written as 4-4 (e.g. `010-6552-9988`) is rejoined; a
    // group that is already a full local number means the next one is an extension.
    let local = match rest.as_slice() {
        [l, ..] if matches!(l.len(), 7 | 8) => rest.remove(0).to_string(),
        [a, b, ..] => {
            let joined = format!("{a}{b}");
            rest.drain(..2);
            joined
        }
        _ => return None,
    };
    let ext = match (rest.as_slice(), marked_ext) {
        ([], ext) => ext,
        ([ext], None) => Some(*ext),
        _ => return None,
    };
    let area_ok = area.starts_with('0') && area.len() == area_code_len(area);
    let local_ok = matches!(local.len(), 7 | 8) && !local.starts_with('0');
    let ext_ok =
        ext.is_none_or(|e| (1..=6).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_digit()));
    if !(area_ok && local_ok && ext_ok) {
        return None;
    }
    Some(match ext {
        Some(ext) => format!("{area}-{local}-{ext}"),
        None => format!("{area}-{local}"),
    })
}

/// Parses a 10-digit 400/800 number into `400-XXX-XXXX`.
fn parse_service_number(s: &str) -> Option<String> {
    let digits: String = digit_groups(s)?.concat();
    let ok = digits.len() == 10 && (digits.starts_with("400") || digits.starts_with("800"));
    ok.then(|| format!("{}-{}-{}", &digits[..3], &digits[3..6], &digits[6..]))
}

impl fmt::Display for ContactPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl FromStr for ContactPhone {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for ContactPhone {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(s: &str) -> String {
        ContactPhone::parse(s).expect(s).to_string()
    }

    #[test]
    fn accepts_mobiles() {
        let p = ContactPhone::parse("+86 138-0000-0000").expect("mobile");
        assert_eq!(p.as_str(), "13800000000");
        assert_eq!(p.kind(), ContactPhoneKind::Mobile);
        assert!(p.is_mobile());
        assert_eq!(canonical("13800000000.0"), "13800000000");
    }

    #[test]
    fn accepts_landlines() {
        let cases = [
            ("0633-1234567", "0633-1234567"),
            ("0633 12345678", "0633-12345678"),
            ("(0633)1234567", "0633-1234567"),
            ("（0633）1234567", "0633-1234567"),
            ("０６３３－１２３４５６７", "0633-1234567"),
            ("010-12345678", "010-12345678"),
            ("01012345678", "010-12345678"),
            ("02112345678", "021-12345678"),
            ("06331234567", "0633-1234567"),
            ("0633-1234567-123", "0633-1234567-123"),
            ("010-12345678-8001", "010-12345678-8001"),
            ("0633-1234567转123", "0633-1234567-123"),
            ("0633-1234567 分机 123", "0633-1234567-123"),
            ("0633-1234567 ext. 123", "0633-1234567-123"),
            ("06331234567-123", "0633-1234567-123"),
            (" (010) 6552-9988 ", "010-65529988"),
            ("010-6552-9988-12", "010-65529988-12"),
            ("0633-123-4567", "0633-1234567"),
        ];
        for (raw, expected) in cases {
            let p = ContactPhone::parse(raw).expect(raw);
            assert_eq!(p.as_str(), expected, "{raw}");
            assert_eq!(p.kind(), ContactPhoneKind::Landline);
            assert!(!p.is_mobile());
        }
    }

    #[test]
    fn accepts_service_numbers() {
        for raw in ["400-123-4567", "4001234567", "800 123 4567"] {
            let p = ContactPhone::parse(raw).expect(raw);
            assert_eq!(p.kind(), ContactPhoneKind::ServiceNumber);
        }
        assert_eq!(canonical("4001234567"), "400-123-4567");
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "1234567",              // no area code
            "633-1234567",          // area code without 0
            "0633-123456",          // local too short
            "0633-123456789",       // local too long
            "0633-0234567",         // local starting with 0
            "0633-1234567-1234567", // extension too long
            "0633-1234567转",       // empty extension
            "0633-1234567转12a",    // non-digit extension
            "0633-1234567/13800000000",
            "0101-2345678", // 010 is a 3-digit area code
            "021-1234567-1-2",
            "abc",
            "12800000000",
            "5001234567",
        ] {
            assert_eq!(
                ContactPhone::parse(bad),
                Err(ValueError::InvalidContactPhone),
                "{bad}"
            );
        }
        assert_eq!(ContactPhone::parse(" "), Err(ValueError::Empty("联系电话")));
    }

    #[test]
    fn from_str_matches_parse() {
        let p: ContactPhone = "0633-1234567".parse().expect("valid");
        assert_eq!(p.as_ref(), "0633-1234567");
    }
}
