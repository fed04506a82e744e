//! People: their names and languages. Roles come from relations (owner flag, site grants).

use crate::{UserId, ValueError};
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

/// A person's display name: 1 to 128 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn new(raw: &str) -> Result<Self, ValueError> {
        let trimmed = raw.trim();
        let len = trimmed.chars().count();
        if !(1..=128).contains(&len) {
            return Err(ValueError::PersonNameLength { len });
        }
        Ok(Self(trimmed.to_owned()))
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
    }
}
