//! What background work needs from the database: the outbox (jobs written in the same
//! transaction as the change they follow), the scheduler's lease and fired ticks, the record of
//! effects already had (idempotency keys), the scans behind reminders and no-show alerts, and
//! clean-up. The jobs crate runs the work; the stores keep these records.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{PlannedShift, PlannedShiftId, Shift, ShiftChangeKind, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::audit::AuditStore;
use crate::ports::StoreResult;
use crate::statements::StatementStore;

/// Jobs are split by area so a flood of analytics work never delays a reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Notifications,
    Shifts,
    Analytics,
}

impl Area {
    pub const ALL: [Area; 3] = [Area::Notifications, Area::Shifts, Area::Analytics];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Notifications => "notifications",
            Area::Shifts => "shifts",
            Area::Analytics => "analytics",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job waiting in the outbox to be relayed to the queue. `id` is its idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxJob {
    pub id: String,
    pub area: Area,
    pub kind: String,
    pub payload: serde_json::Value,
}

/// An outbox row as claimed by a relay.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub job: OutboxJob,
    pub created_at: DateTime<Utc>,
}

/// Job kinds that follow a change to a shift (the stores write them with the change). Each
/// carries the fields of the `DomainEvent` the use-case publishes for the same change, so a
/// handler needs nothing the event had.
pub mod kinds {
    /// Tell the owner (and, for an automatic close, the employee) a shift opened or closed
    /// (`ShiftOpened`, `ShiftClosed`). Payload: `{"shift_id", "site_id", "employee_id",
    /// "closed": null | automatically}`.
    pub const SHIFT_NEWS: &str = "notify.shift";
    /// Tell the people concerned about a stated end (`ShiftEndStated`). Payload: `{"shift_id",
    /// "site_id", "employee_id", "change", "by"}`.
    pub const STATED_END: &str = "notify.stated";
    /// Audit a shift closed from the site (`crate::audit`). Payload: `{"shift_id"}`.
    pub const SHIFT_AUDIT: &str = "shift.audit";
}

// Which change writes which jobs, so the outbox carries exactly the events the use-cases
// publish: `ShiftStore::insert_shift` is only `open_shift` (`ShiftOpened`);
// `ShiftStore::close_shift` is only `close_shift` from the site and `auto_close_due`
// (`ShiftClosed`, automatically when the end is `AutoClosed`); every stated end and review goes
// through `ShiftReviewStore::revise_shift` (`ShiftEndStated` alone, never `ShiftClosed`). The
// bulk `import_finished_shifts` publishes nothing and writes nothing here.

/// The jobs that follow a shift being opened (`ShiftOpened`): the owner's notice.
///
/// `site_notifies` is the site's "tell the owner" setting read in the same transaction: an open
/// nobody is told about needs no job (`StaffPro::open_close_notice` decides the same way).
pub fn after_shift_opened(shift: &Shift, site_notifies: bool) -> Vec<OutboxJob> {
    if !site_notifies {
        return Vec::new();
    }
    vec![OutboxJob {
        id: format!("shift:{}:opened", shift.id.0),
        area: Area::Notifications,
        kind: kinds::SHIFT_NEWS.into(),
        payload: serde_json::json!({
            "shift_id": shift.id.0,
            "site_id": shift.site_id.0,
            "employee_id": shift.employee_id.0,
            "closed": null,
        }),
    }]
}

/// The jobs that follow a shift being closed from the site or automatically (`ShiftClosed`):
/// the notices, and the geolocation audit of a close with an end location. A stated end is not
/// a close here: see `after_shift_end_stated`.
///
/// `site_notifies` as for `after_shift_opened`; an automatic close is told to both people
/// whatever the setting.
pub fn after_shift_closed(shift: &Shift, site_notifies: bool) -> Vec<OutboxJob> {
    let automatically = shift.status == domain::ShiftStatus::AutoClosed;
    let mut jobs = Vec::new();
    if site_notifies || automatically {
        jobs.push(OutboxJob {
            id: format!("shift:{}:closed", shift.id.0),
            area: Area::Notifications,
            kind: kinds::SHIFT_NEWS.into(),
            payload: serde_json::json!({
                "shift_id": shift.id.0,
                "site_id": shift.site_id.0,
                "employee_id": shift.employee_id.0,
                "closed": automatically,
            }),
        });
    }
    if shift.end_location.is_some() {
        jobs.push(OutboxJob {
            id: format!("shift:{}:audit", shift.id.0),
            area: Area::Shifts,
            kind: kinds::SHIFT_AUDIT.into(),
            payload: serde_json::json!({ "shift_id": shift.id.0 }),
        });
    }
    jobs
}

/// The jobs that follow someone stating a shift's end (or reviewing it) at `at`
/// (`ShiftEndStated`).
pub fn after_shift_end_stated(
    shift: &Shift,
    change: ShiftChangeKind,
    by: UserId,
    at: DateTime<Utc>,
) -> Vec<OutboxJob> {
    vec![OutboxJob {
        id: format!(
            "shift:{}:stated:{}:{}",
            shift.id.0,
            change.as_str(),
            at.timestamp_micros()
        ),
        area: Area::Notifications,
        kind: kinds::STATED_END.into(),
        payload: serde_json::json!({
            "shift_id": shift.id.0,
            "site_id": shift.site_id.0,
            "employee_id": shift.employee_id.0,
            "change": change.as_str(),
            "by": by.0,
        }),
    }]
}

/// The outbox: jobs that follow changes, waiting to be relayed to the queue.
#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Adds jobs that follow no stored change of their own (a scan's per-item jobs).
    async fn add_to_outbox(&self, jobs: &[OutboxJob], now: DateTime<Utc>) -> StoreResult<()>;
    /// Up to `limit` entries, oldest first, that no live relay holds; they are held until
    /// `hold_until` (a relay that dies lets them go when that passes).
    async fn claim_outbox(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> StoreResult<Vec<OutboxEntry>>;
    /// Forgets entries the queue has confirmed.
    async fn remove_from_outbox(&self, seqs: &[i64]) -> StoreResult<()>;
    /// Entries waiting (held or not), for `staffprobot jobs` and the metrics.
    async fn outbox_len(&self) -> StoreResult<u64>;
}

/// The scheduler's lease (one active scheduler) and the ticks that fired (each once).
#[async_trait]
pub trait ScheduleStore: Send + Sync + 'static {
    /// Takes the lease `name` for `holder` until `until`, or renews it when `holder` has it;
    /// false while another holder's lease has not run out at `now`.
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Gives the lease up if `holder` has it, so another scheduler takes over at once.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;
    /// The latest tick of `entry` that fired.
    async fn last_tick(&self, entry: &str) -> StoreResult<Option<DateTime<Utc>>>;
    /// Records that `entry` fired for `at` and puts `job` in the outbox, in one transaction;
    /// false, writing nothing, when that tick had already fired.
    async fn fire_tick(
        &self,
        entry: &str,
        at: DateTime<Utc>,
        job: &OutboxJob,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Forgets ticks fired before `before` (the latest of each entry is kept).
    async fn forget_ticks_before(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

/// Effects already had, by idempotency key: a redelivered job finds its key and does nothing.
#[async_trait]
pub trait EffectStore: Send + Sync + 'static {
    async fn effect_done(&self, key: &str) -> StoreResult<bool>;
    /// Records the effect; false when it was recorded already.
    async fn record_effect(&self, key: &str, at: DateTime<Utc>) -> StoreResult<bool>;
    async fn forget_effects_before(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

/// The scans behind reminders and no-show alerts.
#[async_trait]
pub trait PlanScanStore: Send + Sync + 'static {
    /// Plans still planned that start in `(now, until]` and were not reminded, earliest first.
    async fn plans_to_remind(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PlannedShift>>;
    /// Marks the plan reminded; false when it was already.
    async fn mark_plan_reminded(&self, id: PlannedShiftId, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Plans still planned (no shift opened for them) that started at or before
    /// `started_by` and whose no-show was not reported, earliest first.
    async fn plans_not_started(
        &self,
        started_by: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PlannedShift>>;
    /// Marks the plan's no-show reported; false when it was already.
    async fn mark_no_show_reported(
        &self,
        id: PlannedShiftId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

/// Daily clean-up of what is no longer needed.
#[async_trait]
pub trait CleanupStore: Send + Sync + 'static {
    /// Dialogues nobody touched since `before`.
    async fn forget_idle_dialogues(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Coarsens the start and end points of shifts that ended before `before` to 2 decimal
    /// places (about 1 km), keeping their distances to the site; returns the shifts changed
    /// (each changes once).
    async fn coarsen_locations_before(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

/// Whose reports the cache refresh keeps warm.
#[async_trait]
pub trait ReportScanStore: Send + Sync + 'static {
    /// Owners of active sites where a shift started at or after `since`, by id, at most `limit`.
    async fn owners_active_since(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<UserId>>;
}

/// The business figures the metrics show (refreshed once a minute, not per scrape).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BusinessFigures {
    /// Shifts running now (one per person on shift).
    pub shifts_running: u64,
    /// People with access to at least one active site.
    pub active_employees: u64,
    /// Sites not deactivated.
    pub active_sites: u64,
    /// People owning at least one active site.
    pub active_owners: u64,
}

/// Counts for the business gauges: one cheap query over small tables or a partial index.
#[async_trait]
pub trait FiguresStore: Send + Sync + 'static {
    async fn business_figures(&self) -> StoreResult<BusinessFigures>;
}

/// Everything background work needs from the database.
pub trait BackgroundStore:
    OutboxStore
    + ScheduleStore
    + EffectStore
    + PlanScanStore
    + CleanupStore
    + ReportScanStore
    + AuditStore
    + StatementStore
    + FiguresStore
{
}

impl<T> BackgroundStore for T where
    T: OutboxStore
        + ScheduleStore
        + EffectStore
        + PlanScanStore
        + CleanupStore
        + ReportScanStore
        + AuditStore
        + StatementStore
        + FiguresStore
{
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_round_trip_through_their_names() {
        for area in Area::ALL {
            assert_eq!(Area::parse(area.as_str()), Some(area));
        }
        assert_eq!(Area::parse("nope"), None);
    }
}
