//! The cache's behaviour on its in-process tier alone: hits, "not found", errors, TTLs per
//! kind, one load per key under concurrency, and invalidations racing loads.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Debug, PartialEq)]
struct DbDown;

fn short_ttls() -> CacheConfig {
    let mut config = CacheConfig {
        negative_ttl: Duration::from_millis(150),
        ..CacheConfig::default()
    };
    config.kind_mut(Kind::ActiveShifts).ttl = Duration::from_millis(150);
    config
}

/// A loader that counts its calls and answers `value`.
fn counting<'a, T: 'a>(
    calls: &'a AtomicUsize,
    value: Option<T>,
) -> impl FnOnce() -> std::future::Ready<Result<Option<T>, DbDown>> + 'a {
    move || {
        calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(value))
    }
}

#[tokio::test]
async fn a_second_read_is_a_hit_and_does_not_load() {
    let cache = Cache::local(CacheConfig::default());
    let calls = AtomicUsize::new(0);
    for _ in 0..3 {
        let v = cache
            .get_or_load(Kind::People, "7", counting(&calls, Some(70_i64)))
            .await;
        assert_eq!(v, Ok(Some(70)));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let s = cache.stats();
    assert_eq!(s.tier(Kind::People, Tier::L1).hits, 2);
    assert_eq!(s.tier(Kind::People, Tier::L1).misses, 1);
    assert_eq!(s.kind(Kind::People).loads, 1);
    assert_eq!(s.tier(Kind::People, Tier::L2), &TierStats::default());
    assert_eq!(cache.redis_state(), RedisState::NotConfigured);
}

#[tokio::test]
async fn kinds_and_keys_are_separate() {
    let cache = Cache::local(CacheConfig::default());
    let calls = AtomicUsize::new(0);
    let a = cache
        .get_or_load(Kind::People, "1", counting(&calls, Some(1_i64)))
        .await;
    let b = cache
        .get_or_load(Kind::Sites, "1", counting(&calls, Some(2_i64)))
        .await;
    let c = cache
        .get_or_load(Kind::People, "2", counting(&calls, Some(3_i64)))
        .await;
    assert_eq!((a, b, c), (Ok(Some(1)), Ok(Some(2)), Ok(Some(3))));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn not_found_is_remembered_for_the_negative_ttl() {
    let cache = Cache::local(short_ttls());
    let calls = AtomicUsize::new(0);
    for _ in 0..3 {
        let v = cache
            .get_or_load(Kind::People, "unknown-token", counting(&calls, None::<i64>))
            .await;
        assert_eq!(v, Ok(None));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let v = cache
        .get_or_load(Kind::People, "unknown-token", counting(&calls, Some(5_i64)))
        .await;
    assert_eq!(
        v,
        Ok(Some(5)),
        "after the negative TTL the database is asked again"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn load_errors_pass_through_and_are_not_cached() {
    let cache = Cache::local(CacheConfig::default());
    let failed: Result<Option<i64>, DbDown> = cache
        .get_or_load(Kind::Sites, "1", || async { Err(DbDown) })
        .await;
    assert_eq!(failed, Err(DbDown));
    let calls = AtomicUsize::new(0);
    let v = cache
        .get_or_load(Kind::Sites, "1", counting(&calls, Some(1_i64)))
        .await;
    assert_eq!(v, Ok(Some(1)));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let s = cache.stats();
    assert_eq!(s.kind(Kind::Sites).load_errors, 1);
    assert_eq!(s.kind(Kind::Sites).loads, 1);
}

#[tokio::test]
async fn each_kind_expires_at_its_own_ttl() {
    let cache = Cache::local(short_ttls());
    let calls = AtomicUsize::new(0);
    for kind in [Kind::ActiveShifts, Kind::Sites] {
        cache
            .get_or_load(kind, "1", counting(&calls, Some(1_i64)))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(250)).await;
    for kind in [Kind::ActiveShifts, Kind::Sites] {
        cache
            .get_or_load(kind, "1", counting(&calls, Some(1_i64)))
            .await
            .unwrap();
    }
    // Active shifts (150 ms) were loaded again; sites (15 min) were not.
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let s = cache.stats();
    assert_eq!(s.tier(Kind::ActiveShifts, Tier::L1).misses, 2);
    assert_eq!(s.tier(Kind::Sites, Tier::L1).hits, 1);
}

#[tokio::test]
async fn invalidate_drops_the_key_and_flush_the_kind() {
    let cache = Cache::local(CacheConfig::default());
    let calls = AtomicUsize::new(0);
    let read = |kind, key: &'static str| {
        let cache = cache.clone();
        let calls = &calls;
        async move {
            cache
                .get_or_load(kind, key, counting(calls, Some(1_i64)))
                .await
                .unwrap()
        }
    };
    read(Kind::People, "a").await;
    read(Kind::People, "b").await;
    read(Kind::Sites, "a").await;
    cache.invalidate_one(Kind::People, "a").await;
    read(Kind::People, "a").await;
    read(Kind::People, "b").await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "only people/a was loaded again"
    );
    cache.flush(Some(Kind::People)).await;
    read(Kind::People, "a").await;
    read(Kind::People, "b").await;
    read(Kind::Sites, "a").await;
    assert_eq!(calls.load(Ordering::SeqCst), 6, "sites were kept");
    cache.flush(None).await;
    read(Kind::Sites, "a").await;
    assert_eq!(calls.load(Ordering::SeqCst), 7);
    assert_eq!(cache.stats().kind(Kind::People).invalidations, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_of_one_key_load_once() {
    let cache = Cache::local(CacheConfig::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let cache = cache.clone();
        let calls = calls.clone();
        readers.spawn(async move {
            cache
                .get_or_load(Kind::Analytics, "report", || async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Ok::<_, DbDown>(Some("summary".to_owned()))
                })
                .await
        });
    }
    while let Some(answer) = readers.join_next().await {
        assert_eq!(answer.unwrap(), Ok(Some("summary".to_owned())));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(cache.stats().kind(Kind::Analytics).loads, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_of_a_failed_load_load_on_their_own_at_once() {
    let cache = Cache::local(CacheConfig::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let cache = cache.clone();
        let calls = calls.clone();
        readers.spawn(async move {
            let started = tokio::time::Instant::now();
            let answer: Result<Option<i64>, DbDown> = cache
                .get_or_load(Kind::People, "x", || async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Err(DbDown)
                })
                .await;
            (answer, started.elapsed())
        });
    }
    while let Some(joined) = readers.join_next().await {
        let (answer, took) = joined.unwrap();
        assert_eq!(answer, Err(DbDown));
        // One wait for the leader, then one load of their own — not a queue of ten.
        assert!(took < Duration::from_millis(450), "{took:?}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_during_a_load_is_not_undone_by_it() {
    let cache = Cache::local(CacheConfig::default());
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    let slow = {
        let cache = cache.clone();
        tokio::spawn(async move {
            cache
                .get_or_load(Kind::Sites, "9", || async move {
                    // The database answers with the value before the change…
                    let _ = started_tx.send(());
                    let _ = release_rx.await;
                    Ok::<_, DbDown>(Some("old name".to_owned()))
                })
                .await
        })
    };
    started_rx.await.unwrap();
    // …the change is made and invalidated while that load is still under way…
    cache.invalidate_one(Kind::Sites, "9").await;
    release_tx.send(()).unwrap();
    assert_eq!(slow.await.unwrap(), Ok(Some("old name".to_owned())));
    // …so the next read loads the new value instead of serving the old one.
    let now = cache
        .get_or_load(Kind::Sites, "9", || async {
            Ok::<_, DbDown>(Some("new name".to_owned()))
        })
        .await;
    assert_eq!(now, Ok(Some("new name".to_owned())));
}

#[tokio::test]
async fn one_key_read_as_two_types_is_a_miss_not_a_panic() {
    let cache = Cache::local(CacheConfig::default());
    let calls = AtomicUsize::new(0);
    cache
        .get_or_load(Kind::People, "k", counting(&calls, Some(1_i64)))
        .await
        .unwrap();
    let other = cache
        .get_or_load(Kind::People, "k", counting(&calls, Some("one".to_owned())))
        .await;
    assert_eq!(other, Ok(Some("one".to_owned())));
    assert_eq!(cache.stats().tier(Kind::People, Tier::L1).errors, 1);
}

#[tokio::test]
async fn a_local_cache_ignores_redis_and_shuts_down_at_once() {
    let config = CacheConfig {
        redis: Some(RedisConfig::new("redis://127.0.0.1:1/")),
        ..CacheConfig::default()
    };
    let cache = Cache::local(config);
    assert_eq!(cache.redis_state(), RedisState::NotConfigured);
    assert_eq!(cache.cluster_stats().await, None);
    cache.shutdown().await;
}

fn assert_send<T: Send>(_: &T) {}

/// The API's futures can be awaited in axum handlers and spawned tasks.
#[test]
fn the_futures_are_send() {
    let cache = Cache::local(CacheConfig::default());
    let read = cache.get_or_load(Kind::People, "k", || async { Ok::<_, DbDown>(Some(1_i64)) });
    assert_send(&read);
    let keys = [(Kind::People, "k".to_owned())];
    assert_send(&cache.invalidate(&keys));
    assert_send(&cache.flush(None));
    assert_send(&cache.cluster_stats());
    assert_send(&cache.shutdown());
    assert_send(&Cache::start(CacheConfig::default(), None));
    fn sync_and_send<T: Send + Sync + Clone + 'static>(_: &T) {}
    sync_and_send(&cache);
}
