//! The embedded `Store`: StaffProBot on one SQLite file, no other service needed.
//!
//! Connections run in WAL mode (readers never wait for the writer), with foreign keys on,
//! `synchronous = NORMAL` (durable across application crashes; a power cut may lose the last
//! transactions, never corrupt the file) and a 5 s busy timeout. SQLite allows one writer at a
//! time, so every write here takes an in-process gate and then `BEGIN IMMEDIATE`: writers of this
//! process queue fairly on the gate instead of polling the file lock, and a transaction that reads
//! before it writes holds the write lock from its start, so it can never fail half-way with
//! `SQLITE_BUSY` when it upgrades. Other processes on the same file still meet the busy timeout.

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
mod timesheet;

use app::StoreError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::any::Any;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};
use tracing::instrument;

/// How long a connection waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a write waits for the writes of this process queued before it (a bulk import of
/// demo data may hold the gate for a few seconds).
const WRITE_GATE_TIMEOUT: Duration = Duration::from_secs(30);
/// Readers run in parallel in WAL mode; each connection is a thread in sqlx, so a handful is
/// plenty for a bot and an API on a small machine.
const MAX_CONNECTIONS: u32 = 8;

/// The SQLite implementation of `app::Store`. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    write_gate: Arc<Mutex<()>>,
    // Declared last so it drops after the pool: something the database file depends on (a test's
    // temporary folder).
    keep_alive: Option<Arc<dyn Any + Send + Sync>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating it and its parent folders if missing) the database at `url`:
    /// `sqlite://path/to/file.db`, `sqlite:path/to/file.db` or `sqlite:///absolute/path.db`.
    /// Query parameters as sqlx reads them (`?mode=ro`, …) are accepted; `sqlite::memory:` gives
    /// a private in-memory database (tests only: it is lost with the store).
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("bad SQLite URL {url:?}: {e}")))?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory {
            create_parent_dirs(options.get_filename())?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT);
        // An in-memory database lives as long as one of its connections: keep one open and use
        // only that one, so every query sees the same data.
        let (max, min) = if in_memory {
            (1, 1)
        } else {
            (MAX_CONNECTIONS, 1)
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(min)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(if in_memory {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(error::from_sqlx)?;
        Ok(SqliteStore {
            pool,
            write_gate: Arc::new(Mutex::new(())),
            keep_alive: None,
        })
    }

    /// The pool's connections now (for the pool gauges; no query).
    pub fn pool_status(&self) -> app::PoolStatus {
        app::PoolStatus {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    /// Keeps `guard` alive as long as this store or any clone of it. Tests hand over the
    /// temporary folder the database file lives in, so that a store passed on as
    /// `Arc<dyn Store>` takes its folder with it when it goes.
    pub fn keeping_alive(mut self, guard: impl Any + Send + Sync) -> SqliteStore {
        self.keep_alive = Some(Arc::new(guard));
        self
    }

    /// Applies the embedded migrations that have not run yet; running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let _gate = self.gate().await?;
        migrations::run(&self.pool).await
    }

    /// Whether every migration this binary embeds is applied: `false` while the schema is
    /// behind (see `/ready`).
    pub async fn schema_current(&self) -> Result<bool, StoreError> {
        migrations::schema_current(&self.pool).await
    }

    /// The connection pool, for health checks and tools that need raw SQL.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Waits for the in-process write gate.
    async fn gate(&self) -> Result<MutexGuard<'_, ()>, StoreError> {
        tokio::time::timeout(WRITE_GATE_TIMEOUT, self.write_gate.lock())
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!(
                    "another write held the database for more than {} s",
                    WRITE_GATE_TIMEOUT.as_secs()
                ))
            })
    }

    /// Starts a write transaction that holds SQLite's write lock from its first statement.
    async fn write(&self) -> Result<WriteTx<'_>, StoreError> {
        let gate = self.gate().await?;
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(error::from_sqlx)?;
        Ok(WriteTx { tx, _gate: gate })
    }
}

/// A write transaction and the gate it holds; dropping it without `commit` rolls back.
struct WriteTx<'a> {
    tx: Transaction<'static, Sqlite>,
    // Released after the transaction ends (fields drop in declaration order).
    _gate: MutexGuard<'a, ()>,
}

impl WriteTx<'_> {
    fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }

    async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(error::from_sqlx)
    }
}

fn create_parent_dirs(file: &Path) -> Result<(), StoreError> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create the folder {}: {e}", dir.display()))
        }),
        _ => Ok(()),
    }
}

#[async_trait::async_trait]
impl app::SchemaStatus for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn schema_current(&self) -> Result<bool, StoreError> {
        SqliteStore::schema_current(self).await
    }
}
