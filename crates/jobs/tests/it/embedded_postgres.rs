//! The embedded queue on PostgreSQL (`FOR UPDATE SKIP LOCKED`): the conformance suite on a
//! fresh database per test (`TEST_DATABASE_URL`, default the local server).

use std::sync::Arc;

use async_trait::async_trait;
use jobs::conformance::Fixture;
use jobs::{DbQueue, JobQueue};
use store_postgres::PgStore;

use crate::RunningClock;
use crate::embedded_sqlite::test_config;

pub struct PostgresFixture {
    store: PgStore,
    queue: DbQueue,
}

pub async fn fixture() -> PostgresFixture {
    let url = store_postgres::test_support::fresh_database()
        .await
        .unwrap_or_else(|e| panic!("a fresh test database: {e}"));
    let store = PgStore::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
    let queue = DbQueue::new(
        Arc::new(store.clone()),
        Arc::new(RunningClock::default()),
        test_config(),
    );
    PostgresFixture { store, queue }
}

#[async_trait]
impl Fixture for PostgresFixture {
    fn queue(&self) -> Arc<dyn JobQueue> {
        Arc::new(self.queue.clone())
    }

    /// The database itself goes with the test databases' hourly clean-up.
    async fn cleanup(&self) {
        self.store.pool().close().await;
    }
}

jobs::conformance_tests!(fixture);
