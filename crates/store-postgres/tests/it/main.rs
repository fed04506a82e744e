//! Integration tests of the PostgreSQL store: the shared conformance suite on a fresh database
//! per test, plus what only PostgreSQL has (migrations, the constraints and indexes themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod availability;
mod metrics;
mod postgres;

use std::sync::Arc;
use store_postgres::PgStore;

/// A migrated, empty store on its own database.
pub async fn fresh_store() -> PgStore {
    let url = store_postgres::test_support::fresh_database()
        .await
        .expect("a fresh test database");
    let store = PgStore::connect(&url)
        .await
        .expect("connect to the test database");
    // The template is migrated already; running again must be a no-op.
    store.migrate().await.expect("migrations");
    store
}

async fn make_store() -> Arc<PgStore> {
    Arc::new(fresh_store().await)
}

mod conformance {
    testkit::conformance_tests!(super::make_store);
}

mod job_queue {
    testkit::job_table_tests!(super::make_store);
}
