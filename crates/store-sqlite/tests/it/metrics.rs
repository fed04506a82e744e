//! The database metrics of the SQLite store, read through the exporter's text, and the source
//! of its pool gauges.

use std::sync::Arc;

#[tokio::test]
async fn store_calls_are_counted_by_operation_and_outcome_and_timed() {
    let db = super::fresh().await;
    let store = Arc::new(db.store.clone());
    let pool = db.store.pool().clone();
    testkit::metrics::store_calls_are_counted(
        store,
        "sqlite",
        || async move { pool.close().await },
    )
    .await;
}

#[tokio::test]
async fn the_pool_status_reports_its_connections() {
    let db = super::fresh().await;
    let status = db.store.pool_status();
    assert_eq!(status.max, 8);
    assert!(status.size >= 1 && status.idle <= status.size, "{status:?}");
}
