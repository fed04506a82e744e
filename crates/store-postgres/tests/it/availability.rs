//! When the database is not there or not ready: the answers that mean "try again later"
//! (`StoreError::Unavailable`, a 503 in the API) instead of an internal error, the statement
//! limit on every pooled connection (but not on migrations), and the schema check `/ready` uses.

use crate::fresh_store;
use app::{PeopleStore, StoreError, StoreHealth};
use sqlx::{Connection, PgConnection};
use std::time::Duration;
use store_postgres::{PgStore, PoolSettings, migrator, test_support};

fn short_limit(ms: u64) -> PoolSettings {
    PoolSettings {
        max_connections: 2,
        statement_timeout: Some(Duration::from_millis(ms)),
    }
}

fn is_unavailable<T: std::fmt::Debug>(r: &Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Unavailable(_)))
}

/// A session of its own on `url` that holds `lock_sql` (a `LOCK TABLE …`) until told to let go.
async fn hold_lock(url: &str, lock_sql: &'static str) -> tokio::sync::oneshot::Sender<()> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql("BEGIN").execute(&mut conn).await.unwrap();
    sqlx::raw_sql(lock_sql).execute(&mut conn).await.unwrap();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = released.await;
        sqlx::raw_sql("COMMIT").execute(&mut conn).await.unwrap();
        let _ = conn.close().await;
    });
    release
}

#[tokio::test]
async fn a_missing_table_is_unavailable_not_an_internal_error() {
    let store = fresh_store().await;
    sqlx::raw_sql("DROP TABLE users CASCADE")
        .execute(store.pool())
        .await
        .unwrap();
    let answer = store.user_by_telegram_id(42).await;
    assert!(is_unavailable(&answer), "{answer:?}");
}

#[tokio::test]
async fn a_database_that_does_not_exist_is_unavailable() {
    let url = test_support::fresh_database().await.unwrap();
    let store = PgStore::connect(&url).await.unwrap();
    assert_eq!(store.user_by_telegram_id(42).await, Ok(None));
    // Gone under a running store (its sessions are ended, its name no longer there).
    test_support::hide_database(&url).await.unwrap();
    let answer = store.user_by_telegram_id(42).await;
    assert!(is_unavailable(&answer), "{answer:?}");
    let answer = store.ping().await;
    assert!(is_unavailable(&answer), "{answer:?}");
    let answer = PgStore::connect(&url).await;
    assert!(is_unavailable(&answer), "{:?}", answer.map(|_| ()));
}

#[tokio::test]
async fn every_pooled_connection_has_the_statement_limit() {
    let url = test_support::fresh_database().await.unwrap();
    let store = PgStore::connect_with(&url, short_limit(300)).await.unwrap();
    let shown: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(shown, "300ms");
    // A query stuck behind a lock is cancelled at the limit and answered as unavailable.
    let release = hold_lock(&url, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE").await;
    let started = std::time::Instant::now();
    let answer = store.user_by_telegram_id(42).await;
    assert!(is_unavailable(&answer), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    release.send(()).unwrap();

    let unlimited = PgStore::connect_with(
        &url,
        PoolSettings {
            statement_timeout: None,
            ..short_limit(0)
        },
    )
    .await
    .unwrap();
    let shown: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(unlimited.pool())
        .await
        .unwrap();
    assert_eq!(shown, "0");
}

/// A migration waiting on a lock longer than the pool's statement limit still completes: the
/// limit is for requests, not for migrations.
#[tokio::test]
async fn migrations_run_without_the_statement_limit() {
    let first = migrator().iter().next().unwrap().version;
    let url = test_support::database_at_migration(first).await.unwrap();
    let store = PgStore::connect_with(&url, short_limit(100)).await.unwrap();
    // The next migration alters `users`; someone holds it for longer than the limit.
    let release = hold_lock(&url, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE").await;
    let migrating = tokio::spawn(async move {
        let migrated = store.migrate().await;
        (store, migrated)
    });
    tokio::time::sleep(Duration::from_millis(600)).await;
    release.send(()).unwrap();
    let (store, migrated) = migrating.await.unwrap();
    assert_eq!(migrated, Ok(()));
    assert_eq!(store.schema_current().await, Ok(true));
    // And the pool's connections still have their limit.
    let shown: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(shown, "100ms");
}

#[tokio::test]
async fn the_schema_is_current_only_with_every_migration_applied() {
    assert_eq!(fresh_store().await.schema_current().await, Ok(true));

    let empty = test_support::empty_database().await.unwrap();
    let store = PgStore::connect(&empty).await.unwrap();
    assert_eq!(store.schema_current().await, Ok(false), "no schema at all");

    let first = migrator().iter().next().unwrap().version;
    let older = test_support::database_at_migration(first).await.unwrap();
    let store = PgStore::connect(&older).await.unwrap();
    assert_eq!(store.schema_current().await, Ok(false), "an older schema");
    store.migrate().await.unwrap();
    assert_eq!(store.schema_current().await, Ok(true));

    // A migration recorded as failed does not count as applied.
    sqlx::query("UPDATE _sqlx_migrations SET success = false WHERE version = $1")
        .bind(first)
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        store.schema_current().await,
        Ok(false),
        "a failed migration"
    );
}
