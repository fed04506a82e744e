//! Who may do what at a site: managers (granted by the owner) and employees (granted by the
//! owner or a manager).

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Json, Path, Query};
use app::AppError;
use axum::extract::State;
use axum::http::StatusCode;
use domain::{SiteId, UserId};

/// Makes a person a manager of the site (the owner only). The person must have met the bot.
#[utoipa::path(
    post, path = "/api/v1/sites/{id}/managers", tag = "people",
    params(("id" = i64, Path, description = "Site id")),
    request_body = dto::GrantManager,
    responses(
        (status = 201, description = "The manager", body = dto::Person),
        (status = 403, description = "The caller manages but does not own the site", body = ErrorBody),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 422, description = "`telegram_id` is not a Telegram user id, or nobody with it has met the bot (`unknown_person`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn grant_manager(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
    Json(body): Json<dto::GrantManager>,
) -> Result<(StatusCode, Json<dto::Person>), ApiError> {
    let user = app
        .grant_manager(&actor, SiteId(id), body.telegram_id)
        .await
        .map_err(|e| match e {
            // The person named in the body, not the site in the path.
            AppError::NotFound("user") => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_person",
                "nobody with this Telegram id has met the bot; they must send it /start first",
            )
            .with_field("telegram_id"),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Takes the manager role at the site away (the owner only).
#[utoipa::path(
    delete, path = "/api/v1/sites/{id}/managers/{user_id}", tag = "people",
    params(
        ("id" = i64, Path, description = "Site id"),
        ("user_id" = i64, Path, description = "The manager's user id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "The caller manages but does not own the site", body = ErrorBody),
        (status = 404, description = "No such site of the caller's, or not a manager", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn revoke_manager(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path((id, user_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.revoke_manager(&actor, SiteId(id), UserId(user_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Employees of the caller's sites (or of one of them), by name.
#[utoipa::path(
    get, path = "/api/v1/employees", tag = "people",
    params(dto::EmployeeParams),
    responses(
        (status = 200, description = "The employees", body = Vec<dto::Employee>),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_employees(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Query(q): Query<dto::EmployeeParams>,
) -> Result<Json<Vec<dto::Employee>>, ApiError> {
    let employees = app.employees_for(&actor, q.site_id.map(SiteId)).await?;
    Ok(Json(employees.into_iter().map(Into::into).collect()))
}

/// Gives a person access to the site (registering them by Telegram id if the bot has not met
/// them yet; then `name` is required).
#[utoipa::path(
    post, path = "/api/v1/sites/{id}/employees", tag = "people",
    params(("id" = i64, Path, description = "Site id")),
    request_body = dto::AddEmployee,
    responses(
        (status = 201, description = "The employee with their sites", body = dto::Employee),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 422, description = "A value is invalid or `name` is missing", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn add_employee(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
    Json(body): Json<dto::AddEmployee>,
) -> Result<(StatusCode, Json<dto::Employee>), ApiError> {
    let employee = app
        .add_employee(&actor, SiteId(id), body.telegram_id, body.name.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(employee.into())))
}

/// Revokes a person's access to the site.
#[utoipa::path(
    delete, path = "/api/v1/sites/{id}/employees/{user_id}", tag = "people",
    params(
        ("id" = i64, Path, description = "Site id"),
        ("user_id" = i64, Path, description = "The employee's user id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such site of the caller's, or no such employee there", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn revoke_employee(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path((id, user_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.revoke_employee(&actor, SiteId(id), UserId(user_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
