//! Marks handled updates finished in batches: one statement for every update handled since the
//! last write, instead of a second database round trip per update. A finish lost in a crash only
//! means that update may be handled again after the claim lease — at-least-once either way.

use app::{BotStateStore, StaffPro};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Ids written in one statement at most.
const MAX_BATCH: usize = 1024;

pub struct Finisher {
    tx: mpsc::UnboundedSender<i64>,
    closed: CancellationToken,
}

impl Finisher {
    /// Starts the writer on `tracker`; it ends after [`Finisher::close`] once everything sent
    /// before is written.
    pub fn start(bot_state: Arc<dyn BotStateStore>, app: StaffPro, tracker: &TaskTracker) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<i64>();
        let closed = CancellationToken::new();
        let stop = closed.clone();
        tracker.spawn(async move {
            loop {
                let first = tokio::select! {
                    biased;
                    id = rx.recv() => id,
                    () = stop.cancelled() => None,
                };
                let mut ids: Vec<i64> = first.into_iter().collect();
                while ids.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(id) => ids.push(id),
                        Err(_) => break,
                    }
                }
                // Closed (or every sender gone) with nothing left to write.
                if ids.is_empty() {
                    break;
                }
                if let Err(e) = bot_state.finish_updates(&ids, app.now()).await {
                    tracing::warn!(error = %e, count = ids.len(), "could not mark updates handled");
                }
            }
        });
        Self { tx, closed }
    }

    /// Queues an update id to be marked finished; never waits.
    pub fn finish(&self, update_id: i64) {
        if self.tx.send(update_id).is_err() {
            tracing::warn!(
                update_id,
                "update finished after the bot stopped; not recorded"
            );
        }
    }

    /// Writes what is queued and stops (call once no more updates are handled).
    pub fn close(&self) {
        self.closed.cancel();
    }
}
