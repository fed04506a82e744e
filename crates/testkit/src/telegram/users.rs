//! Playing the users: what people send the bot (messages, locations, live-location edits, button
//! taps) and what they do to it (block it).

use super::*;

impl FakeTelegram {
    /// Makes the user's chat known (as if they had opened the bot) without sending anything.
    pub fn add_user(&self, user: &FakeUser) {
        self.shared.lock().register_user(user);
        self.shared.activity.notify_waiters();
    }

    /// The user blocks the bot: every send to them answers 403 "bot was blocked by the user".
    pub fn block_bot(&self, user_id: i64) {
        self.shared.lock().blocked.insert(user_id);
    }

    pub fn unblock_bot(&self, user_id: i64) {
        self.shared.lock().blocked.remove(&user_id);
    }

    /// The user sends a message; returns its update_id.
    pub fn send(&self, user: &FakeUser, message: Incoming) -> i64 {
        let id = self.build_message(user, &message, true);
        self.changed();
        id
    }

    /// Builds and records the update without queueing it, for webhook tests that deliver it
    /// themselves with [`FakeTelegram::post_update`].
    pub fn prepare(&self, user: &FakeUser, message: Incoming) -> i64 {
        self.build_message(user, &message, false)
    }

    fn build_message(&self, user: &FakeUser, message: &Incoming, queue: bool) -> i64 {
        let mut state = self.shared.lock();
        state.register_user(user);
        let message_id = state.next_message_id(user.id);
        let json = message.message_json(&mut state, user, message_id, self.shared.now());
        if let Some(chat) = state.chats.get_mut(&user.id) {
            chat.messages
                .insert(message_id, StoredMessage::User(json.clone()));
        }
        state.add_update(
            "message",
            json,
            UpdateRecord {
                json: Value::Null,
                chat_id: Some(user.id),
                message_id: Some(message_id),
                callback_query_id: None,
            },
            queue,
        )
    }

    pub fn send_text(&self, user: &FakeUser, text: &str) -> i64 {
        self.send(user, Incoming::text(text))
    }

    /// `/name` or `/name payload`.
    pub fn send_command(&self, user: &FakeUser, name: &str, payload: Option<&str>) -> i64 {
        self.send(user, Incoming::command(name, payload))
    }

    pub fn send_location(
        &self,
        user: &FakeUser,
        latitude: f64,
        longitude: f64,
        accuracy: Option<f64>,
    ) -> i64 {
        let mut location = Incoming::location(latitude, longitude);
        if let Some(metres) = accuracy {
            location = location.accuracy(metres);
        }
        self.send(user, location)
    }

    /// A live location moves: an `edited_message` for the location sent in `original_update_id`.
    pub fn edit_live_location(
        &self,
        user: &FakeUser,
        original_update_id: i64,
        latitude: f64,
        longitude: f64,
        accuracy: Option<f64>,
    ) -> Result<i64, FakeTelegramError> {
        let id = {
            let mut state = self.shared.lock();
            let record = state
                .history
                .get(&original_update_id)
                .ok_or(FakeTelegramError::NoSuchUpdate(original_update_id))?;
            let (Some(chat_id), Some(message_id)) = (record.chat_id, record.message_id) else {
                return Err(FakeTelegramError::NotALocation(original_update_id));
            };
            let stored = state
                .chats
                .get_mut(&chat_id)
                .and_then(|c| c.messages.get_mut(&message_id));
            let Some(StoredMessage::User(message)) = stored else {
                return Err(FakeTelegramError::NotALocation(original_update_id));
            };
            let Some(location) = message.get_mut("location").and_then(Value::as_object_mut) else {
                return Err(FakeTelegramError::NotALocation(original_update_id));
            };
            location.insert("latitude".into(), json!(latitude));
            location.insert("longitude".into(), json!(longitude));
            match accuracy {
                Some(metres) => {
                    location.insert("horizontal_accuracy".into(), json!(metres));
                }
                None => {
                    location.remove("horizontal_accuracy");
                }
            }
            if let Some(map) = message.as_object_mut() {
                map.insert("edit_date".into(), json!(self.shared.now()));
                map.insert("from".into(), user.to_json());
            }
            let edited = message.clone();
            state.add_update(
                "edited_message",
                edited,
                UpdateRecord {
                    json: Value::Null,
                    chat_id: Some(chat_id),
                    message_id: Some(message_id),
                    callback_query_id: None,
                },
                true,
            )
        };
        self.changed();
        Ok(id)
    }

    /// A callback query with any data on message `message_id` of the user's chat (also for
    /// stale or forged buttons); a message the fake does not know arrives as inaccessible.
    pub fn send_callback(&self, user: &FakeUser, message_id: i32, data: &str) -> i64 {
        let id = {
            let mut state = self.shared.lock();
            state.register_user(user);
            let message = match state
                .chats
                .get(&user.id)
                .and_then(|c| c.messages.get(&message_id))
            {
                Some(StoredMessage::Bot(m)) if !m.deleted => state.bot_message_json(m),
                Some(StoredMessage::User(m)) => m.clone(),
                _ => json!({ "chat": user.chat_json(), "message_id": message_id, "date": 0 }),
            };
            let query_id = format!("cq{}-{}", user.id, state.next_update_id);
            let body = json!({
                "id": query_id,
                "from": user.to_json(),
                "message": message,
                "chat_instance": format!("ci{}", user.id),
                "data": data,
            });
            state.add_update(
                "callback_query",
                body,
                UpdateRecord {
                    json: Value::Null,
                    chat_id: Some(user.id),
                    message_id: Some(message_id),
                    callback_query_id: Some(query_id),
                },
                true,
            )
        };
        self.changed();
        id
    }

    /// The user taps the inline button with this text on a message the bot sent them.
    pub fn tap_button(
        &self,
        user: &FakeUser,
        message_id: i32,
        button_text: &str,
    ) -> Result<i64, FakeTelegramError> {
        let message = self
            .message(user.id, message_id)
            .filter(|m| !m.deleted)
            .ok_or(FakeTelegramError::NoSuchMessage {
                chat_id: user.id,
                message_id,
            })?;
        let button =
            message
                .inline_button(button_text)
                .ok_or_else(|| FakeTelegramError::NoSuchButton {
                    chat_id: user.id,
                    message_id,
                    text: button_text.to_owned(),
                    available: message.inline_buttons().map(|b| b.text.clone()).collect(),
                })?;
        let data =
            button
                .callback_data
                .clone()
                .ok_or_else(|| FakeTelegramError::NotACallbackButton {
                    text: button.text.clone(),
                    url: button.url.clone(),
                })?;
        Ok(self.send_callback(user, message_id, &data))
    }

    /// The user taps a plain button of the reply keyboard they currently have: its text is sent.
    pub fn tap_reply_button(
        &self,
        user: &FakeUser,
        button_text: &str,
    ) -> Result<i64, FakeTelegramError> {
        let keyboard = self.reply_keyboard(user.id);
        let button = keyboard
            .as_ref()
            .and_then(|k| k.buttons().find(|b| b.text == button_text).cloned());
        match button {
            Some(b) if !b.request_location && !b.request_contact => {
                Ok(self.send_text(user, button_text))
            }
            Some(b) => Err(FakeTelegramError::SpecialButton { text: b.text }),
            None => Err(FakeTelegramError::NoSuchReplyButton {
                chat_id: user.id,
                text: button_text.to_owned(),
                available: keyboard
                    .map(|k| k.buttons().map(|b| b.text.clone()).collect())
                    .unwrap_or_default(),
            }),
        }
    }

    /// The user taps the keyboard's `request_location` button. A phone sends `location` (build
    /// it with [`Incoming::location`]); Telegram Desktop sends nothing (`Ok(None)`).
    pub fn share_location_via_button(
        &self,
        user: &FakeUser,
        location: Incoming,
    ) -> Result<Option<i64>, FakeTelegramError> {
        let keyboard = self.reply_keyboard(user.id);
        let has_button = keyboard
            .as_ref()
            .is_some_and(|k| k.buttons().any(|b| b.request_location));
        if !has_button {
            return Err(FakeTelegramError::NoSuchReplyButton {
                chat_id: user.id,
                text: "(a request_location button)".to_owned(),
                available: keyboard
                    .map(|k| k.buttons().map(|b| b.text.clone()).collect())
                    .unwrap_or_default(),
            });
        }
        Ok(match user.client {
            ClientKind::Mobile => Some(self.send(user, location)),
            ClientKind::Desktop => None,
        })
    }

    /// Queues a hand-made Update; its `update_id` is replaced by the next one.
    pub fn inject_raw(&self, update: Value) -> i64 {
        let id = {
            let mut state = self.shared.lock();
            let (kind, body) = update
                .as_object()
                .and_then(|map| map.iter().find(|(k, _)| k.as_str() != "update_id"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .unwrap_or_else(|| ("unknown".to_owned(), json!({})));
            let chat_id = body
                .pointer("/chat/id")
                .or_else(|| body.pointer("/message/chat/id"))
                .and_then(Value::as_i64);
            let callback_query_id = (kind == "callback_query")
                .then(|| body.get("id").and_then(Value::as_str).map(str::to_owned))
                .flatten();
            state.add_update(
                &kind,
                body,
                UpdateRecord {
                    json: Value::Null,
                    chat_id,
                    message_id: None,
                    callback_query_id,
                },
                true,
            )
        };
        self.changed();
        id
    }

    /// The full Update JSON of any update built so far.
    pub fn update_json(&self, update_id: i64) -> Option<Value> {
        self.shared
            .lock()
            .history
            .get(&update_id)
            .map(|r| r.json.clone())
    }

    /// The message_id of the user's message carried by `update_id`.
    pub fn message_id_of(&self, update_id: i64) -> Option<i32> {
        self.shared
            .lock()
            .history
            .get(&update_id)
            .and_then(|r| r.message_id)
    }

    /// Updates queued and not yet confirmed by the bot.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().queue.len()
    }
}
