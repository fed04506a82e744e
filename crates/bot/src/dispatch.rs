//! Runs updates concurrently across chats and in order within a chat: each chat hashes to one of
//! a fixed set of lanes, and a lane handles its updates one after another. (A slow update holds
//! up only the chats that share its lane.) A panic while handling one update is caught: that
//! person gets the generic apology and the lane goes on with the next update. Shutdown stops
//! taking updates and drains the lanes for a bounded time.

use async_trait::async_trait;
use futures_util::FutureExt;
use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use teloxide::types::{CallbackQueryId, Update, UpdateKind};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

/// Lanes: enough that busy chats rarely share one; each is an idle task when unused.
const LANES: usize = 64;
/// Updates waiting per lane before the poller waits too (and the webhook answers 503).
const LANE_CAPACITY: usize = 256;

/// What the dispatcher runs for each update: the bot's handler, or a test's.
#[async_trait]
pub trait UpdateHandler: Send + Sync + 'static {
    async fn handle(&self, update: Update);
    /// Tells the person that their update could not be handled (it panicked).
    async fn apologize(&self, origin: &Origin);
}

/// Who an update came from, taken before it is handled so the person can still be answered when
/// handling it panics, and so its log span can name it.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub update_id: i64,
    pub kind: &'static str,
    /// The private chat to answer in (None for chats the bot does not serve).
    pub chat: Option<i64>,
    pub language_code: Option<String>,
    /// The button tap to answer, for callback queries.
    pub callback: Option<CallbackQueryId>,
}

impl Origin {
    pub fn of(update: &Update) -> Self {
        let update_id = i64::from(update.id.0);
        let mut origin = Origin {
            update_id,
            kind: "other",
            chat: None,
            language_code: None,
            callback: None,
        };
        match &update.kind {
            UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => {
                origin.kind = if matches!(update.kind, UpdateKind::Message(_)) {
                    "message"
                } else {
                    "edited_message"
                };
                origin.chat = m.chat.is_private().then_some(m.chat.id.0);
                origin.language_code = m.from.as_ref().and_then(|u| u.language_code.clone());
            }
            UpdateKind::CallbackQuery(q) => {
                origin.kind = "callback_query";
                origin.chat = Some(chat_key(update));
                origin.language_code = q.from.language_code.clone();
                origin.callback = Some(q.id.clone());
            }
            _ => {}
        }
        origin
    }
}

/// Sizes of the dispatcher (tests use small ones).
#[derive(Debug, Clone, Copy)]
pub struct DispatchOptions {
    pub lanes: usize,
    pub lane_capacity: usize,
}

impl Default for DispatchOptions {
    fn default() -> Self {
        Self {
            lanes: LANES,
            lane_capacity: LANE_CAPACITY,
        }
    }
}

/// Why an update was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the chat's lane is full")]
    Full,
    #[error("the bot is shutting down")]
    ShuttingDown,
}

/// Which updates have been handled (the most recent ones), so tests and shutdown can wait for a
/// given update instead of guessing with sleeps.
#[derive(Default)]
pub struct Progress {
    done: Mutex<std::collections::VecDeque<i64>>,
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
    pub async fn wait_for(&self, update_id: i64, timeout: Duration) -> bool {
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

/// Update ids queued or being handled.
#[derive(Default)]
struct Pending(Mutex<BTreeSet<i64>>);

impl Pending {
    fn with<R>(&self, f: impl FnOnce(&mut BTreeSet<i64>) -> R) -> R {
        match self.0.lock() {
            Ok(mut g) => f(&mut g),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
}

pub struct Dispatcher {
    progress: Arc<Progress>,
    /// Emptied on shutdown, which ends the lanes' tasks once their queues are drained.
    lanes: RwLock<Vec<mpsc::Sender<Update>>>,
    lane_count: usize,
    pending: Arc<Pending>,
    /// Cancelled when the drain deadline passes: lanes drop what they still hold.
    abandon: CancellationToken,
    tracker: TaskTracker,
}

impl Dispatcher {
    pub fn new(handler: Arc<dyn UpdateHandler>, options: DispatchOptions) -> Self {
        let tracker = TaskTracker::new();
        let progress = Arc::new(Progress::default());
        let pending = Arc::new(Pending::default());
        let abandon = CancellationToken::new();
        let lane_count = options.lanes.max(1);
        let lanes = (0..lane_count)
            .map(|_| {
                let (tx, rx) = mpsc::channel::<Update>(options.lane_capacity.max(1));
                tracker.spawn(lane(
                    rx,
                    handler.clone(),
                    progress.clone(),
                    pending.clone(),
                    abandon.clone(),
                ));
                tx
            })
            .collect();
        tracker.close();
        Self {
            progress,
            lanes: RwLock::new(lanes),
            lane_count,
            pending,
            abandon,
            tracker,
        }
    }

    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    fn sender_for(&self, update: &Update) -> Option<mpsc::Sender<Update>> {
        let lane = (chat_key(update).unsigned_abs() % self.lane_count as u64) as usize;
        match self.lanes.read() {
            Ok(lanes) => lanes.get(lane).cloned(),
            Err(poisoned) => poisoned.into_inner().get(lane).cloned(),
        }
    }

    /// Queues an update on its chat's lane, waiting while the lane is full (long polling simply
    /// polls later).
    pub async fn submit(&self, update: Update) -> Result<(), Refused> {
        let id = i64::from(update.id.0);
        let tx = self.sender_for(&update).ok_or(Refused::ShuttingDown)?;
        self.pending.with(|p| p.insert(id));
        if tx.send(update).await.is_err() {
            self.pending.with(|p| p.remove(&id));
            return Err(Refused::ShuttingDown);
        }
        Ok(())
    }

    /// Queues an update without waiting: refused when its lane is full or the bot is stopping
    /// (the webhook then answers 503 and Telegram delivers it again later).
    pub fn try_submit(&self, update: Update) -> Result<(), Refused> {
        let id = i64::from(update.id.0);
        let tx = self.sender_for(&update).ok_or(Refused::ShuttingDown)?;
        self.pending.with(|p| p.insert(id));
        let refused = match tx.try_send(update) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(_)) => Refused::Full,
            Err(TrySendError::Closed(_)) => Refused::ShuttingDown,
        };
        self.pending.with(|p| p.remove(&id));
        Err(refused)
    }

    /// The lowest update id queued or being handled.
    pub fn first_pending(&self) -> Option<i64> {
        self.pending.with(|p| p.first().copied())
    }

    /// Stops taking updates and handles what is queued for up to `deadline`; what is still
    /// queued or running then is dropped unfinished (it was never marked done, so a redelivery
    /// handles it). Returns the ids left that way.
    pub async fn shutdown(&self, deadline: Duration) -> Vec<i64> {
        match self.lanes.write() {
            Ok(mut lanes) => lanes.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
        if tokio::time::timeout(deadline, self.tracker.wait())
            .await
            .is_err()
        {
            self.abandon.cancel();
            self.tracker.wait().await;
        }
        let left: Vec<i64> = self.pending.with(|p| p.iter().copied().collect());
        if !left.is_empty() {
            tracing::warn!(
                count = left.len(),
                first = left.first().copied(),
                "shutdown deadline passed; updates left unhandled for redelivery"
            );
        }
        left
    }
}

/// One lane: its updates one after another, until its queue closes (shutdown) or the drain
/// deadline passes.
async fn lane(
    mut rx: mpsc::Receiver<Update>,
    handler: Arc<dyn UpdateHandler>,
    progress: Arc<Progress>,
    pending: Arc<Pending>,
    abandon: CancellationToken,
) {
    loop {
        let update = tokio::select! {
            biased;
            () = abandon.cancelled() => return,
            update = rx.recv() => match update {
                Some(update) => update,
                None => return,
            },
        };
        let origin = Origin::of(&update);
        let span = tracing::info_span!(
            "update",
            update_id = origin.update_id,
            chat = origin.chat,
            kind = origin.kind
        );
        let handled = AssertUnwindSafe(handler.handle(update))
            .catch_unwind()
            .instrument(span.clone());
        let outcome = tokio::select! {
            biased;
            () = abandon.cancelled() => return,
            outcome = handled => outcome,
        };
        if outcome.is_err() {
            // The panic message itself went to stderr through the panic hook.
            tracing::error!(parent: &span, "handling the update panicked; the lane goes on");
            let apology = AssertUnwindSafe(handler.apologize(&origin))
                .catch_unwind()
                .instrument(span);
            tokio::select! {
                biased;
                () = abandon.cancelled() => return,
                _ = apology => {}
            }
        }
        pending.with(|p| p.remove(&origin.update_id));
        progress.mark(origin.update_id);
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

#[cfg(test)]
pub(crate) mod tests;
