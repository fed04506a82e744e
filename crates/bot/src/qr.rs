//! QR codes of join links as PNG images: the `qrcode` crate computes the module matrix, this
//! module draws it as a 1-bit greyscale picture with the quiet zone, and the `png` crate encodes
//! it (deflate-compressed, so a join link's ~400 px code is a few hundred bytes).

use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the QR specification asks for.
pub const QUIET_ZONE: usize = 4;
/// The image is about this many pixels wide (whole pixels per module, at least `MIN_SCALE`).
const TARGET_PX: usize = 400;
const MIN_SCALE: usize = 4;

#[derive(Debug, thiserror::Error)]
#[error("cannot make a QR code: {0}")]
pub struct QrError(String);

/// The dark/light modules of a QR code, row by row, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl Matrix {
    /// Medium error correction: survives a smudged or partly covered printout.
    pub fn encode(text: &str) -> Result<Self, QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|e| QrError(e.to_string()))?;
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark.get(y * self.width + x) == Some(&true)
    }
}

/// A PNG image of the QR code of `text` (a URL), black on white with the quiet zone.
pub fn png(text: &str) -> Result<Vec<u8>, QrError> {
    let matrix = Matrix::encode(text)?;
    let modules = matrix.width + 2 * QUIET_ZONE;
    let scale = (TARGET_PX / modules).max(MIN_SCALE);
    render(&matrix, scale)
}

/// Draws the matrix with `scale` pixels per module and encodes it as a PNG: greyscale, 1 bit
/// per pixel, 1 = white.
pub fn render(matrix: &Matrix, scale: usize) -> Result<Vec<u8>, QrError> {
    let side = (matrix.width + 2 * QUIET_ZONE) * scale;
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0u8; row_bytes * side];
    for (py, row) in pixels.chunks_mut(row_bytes).enumerate() {
        for px in 0..side {
            let (mx, my) = (px / scale, py / scale);
            let dark = mx >= QUIET_ZONE
                && my >= QUIET_ZONE
                && matrix.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE);
            if !dark {
                row[px / 8] |= 0x80 >> (px % 8);
            }
        }
    }
    let side = u32::try_from(side).map_err(|_| QrError(format!("{side} px is too wide")))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    // Rows of whole modules repeat exactly: deflate alone removes that, filters add nothing.
    encoder.set_filter(png::Filter::NoFilter);
    let failed = |e: png::EncodingError| QrError(format!("png: {e}"));
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(&pixels).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    const LINK: &str = "https://t.me/StaffProBot?start=jAbCdEfGhIj";

    struct Decoded {
        width: u32,
        height: u32,
        bit_depth: u8,
        colour_type: u8,
        rows: Vec<Vec<bool>>, // true = black
    }

    const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = flate2::Crc::new();
        crc.update(bytes);
        crc.sum()
    }

    /// Reads the PNG back by hand with an independent inflater (flate2), checking every chunk's
    /// CRC, so the test does not trust the encoder's own decoder.
    fn decode(png: &[u8]) -> Decoded {
        assert_eq!(&png[..8], &PNG_SIGNATURE);
        let mut pos = 8;
        let (mut ihdr, mut idat, mut ended) = (None, Vec::new(), false);
        while pos < png.len() {
            let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
            let kind = &png[pos + 4..pos + 8];
            let data = &png[pos + 8..pos + 8 + len];
            let crc = u32::from_be_bytes(png[pos + 8 + len..pos + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(&png[pos + 4..pos + 8 + len]), "CRC of {kind:?}");
            match kind {
                b"IHDR" => ihdr = Some(data.to_vec()),
                b"IDAT" => idat.extend_from_slice(data),
                b"IEND" => ended = true,
                other => panic!("unexpected chunk {other:?}"),
            }
            pos += 12 + len;
        }
        assert!(ended, "IEND");
        let ihdr = ihdr.expect("IHDR");
        let width = u32::from_be_bytes(ihdr[0..4].try_into().unwrap());
        let height = u32::from_be_bytes(ihdr[4..8].try_into().unwrap());
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(&idat[..])
            .read_to_end(&mut raw)
            .expect("a valid zlib stream");
        let row_bytes = (width as usize).div_ceil(8);
        assert_eq!(raw.len(), (row_bytes + 1) * height as usize);
        let rows = raw
            .chunks(row_bytes + 1)
            .map(|row| {
                assert_eq!(row[0], 0, "filter type none");
                (0..width as usize)
                    .map(|x| row[1 + x / 8] & (0x80 >> (x % 8)) == 0)
                    .collect()
            })
            .collect();
        Decoded {
            width,
            height,
            bit_depth: ihdr[8],
            colour_type: ihdr[9],
            rows,
        }
    }

    #[test]
    fn the_test_checksum_is_png_crc32() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn the_png_decodes_to_the_matrix_with_a_quiet_zone() {
        let png = png(LINK).unwrap();
        let matrix = Matrix::encode(LINK).unwrap();
        let img = decode(&png);
        let modules = matrix.width + 2 * QUIET_ZONE;
        let scale = img.width as usize / modules;
        assert!(scale >= MIN_SCALE);
        assert_eq!(img.width as usize, modules * scale);
        assert_eq!(img.height, img.width);
        assert_eq!((img.bit_depth, img.colour_type), (1, 0));
        for (py, row) in img.rows.iter().enumerate() {
            for (px, black) in row.iter().enumerate() {
                let (mx, my) = (px / scale, py / scale);
                let expected = mx >= QUIET_ZONE
                    && my >= QUIET_ZONE
                    && matrix.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE);
                assert_eq!(*black, expected, "pixel {px},{py}");
            }
        }
        // The quiet zone is white all around.
        let q = QUIET_ZONE * scale;
        assert!(img.rows[..q].iter().all(|r| r.iter().all(|b| !b)));
        assert!(img.rows.iter().all(|r| r[..q].iter().all(|b| !b)));
    }

    #[test]
    fn the_matrix_has_the_finder_patterns_of_a_qr_code() {
        let m = Matrix::encode(LINK).unwrap();
        // Version v is 17 + 4v modules wide.
        assert_eq!((m.width - 17) % 4, 0);
        assert!(m.width >= 21);
        assert_eq!(m.dark.len(), m.width * m.width);
        let finder = |ox: usize, oy: usize| {
            for y in 0..7 {
                for x in 0..7 {
                    let ring = x == 0 || y == 0 || x == 6 || y == 6;
                    let core = (2..=4).contains(&x) && (2..=4).contains(&y);
                    assert_eq!(
                        m.is_dark(ox + x, oy + y),
                        ring || core,
                        "finder at {ox},{oy}"
                    );
                }
            }
        };
        let far = m.width - 7;
        finder(0, 0);
        finder(far, 0);
        finder(0, far);
        // The separators next to the finders are light.
        assert!((0..8).all(|i| !m.is_dark(7, i) && !m.is_dark(i, 7)));
    }

    #[test]
    fn large_images_encode_and_compress() {
        let m = Matrix::encode(LINK).unwrap();
        let png = render(&m, 40).unwrap();
        let img = decode(&png);
        let raw_bytes = img.width as usize * img.height as usize / 8;
        assert!(raw_bytes > 65_535);
        assert_eq!(img.rows.len(), img.height as usize);
        // Deflate, not stored blocks: far smaller than the raw pixels.
        assert!(png.len() < raw_bytes / 10, "{} bytes", png.len());
    }

    #[test]
    fn too_much_data_is_an_error_not_a_panic() {
        assert!(png(&"x".repeat(5000)).is_err());
        assert!(png("").is_ok());
    }
}
