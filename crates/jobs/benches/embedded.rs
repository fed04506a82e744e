//! No-op jobs through the embedded queue on SQLite end to end — a database file on disk in WAL
//! mode as the store sets it up, each job inserted, leased and acked (deleted) on its own —
//! and the jobs per second that makes. `JOBS` (default 20,000), `PREFETCH` (256),
//! `CONSUMERS` (4) and `PUBLISHERS` (concurrent publishes, 64) tune it.

use std::sync::Arc;
use std::time::Instant;

use chrono::DateTime;
use futures_util::StreamExt;
use jobs::{Area, DbConfig, DbQueue, Job, JobQueue};
use store_sqlite::SqliteStore;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let jobs = setting("JOBS", 20_000);
    let prefetch = u16::try_from(setting("PREFETCH", 256)).unwrap_or(u16::MAX);
    let consumers = setting("CONSUMERS", 4);
    let publishers = setting("PUBLISHERS", 64);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let store = SqliteStore::connect(&format!("sqlite://{}", path.display())).await?;
    store.migrate().await?;
    let queue = DbQueue::new(
        Arc::new(store),
        Arc::new(app::SystemClock),
        DbConfig::default(),
    );
    let shared: Arc<dyn JobQueue> = Arc::new(queue);

    let (done, mut acked) = tokio::sync::mpsc::unbounded_channel::<()>();
    for _ in 0..consumers {
        let mut deliveries = shared.consume(Area::Analytics, prefetch).await?;
        let done = done.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = deliveries.next().await {
                if delivery.ack().await.is_err() || done.send(()).is_err() {
                    break;
                }
            }
        });
    }

    let started = Instant::now();
    let publisher = {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let failures = futures_util::stream::iter(0..jobs)
                .map(|i| {
                    let shared = Arc::clone(&shared);
                    async move {
                        let job = Job::new(
                            format!("bench:{i}"),
                            "noop",
                            serde_json::Value::Null,
                            DateTime::UNIX_EPOCH,
                        );
                        shared.publish(Area::Analytics, &job).await
                    }
                })
                .buffer_unordered(publishers)
                .filter_map(|r| async move { r.err() })
                .collect::<Vec<_>>()
                .await;
            (failures, started.elapsed())
        })
    };
    for _ in 0..jobs {
        if acked.recv().await.is_none() {
            break;
        }
    }
    let elapsed = started.elapsed();
    let (failures, published) = publisher.await?;
    println!(
        "{jobs} jobs published (one insert each) and consumed (leased in batches, acked one by one) through SQLite in {:.2} s: {:.0} jobs/s end to end (all published after {:.2} s); {} publish errors",
        elapsed.as_secs_f64(),
        jobs as f64 / elapsed.as_secs_f64(),
        published.as_secs_f64(),
        failures.len()
    );
    Ok(())
}
