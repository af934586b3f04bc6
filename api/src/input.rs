//! The input rules of the HTTP boundary, in one place:
//!
//! - **NUL characters** (U+0000) are refused before any handler runs, wherever they are:
//!   a JSON string or key at any depth, a query parameter, the path. A multipart part's
//!   headers cannot carry one (the parser refuses the form: 400), and `files::store`
//!   drops control characters from file names. Roster workbook cells are refused row by
//!   row by the roster rules (`entity::roster`). The answer is 400 `VALIDATION` naming the field
//!   ("…不能包含空字符"); nothing reaches the database, which could not store it.
//! - **Other control characters** follow the text rule of `entity::value::text`:
//!   single-line fields refuse them all, multi-line fields (remarks, introductions,
//!   conditions, reasons, comments, rich text) keep `\n`, `\r` and `\t`. Services apply
//!   it with `text`, `multiline_text` and `required_text` below.
//! - **Lengths**: every string field of a request declares its maximum in the OpenAPI
//!   document (`#[oai(validator(max_length = N))]`, N never above the column), so an
//!   over-long value is a 400 naming the field before the handler runs; the services
//!   check the same numbers with the field's Chinese name for callers that are not HTTP.
//! - A data error that still reaches the database (PostgreSQL's SQLSTATE class 22) is
//!   answered 400 and logged as a defect (`error::ApiError`), never 500.

use entity::value::text::{self, Lines};
use poem::http::header;
use poem::{Endpoint, IntoResponse, Request, Response};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};

/// A single-line optional text field (see the module doc).
pub fn text(value: Option<String>, field: &str, max: usize) -> ApiResult<Option<String>> {
    checked(value, field, max, Lines::Single)
}

/// A multi-line optional text field: line breaks and tabs are kept.
pub fn multiline_text(value: Option<String>, field: &str, max: usize) -> ApiResult<Option<String>> {
    checked(value, field, max, Lines::Multi)
}

/// A required single-line text field.
pub fn required_text(value: &str, field: &str, max: usize) -> ApiResult<String> {
    text(Some(value.to_owned()), field, max)?
        .ok_or_else(|| ApiError::validation(format!("{field}不能为空")))
}

/// A required multi-line text field.
pub fn required_multiline_text(value: &str, field: &str, max: usize) -> ApiResult<String> {
    multiline_text(Some(value.to_owned()), field, max)?
        .ok_or_else(|| ApiError::validation(format!("{field}不能为空")))
}

fn checked(
    value: Option<String>,
    field: &str,
    max: usize,
    lines: Lines,
) -> ApiResult<Option<String>> {
    match value {
        Some(v) => text::clean(&v, field, max, lines).map_err(ApiError::Validation),
        None => Ok(None),
    }
}

/// Middleware: refuses a NUL character in the path, the query string or a JSON body
/// before routing, with the field it was found in.
pub async fn refuse_nul<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    if let Some(field) = nul_in_uri(req.uri()) {
        return Err(refused(&field).into());
    }
    if is_json(&req) {
        let bytes = req.take_body().into_bytes().await?;
        if let Some(field) = nul_in_json(&bytes) {
            return Err(refused(&field).into());
        }
        req.set_body(bytes);
    }
    next.call(req).await.map(IntoResponse::into_response)
}

fn refused(field: &str) -> ApiError {
    ApiError::ValidationDetails {
        message: format!("{field}不能包含空字符"),
        details: json!([{ "field": field, "message": "不能包含空字符" }]),
    }
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"))
}

/// The query parameter (or the path) whose decoded value holds a NUL.
fn nul_in_uri(uri: &poem::http::Uri) -> Option<String> {
    let path = percent_encoding::percent_decode_str(uri.path());
    if path.into_iter().any(|b| b == 0) {
        return Some("路径参数".into());
    }
    let query = uri.query()?;
    form_urlencoded::parse(query.as_bytes()).find_map(|(key, value)| {
        if key.contains('\0') {
            Some("查询参数名".to_owned())
        } else if value.contains('\0') {
            Some(key.into_owned())
        } else {
            None
        }
    })
}

/// The JSON path (`name`, `prizes[1].name`) of the first string or key holding a NUL.
/// JSON can only carry one as the escape `\u0000`, so bodies without it are not parsed.
fn nul_in_json(bytes: &[u8]) -> Option<String> {
    const ESCAPE: &[u8] = b"\\u0000";
    if !bytes.windows(ESCAPE.len()).any(|w| w == ESCAPE) {
        return None;
    }
    // Unparseable JSON is the payload parser's to refuse.
    let value: Value = serde_json::from_slice(bytes).ok()?;
    find_nul(&value, String::new())
}

fn find_nul(value: &Value, path: String) -> Option<String> {
    let named = |path: String| {
        if path.is_empty() {
            "请求体".to_owned()
        } else {
            path
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(named(path)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let at = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.contains('\0') {
                Some(format!("{}中的字段名", named(path.clone())))
            } else {
                find_nul(item, at)
            }
        }),
        _ => None,
    }
}

/// Checks an `Idempotency-Key` header value: 1–64 visible ASCII characters (claims and
/// redemptions both take one).
pub fn parse_idempotency_key(raw: Option<&str>) -> ApiResult<Option<String>> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some(k) if !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        Some(_) => Err(ApiError::validation(
            "Idempotency-Key 请求头应为1至64个可见ASCII字符",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_short_visible_ascii() {
        assert_eq!(parse_idempotency_key(None).ok(), Some(None));
        assert_eq!(
            parse_idempotency_key(Some(" abc-1 ")).ok(),
            Some(Some("abc-1".into()))
        );
        assert!(parse_idempotency_key(Some("")).is_err());
        assert!(parse_idempotency_key(Some(&"x".repeat(65))).is_err());
        assert!(parse_idempotency_key(Some("键")).is_err());
    }

    #[test]
    fn a_nul_is_found_with_the_path_of_its_field() {
        assert_eq!(nul_in_json(br#"{"name":"a\u0000b"}"#), Some("name".into()));
        assert_eq!(
            nul_in_json(br#"{"prizes":[{"q":1},{"name":"\u0000"}]}"#),
            Some("prizes[1].name".into())
        );
        assert_eq!(nul_in_json(br#""\u0000""#), Some("请求体".into()));
        assert_eq!(
            nul_in_json(br#"{"a\u0000":1}"#),
            Some("请求体中的字段名".into())
        );
    }

    #[test]
    fn an_escaped_backslash_before_u0000_is_not_a_nul() {
        assert_eq!(nul_in_json(br#"{"name":"a\\u0000b"}"#), None);
        assert_eq!(nul_in_json(br#"{"name":"plain"}"#), None);
    }

    #[test]
    fn a_nul_in_the_query_or_path_is_found() {
        let uri: poem::http::Uri = "/api/admin/members?page=1&name=%E5%BC%A0%00"
            .parse()
            .expect("uri");
        assert_eq!(nul_in_uri(&uri), Some("name".into()));
        let uri: poem::http::Uri = "/api/merchant/vouchers/AB%00CD".parse().expect("uri");
        assert_eq!(nul_in_uri(&uri), Some("路径参数".into()));
        let uri: poem::http::Uri = "/api/admin/members?name=%E5%BC%A0".parse().expect("uri");
        assert_eq!(nul_in_uri(&uri), None);
    }
}
