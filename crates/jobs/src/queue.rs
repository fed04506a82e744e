//! The queue port: the job envelope, the areas, deliveries and the `JobQueue` trait every
//! adapter (RabbitMQ now, a database table later) implements.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};

/// One unit of background work. `id` is its idempotency key (`reminder:plan:42:lead-120`): a
/// handler that sees the same id twice must have its effect once, because every adapter
/// delivers at least once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Failed attempts so far: 0 on the first delivery, +1 on each `retry`.
    pub attempt: u32,
    pub enqueued_at: DateTime<Utc>,
}

impl Job {
    /// A fresh job; the caller passes the time so tests stay off the wall clock.
    pub fn new(
        id: impl Into<String>,
        kind: impl Into<String>,
        payload: serde_json::Value,
        enqueued_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            payload,
            attempt: 0,
            enqueued_at,
        }
    }
}

pub use app::background::Area;

/// Growing delays between attempts: `base × factor^attempt`, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub base: Duration,
    pub factor: u32,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(10),
            factor: 3,
            max: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The delay before the attempt that follows `attempt` failed ones.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = self.factor.max(1).saturating_pow(attempt.min(32));
        self.base.saturating_mul(factor).min(self.max)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the queue is unreachable: {0}")]
    Unavailable(String),
    #[error("the queue refused the operation: {0}")]
    Refused(String),
    #[error("job {id} cannot be encoded: {reason}")]
    Encoding { id: String, reason: String },
    #[error("the delivery was already settled or its channel is gone: {0}")]
    Settle(String),
}

/// What became of a job handed back with `Delivery::retry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// It comes back after the delay with `attempt + 1`.
    Scheduled,
    /// It had used its last attempt and now waits in the dead-letter queue.
    DeadLettered,
}

/// How an adapter settles one delivery. Each method consumes the settlement: a delivery is
/// settled once. Dropping it unsettled hands the job back for redelivery (when the consumer
/// or its connection goes away), counting towards the delivery limit.
#[async_trait]
pub trait Settlement: Send {
    async fn ack(self: Box<Self>) -> Result<(), QueueError>;
    /// Schedule `job` (already carrying the next attempt number) after `delay`, then ack.
    async fn retry(self: Box<Self>, job: Job, delay: Duration) -> Result<(), QueueError>;
    /// Move `job` to the dead-letter queue with `reason`, then ack.
    async fn dead_letter(self: Box<Self>, job: Job, reason: String) -> Result<(), QueueError>;
}

/// A job handed to a consumer. Ack it only after its effect happened.
pub struct Delivery {
    job: Job,
    /// True when the adapter knows this job was handed out before and not settled.
    redelivered: bool,
    max_attempts: u32,
    settlement: Box<dyn Settlement>,
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("job", &self.job)
            .field("redelivered", &self.redelivered)
            .finish_non_exhaustive()
    }
}

impl Delivery {
    pub fn new(
        job: Job,
        redelivered: bool,
        max_attempts: u32,
        settlement: Box<dyn Settlement>,
    ) -> Self {
        Self {
            job,
            redelivered,
            max_attempts,
            settlement,
        }
    }

    pub fn job(&self) -> &Job {
        &self.job
    }

    pub fn redelivered(&self) -> bool {
        self.redelivered
    }

    pub async fn ack(self) -> Result<(), QueueError> {
        self.settlement.ack().await
    }

    /// Try again after `delay` (callers usually pass `Backoff::delay(job.attempt)`), or, once
    /// the job has used `max_attempts`, dead-letter it with `error` so a poison job never loops.
    pub async fn retry(self, delay: Duration, error: &str) -> Result<RetryOutcome, QueueError> {
        let mut job = self.job;
        job.attempt = job.attempt.saturating_add(1);
        if job.attempt >= self.max_attempts {
            let reason = format!("gave up after {} attempts: {error}", job.attempt);
            self.settlement.dead_letter(job, reason).await?;
            return Ok(RetryOutcome::DeadLettered);
        }
        self.settlement.retry(job, delay).await?;
        Ok(RetryOutcome::Scheduled)
    }

    /// Give up at once: a job that can never succeed (bad payload, unknown kind).
    pub async fn dead_letter(self, reason: &str) -> Result<(), QueueError> {
        self.settlement
            .dead_letter(self.job, reason.to_owned())
            .await
    }
}

/// Deliveries of one area, as they come; the stream outlives broker restarts.
pub type Deliveries = BoxStream<'static, Result<Delivery, QueueError>>;

/// How much work waits in one area, for `staffprobot jobs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Depth {
    pub area: Area,
    /// Ready to be handed out now.
    pub ready: u64,
    /// Waiting out a retry delay.
    pub delayed: u64,
    pub dead: u64,
    pub consumers: u32,
}

/// A job in the dead-letter queue and why it is there.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub job: Job,
    pub reason: String,
}

/// The queue port. Delivery is at least once: handlers are idempotent on `Job::id`.
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Returns once the job is stored durably (for RabbitMQ: confirmed by the broker).
    async fn publish(&self, area: Area, job: &Job) -> Result<(), QueueError>;
    /// Publishes `jobs` in order, each as `publish` does; returns how many were stored before
    /// the first failure, and that failure. An adapter that can store several at once (the
    /// embedded queue: one transaction) does.
    async fn publish_all(&self, jobs: &[(Area, Job)]) -> (usize, Option<QueueError>) {
        for (done, (area, job)) in jobs.iter().enumerate() {
            if let Err(e) = self.publish(*area, job).await {
                return (done, Some(e));
            }
        }
        (jobs.len(), None)
    }
    /// At most `prefetch` unsettled deliveries are handed to this consumer at once.
    async fn consume(&self, area: Area, prefetch: u16) -> Result<Deliveries, QueueError>;
    async fn depths(&self) -> Result<Vec<Depth>, QueueError>;
    /// Up to `limit` dead letters of `area`, oldest first; they stay where they are.
    async fn dead_letters(&self, area: Area, limit: usize) -> Result<Vec<DeadLetter>, QueueError>;
    /// Put a dead job back to work with its attempts reset; false when no such job is dead.
    async fn requeue_dead(&self, area: Area, id: &str) -> Result<bool, QueueError>;
    /// Forget a dead job; false when no such job is dead.
    async fn drop_dead(&self, area: Area, id: &str) -> Result<bool, QueueError>;
    /// Attempts (first one included) before `Delivery::retry` dead-letters a job.
    fn max_attempts(&self) -> u32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let backoff = Backoff {
            base: Duration::from_secs(1),
            factor: 2,
            max: Duration::from_secs(5),
        };
        let delays: Vec<_> = (0..5).map(|a| backoff.delay(a).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
        assert_eq!(backoff.delay(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn job_round_trips_through_json() {
        let job = Job::new(
            "reminder:plan:42:lead-120",
            "reminder",
            serde_json::json!({"plan": 42}),
            DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
        );
        let text = serde_json::to_string(&job).unwrap_or_default();
        let back: Job = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, job);
    }
}
