//! The shared tier on the shared Redis: what one process loads another reads, unreadable values
//! are misses and get overwritten, tombstones keep old loads out, flush, TTL, summed counters.

use crate::support::{DbDown, Prefix, eventually};
use cache::codec::{self, Decoded};
use cache::{Cache, Cacheable, Codec, Kind, RedisState, Tier};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A loader that counts its calls and answers `value`.
fn loader<T: Send + 'static>(
    calls: &Arc<AtomicUsize>,
    value: Option<T>,
) -> impl FnOnce() -> std::future::Ready<Result<Option<T>, DbDown>> + use<T> {
    let calls = calls.clone();
    move || {
        calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(value))
    }
}

#[tokio::test]
async fn what_one_process_loads_another_reads_from_redis() {
    let p = Prefix::shared("l2-share");
    let a = Cache::start(p.config(), None).await;
    let b = Cache::start(p.config(), None).await;
    assert_eq!(a.redis_state(), RedisState::Up);
    let calls = Arc::new(AtomicUsize::new(0));
    let got = a
        .get_or_load(Kind::Sites, "12", loader(&calls, Some("Café".to_owned())))
        .await;
    assert_eq!(got, Ok(Some("Café".to_owned())));
    let got = b
        .get_or_load(Kind::Sites, "12", loader(&calls, Some("other".to_owned())))
        .await;
    assert_eq!(
        got,
        Ok(Some("Café".to_owned())),
        "from Redis, not the loader"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let s = b.stats();
    assert_eq!(s.tier(Kind::Sites, Tier::L1).misses, 1);
    assert_eq!(s.tier(Kind::Sites, Tier::L2).hits, 1);
    assert_eq!(s.kind(Kind::Sites).loads, 0);
    // And B keeps it in its own L1 now.
    b.get_or_load(Kind::Sites, "12", loader(&calls, None::<String>))
        .await
        .unwrap();
    assert_eq!(b.stats().tier(Kind::Sites, Tier::L1).hits, 1);

    // Stored in the kind's codec (binary for sites), in the envelope.
    let stored = p.get(&p.key(Kind::Sites, "12")).await.unwrap();
    assert_eq!(
        codec::decode::<String>(Codec::Binary, &stored),
        Ok(Decoded::Value("Café".to_owned()))
    );
    let ttl = p.pttl(&p.key(Kind::Sites, "12")).await;
    assert!(ttl > 14 * 60 * 1000 && ttl <= 15 * 60 * 1000, "{ttl}");
}

#[tokio::test]
async fn not_found_is_shared_for_the_negative_ttl() {
    let p = Prefix::shared("l2-negative");
    let a = Cache::start(p.config(), None).await;
    let b = Cache::start(p.config(), None).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let got = a
        .get_or_load(Kind::People, "token:bad", loader(&calls, None::<i64>))
        .await;
    assert_eq!(got, Ok(None));
    let got = b
        .get_or_load(Kind::People, "token:bad", loader(&calls, Some(1_i64)))
        .await;
    assert_eq!(got, Ok(None));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let ttl = p.pttl(&p.key(Kind::People, "token:bad")).await;
    assert!(ttl > 25_000 && ttl <= 30_000, "{ttl}");
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Reshaped(i64, i64);
impl Cacheable for Reshaped {
    const SCHEMA: u16 = 2;
}

#[tokio::test]
async fn unreadable_values_are_misses_and_get_overwritten() {
    let p = Prefix::shared("l2-stale");
    let cache = Cache::start(p.config(), None).await;
    let mut other_format = codec::encode_value(Codec::Binary, &5_i64).unwrap();
    other_format[1] = 99;
    let bad: [(&str, Vec<u8>); 5] = [
        ("garbage", b"hello".to_vec()),
        ("empty", Vec::new()),
        (
            "another schema",
            codec::encode_value(Codec::Binary, &Reshaped(1, 2)).unwrap(),
        ),
        (
            "another codec",
            codec::encode_value(Codec::Json, &5_i64).unwrap(),
        ),
        ("another format", other_format),
    ];
    let calls = Arc::new(AtomicUsize::new(0));
    for (i, (what, bytes)) in bad.iter().enumerate() {
        let key = format!("k{i}");
        p.set(&p.key(Kind::People, &key), bytes).await;
        let got = cache
            .get_or_load(Kind::People, &key, loader(&calls, Some(42_i64)))
            .await;
        assert_eq!(got, Ok(Some(42)), "{what}");
        let now = p.get(&p.key(Kind::People, &key)).await.unwrap();
        assert_eq!(
            codec::decode::<i64>(Codec::Binary, &now),
            Ok(Decoded::Value(42)),
            "{what} was overwritten by the load"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), bad.len());
    let s = cache.stats();
    assert_eq!(s.kind(Kind::People).stale_or_corrupt, bad.len() as u64);
    assert_eq!(s.tier(Kind::People, Tier::L2).misses, bad.len() as u64);
    assert_eq!(s.tier(Kind::People, Tier::L2).errors, 0);
}

#[tokio::test]
async fn an_invalidation_leaves_a_tombstone_that_no_fill_replaces() {
    let p = Prefix::shared("l2-tombstone");
    let mut config = p.config();
    config.tombstone_ttl = Duration::from_millis(400);
    let a = Cache::start(config.clone(), None).await;
    let b = Cache::start(config, None).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let key = p.key(Kind::ActiveShifts, "employee:5");
    a.get_or_load(
        Kind::ActiveShifts,
        "employee:5",
        loader(&calls, Some(1_i64)),
    )
    .await
    .unwrap();
    a.invalidate(&[(Kind::ActiveShifts, "employee:5".to_owned())])
        .await;
    let stored = p.get(&key).await.unwrap();
    assert_eq!(
        codec::decode::<i64>(Codec::Binary, &stored),
        Ok(Decoded::Tombstone)
    );
    assert!(p.pttl(&key).await <= 400);

    // A tombstone is a miss: the database answers, and Redis keeps the tombstone.
    let got = b
        .get_or_load(
            Kind::ActiveShifts,
            "employee:5",
            loader(&calls, Some(2_i64)),
        )
        .await;
    assert_eq!(got, Ok(Some(2)));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let stored = p.get(&key).await.unwrap();
    assert_eq!(
        codec::decode::<i64>(Codec::Binary, &stored),
        Ok(Decoded::Tombstone)
    );
    assert_eq!(b.stats().tier(Kind::ActiveShifts, Tier::L2).misses, 1);

    // Once it is gone, fills write again.
    eventually(
        Duration::from_secs(2),
        "the tombstone expires",
        async || p.get(&key).await.is_none(),
    )
    .await;
    a.get_or_load(
        Kind::ActiveShifts,
        "employee:5",
        loader(&calls, Some(3_i64)),
    )
    .await
    .unwrap();
    let stored = p.get(&key).await.unwrap();
    assert_eq!(
        codec::decode::<i64>(Codec::Binary, &stored),
        Ok(Decoded::Value(3))
    );
}

/// Starts a load in `cache` whose database answer ("old") waits for the returned sender.
async fn slow_load(
    cache: &Cache,
    key: &'static str,
) -> (
    tokio::task::JoinHandle<Result<Option<String>, DbDown>>,
    tokio::sync::oneshot::Sender<()>,
) {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    let cache = cache.clone();
    let task = tokio::spawn(async move {
        cache
            .get_or_load(Kind::Sites, key, || async move {
                let _ = started_tx.send(());
                let _ = release_rx.await;
                Ok(Some("old".to_owned()))
            })
            .await
    });
    started_rx.await.unwrap();
    (task, release_tx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_that_started_before_an_invalidation_does_not_write_back() {
    let p = Prefix::shared("l2-race");
    let a = Cache::start(p.config(), None).await;
    let b = Cache::start(p.config(), None).await;

    // Another process invalidates while A's load is under way: A hears it, so neither its L1
    // nor Redis gets the old value.
    let (load, release) = slow_load(&a, "1").await;
    b.invalidate_one(Kind::Sites, "1").await;
    eventually(
        Duration::from_secs(1),
        "A hears the invalidation",
        async || a.stats().kind(Kind::Sites).invalidations_received == 1,
    )
    .await;
    release.send(()).unwrap();
    assert_eq!(load.await.unwrap(), Ok(Some("old".to_owned())));
    let stored = p.get(&p.key(Kind::Sites, "1")).await.unwrap();
    assert_eq!(
        codec::decode::<String>(Codec::Binary, &stored),
        Ok(Decoded::Tombstone)
    );
    let now = a
        .get_or_load(Kind::Sites, "1", || async {
            Ok::<_, DbDown>(Some("new".to_owned()))
        })
        .await;
    assert_eq!(
        now,
        Ok(Some("new".to_owned())),
        "A's L1 did not keep the old value"
    );

    // Even a load that heard nothing cannot replace a tombstone: fills are SET NX.
    let (load, release) = slow_load(&a, "2").await;
    let tombstone = codec::encode_tombstone();
    p.set(&p.key(Kind::Sites, "2"), &tombstone).await;
    release.send(()).unwrap();
    load.await.unwrap().unwrap();
    assert_eq!(p.get(&p.key(Kind::Sites, "2")).await, Some(tombstone));
    // Their last counters reach Redis before the prefix is cleaned up (worker threads would
    // otherwise write them after).
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn flush_empties_a_kind_in_redis_and_in_every_process() {
    let p = Prefix::shared("l2-flush");
    let a = Cache::start(p.config(), None).await;
    let b = Cache::start(p.config(), None).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let fill = async |cache: &Cache| {
        for (kind, key) in [(Kind::People, "1"), (Kind::People, "2"), (Kind::Sites, "1")] {
            cache
                .get_or_load(kind, key, loader(&calls, Some(7_i64)))
                .await
                .unwrap();
        }
    };
    fill(&a).await;
    fill(&b).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "B read everything from Redis"
    );
    // Counters in the stats hash must survive a flush.
    a.cluster_stats().await.unwrap();

    a.flush(Some(Kind::People)).await;
    assert_eq!(
        p.keys().await,
        vec![p.key(Kind::Sites, "1"), format!("{}:v1:stats", p.prefix)]
    );
    eventually(Duration::from_secs(1), "B empties its people", async || {
        let before = calls.load(Ordering::SeqCst);
        b.get_or_load(Kind::People, "1", loader(&calls, Some(7_i64)))
            .await
            .unwrap();
        calls.load(Ordering::SeqCst) > before
    })
    .await;
    let before = calls.load(Ordering::SeqCst);
    b.get_or_load(Kind::Sites, "1", loader(&calls, Some(7_i64)))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), before, "B kept its sites");

    a.flush(None).await;
    assert_eq!(p.keys().await, vec![format!("{}:v1:stats", p.prefix)]);
}

#[tokio::test]
async fn redis_entries_live_the_kinds_ttl() {
    let p = Prefix::shared("l2-ttl");
    let mut config = p.config();
    config.kind_mut(Kind::Analytics).ttl = Duration::from_millis(300);
    let cache = Cache::start(config, None).await;
    let calls = Arc::new(AtomicUsize::new(0));
    cache
        .get_or_load(
            Kind::Analytics,
            "report",
            loader(&calls, Some(vec![1_i64, 2])),
        )
        .await
        .unwrap();
    let key = p.key(Kind::Analytics, "report");
    let stored = p.get(&key).await.unwrap();
    // Analytics are JSON by default: readable with redis-cli.
    assert!(stored.ends_with(b"[1,2]"), "{stored:?}");
    assert!(p.pttl(&key).await <= 300);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(p.get(&key).await, None);
    cache
        .get_or_load(Kind::Analytics, "report", loader(&calls, Some(vec![3_i64])))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "L1 expired too");
}

#[tokio::test]
async fn cluster_stats_sum_every_process() {
    let p = Prefix::shared("l2-stats");
    let a = Cache::start(p.config(), None).await;
    let b = Cache::start(p.config(), None).await;
    let calls = Arc::new(AtomicUsize::new(0));
    for cache in [&a, &b, &a] {
        cache
            .get_or_load(Kind::People, "1", loader(&calls, Some(1_i64)))
            .await
            .unwrap();
    }
    // B adds its counters on shutdown; A sends its own before reading.
    b.shutdown().await;
    let sum = a.cluster_stats().await.unwrap();
    assert_eq!(sum.tier(Kind::People, Tier::L1).misses, 2);
    assert_eq!(sum.tier(Kind::People, Tier::L1).hits, 1);
    assert_eq!(sum.tier(Kind::People, Tier::L2).misses, 1);
    assert_eq!(sum.tier(Kind::People, Tier::L2).hits, 1);
    assert_eq!(sum.kind(Kind::People).loads, 1);
    // Asking again adds nothing twice.
    assert_eq!(a.cluster_stats().await.unwrap(), sum);
    assert!(sum.to_string().contains("people"));
}

/// With no in-process tier (capacity 0), every read is answered by Redis: a value loaded once is
/// read back by a second cache without loading, and a change is seen at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_alone_serves_reads_without_an_in_process_tier() {
    let prefix = Prefix::shared("redis-only");
    let config = cache::CacheConfig {
        l1_capacity: 0,
        ..prefix.config()
    };
    let a = cache::Cache::start(config.clone(), None).await;
    let b = cache::Cache::start(config, None).await;
    let loads = std::sync::atomic::AtomicU32::new(0);
    let load = || async {
        loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok::<_, DbDown>(Some(7_i64))
    };
    assert_eq!(a.get_or_load(Kind::Sites, "s", load).await, Ok(Some(7)));
    assert_eq!(a.get_or_load(Kind::Sites, "s", load).await, Ok(Some(7)));
    assert_eq!(b.get_or_load(Kind::Sites, "s", load).await, Ok(Some(7)));
    assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1);
    let stats = a.stats();
    assert_eq!(
        stats.tier(Kind::Sites, Tier::L1).hits,
        0,
        "nothing is kept in the process"
    );
    assert_eq!(stats.tier(Kind::Sites, Tier::L2).hits, 1);
}
