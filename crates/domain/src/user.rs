//! People: their names and languages. Roles come from relations (owner flag, site grants).

use crate::{UserId, ValueError, text};
use chrono::{DateTime, Utc};

/// The language StaffProBot speaks to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    Ru,
    En,
}

impl Language {
    pub fn as_str(&self) -> &'static str {
        match self {
            Language::Ru => "ru",
            Language::En => "en",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValueError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ru" => Ok(Language::Ru),
            "en" => Ok(Language::En),
            _ => Err(ValueError::Language {
                value: s.to_owned(),
            }),
        }
    }

    /// From a Telegram `language_code` (IETF tag): English speakers get English, everyone else
    /// Russian, the product's home language.
    pub fn from_telegram(code: Option<&str>) -> Self {
        match code {
            Some(c) if c.to_ascii_lowercase().starts_with("en") => Language::En,
            _ => Language::Ru,
        }
    }
}

/// A person's display name: at most 128 characters as given, not blank, without control
/// characters; surrounding whitespace is removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 128;

    pub fn new(raw: &str) -> Result<Self, ValueError> {
        text::check("name", raw)?;
        let trimmed = raw.trim();
        let len = raw.chars().count();
        if trimmed.is_empty() || len > Self::MAX_CHARS {
            let len = if trimmed.is_empty() { 0 } else { len };
            return Err(ValueError::PersonNameLength { len });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name a messenger reports, taken whatever it holds: refused characters are dropped
    /// and the rest cut to the limit. None when nothing is left.
    pub fn lenient(raw: &str) -> Option<Self> {
        let cleaned = text::without_refused(raw);
        let cut: String = cleaned.trim().chars().take(Self::MAX_CHARS).collect();
        Self::new(&cut).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Telegram user id: a positive number (Telegram's user ids are positive; chats of groups
/// and channels, which are negative, are never people here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TelegramId(i64);

impl TelegramId {
    pub fn new(raw: i64) -> Result<Self, ValueError> {
        if raw <= 0 {
            return Err(ValueError::TelegramId { value: raw });
        }
        Ok(Self(raw))
    }

    pub fn get(&self) -> i64 {
        self.0
    }
}

/// What an API token is for, as its holder wrote it: at most 100 characters, without control
/// characters (may be empty); surrounding whitespace is removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenLabel(String);

impl TokenLabel {
    pub const MAX_CHARS: usize = 100;

    pub fn new(raw: &str) -> Result<Self, ValueError> {
        text::check("label", raw)?;
        let len = raw.chars().count();
        if len > Self::MAX_CHARS {
            return Err(ValueError::LabelTooLong { len });
        }
        Ok(Self(raw.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person known to StaffProBot.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub telegram_id: i64,
    pub name: PersonName,
    pub language: Language,
    /// Owners create sites; employees and managers are such by the grants they hold.
    pub is_owner: bool,
    /// False after the person blocked the bot (nothing is sent to them until they write again).
    pub reachable: bool,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(Language::from_telegram(Some("en-US")), Language::En);
        assert_eq!(Language::from_telegram(Some("ru")), Language::Ru);
        assert_eq!(Language::from_telegram(Some("de")), Language::Ru);
        assert_eq!(Language::from_telegram(None), Language::Ru);
        assert!(Language::parse("fr").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(PersonName::new(" Иван ").unwrap().as_str(), "Иван");
        assert!(PersonName::new("").is_err());
        assert!(PersonName::new(&"a".repeat(129)).is_err());
        assert_eq!(
            PersonName::new("Ив\0ан"),
            Err(ValueError::ControlCharacter { field: "name" })
        );
        assert_eq!(
            PersonName::new("   "),
            Err(ValueError::PersonNameLength { len: 0 })
        );
        // What Telegram reports is cleaned rather than refused.
        assert_eq!(
            PersonName::lenient(" Ив\0ан\n").map(|n| n.as_str().to_owned()),
            Some("Иван".to_owned())
        );
        assert_eq!(
            PersonName::lenient(&"я".repeat(300)).map(|n| n.as_str().chars().count()),
            Some(128)
        );
        assert_eq!(PersonName::lenient("\u{202E}\t "), None);
    }

    #[test]
    fn telegram_ids_are_positive() {
        assert_eq!(TelegramId::new(1).map(|t| t.get()), Ok(1));
        assert_eq!(TelegramId::new(i64::MAX).map(|t| t.get()), Ok(i64::MAX));
        for bad in [0, -1, i64::MIN] {
            assert_eq!(
                TelegramId::new(bad),
                Err(ValueError::TelegramId { value: bad })
            );
        }
    }

    #[test]
    fn token_labels() {
        assert_eq!(TokenLabel::new(" export ").unwrap().as_str(), "export");
        assert_eq!(TokenLabel::new("").unwrap().as_str(), "");
        assert_eq!(
            TokenLabel::new("a\0"),
            Err(ValueError::ControlCharacter { field: "label" })
        );
        assert_eq!(
            TokenLabel::new(&"x".repeat(101)),
            Err(ValueError::LabelTooLong { len: 101 })
        );
    }
}
