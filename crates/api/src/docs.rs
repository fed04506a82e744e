//! The OpenAPI document and Swagger UI, served from the assets compiled into the binary (the
//! `vendored` feature), so the docs work on a machine without internet access.
//!
//! Swagger UI is served at `/docs` itself (not only at `/docs/` behind a redirect): a `<base>`
//! element makes the page's relative asset links resolve under `/docs/` either way.

use crate::error::ApiError;
use crate::extract::Path;
use crate::{DOCS_PATH, OPENAPI_PATH};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;
use utoipa_swagger_ui::Config;

/// Routes for `OPENAPI_PATH`, `DOCS_PATH` and the Swagger UI assets under it.
pub fn routes<S: Clone + Send + Sync + 'static>(openapi: &utoipa::openapi::OpenApi) -> Router<S> {
    // The document never changes while the process runs: render it once.
    let document = Bytes::from(serde_json::to_vec(openapi).unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot render the OpenAPI document");
        b"{}".to_vec()
    }));
    // No online validator badge: Swagger UI must not reach out to the internet.
    let config = Arc::new(Config::new([OPENAPI_PATH]).validator_url("none"));
    let index_config = config.clone();
    let index = move || {
        let config = index_config.clone();
        async move { index_page(config) }
    };
    Router::new()
        .route(
            OPENAPI_PATH,
            get(move || {
                let document = document.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], document) }
            }),
        )
        .route(DOCS_PATH, get(index.clone()))
        .route(&format!("{DOCS_PATH}/"), get(index))
        .route(
            &format!("{DOCS_PATH}/{{*file}}"),
            get(move |Path(file): Path<String>| {
                let config = config.clone();
                async move { asset(&file, config) }
            }),
        )
}

fn index_page(config: Arc<Config<'static>>) -> Response {
    let page = match utoipa_swagger_ui::serve("index.html", config) {
        Ok(Some(file)) => String::from_utf8_lossy(&file.bytes).into_owned(),
        Ok(None) => return ApiError::not_found("Swagger UI").into_response(),
        Err(e) => return asset_error(&e.to_string()),
    };
    let base = format!("<head>\n    <base href=\"{DOCS_PATH}/\">");
    let page = page.replacen("<head>", &base, 1);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

fn asset(file: &str, config: Arc<Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve(file, config) {
        Ok(Some(file)) => {
            let mut resp = file.bytes.into_owned().into_response();
            if let Ok(ct) = HeaderValue::from_str(&file.content_type) {
                resp.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            if file.gzpipped {
                resp.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            resp
        }
        Ok(None) => ApiError::not_found("file").into_response(),
        Err(e) => asset_error(&e.to_string()),
    }
}

fn asset_error(detail: &str) -> Response {
    tracing::error!(error = %detail, "cannot serve a Swagger UI file");
    ApiError::internal().into_response()
}
