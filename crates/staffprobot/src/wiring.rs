//! Opening the configured store (behind the cache) and building the use-case service on it.

use crate::config::{Config, DatabaseUrl};
use anyhow::Context;
use app::background::BackgroundStore;
use app::broadcasts::BroadcastStore;
use app::job_table::JobTable;
use app::{
    BotStateStore, EventBus, InvalidationLog, PoolStatus, SchemaStatus, StaffPro, Store,
    SystemClock,
};
use axum::Extension;
use cache::{Cache, CachingStore, InvalidationFeed, StoreFeed};
use secrecy::ExposeSecret;
use std::sync::Arc;
use store_postgres::{PgStore, PoolSettings};
use store_sqlite::SqliteStore;

/// Whether opening the store also applies pending migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrations {
    Apply,
    /// For `api` replicas: `migrate` or `run` applies them once.
    Skip,
}

/// The configured database through its ports: the domain's `Store` (for the use-cases; behind
/// the cache unless `CACHE_ENABLED=false`), the bot's own state (dialogues, update claims), the
/// schema check `/ready` uses, background work's records (outbox, lease, ticks, effects), the
/// embedded queue's table, and the cache itself.
pub struct Stores {
    pub store: Arc<dyn Store>,
    pub bot_state: Arc<dyn BotStateStore>,
    pub schema: Arc<dyn SchemaStatus>,
    pub background: Arc<dyn BackgroundStore>,
    pub job_table: Arc<dyn JobTable>,
    pub broadcasts: Arc<dyn BroadcastStore>,
    pub cache: Option<Cache>,
    /// "postgres" or "sqlite", for the metrics' `store` label.
    pub kind: &'static str,
    /// The connection pool's state now (for the pool gauges).
    pub pool_status: Arc<dyn Fn() -> PoolStatus + Send + Sync>,
}

impl Stores {
    async fn of<S>(
        store: S,
        config: &Config,
        kind: &'static str,
        pool_status: Arc<dyn Fn() -> PoolStatus + Send + Sync>,
    ) -> Stores
    where
        S: Store
            + BotStateStore
            + SchemaStatus
            + InvalidationLog
            + BackgroundStore
            + JobTable
            + BroadcastStore,
    {
        let store = Arc::new(store);
        let (domain, cache): (Arc<dyn Store>, _) = match &config.cache {
            None => (store.clone(), None),
            Some(settings) => {
                // Without Redis, invalidations travel between processes (a server and an
                // operator's command, say) through the database.
                let feed: Option<Arc<dyn InvalidationFeed>> = match settings.redis {
                    Some(_) => None,
                    None => Some(Arc::new(StoreFeed::new(
                        store.clone(),
                        Arc::new(SystemClock),
                    ))),
                };
                let cache = Cache::start(settings.clone(), feed).await;
                (
                    Arc::new(CachingStore::new(store.clone(), cache.clone())),
                    Some(cache),
                )
            }
        };
        Stores {
            store: domain,
            bot_state: store.clone(),
            schema: store.clone(),
            background: store.clone(),
            broadcasts: store.clone(),
            job_table: store,
            cache,
            kind,
            pool_status,
        }
    }

    /// Sends the cache's pending invalidations and statistics: call before the process ends, so
    /// that a change made by a command reaches the running servers.
    pub async fn close(&self) {
        if let Some(cache) = &self.cache {
            cache.shutdown().await;
        }
    }
}

/// Connects to the configured database (applying migrations when asked), through every port.
pub async fn open_stores(config: &Config, migrations: Migrations) -> anyhow::Result<Stores> {
    let shown = config.database_url.redacted();
    let apply = migrations == Migrations::Apply;
    let stores = match &config.database_url {
        DatabaseUrl::Postgres(url) => {
            let settings = PoolSettings {
                max_connections: config.database_max_connections,
                statement_timeout: config.database_statement_timeout,
            };
            let store = PgStore::connect_with(url.expose_secret(), settings)
                .await
                .with_context(|| format!("cannot connect to PostgreSQL at {shown}"))?;
            if apply {
                store
                    .migrate()
                    .await
                    .context("cannot apply PostgreSQL migrations")?;
            }
            let pool = store.clone();
            Stores::of(
                store,
                config,
                "postgres",
                Arc::new(move || pool.pool_status()),
            )
            .await
        }
        DatabaseUrl::Sqlite(url) => {
            let store = SqliteStore::connect(url)
                .await
                .with_context(|| format!("cannot open the SQLite database {shown}"))?;
            if apply {
                store
                    .migrate()
                    .await
                    .context("cannot apply SQLite migrations")?;
            }
            let pool = store.clone();
            Stores::of(
                store,
                config,
                "sqlite",
                Arc::new(move || pool.pool_status()),
            )
            .await
        }
    };
    Ok(stores)
}

/// The use-cases over a store, with the configured policy, and the bus adapters subscribe to
/// for their events.
pub fn service(config: &Config, stores: &Stores) -> (StaffPro, Arc<EventBus>) {
    let bus = Arc::new(EventBus::new());
    let app = StaffPro::new(
        stores.store.clone(),
        Arc::new(SystemClock),
        bus.clone(),
        config.policy,
    )
    .with_broadcasts(stores.broadcasts.clone())
    // Without a bot nothing could send one: refused at once instead of waiting for ever.
    .with_broadcast_sender(config.telegram.is_some())
    // Big report files asked for in the chat are made by a job written to the outbox.
    .with_report_jobs(stores.background.clone());
    (app, bus)
}

/// The HTTP API over the use-cases, with `/metrics`; `/ready` also checks the schema is current.
pub fn http_router(
    app: &StaffPro,
    schema: &Arc<dyn SchemaStatus>,
    metrics: Option<&telemetry::Metrics>,
) -> axum::Router {
    api::router_with_metrics(app.clone(), metrics.cloned()).layer(Extension(schema.clone()))
}

/// Connects the Telegram bot when it is configured.
pub async fn telegram_bot(
    config: &Config,
    app: &StaffPro,
    bot_state: Arc<dyn BotStateStore>,
) -> anyhow::Result<Option<bot::TelegramBot>> {
    let Some(t) = &config.telegram else {
        return Ok(None);
    };
    let bot_config = bot::BotConfig {
        token: t.token.expose_secret().to_owned(),
        api_url: t.api_url.clone(),
        webhook: t.webhook_url.clone().map(|url| bot::WebhookConfig {
            url,
            secret: t.webhook_secret.expose_secret().to_owned(),
        }),
        limits: config.telegram_limits.clone(),
    };
    let bot = bot::TelegramBot::connect(app.clone(), bot_state, bot_config)
        .await
        .context("cannot start the Telegram bot")?
        // The bot finishes within the process's deadline, leaving a margin to exit cleanly.
        .with_shutdown_deadline(config.shutdown_timeout.mul_f64(0.8));
    Ok(Some(bot))
}
