//! What both queue benchmarks share: their settings from the environment, and the run itself —
//! consumers acking one by one while publishers send no-op jobs, timed end to end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use futures_util::StreamExt;
use jobs::{Area, Job, JobQueue};

/// A whole-number setting from the environment (`JOBS`, `PREFETCH`, …), or its default.
pub fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The shape of one run: `JOBS`, `PREFETCH`, `CONSUMERS`, and `PUBLISHERS` (concurrent
/// publishes; `publishers` is its default).
pub struct Run {
    pub jobs: usize,
    pub prefetch: u16,
    pub consumers: usize,
    pub publishers: usize,
}

impl Run {
    pub fn from_env(publishers: usize) -> Self {
        Self {
            jobs: setting("JOBS", 20_000),
            prefetch: u16::try_from(setting("PREFETCH", 256)).unwrap_or(u16::MAX),
            consumers: setting("CONSUMERS", 4),
            publishers: setting("PUBLISHERS", publishers),
        }
    }
}

/// How a run went.
pub struct Outcome {
    pub elapsed: Duration,
    /// When the last publish returned.
    pub published: Duration,
    pub publish_errors: usize,
}

impl Outcome {
    pub fn per_second(&self, jobs: usize) -> f64 {
        jobs as f64 / self.elapsed.as_secs_f64()
    }
}

/// Publishes `run.jobs` no-op jobs to the analytics area and waits until all are acked.
pub async fn drive(
    queue: Arc<dyn JobQueue>,
    run: &Run,
) -> Result<Outcome, Box<dyn std::error::Error>> {
    let (done, mut acked) = tokio::sync::mpsc::unbounded_channel::<()>();
    for _ in 0..run.consumers {
        let mut deliveries = queue.consume(Area::Analytics, run.prefetch).await?;
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
    let (jobs, publishers) = (run.jobs, run.publishers);
    let publisher = tokio::spawn(async move {
        let failures = futures_util::stream::iter(0..jobs)
            .map(|i| {
                let queue = Arc::clone(&queue);
                async move {
                    let job = Job::new(
                        format!("bench:{i}"),
                        "noop",
                        serde_json::Value::Null,
                        DateTime::UNIX_EPOCH,
                    );
                    queue.publish(Area::Analytics, &job).await
                }
            })
            .buffer_unordered(publishers)
            .filter_map(|r| async move { r.err() })
            .count()
            .await;
        (failures, started.elapsed())
    });
    for _ in 0..jobs {
        if acked.recv().await.is_none() {
            break;
        }
    }
    let elapsed = started.elapsed();
    let (publish_errors, published) = publisher.await?;
    Ok(Outcome {
        elapsed,
        published,
        publish_errors,
    })
}
