//! The in-process tier: one moka cache per kind holding decoded values, the generations that
//! stop a load from writing back what an invalidation removed, and the table of loads in flight
//! that lets concurrent misses of one key share one load.

use crate::config::Kind;
use crate::counters::{Counters, Eviction};
use moka::Expiry;
use moka::notification::RemovalCause;
use std::any::Any;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// One cached entry: a decoded value (shared, so a hit costs a clone of the value and no
/// decoding), or "not found"; with the lifetime it was given when it was inserted.
#[derive(Clone)]
pub(crate) struct Slot {
    value: Option<Arc<dyn Any + Send + Sync>>,
    ttl: Duration,
}

impl Slot {
    pub(crate) fn new<T: Send + Sync + 'static>(value: Option<T>, ttl: Duration) -> Self {
        Slot {
            value: value.map(|v| Arc::new(v) as Arc<dyn Any + Send + Sync>),
            ttl,
        }
    }

    /// The value as a `T`: `Some(None)` for "not found", `None` if the entry holds another
    /// type (two callers using one key for different types).
    #[inline]
    pub(crate) fn read<T: Clone + 'static>(&self) -> Option<Option<T>> {
        match &self.value {
            None => Some(None),
            Some(v) => v.downcast_ref::<T>().map(|t| Some(t.clone())),
        }
    }
}

/// Each entry lives as long as the TTL it carries: the kind's, the "not found" one, or the short
/// one while the invalidation channel is lost.
struct SlotExpiry;

impl Expiry<String, Slot> for SlotExpiry {
    fn expire_after_create(&self, _: &String, slot: &Slot, _: Instant) -> Option<Duration> {
        Some(slot.ttl)
    }

    fn expire_after_update(
        &self,
        _: &String,
        slot: &Slot,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(slot.ttl)
    }
}

/// How many generation counters a kind has. A key's invalidation bumps the counter its hash
/// falls on, so a load of another key on the same stripe is refused now and then (one extra
/// miss, never a stale value); 1024 makes that rare and costs 8 KiB per kind.
const STRIPES: usize = 1024;

/// What a load saw before it started: the kind's epoch (bumped when the whole kind is emptied)
/// and the counter of its key's stripe. The load may fill L1 only if both are unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Generation {
    epoch: u64,
    stripe: usize,
    count: u64,
}

/// Either this caller loads the key (and holds the guard until its result is in L1), or another
/// caller already does and this one waits for it.
pub(crate) enum Join<'a> {
    Lead(LoadGuard<'a>),
    Wait(watch::Receiver<()>),
}

/// Held by the caller that loads a key; dropping it (result in, error, or the caller gone)
/// wakes the waiters.
pub(crate) struct LoadGuard<'a> {
    tier: &'a KindTier,
    key: String,
    _done: watch::Sender<()>,
}

impl Drop for LoadGuard<'_> {
    fn drop(&mut self) {
        // Out of the table first, so a waiter that wakes and misses starts a new load instead
        // of waiting on this finished one. The sender drops after this, waking the waiters.
        self.tier.inflight().remove(&self.key);
    }
}

/// The in-process cache of one kind.
pub(crate) struct KindTier {
    entries: moka::future::Cache<String, Slot>,
    /// False with a capacity of 0 (Redis only): nothing is kept in the process.
    enabled: bool,
    epoch: AtomicU64,
    stripes: Box<[AtomicU64]>,
    inflight: Mutex<HashMap<String, watch::Receiver<()>>>,
}

impl KindTier {
    pub(crate) fn new(kind: Kind, capacity: u64, counters: Arc<Counters>) -> Self {
        let entries = moka::future::Cache::builder()
            .name(kind.as_str())
            .max_capacity(capacity)
            .expire_after(SlotExpiry)
            .eviction_listener(move |_key, _slot, cause| match cause {
                RemovalCause::Size => counters.evicted(kind, Eviction::Size),
                RemovalCause::Expired => counters.evicted(kind, Eviction::Expired),
                // Removed on purpose (invalidation) or replaced by a newer load: not evictions.
                RemovalCause::Explicit | RemovalCause::Replaced => {}
            })
            .build();
        KindTier {
            entries,
            enabled: capacity > 0,
            epoch: AtomicU64::new(0),
            stripes: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
            inflight: Mutex::new(HashMap::new()),
        }
    }

    #[inline]
    pub(crate) async fn get(&self, key: &str) -> Option<Slot> {
        if !self.enabled {
            return None;
        }
        self.entries.get(key).await
    }

    fn stripe(key: &str) -> usize {
        // A fixed hasher: the stripe of a key must not change during the process.
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
        (hash % STRIPES as u64) as usize
    }

    /// Read before a load starts (before L2 is asked, too).
    pub(crate) fn generation(&self, key: &str) -> Generation {
        let stripe = Self::stripe(key);
        Generation {
            epoch: self.epoch.load(Ordering::SeqCst),
            stripe,
            count: self.stripes[stripe].load(Ordering::SeqCst),
        }
    }

    /// Whether nothing that could concern this key was invalidated since `g` was read.
    pub(crate) fn is_current(&self, g: &Generation) -> bool {
        self.epoch.load(Ordering::SeqCst) == g.epoch
            && self.stripes[g.stripe].load(Ordering::SeqCst) == g.count
    }

    /// Inserts unless an invalidation came since `g`. The second check closes the gap between
    /// the first and the insert: an invalidation in that gap has bumped the counter, so the
    /// entry is taken out again (at worst one extra miss). Returns whether the entry stayed.
    pub(crate) async fn insert_checked(&self, key: &str, slot: Slot, g: &Generation) -> bool {
        if !self.enabled || !self.is_current(g) {
            return false;
        }
        self.entries.insert(key.to_owned(), slot).await;
        if self.is_current(g) {
            true
        } else {
            self.entries.invalidate(key).await;
            false
        }
    }

    /// Drops `key`; loads of it already under way will not write it back.
    pub(crate) async fn invalidate(&self, key: &str) {
        self.stripes[Self::stripe(key)].fetch_add(1, Ordering::SeqCst);
        self.entries.invalidate(key).await;
    }

    /// Drops every entry of the kind; loads under way will not write back.
    pub(crate) fn clear(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.entries.invalidate_all();
    }

    fn inflight(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Receiver<()>>> {
        // The map holds no invariant a panic could break half-way.
        self.inflight.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Joins the load of `key` in flight, or becomes its loader.
    pub(crate) fn join(&self, key: &str) -> Join<'_> {
        let mut inflight = self.inflight();
        if let Some(done) = inflight.get(key) {
            return Join::Wait(done.clone());
        }
        let (tx, rx) = watch::channel(());
        inflight.insert(key.to_owned(), rx);
        Join::Lead(LoadGuard {
            tier: self,
            key: key.to_owned(),
            _done: tx,
        })
    }

    /// Applies moka's pending evictions and expirations now (tests, and counting).
    #[cfg(test)]
    pub(crate) async fn settle(&self) {
        self.entries.run_pending_tasks().await;
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> u64 {
        self.entries.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Tier;

    fn tier(capacity: u64) -> (KindTier, Arc<Counters>) {
        let counters = Arc::new(Counters::new());
        (
            KindTier::new(Kind::People, capacity, counters.clone()),
            counters,
        )
    }

    const LONG: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn a_hit_gives_the_value_back() {
        let (t, _) = tier(10);
        let g = t.generation("a");
        assert!(
            t.insert_checked("a", Slot::new(Some(5_i64), LONG), &g)
                .await
        );
        let slot = t.get("a").await.unwrap();
        assert_eq!(slot.read::<i64>(), Some(Some(5)));
        assert_eq!(slot.read::<String>(), None, "another type is no hit");
        let g = t.generation("b");
        assert!(
            t.insert_checked("b", Slot::new(None::<i64>, LONG), &g)
                .await
        );
        assert_eq!(t.get("b").await.unwrap().read::<i64>(), Some(None));
    }

    #[tokio::test]
    async fn an_invalidation_during_a_load_keeps_the_old_value_out() {
        let (t, _) = tier(10);
        let g = t.generation("a");
        // The load is under way when the key is invalidated…
        t.invalidate("a").await;
        // …so its result must not land.
        assert!(
            !t.insert_checked("a", Slot::new(Some(1_i64), LONG), &g)
                .await
        );
        assert!(t.get("a").await.is_none());
        // A load that starts after the invalidation fills as usual.
        let g = t.generation("a");
        assert!(
            t.insert_checked("a", Slot::new(Some(2_i64), LONG), &g)
                .await
        );
    }

    #[tokio::test]
    async fn emptying_the_kind_keeps_every_load_under_way_out() {
        let (t, _) = tier(10);
        let ga = t.generation("a");
        let gb = t.generation("b");
        t.clear();
        assert!(
            !t.insert_checked("a", Slot::new(Some(1_i64), LONG), &ga)
                .await
        );
        assert!(
            !t.insert_checked("b", Slot::new(Some(1_i64), LONG), &gb)
                .await
        );
    }

    #[tokio::test]
    async fn another_keys_invalidation_rarely_matters() {
        let (t, _) = tier(10);
        let g = t.generation("a");
        let other = (0..100)
            .map(|i| format!("k{i}"))
            .find(|k| KindTier::stripe(k) != KindTier::stripe("a"))
            .unwrap();
        t.invalidate(&other).await;
        assert!(
            t.insert_checked("a", Slot::new(Some(1_i64), LONG), &g)
                .await
        );
    }

    #[tokio::test]
    async fn entries_expire_at_their_own_ttl() {
        let (t, counters) = tier(10);
        let g = t.generation("short");
        t.insert_checked(
            "short",
            Slot::new(Some(1_i64), Duration::from_millis(100)),
            &g,
        )
        .await;
        let g = t.generation("long");
        t.insert_checked("long", Slot::new(Some(1_i64), LONG), &g)
            .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(t.get("short").await.is_none());
        assert!(t.get("long").await.is_some());
        // moka removes expired entries (and tells the listener) on a timer wheel whose finest
        // slots are about a second wide.
        for _ in 0..30 {
            t.settle().await;
            if counters.snapshot().tier(Kind::People, Tier::L1).expirations > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let s = counters.snapshot();
        assert_eq!(s.tier(Kind::People, Tier::L1).expirations, 1);
    }

    #[tokio::test]
    async fn the_size_bound_holds_and_evictions_are_counted() {
        let (t, counters) = tier(50);
        for i in 0..500 {
            let key = format!("k{i}");
            let g = t.generation(&key);
            t.insert_checked(&key, Slot::new(Some(i as i64), LONG), &g)
                .await;
            // Reading some keys often gives moka's frequency sketch something to keep.
            let _ = t.get("k0").await;
        }
        t.settle().await;
        assert!(t.len() <= 50, "{} entries", t.len());
        let s = counters.snapshot();
        assert!(s.tier(Kind::People, Tier::L1).evictions >= 400, "{s:?}");
    }

    #[tokio::test]
    async fn one_loader_per_key_and_waiters_wake_when_it_is_done() {
        let (t, _) = tier(10);
        let Join::Lead(guard) = t.join("a") else {
            panic!("the first caller leads")
        };
        let Join::Wait(mut waiter) = t.join("a") else {
            panic!("the second caller waits")
        };
        assert!(matches!(t.join("b"), Join::Lead(_)), "other keys are free");
        drop(guard);
        waiter.changed().await.unwrap_err();
        // A late waiter that cloned the receiver before the drop also wakes at once.
        assert!(
            matches!(t.join("a"), Join::Lead(_)),
            "the key is free again"
        );
    }
}
