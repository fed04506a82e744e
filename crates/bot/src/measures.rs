//! The bot's metrics, named as in the metric catalog (issue 9): updates by kind, commands,
//! handler duration and errors (recorded where an update is handled, `handler`), and every
//! request to the Bot API by method and outcome, with Telegram's 429s and the retries
//! (recorded where requests are made, `messenger`, and for the bot's own start-up and polling
//! calls in `lib`). Labels stay bounded: five update kinds, the bot's own commands (else
//! "other"), the Bot API methods we call, four outcomes.

use crate::ctx::Input;
use std::time::Instant;
use teloxide::{ApiError, RequestError};

pub const BOT_UPDATES: &str = "staffprobot_bot_updates_total";
pub const BOT_COMMANDS: &str = "staffprobot_bot_commands_total";
pub const BOT_HANDLER_DURATION: &str = "staffprobot_bot_handler_duration_seconds";
pub const BOT_HANDLER_ERRORS: &str = "staffprobot_bot_handler_errors_total";
pub const TELEGRAM_REQUESTS: &str = "staffprobot_telegram_requests_total";
pub const TELEGRAM_RETRY_AFTER: &str = "staffprobot_telegram_retry_after_total";
pub const TELEGRAM_RETRIES: &str = "staffprobot_telegram_retries_total";

/// What an update brought, as `staffprobot_bot_updates_total{kind}` names it: a command, a
/// button tap, a location (a live location's edits too), any other message; "other" for what
/// the bot does not serve (group chats, edited texts, other update types).
pub(crate) fn update_kind(input: Option<&Input>) -> &'static str {
    match input {
        Some(Input::Command { .. }) => "command",
        Some(Input::Callback { .. }) => "callback",
        Some(Input::Location { .. }) => "location",
        Some(Input::Text(_) | Input::Other) => "message",
        None => "other",
    }
}

/// The handling of one update: counts it (and its command) at the start, records its duration
/// when dropped, and counts an error when it failed — or never got to the end (it panicked, or
/// the shutdown deadline cut it off).
pub(crate) struct Handling {
    kind: &'static str,
    started: Instant,
    ended: bool,
}

impl Handling {
    pub fn start(input: Option<&Input>) -> Self {
        let kind = update_kind(input);
        metrics::counter!(BOT_UPDATES, "kind" => kind).increment(1);
        if let Some(Input::Command { name, .. }) = input {
            metrics::counter!(BOT_COMMANDS, "command" => crate::commands::label(name)).increment(1);
        }
        Self {
            kind,
            started: Instant::now(),
            ended: false,
        }
    }

    /// The update was handled (the person got their answer).
    pub fn succeeded(mut self) {
        self.ended = true;
    }

    /// Its flow failed (the person was told to try again).
    pub fn failed(self) {
        // Dropped unended: counted as an error.
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        if !self.ended {
            metrics::counter!(BOT_HANDLER_ERRORS, "kind" => self.kind).increment(1);
        }
        metrics::histogram!(BOT_HANDLER_DURATION, "kind" => self.kind)
            .record(self.started.elapsed().as_secs_f64());
    }
}

/// How one request to the Bot API ended.
pub(crate) fn outcome<T>(result: &Result<T, RequestError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(RequestError::RetryAfter(_)) => "retry_after",
        Err(RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::ChatNotFound,
        )) => "blocked",
        // Telegram refuses an edit that changes nothing: the message already says it.
        Err(RequestError::Api(ApiError::MessageNotModified)) => "ok",
        Err(_) => "error",
    }
}

/// Counts one request to the Bot API (`method` as the Bot API spells it, e.g. "sendMessage")
/// and passes its result on.
pub(crate) fn request<T>(
    method: &'static str,
    result: Result<T, RequestError>,
) -> Result<T, RequestError> {
    let outcome = outcome(&result);
    metrics::counter!(TELEGRAM_REQUESTS, "method" => method, "outcome" => outcome).increment(1);
    if outcome == "retry_after" {
        metrics::counter!(TELEGRAM_RETRY_AFTER).increment(1);
    }
    result
}

/// A request is sent again (after a 429 or a network error).
pub(crate) fn retried() {
    metrics::counter!(TELEGRAM_RETRIES).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::metrics::{recorder, scrape};

    #[test]
    fn outcomes_are_the_catalogs_four() {
        let ok: Result<(), RequestError> = Ok(());
        assert_eq!(outcome(&ok), "ok");
        let slow: Result<(), _> = Err(RequestError::RetryAfter(
            teloxide::types::Seconds::from_seconds(3),
        ));
        assert_eq!(outcome(&slow), "retry_after");
        for blocked in [ApiError::BotBlocked, ApiError::ChatNotFound] {
            let result: Result<(), _> = Err(RequestError::Api(blocked));
            assert_eq!(outcome(&result), "blocked");
        }
        let bad: Result<(), _> = Err(RequestError::Api(ApiError::MessageTextIsEmpty));
        assert_eq!(outcome(&bad), "error");
    }

    #[test]
    fn a_handling_that_never_ends_counts_as_an_error() {
        recorder();
        let errors = || {
            scrape()
                .value(BOT_HANDLER_ERRORS, &[("kind", "message")])
                .unwrap_or(0.0)
        };
        let before = errors();
        Handling::start(Some(&Input::Other)).succeeded();
        assert_eq!(errors(), before);
        let panicked = std::panic::catch_unwind(|| {
            let _handling = Handling::start(Some(&Input::Other));
            panic!("a flow panicked");
        });
        assert!(panicked.is_err());
        assert_eq!(errors(), before + 1.0);
        Handling::start(Some(&Input::Other)).failed();
        assert_eq!(errors(), before + 2.0);
        let handled = scrape()
            .value(
                &format!("{BOT_HANDLER_DURATION}_count"),
                &[("kind", "message")],
            )
            .unwrap_or(0.0);
        assert!(handled >= 3.0);
    }
}
