//! The rules a roster member must satisfy, shared by manual entry and the Excel import:
//! every problem of a record is reported, not only the first.

use chrono::NaiveDate;

use crate::value::text::{self, Lines};
use crate::value::{Gender, IdNumber, IdType, Phone, ValueError};

/// The answer when a person entered or imported is an active member of another union.
/// It names no union (which union holds whom is not another union's business): the
/// admin asks for the person with a transfer request (转会申请), which the holding
/// union approves or rejects.
pub const ACTIVE_ELSEWHERE: &str = "该会员已在其他工会（会籍有效），请通过转会办理";

/// A member as typed by an admin or read from a spreadsheet row.
#[derive(Clone, Debug, Default)]
pub struct MemberDraft {
    pub name: String,
    pub phone: String,
    /// 证件类型 label or code; blank means 居民身份证.
    pub id_type: String,
    pub id_number: String,
    /// 性别 label or code; blank means "derive from the ID number".
    pub gender: String,
    pub migrant_worker: bool,
    pub position: Option<String>,
    pub joined_on: Option<NaiveDate>,
    pub remark: Option<String>,
}

/// A member that passed every rule.
#[derive(Clone, Debug)]
pub struct ValidMember {
    pub name: String,
    /// Always present from manual entry; an import may leave it out (certification
    /// asks for name and ID number only).
    pub phone: Option<Phone>,
    pub id: IdNumber,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub migrant_worker: bool,
    pub position: Option<String>,
    pub joined_on: Option<NaiveDate>,
    pub remark: Option<String>,
}

/// One violated rule; `message` is Chinese and names the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }

    fn from_value(field: &'static str, err: ValueError) -> Self {
        Self::new(field, err.to_string())
    }
}

/// Joins messages for a single-line answer: "姓名不能为空；手机号码格式不正确".
pub fn join_messages(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

/// An optional text field under the one text rule (`value::text`); a problem is
/// collected in `errors`.
pub fn optional_text(
    value: Option<String>,
    field: &'static str,
    max: usize,
    lines: Lines,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    text::clean(&value?, field, max, lines)
        .map_err(|message| errors.push(FieldError::new(field, message)))
        .ok()
        .flatten()
}

/// A coded field (phone, document type and number, gender) with a NUL character is
/// refused as such, not as a badly formatted value.
fn without_nul<'a>(
    field: &'static str,
    raw: &'a str,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    if raw.contains('\0') {
        errors.push(FieldError::new(field, format!("{field}不能包含空字符")));
        return None;
    }
    Some(raw)
}

impl MemberDraft {
    /// Checks every field against `today` (Beijing date) and returns all problems.
    pub fn validate(self, today: NaiveDate) -> Result<ValidMember, Vec<FieldError>> {
        self.validate_with(today, true)
    }

    /// `validate`, with a blank phone allowed when `phone_required` is false (the
    /// import: a roster a union already has may lack phones).
    pub fn validate_with(
        self,
        today: NaiveDate,
        phone_required: bool,
    ) -> Result<ValidMember, Vec<FieldError>> {
        let mut errors = Vec::new();
        // Runs of white space inside a name (a line break pasted from Excel) become one space.
        let name: String = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        let name = match text::clean(&name, "姓名", 50, Lines::Single) {
            Ok(Some(name)) => name,
            Ok(None) => {
                errors.push(FieldError::new("姓名", "姓名不能为空"));
                String::new()
            }
            Err(message) => {
                errors.push(FieldError::new("姓名", message));
                String::new()
            }
        };
        let phone = without_nul("手机号码", &self.phone, &mut errors).and_then(|raw| {
            if !phone_required && raw.trim().is_empty() {
                return Some(None);
            }
            Phone::parse(raw)
                .map(Some)
                .map_err(|e| errors.push(FieldError::from_value("手机号码", e)))
                .ok()
        });
        let id_type = without_nul("证件类型", &self.id_type, &mut errors).and_then(|raw| {
            if raw.trim().is_empty() {
                Some(IdType::ResidentId)
            } else {
                IdType::parse(raw)
                    .map_err(|e| errors.push(FieldError::from_value("证件类型", e)))
                    .ok()
            }
        });
        let id = id_type.and_then(|kind| {
            let raw = without_nul("证件号码", &self.id_number, &mut errors)?;
            IdNumber::parse_as_of(kind, raw, today)
                .map_err(|e| errors.push(FieldError::from_value("证件号码", e)))
                .ok()
        });
        let claimed_gender = match without_nul("性别", &self.gender, &mut errors) {
            Some(raw) if !raw.trim().is_empty() => match Gender::parse(raw) {
                Ok(g) => Some(g),
                Err(e) => {
                    errors.push(FieldError::from_value("性别", e));
                    None
                }
            },
            _ => None,
        };
        let gender = match &id {
            Some(id) => id
                .resolve_gender(claimed_gender)
                .map_err(|e| errors.push(FieldError::from_value("性别", e)))
                .ok()
                .flatten(),
            None => claimed_gender,
        };
        if let Some(joined) = self.joined_on
            && joined > today
        {
            errors.push(FieldError::new("入会日期", "入会日期不能晚于今天"));
        }
        let position = optional_text(self.position, "职务", 50, Lines::Single, &mut errors);
        let remark = optional_text(self.remark, "备注", 500, Lines::Multi, &mut errors);
        match (phone, id, errors.is_empty()) {
            (Some(phone), Some(id), true) => Ok(ValidMember {
                name,
                phone,
                birth_date: id.birth_date(),
                id,
                gender,
                migrant_worker: self.migrant_worker,
                position,
                joined_on: self.joined_on,
                remark,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")
    }

    fn draft() -> MemberDraft {
        MemberDraft {
            name: "张三".into(),
            phone: "13800000000".into(),
            id_type: "居民身份证".into(),
            id_number: "11010519491231002X".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_member_gets_gender_and_birth_date_from_the_id_number() {
        let m = draft().validate(today()).expect("valid");
        assert_eq!(m.gender, Some(Gender::Female));
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(m.id.as_str(), "11010519491231002X");
    }

    #[test]
    fn every_problem_of_a_record_is_reported() {
        let bad = MemberDraft {
            name: " ".into(),
            phone: "12345".into(),
            id_number: "110105194912310021".into(),
            joined_on: NaiveDate::from_ymd_opt(2030, 1, 1),
            ..Default::default()
        };
        let errors = bad.validate(today()).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["姓名", "手机号码", "证件号码", "入会日期"]);
        assert!(join_messages(&errors).contains("校验位"));
    }

    #[test]
    fn nul_and_control_characters_are_refused_field_by_field() {
        let mut d = draft();
        d.name = "张\0三".into();
        d.id_number = "11010519491231002X\0".into();
        d.remark = Some("第一行\n第二行".into());
        d.position = Some("科员\n组长".into());
        let errors = d.validate(today()).expect_err("refused");
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "姓名不能包含空字符",
                "证件号码不能包含空字符",
                "职务不能包含换行符或制表符"
            ]
        );
    }

    #[test]
    fn a_gender_contradicting_the_id_number_is_an_error() {
        let mut d = draft();
        d.gender = "男".into();
        let errors = d.validate(today()).expect_err("mismatch");
        assert_eq!(errors[0].field, "性别");
        assert_eq!(errors[0].message, "性别与证件号码不符");
    }

    #[test]
    fn other_document_types_keep_the_claimed_gender() {
        let mut d = draft();
        d.id_type = "护照".into();
        d.id_number = "E12345678".into();
        d.gender = "男".into();
        let m = d.validate(today()).expect("valid");
        assert_eq!(m.gender, Some(Gender::Male));
        assert_eq!(m.birth_date, None);
    }
}
