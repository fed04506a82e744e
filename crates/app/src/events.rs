//! Events that leave a use-case after its change is stored: owner notifications, cache
//! invalidation and jobs subscribe here (the bot, cache and jobs crates implement `EventSink`).

use async_trait::async_trait;
use domain::{PlannedShiftId, ShiftChangeKind, ShiftId, SiteId, UserId};
use std::sync::{Arc, RwLock};

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
    /// Someone stated when a shift ended (an owner or manager closed it, its employee reported a
    /// forgotten close) or reviewed such an end; `by` made the change.
    ShiftEndStated {
        shift_id: ShiftId,
        site_id: SiteId,
        employee_id: UserId,
        change: ShiftChangeKind,
        by: UserId,
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

/// Hands every event to each subscriber. Adapters created after the use-cases (the bot needs
/// `StaffPro` to exist before it can subscribe its notifier) subscribe later.
#[derive(Default)]
pub struct EventBus {
    sinks: RwLock<Vec<Arc<dyn EventSink>>>,
}

impl EventBus {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn subscribe(&self, sink: Arc<dyn EventSink>) {
        match self.sinks.write() {
            Ok(mut g) => g.push(sink),
            Err(poisoned) => poisoned.into_inner().push(sink),
        }
    }

    fn snapshot(&self) -> Vec<Arc<dyn EventSink>> {
        match self.sinks.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

#[async_trait]
impl EventSink for EventBus {
    async fn publish(&self, event: DomainEvent) {
        for sink in self.snapshot() {
            sink.publish(event.clone()).await;
        }
    }
}
