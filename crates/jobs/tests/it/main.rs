//! The jobs crate's integration tests: the conformance suite on real RabbitMQ, and on the
//! embedded queue over SQLite and PostgreSQL.

mod embedded_postgres;
mod embedded_sqlite;
mod handlers;
mod metrics;
mod outbox;
mod rabbit;
mod reconnect;
mod scheduler;

use std::time::Instant;

use chrono::{DateTime, Utc};

/// A clock that starts at a fixed instant and runs at the pace of the monotonic clock: the
/// conformance cases wait real delays, yet no test reads the wall clock.
pub struct RunningClock {
    start: DateTime<Utc>,
    origin: Instant,
}

impl Default for RunningClock {
    fn default() -> Self {
        Self {
            // 2026-11-30T00:00:00Z.
            start: DateTime::from_timestamp(1_795_996_800, 0).unwrap_or_default(),
            origin: Instant::now(),
        }
    }
}

impl app::Clock for RunningClock {
    fn now(&self) -> DateTime<Utc> {
        later(self.start, self.origin.elapsed())
    }
}

fn later(start: DateTime<Utc>, elapsed: std::time::Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(elapsed)
        .ok()
        .and_then(|d| start.checked_add_signed(d))
        .unwrap_or(start)
}

mod support {
    /// A migrated PostgreSQL store on a fresh database of its own.
    pub async fn pg_store() -> store_postgres::PgStore {
        let url = store_postgres::test_support::fresh_database()
            .await
            .unwrap_or_else(|e| panic!("a fresh test database: {e}"));
        let store = store_postgres::PgStore::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
        store
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("migrations: {e}"));
        store
    }
}
