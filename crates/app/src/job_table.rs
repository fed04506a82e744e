//! The job table port: what the embedded job queue (`jobs::embedded`) needs from a database to
//! keep jobs without a broker — insert, lease in batches with a fencing token, settle, count,
//! and the operator's dead letters. The store never reads the clock: every instant comes from
//! the caller, so tests drive time with a `SetClock`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::background::Area;
use crate::ports::StoreResult;

/// A job to insert, ready from `available_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTableJob {
    pub area: Area,
    /// The idempotency key; not unique in the table (delivery is at least once anyway).
    pub id: String,
    pub kind: String,
    /// The job's payload as JSON text: the store keeps it, it never looks inside.
    pub payload: String,
    /// Failed attempts so far (0 for a new job).
    pub attempt: u32,
    pub enqueued_at: DateTime<Utc>,
    pub available_at: DateTime<Utc>,
}

/// A job handed to one consumer until its lease deadline. `(seq, token)` settles it; once the
/// lease is taken over by another consumer (it ran out) or settled, the token no longer matches
/// and a settle with it does nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct LeasedJob {
    pub seq: i64,
    pub token: i64,
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempt: u32,
    pub enqueued_at: DateTime<Utc>,
    /// Times it was handed out since it was last settled, this lease included: above 1 it was
    /// handed out before and not settled (a consumer died or dropped it).
    pub deliveries: u32,
}

/// What one lease call took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeaseBatch {
    /// Oldest first.
    pub jobs: Vec<LeasedJob>,
    /// Ready jobs that had been handed out `max_deliveries` times without being settled: they
    /// went to the dead letters instead (a job that kills its worker must not loop).
    pub dead_lettered: u32,
}

/// How a leased job is settled.
#[derive(Debug, Clone, PartialEq)]
pub enum TableSettlement {
    /// Done: the row is deleted.
    Ack,
    /// Try again from `available_at` with `attempt` failed attempts; its delivery count starts
    /// over. `error` is kept for the operator when the caller knows it.
    Retry {
        attempt: u32,
        available_at: DateTime<Utc>,
        error: Option<String>,
    },
    /// Give up: the job waits among the dead letters with `reason`.
    DeadLetter { attempt: u32, reason: String },
    /// Hand it back unsettled, available at once (a consumer dropped it before settling, or
    /// never passed it on). `delivered`: the job reached a worker, so this counts towards the
    /// delivery limit; false gives the delivery back.
    Release { delivered: bool },
}

/// How many jobs of one area are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// Available now (including jobs whose lease ran out).
    pub ready: u64,
    /// Waiting out a retry delay.
    pub delayed: u64,
    /// Leased and not yet settled, the lease still running.
    pub in_flight: u64,
    pub dead: u64,
}

/// A dead job as the operator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadTableJob {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempt: u32,
    pub enqueued_at: DateTime<Utc>,
    pub dead_at: DateTime<Utc>,
    pub reason: String,
    /// The error of the last retry, when one was recorded.
    pub last_error: Option<String>,
}

/// Jobs kept in a database table. Each method is one transaction; leasing never hands one job
/// to two consumers at once (SQLite: one writer; PostgreSQL: `FOR UPDATE SKIP LOCKED`).
#[async_trait]
pub trait JobTable: Send + Sync + 'static {
    /// Inserts jobs, in order, in one transaction.
    async fn insert_jobs(&self, jobs: &[NewTableJob]) -> StoreResult<()>;

    /// Leases up to `limit` jobs of `area` that are ready at `now` (the earliest ready first)
    /// until `until`. A ready job already handed out `max_deliveries` times without a settle is
    /// dead-lettered instead and counted in `dead_lettered`.
    async fn lease_jobs(
        &self,
        area: Area,
        limit: u32,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        max_deliveries: u32,
    ) -> StoreResult<LeaseBatch>;

    /// Settles the lease `token` of job `seq`; false (and nothing changed) when that lease is
    /// no longer the job's: it was settled already, or ran out and another consumer took it.
    async fn settle_job(
        &self,
        seq: i64,
        token: i64,
        settlement: TableSettlement,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Counts per area at `now`; every area is listed, with zeros when it has no jobs.
    async fn job_counts(&self, now: DateTime<Utc>) -> StoreResult<Vec<(Area, TableCounts)>>;

    /// Up to `limit` dead jobs of `area`, the longest dead first.
    async fn dead_jobs(&self, area: Area, limit: u32) -> StoreResult<Vec<DeadTableJob>>;

    /// Puts the longest-dead job `id` of `area` back to work, available at `now` with its
    /// attempts and deliveries reset; false when no such job is dead.
    async fn revive_dead_job(&self, area: Area, id: &str, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Deletes the longest-dead job `id` of `area`; false when no such job is dead.
    async fn drop_dead_job(&self, area: Area, id: &str) -> StoreResult<bool>;
}
