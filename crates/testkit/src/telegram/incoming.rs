//! What a fake user sends: [`Incoming`] describes a message (text, command, location, file,
//! sticker, contact; forwarded or not; sent now or at some past date) and builds the Bot API
//! `Message` JSON that Telegram would deliver for it.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::model::{FakeUser, FileKind};
use super::state::{State, document_json, photo_size_json};

#[derive(Clone, Debug, PartialEq)]
enum Content {
    Text(String),
    Location {
        latitude: f64,
        longitude: f64,
        horizontal_accuracy: Option<f64>,
        live_period: Option<u32>,
        heading: Option<u16>,
    },
    Document {
        file_name: String,
        mime_type: Option<String>,
        bytes: Vec<u8>,
    },
    Photo {
        bytes: Vec<u8>,
    },
    Sticker {
        emoji: String,
    },
    Contact {
        phone_number: String,
        own: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Origin {
    User(FakeUser),
    HiddenUser(String),
}

/// A message a fake user sends to the bot. Build it, then hand it to
/// [`crate::telegram::FakeTelegram::send`].
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming {
    content: Content,
    caption: Option<String>,
    date: Option<DateTime<Utc>>,
    forward: Option<(Origin, Option<DateTime<Utc>>)>,
}

impl Incoming {
    fn of(content: Content) -> Self {
        Self {
            content,
            caption: None,
            date: None,
            forward: None,
        }
    }

    /// Plain text; a text starting with '/' carries a `bot_command` entity as from Telegram.
    pub fn text(text: &str) -> Self {
        Self::of(Content::Text(text.to_owned()))
    }

    /// `/name` or `/name payload` (the deep-link form `t.me/bot?start=payload` arrives as this).
    pub fn command(name: &str, payload: Option<&str>) -> Self {
        let name = name.trim_start_matches('/');
        match payload {
            Some(p) => Self::text(&format!("/{name} {p}")),
            None => Self::text(&format!("/{name}")),
        }
    }

    /// A location pin (what a `request_location` button sends from a phone).
    pub fn location(latitude: f64, longitude: f64) -> Self {
        Self::of(Content::Location {
            latitude,
            longitude,
            horizontal_accuracy: None,
            live_period: None,
            heading: None,
        })
    }

    /// Radius of uncertainty in metres (0–1500); only for locations.
    #[must_use]
    pub fn accuracy(mut self, metres: f64) -> Self {
        if let Content::Location {
            horizontal_accuracy,
            ..
        } = &mut self.content
        {
            *horizontal_accuracy = Some(metres);
        }
        self
    }

    /// Makes a location a live location shared for `seconds`; only for locations.
    #[must_use]
    pub fn live_period(mut self, seconds: u32) -> Self {
        if let Content::Location { live_period, .. } = &mut self.content {
            *live_period = Some(seconds);
        }
        self
    }

    /// Direction of movement in degrees (1–360); only for live locations.
    #[must_use]
    pub fn heading(mut self, degrees: u16) -> Self {
        if let Content::Location { heading, .. } = &mut self.content {
            *heading = Some(degrees);
        }
        self
    }

    /// A file sent as a document.
    pub fn document(file_name: &str, mime_type: Option<&str>, bytes: &[u8]) -> Self {
        Self::of(Content::Document {
            file_name: file_name.to_owned(),
            mime_type: mime_type.map(str::to_owned),
            bytes: bytes.to_vec(),
        })
    }

    /// A compressed photo.
    pub fn photo(bytes: &[u8]) -> Self {
        Self::of(Content::Photo {
            bytes: bytes.to_vec(),
        })
    }

    pub fn sticker(emoji: &str) -> Self {
        Self::of(Content::Sticker {
            emoji: emoji.to_owned(),
        })
    }

    /// The user's own phone number, as a `request_contact` button sends it.
    pub fn own_contact(phone_number: &str) -> Self {
        Self::of(Content::Contact {
            phone_number: phone_number.to_owned(),
            own: true,
        })
    }

    /// Somebody else's contact card.
    pub fn contact(phone_number: &str) -> Self {
        Self::of(Content::Contact {
            phone_number: phone_number.to_owned(),
            own: false,
        })
    }

    /// Caption of a document or photo.
    #[must_use]
    pub fn caption(mut self, caption: &str) -> Self {
        self.caption = Some(caption.to_owned());
        self
    }

    /// The message's `date`, e.g. an hour ago for a stale location (default: now).
    #[must_use]
    pub fn sent_at(mut self, date: DateTime<Utc>) -> Self {
        self.date = Some(date);
        self
    }

    /// Forwarded from another user's chat (`forward_origin` of type "user"); `original_date`
    /// defaults to the message date.
    #[must_use]
    pub fn forwarded_from(
        mut self,
        author: &FakeUser,
        original_date: Option<DateTime<Utc>>,
    ) -> Self {
        self.forward = Some((Origin::User(author.clone()), original_date));
        self
    }

    /// Forwarded from a user who hides their account (`forward_origin` "hidden_user").
    #[must_use]
    pub fn forwarded_from_hidden(
        mut self,
        name: &str,
        original_date: Option<DateTime<Utc>>,
    ) -> Self {
        self.forward = Some((Origin::HiddenUser(name.to_owned()), original_date));
        self
    }

    /// The Bot API `Message` object (files are stored in `state` so getFile can serve them).
    pub(crate) fn message_json(
        &self,
        state: &mut State,
        user: &FakeUser,
        message_id: i32,
        now: i64,
    ) -> Value {
        let date = self.date.map_or(now, |d| d.timestamp());
        let mut message = json!({
            "message_id": message_id,
            "from": user.to_json(),
            "chat": user.chat_json(),
            "date": date,
        });
        let Some(map) = message.as_object_mut() else {
            return message;
        };
        match &self.content {
            Content::Text(text) => {
                map.insert("text".into(), json!(text));
                if let Some(command) = text.strip_prefix('/') {
                    let length = 1 + command
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .encode_utf16()
                        .count();
                    map.insert(
                        "entities".into(),
                        json!([{ "type": "bot_command", "offset": 0, "length": length }]),
                    );
                }
            }
            Content::Location {
                latitude,
                longitude,
                horizontal_accuracy,
                live_period,
                heading,
            } => {
                let mut location = json!({ "latitude": latitude, "longitude": longitude });
                if let Some(location) = location.as_object_mut() {
                    if let Some(accuracy) = horizontal_accuracy {
                        location.insert("horizontal_accuracy".into(), json!(accuracy));
                    }
                    if let Some(period) = live_period {
                        location.insert("live_period".into(), json!(period));
                    }
                    if let Some(heading) = heading {
                        location.insert("heading".into(), json!(heading));
                    }
                }
                map.insert("location".into(), location);
            }
            Content::Document {
                file_name,
                mime_type,
                bytes,
            } => {
                let file = state.store_user_file(
                    FileKind::Document,
                    Some(file_name.clone()),
                    mime_type.clone(),
                    bytes.clone(),
                );
                map.insert("document".into(), document_json(&file));
            }
            Content::Photo { bytes } => {
                let file = state.store_user_file(FileKind::Photo, None, None, bytes.clone());
                map.insert("photo".into(), json!([photo_size_json(&file)]));
            }
            Content::Sticker { emoji } => {
                let seq = state.next_file_seq;
                state.next_file_seq += 1;
                map.insert(
                    "sticker".into(),
                    json!({
                        "file_id": format!("user-sticker-{seq}"),
                        "file_unique_id": format!("u{seq}"),
                        "type": "regular",
                        "width": 512,
                        "height": 512,
                        "is_animated": false,
                        "is_video": false,
                        "emoji": emoji,
                        "file_size": 12_000,
                    }),
                );
            }
            Content::Contact { phone_number, own } => {
                let mut contact =
                    json!({ "phone_number": phone_number, "first_name": user.first_name });
                if let Some(contact) = contact.as_object_mut() {
                    if *own {
                        contact.insert("user_id".into(), json!(user.id));
                    } else {
                        contact.insert("first_name".into(), json!("Contact"));
                    }
                }
                map.insert("contact".into(), contact);
            }
        }
        if let Some(caption) = &self.caption
            && matches!(
                self.content,
                Content::Document { .. } | Content::Photo { .. }
            )
        {
            map.insert("caption".into(), json!(caption));
        }
        if let Some((origin, original_date)) = &self.forward {
            let original = original_date.map_or(date, |d| d.timestamp());
            let origin = match origin {
                Origin::User(author) => {
                    json!({ "type": "user", "date": original, "sender_user": author.to_json() })
                }
                Origin::HiddenUser(name) => {
                    json!({ "type": "hidden_user", "date": original, "sender_user_name": name })
                }
            };
            map.insert("forward_origin".into(), origin);
        }
        message
    }
}
