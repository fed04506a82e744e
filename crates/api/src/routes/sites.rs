//! Sites of the caller: list, create, read, edit (including the `active` and `notify_owner`
//! flags), deactivate and activate.

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use domain::{SiteId, SitePatch};

/// Sites the caller owns or manages.
#[utoipa::path(
    get, path = "/api/v1/sites", tag = "sites",
    responses(
        (status = 200, description = "The sites, by id", body = Vec<dto::Site>),
    ),
    security(("bearer" = []))
)]
pub async fn list_sites(
    State(app): State<AppState>,
    Actor(actor): Actor,
) -> Result<Json<Vec<dto::Site>>, ApiError> {
    let sites = app.sites_for(&actor).await?;
    Ok(Json(sites.into_iter().map(Into::into).collect()))
}

/// Creates a site (owners only).
#[utoipa::path(
    post, path = "/api/v1/sites", tag = "sites",
    request_body = dto::CreateSite,
    responses(
        (status = 201, description = "Created", body = dto::Site),
        (status = 403, description = "The caller is not an owner", body = ErrorBody),
        (status = 422, description = "A value is invalid (see `field`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_site(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Json(body): Json<dto::CreateSite>,
) -> Result<(StatusCode, Json<dto::Site>), ApiError> {
    let site = app.create_site(&actor, SitePatch::from(body)).await?;
    Ok((StatusCode::CREATED, Json(site.into())))
}

/// One site the caller owns or manages.
#[utoipa::path(
    get, path = "/api/v1/sites/{id}", tag = "sites",
    params(("id" = i64, Path, description = "Site id")),
    responses(
        (status = 200, description = "The site", body = dto::Site),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_site(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
) -> Result<Json<dto::Site>, ApiError> {
    let site = app.managed_site(&actor, SiteId(id)).await?;
    Ok(Json(site.into()))
}

/// Edits a site; absent fields keep their values.
#[utoipa::path(
    patch, path = "/api/v1/sites/{id}", tag = "sites",
    params(("id" = i64, Path, description = "Site id")),
    request_body = dto::UpdateSite,
    responses(
        (status = 200, description = "The updated site", body = dto::Site),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 422, description = "A value is invalid (see `field`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_site(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
    Json(body): Json<dto::UpdateSite>,
) -> Result<Json<dto::Site>, ApiError> {
    let (patch, active, notify_owner) = body.into_parts();
    let site = app
        .update_site(&actor, SiteId(id), patch, active, notify_owner)
        .await?;
    Ok(Json(site.into()))
}

/// Stops new shifts at a site (running ones go on).
#[utoipa::path(
    post, path = "/api/v1/sites/{id}/deactivate", tag = "sites",
    params(("id" = i64, Path, description = "Site id")),
    responses(
        (status = 200, description = "The site, inactive", body = dto::Site),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn deactivate_site(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
) -> Result<Json<dto::Site>, ApiError> {
    set_active(&app, &actor, id, false).await
}

/// Lets shifts open at a site again.
#[utoipa::path(
    post, path = "/api/v1/sites/{id}/activate", tag = "sites",
    params(("id" = i64, Path, description = "Site id")),
    responses(
        (status = 200, description = "The site, active", body = dto::Site),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn activate_site(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
) -> Result<Json<dto::Site>, ApiError> {
    set_active(&app, &actor, id, true).await
}

async fn set_active(
    app: &AppState,
    actor: &domain::User,
    id: i64,
    active: bool,
) -> Result<Json<dto::Site>, ApiError> {
    let site = app
        .update_site(actor, SiteId(id), SitePatch::default(), Some(active), None)
        .await?;
    Ok(Json(site.into()))
}
