//! Worked and running shifts at the caller's sites; one shift with its history, and closing
//! someone's forgotten shift.

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Json, Path, Query};
use app::review::StatedEnd;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use domain::ShiftId;

/// A page of the shifts at the caller's sites, newest first (by start, then id).
/// `?status=active` lists who is on shift now; follow the `Link` header for the rest of them.
#[utoipa::path(
    get, path = "/api/v1/shifts", tag = "shifts",
    params(dto::ShiftParams),
    responses(
        (status = 200, description = "A page of shifts", body = Vec<dto::Shift>,
         headers(("Link" = String, description = "`<URL>; rel=\"next\"`: the next page (the same \
          query with `after` set); absent on the last page"))),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 422, description = "A bad date, page size (`limit`) or cursor (`after`), or \
          the retired `offset` (see `field`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_shifts(
    State(app): State<AppState>,
    Actor(actor): Actor,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<dto::ShiftParams>,
) -> Result<Response, ApiError> {
    let page = app.shifts_for(&actor, &q.into_query()?).await?;
    let page = app::Page {
        items: page.items.into_iter().map(dto::Shift::from).collect(),
        next: page.next,
    };
    Ok(crate::paging::respond(&uri, page))
}

/// One shift of the caller's sites, with `closed_by`, `review_reason` and its history of stated
/// ends (who closed it for its employee, a reported forgotten close, reviews; oldest first).
#[utoipa::path(
    get, path = "/api/v1/shifts/{id}", tag = "shifts",
    params(("id" = i64, Path, description = "Shift id")),
    responses(
        (status = 200, description = "The shift and its history", body = dto::review::ShiftDetail),
        (status = 401, description = "No or invalid token", body = ErrorBody),
        (status = 404, description = "No such shift at the caller's sites", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_shift(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
) -> Result<Json<dto::review::ShiftDetail>, ApiError> {
    let record = app.shift_record(&actor, ShiftId(id)).await?;
    Ok(Json(record.into()))
}

/// Closes a running shift of one of the caller's sites (an employee who forgot to close it) at
/// `ended_at`, an RFC 3339 instant from the shift's start up to now. Pay counts the whole minutes
/// worked to that time at the shift's rate; the shift is marked `closed_by` the caller and the
/// change is kept in its `history`. The employee is told in the bot.
#[utoipa::path(
    post, path = "/api/v1/shifts/{id}/close", tag = "shifts",
    params(("id" = i64, Path, description = "Shift id")),
    request_body = dto::review::CloseShift,
    responses(
        (status = 200, description = "Closed: the shift and its history", body = dto::review::ShiftDetail),
        (status = 400, description = "Malformed JSON or unknown field", body = ErrorBody),
        (status = 401, description = "No or invalid token", body = ErrorBody),
        (status = 404, description = "No such shift at the caller's sites", body = ErrorBody),
        (status = 409, description = "The shift is already closed (`already_closed`)", body = ErrorBody),
        (status = 422, description = "`ended_at` is not an RFC 3339 instant (`invalid_value`), before the start (`before_start`) or in the future (`in_the_future`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn close_shift(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
    Json(body): Json<dto::review::CloseShift>,
) -> Result<Json<dto::review::ShiftDetail>, ApiError> {
    let ended_at = body.ended_at()?;
    let record = app
        .close_shift_for(&actor, ShiftId(id), StatedEnd::At(ended_at))
        .await?;
    Ok(Json(record.into()))
}
