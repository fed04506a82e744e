//! The jobs' metrics, named as in the metric catalog (issue 9): what the queue adapters, the
//! worker, the relay and the scheduler record through the `metrics` facade. Labels stay
//! bounded: job kinds are our own (the worker says "unknown" for a kind it has no handler for),
//! areas and schedule entries are fixed lists.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::queue::Depth;

pub const JOBS_ENQUEUED: &str = "staffprobot_jobs_enqueued_total";
pub const JOBS_STARTED: &str = "staffprobot_jobs_started_total";
pub const JOBS_PROCESSED: &str = "staffprobot_jobs_processed_total";
pub const JOB_DURATION: &str = "staffprobot_job_duration_seconds";
pub const QUEUE_DEPTH: &str = "staffprobot_queue_depth";
pub const OUTBOX_DEPTH: &str = "staffprobot_outbox_depth";
pub const OUTBOX_RELAYED: &str = "staffprobot_outbox_relayed_total";
pub const SCHEDULE_TICKS: &str = "staffprobot_schedule_ticks_total";
pub const SCHEDULE_LAST_TICK: &str = "staffprobot_schedule_last_tick_timestamp_seconds";
pub const SCHEDULE_PERIOD: &str = "staffprobot_schedule_period_seconds";
pub const SCHEDULER_LEADER: &str = "staffprobot_scheduler_leader";

/// How often worker processes refresh `staffprobot_queue_depth` and relays
/// `staffprobot_outbox_depth`: one cheap query (or a few passive declares) per period, never
/// one per scrape.
pub const DEPTH_REFRESH: Duration = Duration::from_secs(15);

/// What became of one delivery, as `staffprobot_jobs_processed_total` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processed {
    /// The handler did its work; the key is recorded and the job acked.
    Succeeded,
    /// The job's key was already recorded as done (a redelivery): acked without running.
    Duplicate,
    /// It failed for now and comes back after a delay — or its settlement failed, so the queue
    /// hands it out again.
    Retried,
    /// It went to the dead letters: it can never succeed, or it used its last attempt.
    DeadLettered,
}

impl Processed {
    pub fn as_str(self) -> &'static str {
        match self {
            Processed::Succeeded => "succeeded",
            Processed::Duplicate => "duplicate",
            Processed::Retried => "retried",
            Processed::DeadLettered => "dead_lettered",
        }
    }
}

/// A publish the queue confirmed (stored durably).
pub(crate) fn enqueued(kind: &str) {
    metrics::counter!(JOBS_ENQUEUED, "kind" => kind.to_owned()).increment(1);
}

pub(crate) fn started(kind: &str) {
    metrics::counter!(JOBS_STARTED, "kind" => kind.to_owned()).increment(1);
}

pub(crate) fn processed(kind: &str, outcome: Processed, took: Duration) {
    metrics::counter!(JOBS_PROCESSED, "kind" => kind.to_owned(), "outcome" => outcome.as_str())
        .increment(1);
    metrics::histogram!(JOB_DURATION, "kind" => kind.to_owned()).record(took.as_secs_f64());
}

/// Sets the ready, delayed and dead gauges of every area listed.
pub(crate) fn queue_depths(depths: &[Depth]) {
    for depth in depths {
        let area = depth.area.as_str();
        for (state, count) in [
            ("ready", depth.ready),
            ("delayed", depth.delayed),
            ("dead", depth.dead),
        ] {
            metrics::gauge!(QUEUE_DEPTH, "area" => area, "state" => state).set(count as f64);
        }
    }
}

pub(crate) fn outbox_depth(waiting: u64) {
    metrics::gauge!(OUTBOX_DEPTH).set(waiting as f64);
}

pub(crate) fn relayed(count: usize) {
    metrics::counter!(OUTBOX_RELAYED).increment(count as u64);
}

pub(crate) fn tick_fired(entry: &'static str) {
    metrics::counter!(SCHEDULE_TICKS, "entry" => entry).increment(1);
}

/// The entry's latest fired tick (by this scheduler or another) and its period, for the alert
/// "scheduler not ticking": `time() - last_tick > 2 * period`.
pub(crate) fn schedule_entry(
    entry: &'static str,
    last_tick: DateTime<Utc>,
    every: chrono::Duration,
) {
    metrics::gauge!(SCHEDULE_LAST_TICK, "entry" => entry).set(last_tick.timestamp() as f64);
    let period = every.num_milliseconds() as f64 / 1000.0;
    metrics::gauge!(SCHEDULE_PERIOD, "entry" => entry).set(period);
}

pub(crate) fn leader(holds_lease: bool) {
    metrics::gauge!(SCHEDULER_LEADER).set(if holds_lease { 1.0 } else { 0.0 });
}
