//! Verification codes of settlement workbooks (防篡改).
//!
//! Every exported 结算报表 and 结算单 carries a verification code: the first 80 bits of
//! an HMAC-SHA256 (key derived from the lookup key: `PiiCipher::subkey`) over the
//! document's identity and figures, written as 16 base32 characters in groups of four
//! (`ABCD-EFGH-JKLM-NPQR`). It is shown in the header block and as a QR code image; the
//! QR holds `<PUBLIC_BASE_URL>/verify/<code>` when a public base URL is configured, else
//! the bare code. The server keeps one `document_verifications` row per code with what
//! the document covers and the SHA-256 of the file handed out, so whoever holds a copy
//! can ask `GET /api/verify/{code}` whether it is the file the system produced.
//!
//! The same document gives the same code and the same bytes (the workbook's creation
//! time is the document's generation time), so exporting a confirmed 结算单 again hands
//! out the very file already recorded.

use chrono::{DateTime, Utc};
use entity::document_verification;
use entity::enums::DocumentKind;
use hmac::{Hmac, Mac};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Image, Worksheet, XlsxError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use sha2::{Digest, Sha256};

use super::sheet::beijing_time;

/// The purpose the signing key is derived for.
pub const KEY_PURPOSE: &str = "document-verification:v1";
/// The header line holding the code.
pub const CODE_LABEL: &str = "验证码";
/// The header line telling how to check.
pub const HOW_LABEL: &str = "核验方式";

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// What one document covers, as the verification answer tells it.
#[derive(Clone, Debug)]
pub struct Document {
    pub kind: DocumentKind,
    /// Names this document among every other (`report:<task>`, `statement:<id>:...`).
    pub identity: String,
    pub org_id: i64,
    pub org_name: String,
    pub activity_id: Option<i64>,
    pub merchant_id: Option<i64>,
    /// The activity's title or the merchant's name.
    pub subject_name: String,
    pub period: String,
    pub voucher_count: i64,
    pub total_face_value_fen: i64,
    pub generated_at: DateTime<Utc>,
}

impl Document {
    /// The verification code (16 base32 characters, without separators).
    pub fn code(&self, key: &[u8; 32]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
        // Fields separated by a byte no text field holds, so no two documents read alike.
        for field in [
            self.kind.label().to_owned(),
            self.identity.clone(),
            self.org_id.to_string(),
            self.org_name.clone(),
            format!("{:?}", self.activity_id),
            format!("{:?}", self.merchant_id),
            self.subject_name.clone(),
            self.period.clone(),
            self.voucher_count.to_string(),
            self.total_face_value_fen.to_string(),
            self.generated_at.timestamp().to_string(),
        ] {
            mac.update(field.as_bytes());
            mac.update(&[0]);
        }
        base32(&mac.finalize().into_bytes()[..10])
    }

    /// Workbook properties making the file depend on the document only.
    pub fn properties(&self) -> Result<DocProperties, XlsxError> {
        let created = ExcelDateTime::from_timestamp(self.generated_at.timestamp())?;
        Ok(DocProperties::new()
            .set_title(self.kind.label())
            .set_creation_datetime(&created))
    }
}

/// RFC 4648 base32, without padding.
fn base32(bytes: &[u8]) -> String {
    entity::value::base32::encode(bytes, ALPHABET)
}

/// `ABCD-EFGH-JKLM-NPQR`: the code as printed.
pub fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A typed or scanned code as stored: separators and spaces dropped, upper case, the
/// look-alikes 0, 1 and 8 read as O, I and B; `None` unless 16 base32 characters.
pub fn normalize(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .map(|c| match c.to_ascii_uppercase() {
            '0' => 'O',
            '1' => 'I',
            '8' => 'B',
            c => c,
        })
        .collect();
    (code.len() == 16 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What the QR code holds: the public verification page when the server knows its
/// public address, else the bare code.
pub fn qr_target(public_base_url: Option<&str>, code: &str) -> String {
    match public_base_url.map(|u| u.trim_end_matches('/')) {
        Some(base) if !base.is_empty() => format!("{base}/verify/{code}"),
        _ => code.to_owned(),
    }
}

/// The two header lines: the code, and how to check it.
pub fn header_lines(public_base_url: Option<&str>, code: &str) -> [(&'static str, String); 2] {
    let how = match public_base_url.map(|u| u.trim_end_matches('/')) {
        Some(base) if !base.is_empty() => {
            format!("扫描二维码或访问 {base}/verify/{code}，核对本文件的SHA-256是否一致")
        }
        _ => format!("凭验证码查询 /api/verify/{code}，核对本文件的SHA-256是否一致"),
    };
    [(CODE_LABEL, grouped(code)), (HOW_LABEL, how)]
}

/// Puts the verification QR code on a sheet, its top left corner at `row`, `col`
/// (beside the header block), about 120 pixels wide.
pub fn insert_qr(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    public_base_url: Option<&str>,
    code: &str,
) -> Result<(), XlsxError> {
    let png = crate::qr::png(&qr_target(public_base_url, code), 120)
        .map_err(|e| XlsxError::ParameterError(e.to_string()))?;
    let image =
        Image::new_from_buffer(&png)?.set_alt_text(format!("{CODE_LABEL} {}", grouped(code)));
    let (w, h) = (image.width(), image.height());
    let scale = if w > 0.0 { 120.0 / w } else { 1.0 };
    let image =
        image
            .set_scale_width(scale)
            .set_scale_height(if h > 0.0 { 120.0 / h } else { 1.0 });
    sheet.insert_image(row, col, &image)?;
    Ok(())
}

/// Records the document under its code with the SHA-256 of the final bytes. A code
/// already recorded (the same confirmed 结算单 exported again) keeps its first row.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    doc: &Document,
    code: &str,
    bytes: &[u8],
) -> Result<(), DbErr> {
    let row = document_verification::ActiveModel {
        code: Set(code.to_owned()),
        org_id: Set(doc.org_id),
        org_name: Set(doc.org_name.clone()),
        kind: Set(doc.kind),
        activity_id: Set(doc.activity_id),
        merchant_id: Set(doc.merchant_id),
        subject_name: Set(doc.subject_name.clone()),
        period: Set(doc.period.clone()),
        voucher_count: Set(doc.voucher_count),
        total_face_value_fen: Set(doc.total_face_value_fen),
        generated_at: Set(doc.generated_at),
        sha256: Set(hex::encode(Sha256::digest(bytes))),
        size: Set(bytes.len() as i64),
        ..Default::default()
    };
    document_verification::Entity::insert(row)
        .on_conflict(
            OnConflict::column(document_verification::Column::Code)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// `2026-12-20 10:05:00 至 2026-12-31 23:59:00`-style period of two instants.
pub fn period_of(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    format!("{} 至 {}", beijing_time(from), beijing_time(to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        Document {
            kind: DocumentKind::SettlementStatement,
            identity: "statement:1:v2".into(),
            org_id: 3,
            org_name: "日照港工会".into(),
            activity_id: None,
            merchant_id: Some(4),
            subject_name: "东港蛋糕店".into(),
            period: "2026-12-01 至 2026-12-31".into(),
            voucher_count: 2,
            total_face_value_fen: 2468,
            generated_at: DateTime::from_timestamp(1_800_000_000, 0).expect("time"),
        }
    }

    #[test]
    fn codes_are_16_base32_characters_that_depend_on_key_and_content() {
        let key = [7u8; 32];
        let code = doc().code(&key);
        assert_eq!(code.len(), 16);
        assert_eq!(normalize(&code).as_deref(), Some(code.as_str()));
        assert_eq!(doc().code(&key), code);
        assert_ne!(doc().code(&[8u8; 32]), code);
        let mut other = doc();
        other.total_face_value_fen += 1;
        assert_ne!(other.code(&key), code);
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(grouped("ABCDEFGHIJKLMNOP"), "ABCD-EFGH-IJKL-MNOP");
        assert_eq!(
            normalize("abcd-efgh 1jkl-mn0p").as_deref(),
            Some("ABCDEFGHIJKLMNOP")
        );
        assert_eq!(normalize("ABCD"), None);
        assert_eq!(normalize("ABCDEFGHIJKLMNO9"), None);
        assert_eq!(base32(&[0xff; 5]), "77777777");
        assert_eq!(base32(b"fooba"), "MZXW6YTB");
    }

    #[test]
    fn the_qr_opens_the_public_page_when_there_is_one() {
        assert_eq!(
            qr_target(Some("https://x.org/"), "ABCD"),
            "https://x.org/verify/ABCD"
        );
        assert_eq!(qr_target(None, "ABCD"), "ABCD");
    }
}
