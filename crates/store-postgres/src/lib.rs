//! `PgStore`: the `app::Store` and `app::BotStateStore` ports on PostgreSQL (sqlx, runtime-checked
//! queries), with its embedded migrations and `test_support` for tests that need a fresh database.

mod bot_state;
mod error;
mod migrations;
mod review;
mod rows;
mod store;
pub mod test_support;

use app::StoreError;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

pub use migrations::migrator;

/// How long a caller waits for a pooled connection before the database counts as unavailable:
/// short, so a PostgreSQL restart gives fast errors instead of hung requests.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A pooled connection idle at least this long is pinged before use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(2);

/// Pool size when the caller does not choose one.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// The store on a PostgreSQL connection pool. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects with [`DEFAULT_MAX_CONNECTIONS`]; fails fast when the server does not answer.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        Self::connect_with(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// Connects with a pool of at most `max_connections` (at least 1).
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A connection left idle across a server restart is dead: ping one that sat idle
            // for a while before handing it out, so the caller gets a working one (or a quick
            // error) rather than a broken pipe. Pinging every checkout (sqlx's
            // `test_before_acquire`) would add a round trip to every query under load.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect(url)
            .await
            .map_err(error::map)?;
        Ok(PgStore { pool })
    }

    /// Wraps an existing pool (the binary may share one pool among adapters).
    pub fn from_pool(pool: PgPool) -> PgStore {
        PgStore { pool }
    }

    /// Applies the embedded migrations that are not applied yet. Safe to run from several
    /// processes at once: sqlx serialises runs with an advisory lock.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrator().run(&self.pool).await.map_err(error::map_migrate)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
