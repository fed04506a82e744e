//! No-op jobs through the embedded queue on SQLite end to end — a database file on disk in WAL
//! mode as the store sets it up, each job inserted, leased and acked (deleted) on its own —
//! and the jobs per second that makes. `JOBS` (default 20,000), `PREFETCH` (256),
//! `CONSUMERS` (4) and `PUBLISHERS` (concurrent publishes, 64) tune it.

use std::sync::Arc;

use jobs::{DbConfig, DbQueue};
use store_sqlite::SqliteStore;

mod support;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let run = support::Run::from_env(64);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let store = SqliteStore::connect(&format!("sqlite://{}", path.display())).await?;
    store.migrate().await?;
    let queue = DbQueue::new(
        Arc::new(store),
        Arc::new(app::SystemClock),
        DbConfig::default(),
    );
    let outcome = support::drive(Arc::new(queue), &run).await?;
    println!(
        "{} jobs published (one insert each) and consumed (leased in batches, acked one by one) through SQLite in {:.2} s: {:.0} jobs/s end to end (all published after {:.2} s); {} publish errors",
        run.jobs,
        outcome.elapsed.as_secs_f64(),
        outcome.per_second(run.jobs),
        outcome.published.as_secs_f64(),
        outcome.publish_errors
    );
    Ok(())
}
