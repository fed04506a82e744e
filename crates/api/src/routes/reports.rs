//! Reports over the caller's sites.

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Json, Query};
use axum::extract::State;
use domain::{SiteId, UserId};

/// Finished shifts, worked time and pay per site and per employee over local dates `from` to
/// `to` (inclusive), each site's days in its own time zone.
#[utoipa::path(
    get, path = "/api/v1/reports/summary", tag = "reports",
    params(dto::SummaryParams),
    responses(
        (status = 200, description = "The summary", body = dto::Summary),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 422, description = "A bad or missing date, or too long a period", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn summary(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Query(q): Query<dto::SummaryParams>,
) -> Result<Json<dto::Summary>, ApiError> {
    let from = dto::parse_date("from", &q.from)?;
    let to = dto::parse_date("to", &q.to)?;
    let filter = app::reports::ReportFilter {
        site_id: q.site_id.map(SiteId),
        employee_id: q.employee_id.map(UserId),
    };
    let summary = app.summary_filtered(&actor, from, to, filter).await?;
    Ok(Json(summary.into()))
}
