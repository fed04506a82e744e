//! `/control/...`: the control API over HTTP, so a person can play a user with curl (inject text,
//! locations, button taps, raw updates; read what the bot sent; queue faults). The endpoint list
//! is in the parent module's documentation.

use std::time::Duration;

use axum::{
    Json, Router,
    extract::{Path, State, rejection::JsonRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ClientKind, FakeTelegram, FakeUser, Fault, FaultRule, Incoming};

pub(crate) fn router() -> Router<FakeTelegram> {
    Router::new()
        .route("/", get(index))
        .route("/users", post(add_user))
        .route("/users/{id}/block", post(block))
        .route("/users/{id}/unblock", post(unblock))
        .route("/text", post(text))
        .route("/location", post(location))
        .route("/callback", post(callback))
        .route("/updates", post(raw_update))
        .route("/chats/{chat_id}", get(chat))
        .route("/chats/{chat_id}/messages", get(chat_messages))
        .route("/callback-answers", get(callback_answers))
        .route("/commands", get(commands))
        .route("/webhook", get(webhook))
        .route("/requests", get(requests))
        .route("/faults", post(add_fault).delete(clear_faults))
        .route("/files/{file_id}", get(file))
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

/// The JSON body, or the reason it was refused (answered as 400).
fn body<T>(payload: Result<Json<T>, JsonRejection>) -> Result<T, String> {
    payload.map(|Json(value)| value).map_err(|e| e.body_text())
}

#[derive(Debug, Deserialize)]
struct UserFields {
    user_id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
    language_code: Option<String>,
    /// "mobile" (default) or "desktop".
    client: Option<String>,
}

impl UserFields {
    /// The known user with these fields changed, or a new one.
    fn resolve(&self, telegram: &FakeTelegram) -> FakeUser {
        let known = telegram.shared.lock().users.get(&self.user_id).cloned();
        let mut user = known.unwrap_or_else(|| FakeUser::new(self.user_id));
        if let Some(name) = &self.first_name {
            user.first_name = name.clone();
        }
        if self.last_name.is_some() {
            user.last_name = self.last_name.clone();
        }
        if self.username.is_some() {
            user.username = self.username.clone();
        }
        if let Some(lang) = &self.language_code {
            user.language_code = (!lang.is_empty()).then(|| lang.clone());
        }
        match self.client.as_deref() {
            Some("desktop") => user.client = ClientKind::Desktop,
            Some("mobile") => user.client = ClientKind::Mobile,
            _ => {}
        }
        user
    }
}

async fn index(State(telegram): State<FakeTelegram>) -> Json<Value> {
    Json(json!({
        "api_url": telegram.api_url(),
        "token": telegram.token(),
        "bot_username": telegram.bot_username(),
        "endpoints": [
            "POST /control/users {user_id, first_name?, last_name?, username?, language_code?, client?: mobile|desktop}",
            "POST /control/users/{id}/block | /unblock",
            "POST /control/text {user_id, text, …user fields}",
            "POST /control/location {user_id, latitude, longitude, horizontal_accuracy?, live_period?, seconds_ago?, forwarded_from_user_id?, edit_of_update_id?}",
            "POST /control/callback {user_id, message_id, button? | data?}",
            "POST /control/updates <raw Update>",
            "GET /control/chats/{chat_id}",
            "GET /control/chats/{chat_id}/messages",
            "GET /control/callback-answers",
            "GET /control/commands",
            "GET /control/webhook",
            "GET /control/requests",
            "POST /control/faults {kind, method?, chat_id?, times?, always?, retry_after?, description?, status?, delay_ms?}",
            "DELETE /control/faults",
            "GET /control/files/{file_id}",
        ],
    }))
}

async fn add_user(
    State(telegram): State<FakeTelegram>,
    payload: Result<Json<UserFields>, JsonRejection>,
) -> Response {
    let fields = match body(payload) {
        Ok(fields) => fields,
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    let user = fields.resolve(&telegram);
    telegram.add_user(&user);
    Json(json!(user)).into_response()
}

async fn block(State(telegram): State<FakeTelegram>, Path(id): Path<i64>) -> Json<Value> {
    telegram.block_bot(id);
    Json(json!({ "blocked": id }))
}

async fn unblock(State(telegram): State<FakeTelegram>, Path(id): Path<i64>) -> Json<Value> {
    telegram.unblock_bot(id);
    Json(json!({ "unblocked": id }))
}

#[derive(Debug, Deserialize)]
struct TextBody {
    #[serde(flatten)]
    user: UserFields,
    text: String,
}

async fn text(
    State(telegram): State<FakeTelegram>,
    payload: Result<Json<TextBody>, JsonRejection>,
) -> Response {
    let request = match body(payload) {
        Ok(request) => request,
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    let user = request.user.resolve(&telegram);
    let update_id = telegram.send_text(&user, &request.text);
    Json(json!({ "update_id": update_id })).into_response()
}

#[derive(Debug, Deserialize)]
struct LocationBody {
    #[serde(flatten)]
    user: UserFields,
    latitude: f64,
    longitude: f64,
    horizontal_accuracy: Option<f64>,
    live_period: Option<u32>,
    /// How old the message's `date` is.
    seconds_ago: Option<i64>,
    forwarded_from_user_id: Option<i64>,
    /// Moves the live location sent in that update instead of sending a new one.
    edit_of_update_id: Option<i64>,
}

async fn location(
    State(telegram): State<FakeTelegram>,
    payload: Result<Json<LocationBody>, JsonRejection>,
) -> Response {
    let request = match body(payload) {
        Ok(request) => request,
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    let user = request.user.resolve(&telegram);
    if let Some(original) = request.edit_of_update_id {
        return match telegram.edit_live_location(
            &user,
            original,
            request.latitude,
            request.longitude,
            request.horizontal_accuracy,
        ) {
            Ok(update_id) => Json(json!({ "update_id": update_id })).into_response(),
            Err(e) => error(StatusCode::BAD_REQUEST, e),
        };
    }
    let mut message = Incoming::location(request.latitude, request.longitude);
    if let Some(metres) = request.horizontal_accuracy {
        message = message.accuracy(metres);
    }
    if let Some(seconds) = request.live_period {
        message = message.live_period(seconds);
    }
    if let Some(ago) = request.seconds_ago {
        message = message.sent_at(telegram.now() - chrono::Duration::seconds(ago));
    }
    if let Some(author_id) = request.forwarded_from_user_id {
        let author = telegram
            .shared
            .lock()
            .users
            .get(&author_id)
            .cloned()
            .unwrap_or_else(|| FakeUser::new(author_id));
        message = message.forwarded_from(&author, None);
    }
    let update_id = telegram.send(&user, message);
    Json(json!({ "update_id": update_id })).into_response()
}

#[derive(Debug, Deserialize)]
struct CallbackBody {
    #[serde(flatten)]
    user: UserFields,
    message_id: i32,
    button: Option<String>,
    data: Option<String>,
}

async fn callback(
    State(telegram): State<FakeTelegram>,
    payload: Result<Json<CallbackBody>, JsonRejection>,
) -> Response {
    let request = match body(payload) {
        Ok(request) => request,
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    let user = request.user.resolve(&telegram);
    let result = match (&request.button, &request.data) {
        (Some(button), _) => telegram.tap_button(&user, request.message_id, button),
        (None, Some(data)) => Ok(telegram.send_callback(&user, request.message_id, data)),
        (None, None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "give \"button\" (its text) or \"data\"",
            );
        }
    };
    match result {
        Ok(update_id) => Json(json!({ "update_id": update_id })).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn raw_update(
    State(telegram): State<FakeTelegram>,
    payload: Result<Json<Value>, JsonRejection>,
) -> Response {
    match body(payload) {
        Ok(update) if update.is_object() => {
            Json(json!({ "update_id": telegram.inject_raw(update) })).into_response()
        }
        Ok(_) => error(StatusCode::BAD_REQUEST, "an Update must be a JSON object"),
        Err(reason) => error(StatusCode::BAD_REQUEST, reason),
    }
}

async fn chat(State(telegram): State<FakeTelegram>, Path(chat_id): Path<i64>) -> Json<Value> {
    Json(json!({
        "messages": telegram.messages(chat_id),
        "edits": telegram.edits(chat_id),
        "deleted": telegram.deleted_messages(chat_id),
        "chat_actions": telegram.chat_actions(chat_id),
        "reply_keyboard": telegram.reply_keyboard(chat_id),
    }))
}

async fn chat_messages(
    State(telegram): State<FakeTelegram>,
    Path(chat_id): Path<i64>,
) -> Json<Value> {
    Json(json!(telegram.messages(chat_id)))
}

async fn callback_answers(State(telegram): State<FakeTelegram>) -> Json<Value> {
    Json(json!(telegram.callback_answers()))
}

async fn commands(State(telegram): State<FakeTelegram>) -> Json<Value> {
    Json(json!(telegram.commands()))
}

async fn webhook(State(telegram): State<FakeTelegram>) -> Json<Value> {
    Json(json!({
        "webhook": telegram.webhook(),
        "last_error": telegram.webhook_last_error(),
        "pending_update_count": telegram.pending_updates(),
    }))
}

async fn requests(State(telegram): State<FakeTelegram>) -> Json<Value> {
    let (counts, recent) = {
        let state = telegram.shared.lock();
        let recent: Vec<Value> = state
            .requests
            .iter()
            .rev()
            .take(200)
            .map(|r| json!(r))
            .collect();
        (json!(state.request_counts), recent)
    };
    Json(json!({ "counts": counts, "recent": recent }))
}

#[derive(Debug, Deserialize)]
struct FaultBody {
    kind: String,
    method: Option<String>,
    chat_id: Option<i64>,
    times: Option<u32>,
    always: Option<bool>,
    retry_after: Option<u32>,
    description: Option<String>,
    status: Option<u16>,
    delay_ms: Option<u64>,
}

async fn add_fault(
    State(telegram): State<FakeTelegram>,
    payload: Result<Json<FaultBody>, JsonRejection>,
) -> Response {
    let request = match body(payload) {
        Ok(request) => request,
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    let fault = match request.kind.as_str() {
        "retry_after" => Fault::RetryAfter(request.retry_after.unwrap_or(1)),
        "blocked" => Fault::Blocked,
        "bad_request" => Fault::BadRequest(
            request
                .description
                .clone()
                .unwrap_or_else(|| "chat not found".to_owned()),
        ),
        "server_error" => Fault::ServerError(request.status.unwrap_or(500)),
        "error" => Fault::Error {
            code: request.status.unwrap_or(400),
            description: request.description.clone().unwrap_or_default(),
        },
        "delay" => Fault::Delay(Duration::from_millis(request.delay_ms.unwrap_or(1000))),
        "drop_connection" => Fault::DropConnection,
        other => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("unknown fault kind {other:?}"),
            );
        }
    };
    let mut rule = FaultRule::new(fault);
    if let Some(method) = &request.method {
        rule = rule.method(method);
    }
    if let Some(chat_id) = request.chat_id {
        rule = rule.chat(chat_id);
    }
    if let Some(times) = request.times {
        rule = rule.times(times);
    }
    if request.always == Some(true) {
        rule = rule.always();
    }
    telegram.add_fault(rule);
    Json(json!({ "queued": true })).into_response()
}

async fn clear_faults(State(telegram): State<FakeTelegram>) -> Json<Value> {
    telegram.clear_faults();
    Json(json!({ "cleared": true }))
}

async fn file(State(telegram): State<FakeTelegram>, Path(file_id): Path<String>) -> Response {
    match telegram.file(&file_id) {
        Some(file) => {
            let mime = file
                .mime_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            ([(header::CONTENT_TYPE, mime)], file.bytes).into_response()
        }
        None => error(StatusCode::NOT_FOUND, format!("no file {file_id:?}")),
    }
}
