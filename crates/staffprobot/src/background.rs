//! Background work's wiring: the queue (RabbitMQ with `RABBITMQ_URL`, else the embedded one in
//! the database), the worker with StaffProBot's handlers, the outbox relay and the scheduler —
//! and their processes: `worker`, `scheduler` (also `--once`), and the parts `run` starts.

use crate::config::Config;
use crate::wiring::Stores;
use anyhow::Context;
use app::notices::Notices;
use app::{StaffPro, SystemClock};
use jobs::embedded::{DbConfig, DbQueue};
use jobs::tasks::{self, Schedule};
use jobs::{JobQueue, RabbitConfig, RabbitQueue, Relay, RelayConfig, Scheduler, SchedulerConfig};
use jobs::{Worker, WorkerConfig};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;

/// How long a starting worker waits for RabbitMQ before it gives up (and its supervisor
/// restarts it); commands give up at once.
const RABBITMQ_PATIENCE: Duration = Duration::from_secs(60);

/// The queue the configuration names; a serving process waits for RabbitMQ to come up.
pub async fn queue(config: &Config, stores: &Stores) -> anyhow::Result<Arc<dyn JobQueue>> {
    queue_within(config, stores, Duration::ZERO).await
}

/// [`queue`], trying RabbitMQ again for up to a minute.
pub async fn queue_patiently(
    config: &Config,
    stores: &Stores,
) -> anyhow::Result<Arc<dyn JobQueue>> {
    queue_within(config, stores, RABBITMQ_PATIENCE).await
}

async fn queue_within(
    config: &Config,
    stores: &Stores,
    patience: Duration,
) -> anyhow::Result<Arc<dyn JobQueue>> {
    let j = &config.jobs;
    match &j.rabbitmq_url {
        Some(url) => {
            let rabbit = RabbitConfig {
                url: url.expose_secret().to_owned(),
                prefix: j.rabbitmq_prefix.clone(),
                max_attempts: j.max_attempts,
                ..RabbitConfig::default()
            };
            let deadline = tokio::time::Instant::now() + patience;
            let mut pause = Duration::from_millis(500);
            loop {
                match RabbitQueue::connect(rabbit.clone()).await {
                    Ok(queue) => return Ok(Arc::new(queue)),
                    Err(e) if tokio::time::Instant::now() + pause < deadline => {
                        tracing::warn!(error = %e, retry_in = ?pause, "RabbitMQ is not reachable yet");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(10));
                    }
                    Err(e) => {
                        return Err(e).context("cannot connect to RabbitMQ (RABBITMQ_URL)");
                    }
                }
            }
        }
        None => Ok(Arc::new(DbQueue::new(
            stores.job_table.clone(),
            Arc::new(SystemClock),
            DbConfig {
                max_attempts: j.max_attempts,
                ..DbConfig::default()
            },
        ))),
    }
}

/// Which queue is used, for the start-up lines.
pub fn queue_name(config: &Config) -> &'static str {
    if config.jobs.rabbitmq_url.is_some() {
        "RabbitMQ"
    } else {
        "embedded (in the database)"
    }
}

/// Notices through the Telegram bot, when one is configured (a process without the bot
/// connects its own sender on the same token).
pub async fn notices(
    config: &Config,
    app: &StaffPro,
    stores: &Stores,
    bot: Option<&bot::TelegramBot>,
) -> anyhow::Result<Option<Arc<dyn Notices>>> {
    let effects = stores.background.clone();
    if let Some(bot) = bot {
        return Ok(Some(Arc::new(bot::notices::BotNotices::of_bot(
            bot, effects,
        ))));
    }
    let Some(t) = &config.telegram else {
        return Ok(None);
    };
    let bot_config = bot::BotConfig {
        token: t.token.expose_secret().to_owned(),
        api_url: t.api_url.clone(),
        webhook: None,
        limits: config.telegram_limits.clone(),
    };
    let notices = bot::notices::BotNotices::connect(
        app.clone(),
        stores.bot_state.clone(),
        effects,
        &bot_config,
    )
    .await
    .context("cannot reach Telegram for notices")?;
    Ok(Some(Arc::new(notices)))
}

/// The worker with every StaffProBot handler.
pub fn worker(
    config: &Config,
    app: &StaffPro,
    stores: &Stores,
    queue: Arc<dyn JobQueue>,
    notices: Option<Arc<dyn Notices>>,
) -> Arc<Worker> {
    let handlers = tasks::handlers(tasks::Context {
        app: app.clone(),
        store: stores.background.clone(),
        bot_state: stores.bot_state.clone(),
        notices,
        settings: config.jobs.settings,
    });
    Arc::new(Worker::new(
        queue,
        handlers,
        stores.background.clone(),
        Arc::new(SystemClock),
        WorkerConfig {
            concurrency: config.jobs.concurrency,
            ..WorkerConfig::default()
        },
    ))
}

pub fn relay(stores: &Stores, queue: Arc<dyn JobQueue>) -> Arc<Relay> {
    Arc::new(Relay::new(
        stores.background.clone(),
        queue,
        Arc::new(SystemClock),
        RelayConfig::default(),
    ))
}

pub fn scheduler(schedule: &Schedule, stores: &Stores) -> Arc<Scheduler> {
    Arc::new(Scheduler::new(
        stores.background.clone(),
        schedule.entries(),
        Arc::new(SystemClock),
        holder_name(),
        SchedulerConfig::default(),
    ))
}

/// This process in the scheduler lease: host, process id and a random part (two processes in
/// containers may share a pid).
fn holder_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let mut random = [0u8; 4];
    let _ = getrandom::fill(&mut random);
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        u32::from_le_bytes(random)
    )
}

/// What `scheduler --once` did.
#[derive(Debug, Default)]
pub struct OnceReport {
    /// False when another scheduler holds the lease (it fires the ticks itself).
    pub active: bool,
    pub fired: Vec<String>,
    /// Jobs relayed from the outbox to the queue.
    pub relayed: usize,
    /// Jobs done here (embedded queue only).
    pub worked: u64,
}

/// Fires every entry that is due now, once; relays the outbox; with the embedded queue also
/// does the enqueued work until none is ready.
pub async fn once(
    scheduler: &Scheduler,
    relay: &Relay,
    worker: Option<&Worker>,
) -> anyhow::Result<OnceReport> {
    let pass = scheduler.pass().await.context("cannot fire the schedule")?;
    let mut report = OnceReport {
        active: pass.active,
        fired: pass
            .fired
            .iter()
            .map(|(name, at)| format!("{name} ({})", at.format("%Y-%m-%d %H:%M UTC")))
            .collect(),
        ..OnceReport::default()
    };
    if let Err(e) = scheduler.release().await {
        tracing::warn!(error = %e, "could not give the scheduler lease up");
    }
    // A bounded number of rounds: scans enqueue per-item jobs, which enqueue nothing further.
    for _ in 0..16 {
        let relayed = relay
            .relay_once()
            .await
            .context("cannot relay the outbox")?;
        report.relayed += relayed;
        let worked = match worker {
            Some(w) => w
                .work_off_ready()
                .await
                .context("cannot work off the queue")?,
            None => 0,
        };
        report.worked += worked;
        if relayed == 0 && worked == 0 {
            break;
        }
    }
    Ok(report)
}
