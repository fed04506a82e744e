//! The Bot API over HTTP: `/bot<token>/<method>` (any letter case, GET or POST) and
//! `GET /file/bot<token>/<path>`, with queued faults applied before the method runs and
//! getUpdates held open until an update arrives or its timeout passes.

use std::{pin::pin, sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::model::{Fault, RequestRecord};
use super::params::{ApiFailure, Params, dropped_connection, ok_response, percent_decode};
use super::state::{canonical_method, remember_allowed};
use super::{FakeTelegram, Shared};

/// Telegram caps long polling near this; a larger `timeout` is shortened rather than refused.
const MAX_POLL_TIMEOUT_SECS: i64 = 50;

/// Everything that is not `/control/...`.
pub(crate) async fn bot_api(State(telegram): State<FakeTelegram>, request: Request) -> Response {
    let shared = &telegram.shared;
    let path = request.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return download(shared, rest);
    }
    let Some(rest) = path.strip_prefix("/bot") else {
        return ApiFailure::new(404, "Not Found").into_response();
    };
    let (token, method) = rest.split_once('/').unwrap_or((rest, ""));
    if percent_decode(token, false) != shared.token {
        return ApiFailure::new(401, "Unauthorized").into_response();
    }
    let method = percent_decode(method, false);
    let lower = method.to_ascii_lowercase();
    if lower.is_empty() || lower.contains('/') {
        return ApiFailure::new(404, "Not Found").into_response();
    }
    shared.lock().count_request(&lower);
    // Waiters on request counts (e.g. "the bot is polling") must not wait for the answer.
    shared.activity.notify_waiters();
    let response = match Params::from_request(request).await {
        Ok(params) => {
            let response = answer(shared, &lower, &params).await;
            let (logged, uploads) = params.loggable();
            log(shared, &method, logged, uploads, &response);
            response
        }
        Err(failure) => {
            let response = failure.into_response();
            log(shared, &method, json!({}), Vec::new(), &response);
            response
        }
    };
    shared.activity.notify_waiters();
    response
}

fn log(
    shared: &Shared,
    method: &str,
    params: serde_json::Value,
    uploads: Vec<String>,
    response: &Response,
) {
    let status = if response.extensions().get::<Dropped>().is_some() {
        0
    } else {
        response.status().as_u16()
    };
    tracing::debug!(method, status, "fake telegram request");
    shared.lock().log_request(RequestRecord {
        method: method.to_owned(),
        params,
        uploads,
        status,
    });
}

/// Marks a response whose connection is broken on purpose, for the request log.
#[derive(Clone, Copy)]
struct Dropped;

async fn answer(shared: &Arc<Shared>, lower: &str, params: &Params) -> Response {
    if canonical_method(lower).is_none() {
        return ApiFailure::new(404, "Not Found").into_response();
    }
    let chat_id = params.i64("chat_id").ok().flatten();
    let fault = shared.lock().take_fault(lower, chat_id);
    match fault {
        None => {}
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::DropConnection) => {
            let mut response = dropped_connection();
            response.extensions_mut().insert(Dropped);
            return response;
        }
        Some(fault) => return failure_for(fault).into_response(),
    }
    if super::limits::is_counted(lower) {
        let admitted = shared
            .lock()
            .limiter
            .as_mut()
            .map_or(Ok(()), |l| l.admit(chat_id, std::time::Instant::now()));
        if let Err(retry_after) = admitted {
            return ApiFailure::too_many_requests(retry_after).into_response();
        }
    }
    if lower == "getupdates" {
        return match get_updates(shared, params).await {
            Ok(response) => response,
            Err(failure) => failure.into_response(),
        };
    }
    let now = shared.now();
    let result = shared.lock().call(lower, params, now);
    if matches!(lower, "setwebhook" | "deletewebhook") {
        // The webhook deliverer and waiting long polls must see the change.
        shared.updates_changed.notify_waiters();
    }
    match result {
        Ok(value) => ok_response(value),
        Err(failure) => failure.into_response(),
    }
}

pub(crate) fn failure_for(fault: Fault) -> ApiFailure {
    match fault {
        Fault::RetryAfter(secs) => ApiFailure::too_many_requests(secs),
        Fault::Blocked => ApiFailure::blocked(),
        Fault::BadRequest(description) => ApiFailure::bad_request(description),
        Fault::ServerError(code) => ApiFailure::server_error(code),
        Fault::Error { code, description } => ApiFailure::new(code, description),
        // Handled before; an answer is still needed for the type.
        Fault::Delay(_) | Fault::DropConnection => ApiFailure::server_error(500),
    }
}

fn conflict_with_webhook() -> ApiFailure {
    ApiFailure::new(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
}

fn conflict_with_other_poll() -> ApiFailure {
    ApiFailure::new(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    )
}

async fn get_updates(shared: &Arc<Shared>, params: &Params) -> Result<Response, ApiFailure> {
    let offset = params.i64("offset")?.unwrap_or(0);
    let limit = params.i64("limit")?.unwrap_or(100).clamp(1, 100);
    let limit = usize::try_from(limit).unwrap_or(100);
    let timeout = params
        .i64("timeout")?
        .unwrap_or(0)
        .clamp(0, MAX_POLL_TIMEOUT_SECS);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout.unsigned_abs());
    let generation = {
        let mut state = shared.lock();
        if state.webhook.config.is_some() {
            return Err(conflict_with_webhook());
        }
        remember_allowed(&mut state, params)?;
        state.poll_generation += 1;
        state.poll_generation
    };
    // Wakes an older long poll so it can answer "terminated by other getUpdates request".
    shared.updates_changed.notify_waiters();
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let mut notified = pin!(shared.updates_changed.notified());
        notified.as_mut().enable();
        {
            let mut state = shared.lock();
            if state.poll_generation != generation {
                return Err(conflict_with_other_poll());
            }
            if state.webhook.config.is_some() {
                return Err(conflict_with_webhook());
            }
            let updates = state.take_updates(offset, limit);
            if !updates.is_empty() || tokio::time::Instant::now() >= deadline || *shutdown.borrow()
            {
                return Ok(ok_response(json!(updates)));
            }
        }
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep_until(deadline) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// `GET /file/bot<token>/<file_path>`: the bytes of a file a user or the bot sent.
fn download(shared: &Shared, rest: &str) -> Response {
    let (token, path) = rest.split_once('/').unwrap_or((rest, ""));
    if percent_decode(token, false) != shared.token {
        return ApiFailure::new(401, "Unauthorized").into_response();
    }
    let path = percent_decode(path, false);
    let state = shared.lock();
    match state.file_by_path(&path) {
        Some(file) => {
            let mime = file
                .mime_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            ([(header::CONTENT_TYPE, mime)], file.bytes.clone()).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"ok": false, "error_code": 404, "description": "Not Found"})),
        )
            .into_response(),
    }
}
