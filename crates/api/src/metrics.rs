//! HTTP metrics (atuin's `track_metrics`): every request counted by method, route template and
//! status class, timed per method and route, and the requests in flight — labelled by the
//! matched route (`/api/v1/sites/{id}`), never the raw path, which would carry ids and make the
//! label unbounded; a request no route matched is "unmatched". And `GET /metrics`, the
//! Prometheus text of everything the process records.
//!
//! `/metrics` has no authentication, like `/health` and `/ready`: its labels are bounded (no
//! ids, names or paths with ids), and a deployment scrapes it from its private network; keep it
//! off the public internet at the proxy (README, docs/metrics.md).

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use std::time::Instant;
use telemetry::names;

/// Where the metrics are served.
pub const METRICS_PATH: &str = "/metrics";

/// The route serving `metrics` at [`METRICS_PATH`]. Rendering reads `/proc` and formats a few
/// hundred series: blocking work of well under a millisecond, done inline.
pub fn routes<S: Clone + Send + Sync + 'static>(metrics: telemetry::Metrics) -> Router<S> {
    Router::new().route(
        METRICS_PATH,
        get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(header::CONTENT_TYPE, telemetry::CONTENT_TYPE)],
                    metrics.render(),
                )
            }
        }),
    )
}

/// The middleware, outermost, so it sees the final status of everything (panics included).
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |r| r.as_str().to_owned());
    let in_flight = InFlight::start();
    let resp = next.run(req).await;
    drop(in_flight);
    let status = status_class(resp.status().as_u16());
    metrics::histogram!(names::HTTP_REQUEST_DURATION, "method" => method, "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(names::HTTP_REQUESTS, "method" => method, "route" => route, "status" => status)
        .increment(1);
    resp
}

/// Counts a request in flight until dropped, also when the client goes away mid-request and
/// the handler's future is dropped.
struct InFlight(metrics::Gauge);

impl InFlight {
    fn start() -> Self {
        let gauge = metrics::gauge!(names::HTTP_REQUESTS_IN_FLIGHT);
        gauge.increment(1.0);
        InFlight(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// Standard methods by name; anything else (a client may send any token) is "other".
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"BREW").unwrap_or(Method::GET)),
            "other"
        );
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(404), "4xx");
        assert_eq!(status_class(503), "5xx");
    }
}
