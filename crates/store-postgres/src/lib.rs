//! `PgStore`: the `app::Store` and `app::BotStateStore` ports on PostgreSQL (sqlx, runtime-checked
//! queries), with its embedded migrations, the schema check `/ready` uses, and (feature
//! `test-support`, for tests only) `test_support` for tests that need a fresh database.

mod audit;
mod background;
mod bot_state;
mod broadcasts;
mod error;
mod invalidations;
mod job_table;
mod migrations;
mod review;
mod rows;
mod statements;
mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
mod timesheet;

use app::{SchemaStatus, StoreError};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;
use tracing::instrument;

pub use migrations::migrator;

/// How long a caller waits for a pooled connection before the database counts as unavailable:
/// short, so a PostgreSQL restart gives fast errors instead of hung requests.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A pooled connection idle at least this long is pinged before use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(2);

/// Pool size when the caller does not choose one.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// The longest one statement may run when the caller does not choose: far beyond any query of
/// a request, short enough that a runaway one frees its connection.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// How the connection pool is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// At most this many connections (at least 1).
    pub max_connections: u32,
    /// PostgreSQL's `statement_timeout` on every pooled connection: a statement running longer
    /// is cancelled and answered as "unavailable". `None`: no limit. Migrations never have one.
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            statement_timeout: Some(DEFAULT_STATEMENT_TIMEOUT),
        }
    }
}

/// The store on a PostgreSQL connection pool. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects with the default [`PoolSettings`]; fails fast when the server does not answer.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        Self::connect_with(url, PoolSettings::default()).await
    }

    /// Connects with a pool set up as `settings` says.
    pub async fn connect_with(url: &str, settings: PoolSettings) -> Result<PgStore, StoreError> {
        let mut options = PgConnectOptions::from_str(url).map_err(error::map)?;
        if let Some(limit) = settings.statement_timeout {
            // Sent in the start-up packet, so it is every session's default (and what `RESET`
            // returns to); milliseconds, at least 1 (0 would mean no limit).
            let ms = limit.as_millis().clamp(1, u128::from(u32::MAX));
            options = options.options([("statement_timeout", ms)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
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
            .connect_with(options)
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
        // A migration may rewrite a big table: it runs on a connection of its own without the
        // statement limit (a later `-c` option wins over the pool's), so the lifted limit never
        // serves a request.
        let options = (*self.pool.connect_options())
            .clone()
            .options([("statement_timeout", 0)]);
        let migrations = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(error::map)?;
        let migrated = migrator()
            .run(&migrations)
            .await
            .map_err(error::map_migrate);
        migrations.close().await;
        migrated
    }

    /// Whether every migration this binary embeds is applied (with the same checksum): `false`
    /// while the schema is behind, e.g. a new `api` replica started before `staffprobot
    /// migrate`. Migrations applied by a newer binary are fine.
    pub async fn schema_current(&self) -> Result<bool, StoreError> {
        migrations::schema_current(&self.pool).await
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The pool's connections now (for the pool gauges; no query).
    pub fn pool_status(&self) -> app::PoolStatus {
        app::PoolStatus {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }
}

#[async_trait::async_trait]
impl SchemaStatus for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn schema_current(&self) -> Result<bool, StoreError> {
        PgStore::schema_current(self).await
    }
}
