//! The fake server's memory (users, chats, messages, the update queue, files, commands, webhook,
//! faults, request log) and the Bot API methods that only read or change it.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde_json::{Value, json};

use super::format::visible_text;
use super::model::{
    BotCommandRecord, BotMessage, CallbackAnswer, CommandSet, Edit, FakeUser, Fault, FaultRule,
    FileKind, InlineButton, Markup, ReplyButton, ReplyKeyboard, RequestRecord, StoredFile,
    WebhookConfig,
};
use super::params::{ApiFailure, Params, Upload};

mod files;
mod markup;
mod messages;

use files::*;
pub(crate) use files::{document_json, photo_size_json};
pub(crate) use markup::remember_allowed;
use markup::*;

/// How many requests the log keeps (counts per method stay exact beyond that).
const REQUEST_LOG_LIMIT: usize = 10_000;
const MAX_TEXT_LEN: usize = 4096;
const MAX_CAPTION_LEN: usize = 1024;
const MAX_DOCUMENT_BYTES: usize = 50 * 1024 * 1024;
const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// The Bot API methods the fake implements: (lowercase, canonical).
pub(crate) const METHODS: &[(&str, &str)] = &[
    ("getme", "getMe"),
    ("getupdates", "getUpdates"),
    ("getwebhookinfo", "getWebhookInfo"),
    ("setwebhook", "setWebhook"),
    ("deletewebhook", "deleteWebhook"),
    ("sendmessage", "sendMessage"),
    ("editmessagetext", "editMessageText"),
    ("editmessagereplymarkup", "editMessageReplyMarkup"),
    ("editmessagecaption", "editMessageCaption"),
    ("answercallbackquery", "answerCallbackQuery"),
    ("sendphoto", "sendPhoto"),
    ("senddocument", "sendDocument"),
    ("sendlocation", "sendLocation"),
    ("deletemessage", "deleteMessage"),
    ("setmycommands", "setMyCommands"),
    ("getmycommands", "getMyCommands"),
    ("deletemycommands", "deleteMyCommands"),
    ("sendchataction", "sendChatAction"),
    ("getfile", "getFile"),
    ("setmydescription", "setMyDescription"),
    ("setmyshortdescription", "setMyShortDescription"),
    ("setmyname", "setMyName"),
    ("setchatmenubutton", "setChatMenuButton"),
    ("close", "close"),
    ("logout", "logOut"),
];

pub(crate) fn canonical_method(lower: &str) -> Option<&'static str> {
    METHODS
        .iter()
        .find(|(l, _)| *l == lower)
        .map(|(_, canonical)| *canonical)
}

const CHAT_ACTIONS: &[&str] = &[
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
];

/// The bot's own identity, derived from the token.
#[derive(Clone, Debug)]
pub(crate) struct BotProfile {
    pub id: i64,
    pub first_name: String,
    pub username: String,
}

impl BotProfile {
    pub fn user_json(&self) -> Value {
        json!({
            "id": self.id,
            "is_bot": true,
            "first_name": self.first_name,
            "username": self.username,
        })
    }

    /// Every field teloxide-core's `Me` requires.
    pub fn me_json(&self) -> Value {
        json!({
            "id": self.id,
            "is_bot": true,
            "first_name": self.first_name,
            "username": self.username,
            "can_join_groups": true,
            "can_read_all_group_messages": false,
            "supports_inline_queries": false,
            "can_connect_to_business": false,
            "has_main_web_app": false,
        })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct QueuedUpdate {
    pub id: i64,
    /// The update's field name: "message", "callback_query"…
    pub kind: String,
    pub json: Value,
}

/// Every update ever built, so tests can refer to it by update_id.
#[derive(Clone, Debug)]
pub(crate) struct UpdateRecord {
    pub json: Value,
    pub chat_id: Option<i64>,
    pub message_id: Option<i32>,
    pub callback_query_id: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) enum StoredMessage {
    /// A message from the user, as its Bot API JSON.
    User(Value),
    Bot(Box<BotMessage>),
}

#[derive(Debug, Default)]
pub(crate) struct ChatRecord {
    pub last_message_id: i32,
    pub messages: BTreeMap<i32, StoredMessage>,
    pub bot_messages: Vec<i32>,
    pub edits: Vec<Edit>,
    pub deleted: Vec<i32>,
    pub actions: Vec<String>,
    /// The reply keyboard the user currently has (last one sent, until removed).
    pub reply_keyboard: Option<ReplyKeyboard>,
}

#[derive(Clone, Debug)]
pub(crate) struct CallbackRecord {
    pub update_id: i64,
    pub chat_id: i64,
    pub message_id: Option<i32>,
    pub answered: bool,
}

#[derive(Debug, Default)]
pub(crate) struct WebhookStatus {
    pub config: Option<WebhookConfig>,
    pub last_error_date: Option<i64>,
    pub last_error_message: Option<String>,
    /// Every setWebhook call, in order (deleteWebhook records `None`).
    pub history: Vec<Option<WebhookConfig>>,
}

pub(crate) struct State {
    pub bot: BotProfile,
    pub next_update_id: i64,
    pub queue: VecDeque<QueuedUpdate>,
    pub history: BTreeMap<i64, UpdateRecord>,
    /// Update kinds the bot asked for in getUpdates / setWebhook; `None` = the default set.
    pub allowed_updates: Option<Vec<String>>,
    /// Bumped by every getUpdates so an older long poll learns it was superseded.
    pub poll_generation: u64,
    pub users: HashMap<i64, FakeUser>,
    pub chats: HashMap<i64, ChatRecord>,
    pub blocked: HashSet<i64>,
    pub callbacks: HashMap<String, CallbackRecord>,
    pub callback_answers: Vec<CallbackAnswer>,
    pub commands: Vec<CommandSet>,
    pub webhook: WebhookStatus,
    pub faults: Vec<FaultRule>,
    pub request_counts: HashMap<String, u64>,
    pub requests: VecDeque<RequestRecord>,
    pub files: HashMap<String, StoredFile>,
    pub next_file_seq: u64,
    pub settings: HashMap<String, Value>,
    /// Telegram's flood limits, when the test asked for them.
    pub limiter: Option<super::limits::Limiter>,
}

impl State {
    pub fn new(bot: BotProfile) -> Self {
        Self {
            bot,
            next_update_id: 1,
            queue: VecDeque::new(),
            history: BTreeMap::new(),
            allowed_updates: None,
            poll_generation: 0,
            users: HashMap::new(),
            chats: HashMap::new(),
            blocked: HashSet::new(),
            callbacks: HashMap::new(),
            callback_answers: Vec::new(),
            commands: Vec::new(),
            webhook: WebhookStatus::default(),
            faults: Vec::new(),
            request_counts: HashMap::new(),
            requests: VecDeque::new(),
            files: HashMap::new(),
            next_file_seq: 1,
            settings: HashMap::new(),
            limiter: None,
        }
    }

    // ----- users, chats and updates -----

    pub fn register_user(&mut self, user: &FakeUser) {
        self.users.insert(user.id, user.clone());
        self.chats.entry(user.id).or_default();
    }

    pub fn chat_json(&self, chat_id: i64) -> Value {
        match self.users.get(&chat_id) {
            Some(user) => user.chat_json(),
            None => {
                json!({ "id": chat_id, "type": "private", "first_name": format!("User{chat_id}") })
            }
        }
    }

    pub fn next_message_id(&mut self, chat_id: i64) -> i32 {
        let chat = self.chats.entry(chat_id).or_default();
        chat.last_message_id += 1;
        chat.last_message_id
    }

    /// Numbers the update, keeps it in the history and, when `queue` is set, in the queue the
    /// bot reads with getUpdates (or the webhook).
    pub fn add_update(
        &mut self,
        kind: &str,
        body: Value,
        record: UpdateRecord,
        queue: bool,
    ) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        let mut json = json!({ "update_id": id });
        if let Some(map) = json.as_object_mut() {
            map.insert(kind.to_owned(), body);
        }
        if let Some(cq) = &record.callback_query_id {
            self.callbacks.insert(
                cq.clone(),
                CallbackRecord {
                    update_id: id,
                    chat_id: record.chat_id.unwrap_or_default(),
                    message_id: record.message_id,
                    answered: false,
                },
            );
        }
        self.history.insert(
            id,
            UpdateRecord {
                json: json.clone(),
                ..record
            },
        );
        if queue {
            self.queue.push_back(QueuedUpdate {
                id,
                kind: kind.to_owned(),
                json,
            });
        }
        id
    }

    fn is_allowed(&self, kind: &str) -> bool {
        match &self.allowed_updates {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
            // Telegram's default leaves these out unless asked for explicitly.
            _ => !matches!(
                kind,
                "chat_member" | "message_reaction" | "message_reaction_count"
            ),
        }
    }

    /// getUpdates without the waiting: forgets updates below `offset`, returns up to `limit`.
    pub fn take_updates(&mut self, offset: i64, limit: usize) -> Vec<Value> {
        if offset < 0 {
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            while self.queue.len() > keep {
                self.queue.pop_front();
            }
        } else {
            while self.queue.front().is_some_and(|u| u.id < offset) {
                self.queue.pop_front();
            }
        }
        // Updates of kinds the bot did not ask for are never delivered, as with Telegram.
        let allowed: Vec<bool> = self
            .queue
            .iter()
            .map(|u| self.is_allowed(&u.kind))
            .collect();
        let mut index = 0;
        self.queue.retain(|_| {
            let keep = allowed[index];
            index += 1;
            keep
        });
        self.queue
            .iter()
            .take(limit)
            .map(|u| u.json.clone())
            .collect()
    }

    /// The first update for the webhook, after dropping ones the bot did not ask for.
    pub fn next_webhook_update(&mut self) -> Option<(WebhookConfig, i64, Value)> {
        let config = self.webhook.config.clone()?;
        while let Some(front) = self.queue.front() {
            if self.is_allowed(&front.kind) {
                return Some((config, front.id, front.json.clone()));
            }
            self.queue.pop_front();
        }
        None
    }

    pub fn confirm_update(&mut self, update_id: i64) {
        self.queue.retain(|u| u.id != update_id);
    }

    // ----- faults and the request log -----

    pub fn take_fault(&mut self, method_lower: &str, chat_id: Option<i64>) -> Option<Fault> {
        let index = self.faults.iter().position(|rule| {
            rule.method.as_deref().is_none_or(|m| m == method_lower)
                && rule.chat_id.is_none_or(|c| Some(c) == chat_id)
        })?;
        let rule = &mut self.faults[index];
        let fault = rule.fault.clone();
        match &mut rule.remaining {
            Some(n) if *n <= 1 => {
                self.faults.remove(index);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        Some(fault)
    }

    pub fn count_request(&mut self, method_lower: &str) {
        *self
            .request_counts
            .entry(method_lower.to_owned())
            .or_default() += 1;
    }

    pub fn log_request(&mut self, record: RequestRecord) {
        if self.requests.len() >= REQUEST_LOG_LIMIT {
            self.requests.pop_front();
        }
        self.requests.push_back(record);
    }

    // ----- files -----

    fn new_file(
        &mut self,
        prefix: &str,
        folder: &str,
        file_name: Option<String>,
        mime_type: Option<String>,
        bytes: Vec<u8>,
        source_url: Option<String>,
    ) -> StoredFile {
        let seq = self.next_file_seq;
        self.next_file_seq += 1;
        let extension = file_name
            .as_deref()
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .or_else(|| image_extension(&bytes).map(str::to_owned))
            .unwrap_or_else(|| "bin".to_owned());
        let file = StoredFile {
            file_id: format!("{prefix}-{seq}"),
            file_unique_id: format!("u{seq}"),
            file_path: format!("{folder}/file_{seq}.{extension}"),
            file_name,
            mime_type,
            source_url,
            size: bytes.len(),
            bytes,
        };
        self.files.insert(file.file_id.clone(), file.clone());
        file
    }

    /// A file a fake user sends, so the bot can getFile and download it.
    pub fn store_user_file(
        &mut self,
        kind: FileKind,
        file_name: Option<String>,
        mime_type: Option<String>,
        bytes: Vec<u8>,
    ) -> StoredFile {
        let folder = match kind {
            FileKind::Document => "documents",
            FileKind::Photo => "photos",
        };
        self.new_file("user-file", folder, file_name, mime_type, bytes, None)
    }

    fn input_file(
        &mut self,
        params: &Params,
        field: &str,
        kind: FileKind,
    ) -> Result<StoredFile, ApiFailure> {
        let missing = || ApiFailure::bad_request(format!("there is no {field} in the request"));
        let upload: Upload = match params.files.get(field) {
            Some(upload) => upload.clone(),
            None => {
                let value = params.str(field).ok_or_else(missing)?;
                if let Some(name) = value.strip_prefix("attach://") {
                    params.files.get(name).cloned().ok_or_else(missing)?
                } else if value.starts_with("http://") || value.starts_with("https://") {
                    let (folder, prefix) = folder_and_prefix(kind);
                    let name = value.rsplit('/').next().map(str::to_owned);
                    return Ok(self.new_file(prefix, folder, name, None, Vec::new(), Some(value)));
                } else if let Some(existing) = self.files.get(&value) {
                    return Ok(existing.clone());
                } else {
                    return Err(ApiFailure::bad_request(
                        "wrong file identifier/HTTP URL specified",
                    ));
                }
            }
        };
        let limit = match kind {
            FileKind::Document => MAX_DOCUMENT_BYTES,
            FileKind::Photo => MAX_PHOTO_BYTES,
        };
        if upload.bytes.len() > limit {
            return Err(ApiFailure::new(413, "Request Entity Too Large"));
        }
        if upload.bytes.is_empty() {
            return Err(ApiFailure::bad_request("file must be non-empty"));
        }
        if kind == FileKind::Photo && image_extension(&upload.bytes).is_none() {
            return Err(ApiFailure::bad_request("IMAGE_PROCESS_FAILED"));
        }
        let (folder, prefix) = folder_and_prefix(kind);
        // A generic part type says nothing; the file name usually does.
        let mime = upload
            .content_type
            .clone()
            .filter(|t| t != "application/octet-stream")
            .or_else(|| guess_mime(upload.file_name.as_deref(), &upload.bytes))
            .or_else(|| upload.content_type.clone());
        Ok(self.new_file(prefix, folder, upload.file_name, mime, upload.bytes, None))
    }

    // ----- the Bot API -----

    /// Runs one method other than getUpdates. `method` is lowercase.
    pub fn call(&mut self, method: &str, params: &Params, now: i64) -> Result<Value, ApiFailure> {
        match method {
            "getme" => Ok(self.bot.me_json()),
            "getwebhookinfo" => Ok(self.webhook_info()),
            "setwebhook" => self.set_webhook(params),
            "deletewebhook" => {
                if params.bool("drop_pending_updates") {
                    self.queue.clear();
                }
                self.webhook.config = None;
                self.webhook.history.push(None);
                Ok(json!(true))
            }
            "sendmessage" => self.send_message(params, now),
            "sendphoto" => self.send_file(params, now, FileKind::Photo),
            "senddocument" => self.send_file(params, now, FileKind::Document),
            "sendlocation" => self.send_location(params, now),
            "editmessagetext" => self.edit_text(params, now),
            "editmessagereplymarkup" => self.edit_markup(params, now),
            "editmessagecaption" => self.edit_caption(params, now),
            "answercallbackquery" => self.answer_callback(params),
            "deletemessage" => self.delete_message(params),
            "setmycommands" => self.set_commands(params),
            "getmycommands" => self.get_commands(params),
            "deletemycommands" => {
                let (scope, language) = scope_and_language(params)?;
                self.commands
                    .retain(|c| !(c.scope == scope && c.language_code == language));
                Ok(json!(true))
            }
            "sendchataction" => self.send_chat_action(params),
            "getfile" => self.get_file(params),
            "setmydescription" | "setmyshortdescription" | "setmyname" | "setchatmenubutton" => {
                let (values, _) = params.loggable();
                self.settings.insert(method.to_owned(), values);
                Ok(json!(true))
            }
            "close" | "logout" => Ok(json!(true)),
            _ => Err(ApiFailure::new(404, "Not Found")),
        }
    }

    fn webhook_info(&self) -> Value {
        let mut info = json!({
            "url": self.webhook.config.as_ref().map(|c| c.url.clone()).unwrap_or_default(),
            "has_custom_certificate": self.webhook.config.as_ref().is_some_and(|c| c.has_custom_certificate),
            "pending_update_count": self.queue.len(),
        });
        if let Some(map) = info.as_object_mut() {
            if let Some(config) = &self.webhook.config {
                if let Some(max) = config.max_connections {
                    map.insert("max_connections".into(), json!(max));
                }
                if let Some(allowed) = &config.allowed_updates {
                    map.insert("allowed_updates".into(), json!(allowed));
                }
            }
            if let Some(date) = self.webhook.last_error_date {
                map.insert("last_error_date".into(), json!(date));
            }
            if let Some(message) = &self.webhook.last_error_message {
                map.insert("last_error_message".into(), json!(message));
            }
        }
        info
    }

    fn set_webhook(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let url = params.str("url").unwrap_or_default();
        if params.bool("drop_pending_updates") {
            self.queue.clear();
        }
        if url.is_empty() {
            self.webhook.config = None;
            self.webhook.history.push(None);
            return Ok(json!(true));
        }
        // Real Telegram wants HTTPS on ports 80/88/443/8443; tests serve plain HTTP on loopback.
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ApiFailure::bad_request(
                "bad webhook: HTTPS url must be provided for webhook",
            ));
        }
        let secret_token = params.str("secret_token").filter(|s| !s.is_empty());
        if let Some(secret) = &secret_token {
            let valid = secret.len() <= 256
                && secret
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid {
                return Err(ApiFailure::bad_request(
                    "secret token contains unallowed characters",
                ));
            }
        }
        let allowed_updates = allowed_list(params)?;
        if let Some(list) = &allowed_updates {
            self.allowed_updates = Some(list.clone());
        }
        let max_connections = params
            .i64("max_connections")?
            .and_then(|n| u32::try_from(n).ok());
        let config = WebhookConfig {
            url,
            secret_token,
            allowed_updates,
            max_connections,
            has_custom_certificate: params.files.contains_key("certificate"),
        };
        self.webhook.config = Some(config.clone());
        self.webhook.history.push(Some(config));
        self.webhook.last_error_date = None;
        self.webhook.last_error_message = None;
        Ok(json!(true))
    }

    pub fn file_by_path(&self, path: &str) -> Option<&StoredFile> {
        self.files.values().find(|f| f.file_path == path)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn callback_data_over_64_bytes_is_refused_like_telegram() {
        let long = "x".repeat(65);
        let err = parse_markup(Some(json!({
            "inline_keyboard": [[{ "text": "A", "callback_data": long }]]
        })))
        .unwrap_err();
        assert_eq!(err.description, "Bad Request: BUTTON_DATA_INVALID");
        let err =
            parse_markup(Some(json!({ "inline_keyboard": [[{ "text": "A" }]] }))).unwrap_err();
        assert!(err.description.contains("Text buttons are unallowed"));
    }

    #[test]
    fn reply_keyboard_keeps_location_flags() {
        let markup = parse_markup(Some(json!({
            "keyboard": [[{ "text": "Send location", "request_location": true }], ["Cancel"]],
            "resize_keyboard": true
        })))
        .unwrap();
        let Markup::Reply(keyboard) = markup else {
            panic!("expected a reply keyboard");
        };
        assert!(keyboard.rows[0][0].request_location);
        assert_eq!(
            keyboard.texts(),
            vec![vec!["Send location"], vec!["Cancel"]]
        );
        assert!(keyboard.resize_keyboard);
    }

    #[test]
    fn updates_below_offset_are_forgotten() {
        let mut state = State::new(BotProfile {
            id: 1,
            first_name: "B".into(),
            username: "b_bot".into(),
        });
        let record = UpdateRecord {
            json: Value::Null,
            chat_id: None,
            message_id: None,
            callback_query_id: None,
        };
        for _ in 0..3 {
            state.add_update("message", json!({}), record.clone(), true);
        }
        assert_eq!(state.take_updates(0, 100).len(), 3);
        assert_eq!(state.take_updates(3, 1).len(), 1);
        assert_eq!(state.queue.len(), 1);
        assert_eq!(state.take_updates(-1, 100).len(), 1);
        state.allowed_updates = Some(vec!["callback_query".into()]);
        state.add_update("message", json!({}), record, true);
        assert!(state.take_updates(0, 100).is_empty());
    }
}
