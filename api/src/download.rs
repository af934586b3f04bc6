//! xlsx downloads: the xlsx MIME type and a `Content-Disposition` carrying the Chinese
//! file name as RFC 5987 `filename*=UTF-8''…` (with an ASCII fallback for old clients).

use poem_openapi::ApiResponse;
use poem_openapi::payload::Binary;

pub use jobs::import::XLSX_MIME;

#[derive(ApiResponse)]
pub enum XlsxDownload {
    /// The workbook.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

impl XlsxDownload {
    pub fn new(file_name: &str, bytes: Vec<u8>) -> Self {
        Self::Ok(Binary(bytes), content_disposition(file_name))
    }
}

/// `attachment; filename="download.xlsx"; filename*=UTF-8''%E5%B7%A5…`
pub fn content_disposition(file_name: &str) -> String {
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"download.xlsx\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_are_percent_encoded_as_utf8() {
        assert_eq!(
            content_disposition("工会.xlsx"),
            "attachment; filename=\"download.xlsx\"; filename*=UTF-8''%E5%B7%A5%E4%BC%9A.xlsx"
        );
    }
}
