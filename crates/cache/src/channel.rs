//! The background tasks of a cache: the Redis subscriber (invalidations from other processes,
//! and noticing when that channel is lost), the feed poller and appender used without Redis,
//! and the upkeep task (failed invalidations resent, counters summed across processes).

use crate::engine::Inner;
use crate::invalidation::{Message, feed_entries, read_feed_entries};
use crate::l2::L2Error;
use crate::stats;
use crate::{BoxError, InvalidationFeed};
use futures_util::StreamExt;
use redis::aio::{PubSubSink, PubSubStream};
use std::error::Error;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the subscription is pinged, so that a connection that died silently (no FIN, a
/// partition) is noticed.
const PING_EVERY: Duration = Duration::from_secs(1);
/// Waits between attempts to subscribe again, doubling up to the maximum.
const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(1);
/// Own invalidations go to the feed at most this often (in batches).
const APPEND_EVERY: Duration = Duration::from_millis(50);
/// After a failed append, the next try waits this long.
const APPEND_RETRY: Duration = Duration::from_secs(1);
/// Entries read from the feed per call.
const FEED_BATCH: u32 = 500;
/// A feed call (the database) that takes longer counts as failed.
pub(crate) const FEED_TIMEOUT: Duration = Duration::from_secs(5);
/// Failed invalidations are resent, and counters added to the Redis stats hash, this often.
const UPKEEP_EVERY: Duration = Duration::from_secs(1);

/// Why the subscription ended.
#[derive(Debug, thiserror::Error)]
enum Lost {
    #[error("the subscription connection closed")]
    Closed,
    #[error("the subscription did not answer a ping")]
    Ping(#[source] L2Error),
}

/// Sleeps `d` unless the cache stops first; returns whether it stopped.
async fn pause(d: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = cancel.cancelled() => true,
    }
}

/// Subscribes, and with that the channel is up (pending invalidations replayed, L1 emptied).
pub(crate) async fn connect(inner: &Inner) -> Result<(PubSubSink, PubSubStream), L2Error> {
    let redis = inner.redis.as_ref().ok_or(L2Error::NotConfigured)?;
    let subscription = redis.subscribe().await?;
    inner.channel_restored().await?;
    Ok(subscription)
}

/// Keeps the Redis subscription: applies what arrives, notices a loss (then L1 is emptied and
/// kept short), and subscribes again until it works.
pub(crate) async fn subscriber(
    inner: Arc<Inner>,
    mut live: Option<(PubSubSink, PubSubStream)>,
    cancel: CancellationToken,
) {
    let mut retry = RETRY_MIN;
    loop {
        if let Some((sink, stream)) = live.take() {
            retry = RETRY_MIN;
            match listen(&inner, sink, stream, &cancel).await {
                None => return,
                Some(lost) => inner.channel_lost(&lost),
            }
        }
        if pause(retry, &cancel).await {
            return;
        }
        tokio::select! {
            connected = connect(&inner) => match connected {
                Ok(subscription) => live = Some(subscription),
                Err(e) => {
                    inner.warn("cannot subscribe to the invalidation channel", &e);
                    retry = (retry * 2).min(RETRY_MAX);
                }
            },
            _ = cancel.cancelled() => return,
        }
    }
}

/// Reads the subscription until it is lost (`Some(why)`) or the cache stops (`None`).
async fn listen(
    inner: &Inner,
    mut sink: PubSubSink,
    mut stream: PubSubStream,
    cancel: &CancellationToken,
) -> Option<Lost> {
    let ping_timeout = inner.redis.as_ref().map(|r| r.ping_timeout())?;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return None,
            message = stream.next() => match message {
                Some(message) => match Message::decode(message.get_payload_bytes()) {
                    Ok(message) => inner.apply(message).await,
                    Err(e) => inner.apply_unreadable(&e),
                },
                None => return Some(Lost::Closed),
            },
            _ = ping.tick() => {
                let answer = tokio::time::timeout(ping_timeout, sink.ping::<redis::Value>()).await;
                match answer {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return Some(Lost::Ping(e.into())),
                    Err(_) => return Some(Lost::Ping(L2Error::Timeout(ping_timeout))),
                }
            }
        }
    }
}

async fn within<T>(
    call: impl Future<Output = Result<T, BoxError>>,
) -> Result<T, Box<dyn Error + Send + Sync>> {
    match tokio::time::timeout(FEED_TIMEOUT, call).await {
        Ok(result) => result,
        Err(_) => Err(Box::new(FeedTimeout)),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the invalidation feed did not answer within {FEED_TIMEOUT:?}")]
struct FeedTimeout;

/// The newest feed entry now: where a new cache starts reading.
pub(crate) async fn feed_start(feed: &dyn InvalidationFeed) -> Result<i64, BoxError> {
    within(feed.last_id()).await
}

/// Reads the feed every poll interval and applies other processes' invalidations. A failing
/// feed is a lost channel (L1 emptied and kept short) until it answers again.
pub(crate) async fn feed_poller(
    inner: Arc<Inner>,
    feed: Arc<dyn InvalidationFeed>,
    mut after: Option<i64>,
    cancel: CancellationToken,
) {
    loop {
        if pause(inner.config.feed_poll_interval, &cancel).await {
            return;
        }
        let result = match after {
            Some(id) => read_feed(&inner, feed.as_ref(), id).await,
            // Lost before the start: what happened meanwhile is unknown, start from now.
            None => feed_start(feed.as_ref()).await,
        };
        match result {
            Ok(id) => {
                after = Some(id);
                if inner.is_degraded() {
                    // Never fails without Redis.
                    let _ = inner.channel_restored().await;
                }
            }
            Err(e) => inner.channel_lost(e.as_ref()),
        }
    }
}

/// Applies every entry after `after`; returns the last id read.
async fn read_feed(
    inner: &Inner,
    feed: &dyn InvalidationFeed,
    mut after: i64,
) -> Result<i64, BoxError> {
    loop {
        let entries = within(feed.read_after(after, FEED_BATCH)).await?;
        let full = entries.len() >= FEED_BATCH as usize;
        for (id, keys) in entries {
            if let Some(message) = read_feed_entries(inner.origin, &keys) {
                inner.apply(message).await;
            }
            after = after.max(id);
        }
        if !full {
            return Ok(after);
        }
    }
}

/// Appends this cache's invalidations to the feed, batched, off the callers' path. On stop,
/// what is left is appended once more.
pub(crate) async fn feed_appender(
    inner: Arc<Inner>,
    feed: Arc<dyn InvalidationFeed>,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = inner.outbox_ready.notified() => {}
            _ = cancel.cancelled() => {
                append(&inner, feed.as_ref()).await;
                return;
            }
        }
        let wait = if append(&inner, feed.as_ref()).await {
            APPEND_EVERY
        } else {
            inner.outbox_ready.notify_one();
            APPEND_RETRY
        };
        if pause(wait, &cancel).await {
            append(&inner, feed.as_ref()).await;
            return;
        }
    }
}

/// Appends the outbox; on failure it goes back (bounded) for the next try. Returns success.
async fn append(inner: &Inner, feed: &dyn InvalidationFeed) -> bool {
    let batch = std::mem::take(&mut *inner.lock_outbox());
    if batch.is_empty() {
        return true;
    }
    match within(feed.append(&feed_entries(inner.origin, &batch))).await {
        Ok(()) => true,
        Err(e) => {
            inner.warn("cannot append invalidations to the feed", e.as_ref());
            let mut outbox = inner.lock_outbox();
            outbox.add_flush(&batch.flush.iter().copied().collect::<Vec<_>>());
            outbox.add_keys(&batch.keys.iter().cloned().collect::<Vec<_>>());
            false
        }
    }
}

/// Every second while Redis is up, and once on stop: resends the invalidations that failed
/// (a timeout while the subscription stayed up would otherwise keep them until the next loss),
/// and adds this process's counter increments to the Redis stats hash.
pub(crate) async fn upkeep(inner: Arc<Inner>, cancel: CancellationToken) {
    loop {
        let stopping = pause(UPKEEP_EVERY, &cancel).await;
        if let Some(redis) = &inner.redis
            && !inner.is_degraded()
            && let Err(e) = inner.replay_pending(redis).await
        {
            inner.warn("Redis invalidation failed again", &e);
        }
        flush_stats(&inner).await;
        if stopping {
            return;
        }
    }
}

/// Sends what changed since the last flush; on failure, or while Redis is down, the next
/// flush sends it.
pub(crate) async fn flush_stats(inner: &Inner) {
    let Some(redis) = &inner.redis else { return };
    if inner.is_degraded() {
        // Kept for when Redis is back, rather than waiting on it now.
        return;
    }
    let mut sent = inner.stats_sent.lock().await;
    let now = inner.counters.snapshot();
    let deltas = stats::deltas(&now, &sent);
    if deltas.is_empty() {
        return;
    }
    match redis.add_stats(&deltas).await {
        Ok(()) => *sent = now,
        Err(e) => tracing::debug!(error = %e, "cache: counters not sent to Redis this time"),
    }
}
