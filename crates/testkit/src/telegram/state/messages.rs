//! The Bot API methods that send, edit or delete messages and answer taps, on the fake
//! server's memory.

use serde_json::{Value, json};

use super::*;

impl State {
    /// The chat must be one a user opened (Telegram: "chat not found") and not have blocked us.
    pub(super) fn writable_chat(&self, params: &Params) -> Result<i64, ApiFailure> {
        let chat_id = params.chat_id()?;
        if !self.users.contains_key(&chat_id) {
            return Err(ApiFailure::chat_not_found());
        }
        if self.blocked.contains(&chat_id) {
            return Err(ApiFailure::blocked());
        }
        Ok(chat_id)
    }

    pub(super) fn reply_target(
        &self,
        chat_id: i64,
        params: &Params,
    ) -> Result<Option<i32>, ApiFailure> {
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

    pub(super) fn new_bot_message(
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
    pub(super) fn store_bot_message(&mut self, mut message: BotMessage) -> Value {
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

    pub(super) fn send_message(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
        let chat_id = self.writable_chat(params)?;
        let raw = params.str("text").unwrap_or_default();
        let mut message = self.new_bot_message(chat_id, "sendMessage", params, now)?;
        let visible = checked_text(&raw, message.parse_mode.as_deref(), TextKind::Text)?;
        message.text = Some(visible);
        message.raw_text = Some(raw);
        Ok(self.store_bot_message(message))
    }

    pub(super) fn send_file(
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

    pub(super) fn send_location(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
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
    pub(super) fn editable(&mut self, params: &Params) -> Result<&mut BotMessage, ApiFailure> {
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

    pub(super) fn finish_edit(
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

    pub(super) fn edit_text(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
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

    pub(super) fn edit_markup(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
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

    pub(super) fn edit_caption(&mut self, params: &Params, now: i64) -> Result<Value, ApiFailure> {
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

    pub(super) fn answer_callback(&mut self, params: &Params) -> Result<Value, ApiFailure> {
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

    pub(super) fn delete_message(&mut self, params: &Params) -> Result<Value, ApiFailure> {
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

    pub(super) fn set_commands(&mut self, params: &Params) -> Result<Value, ApiFailure> {
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

    pub(super) fn get_commands(&self, params: &Params) -> Result<Value, ApiFailure> {
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

    pub(super) fn send_chat_action(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let chat_id = self.writable_chat(params)?;
        let action = params.str("action").unwrap_or_default();
        if !CHAT_ACTIONS.contains(&action.as_str()) {
            return Err(ApiFailure::bad_request("wrong parameter action in request"));
        }
        self.chats.entry(chat_id).or_default().actions.push(action);
        Ok(json!(true))
    }

    pub(super) fn get_file(&self, params: &Params) -> Result<Value, ApiFailure> {
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
}

pub(super) fn not_modified() -> ApiFailure {
    ApiFailure::bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    )
}
