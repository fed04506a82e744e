//! Conformance cases of the events the use-cases publish: each mutating use-case publishes the
//! exact events of its change (and nothing when it changes nothing or is refused), after the
//! change is stored. `RecordedEvents` and `Probe` are the sinks that watch them.

// A test suite: a failed expectation is meant to panic with the value that broke it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{MSK, World, local, site_patch};
use app::{AppError, DomainEvent, EventSink, OpenShiftError, PlanShiftError, Store};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use domain::{Language, PlanRuleError, PlanStatus, SitePatch, UserId, ValueError};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// Keeps every event it is given, in order.
#[derive(Default)]
pub struct RecordedEvents {
    events: Mutex<Vec<DomainEvent>>,
}

impl RecordedEvents {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The events so far, forgetting them.
    pub fn take(&self) -> Vec<DomainEvent> {
        match self.events.lock() {
            Ok(mut g) => std::mem::take(&mut *g),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

#[async_trait]
impl EventSink for RecordedEvents {
    async fn publish(&self, event: DomainEvent) {
        match self.events.lock() {
            Ok(mut g) => g.push(event),
            Err(poisoned) => poisoned.into_inner().push(event),
        }
    }
}

/// A boxed future that can move between threads.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

type Look<T> = Box<dyn Fn(DomainEvent) -> BoxFuture<T> + Send + Sync>;

/// Looks at the store when each event arrives and keeps what it saw: a change that is already
/// visible then was published after its write.
pub struct Probe<T> {
    look: Look<T>,
    seen: Mutex<Vec<T>>,
}

impl<T: Send + 'static> Probe<T> {
    pub fn new(look: impl Fn(DomainEvent) -> BoxFuture<T> + Send + Sync + 'static) -> Self {
        Self {
            look: Box::new(look),
            seen: Mutex::new(Vec::new()),
        }
    }

    pub fn take(&self) -> Vec<T> {
        match self.seen.lock() {
            Ok(mut g) => std::mem::take(&mut *g),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

#[async_trait]
impl<T: Send + 'static> EventSink for Probe<T> {
    async fn publish(&self, event: DomainEvent) {
        let seen = (self.look)(event).await;
        match self.seen.lock() {
            Ok(mut g) => g.push(seen),
            Err(poisoned) => poisoned.into_inner().push(seen),
        }
    }
}

/// Hands each event to both sinks.
struct Both(Arc<dyn EventSink>, Arc<dyn EventSink>);

#[async_trait]
impl EventSink for Both {
    async fn publish(&self, event: DomainEvent) {
        self.0.publish(event.clone()).await;
        self.1.publish(event).await;
    }
}

const START: &str = "2026-11-25 12:00";

/// The usual world (owner, employee with access, Moscow site) at `now`, recording events; what
/// the set-up published is already taken.
async fn recorded(store: Arc<dyn Store>, now: DateTime<Utc>) -> (World, Arc<RecordedEvents>) {
    let events = RecordedEvents::new();
    let w = World::with_events(store, now, events.clone()).await;
    events.take();
    (w, events)
}

/// Like `recorded`, with a probe beside the recorder.
async fn probed<T: Send + 'static>(
    store: Arc<dyn Store>,
    now: DateTime<Utc>,
    look: impl Fn(Arc<dyn Store>, DomainEvent) -> BoxFuture<T> + Send + Sync + 'static,
) -> (World, Arc<RecordedEvents>, Arc<Probe<T>>) {
    let events = RecordedEvents::new();
    let looked_at = store.clone();
    let probe = Arc::new(Probe::new(move |e| look(looked_at.clone(), e)));
    let w = World::with_events(store, now, Arc::new(Both(events.clone(), probe.clone()))).await;
    events.take();
    probe.take();
    (w, events, probe)
}

fn user_changed(user_id: UserId) -> DomainEvent {
    DomainEvent::UserChanged { user_id }
}

// ---- people and tokens -------------------------------------------------------------------------

pub async fn register_user_publishes_user_changed(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, START)).await;
    let anna = w
        .app
        .register_user(3001, "Анна", Language::En)
        .await
        .unwrap();
    assert_eq!(events.take(), vec![user_changed(anna.id)]);
    // Refreshing the name is a change too.
    w.app
        .register_user(3001, "Анна Новая", Language::En)
        .await
        .unwrap();
    assert_eq!(events.take(), vec![user_changed(anna.id)]);
    // A refused name stores nothing and tells nothing.
    assert_eq!(
        w.app.register_user(3002, "   ", Language::En).await,
        Err(AppError::Invalid(ValueError::PersonNameLength { len: 0 }))
    );
    assert_eq!(events.take(), vec![]);
}

pub async fn add_owner_publishes_user_changed_after_the_flag(store: Arc<dyn Store>) {
    let (w, events, probe) = probed(store, local(MSK, START), |store, e| {
        Box::pin(async move {
            match e {
                DomainEvent::UserChanged { user_id } => {
                    store.user(user_id).await.unwrap().map(|u| u.is_owner)
                }
                _ => None,
            }
        })
    })
    .await;
    // An employee becomes an owner: one event, sent when the flag is already stored.
    let owner = w
        .app
        .add_owner(w.employee.telegram_id, "Иван Петров", Language::Ru)
        .await
        .unwrap();
    assert_eq!(owner.id, w.employee.id);
    assert_eq!(events.take(), vec![user_changed(w.employee.id)]);
    assert_eq!(probe.take(), vec![Some(true)]);
    // A person not known yet: registered and flagged, still one event.
    let new = w.app.add_owner(1003, "Новый", Language::En).await.unwrap();
    assert_eq!(events.take(), vec![user_changed(new.id)]);
    assert_eq!(probe.take(), vec![Some(true)]);
}

pub async fn ensure_user_publishes_only_when_registering(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, START)).await;
    let newcomer = w.app.ensure_user(3001, "Новенький", None).await.unwrap();
    assert_eq!(events.take(), vec![user_changed(newcomer.id)]);
    w.app.ensure_user(3001, "Новенький", None).await.unwrap();
    assert_eq!(events.take(), vec![], "a known person changes nothing");
}

pub async fn language_and_reachability_publish_user_changed(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, START)).await;
    let english = w.app.set_language(&w.employee, Language::En).await.unwrap();
    assert_eq!(events.take(), vec![user_changed(w.employee.id)]);
    w.app.set_reachable(&english, false).await.unwrap();
    assert_eq!(events.take(), vec![user_changed(w.employee.id)]);
    // Already reachable: nothing changes, nothing is told.
    w.app.set_reachable(&english, true).await.unwrap();
    assert_eq!(events.take(), vec![]);
}

pub async fn issuing_a_token_publishes_token_issued(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, START)).await;
    w.app.issue_api_token(1001, "ci").await.unwrap();
    assert_eq!(
        events.take(),
        vec![DomainEvent::TokenIssued {
            user_id: w.owner.id
        }]
    );
    assert_eq!(
        w.app.issue_api_token(9_999_999, "nobody").await,
        Err(AppError::NotFound("user"))
    );
    assert_eq!(events.take(), vec![]);
}

pub async fn revoking_tokens_publishes_tokens_revoked_after_the_revoke(store: Arc<dyn Store>) {
    // The probe looks the token up when the event arrives: it must already be dead.
    let token_hash = Arc::new(Mutex::new(String::new()));
    let looked_up = token_hash.clone();
    let (w, events, probe) = probed(store, local(MSK, START), move |store, _| {
        let hash = looked_up.lock().map(|h| h.clone()).unwrap_or_default();
        Box::pin(async move { store.user_by_token_hash(&hash).await.unwrap().is_some() })
    })
    .await;
    let (_, token) = w.app.issue_api_token(1001, "ci").await.unwrap();
    *token_hash.lock().unwrap() = app::tokens::hash(&token);
    events.take();
    probe.take();

    assert_eq!(w.app.revoke_api_tokens(1001).await.unwrap(), 1);
    assert_eq!(
        events.take(),
        vec![DomainEvent::TokensRevoked {
            user_id: w.owner.id
        }]
    );
    assert_eq!(
        probe.take(),
        vec![false],
        "the token still worked when told"
    );
    // Nothing live to revoke: nothing changes.
    assert_eq!(w.app.revoke_api_tokens(1001).await.unwrap(), 0);
    assert_eq!(events.take(), vec![]);
    assert_eq!(
        w.app.revoke_api_tokens(9_999_999).await,
        Err(AppError::NotFound("user"))
    );
    assert_eq!(events.take(), vec![]);
}

// ---- sites, managers and employees -------------------------------------------------------------

pub async fn creating_and_editing_a_site_publish_site_changed(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, START)).await;
    let site = w
        .app
        .create_site(&w.owner, site_patch("Склад №2", MSK, "08:00", "20:00"))
        .await
        .unwrap();
    let changed = DomainEvent::SiteChanged {
        site_id: site.id,
        owner_id: w.owner.id,
    };
    assert_eq!(events.take(), vec![changed.clone()]);
    let rename = SitePatch {
        name: Some("Склад №3".into()),
        ..SitePatch::default()
    };
    w.app
        .update_site(&w.owner, site.id, rename.clone(), Some(false), None)
        .await
        .unwrap();
    assert_eq!(events.take(), vec![changed]);
    // Someone else's edit is refused and tells nothing.
    assert_eq!(
        w.app
            .update_site(&w.employee, site.id, rename, None, None)
            .await,
        Err(AppError::NotFound("site"))
    );
    assert_eq!(events.take(), vec![]);
}

pub async fn granting_and_revoking_a_manager_publish_manager_changed(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, START)).await;
    let manager = w
        .app
        .grant_manager(&w.owner, w.site.id, w.employee.telegram_id)
        .await
        .unwrap();
    let changed = DomainEvent::ManagerChanged {
        site_id: w.site.id,
        user_id: manager.id,
    };
    assert_eq!(events.take(), vec![changed.clone()]);
    // Granted already: nothing changes.
    w.app
        .grant_manager(&w.owner, w.site.id, w.employee.telegram_id)
        .await
        .unwrap();
    assert_eq!(events.take(), vec![]);
    w.app
        .revoke_manager(&w.owner, w.site.id, manager.id)
        .await
        .unwrap();
    assert_eq!(events.take(), vec![changed]);
    assert_eq!(
        w.app.revoke_manager(&w.owner, w.site.id, manager.id).await,
        Err(AppError::NotFound("manager"))
    );
    assert_eq!(events.take(), vec![]);
}

pub async fn adding_and_revoking_an_employee_publish_access_changed(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, START)).await;
    let second = w
        .app
        .create_site(&w.owner, site_patch("Склад №2", MSK, "08:00", "20:00"))
        .await
        .unwrap();
    events.take();
    let access = |employee_id| DomainEvent::AccessChanged {
        site_id: second.id,
        employee_id,
    };
    // A known person.
    w.app
        .add_employee(&w.owner, second.id, w.employee.telegram_id, None)
        .await
        .unwrap();
    assert_eq!(events.take(), vec![access(w.employee.id)]);
    // Has access already: nothing changes.
    w.app
        .add_employee(&w.owner, second.id, w.employee.telegram_id, None)
        .await
        .unwrap();
    assert_eq!(events.take(), vec![]);
    // A person the bot has not met: registered, then given access.
    let new = w
        .app
        .add_employee(&w.owner, second.id, 3001, Some("Мария"))
        .await
        .unwrap();
    assert_eq!(
        events.take(),
        vec![user_changed(new.user.id), access(new.user.id)]
    );
    w.app
        .revoke_employee(&w.owner, second.id, new.user.id)
        .await
        .unwrap();
    assert_eq!(events.take(), vec![access(new.user.id)]);
    assert_eq!(
        w.app
            .revoke_employee(&w.owner, second.id, new.user.id)
            .await,
        Err(AppError::NotFound("employee"))
    );
    assert_eq!(events.take(), vec![]);
}

// ---- shifts and plans --------------------------------------------------------------------------

pub async fn opening_and_closing_a_shift_publish_their_events(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, "2026-12-01 10:00")).await;
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(
        events.take(),
        vec![DomainEvent::ShiftOpened {
            shift_id: shift.id,
            site_id: w.site.id,
            employee_id: w.employee.id,
        }]
    );
    // A refused open tells nothing.
    assert_eq!(
        w.app.open_shift(&w.employee, w.site.id, w.near()).await,
        Err(OpenShiftError::AlreadyActive {
            shift_id: shift.id,
            site_id: w.site.id,
        })
    );
    assert_eq!(events.take(), vec![]);
    w.set(local(MSK, "2026-12-01 12:00"));
    w.app.close_shift(&w.employee, w.near()).await.unwrap();
    assert_eq!(
        events.take(),
        vec![DomainEvent::ShiftClosed {
            shift_id: shift.id,
            site_id: w.site.id,
            employee_id: w.employee.id,
            automatically: false,
        }]
    );
}

pub async fn opening_a_planned_shift_also_publishes_plan_changed(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, "2026-11-30 12:00")).await;
    let plan = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (12, 0), (18, 0)))
        .await
        .unwrap();
    events.take();
    w.set(local(MSK, "2026-12-01 11:00"));
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(shift.planned_shift_id, Some(plan.id));
    assert_eq!(
        events.take(),
        vec![
            DomainEvent::ShiftOpened {
                shift_id: shift.id,
                site_id: w.site.id,
                employee_id: w.employee.id,
            },
            DomainEvent::PlanChanged {
                plan_id: plan.id,
                site_id: w.site.id,
                employee_id: w.employee.id,
            },
        ]
    );
}

pub async fn auto_close_publishes_shift_closed_automatically(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, "2026-12-01 09:00")).await;
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    events.take();
    // Before 21:00 closing + 60 min grace nothing is due.
    w.set(local(MSK, "2026-12-01 21:30"));
    assert_eq!(w.app.auto_close_due().await.unwrap(), vec![]);
    assert_eq!(events.take(), vec![]);
    w.set(local(MSK, "2026-12-01 22:00"));
    w.app.auto_close_due().await.unwrap();
    assert_eq!(
        events.take(),
        vec![DomainEvent::ShiftClosed {
            shift_id: shift.id,
            site_id: w.site.id,
            employee_id: w.employee.id,
            automatically: true,
        }]
    );
}

pub async fn planning_and_cancelling_publish_plan_changed(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, START)).await;
    let plan = w
        .app
        .plan_shift(&w.employee, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    let changed = DomainEvent::PlanChanged {
        plan_id: plan.id,
        site_id: w.site.id,
        employee_id: w.employee.id,
    };
    assert_eq!(events.take(), vec![changed.clone()]);
    w.app.cancel_plan(&w.employee, plan.id).await.unwrap();
    assert_eq!(events.take(), vec![changed]);
    // Cancelled already: refused, nothing told.
    assert_eq!(
        w.app.cancel_plan(&w.owner, plan.id).await,
        Err(PlanShiftError::Rule(PlanRuleError::NotCancellable {
            status: "cancelled"
        }))
    );
    assert_eq!(events.take(), vec![]);
}

pub async fn missed_plans_publish_one_plan_missed_each(store: Arc<dyn Store>) {
    let (w, events, probe) = probed(store, local(MSK, START), |store, e| {
        Box::pin(async move {
            match e {
                DomainEvent::PlanMissed { plan_id, .. } => store
                    .planned_shift(plan_id)
                    .await
                    .unwrap()
                    .map(|p| p.status),
                _ => None,
            }
        })
    })
    .await;
    let maria = w.hire(2002, "Мария Сидорова", w.site.id).await;
    let first = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    let second = w
        .app
        .plan_shift(
            &w.owner,
            app::service::PlanRequest {
                employee_id: maria.id,
                ..w.plan("2026-12-01", (9, 0), (12, 0))
            },
        )
        .await
        .unwrap();
    events.take();
    probe.take();
    w.set(local(MSK, "2026-12-01 14:00") + Duration::minutes(1));
    w.app.mark_missed_plans().await.unwrap();
    // Ordered by start: Maria's 09:00 plan first.
    assert_eq!(
        events.take(),
        vec![
            DomainEvent::PlanMissed {
                plan_id: second.id,
                site_id: w.site.id,
                employee_id: maria.id,
            },
            DomainEvent::PlanMissed {
                plan_id: first.id,
                site_id: w.site.id,
                employee_id: w.employee.id,
            },
        ]
    );
    assert_eq!(
        probe.take(),
        vec![Some(PlanStatus::Missed), Some(PlanStatus::Missed)]
    );
    w.app.mark_missed_plans().await.unwrap();
    assert_eq!(events.take(), vec![]);
}

// ---- joining -----------------------------------------------------------------------------------

pub async fn join_requests_publish_requested_and_decided(store: Arc<dyn Store>) {
    let (w, events) = recorded(store, local(MSK, START)).await;
    let newcomer = w.app.ensure_user(3001, "Новенький", None).await.unwrap();
    let other = w.app.ensure_user(3002, "Другой", None).await.unwrap();
    events.take();

    let asked = w
        .app
        .request_join(&newcomer, &w.site.join_code)
        .await
        .unwrap();
    assert_eq!(
        events.take(),
        vec![DomainEvent::JoinRequested {
            request_id: asked.request.id,
            site_id: w.site.id,
            user_id: newcomer.id,
        }]
    );
    // Approving grants access: access first, then the decision.
    w.app
        .decide_join(&w.owner, asked.request.id, true)
        .await
        .unwrap();
    assert_eq!(
        events.take(),
        vec![
            DomainEvent::AccessChanged {
                site_id: w.site.id,
                employee_id: newcomer.id,
            },
            DomainEvent::JoinDecided {
                request_id: asked.request.id,
                site_id: w.site.id,
                user_id: newcomer.id,
                approved: true,
            },
        ]
    );
    // Deciding again is refused and tells nothing.
    assert_eq!(
        w.app.decide_join(&w.owner, asked.request.id, false).await,
        Err(app::joining::JoinError::AlreadyDecided)
    );
    assert_eq!(events.take(), vec![]);

    let declined = w.app.request_join(&other, &w.site.join_code).await.unwrap();
    events.take();
    w.app
        .decide_join(&w.owner, declined.request.id, false)
        .await
        .unwrap();
    assert_eq!(
        events.take(),
        vec![DomainEvent::JoinDecided {
            request_id: declined.request.id,
            site_id: w.site.id,
            user_id: other.id,
            approved: false,
        }]
    );
}
