//! QR codes of join links as PNG images: the `qrcode` crate computes the module matrix and a
//! small PNG writer here turns it into a 1-bit greyscale image. The image data is zlib-wrapped in
//! stored (uncompressed) deflate blocks: a join link's code is ~40 modules wide, so the PNG stays
//! around 10–20 KB and the bot needs no compression or image library.

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
    Ok(render(&matrix, scale))
}

/// Draws the matrix with `scale` pixels per module; 1 bit per pixel, 1 = white.
pub fn render(matrix: &Matrix, scale: usize) -> Vec<u8> {
    let side = (matrix.width + 2 * QUIET_ZONE) * scale;
    let row_bytes = side.div_ceil(8);
    let mut raw = Vec::with_capacity((row_bytes + 1) * side);
    for py in 0..side {
        raw.push(0); // filter type: none
        let start = raw.len();
        raw.resize(start + row_bytes, 0);
        for px in 0..side {
            let (mx, my) = (px / scale, py / scale);
            let dark = mx >= QUIET_ZONE
                && my >= QUIET_ZONE
                && matrix.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE);
            if !dark {
                raw[start + px / 8] |= 0x80 >> (px % 8);
            }
        }
    }
    let side = u32::try_from(side).unwrap_or(u32::MAX);
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    // Bit depth 1, colour type 0 (greyscale), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);

    let mut out = Vec::new();
    out.extend_from_slice(&PNG_SIGNATURE);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    let crc_from = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[crc_from..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951, BTYPE 00).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = 65_535;
    let mut out = Vec::with_capacity(data.len() + data.len() / MAX_BLOCK * 5 + 16);
    // CMF: deflate with a 32 KiB window; FLG: no dictionary, fastest, and (CMF·256+FLG) % 31 == 0.
    out.extend_from_slice(&[0x78, 0x01]);
    let mut blocks = data.chunks(MAX_BLOCK).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let last = blocks.peek().is_none();
        out.push(u8::from(last));
        // Blocks are at most 65 535 bytes, so the length fits in 16 bits.
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// CRC-32 (ISO 3309, as PNG chunks use).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for b in bytes {
        c = CRC_TABLE[((c ^ u32::from(*b)) & 0xff) as usize] ^ (c >> 8);
    }
    c ^ 0xffff_ffff
}

/// Adler-32 (the zlib stream checksum).
pub fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that can be summed before the u32 sums could overflow.
    for block in bytes.chunks(5552) {
        for x in block {
            a += u32::from(*x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
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

    /// Reads the PNG back with an independent inflater (flate2), checking every chunk's CRC.
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
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(b""), 1);
        // Long input: the modulo must be taken before the sums overflow.
        let long = vec![0xffu8; 1_000_000];
        let (mut a, mut b) = (1u64, 0u64);
        for x in &long {
            a = (a + u64::from(*x)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(adler32(&long), ((b << 16) | a) as u32);
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
    fn large_images_split_into_several_stored_blocks() {
        let m = Matrix::encode(LINK).unwrap();
        let img = decode(&render(&m, 40));
        assert!(img.width as usize * img.height as usize / 8 > 65_535);
        assert_eq!(img.rows.len(), img.height as usize);
    }

    #[test]
    fn too_much_data_is_an_error_not_a_panic() {
        assert!(png(&"x".repeat(5000)).is_err());
        assert!(png("").is_ok());
    }
}
