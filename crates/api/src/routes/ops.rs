//! Probes for orchestrators: `/health` (the process answers) and `/ready` (the database answers
//! and, when the process gives a [`SchemaStatus`] as an extension, its schema is current).

use crate::dto::Status;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppState, Json};
use app::SchemaStatus;
use axum::Extension;
use axum::extract::State;
use std::sync::Arc;

/// The process is up.
#[utoipa::path(
    get, path = "/health", tag = "operations",
    responses((status = 200, description = "Alive", body = Status))
)]
pub async fn health() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// The process can serve requests: the database answers and its schema is not behind this
/// version's migrations.
#[utoipa::path(
    get, path = "/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Status),
        (status = 503, description = "The database does not answer, or its schema is behind this version (run `staffprobot migrate`)", body = ErrorBody),
    )
)]
pub async fn ready(
    State(app): State<AppState>,
    schema: Option<Extension<Arc<dyn SchemaStatus>>>,
) -> Result<Json<Status>, ApiError> {
    if let Err(e) = app.store().ping().await {
        tracing::warn!(error = %e, "readiness check failed");
        return Err(ApiError::unavailable());
    }
    if let Some(Extension(schema)) = schema {
        match schema.schema_current().await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    "not ready: the database schema is behind this version; run `staffprobot migrate`"
                );
                return Err(ApiError::unavailable());
            }
            Err(e) => {
                tracing::warn!(error = %e, "readiness check failed");
                return Err(ApiError::unavailable());
            }
        }
    }
    Ok(Json(Status { status: "ok" }))
}
