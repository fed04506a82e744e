//! Events that leave a use-case after its change is stored: owner notifications, cache
//! invalidation and jobs subscribe here (the bot, cache and jobs crates implement `EventSink`).

use async_trait::async_trait;
use domain::{PlannedShiftId, ShiftId, SiteId, UserId};

#[derive(Debug, Clone, PartialEq)]
pub enum DomainEvent {
    SiteChanged {
        site_id: SiteId,
        owner_id: UserId,
    },
    AccessChanged {
        site_id: SiteId,
        employee_id: UserId,
    },
    ShiftOpened {
        shift_id: ShiftId,
        site_id: SiteId,
        employee_id: UserId,
    },
    ShiftClosed {
        shift_id: ShiftId,
        site_id: SiteId,
        employee_id: UserId,
        automatically: bool,
    },
    PlanChanged {
        plan_id: PlannedShiftId,
        site_id: SiteId,
        employee_id: UserId,
    },
    UserChanged {
        user_id: UserId,
    },
}

/// Receives events after the change is committed. Delivery is best effort: a failing sink must
/// log and carry on, never undo the change.
#[async_trait]
pub trait EventSink: Send + Sync + 'static {
    async fn publish(&self, event: DomainEvent);
}

/// Drops every event (no cache, no notifier wired yet).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEvents;

#[async_trait]
impl EventSink for NoEvents {
    async fn publish(&self, _event: DomainEvent) {}
}
