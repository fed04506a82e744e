//! The command line: `run`, `api`, `migrate` and the operator commands that work without the bot.

use crate::config::Config;
use crate::wiring::{self, Migrations};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use domain::Language;
use testkit::demo::{DEMO_OWNER_TELEGRAM_ID, DemoOptions};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// StaffProBot: shift work at several sites, run from Telegram.
///
/// Configuration comes from environment variables (see README): DATABASE_URL (postgres://… or
/// sqlite://…; default sqlite://./data/staffprobot.db), HTTP_ADDR (default 127.0.0.1:8000),
/// LOG_FORMAT (text|json).
#[derive(Debug, Parser)]
#[command(name = "staffprobot", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run everything in one process: migrations, then the HTTP API (and, as they arrive, the bot,
    /// worker and scheduler). With no configuration it uses a SQLite file in ./data.
    #[command(
        after_help = "Examples:\n  staffprobot run\n  DATABASE_URL=postgres://postgres@127.0.0.1/staffprobot HTTP_ADDR=0.0.0.0:8000 staffprobot run"
    )]
    Run,
    /// Serve the HTTP API only (run several behind a load balancer). Does not migrate.
    #[command(
        after_help = "Example:\n  DATABASE_URL=postgres://postgres@127.0.0.1/staffprobot staffprobot api"
    )]
    Api,
    /// Run the Telegram bot alone (long polling, or webhook mode when TELEGRAM_WEBHOOK_URL is set,
    /// then it serves the webhook on HTTP_ADDR). Needs TELEGRAM_BOT_TOKEN.
    #[command(
        after_help = "Examples:\n  TELEGRAM_BOT_TOKEN=123456:AA… staffprobot bot\n  TELEGRAM_BOT_TOKEN=123456:AA… TELEGRAM_WEBHOOK_URL=https://bot.example.com/telegram/webhook HTTP_ADDR=0.0.0.0:8443 staffprobot bot"
    )]
    Bot,
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
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
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
        Command::Run => run(config, Role::Everything).await,
        Command::Api => run(config, Role::Api).await,
        Command::Bot => run(config, Role::Bot).await,
        Command::Migrate => {
            wiring::open_store(&config, Migrations::Apply).await?;
            println!("Migrations applied to {}", config.database_url.redacted());
            Ok(())
        }
        Command::Owner(OwnerCommand::Add {
            telegram_id,
            name,
            language,
        }) => {
            let language = Language::parse(&language).context("--language")?;
            let (app, _) = wiring::service(
                &config,
                wiring::open_store(&config, Migrations::Apply).await?,
            );
            let owner = app.add_owner(telegram_id, &name, language).await?;
            println!(
                "Owner {} (Telegram id {}) is registered. Issue an API token with:\n  staffprobot token issue --telegram-id {}",
                owner.name.as_str(),
                owner.telegram_id,
                owner.telegram_id
            );
            Ok(())
        }
        Command::Token(TokenCommand::Issue { telegram_id, label }) => {
            let (app, _) = wiring::service(
                &config,
                wiring::open_store(&config, Migrations::Apply).await?,
            );
            let (user, token) = match app.issue_api_token(telegram_id, &label).await {
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
            let (app, _) = wiring::service(
                &config,
                wiring::open_store(&config, Migrations::Apply).await?,
            );
            let n = app.revoke_api_tokens(telegram_id).await?;
            println!("Revoked {n} token(s) of Telegram id {telegram_id}.");
            Ok(())
        }
        Command::Demo(DemoCommand::Seed(args)) => {
            let (app, _) = wiring::service(
                &config,
                wiring::open_store(&config, Migrations::Apply).await?,
            );
            let opts = DemoOptions {
                seed: args.seed,
                history_days: args.history_days,
                copies: args.copies,
                live_data: !args.no_live,
            };
            let started = std::time::Instant::now();
            let s = testkit::demo::seed(&app, opts).await?;
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

/// What a serving process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `run`: migrations, the API and the bot in one process.
    Everything,
    /// `api`: the HTTP API only.
    Api,
    /// `bot`: the Telegram bot only (an HTTP server only for its webhook).
    Bot,
}

/// Serves until SIGTERM or Ctrl-C, then finishes the work in flight.
async fn run(config: Config, role: Role) -> anyhow::Result<()> {
    let migrations = if role == Role::Everything {
        Migrations::Apply
    } else {
        Migrations::Skip
    };
    let stores = wiring::open_stores(&config, migrations).await?;
    let bot_state = stores.bot_state;
    let (app, bus) = wiring::service(&config, stores.store);
    let telegram = match role {
        Role::Api => None,
        Role::Everything => wiring::telegram_bot(&config, &app, bot_state.clone(), &bus).await?,
        Role::Bot => match wiring::telegram_bot(&config, &app, bot_state.clone(), &bus).await? {
            Some(b) => Some(b),
            None => {
                bail!("TELEGRAM_BOT_TOKEN is not set: the bot needs the token @BotFather gave you")
            }
        },
    };
    let webhook = telegram.as_ref().and_then(|b| b.webhook_router());
    let router = match role {
        Role::Bot => webhook
            .clone()
            .map(|w| w.route("/health", axum::routing::get(|| async { "ok" }))),
        _ => Some(match webhook.clone() {
            Some(w) => api::router(app.clone()).merge(w),
            None => api::router(app.clone()),
        }),
    };

    println!(
        "StaffProBot is running (database: {}).",
        config.database_url.redacted()
    );
    let shutdown = CancellationToken::new();
    let mut server = None;
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
        tracing::info!(%addr, "http server listening");
        let stop = shutdown.clone();
        server = Some(tokio::spawn(async move {
            api::serve(listener, router, stop.cancelled_owned()).await
        }));
    }
    let bot_task = match telegram {
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
            Some(tokio::spawn(async move { b.run(stop).await }))
        }
        None => {
            if role == Role::Everything {
                println!("  Telegram bot: off (set TELEGRAM_BOT_TOKEN to enable it).");
            }
            None
        }
    };
    if role == Role::Everything {
        println!(
            "  First time? `staffprobot demo seed` loads demo data; `staffprobot owner add` and `staffprobot token issue` give you access."
        );
    }
    println!("Press Ctrl-C to stop.");

    shutdown_signal().await;
    shutdown.cancel();
    if let Some(bot) = bot_task {
        bot.await.context("the bot task failed")?;
    }
    if let Some(server) = server {
        server
            .await
            .context("the HTTP server task failed")?
            .context("HTTP server failed")?;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested: finishing requests in flight");
}
