//! Public records of the fake Telegram server: fake users, what the bot sent (messages, keyboards,
//! files, edits, callback answers, commands), injected faults and the errors of the control API.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

/// Which Telegram app a fake user runs. The Bot API never tells a bot which client a user has;
/// the difference only shows in what a tap on a `request_location` button does (see
/// [`crate::telegram::FakeTelegram::share_location_via_button`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// Telegram for Android / iOS: a location button sends the phone's position.
    #[default]
    Mobile,
    /// Telegram Desktop: a location button only shows "location sharing is unavailable" to the
    /// user and sends nothing to the bot.
    Desktop,
}

/// A Telegram user talking to the bot in a private chat (chat id = user id, as in Telegram).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FakeUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    /// IETF language tag of the user's Telegram app, e.g. "ru" or "en"; `None` when hidden.
    pub language_code: Option<String>,
    pub client: ClientKind,
}

impl FakeUser {
    /// A mobile user with a Russian Telegram app (the product's default language).
    pub fn new(id: i64) -> Self {
        Self {
            id,
            first_name: format!("User{id}"),
            last_name: None,
            username: Some(format!("user{id}")),
            language_code: Some("ru".to_owned()),
            client: ClientKind::Mobile,
        }
    }

    /// A mobile user whose Telegram app is in Russian.
    pub fn ru(id: i64) -> Self {
        Self::new(id)
    }

    /// A mobile user whose Telegram app is in English.
    pub fn en(id: i64) -> Self {
        Self::new(id).language(Some("en"))
    }

    #[must_use]
    pub fn named(mut self, first_name: &str, last_name: Option<&str>) -> Self {
        self.first_name = first_name.to_owned();
        self.last_name = last_name.map(str::to_owned);
        self
    }

    #[must_use]
    pub fn username(mut self, username: Option<&str>) -> Self {
        self.username = username.map(str::to_owned);
        self
    }

    #[must_use]
    pub fn language(mut self, language_code: Option<&str>) -> Self {
        self.language_code = language_code.map(str::to_owned);
        self
    }

    #[must_use]
    pub fn on_desktop(mut self) -> Self {
        self.client = ClientKind::Desktop;
        self
    }

    /// The private chat with this user has the user's id.
    pub fn chat_id(&self) -> i64 {
        self.id
    }

    /// The Bot API `User` object.
    pub fn to_json(&self) -> Value {
        let mut user = json!({ "id": self.id, "is_bot": false, "first_name": self.first_name });
        if let Some(map) = user.as_object_mut() {
            if let Some(last) = &self.last_name {
                map.insert("last_name".into(), json!(last));
            }
            if let Some(username) = &self.username {
                map.insert("username".into(), json!(username));
            }
            if let Some(lang) = &self.language_code {
                map.insert("language_code".into(), json!(lang));
            }
        }
        user
    }

    /// The Bot API `Chat` object of the private chat with this user.
    pub fn chat_json(&self) -> Value {
        let mut chat = json!({ "id": self.id, "type": "private", "first_name": self.first_name });
        if let Some(map) = chat.as_object_mut() {
            if let Some(last) = &self.last_name {
                map.insert("last_name".into(), json!(last));
            }
            if let Some(username) = &self.username {
                map.insert("username".into(), json!(username));
            }
        }
        chat
    }
}

/// One button of an inline keyboard as the bot sent it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InlineButton {
    pub text: String,
    pub callback_data: Option<String>,
    pub url: Option<String>,
}

/// One button of a reply keyboard as the bot sent it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplyButton {
    pub text: String,
    pub request_location: bool,
    pub request_contact: bool,
}

/// A reply keyboard (the buttons under the input field).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplyKeyboard {
    pub rows: Vec<Vec<ReplyButton>>,
    pub resize_keyboard: bool,
    pub one_time_keyboard: bool,
    pub is_persistent: bool,
    pub input_field_placeholder: Option<String>,
}

impl ReplyKeyboard {
    pub fn buttons(&self) -> impl Iterator<Item = &ReplyButton> {
        self.rows.iter().flatten()
    }

    /// The texts of the buttons, row by row.
    pub fn texts(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|row| row.iter().map(|b| b.text.clone()).collect())
            .collect()
    }
}

/// The `reply_markup` of a message the bot sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Markup {
    #[default]
    None,
    Inline {
        rows: Vec<Vec<InlineButton>>,
    },
    Reply(ReplyKeyboard),
    RemoveKeyboard,
    ForceReply {
        input_field_placeholder: Option<String>,
    },
}

impl Markup {
    /// The Bot API form of an inline keyboard, the only markup Telegram echoes in a `Message`.
    pub(crate) fn inline_json(&self) -> Option<Value> {
        let Markup::Inline { rows } = self else {
            return None;
        };
        let rows: Vec<Vec<Value>> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|b| {
                        let mut button = json!({ "text": b.text });
                        if let Some(map) = button.as_object_mut() {
                            if let Some(data) = &b.callback_data {
                                map.insert("callback_data".into(), json!(data));
                            }
                            if let Some(url) = &b.url {
                                map.insert("url".into(), json!(url));
                            }
                        }
                        button
                    })
                    .collect()
            })
            .collect();
        Some(json!({ "inline_keyboard": rows }))
    }
}

/// What kind of file the bot sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Document,
    Photo,
}

/// A file the bot uploaded (sendDocument / sendPhoto) or a user sent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredFile {
    pub file_id: String,
    pub file_unique_id: String,
    /// Path for `GET /file/bot<token>/<file_path>`.
    pub file_path: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    /// Set when the bot passed an HTTP URL instead of uploading bytes (the fake does not fetch it).
    pub source_url: Option<String>,
    pub size: usize,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// A message the bot sent, in its current state (after edits; `deleted` once deleted).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BotMessage {
    pub chat_id: i64,
    pub message_id: i32,
    /// The Bot API method that created it, e.g. "sendMessage", "sendDocument".
    pub method: String,
    /// What the user sees: the text (or caption) with the formatting markup removed.
    pub text: Option<String>,
    /// The text (or caption) exactly as the bot sent it, markup included.
    pub raw_text: Option<String>,
    pub parse_mode: Option<String>,
    pub markup: Markup,
    pub file: Option<(FileKind, StoredFile)>,
    /// Set for sendLocation.
    pub location: Option<(f64, f64)>,
    /// Unix time.
    pub date: i64,
    pub edit_count: u32,
    /// Unix time of the last edit.
    pub edit_date: Option<i64>,
    pub deleted: bool,
    pub disable_notification: bool,
    pub reply_to_message_id: Option<i32>,
}

impl BotMessage {
    /// The text the user sees, or "" for a message without text or caption.
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or_default()
    }

    /// Inline keyboard rows, empty when the message has none.
    pub fn inline_rows(&self) -> &[Vec<InlineButton>] {
        match &self.markup {
            Markup::Inline { rows } => rows,
            _ => &[],
        }
    }

    pub fn inline_buttons(&self) -> impl Iterator<Item = &InlineButton> {
        self.inline_rows().iter().flatten()
    }

    /// The inline keyboard as rows of button texts.
    pub fn inline_texts(&self) -> Vec<Vec<String>> {
        self.inline_rows()
            .iter()
            .map(|row| row.iter().map(|b| b.text.clone()).collect())
            .collect()
    }

    /// The inline button with exactly this text.
    pub fn inline_button(&self, text: &str) -> Option<&InlineButton> {
        self.inline_buttons().find(|b| b.text == text)
    }

    pub fn reply_keyboard(&self) -> Option<&ReplyKeyboard> {
        match &self.markup {
            Markup::Reply(keyboard) => Some(keyboard),
            _ => None,
        }
    }

    /// The bytes of the document or photo the bot sent.
    pub fn file_bytes(&self) -> Option<&[u8]> {
        self.file.as_ref().map(|(_, f)| f.bytes.as_slice())
    }

    pub fn file_name(&self) -> Option<&str> {
        self.file.as_ref().and_then(|(_, f)| f.file_name.as_deref())
    }
}

/// One editMessageText / editMessageReplyMarkup / editMessageCaption call that succeeded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edit {
    pub chat_id: i64,
    pub message_id: i32,
    pub method: String,
    /// The new visible text, when the edit changed it.
    pub text: Option<String>,
    pub raw_text: Option<String>,
    pub parse_mode: Option<String>,
    pub markup: Markup,
}

/// An answerCallbackQuery call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallbackAnswer {
    pub callback_query_id: String,
    /// The update that carried the callback query.
    pub update_id: i64,
    pub chat_id: i64,
    pub message_id: Option<i32>,
    pub text: Option<String>,
    pub show_alert: bool,
    pub url: Option<String>,
}

/// One command of a setMyCommands list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BotCommandRecord {
    pub command: String,
    pub description: String,
}

/// The commands set for one scope and language.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommandSet {
    /// The Bot API `BotCommandScope` object, `{"type":"default"}` when the bot gave none.
    pub scope: Value,
    /// "" when the bot gave no language (the fallback list).
    pub language_code: String,
    pub commands: Vec<BotCommandRecord>,
}

/// The webhook the bot registered with setWebhook.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WebhookConfig {
    pub url: String,
    pub secret_token: Option<String>,
    pub allowed_updates: Option<Vec<String>>,
    pub max_connections: Option<u32>,
    pub has_custom_certificate: bool,
}

/// One request the bot made (file bytes left out).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestRecord {
    /// The method name as the bot sent it (teloxide capitalises: "SendMessage").
    pub method: String,
    pub params: Value,
    /// Names of the uploaded files, by form field.
    pub uploads: Vec<String>,
    /// HTTP status of the answer (0 when the connection was dropped on purpose).
    pub status: u16,
}

/// An error the fake answers instead of doing the work.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 429 "Too Many Requests: retry after N" with `parameters.retry_after`.
    RetryAfter(u32),
    /// 403 "Forbidden: bot was blocked by the user".
    Blocked,
    /// 400 with this description; "Bad Request: " is prepended unless already there.
    BadRequest(String),
    /// A 5xx answer (teloxide waits 10 s after any 5xx before it returns the error).
    ServerError(u16),
    /// Any other error code and description, answered word for word.
    Error { code: u16, description: String },
    /// Waits, then answers normally.
    Delay(Duration),
    /// Sends the status line and then breaks the connection, so the client sees a network error.
    DropConnection,
}

/// When a [`Fault`] applies: which method (case-insensitive, `None` = any), which chat, how often.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    pub fault: Fault,
    pub method: Option<String>,
    pub chat_id: Option<i64>,
    /// How many matching requests still get the fault; `None` = every one.
    pub remaining: Option<u32>,
}

impl FaultRule {
    /// The fault for the next matching request of any method in any chat.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            method: None,
            chat_id: None,
            remaining: Some(1),
        }
    }

    #[must_use]
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_lowercase());
        self
    }

    #[must_use]
    pub fn chat(mut self, chat_id: i64) -> Self {
        self.chat_id = Some(chat_id);
        self
    }

    #[must_use]
    pub fn times(mut self, times: u32) -> Self {
        self.remaining = Some(times);
        self
    }

    #[must_use]
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }
}

/// Errors of the control API (asking the fake to do something a real user could not).
#[derive(Debug, thiserror::Error)]
pub enum FakeTelegramError {
    #[error("the bot has sent no message {message_id} to chat {chat_id}")]
    NoSuchMessage { chat_id: i64, message_id: i32 },
    #[error(
        "message {message_id} in chat {chat_id} has no inline button {text:?}; it has {available:?}"
    )]
    NoSuchButton {
        chat_id: i64,
        message_id: i32,
        text: String,
        available: Vec<String>,
    },
    #[error("inline button {text:?} has no callback_data (it opens {url:?})")]
    NotACallbackButton { text: String, url: Option<String> },
    #[error(
        "the reply keyboard shown in chat {chat_id} has no button {text:?}; it has {available:?}"
    )]
    NoSuchReplyButton {
        chat_id: i64,
        text: String,
        available: Vec<String>,
    },
    #[error(
        "reply button {text:?} requests a location or contact; use share_location_via_button or send the contact"
    )]
    SpecialButton { text: String },
    #[error("update {0} was never injected")]
    NoSuchUpdate(i64),
    #[error("update {0} is not a location message")]
    NotALocation(i64),
    #[error("could not start the fake Telegram server: {0}")]
    Bind(#[source] std::io::Error),
    #[error("webhook request failed: {0}")]
    Webhook(#[source] reqwest::Error),
}

/// [`crate::telegram::FakeTelegram::wait_until`] gave up; the message tells what the bot did do.
#[derive(Debug, thiserror::Error)]
#[error("timed out after {waited:?} waiting for {what}; {report}")]
pub struct WaitTimeout {
    pub waited: Duration,
    pub what: String,
    pub report: String,
}
