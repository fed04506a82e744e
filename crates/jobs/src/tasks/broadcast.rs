//! `broadcast.send`: sends a broadcast to every recipient once, at the pace the bot's limiter
//! allows (many sends in flight, each waiting for its slot), records each outcome in batches
//! while the sending goes on, edits the author's progress message, and finishes the broadcast. A
//! redelivered job takes only the recipients not tried yet, and the sender's per-recipient keys
//! skip anyone reached just before a crash.

use std::sync::Arc;
use std::time::Duration;

use app::broadcasts::{Broadcast, BroadcastId, BroadcastStatus, Outcome as Delivery};
use app::notices::{NoticeError, Notices};
use domain::{User, UserId};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::{Context, payload, retry};
use crate::queue::Job;
use crate::worker::Outcome;

/// Recipients read per page.
const PAGE: u32 = 500;
/// Sends in flight at once: enough to keep the limiter's pace while each waits for Telegram.
const IN_FLIGHT: usize = 32;
/// Outcomes written per batch, and at least this often.
const BATCH: usize = 100;
const BATCH_EVERY: Duration = Duration::from_millis(500);
/// The author's progress message is edited at most this often (and once at the end).
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

#[derive(Deserialize)]
struct BroadcastJob {
    broadcast_id: i64,
}

/// What one send came to: an outcome to record, or a failure worth another try (the recipient
/// stays pending).
type Sent = (UserId, Result<Delivery, NoticeError>);

pub(super) async fn send(ctx: Arc<Context>, job: Job) -> Outcome {
    let p: BroadcastJob = match payload(&job) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let id = BroadcastId(p.broadcast_id);
    let broadcast = match ctx.app.broadcast_to_send(id).await {
        Ok(Some(b)) => b,
        Ok(None) => return Outcome::Done,
        Err(e) => return retry(e),
    };
    if broadcast.status == BroadcastStatus::Done {
        return Outcome::Done;
    }
    let Some(notices) = ctx.notices.clone() else {
        return Outcome::Fail("no Telegram bot is configured to send broadcasts".into());
    };
    let author = match ctx.app.store().user(broadcast.author_id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Outcome::Fail(format!("the author of broadcast {id} is gone")),
        Err(e) => return retry(e),
    };
    let (tx, rx) = mpsc::channel::<Sent>(4 * BATCH);
    let sending = send_all(&ctx, notices.as_ref(), &job.id, &broadcast, &author, tx);
    let recording = record_all(&ctx, notices.as_ref(), id, &author, rx);
    let (sent, recorded) = tokio::join!(sending, recording);
    if let Err(e) = recorded {
        return retry(e);
    }
    if let Err(e) = sent {
        return e;
    }
    let finished = match ctx.app.finish_broadcast(id).await {
        Ok(b) => b,
        Err(e) => return retry(e),
    };
    if let Err(e) = notices.broadcast_progress(&finished, &author).await {
        tracing::warn!(broadcast = id.0, error = %e, "the final summary was not shown");
    }
    Outcome::Done
}

/// Sends to every pending recipient, page after page, `IN_FLIGHT` at a time, handing each
/// result to the recorder. Err (after everything in flight was handed over) when some send is
/// worth another try: the job is retried and takes the rest.
async fn send_all(
    ctx: &Context,
    notices: &dyn Notices,
    key: &str,
    broadcast: &Broadcast,
    author: &User,
    tx: mpsc::Sender<Sent>,
) -> Result<(), Outcome> {
    let mut after = None;
    let mut again = None;
    loop {
        let page = match ctx.app.pending_recipients(broadcast.id, after, PAGE).await {
            Ok(p) => p,
            Err(e) => return Err(retry(e)),
        };
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.id);
        let mut results = futures_util::stream::iter(page)
            .map(|to| async move {
                let result = if to.reachable {
                    notices.broadcast_to(key, broadcast, author, &to).await
                } else {
                    // Blocked the bot since the broadcast started.
                    Ok(Delivery::Unreachable)
                };
                (to.id, result)
            })
            .buffer_unordered(IN_FLIGHT);
        while let Some((user, result)) = results.next().await {
            if let Err(NoticeError::Transient(e)) = &result {
                again.get_or_insert_with(|| e.clone());
            }
            if tx.send((user, result)).await.is_err() {
                // The recorder stopped on a store error; it reports it.
                return Ok(());
            }
        }
        // A stale page of recipients whose records are gone would repeat forever otherwise.
        if again.is_some() {
            break;
        }
    }
    match again {
        Some(e) => Err(Outcome::Retry(e)),
        None => Ok(()),
    }
}

/// Writes outcomes in batches as they arrive and edits the author's progress message now and
/// then.
async fn record_all(
    ctx: &Context,
    notices: &dyn Notices,
    id: BroadcastId,
    author: &User,
    mut rx: mpsc::Receiver<Sent>,
) -> Result<(), app::AppError> {
    let mut batch: Vec<(UserId, Delivery)> = Vec::with_capacity(BATCH);
    let mut last_progress = tokio::time::Instant::now();
    let mut open = true;
    while open {
        let deadline = tokio::time::sleep(BATCH_EVERY);
        tokio::pin!(deadline);
        while batch.len() < BATCH {
            tokio::select! {
                got = rx.recv() => match got {
                    Some((user, Ok(delivery))) => batch.push((user, delivery)),
                    Some((user, Err(NoticeError::Permanent(e)))) => {
                        tracing::warn!(broadcast = id.0, user = user.0, error = %e, "broadcast not delivered");
                        batch.push((user, Delivery::Failed));
                    }
                    // Stays pending for the next try.
                    Some((_, Err(NoticeError::Transient(_)))) => {}
                    None => {
                        open = false;
                        break;
                    }
                },
                () = &mut deadline => break,
            }
        }
        if batch.is_empty() {
            continue;
        }
        let now = ctx.app.record_broadcast_outcomes(id, &batch).await?;
        batch.clear();
        if open && last_progress.elapsed() >= PROGRESS_EVERY {
            last_progress = tokio::time::Instant::now();
            if let Err(e) = notices.broadcast_progress(&now, author).await {
                tracing::info!(broadcast = id.0, error = %e, "progress not shown");
            }
        }
    }
    Ok(())
}
