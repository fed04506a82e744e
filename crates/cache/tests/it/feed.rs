//! Without Redis, invalidations travel through an [`InvalidationFeed`] (here in memory, as the
//! database table would hold them): another cache sees them within its poll interval, a failing
//! feed degrades L1 like a lost Redis channel, and shutdown appends what is pending.

use crate::support::{DbDown, eventually};
use cache::{BoxError, Cache, CacheConfig, InvalidationFeed, Kind, RedisState};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct MemoryFeed {
    entries: Mutex<Vec<(i64, Vec<String>)>>,
    failing: AtomicBool,
}

#[derive(Debug, thiserror::Error)]
#[error("the database is down")]
struct Down;

impl MemoryFeed {
    fn check(&self) -> Result<(), BoxError> {
        if self.failing.load(Ordering::SeqCst) {
            Err(Box::new(Down))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl InvalidationFeed for MemoryFeed {
    async fn append(&self, keys: &[String]) -> Result<(), BoxError> {
        self.check()?;
        let mut entries = self.entries.lock().unwrap();
        let id = entries.last().map_or(1, |(id, _)| id + 1);
        entries.push((id, keys.to_vec()));
        Ok(())
    }

    async fn read_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, Vec<String>)>, BoxError> {
        self.check()?;
        let entries = self.entries.lock().unwrap();
        Ok(entries
            .iter()
            .filter(|(id, _)| *id > after)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn last_id(&self) -> Result<i64, BoxError> {
        self.check()?;
        Ok(self.entries.lock().unwrap().last().map_or(0, |(id, _)| *id))
    }
}

fn config() -> CacheConfig {
    CacheConfig {
        feed_poll_interval: Duration::from_millis(20),
        degraded_l1_ttl: Duration::from_millis(200),
        ..CacheConfig::default()
    }
}

async fn read(cache: &Cache, calls: &AtomicUsize, value: &str) -> String {
    cache
        .get_or_load(Kind::People, "tg:42", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, DbDown>(Some(value.to_owned()))
        })
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn invalidations_reach_another_cache_through_the_feed() {
    let feed = Arc::new(MemoryFeed::default());
    let a = Cache::start(config(), Some(feed.clone())).await;
    let b = Cache::start(config(), Some(feed.clone())).await;
    assert_eq!(a.redis_state(), RedisState::NotConfigured);
    let calls = AtomicUsize::new(0);
    assert_eq!(read(&b, &calls, "Anna").await, "Anna");
    assert_eq!(
        read(&b, &calls, "Anna (renamed)").await,
        "Anna",
        "an L1 hit"
    );

    a.invalidate(&[(Kind::People, "tg:42".to_owned())]).await;
    let took = eventually(Duration::from_millis(500), "B drops it", async || {
        read(&b, &calls, "Anna (renamed)").await == "Anna (renamed)"
    })
    .await;
    eprintln!("seen through the feed after {took:?}");
    assert_eq!(b.stats().kind(Kind::People).invalidations_received, 1);

    // What the table holds: the writer first, then the key; A skipped its own entry.
    let entries = feed.entries.lock().unwrap().clone();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].1[0].starts_with('@'), "{entries:?}");
    assert_eq!(entries[0].1[1], "people:tg:42");
    assert_eq!(a.stats().kind(Kind::People).invalidations_received, 0);

    // A flush travels too.
    let before = calls.load(Ordering::SeqCst);
    a.flush(Some(Kind::People)).await;
    eventually(Duration::from_millis(500), "B empties people", async || {
        read(&b, &calls, "x").await;
        calls.load(Ordering::SeqCst) > before
    })
    .await;
}

#[tokio::test]
async fn a_failing_feed_keeps_l1_short_until_it_answers_again() {
    let feed = Arc::new(MemoryFeed::default());
    let b = Cache::start(config(), Some(feed.clone())).await;
    let calls = AtomicUsize::new(0);
    read(&b, &calls, "v").await;

    feed.failing.store(true, Ordering::SeqCst);
    eventually(Duration::from_secs(1), "the loss is noticed", async || {
        b.stats().channel_losses == 1
    })
    .await;
    // L1 was emptied, and new entries live 200 ms.
    read(&b, &calls, "v").await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    read(&b, &calls, "v").await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    read(&b, &calls, "v").await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    feed.failing.store(false, Ordering::SeqCst);
    // Back: L1 emptied once more, then entries live their full TTL again.
    tokio::time::sleep(Duration::from_millis(100)).await;
    read(&b, &calls, "v").await;
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    tokio::time::sleep(Duration::from_millis(300)).await;
    read(&b, &calls, "v").await;
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn shutdown_appends_what_is_pending() {
    let feed = Arc::new(MemoryFeed::default());
    let a = Cache::start(config(), Some(feed.clone())).await;
    a.invalidate(&[
        (Kind::Sites, "1".to_owned()),
        (Kind::ActiveShifts, "site:1".to_owned()),
    ])
    .await;
    a.shutdown().await;
    let entries = feed.entries.lock().unwrap().clone();
    let keys: Vec<String> = entries.into_iter().flat_map(|(_, keys)| keys).collect();
    assert!(keys.contains(&"sites:1".to_owned()), "{keys:?}");
    assert!(
        keys.contains(&"active_shifts:site:1".to_owned()),
        "{keys:?}"
    );
}

#[tokio::test]
async fn appends_wait_for_a_feed_that_failed() {
    let feed = Arc::new(MemoryFeed::default());
    let a = Cache::start(config(), Some(feed.clone())).await;
    feed.failing.store(true, Ordering::SeqCst);
    a.invalidate_one(Kind::Sites, "1").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    feed.failing.store(false, Ordering::SeqCst);
    eventually(
        Duration::from_secs(3),
        "the append is retried",
        async || !feed.entries.lock().unwrap().is_empty(),
    )
    .await;
}
