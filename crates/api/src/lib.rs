//! StaffProBot HTTP API: the axum router (JSON under `/api/v1`, probes, OpenAPI document and
//! Swagger UI) and the server loop with graceful shutdown. Handlers only parse, call a use-case
//! of `app::StaffPro` and render; every rule lives in the use-cases.

pub mod dto;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod routes;

pub use error::{ApiError, ErrorBody, ErrorDetail};

use app::StaffPro;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::serve::ListenerExt;
use std::future::Future;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_swagger_ui::{Config, SwaggerUi};

/// The largest request body accepted (64 KiB); larger ones answer 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// Where Swagger UI is served (from assets compiled into the binary).
pub const DOCS_PATH: &str = "/docs";

/// The OpenAPI document of every route `router` serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes::openapi_router().into_openapi()
}

/// The whole HTTP API over the use-cases. The result has no state left to provide and can be
/// `.merge`d with other routers (metrics, webhooks); it holds the only fallback (JSON 404), so
/// routers merged into it must not set one.
pub fn router(app: StaffPro) -> Router {
    let (api, openapi) = routes::openapi_router()
        .with_state(Arc::new(app))
        .split_for_parts();
    // Swagger UI must not reach out to the internet: no online validator badge.
    let docs = SwaggerUi::new(DOCS_PATH)
        .url(OPENAPI_PATH, openapi)
        .config(Config::default().validator_url("none"));
    api.merge(docs)
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(
            middleware::ensure_json_errors,
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn(middleware::access_log))
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Small JSON answers should leave at once rather than wait for Nagle's algorithm.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
