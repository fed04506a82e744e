//! Probes for orchestrators: `/health` (the process answers) and `/ready` (the database too).

use crate::dto::Status;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppState, Json};
use axum::extract::State;

/// The process is up.
#[utoipa::path(
    get, path = "/health", tag = "operations",
    responses((status = 200, description = "Alive", body = Status))
)]
pub async fn health() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// The process can serve requests: the database answers.
#[utoipa::path(
    get, path = "/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Status),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    )
)]
pub async fn ready(State(app): State<AppState>) -> Result<Json<Status>, ApiError> {
    match app.store().ping().await {
        Ok(()) => Ok(Json(Status { status: "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::unavailable())
        }
    }
}
