//! Worked and running shifts at the caller's sites.

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Query};
use axum::extract::{OriginalUri, State};
use axum::response::Response;

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
