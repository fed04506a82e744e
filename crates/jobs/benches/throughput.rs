//! No-op jobs through RabbitMQ end to end — persistent, confirmed, acked one by one — and
//! the jobs per second that makes. `JOBS` (default 20,000), `PREFETCH` (256) and `CONSUMERS`
//! (4) tune it; `RABBITMQ_URL` picks the broker.

use std::sync::Arc;
use std::time::Instant;

use chrono::DateTime;
use futures_util::StreamExt;
use jobs::{Area, Job, JobQueue, RabbitConfig, RabbitQueue};

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
    // Queues of this run's own (a random name, no clock).
    let run = std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), std::process::id());
    let queue = RabbitQueue::connect(RabbitConfig {
        url: std::env::var("RABBITMQ_URL").unwrap_or_else(|_| jobs::rabbit::DEFAULT_URL.into()),
        prefix: format!("bench.{run:x}"),
        ..RabbitConfig::default()
    })
    .await?;
    let shared: Arc<dyn JobQueue> = Arc::new(queue.clone());

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
                .buffer_unordered(512)
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
    queue.delete_all().await?;
    println!(
        "{jobs} jobs published (persistent, confirmed) and consumed (acked) in {:.2} s: {:.0} jobs/s end to end (all published after {:.2} s); {} publish errors",
        elapsed.as_secs_f64(),
        jobs as f64 / elapsed.as_secs_f64(),
        published.as_secs_f64(),
        failures.len()
    );
    Ok(())
}
