//! The database metrics of the PostgreSQL store, read through the exporter's text, and the
//! source of its pool gauges.

use std::sync::Arc;

#[tokio::test]
async fn store_calls_are_counted_by_operation_and_outcome_and_timed() {
    let store = super::fresh_store().await;
    let pool = store.pool().clone();
    testkit::metrics::store_calls_are_counted(Arc::new(store), "postgres", || async move {
        pool.close().await
    })
    .await;
}

#[tokio::test]
async fn the_pool_status_reports_its_connections() {
    let store = super::fresh_store().await;
    app::StoreHealth::ping(&store).await.unwrap();
    let status = store.pool_status();
    assert_eq!(status.max, store_postgres::DEFAULT_MAX_CONNECTIONS);
    assert!(status.size >= 1 && status.idle <= status.size, "{status:?}");
}
