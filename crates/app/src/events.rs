//! Events that leave a use-case after its change is stored: owner notifications, cache
//! invalidation and jobs subscribe here (the bot, cache and jobs crates implement `EventSink`).

use async_trait::async_trait;
use domain::join::JoinRequestId;
use domain::{PlannedShiftId, ShiftChangeKind, ShiftId, SiteId, UserId};
use std::sync::{Arc, RwLock, Weak};

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
    /// Someone stated when a shift ended (an owner or manager closed it, its employee reported a
    /// forgotten close) or reviewed such an end; `by` made the change.
    ShiftEndStated {
        shift_id: ShiftId,
        site_id: SiteId,
        employee_id: UserId,
        change: ShiftChangeKind,
        by: UserId,
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
/// `StaffPro` to exist before it can subscribe its notifier) subscribe later, and a subscriber
/// that stops (a bot restarted in the same process) unsubscribes by dropping its
/// [`Subscription`], so a restarted adapter is never subscribed twice.
#[derive(Default)]
pub struct EventBus {
    sinks: Arc<RwLock<Sinks>>,
}

#[derive(Default)]
struct Sinks {
    next_id: u64,
    list: Vec<(u64, Arc<dyn EventSink>)>,
}

/// Keeps a sink subscribed while it lives; dropping it unsubscribes the sink.
#[must_use = "dropping the subscription unsubscribes the sink at once"]
pub struct Subscription {
    id: u64,
    sinks: Weak<RwLock<Sinks>>,
}

impl Subscription {
    /// Keeps the sink subscribed for as long as the bus lives.
    pub fn forever(self) {
        std::mem::forget(self);
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(sinks) = self.sinks.upgrade() {
            let mut g = match sinks.write() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            g.list.retain(|(id, _)| *id != self.id);
        }
    }
}

impl EventBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Subscribes `sink` until the returned [`Subscription`] is dropped.
    pub fn subscribe(&self, sink: Arc<dyn EventSink>) -> Subscription {
        let mut g = match self.sinks.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let id = g.next_id;
        g.next_id += 1;
        g.list.push((id, sink));
        Subscription {
            id,
            sinks: Arc::downgrade(&self.sinks),
        }
    }

    /// How many sinks are subscribed now.
    pub fn subscribers(&self) -> usize {
        match self.sinks.read() {
            Ok(g) => g.list.len(),
            Err(poisoned) => poisoned.into_inner().list.len(),
        }
    }

    fn snapshot(&self) -> Vec<Arc<dyn EventSink>> {
        let g = match self.sinks.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        g.list.iter().map(|(_, sink)| sink.clone()).collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Count(AtomicUsize);

    #[async_trait]
    impl EventSink for Count {
        async fn publish(&self, _event: DomainEvent) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn event() -> DomainEvent {
        DomainEvent::UserChanged { user_id: UserId(1) }
    }

    #[tokio::test]
    async fn a_dropped_subscription_receives_nothing_more() {
        let bus = EventBus::new();
        let first = Arc::new(Count::default());
        let second = Arc::new(Count::default());
        let sub = bus.subscribe(first.clone());
        bus.subscribe(second.clone()).forever();
        bus.publish(event()).await;
        drop(sub);
        assert_eq!(bus.subscribers(), 1);
        bus.publish(event()).await;
        assert_eq!(first.0.load(Ordering::SeqCst), 1);
        assert_eq!(second.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_subscription_outliving_its_bus_is_harmless() {
        let bus = EventBus::new();
        let sub = bus.subscribe(Arc::new(Count::default()));
        drop(bus);
        drop(sub);
    }
}
