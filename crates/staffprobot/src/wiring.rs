//! Opening the configured store and building the use-case service on it.

use crate::config::{Config, DatabaseUrl};
use anyhow::Context;
use app::{NoEvents, StaffPro, Store, SystemClock};
use std::sync::Arc;
use store_postgres::PgStore;
use store_sqlite::SqliteStore;

/// Whether opening the store also applies pending migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrations {
    Apply,
    /// For `api` replicas: `migrate` or `run` applies them once.
    Skip,
}

/// Connects to the configured database (applying migrations when asked).
pub async fn open_store(config: &Config, migrations: Migrations) -> anyhow::Result<Arc<dyn Store>> {
    let shown = config.database_url.redacted();
    let apply = migrations == Migrations::Apply;
    let store: Arc<dyn Store> = match &config.database_url {
        DatabaseUrl::Postgres(url) => {
            let store = PgStore::connect_with(url, config.database_max_connections)
                .await
                .with_context(|| format!("cannot connect to PostgreSQL at {shown}"))?;
            if apply {
                store.migrate().await.context("cannot apply PostgreSQL migrations")?;
            }
            Arc::new(store)
        }
        DatabaseUrl::Sqlite(url) => {
            let store = SqliteStore::connect(url)
                .await
                .with_context(|| format!("cannot open the SQLite database {shown}"))?;
            if apply {
                store.migrate().await.context("cannot apply SQLite migrations")?;
            }
            Arc::new(store)
        }
    };
    Ok(store)
}

/// The use-cases over a store, with the configured policy.
pub fn service(config: &Config, store: Arc<dyn Store>) -> StaffPro {
    StaffPro::new(store, Arc::new(SystemClock), Arc::new(NoEvents), config.policy)
}
