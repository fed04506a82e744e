//! Checks of what the bot sends as Telegram makes them: text and its length, parse modes,
//! keyboards and their buttons, command scopes.

use serde_json::{Value, json};

use super::*;

#[derive(Clone, Copy)]
pub(super) enum TextKind {
    Text,
    Caption,
}

/// The visible text, or Telegram's error for an empty, too long or malformed one.
pub(super) fn checked_text(
    raw: &str,
    parse_mode: Option<&str>,
    kind: TextKind,
) -> Result<String, ApiFailure> {
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

pub(super) fn allowed_list(params: &Params) -> Result<Option<Vec<String>>, ApiFailure> {
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
pub(super) fn scope_and_language(params: &Params) -> Result<(Value, String), ApiFailure> {
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

pub(super) fn parse_inline_button(button: &Value) -> Result<InlineButton, ApiFailure> {
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
