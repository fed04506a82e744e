//! Redis misbehaving — killed and restarted, a subscription killed, slow, unreachable from the
//! start — on private `redis-server` processes: no caller ever gets an error or waits long,
//! the error counter rises, and the cache comes back by itself.

use crate::support::{DbDown, Prefix, PrivateRedis, Proxy, eventually};
use cache::{Cache, Kind, RedisState, Tier};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Reads person `key` through `cache`; the "database" answers `key` doubled and counts its
/// calls.
async fn read(cache: &Cache, calls: &AtomicUsize, key: i64) -> i64 {
    read_kind(cache, Kind::People, calls, key).await
}

async fn read_kind(cache: &Cache, kind: Kind, calls: &AtomicUsize, key: i64) -> i64 {
    let started = Instant::now();
    let got = cache
        .get_or_load(kind, &key.to_string(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, DbDown>(Some(key * 2))
        })
        .await;
    let took = started.elapsed();
    // Never longer than one Redis timeout (100 ms) or two, plus the loader.
    assert!(took < Duration::from_millis(350), "a read took {took:?}");
    got.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_dying_and_coming_back_fails_no_request() {
    let mut server = PrivateRedis::start();
    let p = Prefix::on(&server.url(), "outage-kill");
    let a = Cache::start(p.config(), None).await;
    assert_eq!(a.redis_state(), RedisState::Up);

    // A stream of requests (of another kind) runs through everything below and checks every
    // answer.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (a, stop) = (a.clone(), stop.clone());
        tokio::spawn(async move {
            let calls = AtomicUsize::new(0);
            let mut answered = 0_u64;
            let mut i = 0_i64;
            while !stop.load(Ordering::SeqCst) {
                assert_eq!(
                    read_kind(&a, Kind::ActiveShifts, &calls, i % 20).await,
                    (i % 20) * 2
                );
                answered += 1;
                i += 1;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            answered
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = a.stats();
    assert_eq!(before.tier(Kind::People, Tier::L2).errors, 0);

    server.kill();
    eventually(Duration::from_secs(3), "the cache notices", async || {
        a.redis_state() == RedisState::Down
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Degraded: L1 entries live 200 ms at most, Redis is skipped and that is counted.
    let calls = AtomicUsize::new(0);
    read(&a, &calls, 1000).await;
    read(&a, &calls, 1000).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "still an L1 hit at first");
    tokio::time::sleep(Duration::from_millis(300)).await;
    read(&a, &calls, 1000).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the short L1 lifetime applies"
    );
    let down = a.stats();
    assert!(down.tier(Kind::People, Tier::L2).errors > 0, "{down:?}");
    assert_eq!(down.channel_losses, 1);

    server.restart();
    eventually(Duration::from_secs(5), "the cache reconnects", async || {
        a.redis_state() == RedisState::Up
    })
    .await;
    // Both tiers work again, without a new Cache: a fill reaches Redis, where another cache
    // finds it, and this one serves hits from L1 with the normal TTL.
    read(&a, &calls, 2000).await;
    assert!(p.get(&p.key(Kind::People, "2000")).await.is_some());
    let b = Cache::start(p.config(), None).await;
    read(&b, &calls, 2000).await;
    assert_eq!(b.stats().tier(Kind::People, Tier::L2).hits, 1);
    let hits = a.stats().tier(Kind::People, Tier::L1).hits;
    tokio::time::sleep(Duration::from_millis(300)).await;
    read(&a, &calls, 2000).await;
    assert_eq!(a.stats().tier(Kind::People, Tier::L1).hits, hits + 1);

    stop.store(true, Ordering::SeqCst);
    let answered = load.await.unwrap();
    assert!(answered > 100, "{answered} requests answered");
}

#[tokio::test]
async fn a_killed_subscription_empties_l1_and_comes_back() {
    let server = PrivateRedis::start();
    let p = Prefix::on(&server.url(), "outage-client-kill");
    let a = Cache::start(p.config(), None).await;
    let calls = AtomicUsize::new(0);
    read(&a, &calls, 1).await;
    read(&a, &calls, 1).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let killed: i64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "pubsub"])
        .query_async(&mut p.conn().await)
        .await
        .unwrap();
    assert_eq!(killed, 1);
    eventually(Duration::from_secs(2), "the loss is noticed", async || {
        a.stats().channel_losses == 1
    })
    .await;
    eventually(Duration::from_secs(3), "the channel is back", async || {
        a.redis_state() == RedisState::Up
    })
    .await;
    // L1 was emptied (invalidations may have been missed), so the key is read again — from
    // Redis, which kept it.
    read(&a, &calls, 1).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(a.stats().tier(Kind::People, Tier::L2).hits, 1);
}

#[tokio::test]
async fn a_slow_redis_is_a_miss_after_the_timeout() {
    let server = PrivateRedis::start();
    let p = Prefix::on(&server.url(), "outage-slow");
    let a = Cache::start(p.config(), None).await;
    let mut conn = p.conn().await;
    let sleeping = tokio::spawn(async move {
        redis::cmd("DEBUG")
            .arg(&["SLEEP", "0.4"])
            .exec_async(&mut conn)
            .await
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let calls = AtomicUsize::new(0);
    let started = Instant::now();
    assert_eq!(read(&a, &calls, 5).await, 10);
    let took = started.elapsed();
    assert!(took < Duration::from_millis(250), "{took:?}");
    assert!(a.stats().tier(Kind::People, Tier::L2).errors >= 1);
    sleeping.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_unreachable_redis_neither_blocks_the_start_nor_the_requests() {
    // Accepts connections and never answers: the worst kind of down.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let p = Prefix::on(&format!("redis://127.0.0.1:{port}/"), "outage-silent");
    let started = Instant::now();
    let a = Cache::start(p.config(), None).await;
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(a.redis_state(), RedisState::Down);

    let calls = AtomicUsize::new(0);
    assert_eq!(read(&a, &calls, 3).await, 6);
    let started = Instant::now();
    a.invalidate_one(Kind::People, "3").await;
    assert!(started.elapsed() < Duration::from_millis(300));
    assert!(a.stats().tier(Kind::People, Tier::L2).errors >= 2);
    assert_eq!(a.cluster_stats().await, None);
    a.shutdown().await;
    held.abort();
    let _ = held.await;

    // Nothing listening at all (refused at once): the same.
    drop(p);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let p = Prefix::on(&format!("redis://127.0.0.1:{port}/"), "outage-refused");
    let a = Cache::start(p.config(), None).await;
    assert_eq!(a.redis_state(), RedisState::Down);
    assert_eq!(read(&a, &calls, 4).await, 8);
}

#[tokio::test]
async fn invalidations_made_while_redis_was_unreachable_are_sent_when_it_is_back() {
    let server = PrivateRedis::start();
    let direct = Prefix::on(&server.url(), "outage-replay");
    let proxy = Proxy::start(server.port).await;
    let through_proxy = Prefix {
        url: proxy.url(),
        prefix: direct.prefix.clone(),
    };
    let a = Cache::start(direct.config(), None).await;
    let b = Cache::start(through_proxy.config(), None).await;
    std::mem::forget(through_proxy);
    let calls = AtomicUsize::new(0);

    // B is cut off from Redis; A is not.
    proxy.cut();
    eventually(Duration::from_secs(3), "B notices", async || {
        b.redis_state() == RedisState::Down
    })
    .await;
    // A caches person 7 in Redis and in its L1…
    read(&a, &calls, 7).await;
    assert!(direct.get(&direct.key(Kind::People, "7")).await.is_some());
    // …then B changes person 7: the invalidation cannot reach anyone.
    b.invalidate_one(Kind::People, "7").await;
    assert_eq!(b.stats().tier(Kind::People, Tier::L2).errors, 1);
    read(&a, &calls, 7).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "A still serves its copy");

    // When B reaches Redis again it sends the invalidation: a tombstone and A's L1 dropped.
    proxy.restore();
    eventually(Duration::from_secs(5), "B reconnects", async || {
        b.redis_state() == RedisState::Up
    })
    .await;
    let stored = direct.get(&direct.key(Kind::People, "7")).await.unwrap();
    assert_eq!(
        cache::codec::decode::<i64>(cache::Codec::Binary, &stored),
        Ok(cache::codec::Decoded::Tombstone)
    );
    eventually(Duration::from_secs(1), "A drops its copy", async || {
        a.stats().kind(Kind::People).invalidations_received == 1
    })
    .await;
    read(&a, &calls, 7).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_invalidation_that_failed_while_subscribed_is_resent() {
    let server = PrivateRedis::start();
    let p = Prefix::on(&server.url(), "outage-resend");
    let a = Cache::start(p.config(), None).await;
    let b = Cache::start(p.config(), None).await;
    let calls = AtomicUsize::new(0);
    read(&b, &calls, 9).await;

    // The command connections die (the subscriptions do not): A's next call fails.
    let killed: i64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "normal"])
        .query_async(&mut p.conn().await)
        .await
        .unwrap();
    assert!(killed >= 2, "{killed}");
    a.invalidate_one(Kind::People, "9").await;
    assert_eq!(a.stats().tier(Kind::People, Tier::L2).errors, 1);
    assert_eq!(a.redis_state(), RedisState::Up);

    // The upkeep sends it again within a second or so.
    eventually(Duration::from_secs(3), "B hears of it", async || {
        b.stats().kind(Kind::People).invalidations_received == 1
    })
    .await;
    let stored = p.get(&p.key(Kind::People, "9")).await.unwrap();
    assert_eq!(
        cache::codec::decode::<i64>(cache::Codec::Binary, &stored),
        Ok(cache::codec::Decoded::Tombstone)
    );
}

#[tokio::test]
async fn the_subscription_stays_up_between_pings() {
    let p = Prefix::shared("outage-pings");
    let a = Cache::start(p.config(), None).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(a.redis_state(), RedisState::Up);
    assert_eq!(a.stats().channel_losses, 0);
    a.shutdown().await;
    // A cache that stopped listening no longer trusts what it holds.
    assert_eq!(a.redis_state(), RedisState::Down);
}

#[tokio::test]
async fn the_tasks_stop_with_the_last_clone() {
    let server = PrivateRedis::start();
    let p = Prefix::on(&server.url(), "outage-drop");
    let subscribers = async || -> usize {
        let list: String = redis::cmd("CLIENT")
            .arg(&["LIST", "TYPE", "pubsub"])
            .query_async(&mut p.conn().await)
            .await
            .unwrap();
        list.lines().count()
    };
    let a = Cache::start(p.config(), None).await;
    let clone = a.clone();
    assert_eq!(subscribers().await, 1);
    drop(a);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(subscribers().await, 1, "a clone still holds the cache");
    drop(clone);
    eventually(
        Duration::from_secs(2),
        "the subscription closes",
        async || subscribers().await == 0,
    )
    .await;
}
