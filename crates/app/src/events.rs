//! Events that leave a use-case after its change is stored: owner notifications, cache
//! invalidation and jobs subscribe here (the bot, cache and jobs crates implement `EventSink`).

use async_trait::async_trait;
use domain::join::JoinRequestId;
use domain::{PlannedShiftId, ShiftId, SiteId, UserId};
use std::sync::{Arc, RwLock};

/// What changed, published after the change's last write. Each names the records a cache would
/// drop and a job would follow; the list with who publishes what is in docs/architecture.md.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEvent {
    /// A site was created or its settings or flags changed.
    SiteChanged { site_id: SiteId, owner_id: UserId },
    /// An employee's access to a site was granted or revoked.
    AccessChanged {
        site_id: SiteId,
        employee_id: UserId,
    },
    /// A manager of a site was granted or revoked.
    ManagerChanged { site_id: SiteId, user_id: UserId },
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
    /// A plan was created, cancelled, or fulfilled by a shift that opened.
    PlanChanged {
        plan_id: PlannedShiftId,
        site_id: SiteId,
        employee_id: UserId,
    },
    /// A plan ended without a shift and was marked missed (one event per plan).
    PlanMissed {
        plan_id: PlannedShiftId,
        site_id: SiteId,
        employee_id: UserId,
    },
    /// A person was registered, or their name, language, owner flag or reachability changed.
    UserChanged { user_id: UserId },
    /// A new API token was issued to the person.
    TokenIssued { user_id: UserId },
    /// Every API token of the person was revoked: a cached token must stop working.
    TokensRevoked { user_id: UserId },
    /// A person asked to join a site.
    JoinRequested {
        request_id: JoinRequestId,
        site_id: SiteId,
        user_id: UserId,
    },
    /// A join request was approved (access is granted too: `AccessChanged` comes first) or
    /// declined.
    JoinDecided {
        request_id: JoinRequestId,
        site_id: SiteId,
        user_id: UserId,
        approved: bool,
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
