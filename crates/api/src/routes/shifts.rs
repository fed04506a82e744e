//! Worked and running shifts at the caller's sites.

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Json, Query};
use axum::extract::State;

/// Shifts at the caller's sites, newest first. `?status=active` lists who is on shift now.
#[utoipa::path(
    get, path = "/api/v1/shifts", tag = "shifts",
    params(dto::ShiftParams),
    responses(
        (status = 200, description = "The shifts", body = Vec<dto::Shift>),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 422, description = "A bad date (see `field`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_shifts(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Query(q): Query<dto::ShiftParams>,
) -> Result<Json<Vec<dto::Shift>>, ApiError> {
    let shifts = app.shifts_for(&actor, &q.into_query()?).await?;
    Ok(Json(shifts.into_iter().map(Into::into).collect()))
}
