//! The command line: `run`, `api`, `migrate` and the operator commands that work without the bot.

use crate::config::Config;
use crate::serve::{self, Role};
use crate::wiring::{self, Migrations};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use demo::{DEMO_OWNER_TELEGRAM_ID, DemoOptions};
use domain::Language;

/// StaffProBot: shift work at several sites, run from Telegram.
///
/// Configuration comes from environment variables, checked at start (README lists them all):
/// DATABASE_URL (postgres://… or sqlite://…; default sqlite://./data/staffprobot.db),
/// DATABASE_MAX_CONNECTIONS, DATABASE_STATEMENT_TIMEOUT_MS, HTTP_ADDR (default 127.0.0.1:8000;
/// `/metrics` is served there), PROMETHEUS_PORT (a `/metrics` listener of its own for the bot,
/// worker and scheduler; 0 = any free port), METRICS_ENABLED (default true), LOG_FORMAT (text|json; level via RUST_LOG), SHUTDOWN_TIMEOUT_SECONDS, TELEGRAM_BOT_TOKEN,
/// TELEGRAM_API_URL, TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET, Telegram's flood limits
/// (TELEGRAM_RATE_PER_SECOND, TELEGRAM_CHAT_RATE_PER_SECOND, TELEGRAM_GROUP_RATE_PER_MINUTE;
/// 0 = unlimited; shared through Redis with REDIS_URL) and the shift rules
/// (LOCATION_MAX_ACCURACY_M, LOCATION_MAX_AGE_SECONDS, AUTO_CLOSE_GRACE_MINUTES, SHIFT_MAX_HOURS,
/// PLAN_CANCEL_CUTOFF_MINUTES, LOCATION_RETENTION_DAYS), REPORT_JOB_SHIFTS (bigger report files are
/// made by a background job), and the cache: CACHE_ENABLED, REDIS_URL, REDIS_DB,
/// CACHE_REDIS_PREFIX, CACHE_REDIS_TIMEOUT_MS, CACHE_L1_CAPACITY, CACHE_NEGATIVE_TTL_SECONDS,
/// CACHE_TTL_PEOPLE_SECONDS, CACHE_TTL_SITES_SECONDS, CACHE_TTL_ACTIVE_SHIFTS_SECONDS,
/// CACHE_TTL_ANALYTICS_SECONDS, CACHE_CODEC_PEOPLE, CACHE_CODEC_SITES, CACHE_CODEC_ACTIVE_SHIFTS,
/// CACHE_CODEC_ANALYTICS, and background jobs: RABBITMQ_URL, RABBITMQ_PREFIX, JOBS_MAX_ATTEMPTS,
/// WORKER_CONCURRENCY, REMINDER_SCAN_MINUTES, REMINDER_LEAD_MINUTES, NO_SHOW_SCAN_MINUTES,
/// NO_SHOW_GRACE_MINUTES, AUTO_CLOSE_SCAN_MINUTES, CLEANUP_EVERY_HOURS, CACHE_REFRESH_MINUTES,
/// KEEP_JOB_RECORDS_DAYS, KEEP_IDLE_DIALOGUES_DAYS, AUDIT_REPEATED_POINTS, AUDIT_MAX_SPEED_KMH,
/// PAY_STATEMENT_MONTHS.
#[derive(Debug, Parser)]
#[command(name = "staffprobot", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run everything in one process: migrations, the HTTP API, the bot, the worker, the scheduler.
    ///
    /// Applies pending migrations, then serves the HTTP API and, with TELEGRAM_BOT_TOKEN, the
    /// Telegram bot, and runs background jobs and the schedule (on the embedded queue in the
    /// database unless RABBITMQ_URL is set). With no configuration it uses a SQLite file in ./data. If the HTTP server or
    /// the bot stops on its own, the process says why and exits non-zero; SIGTERM or Ctrl-C
    /// finishes the work in flight (up to SHUTDOWN_TIMEOUT_SECONDS) and exits 0.
    #[command(
        after_help = "Examples:\n  staffprobot run\n  DATABASE_URL=postgres://postgres@127.0.0.1/staffprobot HTTP_ADDR=0.0.0.0:8000 staffprobot run"
    )]
    Run,
    /// Serve the HTTP API only (run several behind a load balancer).
    ///
    /// Does not migrate: /ready answers 503 until `staffprobot migrate` has brought the schema up
    /// to this version. Exits non-zero if the HTTP server stops on its own; SIGTERM or Ctrl-C
    /// finishes the requests in flight (up to SHUTDOWN_TIMEOUT_SECONDS) and exits 0.
    #[command(
        after_help = "Example:\n  DATABASE_URL=postgres://postgres@127.0.0.1/staffprobot staffprobot api"
    )]
    Api,
    /// Run the Telegram bot alone (needs TELEGRAM_BOT_TOKEN).
    ///
    /// Long polling, or webhook mode when TELEGRAM_WEBHOOK_URL is set (then it serves the webhook
    /// on HTTP_ADDR). Exits non-zero when the bot cannot go on (Telegram no longer accepts the
    /// token); SIGTERM or Ctrl-C finishes the updates in flight and exits 0.
    #[command(
        after_help = "Examples:\n  TELEGRAM_BOT_TOKEN=123456:AA… staffprobot bot\n  TELEGRAM_BOT_TOKEN=123456:AA… TELEGRAM_WEBHOOK_URL=https://bot.example.com/telegram/webhook HTTP_ADDR=0.0.0.0:8443 staffprobot bot"
    )]
    Bot,
    /// Run background jobs: reminders, no-show alerts, auto-close, clean-up, notices.
    ///
    /// Consumes the queue (RabbitMQ with RABBITMQ_URL, else the embedded queue in the
    /// database) with WORKER_CONCURRENCY jobs at once per area, and relays the outbox to it.
    /// Run as many as you like. SIGTERM or Ctrl-C finishes the jobs in hand and exits 0.
    #[command(
        after_help = "Example:\n  DATABASE_URL=postgres://postgres@127.0.0.1/staffprobot RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672/%2f staffprobot worker"
    )]
    Worker,
    /// Fire the schedule: the reminder, no-show, auto-close and clean-up scans.
    ///
    /// Several may run; one holds the lease and fires, each tick once. With --once: fire every
    /// entry that is due now, relay the outbox, and (without RABBITMQ_URL) do the enqueued work
    /// here, then exit — for cron-style deployments and operators.
    #[command(after_help = "Examples:\n  staffprobot scheduler\n  staffprobot scheduler --once")]
    Scheduler {
        /// Fire what is due now, once, and exit.
        #[arg(long)]
        once: bool,
    },
    /// Background jobs: queue depths, the outbox and dead letters; retry or drop dead ones.
    #[command(subcommand)]
    Jobs(crate::jobs_cli::JobsCommand),
    /// Apply pending database migrations and exit.
    #[command(
        after_help = "Example:\n  DATABASE_URL=postgres://postgres@127.0.0.1/staffprobot staffprobot migrate"
    )]
    Migrate,
    /// Manage owners (people who create sites).
    #[command(subcommand)]
    Owner(OwnerCommand),
    /// Issue or revoke HTTP API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Demo data (the same generator the tests and benchmarks use).
    #[command(subcommand)]
    Demo(DemoCommand),
    /// The cache: its statistics, and emptying it.
    #[command(subcommand)]
    Cache(CacheCommand),
}

#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// Hits, misses, errors, loads, evictions and invalidations per kind and tier.
    ///
    /// With REDIS_URL: summed over every process sharing that Redis (each adds its counts
    /// every second). Without Redis each process keeps its own, and logs them every 10 minutes
    /// and when it stops.
    Stats,
    /// Empty the cache of every process (one kind, or all), e.g. after changing the database by
    /// hand. Running processes drop their copies within a second.
    Flush {
        /// people, sites, active_shifts or analytics (all kinds when left out).
        #[arg(long)]
        kind: Option<cache::Kind>,
    },
}

#[derive(Debug, Subcommand)]
enum OwnerCommand {
    /// Register a person as an owner (by Telegram id; registers them if new).
    #[command(
        after_help = "Example:\n  staffprobot owner add --telegram-id 123456789 --name \"Анна Смирнова\""
    )]
    Add {
        /// The person's numeric Telegram user id.
        #[arg(long)]
        telegram_id: i64,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Language of the bot's messages: ru or en.
        #[arg(long, default_value = "ru")]
        language: String,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue a new API token for a registered person; it is printed once, only its hash is kept.
    #[command(
        after_help = "Example:\n  staffprobot token issue --telegram-id 123456789 --label \"accounting export\""
    )]
    Issue {
        #[arg(long)]
        telegram_id: i64,
        /// A note to recognise the token by.
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// Revoke every API token of a person.
    #[command(after_help = "Example:\n  staffprobot token revoke --telegram-id 123456789")]
    Revoke {
        #[arg(long)]
        telegram_id: i64,
    },
}

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Load a realistic demo data set: 3 owners, 12 sites in 5 time zones, 60 employees, 3 months
    /// of shifts, a few running shifts and plans for the next 2 weeks.
    #[command(
        after_help = "Examples:\n  staffprobot demo seed\n  staffprobot demo seed --copies 66 --history-days 365 --no-live   # ~1,000,000 shifts for benchmarks"
    )]
    Seed(SeedArgs),
}

#[derive(Debug, Args)]
struct SeedArgs {
    /// Random seed (the same seed gives the same data).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Days of finished shifts before today.
    #[arg(long, default_value_t = 92, value_parser = clap::value_parser!(u32).range(1..=3660))]
    history_days: u32,
    /// Copies of the three demo businesses (for benchmark-scale data).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    copies: u32,
    /// Skip running shifts and upcoming plans.
    #[arg(long)]
    no_live: bool,
}

pub async fn execute(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command {
        Command::Run => serve::run(config, Role::Everything).await,
        Command::Api => serve::run(config, Role::Api).await,
        Command::Bot => serve::run(config, Role::Bot).await,
        Command::Worker => serve::run(config, Role::Worker).await,
        Command::Scheduler { once: false } => serve::run(config, Role::Scheduler).await,
        Command::Scheduler { once: true } => crate::jobs_cli::scheduler_once(&config).await,
        Command::Jobs(command) => crate::jobs_cli::execute(&config, command).await,
        Command::Migrate => {
            wiring::open_stores(&config, Migrations::Apply)
                .await?
                .close()
                .await;
            println!("Migrations applied to {}", config.database_url.redacted());
            Ok(())
        }
        Command::Owner(OwnerCommand::Add {
            telegram_id,
            name,
            language,
        }) => {
            let language = Language::parse(&language).context("--language")?;
            let owner = with_app(&config, async |app| {
                Ok(app.add_owner(telegram_id, &name, language).await?)
            })
            .await?;
            println!(
                "Owner {} (Telegram id {}) is registered. Issue an API token with:\n  staffprobot token issue --telegram-id {}",
                owner.name.as_str(),
                owner.telegram_id,
                owner.telegram_id
            );
            Ok(())
        }
        Command::Token(TokenCommand::Issue { telegram_id, label }) => {
            let issued = with_app(&config, async |app| {
                Ok(app.issue_api_token(telegram_id, &label).await)
            })
            .await?;
            let (user, token) = match issued {
                Err(app::AppError::NotFound(_)) => bail!(
                    "nobody with Telegram id {telegram_id} is registered; add them first with `staffprobot owner add --telegram-id {telegram_id} --name NAME`"
                ),
                other => other?,
            };
            println!(
                "API token for {} (shown once, keep it safe):\n{token}",
                user.name.as_str()
            );
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { telegram_id }) => {
            let n = with_app(&config, async |app| {
                Ok(app.revoke_api_tokens(telegram_id).await?)
            })
            .await?;
            println!("Revoked {n} token(s) of Telegram id {telegram_id}.");
            Ok(())
        }
        Command::Cache(command) => cache_command(&config, command).await,
        Command::Demo(DemoCommand::Seed(args)) => {
            let opts = DemoOptions {
                seed: args.seed,
                history_days: args.history_days,
                copies: args.copies,
                live_data: !args.no_live,
            };
            let started = std::time::Instant::now();
            let s = with_app(&config, async |app| Ok(demo::seed(app, opts).await?)).await?;
            println!(
                "Demo data loaded in {:.1} s: {} sites, {} employees, {} finished shifts, {} running, {} planned.",
                started.elapsed().as_secs_f64(),
                s.sites,
                s.employees,
                s.finished_shifts,
                s.active_shifts,
                s.planned_shifts
            );
            for (telegram_id, name) in &s.owners {
                println!("  owner {name}: Telegram id {telegram_id}");
            }
            println!(
                "Get an API token for the first owner with:\n  staffprobot token issue --telegram-id {DEMO_OWNER_TELEGRAM_ID}"
            );
            Ok(())
        }
    }
}

/// Runs `work` on the use-cases over the configured store, then sends the cache's pending
/// invalidations, so a change made here reaches the running servers.
async fn with_app<T>(
    config: &Config,
    work: impl AsyncFnOnce(&app::StaffPro) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let stores = wiring::open_stores(config, Migrations::Apply).await?;
    let (app, _) = wiring::service(config, &stores);
    let result = work(&app).await;
    stores.close().await;
    result
}

async fn cache_command(config: &Config, command: CacheCommand) -> anyhow::Result<()> {
    let stores = wiring::open_stores(config, Migrations::Skip).await?;
    let Some(cache) = &stores.cache else {
        bail!("the cache is off (CACHE_ENABLED=false)");
    };
    let redis = config
        .cache
        .as_ref()
        .and_then(|c| c.redis.as_ref())
        .is_some();
    match command {
        CacheCommand::Stats => match cache.cluster_stats().await {
            Some(stats) => println!("Cache statistics of every process using this Redis:\n{stats}"),
            None if redis => bail!("Redis does not answer: no statistics to show"),
            None => println!(
                "No REDIS_URL: each process keeps its own cache statistics and logs them every \
                 10 minutes and when it stops (look for \"cache statistics\")."
            ),
        },
        CacheCommand::Flush { kind } => {
            cache.flush(kind).await;
            match kind {
                Some(kind) => println!("Flushed the {kind} cache of every process."),
                None => println!("Flushed the whole cache of every process."),
            }
        }
    }
    stores.close().await;
    Ok(())
}
