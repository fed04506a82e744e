//! Runs updates concurrently across chats and in order within a chat: each chat hashes to one of
//! a fixed set of lanes, and a lane handles its updates one after another. (A slow update holds
//! up only the chats that share its lane.)

use crate::ctx::Deps;
use crate::handler::handle_update;
use std::sync::Arc;
use teloxide::types::{Update, UpdateKind};
use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;

/// Lanes: enough that busy chats rarely share one; each is an idle task when unused.
const LANES: usize = 64;
/// Updates waiting per lane before the receiver (poller or webhook) waits too.
const LANE_CAPACITY: usize = 256;

/// Which updates have been handled (the most recent ones), so tests and shutdown can wait for a
/// given update instead of guessing with sleeps.
#[derive(Default)]
pub struct Progress {
    done: std::sync::Mutex<std::collections::VecDeque<i64>>,
    changed: tokio::sync::Notify,
}

/// How many handled update ids `Progress` remembers.
const PROGRESS_MEMORY: usize = 10_000;

impl Progress {
    fn mark(&self, update_id: i64) {
        if let Ok(mut done) = self.done.lock() {
            if done.len() == PROGRESS_MEMORY {
                done.pop_front();
            }
            done.push_back(update_id);
        }
        self.changed.notify_waiters();
    }

    pub fn is_done(&self, update_id: i64) -> bool {
        self.done
            .lock()
            .map(|d| d.contains(&update_id))
            .unwrap_or(false)
    }

    /// Waits until the update has been handled; false on timeout.
    pub async fn wait_for(&self, update_id: i64, timeout: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_done(update_id) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.is_done(update_id);
            }
        }
    }
}

pub struct Dispatcher {
    progress: Arc<Progress>,
    /// Emptied on shutdown, which ends the lanes' tasks once their queues are drained.
    lanes: std::sync::RwLock<Vec<mpsc::Sender<Update>>>,
    tracker: TaskTracker,
}

impl Dispatcher {
    pub fn new(deps: Arc<Deps>) -> Self {
        let tracker = TaskTracker::new();
        let progress = Arc::new(Progress::default());
        let lanes = (0..LANES)
            .map(|_| {
                let (tx, mut rx) = mpsc::channel::<Update>(LANE_CAPACITY);
                let deps = deps.clone();
                let progress = progress.clone();
                tracker.spawn(async move {
                    while let Some(update) = rx.recv().await {
                        let id = i64::from(update.id.0);
                        handle_update(&deps, update).await;
                        progress.mark(id);
                    }
                });
                tx
            })
            .collect();
        tracker.close();
        Self {
            progress,
            lanes: std::sync::RwLock::new(lanes),
            tracker,
        }
    }

    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// Queues an update on its chat's lane; waits when the lane is full.
    pub async fn submit(&self, update: Update) {
        let lane = (chat_key(&update).unsigned_abs() % LANES as u64) as usize;
        let sender = match self.lanes.read() {
            Ok(lanes) => lanes.get(lane).cloned(),
            Err(poisoned) => poisoned.into_inner().get(lane).cloned(),
        };
        match sender {
            Some(tx) if tx.send(update).await.is_ok() => {}
            _ => tracing::warn!("the bot is shutting down; update left for redelivery"),
        }
    }

    /// Stops taking updates and waits until every queued one is handled.
    pub async fn shutdown(&self) {
        match self.lanes.write() {
            Ok(mut lanes) => lanes.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
        self.tracker.wait().await;
    }
}

/// The chat an update belongs to (the sender for button taps on inaccessible messages).
fn chat_key(update: &Update) -> i64 {
    match &update.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => m.chat.id.0,
        UpdateKind::CallbackQuery(q) => q
            .message
            .as_ref()
            .map(|m| m.chat().id.0)
            .unwrap_or(q.from.id.0 as i64),
        _ => i64::from(update.id.0),
    }
}
