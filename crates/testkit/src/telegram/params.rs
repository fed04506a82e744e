//! Parameters of a Bot API request, gathered like Telegram does from the query string and a JSON,
//! urlencoded or multipart body, and the Telegram-style error answer (`ok: false`).

use std::collections::HashMap;

use axum::{
    body::Body,
    extract::{FromRequest, Multipart, Request},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

/// Telegram's upload limit for bots is 50 MB.
const BODY_LIMIT: usize = 50 * 1024 * 1024;

/// A file part of a multipart request.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
pub(crate) struct Params {
    pub values: Map<String, Value>,
    pub files: HashMap<String, Upload>,
}

/// An `ok: false` answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiFailure {
    pub code: u16,
    pub description: String,
    pub retry_after: Option<u32>,
}

impl ApiFailure {
    pub fn new(code: u16, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    /// 400 "Bad Request: {what}".
    pub fn bad_request(what: impl AsRef<str>) -> Self {
        let what = what.as_ref();
        if what.starts_with("Bad Request:") {
            Self::new(400, what)
        } else {
            Self::new(400, format!("Bad Request: {what}"))
        }
    }

    pub fn too_many_requests(retry_after: u32) -> Self {
        Self {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }

    pub fn blocked() -> Self {
        Self::new(403, "Forbidden: bot was blocked by the user")
    }

    pub fn chat_not_found() -> Self {
        Self::bad_request("chat not found")
    }

    pub fn server_error(code: u16) -> Self {
        let text = StatusCode::from_u16(code)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Internal Server Error");
        Self::new(code, text)
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "ok": false,
            "error_code": self.code,
            "description": self.description,
        });
        if let (Some(secs), Some(map)) = (self.retry_after, body.as_object_mut()) {
            map.insert("parameters".into(), json!({ "retry_after": secs }));
        }
        body
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST);
        (status, axum::Json(self.body())).into_response()
    }
}

/// `{"ok":true,"result":…}`.
pub(crate) fn ok_response(result: Value) -> Response {
    axum::Json(json!({ "ok": true, "result": result })).into_response()
}

impl Params {
    /// Reads query string and body; Telegram lets body values override the query string.
    pub async fn from_request(request: Request) -> Result<Self, ApiFailure> {
        let mut params = Params::default();
        if let Some(query) = request.uri().query() {
            for (k, v) in parse_urlencoded(query) {
                params.values.insert(k, Value::String(v));
            }
        }
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(request, &())
                .await
                .map_err(|e| ApiFailure::bad_request(format!("invalid multipart body: {e}")))?;
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(field)) => field,
                    Ok(None) => break,
                    Err(e) => {
                        return Err(ApiFailure::bad_request(format!(
                            "invalid multipart body: {e}"
                        )));
                    }
                };
                let name = field.name().unwrap_or_default().to_owned();
                let file_name = field.file_name().map(str::to_owned);
                let field_type = field.content_type().map(str::to_owned);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| ApiFailure::bad_request(format!("invalid multipart body: {e}")))?;
                if file_name.is_some() {
                    params.files.insert(
                        name,
                        Upload {
                            file_name,
                            content_type: field_type,
                            bytes: bytes.to_vec(),
                        },
                    );
                } else {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    params.values.insert(name, Value::String(text));
                }
            }
            return Ok(params);
        }
        let bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| ApiFailure::new(413, "Request Entity Too Large"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(params);
        }
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let text = String::from_utf8_lossy(&bytes);
            for (k, v) in parse_urlencoded(&text) {
                params.values.insert(k, Value::String(v));
            }
        } else {
            // Telegram treats an unlabelled body as JSON too.
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|e| ApiFailure::bad_request(format!("can't parse JSON body: {e}")))?;
            match value {
                Value::Object(map) => params.values.extend(map),
                _ => {
                    return Err(ApiFailure::bad_request(
                        "can't parse JSON body: expected an object",
                    ));
                }
            }
        }
        Ok(params)
    }

    /// Everything but file bytes, for the request log.
    pub fn loggable(&self) -> (Value, Vec<String>) {
        let mut uploads: Vec<String> = self.files.keys().cloned().collect();
        uploads.sort();
        (Value::Object(self.values.clone()), uploads)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key).filter(|v| !v.is_null())
    }

    pub fn str(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => Some(other.to_string()),
        }
    }

    pub fn i64(&self, key: &str) -> Result<Option<i64>, ApiFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiFailure::bad_request(format!("wrong parameter {key}"))),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiFailure::bad_request(format!("wrong parameter {key}"))),
            Some(_) => Err(ApiFailure::bad_request(format!("wrong parameter {key}"))),
        }
    }

    pub fn f64(&self, key: &str) -> Result<Option<f64>, ApiFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiFailure::bad_request(format!("wrong parameter {key}"))),
            Some(_) => Err(ApiFailure::bad_request(format!("wrong parameter {key}"))),
        }
    }

    pub fn bool(&self, key: &str) -> bool {
        match self.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(s.as_str(), "true" | "True" | "1"),
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        }
    }

    /// A structured parameter (reply_markup, scope, commands…), which form and multipart
    /// requests carry as JSON text.
    pub fn json(&self, key: &str) -> Result<Option<Value>, ApiFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| ApiFailure::bad_request(format!("can't parse {key} JSON object"))),
            Some(other) => Ok(Some(other.clone())),
        }
    }

    /// `chat_id`: a number, or "@username" which the fake never knows.
    pub fn chat_id(&self) -> Result<i64, ApiFailure> {
        match self.get("chat_id") {
            None => Err(ApiFailure::bad_request("chat_id is empty")),
            Some(Value::String(s)) if s.starts_with('@') => Err(ApiFailure::chat_not_found()),
            Some(_) => self
                .i64("chat_id")?
                .ok_or_else(|| ApiFailure::bad_request("chat_id is empty")),
        }
    }

    pub fn message_id(&self) -> Result<Option<i32>, ApiFailure> {
        match self.i64("message_id")? {
            None => Ok(None),
            Some(id) => i32::try_from(id)
                .map(Some)
                .map_err(|_| ApiFailure::bad_request("message to edit not found")),
        }
    }
}

/// `a=1&b=x%20y` → pairs; '+' is a space as in HTML forms.
pub(crate) fn parse_urlencoded(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response whose body breaks after the status line, so the client sees a dropped connection.
pub(crate) fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault injected by the fake Telegram server",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urlencoded_pairs_are_decoded() {
        assert_eq!(
            parse_urlencoded("chat_id=42&text=a+b%20%D0%BF&x"),
            vec![
                ("chat_id".to_owned(), "42".to_owned()),
                ("text".to_owned(), "a b п".to_owned()),
                ("x".to_owned(), String::new()),
            ]
        );
        assert_eq!(percent_decode("bad%zz%4", false), "bad%zz%4");
    }

    #[test]
    fn error_bodies_match_telegram() {
        assert_eq!(
            ApiFailure::too_many_requests(7).body(),
            json!({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})
        );
        assert_eq!(
            ApiFailure::bad_request("Bad Request: chat not found").description,
            "Bad Request: chat not found"
        );
        assert_eq!(ApiFailure::server_error(502).description, "Bad Gateway");
    }
}
