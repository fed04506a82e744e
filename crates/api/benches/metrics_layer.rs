//! What the HTTP metrics cost one request (BENCHMARKS.md, "Metrics: what they cost"): a router
//! with one matched route answering a small JSON body, with the layers every route gets
//! (`api::with_layers`), called in-process (no socket, so the difference is not lost in the
//! network's noise): without metrics, with `HttpMetrics` (recorded by the access log), and with
//! the design it replaced (a `middleware::from_fn` layer of its own and three label look-ups per
//! request).
#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Instant;
use tower::ServiceExt;

fn router() -> Router {
    Router::new().route(
        "/api/v1/sites/{id}",
        get(|| async { axum::Json(serde_json::json!({"id": 7, "name": "Кофейня"})) }),
    )
}

/// The middleware before `TrackMetricsLayer`, for comparison.
async fn from_fn_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |r| r.as_str().to_owned());
    let gauge = metrics::gauge!("bench_in_flight");
    gauge.increment(1.0);
    let resp = next.run(req).await;
    gauge.decrement(1.0);
    metrics::histogram!("bench_duration_seconds", "method" => "GET", "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("bench_requests_total", "method" => "GET", "route" => route, "status" => "2xx")
        .increment(1);
    resp
}

fn requests(c: &mut Criterion) {
    let _metrics = telemetry::install("bench");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let cases = [
        ("without_metrics", api::with_layers(router(), None)),
        (
            "with_http_metrics",
            api::with_layers(router(), Some(api::metrics::HttpMetrics::new())),
        ),
        (
            "with_from_fn_layer_and_lookups",
            api::with_layers(router(), None).layer(axum::middleware::from_fn(from_fn_metrics)),
        ),
    ];
    let mut group = c.benchmark_group("get_one_route");
    for (name, app) in cases {
        group.bench_function(name, |b| {
            b.to_async(&rt).iter(|| {
                let app = app.clone();
                async move {
                    let req = Request::get("/api/v1/sites/7").body(Body::empty()).unwrap();
                    let resp = app.oneshot(req).await.unwrap();
                    assert_eq!(resp.status(), StatusCode::OK);
                    resp
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, requests);
criterion_main!(benches);
