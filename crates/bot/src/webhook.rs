//! Webhook mode: Telegram POSTs updates to our HTTP server. The secret header is compared in
//! constant time (403 when wrong); accepted updates are queued on the dispatcher (200), and an
//! update that cannot be queued (its lane is full, the bot is stopping) is answered 503 so
//! Telegram delivers it again. Redeliveries of handled updates are dropped by their update id.

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
            let id = update.id.0;
            match state.dispatcher.try_submit(update) {
                Ok(()) => StatusCode::OK,
                Err(refused) => {
                    tracing::warn!(update_id = id, reason = %refused, "webhook update refused; Telegram will redeliver it");
                    StatusCode::SERVICE_UNAVAILABLE
                }
            }
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
    use super::*;
    use crate::dispatch::tests::{TestHandler, message};
    use crate::dispatch::{DispatchOptions, Dispatcher};
    use axum::body::Body;
    use axum::http::Request;
    use std::time::Duration;
    use tower::ServiceExt;

    #[test]
    fn compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    async fn post(router: &Router, secret: &str, update_id: i64, chat: i64) -> StatusCode {
        let body = serde_json::to_vec(&message(update_id, chat)).unwrap();
        let request = Request::post("/hook")
            .header(SECRET_HEADER, secret)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        router.clone().oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn an_update_that_cannot_be_queued_is_answered_503() {
        let handler = Arc::new(TestHandler {
            held: vec![5],
            ..TestHandler::default()
        });
        let options = DispatchOptions {
            lanes: 1,
            lane_capacity: 1,
        };
        let dispatcher = Arc::new(Dispatcher::new(handler.clone(), options));
        let router = router("/hook", "s3cret", dispatcher.clone());

        assert_eq!(post(&router, "wrong", 1, 5).await, StatusCode::FORBIDDEN);
        let started = handler.started.notified();
        assert_eq!(post(&router, "s3cret", 1, 5).await, StatusCode::OK);
        started.await;
        assert_eq!(post(&router, "s3cret", 2, 6).await, StatusCode::OK);
        // The lane is busy and its queue is full: Telegram must try again later.
        assert_eq!(
            post(&router, "s3cret", 3, 6).await,
            StatusCode::SERVICE_UNAVAILABLE
        );

        handler.gate.add_permits(1);
        assert!(dispatcher.shutdown(Duration::from_secs(5)).await.is_empty());
        // Stopping: nothing is taken any more.
        assert_eq!(
            post(&router, "s3cret", 4, 6).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(*handler.handled.lock().unwrap(), [(1, 5), (2, 6)]);
    }
}
