//! `staffprobot jobs …` (queue depths, the outbox, dead letters; retry or drop a dead job) and
//! `staffprobot scheduler --once`.

use crate::background;
use crate::config::Config;
use crate::wiring::{self, Migrations};
use anyhow::{Context, bail};
use clap::Subcommand;
use jobs::Area;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Jobs waiting per area (ready, delayed, dead), consumers, and the outbox.
    Status,
    /// The dead letters of an area (jobs that failed for good), oldest first, with why.
    Dead {
        /// notifications, shifts or analytics.
        #[arg(long, value_parser = parse_area)]
        area: Area,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Put a dead job back to work (its attempts start again).
    Retry {
        #[arg(long, value_parser = parse_area)]
        area: Area,
        /// The job's id, as `jobs dead` shows it.
        #[arg(long)]
        id: String,
    },
    /// Forget a dead job.
    Drop {
        #[arg(long, value_parser = parse_area)]
        area: Area,
        #[arg(long)]
        id: String,
    },
}

fn parse_area(s: &str) -> Result<Area, String> {
    Area::parse(s.trim())
        .ok_or_else(|| format!("expected notifications, shifts or analytics, got {s:?}"))
}

pub async fn execute(config: &Config, command: JobsCommand) -> anyhow::Result<()> {
    let stores = wiring::open_stores(config, Migrations::Skip).await?;
    let queue = background::queue(config, &stores).await?;
    let result = async {
        match command {
            JobsCommand::Status => {
                let depths = queue.depths().await.context("cannot read the queue")?;
                let outbox = stores
                    .background
                    .outbox_len()
                    .await
                    .context("cannot read the outbox")?;
                println!("Queue: {}", background::queue_name(config));
                println!(
                    "{:<14} {:>8} {:>8} {:>8} {:>10}",
                    "area", "ready", "delayed", "dead", "consumers"
                );
                for d in depths {
                    println!(
                        "{:<14} {:>8} {:>8} {:>8} {:>10}",
                        d.area.as_str(),
                        d.ready,
                        d.delayed,
                        d.dead,
                        d.consumers
                    );
                }
                println!("Outbox (waiting to be relayed): {outbox}");
            }
            JobsCommand::Dead { area, limit } => {
                let dead = queue
                    .dead_letters(area, limit)
                    .await
                    .context("cannot read the dead letters")?;
                if dead.is_empty() {
                    println!("No dead letters in {area}.");
                }
                for d in dead {
                    println!(
                        "{}  kind={}  attempts={}  enqueued={}\n    {}",
                        d.job.id,
                        d.job.kind,
                        d.job.attempt,
                        d.job.enqueued_at.format("%Y-%m-%d %H:%M:%S UTC"),
                        d.reason
                    );
                }
            }
            JobsCommand::Retry { area, id } => {
                if !queue.requeue_dead(area, &id).await.context("cannot retry")? {
                    bail!("no dead job {id:?} in {area}; `staffprobot jobs dead --area {area}` lists them");
                }
                println!("Job {id} is back in {area}.");
            }
            JobsCommand::Drop { area, id } => {
                if !queue.drop_dead(area, &id).await.context("cannot drop")? {
                    bail!("no dead job {id:?} in {area}; `staffprobot jobs dead --area {area}` lists them");
                }
                println!("Job {id} dropped from {area}.");
            }
        }
        Ok(())
    }
    .await;
    stores.close().await;
    result
}

/// `scheduler --once`.
pub async fn scheduler_once(config: &Config) -> anyhow::Result<()> {
    let stores = wiring::open_stores(config, Migrations::Apply).await?;
    let (app, _) = wiring::service(config, &stores);
    let result = async {
        let queue = background::queue(config, &stores).await?;
        let scheduler = background::scheduler(&config.jobs.schedule, &stores);
        let relay = background::relay(&stores, queue.clone());
        // Without RabbitMQ nobody else may be consuming: do the work here.
        let worker = match config.jobs.rabbitmq_url {
            Some(_) => None,
            None => {
                let notices = background::notices(config, &app, &stores, None).await?;
                Some(background::worker(config, &app, &stores, queue, notices))
            }
        };
        let report = background::once(&scheduler, &relay, worker.as_deref()).await?;
        if !report.active {
            println!("Another scheduler holds the lease and fires the schedule; nothing fired.");
        } else if report.fired.is_empty() {
            println!("Nothing was due: every entry already fired for now.");
        } else {
            println!("Fired: {}", report.fired.join(", "));
        }
        println!(
            "Relayed {} job(s) to the {} queue; did {} here.",
            report.relayed,
            background::queue_name(config),
            report.worked
        );
        Ok(())
    }
    .await;
    stores.close().await;
    result
}
