//! Files the fake keeps: their folders and ids, and how they are shown in messages.

use serde_json::{Value, json};

use super::*;

pub(super) fn folder_and_prefix(kind: FileKind) -> (&'static str, &'static str) {
    match kind {
        FileKind::Document => ("documents", "bot-document"),
        FileKind::Photo => ("photos", "bot-photo"),
    }
}

pub(crate) fn document_json(file: &StoredFile) -> Value {
    let mut json = json!({
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.size,
    });
    if let Some(map) = json.as_object_mut() {
        if let Some(name) = &file.file_name {
            map.insert("file_name".into(), json!(name));
        }
        if let Some(mime) = &file.mime_type {
            map.insert("mime_type".into(), json!(mime));
        }
    }
    json
}

pub(crate) fn photo_size_json(file: &StoredFile) -> Value {
    let (width, height) = png_size(&file.bytes).unwrap_or((0, 0));
    json!({
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.size,
        "width": width,
        "height": height,
    })
}

/// Width and height from a PNG header (what the bot sends: QR codes).
pub(super) fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if image_extension(bytes) != Some("png") || bytes.len() < 24 {
        return None;
    }
    let width = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((width, height))
}

pub(super) fn image_extension(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.starts_with(b"GIF8") {
        Some("gif")
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("webp")
    } else if bytes.starts_with(b"BM") {
        Some("bmp")
    } else {
        None
    }
}

pub(super) fn guess_mime(file_name: Option<&str>, bytes: &[u8]) -> Option<String> {
    let extension = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .or_else(|| image_extension(bytes).map(str::to_owned))?;
    let mime = match extension.as_str() {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "zip" => "application/zip",
        _ => return None,
    };
    Some(mime.to_owned())
}
