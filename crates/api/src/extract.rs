//! Request extractors whose rejections are our JSON errors: the JSON body, the query string,
//! path parameters and the bearer-token actor. axum's own extractors answer in plain text and
//! without the offending field; these name the field whenever serde knows it.

use crate::error::ApiError;
use app::StaffPro;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::User;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The state every handler shares: the use-cases.
pub type AppState = Arc<StaffPro>;

/// A JSON request body (parsed strictly) or a JSON response body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers()) {
            return Err(ApiError::unsupported_media_type());
        }
        // `Bytes` honours `DefaultBodyLimit`, so an oversized body stops being read at the limit.
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn body_rejection(r: BytesRejection) -> ApiError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::payload_too_large()
    } else if crate::edge::is_body_timeout(&r) {
        ApiError::request_timeout()
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "the request body could not be read",
        )
    }
}

/// Parses a JSON document into `T`, naming the field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = field_path(e.path());
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = inner.to_string();
                classify_data_error(&message, path, "invalid_type")
            }
            _ => with_optional_field(
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", inner.to_string()),
                path,
            ),
        }
    })?;
    // Trailing garbage after the document is malformed JSON too.
    de.end()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))?;
    Ok(value)
}

/// The query string, parsed strictly (unknown parameters are refused).
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or("")).map(Query)
    }
}

/// Parses a URL query string into `T`, naming the parameter on failure.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = field_path(e.path());
        classify_data_error(&e.into_inner().to_string(), path, "invalid_query")
    })
}

/// The dotted path of the field an error is about; `None` for the document root or when
/// serde_path_to_error could not follow the path (it marks such a step `?`).
fn field_path(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Enum { .. } => {}
            Segment::Unknown => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

fn with_optional_field(err: ApiError, field: Option<String>) -> ApiError {
    match field {
        Some(f) => err.with_field(f),
        None => err,
    }
}

/// Sorts serde's data errors: an unknown field (400), a missing one (422, like the domain's own
/// "required" rule), or a value of the wrong type (400, `fallback_code`).
fn classify_data_error(message: &str, path: Option<String>, fallback_code: &str) -> ApiError {
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            // serde_path_to_error has already pushed an unknown key onto the path, but not a
            // missing one.
            .map(|name| match &path {
                Some(p) if p == name || p.ends_with(&format!(".{name}")) => p.clone(),
                Some(parent) => format!("{parent}.{name}"),
                None => name.to_owned(),
            })
    };
    if let Some(field) = named("unknown field `") {
        let message = message.split(" at line ").next().unwrap_or(message);
        return ApiError::new(StatusCode::BAD_REQUEST, "unknown_field", message).with_field(field);
    }
    if let Some(field) = named("missing field `") {
        return ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_field",
            format!("{field} is required"),
        )
        .with_field(field);
    }
    with_optional_field(
        ApiError::new(StatusCode::BAD_REQUEST, fallback_code, message),
        path,
    )
}

/// Path parameters; a value of the wrong type is a 400 naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                use axum::extract::path::ErrorKind;
                let raw = RawPathParams::from_request_parts(parts, state).await.ok();
                let key_at = |i: usize| {
                    raw.as_ref()
                        .and_then(|r| r.iter().nth(i))
                        .map(|(k, _)| k.to_owned())
                };
                let (key, value, expected) = match e.kind() {
                    ErrorKind::ParseErrorAtKey {
                        key,
                        value,
                        expected_type,
                    } => (Some(key.clone()), value.as_str(), *expected_type),
                    ErrorKind::ParseErrorAtIndex {
                        index,
                        value,
                        expected_type,
                    } => (key_at(*index), value.as_str(), *expected_type),
                    // A single parameter deserialized as a plain value: find it by its text.
                    ErrorKind::ParseError {
                        value,
                        expected_type,
                    } => {
                        let key = raw.as_ref().and_then(|r| {
                            r.iter()
                                .find(|(_, v)| *v == value.as_str())
                                .map(|(k, _)| k.to_owned())
                        });
                        (key, value.as_str(), *expected_type)
                    }
                    ErrorKind::InvalidUtf8InPathParam { key } => {
                        return Err(ApiError::new(
                            StatusCode::BAD_REQUEST,
                            "invalid_path",
                            format!("{key} is not valid UTF-8 once percent-decoded"),
                        )
                        .with_field(key.clone()));
                    }
                    _ => {
                        return Err(ApiError::new(
                            StatusCode::BAD_REQUEST,
                            "invalid_path",
                            e.body_text(),
                        ));
                    }
                };
                let expected = match expected {
                    "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => "an integer",
                    other => other,
                };
                let err = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_path",
                    format!(
                        "{} must be {expected}, got {value:?}",
                        key.as_deref().unwrap_or("a path parameter")
                    ),
                );
                Err(match key {
                    Some(k) => err.with_field(k),
                    None => err,
                })
            }
            Err(other) => {
                // Only a route/handler mismatch gets here: a bug, not the client's fault.
                tracing::error!(error = %other.body_text(), "path parameters missing");
                Err(ApiError::internal())
            }
        }
    }
}

/// The person behind the request's bearer token.
#[derive(Debug, Clone)]
pub struct Actor(pub User);

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        match state.authenticate(token).await? {
            Some(user) => Ok(Actor(user)),
            None => Err(ApiError::unauthorized()),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        radius: Option<i64>,
    }

    #[test]
    fn json_errors_name_the_field() {
        let e = parse_json::<Body>(br#"{"name":"a","radius":"x"}"#).err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some("invalid_type"));
        assert_eq!(e.as_ref().and_then(|e| e.field()), Some("radius"));

        let e = parse_json::<Body>(br#"{"name":"a","colour":1}"#).err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some("unknown_field"));
        assert_eq!(e.as_ref().and_then(|e| e.field()), Some("colour"));

        let e = parse_json::<Body>(br#"{"radius":1}"#).err();
        assert_eq!(
            e.as_ref().map(|e| e.status()),
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        );
        assert_eq!(e.as_ref().and_then(|e| e.field()), Some("name"));

        for bad in [&b"{"[..], b"", b"{\"name\":\"a\"} x", b"nul"] {
            let e = parse_json::<Body>(bad).err();
            assert_eq!(
                e.as_ref().map(|e| e.code()),
                Some("invalid_json"),
                "{bad:?}"
            );
        }
        assert!(parse_json::<Body>(br#"{"name":"a"}"#).is_ok());
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let e = parse_query::<Body>("name=a&radius=x").err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some("invalid_query"));
        assert_eq!(e.as_ref().and_then(|e| e.field()), Some("radius"));
        let e = parse_query::<Body>("name=a&site=1").err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some("unknown_field"));
        assert_eq!(e.as_ref().and_then(|e| e.field()), Some("site"));
        let ok = parse_query::<Body>("name=a%20b&radius=5");
        assert!(matches!(ok, Ok(Body { ref name, radius: Some(5) }) if name == "a b"));
    }

    #[test]
    fn bearer_tokens_and_content_types() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&h), None);

        let mut h = HeaderMap::new();
        assert!(!is_json_content_type(&h));
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ok));
            assert!(is_json_content_type(&h), "{ok}");
        }
        for bad in ["text/plain", "application/x-www-form-urlencoded", "+json"] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(bad));
            assert!(!is_json_content_type(&h), "{bad}");
        }
    }
}
