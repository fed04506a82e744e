//! The embedded queue on SQLite: the conformance suite on a database file of its own per test,
//! and what the suite cannot show (a lease that runs out while its worker still holds the job).

use std::sync::Arc;
use std::time::Duration;

use app::SetClock;
use async_trait::async_trait;
use chrono::DateTime;
use futures_util::StreamExt;
use jobs::conformance::{Fixture, MAX_ATTEMPTS};
use jobs::{Area, DbConfig, DbQueue, Job, JobQueue, QueueError};
use store_sqlite::SqliteStore;

use crate::RunningClock;

/// A migrated store on a fresh file; the folder goes when the store does.
pub async fn sqlite_store() -> SqliteStore {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary folder: {e}"));
    let url = format!("sqlite://{}", dir.path().join("jobs.db").display());
    let store = SqliteStore::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("SQLite at {url}: {e}"));
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrations: {e}"));
    store.keeping_alive(dir)
}

/// The settings every embedded fixture uses, so the suite's cases know the limits.
pub fn test_config() -> DbConfig {
    DbConfig {
        max_attempts: MAX_ATTEMPTS,
        delivery_limit: 2,
        ..DbConfig::default()
    }
}

pub struct SqliteFixture {
    queue: DbQueue,
}

pub async fn fixture() -> SqliteFixture {
    let queue = DbQueue::new(
        Arc::new(sqlite_store().await),
        Arc::new(RunningClock::default()),
        test_config(),
    );
    SqliteFixture { queue }
}

#[async_trait]
impl Fixture for SqliteFixture {
    fn queue(&self) -> Arc<dyn JobQueue> {
        Arc::new(self.queue.clone())
    }

    /// The file goes with the last clone of the store.
    async fn cleanup(&self) {}
}

jobs::conformance_tests!(fixture);

/// A worker that outlives its lease: the job goes to another consumer, and the first one's
/// late ack is refused instead of deleting the job the second one now holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settle_after_the_lease_ran_out_and_was_taken_over_does_nothing() {
    let start = DateTime::from_timestamp(1_795_996_800, 0).unwrap_or_default();
    let clock = Arc::new(SetClock::new(start));
    let config = DbConfig {
        lease_timeout: Duration::from_secs(60),
        // The set clock moves without waking anyone: consumers find out by polling.
        poll_interval: Duration::from_millis(20),
        ..test_config()
    };
    let queue = DbQueue::new(Arc::new(sqlite_store().await), clock.clone(), config);
    let job = Job::new("slow:1", "test", serde_json::json!({}), start);
    queue.publish(Area::Shifts, &job).await.unwrap();

    let mut first = queue.consume(Area::Shifts, 1).await.unwrap();
    let slow = first.next().await.unwrap().unwrap();
    assert!(!slow.redelivered());

    let mut second = queue.consume(Area::Shifts, 1).await.unwrap();
    let early = tokio::time::timeout(Duration::from_millis(300), second.next()).await;
    assert!(early.is_err(), "handed out twice while its lease ran");

    clock.advance(chrono::Duration::seconds(61));
    let taken_over = tokio::time::timeout(Duration::from_secs(5), second.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(taken_over.job().id, "slow:1");
    assert!(taken_over.redelivered());

    let late = slow.ack().await;
    assert!(matches!(late, Err(QueueError::Settle(_))), "{late:?}");
    let depths = queue.depths().await.unwrap();
    let shifts = depths.iter().find(|d| d.area == Area::Shifts).unwrap();
    assert_eq!((shifts.ready, shifts.delayed, shifts.dead), (0, 0, 0));

    taken_over.ack().await.unwrap();
    drop(first);
    let mut third = queue.consume(Area::Shifts, 1).await.unwrap();
    clock.advance(chrono::Duration::seconds(600));
    let after_ack = tokio::time::timeout(Duration::from_millis(300), third.next()).await;
    assert!(after_ack.is_err(), "an acked job came back");
}

/// Jobs leased in a batch but never handed to the worker go back, uncounted, when the
/// consumer is dropped: they are not redeliveries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_leased_but_not_handed_out_go_back_uncounted() {
    let start = DateTime::from_timestamp(1_795_996_800, 0).unwrap_or_default();
    let queue = DbQueue::new(
        Arc::new(sqlite_store().await),
        Arc::new(SetClock::new(start)),
        test_config(),
    );
    for i in 0..3 {
        let job = Job::new(format!("batch:{i}"), "test", serde_json::json!(i), start);
        queue.publish(Area::Analytics, &job).await.unwrap();
    }
    let mut greedy = queue.consume(Area::Analytics, 10).await.unwrap();
    let first = greedy.next().await.unwrap().unwrap();
    assert_eq!(first.job().id, "batch:0");
    first.ack().await.unwrap();
    drop(greedy);

    let mut next = queue.consume(Area::Analytics, 10).await.unwrap();
    for i in 1..3 {
        let delivery = tokio::time::timeout(Duration::from_secs(5), next.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(delivery.job().id, format!("batch:{i}"));
        assert!(!delivery.redelivered(), "{i} counted as a redelivery");
        delivery.ack().await.unwrap();
    }
}
