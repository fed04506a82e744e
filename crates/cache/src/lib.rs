//! StaffProBot's two-tier cache: L1 in each process (moka, decoded values, per-kind TTL and size
//! bound) and L2 shared by every process (Redis, optional), kept coherent by invalidations that
//! travel between processes, failing open to the database whenever Redis misbehaves.
//!
//! # Reading
//!
//! [`Cache::get_or_load`] looks in L1, then in Redis, then calls the loader (the database). A
//! value found is written to the tiers above it; "not found" is remembered too, for
//! [`CacheConfig::negative_ttl`], so a flood of unknown ids or tokens does not reach the
//! database. Concurrent misses of one key in one process share one load. Loader errors pass
//! through unchanged and are not cached.
//!
//! # Keys and values in Redis
//!
//! Values live under `{prefix}:v1:{kind}:{key}` (so a kind can be flushed), the counters summed
//! over processes under `{prefix}:v1:stats`, and invalidations travel on the channel
//! `{prefix}:v1:invalidate`. Each value is an envelope ([`codec`]): a magic byte, the envelope
//! format version, the codec, the entry tag (value, "not found", tombstone) and the type's
//! [`Cacheable::SCHEMA`], then the payload in the kind's [`Codec`]. A value written by another
//! build or garbage is a miss, counted as stale, and is overwritten by the load.
//!
//! # Invalidation, and why a slow load cannot undo it
//!
//! [`Cache::invalidate`] takes `(kind, key)` pairs — the same key strings as given to
//! `get_or_load`. It drops them from this process's L1 at once, writes a short tombstone over
//! each in Redis ([`CacheConfig::tombstone_ttl`], 5 s) and publishes them on the channel, in one
//! round trip; every other process drops them from its L1 when the message arrives
//! (milliseconds; the tests hold it under 100 ms). Without Redis, a given
//! [`InvalidationFeed`] (a database table) carries them instead: appended in batches at most
//! every 50 ms, read every [`CacheConfig::feed_poll_interval`].
//!
//! A load that started before an invalidation must not write its old value back:
//! - in L1, each kind has an epoch (bumped when the kind is emptied) and 1024 striped
//!   generation counters (a key's invalidation bumps its stripe, locally or on a message from
//!   another process); a load reads them before it starts and its result enters L1 only if they
//!   did not move;
//! - in Redis, fills use `SET NX PX` and so never replace a tombstone, and a load that heard of
//!   an invalidation meanwhile does not write at all. A tombstone reads as a miss: the value is
//!   loaded from the database and not written back while the tombstone lives.
//!
//! # When the channel is lost: the staleness bound
//!
//! If the subscription drops (Redis down, connection killed — noticed at once when the
//! connection closes, or within about 1.5 s by a ping when it dies silently), the process
//! empties its L1, keeps new L1 entries at most [`CacheConfig::degraded_l1_ttl`] (1 s) and reads
//! nothing from Redis (which may hold what others already invalidated); each skipped read counts
//! as an L2 error. When the subscription is back it empties L1 once more (messages may have been
//! missed) and returns to normal. So a process that cannot hear invalidations serves a value at
//! most about 1.5 s (detection) or `degraded_l1_ttl`, whichever is longer, after another process
//! changed it. The feed is treated the same way: a failing poll is a lost channel.
//!
//! The other direction has a weaker bound: a process whose invalidation does not reach Redis
//! cannot tell the others. It keeps those invalidations (bounded; beyond 10,000 keys a whole
//! kind is flushed instead) and sends them again every second while its subscription is up,
//! and before it trusts Redis again after a loss. Until then the processes that still reach
//! Redis may serve the old value: about a second after a one-off failure, up to the kind's TTL
//! if the writer stays cut off from Redis. [`Cache::flush`] is an operator tool: a load racing
//! a flush may write its value back after the SCAN passed it.
//!
//! # Short-lived processes
//!
//! An operator command (`staffprobot token revoke`) starts a cache, changes data, invalidates
//! and calls [`Cache::shutdown`]: with Redis, `invalidate` returns once the tombstones are
//! written and the message published; with the feed, `shutdown` appends what is pending.
//!
//! # Failing open
//!
//! Every Redis call has the configured timeout ([`RedisConfig::timeout`], 100 ms). A failure or
//! a timeout is a miss (reads) or a skipped write, an error counter, and a warning logged at
//! most once a minute per cache; never an error to the caller. The connection reconnects by
//! itself, and [`Cache::start`] does not need Redis to be up.
//!
//! # Metrics
//!
//! Recorded through the `metrics` facade; the handles are taken when the cache is built, so
//! install the recorder (exporter) before [`Cache::start`]. Labels: `kind` = `people` |
//! `sites` | `active_shifts` | `analytics`, `tier` = `l1` | `l2`.
//!
//! | name | type | labels | counts |
//! |---|---|---|---|
//! | `staffprobot_cache_requests_total` | counter | kind, tier, result = `hit` \| `miss` | lookups per tier |
//! | `staffprobot_cache_errors_total` | counter | kind, tier | `l2`: Redis failures and timeouts, Redis reads skipped while the channel is lost; `l1`: one key read as two types (a caller's bug) |
//! | `staffprobot_cache_loads_total` | counter | kind, result = `ok` \| `error` | loader (database) calls |
//! | `staffprobot_cache_load_duration_seconds` | histogram | kind | loader time |
//! | `staffprobot_cache_evictions_total` | counter | kind, tier = `l1`, cause = `size` \| `expired` | L1 entries dropped on its own |
//! | `staffprobot_cache_invalidations_total` | counter | kind | keys this process invalidated |
//! | `staffprobot_cache_invalidations_received_total` | counter | kind | keys dropped on another process's word |
//! | `staffprobot_cache_stale_total` | counter | kind | unreadable Redis values (another build's, garbage) |
//! | `staffprobot_cache_channel_up` | gauge | — | 1 while the invalidation channel is up |
//! | `staffprobot_cache_channel_losses_total` | counter | — | times the channel was lost |
//!
//! The same counters are in [`Cache::stats`] (this process) and [`Cache::cluster_stats`] (every
//! process sharing the Redis, each adding its increments to a hash every second and on
//! shutdown).
//!
//! # Example
//!
//! ```
//! # tokio_test_block_on(async {
//! use cache::{Cache, CacheConfig, Kind};
//!
//! let cache = Cache::local(CacheConfig::default());
//! let name = cache
//!     .get_or_load(Kind::People, "7", || async { Ok::<_, std::io::Error>(Some("Anna".to_owned())) })
//!     .await?;
//! assert_eq!(name.as_deref(), Some("Anna"));
//! cache.invalidate(&[(Kind::People, "7".to_owned())]).await;
//! # Ok::<(), std::io::Error>(())
//! # });
//! # fn tokio_test_block_on<F: std::future::Future<Output = Result<(), std::io::Error>>>(f: F) {
//! #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f).unwrap()
//! # }
//! ```

mod channel;
pub mod codec;
mod config;
mod counters;
mod engine;
mod invalidation;
mod l1;
mod l2;
mod read;
mod stats;

pub use codec::Cacheable;
pub use config::{
    CacheConfig, Codec, ConfigProblem, Kind, KindConfig, RedisConfig, UnknownCodec, UnknownKind,
};
pub use counters::describe_metrics;
pub use stats::{KindStats, Stats, Tier, TierStats};

use engine::Inner;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The error type of [`InvalidationFeed`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where invalidations travel between processes when there is no Redis (a database table read
/// by id). The cache reads [`read_after`](Self::read_after) every
/// [`CacheConfig::feed_poll_interval`] and appends its own invalidations in batches, at most
/// every 50 ms, off the callers' path.
///
/// An entry's keys are opaque strings to the feed: `@{origin}` (the writing cache) first, then
/// `{kind}:{key}` per key, or `!flush:{kind}` for a whole kind.
#[async_trait::async_trait]
pub trait InvalidationFeed: Send + Sync + 'static {
    async fn append(&self, keys: &[String]) -> Result<(), BoxError>;
    /// Entries with id > `after`, oldest first, at most `limit`: (id, keys).
    async fn read_after(&self, after: i64, limit: u32)
    -> Result<Vec<(i64, Vec<String>)>, BoxError>;
    /// The newest entry's id (0 when there is none).
    async fn last_id(&self) -> Result<i64, BoxError>;
}

/// Whether the shared tier is in use, for `/ready` and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisState {
    /// No Redis configured: L1 only.
    NotConfigured,
    /// Subscribed to the invalidation channel: both tiers in use.
    Up,
    /// Configured but not reachable (or the subscription is lost): the cache runs degraded
    /// (short L1, no L2) and reconnects by itself.
    Down,
}

impl RedisState {
    pub const fn as_str(self) -> &'static str {
        match self {
            RedisState::NotConfigured => "not configured",
            RedisState::Up => "up",
            RedisState::Down => "down",
        }
    }
}

impl fmt::Display for RedisState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The background tasks of a cache; they stop when the last clone of the cache goes.
struct Tasks {
    cancel: CancellationToken,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// The cache. Cloning is cheap (two `Arc`s); every clone is the same cache.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
    tasks: Arc<Tasks>,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("redis", &self.inner.redis_state())
            .field("feed", &self.inner.feed.is_some())
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// Starts the cache: with `config.redis`, both tiers and the Redis channel; else, with a
    /// `feed`, L1 kept coherent through the feed; else L1 alone. (With Redis the feed is not
    /// used.) Never fails because of Redis: an unreachable Redis starts the cache degraded and
    /// it recovers by itself; a Redis URL that does not parse (see [`CacheConfig::problems`])
    /// is logged and the cache runs without Redis. Spawns its tasks on the current tokio
    /// runtime; they stop on [`shutdown`](Self::shutdown) or when the last clone is dropped.
    pub async fn start(config: CacheConfig, feed: Option<Arc<dyn InvalidationFeed>>) -> Cache {
        describe_metrics();
        let redis = config
            .redis
            .as_ref()
            .and_then(|c| match l2::RedisTier::new(c) {
                Ok(tier) => Some(tier),
                Err(e) => {
                    tracing::error!(error = %telemetry::ErrorChain(&e), "cache: the Redis URL is not usable, running without Redis");
                    None
                }
            });
        let feed = if redis.is_some() { None } else { feed };
        let inner = Arc::new(Inner::new(config, redis, feed));
        let cancel = CancellationToken::new();
        let mut handles = Vec::new();
        if inner.redis.is_some() {
            let first = match channel::connect(&inner).await {
                Ok(subscription) => Some(subscription),
                Err(e) => {
                    inner.warn("Redis is not answering at start", &e);
                    None
                }
            };
            handles.push(tokio::spawn(channel::subscriber(
                inner.clone(),
                first,
                cancel.clone(),
            )));
            handles.push(tokio::spawn(channel::upkeep(inner.clone(), cancel.clone())));
        } else if let Some(feed) = inner.feed.clone() {
            let after = match channel::feed_start(feed.as_ref()).await {
                Ok(id) => {
                    // Without Redis this only marks the channel up.
                    let _ = inner.channel_restored().await;
                    Some(id)
                }
                Err(e) => {
                    inner.warn(
                        "the invalidation feed is not answering at start",
                        e.as_ref(),
                    );
                    None
                }
            };
            handles.push(tokio::spawn(channel::feed_poller(
                inner.clone(),
                feed.clone(),
                after,
                cancel.clone(),
            )));
            handles.push(tokio::spawn(channel::feed_appender(
                inner.clone(),
                feed,
                cancel.clone(),
            )));
        }
        Cache {
            inner,
            tasks: Arc::new(Tasks {
                cancel,
                handles: Mutex::new(handles),
            }),
        }
    }

    /// L1 only: no Redis (even if configured), no feed, no tasks. For tests and one-shot
    /// commands.
    pub fn local(config: CacheConfig) -> Cache {
        describe_metrics();
        Cache {
            inner: Arc::new(Inner::new(config, None, None)),
            tasks: Arc::new(Tasks {
                cancel: CancellationToken::new(),
                handles: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Stops the background tasks after they append what is pending to the feed and add the
    /// last counters to Redis. The cache still answers afterwards, but as with a lost channel
    /// (short L1 lifetimes, no Redis reads), since it no longer hears invalidations.
    pub async fn shutdown(&self) {
        self.tasks.cancel.cancel();
        let handles = std::mem::take(
            &mut *self
                .tasks
                .handles
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for handle in handles {
            if let Err(e) = handle.await {
                tracing::warn!(error = %telemetry::ErrorChain(&e), "cache: a background task ended badly");
            }
        }
        self.inner.channel_closed();
    }

    /// Read-through: L1, then Redis, then `load` (the database). A loaded `Some` is written to
    /// Redis and L1; a loaded `None` is remembered for `negative_ttl` in both. Concurrent misses
    /// of one key in this process run `load` once (the others wait for its result). Load errors
    /// pass through unchanged and are not cached. Using one key of a kind for two types is a
    /// caller's bug: the other type's entry is a miss (counted as an L1 error).
    pub async fn get_or_load<T, E, F, Fut>(
        &self,
        kind: Kind,
        key: &str,
        load: F,
    ) -> Result<Option<T>, E>
    where
        T: Cacheable,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        // The hit path: one moka lookup, a downcast, a clone, two relaxed counter increments.
        if let Some(slot) = self.inner.l1(kind).get(key).await {
            if let Some(value) = slot.read::<T>() {
                self.inner.counters.hit(kind, Tier::L1);
                return Ok(value);
            }
            self.inner.counters.error(kind, Tier::L1);
        }
        self.inner.counters.miss(kind, Tier::L1);
        self.inner.miss(kind, key, load).await
    }

    /// Drops the keys everywhere: this process's L1 now, Redis (a short tombstone, so no load
    /// under way writes the old value back) and every other process's L1 through the channel
    /// (Redis pub/sub, or the feed). Keys are the strings given to `get_or_load`. With Redis it
    /// returns once Redis has the tombstones (or the timeout passed: then they are resent when
    /// Redis is back); the feed is appended in the background.
    pub async fn invalidate(&self, keys: &[(Kind, String)]) {
        self.inner.invalidate(keys).await;
    }

    /// [`invalidate`](Self::invalidate) for one key.
    pub async fn invalidate_one(&self, kind: Kind, key: &str) {
        self.inner.invalidate(&[(kind, key.to_owned())]).await;
    }

    /// Empties one kind, or all, in every process (L1 via the channel) and in Redis.
    pub async fn flush(&self, kind: Option<Kind>) {
        let kinds = kind.map_or_else(|| Kind::ALL.to_vec(), |k| vec![k]);
        self.inner.flush(&kinds).await;
    }

    /// This process's counters.
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }

    /// The counters summed over every process sharing the Redis (this one's sent first); `None`
    /// without Redis, or when Redis is down or does not answer.
    pub async fn cluster_stats(&self) -> Option<Stats> {
        let redis = self.inner.redis.as_ref()?;
        if self.redis_state() != RedisState::Up {
            return None;
        }
        channel::flush_stats(&self.inner).await;
        match redis.read_stats().await {
            Ok(fields) => Some(Stats::from_fields(
                fields.iter().map(|(name, n)| (name.as_str(), *n)),
            )),
            Err(e) => {
                self.inner.warn("cannot read the cluster's counters", &e);
                None
            }
        }
    }

    /// Whether Redis is configured and currently answering (subscribed), for `/ready` and logs.
    pub fn redis_state(&self) -> RedisState {
        self.inner.redis_state()
    }

    /// The configuration the cache runs with.
    pub fn config(&self) -> &CacheConfig {
        &self.inner.config
    }
}

#[cfg(test)]
mod tests;

// The caching `Store` over the cache, and the cached shapes of domain values.
mod feed;
pub mod records;
pub mod store;
pub use feed::StoreFeed;
pub use store::CachingStore;
