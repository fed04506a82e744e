//! StaffProBot HTTP API: the axum router (JSON under `/api/v1`, probes, OpenAPI document and
//! Swagger UI) and the server loop with its time and size limits and graceful shutdown. Handlers
//! only parse, call a use-case of `app::StaffPro` and render; every rule lives in the use-cases.

mod bare_errors;
pub mod docs;
pub mod dto;
pub mod edge;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod paging;
pub mod routes;
mod server;

pub use edge::Limits;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use server::{serve, serve_with};

use app::StaffPro;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;

/// The largest request body accepted (64 KiB); larger ones answer 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// Where Swagger UI is served (from assets compiled into the binary).
pub const DOCS_PATH: &str = "/docs";

/// The OpenAPI document of every route `router` serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = routes::openapi_router().into_openapi();
    openapi::add_common_responses(&mut doc);
    doc
}

/// The whole HTTP API over the use-cases. The result has no state left to provide and can be
/// `.merge`d with other routers (metrics, webhooks); it holds the only fallback (JSON 404), so
/// routers merged into it must not set one.
pub fn router(app: StaffPro) -> Router {
    router_with_metrics(app, None)
}

/// [`router`], also serving `GET /metrics` (Prometheus text, not in the OpenAPI document: it
/// is not JSON and not for API clients) and recording the HTTP metrics when given the process's
/// metrics; without them (`METRICS_ENABLED=false`) neither.
pub fn router_with_metrics(app: StaffPro, metrics: Option<telemetry::Metrics>) -> Router {
    let (api, mut openapi) = routes::openapi_router()
        .with_state(Arc::new(app))
        .split_for_parts();
    openapi::add_common_responses(&mut openapi);
    let routes = api.merge(docs::routes(&openapi));
    match metrics {
        Some(metrics) => with_layers(
            routes.merge(metrics::routes(metrics)),
            Some(metrics::HttpMetrics::new()),
        ),
        None => with_layers(routes, None),
    }
}

/// The JSON fallbacks and the layers every route gets, innermost first: body limit, JSON guard
/// for errors not rendered by us, panic catcher, access log and HTTP metrics when given
/// (outermost, so it sees the final status of everything, panics included).
pub fn with_layers(routes: Router, metrics: Option<metrics::HttpMetrics>) -> Router {
    routes
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(
            middleware::ensure_json_errors,
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            middleware::access_log,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use axum::routing::get;
    use tower::ServiceExt;

    async fn call(router: &Router, uri: &str) -> (StatusCode, Option<String>, serde_json::Value) {
        let Ok(req) = Request::get(uri).body(Body::empty()) else {
            panic!("bad request {uri}");
        };
        let Ok(resp) = router.clone().oneshot(req).await;
        let status = resp.status();
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, ct, json)
    }

    #[allow(clippy::panic)]
    async fn buggy_handler() -> &'static str {
        panic!("handler bug")
    }

    #[tokio::test]
    async fn panics_and_plain_errors_become_json() {
        let router = with_layers(
            Router::new()
                .route("/boom", get(buggy_handler))
                .route(
                    "/plain",
                    get(|| async { (StatusCode::BAD_REQUEST, "plain text") }),
                )
                .route("/fine", get(|| async { "fine" })),
            None,
        );
        let (status, ct, json) = call(&router, "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(ct.as_deref(), Some("application/json"));
        assert_eq!(json["error"]["code"], "internal");
        assert!(!json.to_string().contains("handler bug"));

        let (status, ct, json) = call(&router, "/plain").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(ct.as_deref(), Some("application/json"));
        assert_eq!(json["error"]["code"], "bad_request");

        let (status, ct, _) = call(&router, "/fine").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct.as_deref(), Some("text/plain; charset=utf-8"));

        let (status, _, json) = call(&router, "/missing").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(json["error"]["code"], "not_found");
    }
}
