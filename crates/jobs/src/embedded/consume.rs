//! Consuming one area of the table: leasing in batches within the prefetch, waiting for work
//! (woken by a publish in this process, or polling), and settling each delivery by its lease.

use std::collections::VecDeque;
use std::sync::{Arc, Weak};
use std::time::Duration;

use app::job_table::{LeasedJob, TableSettlement};
use async_trait::async_trait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{Inner, after, queue_error};
use crate::queue::{Area, Delivery, Job, QueueError, Settlement};

/// Waits after the table failed to answer: short at first, at most 5 s.
fn failure_pause(failures: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << failures.min(6))).min(Duration::from_secs(5))
}

/// One consumer's state behind its stream. Dropping it (the stream) gives back the jobs it
/// leased but did not hand out yet.
pub(super) struct Consumer {
    inner: Arc<Inner>,
    area: Area,
    /// One permit per unsettled delivery: at most `prefetch` are out at once.
    room: Arc<Semaphore>,
    /// Leased, not yet handed out.
    leased: VecDeque<(LeasedJob, OwnedSemaphorePermit)>,
    failures: u32,
}

impl Consumer {
    pub fn new(inner: Arc<Inner>, area: Area, room: Arc<Semaphore>) -> Self {
        Self {
            inner,
            area,
            room,
            leased: VecDeque::new(),
            failures: 0,
        }
    }

    /// The next job; waits as long as it takes, and rides out a table that does not answer.
    pub async fn next(&mut self) -> Delivery {
        loop {
            if let Some((job, permit)) = self.leased.pop_front() {
                if let Some(delivery) = self.deliver(job, permit).await {
                    return delivery;
                }
                continue;
            }
            let Ok(first) = Arc::clone(&self.room).acquire_owned().await else {
                // The semaphore is never closed; should it be, no more work can be taken.
                return std::future::pending().await;
            };
            let mut permits = vec![first];
            while let Ok(permit) = Arc::clone(&self.room).try_acquire_owned() {
                permits.push(permit);
            }
            // Listen before looking, so a publish between the lease and the wait still wakes.
            let inner = Arc::clone(&self.inner);
            let woken = inner.wake(self.area).notified();
            tokio::pin!(woken);
            woken.as_mut().enable();

            let now = inner.now();
            let until = after(now, inner.config.lease_timeout);
            let limit = u32::try_from(permits.len()).unwrap_or(u32::MAX);
            match inner
                .table
                .lease_jobs(self.area, limit, now, until, inner.max_deliveries())
                .await
            {
                Ok(batch) => {
                    self.failures = 0;
                    if batch.dead_lettered > 0 {
                        tracing::warn!(
                            area = %self.area,
                            jobs = batch.dead_lettered,
                            "jobs handed out too often without a settle were dead-lettered"
                        );
                    }
                    let found = !batch.jobs.is_empty() || batch.dead_lettered > 0;
                    // The table honours the limit: a permit for every job; the rest go back.
                    self.leased.extend(batch.jobs.into_iter().zip(permits));
                    if !found {
                        tokio::select! {
                            () = &mut woken => {}
                            () = tokio::time::sleep(inner.config.poll_interval) => {}
                        }
                    }
                }
                Err(error) => {
                    drop(permits);
                    tracing::warn!(area = %self.area, %error, "cannot lease jobs; retrying");
                    tokio::time::sleep(failure_pause(self.failures)).await;
                    self.failures = self.failures.saturating_add(1);
                }
            }
        }
    }

    /// A job, or None for a row that is not one (its payload is not JSON): it goes to the
    /// dead letters as is, since no worker could ever handle it.
    async fn deliver(&self, leased: LeasedJob, permit: OwnedSemaphorePermit) -> Option<Delivery> {
        let settlement = TableLease {
            inner: Arc::clone(&self.inner),
            area: self.area,
            seq: leased.seq,
            token: leased.token,
            settled: false,
            _permit: permit,
        };
        match serde_json::from_str(&leased.payload) {
            Ok(payload) => {
                let job = Job {
                    id: leased.id,
                    kind: leased.kind,
                    payload,
                    attempt: leased.attempt,
                    enqueued_at: leased.enqueued_at,
                };
                Some(Delivery::new(
                    job,
                    leased.deliveries > 1,
                    self.inner.config.max_attempts,
                    Box::new(settlement),
                ))
            }
            Err(error) => {
                tracing::error!(area = %self.area, job = %leased.id, %error, "not a job; dead-lettered");
                let reason = format!("the payload is not JSON: {error}");
                let dead = TableSettlement::DeadLetter {
                    attempt: leased.attempt,
                    reason,
                };
                if let Err(error) = Box::new(settlement).settle(dead).await {
                    tracing::warn!(%error, "could not dead-letter a row that is not a job");
                }
                None
            }
        }
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        self.inner.consumer_left(self.area);
        if self.leased.is_empty() {
            return;
        }
        let leases: Vec<(i64, i64)> = self
            .leased
            .drain(..)
            .map(|(job, _permit)| (job.seq, job.token))
            .collect();
        // Without a runtime (it is shutting down) the leases simply run out.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let inner = Arc::clone(&self.inner);
        let area = self.area;
        runtime.spawn(async move {
            for (seq, token) in leases {
                // Never handed to a worker: the delivery is given back, not counted.
                let release = TableSettlement::Release { delivered: false };
                if let Err(error) = inner
                    .table
                    .settle_job(seq, token, release, inner.now())
                    .await
                {
                    tracing::warn!(%area, seq, %error, "could not give back a leased job");
                }
            }
            inner.notify(area);
        });
    }
}

/// The lease of one delivered job; settling it consumes it, dropping it releases the job.
struct TableLease {
    inner: Arc<Inner>,
    area: Area,
    seq: i64,
    token: i64,
    settled: bool,
    /// Frees the consumer's room for one more when the lease is settled or dropped.
    _permit: OwnedSemaphorePermit,
}

impl TableLease {
    async fn settle(mut self: Box<Self>, settlement: TableSettlement) -> Result<(), QueueError> {
        // Settled from here on, even if this future is dropped: the lease then runs out.
        self.settled = true;
        let now = self.inner.now();
        match self
            .inner
            .table
            .settle_job(self.seq, self.token, settlement, now)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(QueueError::Settle(format!(
                "the lease on job {} ran out and it was handed out again",
                self.seq
            ))),
            Err(error) => Err(queue_error(error)),
        }
    }
}

#[async_trait]
impl Settlement for TableLease {
    async fn ack(self: Box<Self>) -> Result<(), QueueError> {
        self.settle(TableSettlement::Ack).await
    }

    async fn retry(self: Box<Self>, job: Job, delay: Duration) -> Result<(), QueueError> {
        let inner = Arc::downgrade(&self.inner);
        let area = self.area;
        let available_at = after(self.inner.now(), delay);
        // The port hands no error text to `retry`; the dead letter's reason carries the last.
        let retry = TableSettlement::Retry {
            attempt: job.attempt,
            available_at,
            error: None,
        };
        self.settle(retry).await?;
        // Wake this process's consumers when the delay ends (others poll). Weak: a pending
        // wake-up does not keep the queue alive.
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(inner) = Weak::upgrade(&inner) {
                inner.notify(area);
            }
        });
        Ok(())
    }

    async fn dead_letter(self: Box<Self>, job: Job, reason: String) -> Result<(), QueueError> {
        self.settle(TableSettlement::DeadLetter {
            attempt: job.attempt,
            reason,
        })
        .await
    }
}

impl Drop for TableLease {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let inner = Arc::clone(&self.inner);
        let (area, seq, token) = (self.area, self.seq, self.token);
        runtime.spawn(async move {
            let release = TableSettlement::Release { delivered: true };
            match inner.table.settle_job(seq, token, release, inner.now()).await {
                Ok(_) => inner.notify(area),
                Err(error) => {
                    tracing::warn!(%area, seq, %error, "could not release a dropped job; its lease will run out");
                }
            }
        });
    }
}
