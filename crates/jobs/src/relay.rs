//! The outbox relay: moves jobs written beside the changes they follow (the outbox table) onto
//! the queue, and forgets each only once the queue has confirmed it. With the queue down the
//! outbox grows; the claimed rows come back to the next relay pass when their hold runs out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::Clock;
use app::background::{Area, OutboxStore};
use tokio_util::sync::CancellationToken;

use crate::measures;
use crate::queue::{Job, JobQueue, QueueError};

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("the outbox cannot be read: {0}")]
    Store(#[from] app::StoreError),
    #[error("the queue did not take a job: {0}")]
    Queue(#[from] QueueError),
}

#[derive(Debug, Clone, Copy)]
pub struct RelayConfig {
    /// Entries claimed per pass.
    pub batch: u32,
    /// How long claimed entries stay ours; a relay that dies lets them go when it passes.
    pub hold: Duration,
    /// The pause between passes when the outbox was empty.
    pub idle: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch: 200,
            hold: Duration::from_secs(30),
            idle: Duration::from_millis(250),
        }
    }
}

pub struct Relay {
    outbox: Arc<dyn OutboxStore>,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
    config: RelayConfig,
}

impl Relay {
    pub fn new(
        outbox: Arc<dyn OutboxStore>,
        queue: Arc<dyn JobQueue>,
        clock: Arc<dyn Clock>,
        config: RelayConfig,
    ) -> Self {
        Self {
            outbox,
            queue,
            clock,
            config,
        }
    }

    /// One pass: claims a batch, publishes it in order and forgets what the queue confirmed.
    /// Returns how many jobs went to the queue; on a queue error the confirmed ones are still
    /// forgotten and the rest wait for their hold to run out.
    pub async fn relay_once(&self) -> Result<usize, RelayError> {
        let now = self.clock.now();
        let hold = chrono::Duration::from_std(self.config.hold)
            .unwrap_or_else(|_| chrono::Duration::seconds(30));
        let entries = self
            .outbox
            .claim_outbox(self.config.batch, now, now + hold)
            .await?;
        let (seqs, jobs): (Vec<i64>, Vec<(Area, Job)>) = entries
            .into_iter()
            .map(|entry| {
                let area = entry.job.area;
                let job = Job::new(
                    entry.job.id,
                    entry.job.kind,
                    entry.job.payload,
                    entry.created_at,
                );
                (entry.seq, (area, job))
            })
            .unzip();
        let (stored, failure) = self.queue.publish_all(&jobs).await;
        let published = &seqs[..stored.min(seqs.len())];
        if !published.is_empty() {
            self.outbox.remove_from_outbox(published).await?;
            measures::relayed(published.len());
        }
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(published.len()),
        }
    }

    /// Reads how many entries wait in the outbox into `staffprobot_outbox_depth`.
    pub async fn refresh_outbox_depth(&self) -> Result<(), RelayError> {
        measures::outbox_depth(self.outbox.outbox_len().await?);
        Ok(())
    }

    /// Relays until `shutdown`: passes back to back while there is work, pausing when idle or
    /// after an error (logged once per outage, not per pass). Refreshes the outbox depth every
    /// [`measures::DEPTH_REFRESH`].
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let mut failing = false;
        let mut measured: Option<Instant> = None;
        while !shutdown.is_cancelled() {
            if measured.is_none_or(|at| at.elapsed() >= measures::DEPTH_REFRESH) {
                measured = Some(Instant::now());
                if let Err(e) = self.refresh_outbox_depth().await {
                    tracing::debug!(error = %e, "cannot read the outbox depth for the metrics");
                }
            }
            let pause = match self.relay_once().await {
                Ok(n) => {
                    if failing {
                        tracing::info!("the outbox relay works again");
                        failing = false;
                    }
                    if n > 0 {
                        continue;
                    }
                    self.config.idle
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "the outbox relay cannot go on; jobs wait in the outbox");
                        failing = true;
                    }
                    self.config.idle.max(Duration::from_secs(1))
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }
}
