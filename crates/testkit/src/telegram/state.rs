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

    /// The chat must be one a user opened (Telegram: "chat not found") and not have blocked us.
    fn writable_chat(&self, params: &Params) -> Result<i64, ApiFailure> {
        let chat_id = params.chat_id()?;
        if !self.users.contains_key(&chat_id) {
            return Err(ApiFailure::chat_not_found());
        }
        if self.blocked.contains(&chat_id) {
            return Err(ApiFailure::blocked());
        }
        Ok(chat_id)
    }

    fn reply_target(&self, chat_id: i64, params: &Params) -> Result<Option<i32>, ApiFailure> {
        let (id, allow_missing) = match params.json("reply_parameters")? {
            Some(rp) => (
                rp.get("message_id").and_then(Value::as_i64),
                rp.get("allow_sending_without_reply")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            ),
            None => (
                params.i64("reply_to_message_id")?,
                params.bool("allow_sending_without_reply"),
            ),
        };
        let Some(id) = id else { return Ok(None) };
        let id = i32::try_from(id)
            .map_err(|_| ApiFailure::bad_request("message to be replied not found"))?;
        let exists = self
            .chats
            .get(&chat_id)
            .is_some_and(|c| c.messages.contains_key(&id));
        if !exists && !allow_missing {
            return Err(ApiFailure::bad_request("message to be replied not found"));
        }
        Ok(Some(id))
    }

    fn new_bot_message(
        &mut self,
        chat_id: i64,
        method: &str,
        params: &Params,
        now: i64,
    ) -> Result<BotMessage, ApiFailure> {
        let markup = parse_markup(params.json("reply_markup")?)?;
        let reply_to_message_id = self.reply_target(chat_id, params)?;
        Ok(BotMessage {
            chat_id,
            message_id: 0,
            method: method.to_owned(),
            text: None,
            raw_text: None,
            parse_mode: params.str("parse_mode").filter(|s| !s.is_empty()),
            markup,
            file: None,
            location: None,
            date: now,
            edit_count: 0,
            edit_date: None,
            deleted: false,
            disable_notification: params.bool("disable_notification"),
            reply_to_message_id,
        })
    }

    /// Stores the message under the chat's next id and returns its Bot API JSON.
    fn store_bot_message(&mut self, mut message: BotMessage) -> Value {
        let chat_id = message.chat_id;
        message.message_id = self.next_message_id(chat_id);
        let json = self.bot_message_json(&message);
        let chat = self.chats.entry(chat_id).or_default();
        match &message.markup {
            Markup::Reply(keyboard) => chat.reply_keyboard = Some(keyboard.clone()),
            Markup::RemoveKeyboard => chat.reply_keyboard = None,
            _ => {}
        }
        chat.bot_messages.push(message.message_id);
        chat.messages
            .insert(message.message_id, StoredMessage::Bot(Box::new(message)));
        json
    }

    pub fn bot_message_json(&self, message: &BotMessage) -> Value {
        let mut json = json!({
            "message_id": message.message_id,
            "from": self.bot.user_json(),
            "chat": self.chat_json(message.chat_id),
            "date": message.date,
        });
        let Some(map) = json.as_object_mut() else {
            return json;
        };
        let text_key = if message.file.is_some() {
            "caption"
        } else {
            "text"
        };
        if let Some(text) = &message.text {
            map.insert(text_key.into(), json!(text));
        }
        if let Some(date) = message.edit_date {
            map.insert("edit_date".into(), json!(date));
        }
        if let Some(markup) = message.markup.inline_json() {
            map.insert("reply_markup".into(), markup);
        }
        if let Some(reply_to) = message.reply_to_message_id
            && let Some(StoredMessage::User(original)) = self
                .chats
                .get(&message.chat_id)
                .and_then(|c| c.messages.get(&reply_to))
        {
            map.insert("reply_to_message".into(), original.clone());
        }
        if let Some((latitude, longitude)) = message.location {
            map.insert(
                "location".into(),
                json!({ "latitude": latitude, "longitude": longitude }),
            );
        }
        if let Some((kind, file)) = &message.file {
            match kind {
                FileKind::Document => {
                    map.insert("document".into(), document_json(file));
                }
                FileKind::Photo => {
                    map.insert("photo".into(), json!([photo_size_json(file)]));
                }
            }
        }
        json
    }

    fn send_message(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
        let chat_id = self.writable_chat(params)?;
        let raw = params.str("text").unwrap_or_default();
        let mut message = self.new_bot_message(chat_id, "sendMessage", params, now)?;
        let visible = checked_text(&raw, message.parse_mode.as_deref(), TextKind::Text)?;
        message.text = Some(visible);
        message.raw_text = Some(raw);
        Ok(self.store_bot_message(message))
    }

    fn send_file(
        &mut self,
        params: &Params,
        now: i64,
        kind: FileKind,
    ) -> Result<Value, ApiFailure> {
        let chat_id = self.writable_chat(params)?;
        let (field, method) = match kind {
            FileKind::Document => ("document", "sendDocument"),
            FileKind::Photo => ("photo", "sendPhoto"),
        };
        let mut message = self.new_bot_message(chat_id, method, params, now)?;
        if let Some(caption) = params.str("caption").filter(|c| !c.is_empty()) {
            let visible = checked_text(&caption, message.parse_mode.as_deref(), TextKind::Caption)?;
            message.text = Some(visible);
            message.raw_text = Some(caption);
        }
        let file = self.input_file(params, field, kind)?;
        message.file = Some((kind, file));
        Ok(self.store_bot_message(message))
    }

    fn send_location(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
        let chat_id = self.writable_chat(params)?;
        let latitude = params.f64("latitude")?;
        let longitude = params.f64("longitude")?;
        let (Some(latitude), Some(longitude)) = (latitude, longitude) else {
            return Err(ApiFailure::bad_request(
                "wrong latitude or longitude specified",
            ));
        };
        if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
            return Err(ApiFailure::bad_request(
                "wrong latitude or longitude specified",
            ));
        }
        let mut message = self.new_bot_message(chat_id, "sendLocation", params, now)?;
        message.location = Some((latitude, longitude));
        Ok(self.store_bot_message(message))
    }

    /// The bot message an edit targets, with Telegram's errors for the wrong ones.
    fn editable(&mut self, params: &Params) -> Result<&mut BotMessage, ApiFailure> {
        let chat_id = params.chat_id()?;
        let message_id = params
            .message_id()?
            .ok_or_else(|| ApiFailure::bad_request("message identifier is not specified"))?;
        if self.blocked.contains(&chat_id) {
            return Err(ApiFailure::blocked());
        }
        let stored = self
            .chats
            .get_mut(&chat_id)
            .and_then(|c| c.messages.get_mut(&message_id));
        match stored {
            Some(StoredMessage::Bot(message)) if !message.deleted => Ok(&mut **message),
            Some(StoredMessage::User(_)) => Err(ApiFailure::bad_request("message can't be edited")),
            _ => Err(ApiFailure::bad_request("message to edit not found")),
        }
    }

    fn finish_edit(
        &mut self,
        chat_id: i64,
        message_id: i32,
        method: &str,
        text_changed: bool,
    ) -> Value {
        let Some(StoredMessage::Bot(message)) = self
            .chats
            .get(&chat_id)
            .and_then(|c| c.messages.get(&message_id))
        else {
            return json!(true);
        };
        let message = (**message).clone();
        let json = self.bot_message_json(&message);
        if let Some(chat) = self.chats.get_mut(&chat_id) {
            chat.edits.push(Edit {
                chat_id,
                message_id,
                method: method.to_owned(),
                text: text_changed.then(|| message.text.clone()).flatten(),
                raw_text: text_changed.then(|| message.raw_text.clone()).flatten(),
                parse_mode: message.parse_mode.clone(),
                markup: message.markup.clone(),
            });
        }
        json
    }

    fn edit_text(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
        if params.get("inline_message_id").is_some() {
            return Ok(json!(true));
        }
        let raw = params.str("text").unwrap_or_default();
        let parse_mode = params.str("parse_mode").filter(|s| !s.is_empty());
        // Telegram drops the inline keyboard when an edit does not repeat it.
        let markup = parse_markup(params.json("reply_markup")?)?;
        if matches!(
            markup,
            Markup::Reply(_) | Markup::RemoveKeyboard | Markup::ForceReply { .. }
        ) {
            return Err(ApiFailure::bad_request("inline keyboard expected"));
        }
        let visible = checked_text(&raw, parse_mode.as_deref(), TextKind::Text)?;
        let message = self.editable(params)?;
        if message.file.is_some() || message.location.is_some() {
            return Err(ApiFailure::bad_request(
                "there is no text in the message to edit",
            ));
        }
        if message.raw_text.as_deref() == Some(raw.as_str())
            && message.parse_mode == parse_mode
            && message.markup == markup
        {
            return Err(not_modified());
        }
        message.text = Some(visible);
        message.raw_text = Some(raw);
        message.parse_mode = parse_mode;
        message.markup = markup;
        message.edit_count += 1;
        message.edit_date = Some(now);
        let (chat_id, message_id) = (message.chat_id, message.message_id);
        Ok(self.finish_edit(chat_id, message_id, "editMessageText", true))
    }

    fn edit_markup(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
        if params.get("inline_message_id").is_some() {
            return Ok(json!(true));
        }
        let markup = parse_markup(params.json("reply_markup")?)?;
        if matches!(
            markup,
            Markup::Reply(_) | Markup::RemoveKeyboard | Markup::ForceReply { .. }
        ) {
            return Err(ApiFailure::bad_request("inline keyboard expected"));
        }
        let message = self.editable(params)?;
        if message.markup == markup {
            return Err(not_modified());
        }
        message.markup = markup;
        message.edit_count += 1;
        message.edit_date = Some(now);
        let (chat_id, message_id) = (message.chat_id, message.message_id);
        Ok(self.finish_edit(chat_id, message_id, "editMessageReplyMarkup", false))
    }

    fn edit_caption(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
        if params.get("inline_message_id").is_some() {
            return Ok(json!(true));
        }
        let raw = params.str("caption").unwrap_or_default();
        let parse_mode = params.str("parse_mode").filter(|s| !s.is_empty());
        let markup = parse_markup(params.json("reply_markup")?)?;
        let visible = if raw.is_empty() {
            None
        } else {
            Some(checked_text(
                &raw,
                parse_mode.as_deref(),
                TextKind::Caption,
            )?)
        };
        let message = self.editable(params)?;
        if message.file.is_none() {
            return Err(ApiFailure::bad_request(
                "there is no caption in the message to edit",
            ));
        }
        let raw = (!raw.is_empty()).then_some(raw);
        if message.raw_text == raw && message.parse_mode == parse_mode && message.markup == markup {
            return Err(not_modified());
        }
        message.text = visible;
        message.raw_text = raw;
        message.parse_mode = parse_mode;
        message.markup = markup;
        message.edit_count += 1;
        message.edit_date = Some(now);
        let (chat_id, message_id) = (message.chat_id, message.message_id);
        Ok(self.finish_edit(chat_id, message_id, "editMessageCaption", true))
    }

    fn answer_callback(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let id = params.str("callback_query_id").unwrap_or_default();
        let invalid = || {
            ApiFailure::bad_request(
                "query is too old and response timeout expired or query id is invalid",
            )
        };
        let record = self.callbacks.get_mut(&id).ok_or_else(invalid)?;
        if record.answered {
            return Err(invalid());
        }
        record.answered = true;
        let record = record.clone();
        self.callback_answers.push(CallbackAnswer {
            callback_query_id: id,
            update_id: record.update_id,
            chat_id: record.chat_id,
            message_id: record.message_id,
            text: params.str("text").filter(|t| !t.is_empty()),
            show_alert: params.bool("show_alert"),
            url: params.str("url").filter(|u| !u.is_empty()),
        });
        Ok(json!(true))
    }

    fn delete_message(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let chat_id = params.chat_id()?;
        let message_id = params
            .message_id()?
            .ok_or_else(|| ApiFailure::bad_request("message identifier is not specified"))?;
        let not_found = || ApiFailure::bad_request("message to delete not found");
        let chat = self.chats.get_mut(&chat_id).ok_or_else(not_found)?;
        match chat.messages.get_mut(&message_id) {
            Some(StoredMessage::Bot(message)) if !message.deleted => message.deleted = true,
            Some(StoredMessage::User(_)) => {
                chat.messages.remove(&message_id);
            }
            _ => return Err(not_found()),
        }
        chat.deleted.push(message_id);
        Ok(json!(true))
    }

    fn set_commands(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let (scope, language_code) = scope_and_language(params)?;
        let list = params
            .json("commands")?
            .ok_or_else(|| ApiFailure::bad_request("parameter \"commands\" is required"))?;
        let items = list
            .as_array()
            .ok_or_else(|| ApiFailure::bad_request("can't parse commands JSON object"))?;
        if items.len() > 100 {
            return Err(ApiFailure::bad_request("BOT_COMMANDS_TOO_MUCH"));
        }
        let mut commands = Vec::with_capacity(items.len());
        for item in items {
            let command = item
                .get("command")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let description = item
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let command_ok = (1..=32).contains(&command.len())
                && command
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !command_ok {
                return Err(ApiFailure::bad_request("BOT_COMMAND_INVALID"));
            }
            if !(1..=256).contains(&description.chars().count()) {
                return Err(ApiFailure::bad_request(
                    "command description must be non-empty",
                ));
            }
            commands.push(BotCommandRecord {
                command: command.to_owned(),
                description: description.to_owned(),
            });
        }
        self.commands
            .retain(|c| !(c.scope == scope && c.language_code == language_code));
        if !commands.is_empty() {
            self.commands.push(CommandSet {
                scope,
                language_code,
                commands,
            });
        }
        Ok(json!(true))
    }

    fn get_commands(&self, params: &Params) -> Result<Value, ApiFailure> {
        let (scope, language_code) = scope_and_language(params)?;
        let commands: Vec<Value> = self
            .commands
            .iter()
            .find(|c| c.scope == scope && c.language_code == language_code)
            .map(|c| {
                c.commands
                    .iter()
                    .map(|cmd| json!({ "command": cmd.command, "description": cmd.description }))
                    .collect()
            })
            .unwrap_or_default();
        Ok(json!(commands))
    }

    fn send_chat_action(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let chat_id = self.writable_chat(params)?;
        let action = params.str("action").unwrap_or_default();
        if !CHAT_ACTIONS.contains(&action.as_str()) {
            return Err(ApiFailure::bad_request("wrong parameter action in request"));
        }
        self.chats.entry(chat_id).or_default().actions.push(action);
        Ok(json!(true))
    }

    fn get_file(&self, params: &Params) -> Result<Value, ApiFailure> {
        let id = params.str("file_id").unwrap_or_default();
        let file = self
            .files
            .get(&id)
            .ok_or_else(|| ApiFailure::bad_request("invalid file_id"))?;
        Ok(json!({
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": file.size,
            "file_path": file.file_path,
        }))
    }

    pub fn file_by_path(&self, path: &str) -> Option<&StoredFile> {
        self.files.values().find(|f| f.file_path == path)
    }
}

fn not_modified() -> ApiFailure {
    ApiFailure::bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    )
}

fn folder_and_prefix(kind: FileKind) -> (&'static str, &'static str) {
    match kind {
        FileKind::Document => ("documents", "bot-document"),
        FileKind::Photo => ("photos", "bot-photo"),
    }
}

pub(crate) fn document_json(file: &StoredFile) -> Value {
    let mut json = json!({
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.size,
    });
    if let Some(map) = json.as_object_mut() {
        if let Some(name) = &file.file_name {
            map.insert("file_name".into(), json!(name));
        }
        if let Some(mime) = &file.mime_type {
            map.insert("mime_type".into(), json!(mime));
        }
    }
    json
}

pub(crate) fn photo_size_json(file: &StoredFile) -> Value {
    let (width, height) = png_size(&file.bytes).unwrap_or((0, 0));
    json!({
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.size,
        "width": width,
        "height": height,
    })
}

/// Width and height from a PNG header (what the bot sends: QR codes).
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if image_extension(bytes) != Some("png") || bytes.len() < 24 {
        return None;
    }
    let width = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((width, height))
}

fn image_extension(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.starts_with(b"GIF8") {
        Some("gif")
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("webp")
    } else if bytes.starts_with(b"BM") {
        Some("bmp")
    } else {
        None
    }
}

fn guess_mime(file_name: Option<&str>, bytes: &[u8]) -> Option<String> {
    let extension = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .or_else(|| image_extension(bytes).map(str::to_owned))?;
    let mime = match extension.as_str() {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "zip" => "application/zip",
        _ => return None,
    };
    Some(mime.to_owned())
}

#[derive(Clone, Copy)]
enum TextKind {
    Text,
    Caption,
}

/// The visible text, or Telegram's error for an empty, too long or malformed one.
fn checked_text(raw: &str, parse_mode: Option<&str>, kind: TextKind) -> Result<String, ApiFailure> {
    if matches!(kind, TextKind::Text) && raw.trim().is_empty() {
        return Err(ApiFailure::bad_request("message text is empty"));
    }
    let visible = visible_text(raw, parse_mode).map_err(|e| {
        if e == "unsupported parse_mode" {
            ApiFailure::bad_request("unsupported parse_mode")
        } else {
            ApiFailure::bad_request(format!("can't parse entities: {e}"))
        }
    })?;
    if matches!(kind, TextKind::Text) && visible.trim().is_empty() {
        return Err(ApiFailure::bad_request("text must be non-empty"));
    }
    // Telegram measures in UTF-16 code units, like its entity offsets.
    let length = visible.encode_utf16().count();
    match kind {
        TextKind::Text if length > MAX_TEXT_LEN => {
            Err(ApiFailure::bad_request("message is too long"))
        }
        TextKind::Caption if length > MAX_CAPTION_LEN => {
            Err(ApiFailure::bad_request("message caption is too long"))
        }
        _ => Ok(visible),
    }
}

fn allowed_list(params: &Params) -> Result<Option<Vec<String>>, ApiFailure> {
    let Some(value) = params.json("allowed_updates")? else {
        return Ok(None);
    };
    let list = value
        .as_array()
        .ok_or_else(|| ApiFailure::bad_request("can't parse allowed_updates JSON array"))?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    Ok(Some(list))
}

/// Reads getUpdates' `allowed_updates`, which Telegram remembers until the next one.
pub(crate) fn remember_allowed(state: &mut State, params: &Params) -> Result<(), ApiFailure> {
    if let Some(list) = allowed_list(params)? {
        state.allowed_updates = Some(list);
    }
    Ok(())
}

/// A command scope normalised so `{"type":"chat","chat_id":"42"}` equals the numeric form.
fn scope_and_language(params: &Params) -> Result<(Value, String), ApiFailure> {
    let mut scope = params
        .json("scope")?
        .unwrap_or_else(|| json!({ "type": "default" }));
    let scope_type = scope
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let known = [
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    ];
    if !known.contains(&scope_type) {
        return Err(ApiFailure::bad_request(
            "unsupported bot command scope type",
        ));
    }
    if let Some(map) = scope.as_object_mut() {
        for key in ["chat_id", "user_id"] {
            if let Some(Value::String(s)) = map.get(key)
                && let Ok(n) = s.parse::<i64>()
            {
                map.insert(key.into(), json!(n));
            }
        }
    }
    let language = params.str("language_code").unwrap_or_default();
    Ok((scope, language))
}

/// `reply_markup` → [`Markup`], with Telegram's errors for invalid buttons.
pub(crate) fn parse_markup(value: Option<Value>) -> Result<Markup, ApiFailure> {
    let Some(value) = value else {
        return Ok(Markup::None);
    };
    let invalid = || ApiFailure::bad_request("can't parse reply keyboard markup JSON object");
    if let Some(rows) = value.get("inline_keyboard") {
        let rows = rows.as_array().ok_or_else(invalid)?;
        let mut parsed = Vec::with_capacity(rows.len());
        for row in rows {
            let row = row.as_array().ok_or_else(invalid)?;
            let mut buttons = Vec::with_capacity(row.len());
            for button in row {
                buttons.push(parse_inline_button(button)?);
            }
            parsed.push(buttons);
        }
        return Ok(Markup::Inline { rows: parsed });
    }
    if let Some(rows) = value.get("keyboard") {
        let rows = rows.as_array().ok_or_else(invalid)?;
        let mut parsed = Vec::with_capacity(rows.len());
        for row in rows {
            let row = row.as_array().ok_or_else(invalid)?;
            let mut buttons = Vec::with_capacity(row.len());
            for button in row {
                let text = match button {
                    Value::String(s) => s.clone(),
                    other => other
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                };
                if text.is_empty() {
                    return Err(ApiFailure::bad_request(
                        "keyboard button text must be non-empty",
                    ));
                }
                let flag = |key: &str| button.get(key).and_then(Value::as_bool).unwrap_or(false);
                buttons.push(ReplyButton {
                    text,
                    request_location: flag("request_location"),
                    request_contact: flag("request_contact"),
                });
            }
            parsed.push(buttons);
        }
        let flag = |key: &str| value.get(key).and_then(Value::as_bool).unwrap_or(false);
        return Ok(Markup::Reply(ReplyKeyboard {
            rows: parsed,
            resize_keyboard: flag("resize_keyboard"),
            one_time_keyboard: flag("one_time_keyboard"),
            is_persistent: flag("is_persistent"),
            input_field_placeholder: value
                .get("input_field_placeholder")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }));
    }
    if value.get("remove_keyboard").and_then(Value::as_bool) == Some(true) {
        return Ok(Markup::RemoveKeyboard);
    }
    if value.get("force_reply").and_then(Value::as_bool) == Some(true) {
        return Ok(Markup::ForceReply {
            input_field_placeholder: value
                .get("input_field_placeholder")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    Err(invalid())
}

fn parse_inline_button(button: &Value) -> Result<InlineButton, ApiFailure> {
    let text = button
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiFailure::bad_request("can't parse inline keyboard button: Text must be non-empty")
        })?;
    let callback_data = button
        .get("callback_data")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(data) = &callback_data
        && (data.is_empty() || data.len() > 64)
    {
        return Err(ApiFailure::bad_request("BUTTON_DATA_INVALID"));
    }
    let url = button.get("url").and_then(Value::as_str).map(str::to_owned);
    if let Some(url) = &url {
        let valid = ["http://", "https://", "tg://"]
            .iter()
            .any(|scheme| url.starts_with(scheme) && url.len() > scheme.len());
        if !valid {
            return Err(ApiFailure::bad_request("BUTTON_URL_INVALID"));
        }
    }
    let other_kinds = [
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    ];
    let has_action = callback_data.is_some()
        || url.is_some()
        || other_kinds.iter().any(|k| button.get(*k).is_some());
    if !has_action {
        return Err(ApiFailure::bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ));
    }
    Ok(InlineButton {
        text: text.to_owned(),
        callback_data,
        url,
    })
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
