//! Broadcasts: what a caller sends to start one, and how one is shown with its progress.

use super::integer;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A message to the employees of one of the caller's sites, or of all of them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBroadcast {
    /// One site of the caller's; left out or null: every site they own or manage.
    #[serde(default, deserialize_with = "integer::optional")]
    pub site_id: Option<i64>,
    /// The text, as employees will read it: 1–3,900 characters once the spaces around it are
    /// trimmed, not only spaces; line breaks and tabs kept, no other control characters.
    #[schema(
        example = "Завтра открываемся в 10:00.",
        min_length = 1,
        max_length = 3900,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028-\u202F\u205F\u2066-\u2069\u3000][^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*$"
    )]
    pub text: String,
}

/// A broadcast and how far its sending got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Broadcast {
    pub id: i64,
    /// None: every site of the author.
    pub site_id: Option<i64>,
    pub text: String,
    /// `sending` until every recipient was tried once, then `done`.
    #[schema(example = "sending")]
    pub status: String,
    /// Recipients fixed when it started: employees with access, reachable, each once.
    pub total: u32,
    pub sent: u32,
    /// Blocked the bot meanwhile.
    pub unreachable: u32,
    pub failed: u32,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<app::broadcasts::Broadcast> for Broadcast {
    fn from(b: app::broadcasts::Broadcast) -> Self {
        Self {
            id: b.id.0,
            site_id: b.site_id.map(|s| s.0),
            text: b.text,
            status: b.status.as_str().to_owned(),
            total: b.total,
            sent: b.sent,
            unreachable: b.unreachable,
            failed: b.failed,
            created_at: b.created_at,
            finished_at: b.finished_at,
        }
    }
}
