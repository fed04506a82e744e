//! Broadcasts: write to the employees of one or all of the caller's sites, and follow progress.

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Json, Path};
use app::broadcasts::{BroadcastError, BroadcastId};
use axum::extract::State;
use axum::http::StatusCode;
use domain::SiteId;

/// Starts a broadcast; it is sent in the background at Telegram's pace (follow it with GET).
#[utoipa::path(
    post, path = "/api/v1/broadcasts", tag = "broadcasts",
    request_body = dto::CreateBroadcast,
    responses(
        (status = 202, description = "Accepted: stored with its recipients, being sent", body = dto::Broadcast),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 409, description = "Nobody to write to (no reachable employees there: `no_recipients`), or no Telegram bot is configured on this server to send it (`no_telegram_bot`)", body = ErrorBody),
        (status = 422, description = "An empty or too long text, or one with control characters", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_broadcast(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Json(body): Json<dto::CreateBroadcast>,
) -> Result<(StatusCode, Json<dto::Broadcast>), ApiError> {
    let started = app
        .start_broadcast(&actor, body.site_id.map(SiteId), &body.text, None)
        .await
        .map_err(from_broadcast)?;
    Ok((StatusCode::ACCEPTED, Json(started.into())))
}

/// A broadcast the caller started, with its progress.
#[utoipa::path(
    get, path = "/api/v1/broadcasts/{id}", tag = "broadcasts",
    params(("id" = i64, Path, description = "Broadcast id")),
    responses(
        (status = 200, description = "The broadcast", body = dto::Broadcast),
        (status = 404, description = "No such broadcast of the caller's", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_broadcast(
    State(app): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
) -> Result<Json<dto::Broadcast>, ApiError> {
    let found = app.broadcast_of(&actor, BroadcastId(id)).await?;
    Ok(Json(found.into()))
}

fn from_broadcast(e: BroadcastError) -> ApiError {
    let text = |code: &str, e: &BroadcastError| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.to_string()).with_field("text")
    };
    match e {
        BroadcastError::EmptyText => text("empty_text", &e),
        BroadcastError::TooLong { .. } => text("text_too_long", &e),
        BroadcastError::ControlCharacter => text("invalid_value", &e),
        BroadcastError::NoRecipients => {
            ApiError::new(StatusCode::CONFLICT, "no_recipients", e.to_string())
        }
        // A state of this server a client cannot change by retrying: no bot to send with.
        BroadcastError::NoSender => {
            ApiError::new(StatusCode::CONFLICT, "no_telegram_bot", e.to_string())
        }
        BroadcastError::App(e) => e.into(),
    }
}
