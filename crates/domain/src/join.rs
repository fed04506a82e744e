//! Joining a site: the code in a site's join link / QR code, and the request an owner decides.

use crate::{SiteId, UserId};
use chrono::{DateTime, Utc};

/// A site's join code: 10 characters from an alphabet without look-alikes, safe inside a
/// Telegram deep link (`/start j<code>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JoinCode(String);

impl JoinCode {
    pub const LEN: usize = 10;
    const ALPHABET: &'static [u8; 32] = b"abcdefghjkmnpqrstuvwxyz23456789_";

    /// A code from 10 random bytes.
    pub fn from_random(bytes: [u8; 10]) -> Self {
        Self(
            bytes
                .iter()
                .map(|b| Self::ALPHABET[usize::from(b % 32)] as char)
                .collect(),
        )
    }

    /// Parses a code as typed or carried by a deep link; None if it cannot be one.
    pub fn parse(raw: &str) -> Option<Self> {
        let s = raw.trim();
        (s.len() == Self::LEN && s.bytes().all(|b| Self::ALPHABET.contains(&b)))
            .then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An identifier of a join request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JoinRequestId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinStatus {
    Pending,
    Approved,
    Declined,
}

impl JoinStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            JoinStatus::Pending => "pending",
            JoinStatus::Approved => "approved",
            JoinStatus::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(JoinStatus::Pending),
            "approved" => Some(JoinStatus::Approved),
            "declined" => Some(JoinStatus::Declined),
            _ => None,
        }
    }
}

/// A person asking to work at a site.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinRequest {
    pub id: JoinRequestId,
    pub site_id: SiteId,
    pub user_id: UserId,
    pub status: JoinStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let c = JoinCode::from_random([0, 1, 2, 3, 31, 32, 63, 255, 100, 7]);
        assert_eq!(c.as_str().len(), JoinCode::LEN);
        assert_eq!(JoinCode::parse(c.as_str()), Some(c.clone()));
        assert_eq!(JoinCode::parse("short"), None);
        assert_eq!(JoinCode::parse("ABCDEFGHJK"), None);
        assert_eq!(
            JoinCode::parse("abcdefghj0"),
            None,
            "0 is not in the alphabet"
        );
        for s in ["pending", "approved", "declined"] {
            assert_eq!(JoinStatus::parse(s).map(|x| x.as_str()), Some(s));
        }
    }
}
