//! What every request meets before the router: the limits on the request line and headers
//! (checked below hyper's own, so that our JSON answer comes first), a `Content-Length` over the
//! body limit refused at once, a deadline on reading the body and one on the whole request.

use crate::error::ApiError;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// The bounds on one connection and its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The request line and headers must have arrived this long after the connection became
    /// ready for a request (also how long an idle keep-alive connection is kept); otherwise the
    /// connection is closed.
    pub header_read: Duration,
    /// The body must have arrived this long after the headers, or the request answers 408.
    pub body_read: Duration,
    /// A request not answered within this answers 503 (what it was doing is dropped).
    pub request: Duration,
    /// The longest request target (path and query), bytes; longer answers 414.
    pub max_uri_bytes: usize,
    /// The most header lines, and the most header bytes (names, values, separators); more
    /// answers 431.
    pub max_headers: usize,
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
            request: Duration::from_secs(30),
            max_uri_bytes: 8 * 1024,
            max_headers: 64,
            max_header_bytes: 16 * 1024,
        }
    }
}

/// hyper's own limits, kept above ours so that it answers (without a body; see
/// `bare_errors`) only what our checks can never see: heads too large to buffer at all.
pub const HYPER_MAX_HEADERS: usize = 100;
pub const HYPER_MAX_HEADER_BYTES: usize = 64 * 1024;

/// The router behind the edge checks.
#[derive(Clone)]
pub struct Edge {
    router: Router,
    limits: Limits,
}

impl Edge {
    pub fn new(router: Router, limits: Limits) -> Self {
        Self { router, limits }
    }

    /// Answers one request.
    pub async fn handle<B>(&self, req: Request<B>) -> Response
    where
        B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<axum::BoxError>,
    {
        let started = Instant::now();
        if let Some(refusal) = self.refusal(&req) {
            access_log(req.method(), &refusal, started);
            return closing(refusal);
        }
        let method = req.method().clone();
        let req = if req.body().is_end_stream() {
            req.map(Body::new)
        } else {
            let deadline = started + self.limits.body_read;
            req.map(|b| Body::new(DeadlineBody::new(b, deadline)))
        };
        match tokio::time::timeout(self.limits.request, self.router.clone().oneshot(req)).await {
            Ok(Ok(resp)) => match resp.status() {
                // The body was not read to its end: the connection cannot carry another request.
                StatusCode::REQUEST_TIMEOUT | StatusCode::PAYLOAD_TOO_LARGE => closing(resp),
                _ => resp,
            },
            Ok(Err(never)) => match never {},
            Err(_) => {
                let resp = ApiError::timeout().into_response();
                tracing::warn!(
                    method = %method,
                    limit_ms = u64::try_from(self.limits.request.as_millis()).unwrap_or(u64::MAX),
                    "request timed out"
                );
                access_log(&method, &resp, started);
                closing(resp)
            }
        }
    }

    /// The answer for a request refused on its head alone.
    fn refusal<B: http_body::Body>(&self, req: &Request<B>) -> Option<Response> {
        let uri = req.uri();
        let uri_bytes = uri.path_and_query().map_or(0, |p| p.as_str().len())
            + uri.authority().map_or(0, |a| a.as_str().len());
        if uri_bytes > self.limits.max_uri_bytes {
            return Some(ApiError::from_status(StatusCode::URI_TOO_LONG).into_response());
        }
        let headers = req.headers();
        let header_bytes: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        if headers.len() > self.limits.max_headers || header_bytes > self.limits.max_header_bytes {
            return Some(
                ApiError::from_status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE).into_response(),
            );
        }
        // Refused before a byte of the body is read, however long the client would take.
        let too_long = req
            .body()
            .size_hint()
            .exact()
            .is_some_and(|n| n > crate::MAX_BODY_BYTES as u64);
        if too_long {
            return Some(ApiError::payload_too_large().into_response());
        }
        None
    }
}

/// Asks hyper to close the connection after this answer.
fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The access line for answers given here (the router logs its own), and their count under the
/// route "edge": the router's metrics never saw them (refused before routing, or cut at the
/// request's time limit — a 503 the error-rate alert must see).
fn access_log(method: &Method, resp: &Response, started: Instant) {
    let elapsed = started.elapsed();
    crate::metrics::record_edge(method, resp.status().as_u16(), elapsed);
    tracing::info!(
        target: "api::access",
        method = %method,
        route = "<edge>",
        status = resp.status().as_u16(),
        latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        "request"
    );
}

/// The error a body yields once its deadline has passed; the JSON extractor answers 408 for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTimeout {}

/// Whether `err` (or anything it wraps) is a `BodyTimeout`.
pub fn is_body_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.is::<BodyTimeout>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// A request body that must arrive by a deadline: a client trickling bytes is cut off there,
/// whatever pace it keeps.
struct DeadlineBody<B> {
    inner: B,
    deadline: Pin<Box<Sleep>>,
}

impl<B> DeadlineBody<B> {
    fn new(inner: B, deadline: Instant) -> Self {
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }
}

impl<B> http_body::Body for DeadlineBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimeout))));
        }
        Pin::new(&mut this.inner).poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::{get, post};

    fn edge(limits: Limits) -> Edge {
        let router = crate::with_layers(
            Router::new()
                .route("/ok", get(|| async { "ok" }))
                .route(
                    "/slow",
                    get(|| async {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        "late"
                    }),
                )
                .route(
                    "/echo",
                    post(
                        |crate::extract::Json(v): crate::extract::Json<serde_json::Value>| async {
                            crate::extract::Json(v)
                        },
                    ),
                ),
            None,
        );
        Edge::new(router, limits)
    }

    async fn answer(edge: &Edge, req: Request<Body>) -> (StatusCode, Option<String>, String) {
        let resp = edge.handle(req).await;
        let status = resp.status();
        let connection = resp
            .headers()
            .get(header::CONNECTION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let code = json["error"]["code"].as_str().unwrap_or("").to_owned();
        (status, connection, code)
    }

    fn get_req(uri: &str) -> Request<Body> {
        Request::get(uri)
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_over_its_time_answers_503_as_json() {
        let e = edge(Limits {
            request: Duration::from_secs(2),
            ..Limits::default()
        });
        let started = Instant::now();
        let (status, connection, code) = answer(&e, get_req("/slow")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(code, "timeout");
        assert_eq!(connection.as_deref(), Some("close"));
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        let (status, connection, _) = answer(&e, get_req("/ok")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(connection, None);
    }

    #[tokio::test]
    async fn long_targets_and_heavy_heads_are_refused_first() {
        let e = edge(Limits {
            max_uri_bytes: 100,
            max_headers: 5,
            max_header_bytes: 200,
            ..Limits::default()
        });
        let long = format!("/ok?{}", "a".repeat(100));
        let (status, _, code) = answer(&e, get_req(&long)).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::URI_TOO_LONG, "uri_too_long")
        );
        assert_eq!(answer(&e, get_req(&long[..100])).await.0, StatusCode::OK);

        let mut req = get_req("/ok");
        for i in 0..6 {
            req.headers_mut().insert(
                header::HeaderName::from_bytes(format!("x-{i}").as_bytes())
                    .unwrap_or_else(|e| panic!("{e}")),
                HeaderValue::from_static("1"),
            );
        }
        let (status, _, code) = answer(&e, req).await;
        assert_eq!(
            (status, code.as_str()),
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large"
            )
        );
        let mut req = get_req("/ok");
        req.headers_mut().insert(
            "x-big",
            HeaderValue::from_str(&"v".repeat(200)).unwrap_or_else(|e| panic!("{e}")),
        );
        let (status, connection, _) = answer(&e, req).await;
        assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert_eq!(connection.as_deref(), Some("close"));
    }

    #[test]
    fn body_timeouts_are_found_inside_wrapping_errors() {
        let wrapped = axum::Error::new(axum::Error::new(BodyTimeout));
        assert!(is_body_timeout(&wrapped));
        assert!(!is_body_timeout(&axum::Error::new(std::io::Error::other(
            "reset"
        ))));
    }
}
