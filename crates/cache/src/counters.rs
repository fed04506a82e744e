//! The live counters of a cache: atomics for [`Stats`] and handles of the `metrics` facade,
//! registered once per cache so that counting costs no label lookup; and the documented metric
//! names.

use crate::config::Kind;
use crate::stats::{KindStats, Stats, Tier, TierStats};
use metrics::{Counter, Gauge, Histogram};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Requests per kind, tier and result (`result` = `hit` | `miss`).
pub const REQUESTS: &str = "staffprobot_cache_requests_total";
/// Redis calls that failed or timed out, and Redis reads skipped while the channel is lost
/// (`tier` = `l2`); L1 type mismatches (`tier` = `l1`, a caller's bug).
pub const ERRORS: &str = "staffprobot_cache_errors_total";
/// Calls of the loader (the database) per kind and result (`ok` | `error`).
pub const LOADS: &str = "staffprobot_cache_loads_total";
/// How long the loader took, per kind, in seconds.
pub const LOAD_DURATION: &str = "staffprobot_cache_load_duration_seconds";
/// Entries the in-process tier dropped on its own, per kind, tier (`l1`) and cause (`size` |
/// `expired`).
pub const EVICTIONS: &str = "staffprobot_cache_evictions_total";
/// Keys invalidated by this process, per kind.
pub const INVALIDATIONS: &str = "staffprobot_cache_invalidations_total";
/// Keys dropped because another process invalidated them, per kind.
pub const INVALIDATIONS_RECEIVED: &str = "staffprobot_cache_invalidations_received_total";
/// Redis values that were unreadable (another build's format, schema or codec, or garbage),
/// per kind; each was a miss and is overwritten.
pub const STALE: &str = "staffprobot_cache_stale_total";
/// 1 while the invalidation channel (Redis, or the feed) is up, else 0.
pub const CHANNEL_UP: &str = "staffprobot_cache_channel_up";
/// Times the invalidation channel was lost (each time the in-process tier was emptied).
pub const CHANNEL_LOSSES: &str = "staffprobot_cache_channel_losses_total";

/// Registers the descriptions of every metric above with the installed recorder.
pub fn describe_metrics() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS,
        "Cache requests per kind, tier and result (hit, miss)."
    );
    describe_counter!(
        ERRORS,
        "Cache tier errors (Redis failures and timeouts) per kind."
    );
    describe_counter!(
        LOADS,
        "Loads from the database on a cache miss, per kind and result."
    );
    describe_histogram!(
        LOAD_DURATION,
        Unit::Seconds,
        "Time the database took for a cache miss."
    );
    describe_counter!(
        EVICTIONS,
        "Entries dropped by size or expiry, per kind and cause."
    );
    describe_counter!(INVALIDATIONS, "Keys invalidated by this process, per kind.");
    describe_counter!(
        INVALIDATIONS_RECEIVED,
        "Keys dropped on another process's invalidation, per kind."
    );
    describe_counter!(
        STALE,
        "Unreadable Redis values (old format or garbage), per kind."
    );
    describe_gauge!(CHANNEL_UP, "1 while the invalidation channel is up.");
    describe_counter!(CHANNEL_LOSSES, "Times the invalidation channel was lost.");
}

/// One counter: an atomic for [`Stats`] and a handle of the `metrics` facade, registered once
/// so that counting costs no label lookup.
struct Cell {
    n: AtomicU64,
    metric: Counter,
}

impl Cell {
    fn new(metric: Counter) -> Self {
        Cell {
            n: AtomicU64::new(0),
            metric,
        }
    }

    #[inline]
    fn add(&self, v: u64) {
        self.n.fetch_add(v, Ordering::Relaxed);
        self.metric.increment(v);
    }

    fn get(&self) -> u64 {
        self.n.load(Ordering::Relaxed)
    }
}

struct TierCells {
    hits: Cell,
    misses: Cell,
    errors: Cell,
    evictions: Cell,
    expirations: Cell,
}

impl TierCells {
    fn new(kind: &'static str, tier: &'static str) -> Self {
        let request = |result: &'static str| metrics::counter!(REQUESTS, "kind" => kind, "tier" => tier, "result" => result);
        let eviction = |cause: &'static str| metrics::counter!(EVICTIONS, "kind" => kind, "tier" => tier, "cause" => cause);
        TierCells {
            hits: Cell::new(request("hit")),
            misses: Cell::new(request("miss")),
            errors: Cell::new(metrics::counter!(ERRORS, "kind" => kind, "tier" => tier)),
            evictions: Cell::new(eviction("size")),
            expirations: Cell::new(eviction("expired")),
        }
    }

    fn snapshot(&self) -> TierStats {
        TierStats {
            hits: self.hits.get(),
            misses: self.misses.get(),
            errors: self.errors.get(),
            evictions: self.evictions.get(),
            expirations: self.expirations.get(),
        }
    }
}

struct KindCells {
    l1: TierCells,
    l2: TierCells,
    loads: Cell,
    load_errors: Cell,
    load_time_us: AtomicU64,
    load_duration: Histogram,
    invalidations: Cell,
    received: Cell,
    stale: Cell,
}

impl KindCells {
    fn new(kind: Kind) -> Self {
        let k = kind.as_str();
        KindCells {
            l1: TierCells::new(k, "l1"),
            l2: TierCells::new(k, "l2"),
            loads: Cell::new(metrics::counter!(LOADS, "kind" => k, "result" => "ok")),
            load_errors: Cell::new(metrics::counter!(LOADS, "kind" => k, "result" => "error")),
            load_time_us: AtomicU64::new(0),
            load_duration: metrics::histogram!(LOAD_DURATION, "kind" => k),
            invalidations: Cell::new(metrics::counter!(INVALIDATIONS, "kind" => k)),
            received: Cell::new(metrics::counter!(INVALIDATIONS_RECEIVED, "kind" => k)),
            stale: Cell::new(metrics::counter!(STALE, "kind" => k)),
        }
    }

    fn tier(&self, tier: Tier) -> &TierCells {
        match tier {
            Tier::L1 => &self.l1,
            Tier::L2 => &self.l2,
        }
    }
}

/// Why L1 dropped an entry on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Eviction {
    Size,
    Expired,
}

/// The live counters of one [`Cache`](crate::Cache). The metric handles are taken when the
/// cache is built, so the recorder (the monitoring's exporter) must be installed before.
pub(crate) struct Counters {
    kinds: [KindCells; 4],
    channel_losses: Cell,
    channel_up: Gauge,
}

impl Counters {
    pub(crate) fn new() -> Self {
        Counters {
            kinds: Kind::ALL.map(KindCells::new),
            channel_losses: Cell::new(metrics::counter!(CHANNEL_LOSSES)),
            channel_up: metrics::gauge!(CHANNEL_UP),
        }
    }

    fn of(&self, kind: Kind) -> &KindCells {
        &self.kinds[kind.index()]
    }

    #[inline]
    pub(crate) fn hit(&self, kind: Kind, tier: Tier) {
        self.of(kind).tier(tier).hits.add(1);
    }

    #[inline]
    pub(crate) fn miss(&self, kind: Kind, tier: Tier) {
        self.of(kind).tier(tier).misses.add(1);
    }

    pub(crate) fn error(&self, kind: Kind, tier: Tier) {
        self.of(kind).tier(tier).errors.add(1);
    }

    pub(crate) fn evicted(&self, kind: Kind, why: Eviction) {
        let t = &self.of(kind).l1;
        match why {
            Eviction::Size => t.evictions.add(1),
            Eviction::Expired => t.expirations.add(1),
        }
    }

    pub(crate) fn loaded(&self, kind: Kind, took: Duration, ok: bool) {
        let k = self.of(kind);
        if ok {
            k.loads.add(1);
        } else {
            k.load_errors.add(1);
        }
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        k.load_time_us.fetch_add(us, Ordering::Relaxed);
        k.load_duration.record(took.as_secs_f64());
    }

    pub(crate) fn invalidated(&self, kind: Kind, keys: u64) {
        self.of(kind).invalidations.add(keys);
    }

    pub(crate) fn received(&self, kind: Kind, keys: u64) {
        self.of(kind).received.add(keys);
    }

    pub(crate) fn stale(&self, kind: Kind) {
        self.of(kind).stale.add(1);
    }

    /// The channel went up or down; `lost` when it was up before (counted).
    pub(crate) fn channel(&self, up: bool, lost: bool) {
        self.channel_up.set(if up { 1.0 } else { 0.0 });
        if lost {
            self.channel_losses.add(1);
        }
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let mut stats = Stats::default();
        stats.channel_losses = self.channel_losses.get();
        for kind in Kind::ALL {
            let c = self.of(kind);
            *stats.kind_mut(kind) = KindStats {
                l1: c.l1.snapshot(),
                l2: c.l2.snapshot(),
                loads: c.loads.get(),
                load_errors: c.load_errors.get(),
                load_time: Duration::from_micros(c.load_time_us.load(Ordering::Relaxed)),
                invalidations: c.invalidations.get(),
                invalidations_received: c.received.get(),
                stale_or_corrupt: c.stale.get(),
            };
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted() -> Stats {
        let c = Counters::new();
        c.hit(Kind::People, Tier::L1);
        c.hit(Kind::People, Tier::L1);
        c.miss(Kind::People, Tier::L1);
        c.miss(Kind::People, Tier::L2);
        c.error(Kind::Sites, Tier::L2);
        c.evicted(Kind::Sites, Eviction::Size);
        c.evicted(Kind::Sites, Eviction::Expired);
        c.loaded(Kind::People, Duration::from_millis(3), true);
        c.loaded(Kind::People, Duration::from_millis(1), false);
        c.invalidated(Kind::ActiveShifts, 3);
        c.received(Kind::ActiveShifts, 2);
        c.stale(Kind::Analytics);
        c.channel(false, true);
        c.snapshot()
    }

    #[test]
    fn counters_land_where_they_belong() {
        let s = counted();
        let people = s.kind(Kind::People);
        assert_eq!(people.l1.hits, 2);
        assert_eq!(people.l1.misses, 1);
        assert_eq!(people.l1.hit_ratio(), Some(2.0 / 3.0));
        assert_eq!(people.l2.misses, 1);
        assert_eq!(people.loads, 1);
        assert_eq!(people.load_errors, 1);
        assert_eq!(people.load_time, Duration::from_millis(4));
        assert_eq!(s.tier(Kind::Sites, Tier::L2).errors, 1);
        assert_eq!(s.tier(Kind::Sites, Tier::L1).evictions, 1);
        assert_eq!(s.tier(Kind::Sites, Tier::L1).expirations, 1);
        assert_eq!(s.kind(Kind::ActiveShifts).invalidations, 3);
        assert_eq!(s.kind(Kind::ActiveShifts).invalidations_received, 2);
        assert_eq!(s.kind(Kind::Analytics).stale_or_corrupt, 1);
        assert_eq!(s.channel_losses, 1);
        assert_eq!(s.tier(Kind::Analytics, Tier::L1).hit_ratio(), None);
    }
}
