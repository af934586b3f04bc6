//! Mainland China mobile numbers.

use std::fmt;
use std::str::FromStr;

use super::{ValueError, normalize};

/// A mainland mobile number, stored as 11 plain digits (`1[3-9]` + 9 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// Normalises (spaces, dashes, `+86`/`86`, Excel `.0`) and validates a mobile number.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let mut v = normalize(s);
        v.retain(|c| c != '-');
        if v.is_empty() {
            return Err(ValueError::Empty("手机号码"));
        }
        // Excel hands numeric cells over as floats, e.g. "13800000000.0".
        if let Some(stripped) = v.strip_suffix(".0") {
            v.truncate(stripped.len());
        }
        let digits = strip_country_code(&v);
        if is_mobile(digits) {
            Ok(Self(digits.to_string()))
        } else {
            Err(ValueError::InvalidPhone)
        }
    }

    /// The 11-digit number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number masked for display, e.g. `138****0000`.
    pub fn masked(&self) -> String {
        super::mask_phone(&self.0)
    }
}

/// Drops a `+86`, `0086` or bare `86` prefix in front of an 11-digit number.
fn strip_country_code(v: &str) -> &str {
    for prefix in ["+86", "0086", "86"] {
        if let Some(rest) = v.strip_prefix(prefix)
            && rest.len() == 11
        {
            return rest;
        }
    }
    v
}

/// Whether `d` is exactly `1[3-9]` followed by 9 ASCII digits.
fn is_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Phone {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        for raw in [
            "13800000000",
            " 138 0000 0000 ",
            "138-0000-0000",
            "+8613800000000",
            "+86 138 0000 0000",
            "+86-138-0000-0000",
            "8613800000000",
            "008613800000000",
            "13800000000.0",
            "１３８００００００００",
        ] {
            assert_eq!(Phone::parse(raw).expect(raw).as_str(), "13800000000");
        }
        for ok in ["13912345678", "15012345678", "19912345678", "16612345678"] {
            assert!(ok.parse::<Phone>().is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "1380000000",     // 10 digits
            "138000000000",   // 12 digits
            "12800000000",    // second digit 2
            "10800000000",    // second digit 0
            "23800000000",    // not starting with 1
            "1380000000a",    // letter
            "0633-1234567",   // landline
            "13800000000.5",  // real float
            "8513800000000",  // wrong country code
            "+8623800000000", // +86 but not a mobile
            "13800000000/13900000000",
        ] {
            assert_eq!(Phone::parse(bad), Err(ValueError::InvalidPhone), "{bad}");
        }
        assert_eq!(Phone::parse("  "), Err(ValueError::Empty("手机号码")));
        assert_eq!(Phone::parse("-"), Err(ValueError::Empty("手机号码")));
    }

    #[test]
    fn display_and_mask() {
        let p = Phone::parse("18112342499").expect("valid");
        assert_eq!(p.to_string(), "18112342499");
        assert_eq!(p.masked(), "181****2499");
    }
}
