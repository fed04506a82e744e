//! Webhook mode: while the bot has a webhook set, queued updates are POSTed to it one by one
//! with the `X-Telegram-Bot-Api-Secret-Token` header, as Telegram does (retrying on failure and
//! reporting the last error in getWebhookInfo); plus a helper to POST any update by hand.

use std::{pin::pin, sync::Arc, time::Duration};

use serde_json::Value;

use super::Shared;
use super::model::FakeTelegramError;

pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Telegram waits a while for a webhook answer; tests should not.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// POSTs `update` to `url` with the secret header when given; returns the HTTP status.
pub async fn post_update_json(
    client: &reqwest::Client,
    url: &str,
    update: &Value,
    secret_token: Option<&str>,
) -> Result<u16, FakeTelegramError> {
    let mut request = client.post(url).json(update).timeout(DELIVERY_TIMEOUT);
    if let Some(secret) = secret_token {
        request = request.header(SECRET_HEADER, secret);
    }
    let response = request.send().await.map_err(FakeTelegramError::Webhook)?;
    Ok(response.status().as_u16())
}

/// Runs until the fake shuts down.
pub(crate) async fn deliver_loop(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut failures: u32 = 0;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let mut notified = pin!(shared.updates_changed.notified());
        notified.as_mut().enable();
        let next = shared.lock().next_webhook_update();
        let Some((config, update_id, json)) = next else {
            tokio::select! {
                () = &mut notified => continue,
                _ = shutdown.changed() => return,
            }
        };
        let delivery = post_update_json(
            &shared.http,
            &config.url,
            &json,
            config.secret_token.as_deref(),
        );
        let outcome = tokio::select! {
            outcome = delivery => outcome,
            _ = shutdown.changed() => return,
        };
        let error = match outcome {
            Ok(status) if (200..300).contains(&status) => None,
            Ok(status) => Some(format!("Wrong response from the webhook: {status}")),
            Err(e) => Some(format!("Connection failed: {e}")),
        };
        match error {
            None => {
                failures = 0;
                shared.lock().confirm_update(update_id);
                shared.activity.notify_waiters();
            }
            Some(message) => {
                {
                    let now = shared.now();
                    let mut state = shared.lock();
                    state.webhook.last_error_date = Some(now);
                    state.webhook.last_error_message = Some(message);
                }
                shared.activity.notify_waiters();
                failures = failures.saturating_add(1);
                let backoff = Duration::from_millis(50u64.saturating_mul(1 << failures.min(6)))
                    .min(MAX_BACKOFF);
                let mut changed = pin!(shared.updates_changed.notified());
                changed.as_mut().enable();
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    // A new setWebhook (e.g. the bot restarted) is worth trying at once.
                    () = &mut changed => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    }
}
