//! Callback data of inline buttons: compact, versioned text (at most 64 bytes, Telegram's limit).
//! Layout: one version digit, one area letter (`c`ommon, `e`mployee, `o`wner), then the area's
//! own fields separated by `:`. A button from an older layout fails to decode and the person is
//! told it has expired, instead of something else happening.

use crate::employee::EmployeeCb;
use crate::owner::OwnerCb;
use crate::state::Dialogue;
use app::reports::FileFormat;
use chrono::{Datelike, NaiveDate};
use domain::Language;
use teloxide::types::InlineKeyboardButton;

/// Bumped when a layout changes incompatibly.
pub const VERSION: char = '1';
/// Telegram's limit for callback data.
pub const MAX_LEN: usize = 64;

/// Each area encodes its own buttons.
pub trait CallbackCodec: Sized {
    /// Fields after the area letter; at most 62 bytes.
    fn encode_body(&self) -> String;
    fn decode_body(body: &str) -> Option<Self>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    Common(CommonCb),
    Employee(EmployeeCb),
    Owner(OwnerCb),
}

/// Buttons every person sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommonCb {
    Language(Language),
    /// Leave the dialogue the button belongs to (None: buttons made before they named one).
    Cancel(Option<Dialogue>),
    /// Show the main menu.
    Menu,
    /// A button that only labels (calendar headers).
    Noop,
}

impl CallbackCodec for CommonCb {
    fn encode_body(&self) -> String {
        match self {
            CommonCb::Language(l) => format!("l:{}", l.as_str()),
            CommonCb::Cancel(None) => "x".into(),
            CommonCb::Cancel(Some(d)) => format!("x:{}", d.code()),
            CommonCb::Menu => "m".into(),
            CommonCb::Noop => "n".into(),
        }
    }

    fn decode_body(body: &str) -> Option<Self> {
        let mut f = body.split(':');
        let cb = match f.next()? {
            "l" => CommonCb::Language(Language::parse(f.next()?).ok()?),
            "x" => match f.next() {
                None => return Some(CommonCb::Cancel(None)),
                Some(code) => CommonCb::Cancel(Some(Dialogue::from_code(code)?)),
            },
            "m" => CommonCb::Menu,
            "n" => CommonCb::Noop,
            _ => return None,
        };
        f.next().is_none().then_some(cb)
    }
}

impl Callback {
    pub fn encode(&self) -> String {
        let (area, body) = match self {
            Callback::Common(c) => ('c', c.encode_body()),
            Callback::Employee(c) => ('e', c.encode_body()),
            Callback::Owner(c) => ('o', c.encode_body()),
        };
        format!("{VERSION}{area}{body}")
    }

    pub fn decode(data: &str) -> Option<Self> {
        if data.len() > MAX_LEN {
            return None;
        }
        let mut chars = data.chars();
        if chars.next()? != VERSION {
            return None;
        }
        let area = chars.next()?;
        let body = chars.as_str();
        match area {
            'c' => CommonCb::decode_body(body).map(Callback::Common),
            'e' => EmployeeCb::decode_body(body).map(Callback::Employee),
            'o' => OwnerCb::decode_body(body).map(Callback::Owner),
            _ => None,
        }
    }
}

impl From<CommonCb> for Callback {
    fn from(c: CommonCb) -> Self {
        Callback::Common(c)
    }
}

impl From<EmployeeCb> for Callback {
    fn from(c: EmployeeCb) -> Self {
        Callback::Employee(c)
    }
}

impl From<OwnerCb> for Callback {
    fn from(c: OwnerCb) -> Self {
        Callback::Owner(c)
    }
}

/// An inline button carrying `cb`. Data over the limit would be refused by Telegram; it is
/// logged and the button made inert rather than failing the whole message.
pub fn button(text: impl Into<String>, cb: impl Into<Callback>) -> InlineKeyboardButton {
    let data = cb.into().encode();
    if data.len() > MAX_LEN {
        tracing::error!(%data, "callback data over 64 bytes");
        return InlineKeyboardButton::callback(text, Callback::Common(CommonCb::Noop).encode());
    }
    InlineKeyboardButton::callback(text, data)
}

/// A date as days from the Common Era (short even for extreme dates).
pub fn date_code(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(s.parse().ok()?)
}

/// A report file's format as one letter.
pub fn file_code(f: FileFormat) -> &'static str {
    match f {
        FileFormat::Xlsx => "x",
        FileFormat::Pdf => "p",
        FileFormat::Csv => "c",
        FileFormat::Chart => "g",
    }
}

pub fn parse_file(s: &str) -> Option<FileFormat> {
    FileFormat::ALL.into_iter().find(|f| file_code(*f) == s)
}

/// Splits `a:b:c` fields and parses them, for areas' decoders.
pub fn fields(body: &str) -> std::str::Split<'_, char> {
    body.split(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_round_trips_and_fits() {
        let cancels = Dialogue::ALL.map(|d| CommonCb::Cancel(Some(d)));
        for cb in [
            CommonCb::Language(Language::Ru),
            CommonCb::Language(Language::En),
            CommonCb::Cancel(None),
            CommonCb::Menu,
            CommonCb::Noop,
        ]
        .into_iter()
        .chain(cancels)
        {
            let data = Callback::Common(cb).encode();
            assert!(data.len() <= MAX_LEN);
            assert_eq!(Callback::decode(&data), Some(Callback::Common(cb)));
        }
    }

    #[test]
    fn foreign_or_old_data_does_not_decode() {
        for bad in [
            "",
            "1",
            "0cm",
            "2cm",
            "1zm",
            "1cl:fr",
            "1cm:extra",
            "1cx:",
            "1cx:z",
            "1cx:p:1",
            &"1cm".repeat(30),
        ] {
            assert_eq!(Callback::decode(bad), None, "{bad}");
        }
    }
}
