//! Mass notifications: an owner (or a site's manager, for their sites) writes to the employees of
//! one or all of their sites. The use-cases decide who may and who receives (employees with
//! access, reachable, each once even if at several sites); the store keeps the broadcast, its
//! recipients and the job that sends it in one transaction; the `broadcast.send` job sends to
//! each recipient once and records each outcome, so a redelivered job continues where it stopped.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{SiteId, User, UserId};
use serde::{Deserialize, Serialize};

use crate::background::{Area, OutboxJob};
use crate::ports::StoreResult;
use crate::{AppError, StaffPro};

/// The longest text, in characters: Telegram's 4,096 less room for the heading naming the author.
pub const MAX_TEXT_CHARS: usize = 3_900;
/// The job kind that sends a broadcast.
pub const SEND_KIND: &str = "broadcast.send";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BroadcastId(pub i64);

impl std::fmt::Display for BroadcastId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BroadcastStatus {
    /// Recipients are still being written to.
    Sending,
    /// Everyone was tried once.
    Done,
}

impl BroadcastStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BroadcastStatus::Sending => "sending",
            BroadcastStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sending" => Some(BroadcastStatus::Sending),
            "done" => Some(BroadcastStatus::Done),
            _ => None,
        }
    }
}

/// The author's message whose text shows the progress ("sent 340 of 1,000"), edited as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressMessage {
    pub chat_id: i64,
    pub message_id: i32,
}

/// A stored broadcast with its progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Broadcast {
    pub id: BroadcastId,
    pub author_id: UserId,
    /// None: every site of the author.
    pub site_id: Option<SiteId>,
    pub text: String,
    pub status: BroadcastStatus,
    pub total: u32,
    pub sent: u32,
    pub unreachable: u32,
    pub failed: u32,
    pub progress: Option<ProgressMessage>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Broadcast {
    /// Recipients tried so far, whatever the outcome.
    pub fn tried(&self) -> u32 {
        self.sent + self.unreachable + self.failed
    }
}

/// A broadcast to store, with its recipients.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBroadcast {
    pub author_id: UserId,
    pub site_id: Option<SiteId>,
    pub text: String,
    pub recipients: Vec<UserId>,
    pub progress: Option<ProgressMessage>,
    pub created_at: DateTime<Utc>,
}

/// What became of one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// They blocked the bot (now marked unreachable).
    Unreachable,
    /// Telegram refused the message for good.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Unreachable => "unreachable",
            Outcome::Failed => "failed",
        }
    }
}

/// The job that sends broadcast `id`, written with it (its key names the broadcast, so a
/// broadcast is queued once).
pub fn send_job(id: BroadcastId) -> OutboxJob {
    OutboxJob {
        id: format!("broadcast:{}", id.0),
        area: Area::Notifications,
        kind: SEND_KIND.into(),
        payload: serde_json::json!({ "broadcast_id": id.0 }),
    }
}

/// Where broadcasts are kept.
#[async_trait]
pub trait BroadcastStore: Send + Sync + 'static {
    /// Stores the broadcast, its recipients and `send_job` of its id, in one transaction.
    async fn insert_broadcast(&self, new: &NewBroadcast) -> StoreResult<Broadcast>;
    async fn broadcast(&self, id: BroadcastId) -> StoreResult<Option<Broadcast>>;
    /// Up to `limit` recipients not tried yet, by id, after `after`.
    async fn pending_recipients(
        &self,
        id: BroadcastId,
        after: Option<UserId>,
        limit: u32,
    ) -> StoreResult<Vec<UserId>>;
    /// Records outcomes (each recipient's first one counts) and returns the broadcast with its
    /// counts.
    async fn record_outcomes(
        &self,
        id: BroadcastId,
        outcomes: &[(UserId, Outcome)],
    ) -> StoreResult<Broadcast>;
    /// Marks the broadcast done (once; later calls return it unchanged).
    async fn finish_broadcast(&self, id: BroadcastId, at: DateTime<Utc>) -> StoreResult<Broadcast>;
}

/// Why a broadcast was refused.
#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    #[error("the text is empty")]
    EmptyText,
    #[error("the text is {chars} characters long; at most {max} fit in a message")]
    TooLong { chars: usize, max: usize },
    #[error("the text holds a control character")]
    ControlCharacter,
    #[error("nobody to write to: no reachable employees at the chosen sites")]
    NoRecipients,
    #[error(
        "no Telegram bot is configured on this server (TELEGRAM_BOT_TOKEN): a broadcast could not be sent"
    )]
    NoSender,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<crate::StoreError> for BroadcastError {
    fn from(e: crate::StoreError) -> Self {
        BroadcastError::App(e.into())
    }
}

/// The text as it will be sent (trimmed), or why it cannot be.
pub fn check_text(raw: &str) -> Result<String, BroadcastError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(BroadcastError::EmptyText);
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(BroadcastError::TooLong {
            chars,
            max: MAX_TEXT_CHARS,
        });
    }
    // Line breaks and tabs belong in a message; other controls cannot be shown (and PostgreSQL
    // refuses NUL).
    if text
        .chars()
        .any(|c| c != '\n' && c != '\t' && domain::text::is_refused(c))
    {
        return Err(BroadcastError::ControlCharacter);
    }
    Ok(text.to_owned())
}

impl StaffPro {
    fn broadcasts(&self) -> Result<&dyn BroadcastStore, AppError> {
        self.broadcast_store()
            .ok_or_else(|| AppError::Conflict("broadcasts are not configured".into()))
    }

    /// Who would receive a broadcast from `actor` to `site` (None: all their sites): employees
    /// with access, reachable, each once, never the author. Refused (not found) for a site the
    /// actor neither owns nor manages.
    pub async fn broadcast_recipients(
        &self,
        actor: &User,
        site: Option<SiteId>,
    ) -> Result<Vec<User>, AppError> {
        let mut people: Vec<User> = self
            .employees_for(actor, site)
            .await?
            .into_iter()
            .map(|e| e.user)
            .filter(|u| u.reachable && u.id != actor.id)
            .collect();
        people.sort_unstable_by_key(|u| u.id);
        people.dedup_by_key(|u| u.id);
        Ok(people)
    }

    /// Starts a broadcast: stored with its recipients and its sending job in one transaction.
    pub async fn start_broadcast(
        &self,
        actor: &User,
        site: Option<SiteId>,
        text: &str,
        progress: Option<ProgressMessage>,
    ) -> Result<Broadcast, BroadcastError> {
        let text = check_text(text)?;
        let store = self.broadcasts()?;
        if !self.has_broadcast_sender() {
            return Err(BroadcastError::NoSender);
        }
        let recipients = self.broadcast_recipients(actor, site).await?;
        if recipients.is_empty() {
            return Err(BroadcastError::NoRecipients);
        }
        let new = NewBroadcast {
            author_id: actor.id,
            site_id: site,
            text,
            recipients: recipients.iter().map(|u| u.id).collect(),
            progress,
            created_at: self.now(),
        };
        Ok(store.insert_broadcast(&new).await?)
    }

    /// A broadcast the actor wrote; anyone else's is not found.
    pub async fn broadcast_of(&self, actor: &User, id: BroadcastId) -> Result<Broadcast, AppError> {
        match self.broadcasts()?.broadcast(id).await? {
            Some(b) if b.author_id == actor.id => Ok(b),
            _ => Err(AppError::NotFound("broadcast")),
        }
    }

    /// A broadcast by id, for the job that sends it.
    pub async fn broadcast_to_send(&self, id: BroadcastId) -> Result<Option<Broadcast>, AppError> {
        Ok(self.broadcasts()?.broadcast(id).await?)
    }

    /// Up to `limit` recipients not tried yet, by id, after `after` (page after page).
    pub async fn pending_recipients(
        &self,
        id: BroadcastId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<User>, AppError> {
        let ids = self
            .broadcasts()?
            .pending_recipients(id, after, limit)
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut people = self.store().users(&ids).await?;
        people.sort_unstable_by_key(|u| u.id);
        Ok(people)
    }

    pub async fn record_broadcast_outcomes(
        &self,
        id: BroadcastId,
        outcomes: &[(UserId, Outcome)],
    ) -> Result<Broadcast, AppError> {
        Ok(self.broadcasts()?.record_outcomes(id, outcomes).await?)
    }

    pub async fn finish_broadcast(&self, id: BroadcastId) -> Result<Broadcast, AppError> {
        Ok(self.broadcasts()?.finish_broadcast(id, self.now()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_checked() {
        assert!(matches!(
            check_text("  \n "),
            Err(BroadcastError::EmptyText)
        ));
        assert_eq!(check_text("  Hello\nall ").unwrap(), "Hello\nall");
        let long = "я".repeat(MAX_TEXT_CHARS + 1);
        assert!(matches!(
            check_text(&long),
            Err(BroadcastError::TooLong { chars, max: MAX_TEXT_CHARS }) if chars == MAX_TEXT_CHARS + 1
        ));
        assert!(check_text(&"я".repeat(MAX_TEXT_CHARS)).is_ok());
        assert!(matches!(
            check_text("a\u{0}b"),
            Err(BroadcastError::ControlCharacter)
        ));
    }

    #[test]
    fn the_job_names_the_broadcast() {
        let job = send_job(BroadcastId(7));
        assert_eq!(job.id, "broadcast:7");
        assert_eq!(job.kind, SEND_KIND);
        assert_eq!(job.payload["broadcast_id"], 7);
    }
}
