//! Shifts planned in advance: list, plan, cancel.

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Json, Path, Query};
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::PlannedShiftId;

/// A page of the plans at the caller's sites, earliest first (by start, then id).
#[utoipa::path(
    get, path = "/api/v1/planned-shifts", tag = "planned shifts",
    params(dto::PlanParams),
    responses(
        (status = 200, description = "A page of plans", body = Vec<dto::PlannedShift>,
         headers(("Link" = String, description = "`<URL>; rel=\"next\"`: the next page (the same \
          query with `after` set); absent on the last page"))),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 422, description = "A bad date, page size (`limit`) or cursor (`after`), or \
          the retired `offset` (see `field`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_plans(
    State(app): State<AppState>,
    Actor(actor): Actor,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<dto::PlanParams>,
) -> Result<Response, ApiError> {
    let page = app.plans_for(&actor, &q.into_query()?).await?;
    let page = app::Page {
        items: page
            .items
            .into_iter()
            .map(dto::PlannedShift::from)
            .collect(),
        next: page.next,
    };
    Ok(crate::paging::respond(&uri, page))
}

/// Plans a shift for an employee of the site (or for oneself), in the site's local time.
#[utoipa::path(
    post, path = "/api/v1/planned-shifts", tag = "planned shifts",
    request_body = dto::CreatePlannedShift,
    responses(
        (status = 201, description = "Planned", body = dto::PlannedShift),
        (status = 404, description = "No such site of the caller's, or no such employee", body = ErrorBody),
        (status = 409, description = "Overlaps another plan of the employee, or the site is inactive", body = ErrorBody),
        (status = 422, description = "A rule is broken (see `code` and `field`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_plan(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Json(body): Json<dto::CreatePlannedShift>,
) -> Result<(StatusCode, Json<dto::PlannedShift>), ApiError> {
    let req = body.into_request()?;
    let plan = app
        .plan_shift(&actor, req)
        .await
        .map_err(|e| ApiError::from_plan(e, Some(&req)))?;
    Ok((StatusCode::CREATED, Json(plan.into())))
}

/// Cancels a plan that has not started.
#[utoipa::path(
    post, path = "/api/v1/planned-shifts/{id}/cancel", tag = "planned shifts",
    params(("id" = i64, Path, description = "Planned shift id")),
    responses(
        (status = 200, description = "Cancelled", body = dto::PlannedShift),
        (status = 404, description = "No such plan at the caller's sites", body = ErrorBody),
        (status = 422, description = "Too late, or the plan is no longer planned", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel_plan(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
) -> Result<Json<dto::PlannedShift>, ApiError> {
    let plan = app.cancel_plan(&actor, PlannedShiftId(id)).await?;
    Ok(Json(plan.into()))
}
