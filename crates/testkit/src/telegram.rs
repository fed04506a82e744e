//! A fake Telegram Bot API server for tests: real HTTP on loopback, close enough to
//! api.telegram.org that an unmodified teloxide `Bot` runs against it, plus a control API (Rust
//! methods and `/control/...` HTTP endpoints) to play the users and inspect what the bot did.
//!
//! # Use from a test
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use testkit::telegram::{FakeTelegram, FakeUser, Fault};
//!
//! let tg = FakeTelegram::start().await;
//! // Point the bot at it: `Bot::new(tg.token()).set_api_url(tg.api_url().parse()?)`, or
//! // TELOXIDE_API_URL / TELEGRAM_API_URL = tg.api_url(), then start the bot (long polling).
//! let anna = FakeUser::ru(1001);
//! tg.send_command(&anna, "start", Some("join-abc"));
//! let sent = tg.wait_for_messages(anna.chat_id(), 1, Duration::from_secs(2)).await?;
//! assert!(sent[0].text().contains("Привет"));
//! let open = sent[0].inline_button("Open shift").map(|b| b.text.clone());
//! # let _ = open;
//! tg.tap_button(&anna, sent[0].message_id, "Open shift")?;
//! tg.fail_next("sendMessage", Fault::RetryAfter(1));
//! # Ok(()) }
//! ```
//!
//! # What it serves
//!
//! `POST|GET /bot<token>/<method>` with JSON, urlencoded or multipart bodies (and query
//! parameters), method names in any letter case. A wrong token answers 401 "Unauthorized", an
//! unknown method 404 "Not Found". Implemented: getMe, getUpdates (long polling, `offset`,
//! `limit`, `timeout`, `allowed_updates`; a second poll terminates the first with 409 as
//! Telegram does), getWebhookInfo, setWebhook, deleteWebhook, sendMessage, editMessageText,
//! editMessageReplyMarkup, editMessageCaption, answerCallbackQuery, sendPhoto, sendDocument,
//! sendLocation, deleteMessage, setMyCommands, getMyCommands, deleteMyCommands, sendChatAction,
//! getFile, setMyDescription, setMyShortDescription, setMyName, setChatMenuButton, close, logOut;
//! and `GET /file/bot<token>/<file_path>`.
//!
//! It checks what Telegram checks and answers with Telegram's own error texts: unknown chat
//! ("Bad Request: chat not found" until the user has written to the bot or was added with
//! [`FakeTelegram::add_user`]), blocked bot (403), empty or over-long text, malformed HTML /
//! MarkdownV2 ("Bad Request: can't parse entities: …"), callback data over 64 bytes
//! ("Bad Request: BUTTON_DATA_INVALID"), "message is not modified", "message to edit not found",
//! "query is too old…" for a callback answered twice, non-image bytes in sendPhoto. Like Telegram,
//! editMessageText without `reply_markup` removes the inline keyboard, and the `text` of a
//! returned message is the visible text (markup removed).
//!
//! Webhook mode: once the bot calls setWebhook (plain `http://` URLs are accepted here), queued
//! updates are POSTed to it with `X-Telegram-Bot-Api-Secret-Token`; failures are retried and
//! shown in getWebhookInfo's `last_error_message`. [`FakeTelegram::post_update`] POSTs any
//! update by hand (any secret, the same update_id again…).
//!
//! # Control endpoints (for driving a bot by hand with curl)
//!
//! All take and return JSON. Users are created on first use (`language_code` defaults to "ru").
//!
//! | endpoint | body / answer |
//! |---|---|
//! | `GET /control` | this list and the bot's token |
//! | `POST /control/users` | `{"user_id":1,"first_name":"Anna","language_code":"en","client":"desktop"}` |
//! | `POST /control/users/{id}/block`, `…/unblock` | the user blocks / unblocks the bot (sends get 403) |
//! | `POST /control/text` | `{"user_id":1,"text":"/start abc"}` → `{"update_id":7}` |
//! | `POST /control/location` | `{"user_id":1,"latitude":55.75,"longitude":37.61,"horizontal_accuracy":20,"seconds_ago":0,"live_period":900,"forwarded_from_user_id":2,"edit_of_update_id":7}` |
//! | `POST /control/callback` | `{"user_id":1,"message_id":5,"button":"Open shift"}` or `"data":"v1:o:3"` |
//! | `POST /control/updates` | a raw Update object (its update_id is replaced) |
//! | `GET /control/chats/{chat_id}/messages` | what the bot sent there (current state) |
//! | `GET /control/chats/{chat_id}` | messages, edits, deletions, chat actions, reply keyboard |
//! | `GET /control/callback-answers`, `/control/commands`, `/control/webhook` | records |
//! | `GET /control/requests` | counts per method and the last 200 requests |
//! | `POST /control/faults` | `{"kind":"retry_after","retry_after":3,"method":"sendMessage","chat_id":1,"times":2}`; kinds: `retry_after`, `blocked`, `bad_request` (`description`), `server_error` (`status`), `error` (`status`, `description`), `delay` (`delay_ms`), `drop_connection`; `"always":true` for every request |
//! | `DELETE /control/faults` | removes queued faults |
//! | `GET /control/files/{file_id}` | the bytes of a document or photo |
//!
//! See docs/fake-telegram.md for a walk-through.

mod api;
mod control;
mod format;
mod incoming;
mod limits;
mod model;
mod params;
mod state;
mod users;
mod wait;
mod webhook;

use std::{
    net::SocketAddr,
    pin::pin,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use app::{Clock, SystemClock};
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

pub use incoming::Incoming;
pub use limits::RateLimits;
pub use model::{
    BotCommandRecord, BotMessage, CallbackAnswer, ClientKind, CommandSet, Edit, FakeTelegramError,
    FakeUser, Fault, FaultRule, FileKind, InlineButton, Markup, ReplyButton, ReplyKeyboard,
    RequestRecord, StoredFile, WaitTimeout, WebhookConfig,
};
pub use webhook::{SECRET_HEADER, post_update_json};

use state::{BotProfile, State, StoredMessage, UpdateRecord};

/// Shared by the handle, the HTTP handlers and the webhook deliverer.
pub(crate) struct Shared {
    pub token: String,
    pub state: Mutex<State>,
    /// An update was queued, or the webhook / polling set-up changed.
    pub updates_changed: Notify,
    /// Anything happened that a waiting test may care about.
    pub activity: Notify,
    pub shutdown: watch::Sender<bool>,
    pub http: reqwest::Client,
    /// Stamps the `date` of messages and edits (the test's clock, so the bot and the fake agree
    /// on what "now" is).
    pub clock: Arc<dyn Clock>,
}

impl Shared {
    /// Now, as Unix seconds (Telegram's `date`).
    pub fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// A panic elsewhere while holding the lock must not hide every later assertion.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Settings for [`FakeTelegram`]; `FakeTelegram::start()` uses the defaults.
#[derive(Clone)]
pub struct FakeTelegramBuilder {
    token: String,
    bot_first_name: String,
    bot_username: String,
    addr: SocketAddr,
    clock: Arc<dyn Clock>,
    limits: Option<RateLimits>,
}

impl std::fmt::Debug for FakeTelegramBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTelegramBuilder")
            .field("bot_username", &self.bot_username)
            .field("addr", &self.addr)
            .field("now", &self.clock.now())
            .finish_non_exhaustive()
    }
}

impl FakeTelegramBuilder {
    /// The only token the fake accepts; the bot's user id is the part before ':'.
    #[must_use]
    pub fn token(mut self, token: &str) -> Self {
        self.token = token.to_owned();
        self
    }

    #[must_use]
    pub fn bot_name(mut self, first_name: &str, username: &str) -> Self {
        self.bot_first_name = first_name.to_owned();
        self.bot_username = username.to_owned();
        self
    }

    /// The clock that stamps message dates; default the system clock. Tests that run the bot on
    /// a settable clock give the fake the same one.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Enforces Telegram's flood limits on sent messages (429 with `retry_after` over them);
    /// off by default. `FakeTelegram::rate_limited` counts the refusals.
    #[must_use]
    pub fn telegram_limits(mut self, limits: RateLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Where to listen; default 127.0.0.1:0 (a free port).
    #[must_use]
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    pub async fn start(self) -> Result<FakeTelegram, FakeTelegramError> {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(FakeTelegramError::Bind)?;
        let addr = listener.local_addr().map_err(FakeTelegramError::Bind)?;
        let bot_id = self
            .token
            .split(':')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or(1_234_567_890);
        let (shutdown, _) = watch::channel(false);
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap_or_default();
        let mut state = State::new(BotProfile {
            id: bot_id,
            first_name: self.bot_first_name,
            username: self.bot_username,
        });
        state.limiter = self.limits.map(limits::Limiter::new);
        let shared = Arc::new(Shared {
            token: self.token,
            state: Mutex::new(state),
            updates_changed: Notify::new(),
            activity: Notify::new(),
            shutdown,
            http,
            clock: self.clock,
        });
        let telegram = FakeTelegram { shared, addr };
        let app = Router::new()
            .nest("/control", control::router())
            .fallback(api::bot_api)
            .with_state(telegram.clone());
        let mut stop = telegram.shared.shutdown.subscribe();
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::warn!(error = %e, "fake Telegram server stopped");
            }
        });
        tokio::spawn(webhook::deliver_loop(Arc::clone(&telegram.shared)));
        Ok(telegram)
    }
}

/// Handle to a running fake Telegram server; clones share it.
#[derive(Clone)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl std::fmt::Debug for FakeTelegram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTelegram")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeTelegram {
    pub const DEFAULT_TOKEN: &'static str = "1234567890:AAFakeTelegramTokenForStaffProBotTests";

    pub fn builder() -> FakeTelegramBuilder {
        FakeTelegramBuilder {
            token: Self::DEFAULT_TOKEN.to_owned(),
            bot_first_name: "StaffProBot".to_owned(),
            bot_username: "staffprobot_test_bot".to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            clock: Arc::new(SystemClock),
            limits: None,
        }
    }

    /// Starts a fake on a free loopback port with the default token.
    ///
    /// # Panics
    /// When no loopback port can be bound: the machine cannot run any HTTP test then.
    pub async fn start() -> Self {
        match Self::builder().start().await {
            Ok(telegram) => telegram,
            Err(e) => panic!("fake Telegram server: {e}"),
        }
    }

    /// Base URL for `Bot::set_api_url` / TELOXIDE_API_URL, e.g. "http://127.0.0.1:41234/".
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Now, by the fake's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn token(&self) -> &str {
        &self.shared.token
    }

    pub fn bot_id(&self) -> i64 {
        self.shared.lock().bot.id
    }

    pub fn bot_username(&self) -> String {
        self.shared.lock().bot.username.clone()
    }

    /// Stops serving: waiting long polls answer at once, the webhook deliverer ends.
    pub fn shutdown(&self) {
        self.shared.shutdown.send_replace(true);
    }

    fn changed(&self) {
        self.shared.updates_changed.notify_waiters();
        self.shared.activity.notify_waiters();
    }

    // ----- what the bot did -----

    /// Every message the bot sent to the chat, oldest first, in its current state.
    pub fn messages(&self, chat_id: i64) -> Vec<BotMessage> {
        let state = self.shared.lock();
        let Some(chat) = state.chats.get(&chat_id) else {
            return Vec::new();
        };
        chat.bot_messages
            .iter()
            .filter_map(|id| match chat.messages.get(id) {
                Some(StoredMessage::Bot(m)) => Some((**m).clone()),
                _ => None,
            })
            .collect()
    }

    /// The visible texts of the messages the bot sent to the chat.
    pub fn texts(&self, chat_id: i64) -> Vec<String> {
        self.messages(chat_id)
            .into_iter()
            .map(|m| m.text.unwrap_or_default())
            .collect()
    }

    pub fn last_message(&self, chat_id: i64) -> Option<BotMessage> {
        self.messages(chat_id).pop()
    }

    pub fn message(&self, chat_id: i64, message_id: i32) -> Option<BotMessage> {
        match self
            .shared
            .lock()
            .chats
            .get(&chat_id)
            .and_then(|c| c.messages.get(&message_id))
        {
            Some(StoredMessage::Bot(m)) => Some((**m).clone()),
            _ => None,
        }
    }

    pub fn edits(&self, chat_id: i64) -> Vec<Edit> {
        self.chat_field(chat_id, |c| c.edits.clone())
    }

    /// Ids of messages the bot deleted, in order.
    pub fn deleted_messages(&self, chat_id: i64) -> Vec<i32> {
        self.chat_field(chat_id, |c| c.deleted.clone())
    }

    /// sendChatAction actions ("typing", "upload_document"…), in order.
    pub fn chat_actions(&self, chat_id: i64) -> Vec<String> {
        self.chat_field(chat_id, |c| c.actions.clone())
    }

    /// The reply keyboard the user has now (the last one sent and not removed).
    pub fn reply_keyboard(&self, chat_id: i64) -> Option<ReplyKeyboard> {
        self.chat_field(chat_id, |c| c.reply_keyboard.clone())
    }

    fn chat_field<T: Default>(
        &self,
        chat_id: i64,
        read: impl FnOnce(&state::ChatRecord) -> T,
    ) -> T {
        self.shared
            .lock()
            .chats
            .get(&chat_id)
            .map(read)
            .unwrap_or_default()
    }

    pub fn callback_answers(&self) -> Vec<CallbackAnswer> {
        self.shared.lock().callback_answers.clone()
    }

    /// The answer to the callback query carried by `update_id`.
    pub fn callback_answer(&self, update_id: i64) -> Option<CallbackAnswer> {
        self.shared
            .lock()
            .callback_answers
            .iter()
            .find(|a| a.update_id == update_id)
            .cloned()
    }

    /// Every command list the bot set, per scope and language.
    pub fn commands(&self) -> Vec<CommandSet> {
        self.shared.lock().commands.clone()
    }

    /// The list for a scope (e.g. `json!({"type":"chat","chat_id":42})`) and language ("" for
    /// the fallback list).
    pub fn commands_for(
        &self,
        scope: &Value,
        language_code: &str,
    ) -> Option<Vec<BotCommandRecord>> {
        self.shared
            .lock()
            .commands
            .iter()
            .find(|c| &c.scope == scope && c.language_code == language_code)
            .map(|c| c.commands.clone())
    }

    pub fn webhook(&self) -> Option<WebhookConfig> {
        self.shared.lock().webhook.config.clone()
    }

    /// Every setWebhook (`Some`) and deleteWebhook (`None`) call, in order.
    pub fn webhook_history(&self) -> Vec<Option<WebhookConfig>> {
        self.shared.lock().webhook.history.clone()
    }

    /// The last failed webhook delivery, as getWebhookInfo reports it.
    pub fn webhook_last_error(&self) -> Option<String> {
        self.shared.lock().webhook.last_error_message.clone()
    }

    /// Requests of a method so far, counted on arrival (method name in any letter case).
    pub fn request_count(&self, method: &str) -> u64 {
        self.shared
            .lock()
            .request_counts
            .get(&method.to_ascii_lowercase())
            .copied()
            .unwrap_or_default()
    }

    /// Sends refused with 429 because of the flood limits (`telegram_limits`); 0 without them.
    pub fn rate_limited(&self) -> u64 {
        self.shared.lock().limiter.as_ref().map_or(0, |l| l.refused)
    }

    /// The last requests (up to 10 000), oldest first, answered ones only.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.iter().cloned().collect()
    }

    /// A file the bot or a user sent.
    pub fn file(&self, file_id: &str) -> Option<StoredFile> {
        self.shared.lock().files.get(file_id).cloned()
    }

    /// Parameters of the last setMyDescription / setMyShortDescription / setMyName /
    /// setChatMenuButton call (method name in any letter case).
    pub fn setting(&self, method: &str) -> Option<Value> {
        self.shared
            .lock()
            .settings
            .get(&method.to_ascii_lowercase())
            .cloned()
    }

    // ----- faults -----

    pub fn add_fault(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// The next call of `method` gets `fault`.
    pub fn fail_next(&self, method: &str, fault: Fault) {
        self.add_fault(FaultRule::new(fault).method(method));
    }

    /// The next call of `method` for `chat_id` gets `fault`.
    pub fn fail_next_in_chat(&self, method: &str, chat_id: i64, fault: Fault) {
        self.add_fault(FaultRule::new(fault).method(method).chat(chat_id));
    }

    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    // ----- webhook -----

    /// POSTs the update `update_id` (built by [`FakeTelegram::prepare`] or any injection) to
    /// `url` with this secret header (`None` = no header); returns the HTTP status.
    pub async fn post_update(
        &self,
        url: &str,
        update_id: i64,
        secret_token: Option<&str>,
    ) -> Result<u16, FakeTelegramError> {
        let update = self
            .update_json(update_id)
            .ok_or(FakeTelegramError::NoSuchUpdate(update_id))?;
        post_update_json(&self.shared.http, url, &update, secret_token).await
    }
}
