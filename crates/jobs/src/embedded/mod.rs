//! The embedded adapter of the queue port: jobs in a database table (`app::JobTable`, on
//! SQLite or PostgreSQL), so StaffProBot runs its background work without a broker.
//!
//! - Publishing inserts a row and wakes this process's consumers of the area at once (a tokio
//!   `Notify`); consumers in other processes find it on their next poll.
//! - A consumer leases ready jobs in batches of up to `prefetch` in flight until a deadline
//!   (`lease_timeout`). Leases are never renewed: a job not settled in time is handed out again,
//!   which is how the work of a crashed process comes back. Each lease carries a token, so a
//!   late settle of a lease that ran out and was taken over does nothing.
//! - A delivery dropped unsettled is released at once; each hand-out without a settle counts
//!   towards `delivery_limit`, past which the job is dead-lettered instead of handed out again.
//! - Retries wait in the table until `now + delay`; the process that retried wakes its
//!   consumers when the delay ends, others poll.

mod consume;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use app::Clock;
use app::StoreError;
use app::job_table::{DeadTableJob, JobTable, NewTableJob};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio::sync::{Notify, Semaphore};

use crate::queue::{Area, DeadLetter, Deliveries, Depth, Job, JobQueue, QueueError};

use self::consume::Consumer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbConfig {
    /// Attempts (first included) before `Delivery::retry` dead-letters a job.
    pub max_attempts: u32,
    /// Unsettled returns (crashed consumers, expired leases) tolerated before dead-lettering,
    /// as RabbitMQ's `x-delivery-limit`: a job is handed out at most `delivery_limit + 1` times
    /// without a settle.
    pub delivery_limit: u32,
    /// How long a consumer may hold a job before it is handed to another one. Longer than any
    /// job runs: a job still running when its lease ends is run twice.
    pub lease_timeout: Duration,
    /// How often an idle consumer looks for work published by other processes, or come back
    /// from a retry delay elsewhere; work published in this process wakes it at once.
    pub poll_interval: Duration,
}

impl DbConfig {
    /// Hand-outs the table allows before it dead-letters a job that was never settled.
    pub(crate) fn max_deliveries(&self) -> u32 {
        self.delivery_limit.saturating_add(1)
    }
}

impl Default for DbConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            delivery_limit: 5,
            lease_timeout: Duration::from_secs(300),
            poll_interval: Duration::from_secs(1),
        }
    }
}

pub(crate) struct Inner {
    pub table: Arc<dyn JobTable>,
    pub clock: Arc<dyn Clock>,
    pub config: DbConfig,
    /// Per area: woken when a job of the area may have become ready in this process.
    wake: [Notify; 3],
    /// Per area: live consumers of this process (the port's `Depth::consumers`).
    consumers: [AtomicU32; 3],
}

fn slot(area: Area) -> usize {
    match area {
        Area::Notifications => 0,
        Area::Shifts => 1,
        Area::Analytics => 2,
    }
}

impl Inner {
    pub fn wake(&self, area: Area) -> &Notify {
        &self.wake[slot(area)]
    }

    /// Wakes this process's idle consumers of `area`.
    pub fn notify(&self, area: Area) {
        self.wake(area).notify_waiters();
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn consumer_left(&self, area: Area) {
        self.consumers[slot(area)].fetch_sub(1, Ordering::Relaxed);
    }

    pub fn max_deliveries(&self) -> u32 {
        self.config.max_deliveries()
    }
}

/// The instant `delay` after `from`, saturating far in the future.
pub(crate) fn after(from: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(delay)
        .ok()
        .and_then(|d| from.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub(crate) fn queue_error(error: StoreError) -> QueueError {
    match error {
        StoreError::Unavailable(message) => QueueError::Unavailable(message),
        other => QueueError::Refused(other.to_string()),
    }
}

/// The queue in a database table; cheap to clone, clones share their consumers' wake-ups.
#[derive(Clone)]
pub struct DbQueue {
    inner: Arc<Inner>,
}

impl DbQueue {
    /// The table row that holds `job`, available now.
    fn row(&self, area: Area, job: &Job) -> Result<NewTableJob, QueueError> {
        let payload = serde_json::to_string(&job.payload).map_err(|e| QueueError::Encoding {
            id: job.id.clone(),
            reason: e.to_string(),
        })?;
        Ok(NewTableJob {
            area,
            id: job.id.clone(),
            kind: job.kind.clone(),
            payload,
            attempt: job.attempt,
            enqueued_at: job.enqueued_at,
            available_at: self.inner.now(),
        })
    }

    /// `clock` gives "now" for readiness, leases and retries (`SystemClock` in the binary).
    pub fn new(table: Arc<dyn JobTable>, clock: Arc<dyn Clock>, config: DbConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                table,
                clock,
                config,
                wake: [Notify::new(), Notify::new(), Notify::new()],
                consumers: [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)],
            }),
        }
    }
}

fn dead_letter(dead: DeadTableJob) -> DeadLetter {
    // The payload was JSON when it was published; should a row be edited by hand into
    // something else, the operator still sees it, as a string.
    let payload = serde_json::from_str(&dead.payload)
        .unwrap_or(serde_json::Value::String(dead.payload.clone()));
    let reason = match dead.last_error {
        Some(error) if !dead.reason.contains(&error) => {
            format!("{} (last error: {error})", dead.reason)
        }
        _ => dead.reason,
    };
    DeadLetter {
        job: Job {
            id: dead.id,
            kind: dead.kind,
            payload,
            attempt: dead.attempt,
            enqueued_at: dead.enqueued_at,
        },
        reason,
    }
}

#[async_trait]
impl JobQueue for DbQueue {
    #[tracing::instrument(skip_all, fields(area = %area, job = %job.id), err)]
    async fn publish(&self, area: Area, job: &Job) -> Result<(), QueueError> {
        let row = self.row(area, job)?;
        self.inner
            .table
            .insert_jobs(std::slice::from_ref(&row))
            .await
            .map_err(queue_error)?;
        crate::measures::enqueued(&job.kind);
        self.inner.notify(area);
        Ok(())
    }

    /// One insert transaction for all of them (up to the first that cannot be encoded).
    #[tracing::instrument(skip_all, fields(jobs = jobs.len()))]
    async fn publish_all(&self, jobs: &[(Area, Job)]) -> (usize, Option<QueueError>) {
        let mut rows = Vec::with_capacity(jobs.len());
        let mut failure = None;
        for (area, job) in jobs {
            match self.row(*area, job) {
                Ok(row) => rows.push(row),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if rows.is_empty() {
            return (0, failure);
        }
        if let Err(e) = self.inner.table.insert_jobs(&rows).await {
            return (0, Some(queue_error(e)));
        }
        let mut woken = Vec::with_capacity(3);
        for (area, job) in &jobs[..rows.len()] {
            crate::measures::enqueued(&job.kind);
            if !woken.contains(area) {
                woken.push(*area);
                self.inner.notify(*area);
            }
        }
        (rows.len(), failure)
    }

    async fn consume(&self, area: Area, prefetch: u16) -> Result<Deliveries, QueueError> {
        self.inner.consumers[slot(area)].fetch_add(1, Ordering::Relaxed);
        let consumer = Consumer::new(
            Arc::clone(&self.inner),
            area,
            Arc::new(Semaphore::new(usize::from(prefetch.max(1)))),
        );
        let stream = futures_util::stream::unfold(consumer, |mut consumer| async move {
            let delivery = consumer.next().await;
            Some((Ok(delivery), consumer))
        });
        Ok(stream.boxed())
    }

    async fn depths(&self) -> Result<Vec<Depth>, QueueError> {
        let counts = self
            .inner
            .table
            .job_counts(self.inner.now())
            .await
            .map_err(queue_error)?;
        Ok(counts
            .into_iter()
            .map(|(area, counts)| Depth {
                area,
                ready: counts.ready,
                delayed: counts.delayed,
                dead: counts.dead,
                consumers: self.inner.consumers[slot(area)].load(Ordering::Relaxed),
            })
            .collect())
    }

    async fn dead_letters(&self, area: Area, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let dead = self
            .inner
            .table
            .dead_jobs(area, limit)
            .await
            .map_err(queue_error)?;
        Ok(dead.into_iter().map(dead_letter).collect())
    }

    async fn requeue_dead(&self, area: Area, id: &str) -> Result<bool, QueueError> {
        let revived = self
            .inner
            .table
            .revive_dead_job(area, id, self.inner.now())
            .await
            .map_err(queue_error)?;
        if revived {
            self.inner.notify(area);
        }
        Ok(revived)
    }

    async fn drop_dead(&self, area: Area, id: &str) -> Result<bool, QueueError> {
        self.inner
            .table
            .drop_dead_job(area, id)
            .await
            .map_err(queue_error)
    }

    fn max_attempts(&self) -> u32 {
        self.inner.config.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_delays_saturate() {
        let t = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(
            after(t, Duration::from_secs(2)),
            t + chrono::Duration::seconds(2)
        );
        assert_eq!(after(t, Duration::MAX), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn the_last_error_joins_the_reason_once() {
        let dead = |reason: &str, last_error: Option<&str>| DeadTableJob {
            seq: 1,
            id: "j".into(),
            kind: "k".into(),
            payload: "{\"a\":1}".into(),
            attempt: 2,
            enqueued_at: DateTime::<Utc>::UNIX_EPOCH,
            dead_at: DateTime::<Utc>::UNIX_EPOCH,
            reason: reason.into(),
            last_error: last_error.map(str::to_owned),
        };
        let letter = dead_letter(dead("gave up: boom", Some("boom")));
        assert_eq!(letter.reason, "gave up: boom");
        assert_eq!(letter.job.payload, serde_json::json!({"a": 1}));
        let letter = dead_letter(dead("handed out 6 times", Some("timeout")));
        assert_eq!(letter.reason, "handed out 6 times (last error: timeout)");
        let letter = dead_letter(dead("bad", None));
        assert_eq!(letter.reason, "bad");
    }

    #[test]
    fn the_delivery_limit_counts_returns_like_rabbitmq() {
        let config = DbConfig {
            delivery_limit: 2,
            ..DbConfig::default()
        };
        assert_eq!(config.max_deliveries(), 3);
    }
}
