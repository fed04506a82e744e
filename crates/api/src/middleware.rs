//! Cross-cutting layers: the access log, the panic catcher, the JSON fallbacks for unknown routes
//! and methods, and a last guard that turns any non-JSON error (from axum or a library router)
//! into our error shape.

use crate::error::ApiError;
use crate::metrics::HttpMetrics;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::any::Any;
use std::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

/// One span per request (method, matched route, then status and latency) around everything the
/// request logs, closed by one access line. Labelled by the matched route, never the raw path,
/// which would carry ids and make the label unbounded. Probes (`/health`, `/ready`, `/metrics`)
/// are polled every few seconds by orchestrators, so they log at DEBUG.
///
/// With `HttpMetrics` (`METRICS_ENABLED`), the same place counts and times the request.
pub async fn access_log(
    State(metrics): State<Option<HttpMetrics>>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let matched = req.extensions().get::<MatchedPath>();
    let counted = metrics
        .as_ref()
        .map(|m| m.start(&method, matched.map(MatchedPath::as_str)));
    let route = matched.map_or("<unmatched>", |r| r.as_str()).to_owned();
    let probe = matches!(route.as_str(), "/health" | "/ready" | "/metrics");
    let span = if probe {
        tracing::debug_span!("http_request", method = %method, route = %route, status = Empty, latency_us = Empty)
    } else {
        tracing::info_span!("http_request", method = %method, route = %route, status = Empty, latency_us = Empty)
    };
    let resp = next.run(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    if let Some(counted) = counted {
        counted.finish(resp.status().as_u16(), elapsed);
    }
    let latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    span.record("status", resp.status().as_u16());
    span.record("latency_us", latency_us);
    let _inside = span.enter();
    if probe {
        tracing::debug!(target: "api::access", "request");
    } else {
        tracing::info!(target: "api::access", "request");
    }
    resp
}

/// Unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::not_found("route")
}

/// A known route asked with a method it does not have.
pub async fn method_not_allowed() -> ApiError {
    ApiError::from_status(axum::http::StatusCode::METHOD_NOT_ALLOWED)
}

/// The answer when a handler panics: a JSON 500; the panic message goes to the log only.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = %detail, "request handler panicked");
    ApiError::internal().into_response()
}

/// Replaces the body of an error response that is not JSON with our error shape, keeping the
/// status and headers such as `Allow`. Success responses pass untouched (one comparison).
pub async fn ensure_json_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&resp) {
        return resp;
    }
    let (mut parts, _) = resp.into_parts();
    let json = ApiError::from_status(status).into_response();
    let (json_parts, json_body) = json.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(v) = json_parts.headers.get(header::WWW_AUTHENTICATE) {
        parts.headers.insert(header::WWW_AUTHENTICATE, v.clone());
    }
    Response::from_parts(parts, json_body)
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
