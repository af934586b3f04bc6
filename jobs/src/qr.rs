//! QR codes as PNG images: the voucher QR of the member app and the verification QR
//! printed in settlement workbooks. Rendered with the `qrcode` crate (widely used,
//! maintained, pure Rust) into an `image` luma buffer, encoded as PNG.

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("QR encoding failed: {0}")]
    Encode(#[from] qrcode::types::QrError),
    #[error("PNG encoding failed: {0}")]
    Png(#[from] image::ImageError),
}

/// `text` as a QR code (error correction M, with its quiet zone), at least `min_px`
/// pixels wide.
pub fn png(text: &str, min_px: u32) -> Result<Vec<u8>, QrError> {
    use image::{ImageEncoder, Luma};
    let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)?;
    let img = qr
        .render::<Luma<u8>>()
        .min_dimensions(min_px, min_px)
        .quiet_zone(true)
        .build();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out).write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::L8,
    )?;
    Ok(out)
}
