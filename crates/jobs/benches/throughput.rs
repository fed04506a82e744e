//! No-op jobs through RabbitMQ end to end — persistent, confirmed, acked one by one — and
//! the jobs per second that makes. `JOBS` (default 20,000), `PREFETCH` (256), `CONSUMERS` (4)
//! and `PUBLISHERS` (512) tune it; `RABBITMQ_URL` picks the broker.

use std::sync::Arc;

use jobs::{RabbitConfig, RabbitQueue};

mod support;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let run = support::Run::from_env(512);
    // Queues of this run's own (a random name, no clock).
    let id = std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), std::process::id());
    let queue = RabbitQueue::connect(RabbitConfig {
        url: std::env::var("RABBITMQ_URL").unwrap_or_else(|_| jobs::rabbit::DEFAULT_URL.into()),
        prefix: format!("bench.{id:x}"),
        ..RabbitConfig::default()
    })
    .await?;
    let outcome = support::drive(Arc::new(queue.clone()), &run).await?;
    queue.delete_all().await?;
    println!(
        "{} jobs published (persistent, confirmed) and consumed (acked) in {:.2} s: {:.0} jobs/s end to end (all published after {:.2} s); {} publish errors",
        run.jobs,
        outcome.elapsed.as_secs_f64(),
        outcome.per_second(run.jobs),
        outcome.published.as_secs_f64(),
        outcome.publish_errors
    );
    Ok(())
}
