//! The state one cache shares with its background tasks: its tiers, the channel's state and
//! what happens when it is lost or back, and the invalidation paths.

use crate::codec;
use crate::config::{CacheConfig, Kind};
use crate::counters::Counters;
use crate::invalidation::{Message, Pending, new_origin};
use crate::l1::KindTier;
use crate::l2::{L2Error, RedisTier};
use crate::stats::{Stats, Tier};
use crate::{InvalidationFeed, RedisState};
use std::error::Error;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use telemetry::ErrorChain;
use tokio::sync::Notify;

/// At most one warning per this long, per cache.
const WARN_EVERY: Duration = Duration::from_secs(60);

const CHANNEL_NONE: u8 = 0;
const CHANNEL_UP: u8 = 1;
const CHANNEL_DOWN: u8 = 2;

/// Logs a warning at most once a [`WARN_EVERY`], saying how many were held back meanwhile.
#[derive(Default)]
struct Warnings {
    state: Mutex<(Option<Instant>, u64)>,
}

impl Warnings {
    fn warn(&self, what: &str, error: &(dyn Error + 'static)) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (last, held_back) = &mut *state;
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < WARN_EVERY) {
            *held_back += 1;
            return;
        }
        tracing::warn!(
            error = %ErrorChain(error),
            held_back = *held_back,
            "cache: {what}"
        );
        *last = Some(now);
        *held_back = 0;
    }
}

pub(crate) struct Inner {
    pub config: CacheConfig,
    /// Names this cache on the channel, so it can skip its own messages.
    pub origin: u64,
    l1: [KindTier; 4],
    pub counters: Arc<Counters>,
    pub redis: Option<RedisTier>,
    pub feed: Option<Arc<dyn InvalidationFeed>>,
    channel: AtomicU8,
    warnings: Warnings,
    /// Redis invalidations that failed, replayed when Redis answers again.
    pub pending: Mutex<Pending>,
    /// Feed entries not yet appended (without Redis).
    pub outbox: Mutex<Pending>,
    pub outbox_ready: Notify,
    /// The counters as last added to the Redis stats hash.
    pub stats_sent: tokio::sync::Mutex<Stats>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Sets of keys: a panic half-way leaves nothing inconsistent.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inner {
    pub(crate) fn new(
        config: CacheConfig,
        redis: Option<RedisTier>,
        feed: Option<Arc<dyn InvalidationFeed>>,
    ) -> Self {
        let counters = Arc::new(Counters::new());
        let l1 = Kind::ALL.map(|k| KindTier::new(k, config.l1_capacity, counters.clone()));
        let has_channel = redis.is_some() || feed.is_some();
        Inner {
            origin: new_origin(),
            l1,
            counters,
            redis,
            feed,
            // A cache with a channel starts as if the channel were lost, until it is up.
            channel: AtomicU8::new(if has_channel {
                CHANNEL_DOWN
            } else {
                CHANNEL_NONE
            }),
            warnings: Warnings::default(),
            pending: Mutex::default(),
            outbox: Mutex::default(),
            outbox_ready: Notify::new(),
            stats_sent: tokio::sync::Mutex::default(),
            config,
        }
    }

    #[inline]
    pub(crate) fn l1(&self, kind: Kind) -> &KindTier {
        &self.l1[kind.index()]
    }

    pub(crate) fn warn(&self, what: &str, error: &(dyn Error + 'static)) {
        self.warnings.warn(what, error);
    }

    pub(crate) fn redis_state(&self) -> RedisState {
        match (&self.redis, self.channel.load(Ordering::SeqCst)) {
            (None, _) => RedisState::NotConfigured,
            (Some(_), CHANNEL_UP) => RedisState::Up,
            (Some(_), _) => RedisState::Down,
        }
    }

    pub(crate) fn is_degraded(&self) -> bool {
        self.channel.load(Ordering::SeqCst) == CHANNEL_DOWN
    }

    /// Whether invalidations from other processes reach this one now.
    pub(crate) fn channel_up(&self) -> bool {
        self.channel.load(Ordering::SeqCst) == CHANNEL_UP
    }

    /// The L1 lifetime of a new entry: short while invalidations may be missed.
    pub(crate) fn l1_ttl(&self, ttl: Duration) -> Duration {
        if self.is_degraded() {
            ttl.min(self.config.degraded_l1_ttl)
        } else {
            ttl
        }
    }

    pub(crate) fn lock_outbox(&self) -> MutexGuard<'_, Pending> {
        lock(&self.outbox)
    }

    fn clear_l1(&self, kinds: &[Kind]) {
        for kind in kinds {
            self.l1(*kind).clear();
        }
    }

    /// The channel is gone: from now on nothing tells us of other processes' changes, so what
    /// L1 holds may go stale. Empty it, and keep what comes next only briefly.
    pub(crate) fn channel_lost(&self, why: &(dyn Error + 'static)) {
        // Down first, then empty: an entry inserted in between sees the epoch change and leaves.
        if self.channel.swap(CHANNEL_DOWN, Ordering::SeqCst) == CHANNEL_UP {
            self.counters.channel(false, true);
            self.clear_l1(&Kind::ALL);
            let what = format!(
                "lost the invalidation channel, keeping entries {:?} at most",
                self.config.degraded_l1_ttl
            );
            self.warn(&what, why);
        }
    }

    /// The cache stops listening (shutdown): what it holds may go stale from now on, so it
    /// runs as if the channel were lost, without counting a loss.
    pub(crate) fn channel_closed(&self) {
        if self.channel.load(Ordering::SeqCst) != CHANNEL_NONE {
            self.channel.store(CHANNEL_DOWN, Ordering::SeqCst);
            self.counters.channel(false, false);
            self.clear_l1(&Kind::ALL);
        }
    }

    /// The channel is back (and, with Redis, already subscribed, so nothing from now on is
    /// missed). Invalidations sent meanwhile may have been missed: empty L1 once more.
    pub(crate) async fn channel_restored(&self) -> Result<(), L2Error> {
        if let Some(redis) = &self.redis {
            redis.ping().await?;
            self.replay_pending(redis).await?;
        }
        self.clear_l1(&Kind::ALL);
        if self.channel.swap(CHANNEL_UP, Ordering::SeqCst) != CHANNEL_UP {
            self.counters.channel(true, false);
            tracing::info!("cache: the invalidation channel is up");
        }
        Ok(())
    }

    /// Sends the invalidations that failed while Redis was unreachable, so that values other
    /// processes still read from Redis are dropped too.
    pub(crate) async fn replay_pending(&self, redis: &RedisTier) -> Result<(), L2Error> {
        let pending = std::mem::take(&mut *lock(&self.pending));
        if pending.is_empty() {
            return Ok(());
        }
        let result = self.send_pending(redis, &pending).await;
        if result.is_err() {
            let mut kept = lock(&self.pending);
            kept.add_flush(&pending.flush.iter().copied().collect::<Vec<_>>());
            kept.add_keys(&pending.keys.iter().cloned().collect::<Vec<_>>());
        }
        result
    }

    async fn send_pending(&self, redis: &RedisTier, pending: &Pending) -> Result<(), L2Error> {
        // Each step also drops from this process's L1 what its reads may have refilled from
        // Redis meanwhile (its own message does not come back to it).
        for kind in &pending.flush {
            redis.flush(Some(*kind)).await?;
        }
        if !pending.flush.is_empty() {
            let kinds: Vec<Kind> = pending.flush.iter().copied().collect();
            redis
                .publish(&self.message(Vec::new(), kinds.clone()))
                .await?;
            self.clear_l1(&kinds);
        }
        let keys: Vec<(Kind, String)> = pending.keys.iter().cloned().collect();
        for chunk in keys.chunks(500) {
            let message = self.message(chunk.to_vec(), Vec::new());
            redis
                .invalidate(
                    chunk,
                    &codec::encode_tombstone(),
                    self.config.tombstone_ttl,
                    &message,
                )
                .await?;
            self.drop_from_l1(chunk).await;
        }
        Ok(())
    }

    fn message(&self, keys: Vec<(Kind, String)>, flush: Vec<Kind>) -> Vec<u8> {
        Message {
            origin: self.origin,
            keys,
            flush,
        }
        .encode()
    }

    /// A message on the channel that cannot be read: whatever it meant to drop is unknown, so
    /// drop everything (rare: only something else publishing on our channel).
    pub(crate) fn apply_unreadable(&self, why: &(dyn Error + 'static)) {
        self.clear_l1(&Kind::ALL);
        self.warn(
            "an unreadable invalidation message, emptied the in-process cache",
            why,
        );
    }

    /// Drops what another process invalidated.
    pub(crate) async fn apply(&self, message: Message) {
        if message.origin == self.origin {
            return;
        }
        for (kind, key) in &message.keys {
            self.l1(*kind).invalidate(key).await;
            self.counters.received(*kind, 1);
        }
        self.clear_l1(&message.flush);
    }

    async fn drop_from_l1(&self, keys: &[(Kind, String)]) {
        for (kind, key) in keys {
            self.l1(*kind).invalidate(key).await;
        }
    }

    /// Drops the keys here, blocks them in Redis and tells the other processes.
    pub(crate) async fn invalidate(&self, keys: &[(Kind, String)]) {
        if keys.is_empty() {
            return;
        }
        self.drop_from_l1(keys).await;
        for (kind, _) in keys {
            self.counters.invalidated(*kind, 1);
        }
        if let Some(redis) = &self.redis {
            let message = self.message(keys.to_vec(), Vec::new());
            let tombstone = codec::encode_tombstone();
            let sent = redis
                .invalidate(keys, &tombstone, self.config.tombstone_ttl, &message)
                .await;
            match sent {
                // Once more now that the tombstones are in place: a read in this process between
                // the first drop and the tombstones may have put Redis's old value back in L1.
                Ok(()) => self.drop_from_l1(keys).await,
                Err(e) => {
                    for (kind, _) in keys {
                        self.counters.error(*kind, Tier::L2);
                    }
                    lock(&self.pending).add_keys(keys);
                    self.warn(
                        "Redis invalidation failed, it is resent when Redis is back",
                        &e,
                    );
                }
            }
        } else if self.feed.is_some() {
            lock(&self.outbox).add_keys(keys);
            self.outbox_ready.notify_one();
        }
    }

    /// Empties `kinds` here, in Redis and in every other process.
    pub(crate) async fn flush(&self, kinds: &[Kind]) {
        self.clear_l1(kinds);
        if let Some(redis) = &self.redis {
            let mut result = Ok(());
            for kind in kinds {
                if let Err(e) = redis.flush(Some(*kind)).await {
                    result = Err(e);
                    break;
                }
            }
            // After the keys are gone, so no process refills its L1 from them; and this
            // process's L1 once more, for reads that ran while the keys were still there.
            if result.is_ok() {
                result = redis
                    .publish(&self.message(Vec::new(), kinds.to_vec()))
                    .await;
                self.clear_l1(kinds);
            }
            if let Err(e) = result {
                lock(&self.pending).add_flush(kinds);
                self.warn("Redis flush failed, it is redone when Redis is back", &e);
            }
        } else if self.feed.is_some() {
            lock(&self.outbox).add_flush(kinds);
            self.outbox_ready.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_held_back_for_a_minute() {
        let w = Warnings::default();
        let e = std::io::Error::other("boom");
        w.warn("first", &e);
        w.warn("second", &e);
        w.warn("third", &e);
        let (last, held_back) = *w.state.lock().unwrap();
        assert!(last.is_some());
        assert_eq!(held_back, 2);
    }
}
