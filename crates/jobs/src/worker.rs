//! The worker: takes deliveries of every area from the queue and runs the handler of each job's
//! kind. A job whose key is recorded as done is acked without running again (the queue delivers
//! at least once); a handler that fails is retried with a growing delay, then dead-lettered.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::background::EffectStore;
use app::{Area, Clock};
use async_trait::async_trait;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::measures::{self, Processed};
use crate::queue::{Backoff, Delivery, Job, JobQueue, QueueError, RetryOutcome};

/// What became of one run of a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The effect happened (or was not needed): record the key, ack.
    Done,
    /// Failed for now (a service unreachable): try again after a delay.
    Retry(String),
    /// Can never succeed (a bad payload): straight to the dead letters.
    Fail(String),
}

/// Runs jobs of one kind. Handlers are idempotent on `Job::id`.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    async fn handle(&self, job: &Job) -> Outcome;
}

/// Handlers by job kind, each with the area its jobs go to.
#[derive(Default, Clone)]
pub struct Handlers {
    by_kind: HashMap<String, (Area, Arc<dyn Handler>)>,
}

impl Handlers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, kind: &str, area: Area, handler: Arc<dyn Handler>) -> &mut Self {
        self.by_kind.insert(kind.to_owned(), (area, handler));
        self
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn Handler>> {
        self.by_kind.get(kind).map(|(_, h)| h)
    }

    /// The areas some handler serves: the worker consumes only those.
    pub fn areas(&self) -> Vec<Area> {
        let mut areas: Vec<Area> = self.by_kind.values().map(|(a, _)| *a).collect();
        areas.sort();
        areas.dedup();
        areas
    }
}

/// How the worker runs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Jobs run at once per area (also the prefetch).
    pub concurrency: u16,
    pub backoff: Backoff,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 8,
            backoff: Backoff::default(),
        }
    }
}

pub struct Worker {
    queue: Arc<dyn JobQueue>,
    handlers: Handlers,
    effects: Arc<dyn EffectStore>,
    clock: Arc<dyn Clock>,
    config: WorkerConfig,
}

impl Worker {
    pub fn new(
        queue: Arc<dyn JobQueue>,
        handlers: Handlers,
        effects: Arc<dyn EffectStore>,
        clock: Arc<dyn Clock>,
        config: WorkerConfig,
    ) -> Self {
        Self {
            queue,
            handlers,
            effects,
            clock,
            config,
        }
    }

    /// Consumes every area until `shutdown`, then lets the jobs in hand finish (they are acked;
    /// those not yet started go back to the queue). Returns an error when the queue cannot be
    /// consumed at all.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), QueueError> {
        let mut tasks = tokio::task::JoinSet::new();
        for area in self.handlers.areas() {
            let deliveries = self.queue.consume(area, self.config.concurrency).await?;
            let worker = self.clone();
            let stop = shutdown.clone();
            tasks.spawn(async move {
                let concurrency = usize::from(worker.config.concurrency.max(1));
                deliveries
                    .take_until(stop.cancelled_owned())
                    .for_each_concurrent(concurrency, |next| {
                        let worker = worker.clone();
                        async move {
                            match next {
                                Ok(delivery) => worker.process(delivery).await,
                                Err(e) => {
                                    tracing::warn!(%area, error = %e, "the queue failed a delivery");
                                    tokio::time::sleep(Duration::from_millis(500)).await;
                                }
                            }
                        }
                    })
                    .await;
            });
        }
        tasks.spawn(self.clone().watch_depths(shutdown.clone()));
        tracing::info!(areas = ?self.handlers.areas(), "worker started");
        while tasks.join_next().await.is_some() {}
        tracing::info!("worker stopped");
        Ok(())
    }

    /// Runs one delivery to its end: a duplicate (done before), succeeded, retried or
    /// dead-lettered — and counts it so.
    #[tracing::instrument(skip_all, fields(job = %delivery.job().id, kind = %delivery.job().kind))]
    pub async fn process(&self, delivery: Delivery) {
        let job = delivery.job().clone();
        // Kinds come from our own code, but a stray one must not grow the label set.
        let kind = if self.handlers.get(&job.kind).is_some() {
            job.kind.as_str()
        } else {
            "unknown"
        };
        measures::started(kind);
        let started = Instant::now();
        let outcome = self.outcome(&job).await;
        let took = started.elapsed();
        let (processed, settled) = match outcome {
            None => (Processed::Duplicate, delivery.ack().await),
            Some(Outcome::Done) => {
                if let Err(e) = self.effects.record_effect(&job.id, self.clock.now()).await {
                    tracing::warn!(error = %e, "could not record the job done; acking anyway");
                }
                (Processed::Succeeded, delivery.ack().await)
            }
            Some(Outcome::Retry(error)) => {
                let delay = self.config.backoff.delay(job.attempt);
                match delivery.retry(delay, &error).await {
                    Ok(RetryOutcome::Scheduled) => {
                        tracing::info!(attempt = job.attempt + 1, ?delay, %error, "job will be retried");
                        (Processed::Retried, Ok(()))
                    }
                    Ok(RetryOutcome::DeadLettered) => {
                        tracing::error!(%error, "job failed for good: dead-lettered");
                        (Processed::DeadLettered, Ok(()))
                    }
                    Err(e) => (Processed::Retried, Err(e)),
                }
            }
            Some(Outcome::Fail(error)) => {
                tracing::error!(%error, "job cannot succeed: dead-lettered");
                (Processed::DeadLettered, delivery.dead_letter(&error).await)
            }
        };
        let processed = match settled {
            Ok(()) => processed,
            Err(e) => {
                // The queue hands the job out again; its key keeps the effect single.
                tracing::warn!(error = %e, "could not settle the job");
                match processed {
                    // The effect happened; the next delivery is a duplicate.
                    Processed::Succeeded | Processed::Duplicate => processed,
                    Processed::Retried | Processed::DeadLettered => Processed::Retried,
                }
            }
        };
        measures::processed(kind, processed, took);
    }

    /// Reads how much work waits in every area into `staffprobot_queue_depth`.
    pub async fn refresh_queue_depth(&self) -> Result<(), QueueError> {
        let depths = self.queue.depths().await?;
        measures::queue_depths(&depths);
        Ok(())
    }

    /// Refreshes the queue depth every [`measures::DEPTH_REFRESH`] until `shutdown`; a queue
    /// that cannot be read is logged once per outage (the gauges keep their last values).
    async fn watch_depths(self: Arc<Self>, shutdown: CancellationToken) {
        let mut every = tokio::time::interval(measures::DEPTH_REFRESH);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every.tick() => {}
            }
            match self.refresh_queue_depth().await {
                Ok(()) => failing = false,
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "cannot read the queue depth for the metrics");
                        failing = true;
                    }
                }
            }
        }
    }

    /// None when the job's key is recorded as done already.
    async fn outcome(&self, job: &Job) -> Option<Outcome> {
        match self.effects.effect_done(&job.id).await {
            Ok(true) => return None,
            Ok(false) => {}
            Err(e) => return Some(Outcome::Retry(format!("cannot check the job's key: {e}"))),
        }
        let Some(handler) = self.handlers.get(&job.kind) else {
            return Some(Outcome::Fail(format!(
                "no handler for jobs of kind {}",
                job.kind
            )));
        };
        Some(handler.handle(job).await)
    }

    /// Handles the jobs that are ready now, area by area, until none is left; the number done.
    /// For `scheduler --once` and tests: the embedded queue, driven without a running worker.
    pub async fn work_off_ready(&self) -> Result<u64, QueueError> {
        let mut handled = 0;
        for depth in self.queue.depths().await? {
            if depth.ready == 0 || !self.handlers.areas().contains(&depth.area) {
                continue;
            }
            let mut deliveries = self
                .queue
                .consume(depth.area, self.config.concurrency)
                .await?;
            let mut left = depth.ready;
            while left > 0 {
                let next = tokio::time::timeout(Duration::from_secs(5), deliveries.next()).await;
                match next {
                    Ok(Some(Ok(delivery))) => {
                        self.process(delivery).await;
                        handled += 1;
                        left -= 1;
                    }
                    Ok(Some(Err(e))) => return Err(e),
                    Ok(None) | Err(_) => break,
                }
            }
        }
        Ok(handled)
    }
}
