//! Webhook mode: Telegram POSTs updates to our HTTP server. The secret header is compared in
//! constant time (403 when wrong); accepted updates go to the dispatcher, and redeliveries are
//! dropped there by their update id.

use crate::dispatch::Dispatcher;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::sync::Arc;
use teloxide::types::Update;

pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

#[derive(Clone)]
struct WebhookState {
    secret: Arc<str>,
    dispatcher: Arc<Dispatcher>,
}

/// The route serving `path` (e.g. "/telegram/webhook").
pub fn router(path: &str, secret: &str, dispatcher: Arc<Dispatcher>) -> Router {
    Router::new()
        .route(path, post(receive))
        .with_state(WebhookState {
            secret: secret.into(),
            dispatcher,
        })
}

async fn receive(State(state): State<WebhookState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !constant_time_eq(given, state.secret.as_bytes()) {
        return StatusCode::FORBIDDEN;
    }
    match serde_json::from_slice::<Update>(&body) {
        Ok(update) => {
            state.dispatcher.submit(update).await;
            StatusCode::OK
        }
        Err(e) => {
            // Answering an error would make Telegram redeliver it forever.
            tracing::warn!(error = %e, "unreadable webhook update dropped");
            StatusCode::OK
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
