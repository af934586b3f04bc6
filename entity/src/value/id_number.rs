//! Identity document types, ID numbers and gender.
//!
//! Accepted number formats, after normalisation (trim, drop inner spaces,
//! full-width to ASCII, uppercase):
//!
//! | type | format |
//! | --- | --- |
//! | 居民身份证 (GB 11643-1999) | 6-digit region (first digit 1-9) + YYYYMMDD + 3-digit sequence + check (digit or `X`) |
//! | 港澳台居民居住证 | same layout and checksum, region `810000` (HK), `820000` (Macao) or `830000` (Taiwan) |
//! | 护照 | 5-17 letters/digits with at least one digit (Chinese: `E`/`G` + 8 digits; foreign ones vary) |
//! | 港澳居民来往内地通行证 | `H` (HK) or `M` (Macao) + 8 digits (card since 2013) or 10 digits (older booklet) |
//! | 台湾居民来往大陆通行证 | 8 digits, 10 digits, or 1 letter + 9 digits |

use std::fmt;
use std::str::FromStr;

use chrono::{Duration, NaiveDate, Utc};

use super::{ValueError, normalize};

/// Kind of identity document a member registers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdType {
    /// 居民身份证 — mainland resident identity card.
    ResidentId,
    /// 护照 — passport of any country.
    Passport,
    /// 港澳居民来往内地通行证 — "home return permit" for HK/Macao residents.
    HkMacaoPermit,
    /// 台湾居民来往大陆通行证 — mainland travel permit for Taiwan residents.
    TaiwanPermit,
    /// 港澳台居民居住证 — residence permit for HK/Macao/Taiwan residents.
    HkMacaoTaiwanResidence,
}

impl IdType {
    /// Every document type, in the order offered to users.
    pub const ALL: &'static [IdType] = &[
        IdType::ResidentId,
        IdType::Passport,
        IdType::HkMacaoPermit,
        IdType::TaiwanPermit,
        IdType::HkMacaoTaiwanResidence,
    ];

    /// Parses a Chinese label (or common short name) or a snake-case code.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(ValueError::Empty("证件类型"));
        }
        if let Some(kind) = Self::ALL
            .iter()
            .copied()
            .find(|k| k.label() == t || k.as_code().eq_ignore_ascii_case(t))
        {
            return Ok(kind);
        }
        // Short names people actually type in spreadsheets.
        match t {
            "身份证" => Ok(IdType::ResidentId),
            "回乡证" => Ok(IdType::HkMacaoPermit),
            "台胞证" => Ok(IdType::TaiwanPermit),
            _ => Err(ValueError::InvalidIdType(t.to_string())),
        }
    }

    /// Official Chinese name of the document.
    pub const fn label(self) -> &'static str {
        match self {
            IdType::ResidentId => "居民身份证",
            IdType::Passport => "护照",
            IdType::HkMacaoPermit => "港澳居民来往内地通行证",
            IdType::TaiwanPermit => "台湾居民来往大陆通行证",
            IdType::HkMacaoTaiwanResidence => "港澳台居民居住证",
        }
    }

    /// Stable snake-case code for storage and APIs.
    pub const fn as_code(self) -> &'static str {
        match self {
            IdType::ResidentId => "resident_id",
            IdType::Passport => "passport",
            IdType::HkMacaoPermit => "hk_macao_permit",
            IdType::TaiwanPermit => "taiwan_permit",
            IdType::HkMacaoTaiwanResidence => "residence_permit",
        }
    }

    /// Whether numbers of this type use the GB 11643 layout (birth date, gender, checksum).
    pub const fn is_gb11643(self) -> bool {
        matches!(self, IdType::ResidentId | IdType::HkMacaoTaiwanResidence)
    }
}

impl fmt::Display for IdType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for IdType {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Gender as recorded on the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// 男
    Male,
    /// 女
    Female,
}

impl Gender {
    /// Parses `男`/`女` (also `男性`/`女性`) or the codes `male`/`female`.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(ValueError::Empty("性别"));
        }
        match t {
            "男" | "男性" => Ok(Gender::Male),
            "女" | "女性" => Ok(Gender::Female),
            _ if t.eq_ignore_ascii_case("male") => Ok(Gender::Male),
            _ if t.eq_ignore_ascii_case("female") => Ok(Gender::Female),
            _ => Err(ValueError::InvalidGender(t.to_string())),
        }
    }

    /// Chinese label: `男` or `女`.
    pub const fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }

    /// Stable code for storage and APIs: `male` or `female`.
    pub const fn as_code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Gender {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A validated identity document number together with its document type.
///
/// There is no `FromStr`: the format depends on the document type, so use
/// [`IdNumber::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    kind: IdType,
    value: String,
}

/// GB 11643 weights: 2^(17-i) mod 11 for positions 1..=17.
const GB11643_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// ISO 7064 MOD 11-2 check character indexed by weighted sum mod 11.
const GB11643_CHECK: &[u8; 11] = b"10X98765432";
/// Earliest birth date accepted; the standard's own example is born in 1880.
const MIN_BIRTH_YEAR: i32 = 1800;

impl IdNumber {
    /// Normalises and validates `s` as a number of document type `kind`.
    pub fn parse(kind: IdType, s: &str) -> Result<Self, ValueError> {
        Self::parse_as_of(kind, s, china_today())
    }

    /// Like [`IdNumber::parse`] but with an explicit "today" for the birth-date check.
    pub fn parse_as_of(kind: IdType, s: &str, today: NaiveDate) -> Result<Self, ValueError> {
        let value = normalize(s);
        if value.is_empty() {
            return Err(ValueError::Empty("证件号码"));
        }
        match kind {
            IdType::ResidentId | IdType::HkMacaoTaiwanResidence => {
                validate_gb11643(kind, &value, today)?
            }
            IdType::Passport => {
                let n = value.len();
                let ok = (5..=17).contains(&n)
                    && value.bytes().all(|b| b.is_ascii_alphanumeric())
                    && value.bytes().any(|b| b.is_ascii_digit());
                if !ok {
                    return Err(ValueError::IdNumberFormat(
                        "护照号码应为5至17位字母或数字，且至少含1位数字",
                    ));
                }
            }
            IdType::HkMacaoPermit => {
                let ok = match value.as_bytes() {
                    [b'H' | b'M', rest @ ..] => {
                        matches!(rest.len(), 8 | 10) && rest.iter().all(u8::is_ascii_digit)
                    }
                    _ => false,
                };
                if !ok {
                    return Err(ValueError::IdNumberFormat(
                        "港澳居民来往内地通行证号码应为H或M加8位或10位数字",
                    ));
                }
            }
            IdType::TaiwanPermit => {
                let b = value.as_bytes();
                let ok = match b {
                    [first, rest @ ..] if b.len() == 10 && first.is_ascii_uppercase() => {
                        rest.iter().all(u8::is_ascii_digit)
                    }
                    _ => matches!(b.len(), 8 | 10) && b.iter().all(u8::is_ascii_digit),
                };
                if !ok {
                    return Err(ValueError::IdNumberFormat(
                        "台湾居民来往大陆通行证号码应为8位或10位数字，或1位字母加9位数字",
                    ));
                }
            }
        }
        Ok(Self { kind, value })
    }

    /// Document type of this number.
    pub fn kind(&self) -> IdType {
        self.kind
    }

    /// Canonical (normalised) number.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Birth date encoded in a GB 11643 number; `None` for other document types.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        if self.kind.is_gb11643() {
            gb11643_birth_date(&self.value)
        } else {
            None
        }
    }

    /// Gender encoded in a GB 11643 number (17th digit odd = male); `None` for other types.
    pub fn gender(&self) -> Option<Gender> {
        if !self.kind.is_gb11643() {
            return None;
        }
        let digit = self.value.as_bytes().get(16)?.checked_sub(b'0')?;
        Some(if digit % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        })
    }

    /// Gender to record: encoded one for GB 11643 numbers (error if `claimed` differs), else `claimed`.
    pub fn resolve_gender(&self, claimed: Option<Gender>) -> Result<Option<Gender>, ValueError> {
        match (self.gender(), claimed) {
            (Some(derived), Some(claimed)) if derived != claimed => Err(ValueError::GenderMismatch),
            (Some(derived), _) => Ok(Some(derived)),
            (None, claimed) => Ok(claimed),
        }
    }

    /// Number masked for display, e.g. `110***********002X`.
    pub fn masked(&self) -> String {
        super::mask_id_number(&self.value)
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

/// Today's date in China (UTC+8), independent of the server's time zone.
fn china_today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

/// Computes the GB 11643 check character for the first 17 ASCII digits.
fn gb11643_check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(GB11643_WEIGHTS)
        .map(|(d, w)| u32::from(d.wrapping_sub(b'0')) * w)
        .sum();
    GB11643_CHECK[(sum % 11) as usize]
}

/// Birth date at positions 7-14 (YYYYMMDD), if it is a real calendar date.
fn gb11643_birth_date(value: &str) -> Option<NaiveDate> {
    let year = value.get(6..10)?.parse::<i32>().ok()?;
    let month = value.get(10..12)?.parse::<u32>().ok()?;
    let day = value.get(12..14)?.parse::<u32>().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Validates an 18-character GB 11643 number (resident ID or HK/Macao/Taiwan residence permit).
fn validate_gb11643(kind: IdType, value: &str, today: NaiveDate) -> Result<(), ValueError> {
    let b = value.as_bytes();
    let format_ok = b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X');
    if !format_ok {
        return Err(ValueError::IdNumberFormat(match kind {
            IdType::HkMacaoTaiwanResidence => {
                "港澳台居民居住证号码应为18位：17位数字加1位校验码（数字或X）"
            }
            _ => "居民身份证号码应为18位：17位数字加1位校验码（数字或X）",
        }));
    }
    // Checksum first: a typo is far more likely than a forged region or date.
    if gb11643_check_char(&b[..17]) != b[17] {
        return Err(ValueError::IdNumberChecksum);
    }
    match kind {
        IdType::HkMacaoTaiwanResidence => {
            if !matches!(&value[..6], "810000" | "820000" | "830000") {
                return Err(ValueError::IdNumberRegion(
                    "港澳台居民居住证号码应以810000、820000或830000开头",
                ));
            }
        }
        _ => {
            if b[0] == b'0' {
                return Err(ValueError::IdNumberRegion(
                    "居民身份证号码前6位地区码不能以0开头",
                ));
            }
        }
    }
    let birth =
        gb11643_birth_date(value).ok_or(ValueError::IdNumberBirthDate("第7至14位不是有效日期"))?;
    if birth > today {
        return Err(ValueError::IdNumberBirthDate("出生日期晚于今天"));
    }
    if birth < NaiveDate::from_ymd_opt(MIN_BIRTH_YEAR, 1, 1).unwrap_or(NaiveDate::MIN) {
        return Err(ValueError::IdNumberBirthDate("出生日期早于1800年"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).expect("valid date")
    }

    /// Builds a valid GB 11643 number from its first 17 digits.
    fn with_check(first17: &str) -> String {
        let c = gb11643_check_char(first17.as_bytes()) as char;
        format!("{first17}{c}")
    }

    fn resident(s: &str) -> Result<IdNumber, ValueError> {
        IdNumber::parse_as_of(IdType::ResidentId, s, today())
    }

    #[test]
    fn id_type_labels_codes_round_trip() {
        for &kind in IdType::ALL {
            assert_eq!(IdType::parse(kind.label()), Ok(kind));
            assert_eq!(IdType::parse(kind.as_code()), Ok(kind));
            assert_eq!(kind.to_string().parse::<IdType>(), Ok(kind));
        }
        assert_eq!(IdType::ALL.len(), 5);
        assert_eq!(IdType::HkMacaoTaiwanResidence.as_code(), "residence_permit");
        assert_eq!(IdType::parse(" 身份证 "), Ok(IdType::ResidentId));
        assert_eq!(IdType::parse("台胞证"), Ok(IdType::TaiwanPermit));
        assert_eq!(IdType::parse("PASSPORT"), Ok(IdType::Passport));
    }

    #[test]
    fn id_type_rejects_unknown() {
        assert_eq!(
            IdType::parse("驾驶证"),
            Err(ValueError::InvalidIdType("驾驶证".into()))
        );
        assert_eq!(IdType::parse("  "), Err(ValueError::Empty("证件类型")));
    }

    #[test]
    fn gender_parse_and_codes() {
        assert_eq!(Gender::parse("男"), Ok(Gender::Male));
        assert_eq!(Gender::parse(" 女 "), Ok(Gender::Female));
        assert_eq!("female".parse::<Gender>(), Ok(Gender::Female));
        assert_eq!(Gender::Male.as_code(), "male");
        assert_eq!(Gender::Female.to_string(), "女");
        assert!(matches!(
            Gender::parse("未知"),
            Err(ValueError::InvalidGender(_))
        ));
        assert_eq!(Gender::parse(""), Err(ValueError::Empty("性别")));
    }

    #[test]
    fn accepts_standard_examples() {
        let id = resident("11010519491231002X").expect("GB 11643 example");
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(id.gender(), Some(Gender::Female));
        assert_eq!(id.kind(), IdType::ResidentId);

        let id = resident("440524188001010014").expect("GB 11643 example from 1880");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1880, 1, 1));
        assert_eq!(id.gender(), Some(Gender::Male));
    }

    #[test]
    fn normalises_case_spaces_and_full_width() {
        let expected = "11010519491231002X";
        for raw in [
            "11010519491231002x",
            " 110105 19491231 002X ",
            "１１０１０５１９４９１２３１００２ｘ",
            "１１０１０５１９４９１２３１００２Ｘ",
        ] {
            assert_eq!(resident(raw).expect(raw).to_string(), expected);
        }
    }

    #[test]
    fn parse_uses_real_today() {
        assert!(IdNumber::parse(IdType::ResidentId, "11010519491231002X").is_ok());
    }

    #[test]
    fn rejects_bad_checksum() {
        assert_eq!(
            resident("110105194912310021"),
            Err(ValueError::IdNumberChecksum)
        );
        assert_eq!(
            resident("440524188001010015"),
            Err(ValueError::IdNumberChecksum)
        );
    }

    #[test]
    fn rejects_bad_format() {
        for raw in [
            "11010519491231002",
            "11010519491231002XX",
            "1101051949123100X2",
            "11010519491231002Y",
            "11010519491231００2-",
            "abcdefghijklmnopqr",
        ] {
            assert!(
                matches!(resident(raw), Err(ValueError::IdNumberFormat(_))),
                "{raw}"
            );
        }
        assert_eq!(resident(" "), Err(ValueError::Empty("证件号码")));
    }

    #[test]
    fn rejects_region_starting_with_zero() {
        let id = with_check("01010519900101001");
        assert!(matches!(resident(&id), Err(ValueError::IdNumberRegion(_))));
    }

    #[test]
    fn rejects_impossible_birth_dates() {
        for first17 in [
            "11010519900230001", // Feb 30
            "11010519901301001", // month 13
            "11010520250602001", // after "today"
            "11010517991231001", // before 1800
        ] {
            let id = with_check(first17);
            assert!(
                matches!(resident(&id), Err(ValueError::IdNumberBirthDate(_))),
                "{id}"
            );
        }
        // Leap day and exactly today are fine.
        assert!(resident(&with_check("11010520000229001")).is_ok());
        assert!(resident(&with_check("11010520250601001")).is_ok());
    }

    #[test]
    fn residence_permit_requires_hk_macao_taiwan_prefix() {
        let parse = |s: &str| IdNumber::parse_as_of(IdType::HkMacaoTaiwanResidence, s, today());
        for prefix in ["810000", "820000", "830000"] {
            let id = with_check(&format!("{prefix}19850315002"));
            let parsed = parse(&id).expect("valid residence permit");
            assert_eq!(parsed.gender(), Some(Gender::Female));
            assert_eq!(parsed.birth_date(), NaiveDate::from_ymd_opt(1985, 3, 15));
        }
        assert!(matches!(
            parse("11010519491231002X"),
            Err(ValueError::IdNumberRegion(_))
        ));
        assert!(matches!(
            parse("8100001985031500"),
            Err(ValueError::IdNumberFormat(_))
        ));
    }

    #[test]
    fn passport_formats() {
        let parse = |s: &str| IdNumber::parse(IdType::Passport, s);
        for ok in [
            "E12345678",
            "g12345678",
            "K1234",
            "123456789",
            "AB1234567CD",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(parse("g12345678").expect("valid").as_str(), "G12345678");
        for bad in [
            "E123",
            "ABCDEFGH",
            "E1234-5678",
            "A12345678901234567",
            "护照12345",
        ] {
            assert!(
                matches!(parse(bad), Err(ValueError::IdNumberFormat(_))),
                "{bad}"
            );
        }
        let p = parse("E12345678").expect("valid");
        assert_eq!(p.birth_date(), None);
        assert_eq!(p.gender(), None);
    }

    #[test]
    fn hk_macao_permit_formats() {
        let parse = |s: &str| IdNumber::parse(IdType::HkMacaoPermit, s);
        for ok in [
            "H12345678",
            "M12345678",
            "h1234567890",
            "Ｈ１２３４５６７８",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "H1234567",
            "H123456789",
            "A12345678",
            "12345678",
            "HH2345678",
        ] {
            assert!(
                matches!(parse(bad), Err(ValueError::IdNumberFormat(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn taiwan_permit_formats() {
        let parse = |s: &str| IdNumber::parse(IdType::TaiwanPermit, s);
        for ok in ["12345678", "1234567890", "A123456789", "a123456789"] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1234567",
            "123456789",
            "AB12345678",
            "A12345678",
            "12345678901",
        ] {
            assert!(
                matches!(parse(bad), Err(ValueError::IdNumberFormat(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn resolve_gender_for_resident_ids() {
        let female = resident("11010519491231002X").expect("valid");
        assert_eq!(female.resolve_gender(None), Ok(Some(Gender::Female)));
        assert_eq!(
            female.resolve_gender(Some(Gender::Female)),
            Ok(Some(Gender::Female))
        );
        assert_eq!(
            female.resolve_gender(Some(Gender::Male)),
            Err(ValueError::GenderMismatch)
        );
        assert_eq!(ValueError::GenderMismatch.to_string(), "性别与证件号码不符");
    }

    #[test]
    fn resolve_gender_for_other_types_passes_claim_through() {
        let passport = IdNumber::parse(IdType::Passport, "E12345678").expect("valid");
        assert_eq!(passport.resolve_gender(None), Ok(None));
        assert_eq!(
            passport.resolve_gender(Some(Gender::Male)),
            Ok(Some(Gender::Male))
        );
    }

    #[test]
    fn masked_keeps_length() {
        let id = resident("11010519491231002X").expect("valid");
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(id.as_ref(), "11010519491231002X");
    }
}
