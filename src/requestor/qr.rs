//! Session QR codes in the terminal.
//!
//! The QR holds the session pointer JSON `{"u":…,"irmaqr":…}`, as the Yivi app expects.
//! Drawn with Unicode half blocks (two modules per character cell) so it stays small
//! enough to scan from an ordinary terminal, with the 4-module quiet zone that scanners
//! need, dark modules on a light background.

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};

use crate::protocol::session::SessionPointer;

/// Why a QR code could not be made (the data is too long for any QR version).
#[derive(Debug, thiserror::Error)]
#[error("cannot make a QR code: {0}")]
pub struct QrError(#[from] qrcode::types::QrError);

/// The session pointer as it goes into the QR code.
pub fn qr_payload(pointer: &SessionPointer) -> String {
    // Serialising a struct of two strings cannot fail.
    serde_json::to_string(pointer).unwrap_or_default()
}

/// Renders text as a QR code of Unicode half blocks, one line per two module rows.
pub fn render(text: &str) -> Result<String, QrError> {
    // Level L as the reference (qrterminal level L): the smallest code for the data.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L)?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// Renders a session pointer as a terminal QR code.
pub fn render_session_pointer(pointer: &SessionPointer) -> Result<String, QrError> {
    render(&qr_payload(pointer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::session::Action;

    /// Reads the half-block drawing back into a grey image and decodes it with rqrr, so
    /// the test checks what a scanner sees, not our own encoder.
    fn decode(drawing: &str) -> String {
        let rows: Vec<Vec<char>> = drawing.lines().map(|l| l.chars().collect()).collect();
        let width = rows.iter().map(Vec::len).max().unwrap();
        // Each character is two module rows; scale every module to 4x4 pixels.
        let module = |x: usize, y: usize| -> bool {
            let c = rows[y / 2].get(x).copied().unwrap_or(' ');
            // Inverted colours: a space is a dark cell pair (foreground), █ is light.
            let (top_light, bottom_light) = match c {
                '█' => (true, true),
                '▀' => (true, false),
                '▄' => (false, true),
                _ => (false, false),
            };
            let light = if y.is_multiple_of(2) {
                top_light
            } else {
                bottom_light
            };
            !light
        };
        let scale = 4;
        let (w, h) = (width * scale, rows.len() * 2 * scale);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
            if module(x / scale, y / scale) { 0 } else { 255 }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "expected one QR code");
        grids[0].decode().unwrap().1
    }

    #[test]
    fn terminal_qr_decodes_to_the_session_pointer() {
        let pointer = SessionPointer {
            url: "http://127.0.0.1:48680/irma/session/MgTFU4UWws4f9ahTKyXy".into(),
            action: Action::Disclosing,
        };
        let drawing = render_session_pointer(&pointer).unwrap();
        let text = decode(&drawing);
        let back: SessionPointer = serde_json::from_str(&text).unwrap();
        assert_eq!(back, pointer);
    }

    #[test]
    fn oversized_data_is_an_error() {
        assert!(render(&"x".repeat(10_000)).is_err());
    }
}
