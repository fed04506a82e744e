//! Opening the configured store and building the use-case service on it.

use crate::config::{Config, DatabaseUrl};
use anyhow::Context;
use app::{BotStateStore, EventBus, SchemaStatus, StaffPro, Store, SystemClock};
use axum::Extension;
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

/// The configured database through its ports: the domain's `Store` (for the use-cases), the
/// bot's own state (dialogues, update claims) and the schema check `/ready` uses.
pub struct Stores {
    pub store: Arc<dyn Store>,
    pub bot_state: Arc<dyn BotStateStore>,
    pub schema: Arc<dyn SchemaStatus>,
}

impl Stores {
    fn of<S: Store + BotStateStore + SchemaStatus>(store: S) -> Stores {
        let store = Arc::new(store);
        Stores {
            store: store.clone(),
            bot_state: store.clone(),
            schema: store,
        }
    }
}

/// Connects to the configured database (applying migrations when asked), for the use-cases.
pub async fn open_store(config: &Config, migrations: Migrations) -> anyhow::Result<Arc<dyn Store>> {
    Ok(open_stores(config, migrations).await?.store)
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
            Stores::of(store)
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
            Stores::of(store)
        }
    };
    Ok(stores)
}

/// The use-cases over a store, with the configured policy, and the bus adapters subscribe to
/// for their events (the bot's notifier, later the cache).
pub fn service(config: &Config, store: Arc<dyn Store>) -> (StaffPro, Arc<EventBus>) {
    let bus = Arc::new(EventBus::new());
    let app = StaffPro::new(store, Arc::new(SystemClock), bus.clone(), config.policy);
    (app, bus)
}

/// The HTTP API over the use-cases; `/ready` also checks the schema is current.
pub fn http_router(app: &StaffPro, schema: &Arc<dyn SchemaStatus>) -> axum::Router {
    api::router(app.clone()).layer(Extension(schema.clone()))
}

/// Connects the Telegram bot when it is configured.
pub async fn telegram_bot(
    config: &Config,
    app: &StaffPro,
    bot_state: Arc<dyn BotStateStore>,
    bus: &EventBus,
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
    };
    let bot = bot::TelegramBot::connect(app.clone(), bot_state, bus, bot_config)
        .await
        .context("cannot start the Telegram bot")?
        // The bot finishes within the process's deadline, leaving a margin to exit cleanly.
        .with_shutdown_deadline(config.shutdown_timeout.mul_f64(0.8));
    Ok(Some(bot))
}
