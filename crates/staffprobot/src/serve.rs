//! The serving processes (`run`, `api`, `bot`, `worker`, `scheduler`): start the HTTP server,
//! the bot and background work, supervise them — one of them ending on its own (an error, a panic, or just returning) stops the whole
//! process with a non-zero exit, so an orchestrator restarts it rather than keeping a process
//! that looks alive and serves nothing — and on SIGTERM or Ctrl-C stop taking work and let what
//! is in flight finish within the shutdown deadline.

use crate::background;
use crate::config::Config;
use crate::wiring::{self, Migrations};
use anyhow::{Context, bail};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::{self, JoinSet};
use tokio_util::sync::CancellationToken;

/// What a serving process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `run`: migrations, the API, the bot, the worker and the scheduler in one process.
    Everything,
    /// `api`: the HTTP API only.
    Api,
    /// `bot`: the Telegram bot only (an HTTP server only for its webhook).
    Bot,
    /// `worker`: runs jobs and relays the outbox to the queue.
    Worker,
    /// `scheduler`: fires the schedule's ticks (one active among several).
    Scheduler,
}

/// Serves until SIGTERM or Ctrl-C (then finishes the work in flight and returns `Ok`), or until
/// a part stops on its own (then returns the reason as an error).
pub async fn run(config: Config, role: Role) -> anyhow::Result<()> {
    let migrations = if role == Role::Everything {
        Migrations::Apply
    } else {
        Migrations::Skip
    };
    // Before the stores: the cache registers its metric handles when it starts.
    let metrics = config
        .metrics_enabled
        .then(|| telemetry::install(env!("CARGO_PKG_VERSION")));
    let stores = wiring::open_stores(&config, migrations).await?;
    let bot_state = stores.bot_state.clone();
    let schema = stores.schema.clone();
    let (app, bus) = wiring::service(&config, &stores);
    if let Some(metrics) = &metrics {
        bus.subscribe(Arc::new(crate::metrics::ShiftCounters::new()))
            .forever();
        crate::metrics::watch_pool(metrics, stores.kind, stores.pool_status.clone());
    }
    let telegram = match role {
        Role::Api | Role::Worker | Role::Scheduler => None,
        Role::Everything => wiring::telegram_bot(&config, &app, bot_state.clone()).await?,
        Role::Bot => match wiring::telegram_bot(&config, &app, bot_state.clone()).await? {
            Some(b) => Some(b),
            None => {
                bail!("TELEGRAM_BOT_TOKEN is not set: the bot needs the token @BotFather gave you")
            }
        },
    };
    let notices = match role {
        Role::Everything | Role::Worker => {
            background::notices(&config, &app, &stores, telegram.as_ref()).await?
        }
        _ => None,
    };
    let webhook = telegram.as_ref().and_then(|b| b.webhook_router());
    let router = match role {
        Role::Worker | Role::Scheduler => None,
        Role::Bot => webhook.clone().map(|w| {
            let w = w.route("/health", axum::routing::get(|| async { "ok" }));
            match &metrics {
                Some(m) => w.merge(api::metrics::routes(m.clone())),
                None => w,
            }
        }),
        Role::Everything | Role::Api => Some(match webhook.clone() {
            Some(w) => wiring::http_router(&app, &schema, metrics.as_ref()).merge(w),
            None => wiring::http_router(&app, &schema, metrics.as_ref()),
        }),
    };
    // Listen for the stop signals before saying we run, so a signal sent right after the start-up
    // lines is a graceful stop and not the default "terminate at once".
    let signals = StopSignals::install().context("cannot listen for SIGTERM and Ctrl-C")?;

    println!(
        "StaffProBot is running (database: {}).",
        config.database_url.redacted()
    );
    let shutdown = CancellationToken::new();
    if metrics.is_some() {
        tokio::spawn(crate::metrics::refresh_figures(
            stores.background.clone(),
            shutdown.clone(),
        ));
    }
    if let Some(cache) = stores.cache.clone() {
        tracing::info!(redis = %cache.redis_state(), "cache started");
        tokio::spawn(log_cache_statistics(cache, shutdown.clone()));
    }
    let mut parts = Supervisor::default();
    if let Some(router) = router {
        let listener = TcpListener::bind(config.http_addr)
            .await
            .with_context(|| format!("cannot listen on HTTP_ADDR={}", config.http_addr))?;
        let addr = listener.local_addr().context("listener address")?;
        let base = format!("http://{addr}");
        if role != Role::Bot {
            println!("  API:     {base}/api/v1   (Authorization: Bearer <token>)");
            println!("  Docs:    {base}/docs");
            println!("  OpenAPI: {base}/openapi.json");
        }
        println!("  Health:  {base}/health   Ready: {base}/ready");
        if metrics.is_some() {
            println!("  Metrics: {base}/metrics");
        }
        tracing::info!(%addr, "http server listening");
        let stop = shutdown.clone();
        parts.spawn("the HTTP server", async move {
            api::serve(listener, router, stop.cancelled_owned())
                .await
                .context("the HTTP server failed")
        });
    }
    if let (Some(port), Some(metrics)) = (config.prometheus_port, &metrics) {
        let wanted = std::net::SocketAddr::new(config.http_addr.ip(), port);
        let listener = TcpListener::bind(wanted)
            .await
            .with_context(|| format!("cannot listen on PROMETHEUS_PORT={port} ({wanted})"))?;
        let addr = listener.local_addr().context("listener address")?;
        println!("  Metrics: http://{addr}/metrics   (PROMETHEUS_PORT)");
        tracing::info!(%addr, "metrics listener listening");
        let stop = shutdown.clone();
        let routes = api::metrics::routes(metrics.clone());
        parts.spawn("the metrics listener", async move {
            api::serve(listener, routes, stop.cancelled_owned())
                .await
                .context("the metrics listener failed")
        });
    }
    match telegram {
        Some(b) => {
            match (&config.telegram, b.webhook_router().is_some()) {
                (Some(t), true) => println!(
                    "  Telegram bot: @{} (webhook at {})",
                    b.username(),
                    t.webhook_url
                        .as_ref()
                        .map(|u| u.as_str())
                        .unwrap_or_default()
                ),
                _ => println!("  Telegram bot: @{} (long polling)", b.username()),
            }
            let stop = shutdown.clone();
            parts.spawn("the Telegram bot", async move {
                b.run(stop).await.context("the Telegram bot failed")
            });
        }
        None => {
            if role == Role::Everything {
                println!("  Telegram bot: off (set TELEGRAM_BOT_TOKEN to enable it).");
            }
        }
    }
    if matches!(role, Role::Everything | Role::Worker) {
        let queue = background::queue_patiently(&config, &stores).await?;
        if notices.is_none() {
            tracing::info!("no Telegram bot configured: jobs that only send notices are skipped");
        }
        let worker = background::worker(&config, &app, &stores, queue.clone(), notices.clone());
        let relay = background::relay(&stores, queue);
        println!(
            "  Jobs:    worker on the {} queue ({} at once per area)",
            background::queue_name(&config),
            config.jobs.concurrency
        );
        let stop = shutdown.clone();
        parts.spawn("the worker", async move {
            worker.run(stop).await.context("the worker failed")
        });
        let stop = shutdown.clone();
        parts.spawn("the outbox relay", async move {
            relay.run(stop).await;
            Ok(())
        });
    }
    if matches!(role, Role::Everything | Role::Scheduler) {
        let scheduler = background::scheduler(&config.jobs.schedule, &stores);
        let names: Vec<&str> = scheduler.entries().iter().map(|e| e.name).collect();
        println!("  Schedule: {}", names.join(", "));
        let stop = shutdown.clone();
        parts.spawn("the scheduler", async move {
            scheduler.run(stop).await;
            Ok(())
        });
    }
    if role == Role::Everything {
        println!(
            "  First time? `staffprobot demo seed` loads demo data; `staffprobot owner add` and `staffprobot token issue` give you access."
        );
    }
    println!("Press Ctrl-C to stop.");

    let first = tokio::select! {
        () = signals.recv() => None,
        exit = parts.next_exit(), if !parts.is_empty() => exit,
    };
    shutdown.cancel();
    match &first {
        None => tracing::info!(
            deadline_s = config.shutdown_timeout.as_secs(),
            "shutdown requested: finishing the work in flight"
        ),
        Some(exit) => tracing::error!(
            part = exit.name,
            reason = %exit.reason(),
            "a part of the process stopped on its own; stopping the rest"
        ),
    }
    let mut failures: Vec<Exit> = first.into_iter().collect();
    let drained = tokio::time::timeout(config.shutdown_timeout, async {
        while let Some(exit) = parts.next_exit().await {
            if let Err(why) = &exit.outcome {
                tracing::error!(part = exit.name, reason = %why, "failed while stopping");
                failures.push(exit);
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            deadline_s = config.shutdown_timeout.as_secs(),
            still_running = ?parts.running(),
            "the shutdown deadline passed: stopping without waiting further (SHUTDOWN_TIMEOUT_SECONDS)"
        );
        parts.abort_all();
    }
    if let Some(cache) = &stores.cache {
        tracing::info!("cache statistics (this process):\n{}", cache.stats());
    }
    stores.close().await;
    match failures.first() {
        None => {
            tracing::info!("stopped");
            Ok(())
        }
        Some(exit) => bail!("{} stopped: {}", exit.name, exit.reason()),
    }
}

/// Logs this process's cache statistics every 10 minutes (the way to see them without Redis or
/// Prometheus), until the process stops.
async fn log_cache_statistics(cache: cache::Cache, stop: CancellationToken) {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(600);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(EVERY) => {
                tracing::info!("cache statistics (this process):\n{}", cache.stats());
            }
        }
    }
}

/// How a supervised part ended.
#[derive(Debug)]
struct Exit {
    name: &'static str,
    /// `Ok` when it returned without an error; `Err` says why it stopped (error with its
    /// causes, or the panic message).
    outcome: Result<(), String>,
}

impl Exit {
    fn reason(&self) -> &str {
        match &self.outcome {
            Ok(()) => "it returned without being asked to stop",
            Err(why) => why,
        }
    }
}

/// The long-running parts of a process, each named for the log (zero2prod's `report_exit`).
#[derive(Default)]
struct Supervisor {
    tasks: JoinSet<anyhow::Result<()>>,
    names: HashMap<task::Id, &'static str>,
}

impl Supervisor {
    fn spawn(
        &mut self,
        name: &'static str,
        part: impl Future<Output = anyhow::Result<()>> + Send + 'static,
    ) {
        let handle = self.tasks.spawn(part);
        self.names.insert(handle.id(), name);
    }

    fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    fn running(&self) -> Vec<&'static str> {
        self.names.values().copied().collect()
    }

    fn abort_all(&mut self) {
        self.tasks.abort_all();
    }

    /// The next part to end; `None` once none is left.
    async fn next_exit(&mut self) -> Option<Exit> {
        let (id, outcome) = match self.tasks.join_next_with_id().await? {
            Ok((id, Ok(()))) => (id, Ok(())),
            // `{:#}`: the error and every cause under it, on one line.
            Ok((id, Err(e))) => (id, Err(format!("{e:#}"))),
            Err(e) if e.is_panic() => {
                let id = e.id();
                let payload = e.into_panic();
                let message = payload
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| payload.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                (id, Err(format!("panicked: {message}")))
            }
            Err(e) => (e.id(), Err("cancelled".to_owned())),
        };
        let name = self.names.remove(&id).unwrap_or("a task");
        Some(Exit { name, outcome })
    }
}

/// SIGTERM (what orchestrators send) and Ctrl-C.
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        Ok(Self {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?,
        })
    }

    /// Resolves at the first signal.
    async fn recv(mut self) {
        let ctrl_c = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let term = async {
            if self.term.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {},
            () = term => {},
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    #[tokio::test]
    async fn an_exit_names_the_part_and_why_it_stopped() {
        let mut parts = Supervisor::default();
        parts.spawn("the failing part", async {
            Err(anyhow::anyhow!("connection refused")).context("cannot reach the server")
        });
        let exit = parts.next_exit().await.unwrap();
        assert_eq!(exit.name, "the failing part");
        assert_eq!(
            exit.outcome,
            Err("cannot reach the server: connection refused".to_owned())
        );

        parts.spawn("the panicking part", async { panic!("lane 7 is broken") });
        let exit = parts.next_exit().await.unwrap();
        assert_eq!(exit.name, "the panicking part");
        assert_eq!(exit.outcome, Err("panicked: lane 7 is broken".to_owned()));

        parts.spawn("the quiet part", async { Ok(()) });
        let exit = parts.next_exit().await.unwrap();
        assert_eq!(exit.reason(), "it returned without being asked to stop");
        assert!(parts.next_exit().await.is_none());
        assert!(parts.is_empty());
    }
}
