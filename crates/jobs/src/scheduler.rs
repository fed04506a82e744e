//! The scheduler ("beat"): fires each schedule entry's ticks as jobs. Several schedulers may
//! run; only the one holding the lease fires. A tick is a fixed instant (a multiple of the
//! entry's period since the Unix epoch), recorded with its job in one transaction and unique per
//! entry and instant, so each fires once even when a scheduler dies mid-tick and another takes
//! over — and the newcomer fires the ticks that passed meanwhile.

use std::sync::Arc;
use std::time::Duration;

use app::background::{OutboxJob, ScheduleStore};
use app::{Area, Clock, StoreError};
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::measures;

/// The lease every scheduler competes for.
pub const LEASE: &str = "scheduler";
/// Ticks of one entry fired at most in one pass after a long outage (older ones are skipped).
const MAX_CATCH_UP: i64 = 48;

/// One periodic job.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: &'static str,
    pub every: chrono::Duration,
    pub area: Area,
    pub kind: &'static str,
}

impl Entry {
    /// The latest tick at or before `now`.
    pub fn due(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let period = self.every.num_microseconds().unwrap_or(i64::MAX).max(1);
        let at = now.timestamp_micros();
        let tick = at - at.rem_euclid(period);
        DateTime::from_timestamp_micros(tick).unwrap_or(now)
    }

    /// The job of the tick at `at`: its id is unique per entry and instant.
    pub fn job(&self, at: DateTime<Utc>) -> OutboxJob {
        OutboxJob {
            id: format!("tick:{}:{}", self.name, at.timestamp()),
            area: self.area,
            kind: self.kind.to_owned(),
            payload: serde_json::json!({ "at": at }),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct SchedulerConfig {
    /// How long a lease lasts without renewal: the longest a dead scheduler's ticks wait.
    pub lease: Duration,
    /// How often the scheduler looks at the clock (and renews its lease).
    pub poll: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(5),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pass {
    /// Whether this scheduler held the lease.
    pub active: bool,
    /// The ticks it fired, by entry name.
    pub fired: Vec<(&'static str, DateTime<Utc>)>,
}

pub struct Scheduler {
    store: Arc<dyn ScheduleStore>,
    entries: Vec<Entry>,
    clock: Arc<dyn Clock>,
    holder: String,
    config: SchedulerConfig,
}

impl Scheduler {
    /// `holder` names this scheduler in the lease (host and process id, say).
    pub fn new(
        store: Arc<dyn ScheduleStore>,
        entries: Vec<Entry>,
        clock: Arc<dyn Clock>,
        holder: impl Into<String>,
        config: SchedulerConfig,
    ) -> Self {
        Self {
            store,
            entries,
            clock,
            holder: holder.into(),
            config,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Takes or renews the lease; when held, fires every tick that is due and not fired yet.
    /// Sets the scheduler's gauges on the way: whether it leads, and each entry's period and
    /// latest tick.
    pub async fn pass(&self) -> Result<Pass, StoreError> {
        let result = self.fire_due().await;
        measures::leader(matches!(result, Ok(Pass { active: true, .. })));
        result
    }

    async fn fire_due(&self) -> Result<Pass, StoreError> {
        let now = self.clock.now();
        let lease = chrono::Duration::from_std(self.config.lease)
            .unwrap_or_else(|_| chrono::Duration::seconds(30));
        if !self
            .store
            .hold_lease(LEASE, &self.holder, now, now + lease)
            .await?
        {
            return Ok(Pass::default());
        }
        let mut pass = Pass {
            active: true,
            fired: Vec::new(),
        };
        for entry in &self.entries {
            let due = entry.due(now);
            let last = self.store.last_tick(entry.name).await?;
            let first = match last {
                Some(last) if last >= due => {
                    measures::schedule_entry(entry.name, last, entry.every);
                    continue;
                }
                Some(last) => (last + entry.every).max(due - entry.every * (MAX_CATCH_UP as i32)),
                None => due,
            };
            let mut at = entry.due(first);
            if at < first {
                at += entry.every;
            }
            let mut latest = last;
            while at <= due {
                if self
                    .store
                    .fire_tick(entry.name, at, &entry.job(at), now)
                    .await?
                {
                    tracing::info!(entry = entry.name, tick = %at, "schedule entry fired");
                    measures::tick_fired(entry.name);
                    pass.fired.push((entry.name, at));
                }
                // Fired now, or by another scheduler just before: either way it has fired.
                latest = Some(at);
                at += entry.every;
            }
            if let Some(latest) = latest {
                measures::schedule_entry(entry.name, latest, entry.every);
            }
        }
        Ok(pass)
    }

    /// Passes every `poll` until `shutdown`, then gives the lease up so another scheduler
    /// takes over at once.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let mut was_active = None;
        let mut failing = false;
        loop {
            match self.pass().await {
                Ok(pass) => {
                    if was_active != Some(pass.active) {
                        if pass.active {
                            tracing::info!(holder = %self.holder, "this scheduler is active");
                        } else {
                            tracing::info!(holder = %self.holder, "another scheduler is active; standing by");
                        }
                        was_active = Some(pass.active);
                    }
                    failing = false;
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "the scheduler cannot reach the database");
                        failing = true;
                    }
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(self.config.poll) => {}
            }
        }
        if let Err(e) = self.release().await {
            tracing::warn!(error = %e, "could not give the scheduler lease up");
        }
    }

    /// Gives the lease up (for `--once` and tests).
    pub async fn release(&self) -> Result<(), StoreError> {
        self.store.release_lease(LEASE, &self.holder).await?;
        measures::leader(false);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(minutes: i64) -> Entry {
        Entry {
            name: "test",
            every: chrono::Duration::minutes(minutes),
            area: Area::Shifts,
            kind: "test",
        }
    }

    #[test]
    fn ticks_are_multiples_of_the_period() {
        let now = Utc.with_ymd_and_hms(2026, 11, 18, 7, 44, 59).unwrap();
        assert_eq!(
            entry(30).due(now),
            Utc.with_ymd_and_hms(2026, 11, 18, 7, 30, 0).unwrap()
        );
        assert_eq!(
            entry(60 * 24).due(now),
            Utc.with_ymd_and_hms(2026, 11, 18, 0, 0, 0).unwrap()
        );
        let exact = Utc.with_ymd_and_hms(2026, 11, 18, 8, 0, 0).unwrap();
        assert_eq!(entry(30).due(exact), exact);
    }

    #[test]
    fn a_tick_job_is_named_by_entry_and_instant() {
        let at = Utc.with_ymd_and_hms(2026, 11, 18, 7, 30, 0).unwrap();
        let job = entry(30).job(at);
        assert_eq!(job.id, format!("tick:test:{}", at.timestamp()));
        assert_eq!(job.area, Area::Shifts);
    }
}
