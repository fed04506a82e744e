//! Conformance cases of `app::background`'s ports: the outbox written with the shift changes
//! (carrying exactly the events the use-cases publish, nothing for a failed write or an import),
//! relays' claims, the scheduler's lease and ticks, effects, the reminder and no-show scans and
//! clean-up. Every instant is fixed; the stores never read the clock for these.

use super::*;
use app::DomainEvent;
use app::background::{Area, BackgroundStore, OutboxEntry, OutboxJob, kinds};
use app::review::{ReviewDecision, StatedEnd};
use domain::ShiftChangeKind;
use std::collections::BTreeSet;

/// Everything one database serves: the domain's store, the bot's state and background records.
/// The background cases need all three (shifts to follow, dialogues to forget).
pub trait WholeStore: Store + BotStateStore + BackgroundStore {}

impl<T: Store + BotStateStore + BackgroundStore> WholeStore for T {}

/// Runs one background case on a fresh store, like `run`.
pub fn run_background<S, M, MF, C, CF>(make: M, case: C)
where
    S: WholeStore,
    M: FnOnce() -> MF,
    MF: Future<Output = Arc<S>>,
    C: FnOnce(Arc<dyn WholeStore>) -> CF,
    CF: Future<Output = ()>,
{
    on_runtime(async move {
        let store: Arc<dyn WholeStore> = make().await;
        case(store).await;
    });
}

/// A job as a scan or a tick would add it.
fn job(n: u32) -> OutboxJob {
    OutboxJob {
        id: format!("test:{n}"),
        area: if n.is_multiple_of(2) {
            Area::Analytics
        } else {
            Area::Shifts
        },
        kind: "test.job".into(),
        payload: serde_json::json!({ "n": n, "text": "Привет" }),
    }
}

/// Every entry waiting, claimed at `now` for a minute.
async fn claim_all(store: &Arc<dyn WholeStore>, now: DateTime<Utc>) -> Vec<OutboxEntry> {
    store
        .claim_outbox(1_000, now, now + Duration::minutes(1))
        .await
        .unwrap()
}

/// The event an outbox entry of a shift change stands for.
fn event_of(entry: &OutboxEntry) -> DomainEvent {
    let p = &entry.job.payload;
    let id = |key: &str| p[key].as_i64().unwrap_or_else(|| panic!("{key} in {p}"));
    let (shift_id, site_id, employee_id) = (
        ShiftId(id("shift_id")),
        SiteId(id("site_id")),
        UserId(id("employee_id")),
    );
    assert_eq!(entry.job.area, Area::Notifications, "{entry:?}");
    match entry.job.kind.as_str() {
        kinds::SHIFT_NEWS => match p["closed"].as_bool() {
            None => DomainEvent::ShiftOpened {
                shift_id,
                site_id,
                employee_id,
            },
            Some(automatically) => DomainEvent::ShiftClosed {
                shift_id,
                site_id,
                employee_id,
                automatically,
            },
        },
        kinds::STATED_END => DomainEvent::ShiftEndStated {
            shift_id,
            site_id,
            employee_id,
            change: p["change"]
                .as_str()
                .and_then(ShiftChangeKind::parse)
                .unwrap_or_else(|| panic!("change in {p}")),
            by: UserId(id("by")),
        },
        other => panic!("unexpected job kind {other:?}"),
    }
}

// ---- the outbox written with the change ----------------------------------------------------------

pub async fn the_outbox_carries_the_events_of_shift_changes(store: Arc<dyn WholeStore>) {
    let events = RecordedEvents::new();
    let plain: Arc<dyn Store> = store.clone();
    let w = World::with_events(plain, local(MSK, "2026-12-01 10:00"), events.clone()).await;
    events.take();
    let mut written = Vec::new();
    // Opened and closed from the site.
    let first = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    written.push(local(MSK, "2026-12-01 10:00"));
    // A refused open stores nothing, so it writes nothing.
    assert!(
        w.app
            .open_shift(&w.employee, w.site.id, w.near())
            .await
            .is_err()
    );
    w.set(local(MSK, "2026-12-01 12:00"));
    w.app.close_shift(&w.employee, w.near()).await.unwrap();
    written.push(local(MSK, "2026-12-01 12:00"));
    // Closed automatically (21:00 closing + 60 min grace), then the close is approved.
    w.set(local(MSK, "2026-12-01 13:00"));
    let second = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    written.push(local(MSK, "2026-12-01 13:00"));
    w.set(local(MSK, "2026-12-01 22:00"));
    assert_eq!(w.app.auto_close_due().await.unwrap().len(), 1);
    written.push(local(MSK, "2026-12-01 22:00"));
    w.set(local(MSK, "2026-12-01 22:30"));
    w.app
        .review_shift(&w.owner, second.id, ReviewDecision::Approve)
        .await
        .unwrap();
    written.push(local(MSK, "2026-12-01 22:30"));
    // Closed by the owner at a stated time: the end is stated, the shift is not "closed" news.
    w.set(local(MSK, "2026-12-02 10:00"));
    let third = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    written.push(local(MSK, "2026-12-02 10:00"));
    w.set(local(MSK, "2026-12-02 11:00"));
    w.app
        .close_shift_for(&w.owner, third.id, StatedEnd::Now)
        .await
        .unwrap();
    written.push(local(MSK, "2026-12-02 11:00"));
    // Closing it again is refused and writes nothing.
    assert!(
        w.app
            .close_shift_for(&w.owner, third.id, StatedEnd::Now)
            .await
            .is_err()
    );
    // A forgotten close reported by the employee, then its end moved by the owner.
    w.set(local(MSK, "2026-12-02 12:00"));
    let fourth = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    written.push(local(MSK, "2026-12-02 12:00"));
    w.set(local(MSK, "2026-12-02 13:00"));
    w.app
        .report_forgotten_close(&w.employee, StatedEnd::At(local(MSK, "2026-12-02 12:30")))
        .await
        .unwrap();
    written.push(local(MSK, "2026-12-02 13:00"));
    w.set(local(MSK, "2026-12-02 13:10"));
    w.app
        .review_shift(
            &w.owner,
            fourth.id,
            ReviewDecision::ChangeEnd(StatedEnd::At(local(MSK, "2026-12-02 12:45"))),
        )
        .await
        .unwrap();
    written.push(local(MSK, "2026-12-02 13:10"));

    let published: Vec<DomainEvent> = events
        .take()
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                DomainEvent::ShiftOpened { .. }
                    | DomainEvent::ShiftClosed { .. }
                    | DomainEvent::ShiftEndStated { .. }
            )
        })
        .collect();
    assert_eq!(published.len(), 10, "{published:?}");
    let (audits, entries): (Vec<OutboxEntry>, Vec<OutboxEntry>) =
        claim_all(&store, local(MSK, "2026-12-02 14:00"))
            .await
            .into_iter()
            .partition(|e| e.job.kind == kinds::SHIFT_AUDIT);
    // Only the close from the site has an end location to audit, dated by that close.
    assert_eq!(
        audits
            .iter()
            .map(|e| (e.job.id.clone(), e.job.area, e.created_at))
            .collect::<Vec<_>>(),
        [(
            format!("shift:{}:audit", first.id.0),
            Area::Shifts,
            local(MSK, "2026-12-01 12:00")
        )]
    );
    assert_eq!(
        entries.iter().map(event_of).collect::<Vec<_>>(),
        published,
        "the outbox holds the events of the changes, in their order"
    );
    // Each entry is dated by the change it follows.
    assert_eq!(
        entries.iter().map(|e| e.created_at).collect::<Vec<_>>(),
        written
    );
    let ids: BTreeSet<&str> = entries.iter().map(|e| e.job.id.as_str()).collect();
    assert_eq!(ids.len(), entries.len(), "idempotency keys are distinct");
    assert!(ids.contains(format!("shift:{}:opened", first.id.0).as_str()));
    assert!(ids.contains(format!("shift:{}:closed", first.id.0).as_str()));
    assert!(entries.windows(2).all(|p| p[0].seq < p[1].seq));
}

pub async fn failed_writes_and_imports_write_no_outbox_rows(store: Arc<dyn WholeStore>) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    let t0 = utc("2026-12-01 07:00");
    // A shift at a site that does not exist is refused, with nothing in the outbox.
    assert!(
        store
            .insert_shift(&new_shift(b.e1.id, SiteId(999_999), t0))
            .await
            .is_err()
    );
    assert_eq!(store.outbox_len().await.unwrap(), 0);
    let open = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, t0))
        .await
        .unwrap();
    assert_eq!(store.outbox_len().await.unwrap(), 1);
    // A second active shift of the same employee.
    assert_eq!(
        store
            .insert_shift(&new_shift(b.e1.id, b.s2.id, t0 + Duration::minutes(5)))
            .await,
        Err(StoreError::ActiveShiftExists)
    );
    assert_eq!(store.outbox_len().await.unwrap(), 1);
    let end = finished(b.e1.id, b.s1.id, t0, 120, ShiftStatus::Closed).end;
    let closed = store.close_shift(open.id, &end).await.unwrap();
    // The notice and, for a close with an end location, the audit.
    assert_eq!(store.outbox_len().await.unwrap(), 3);
    // Closing it again, or revising it as if it still ran, changes nothing.
    assert!(store.close_shift(open.id, &end).await.is_err());
    let stale = app::ShiftRevision {
        expect: app::ShiftExpectation {
            status: ShiftStatus::Active,
            ended_at: None,
            needs_review: false,
        },
        status: ShiftStatus::Closed,
        ended_at: t0 + Duration::minutes(60),
        worked_minutes: 60,
        pay_minor: pay_minor(60, RATE),
        review_reason: None,
        closed_by: Some(b.owner.id),
        kind: ShiftChangeKind::ClosedByManager,
        changed_by: b.owner.id,
        changed_at: t0 + Duration::minutes(130),
    };
    assert!(store.revise_shift(open.id, &stale).await.is_err());
    assert_eq!(store.outbox_len().await.unwrap(), 3);
    // The bulk import (demo data) tells nobody.
    let history: Vec<FinishedShift> = (1..=3)
        .map(|d| {
            finished(
                b.e2.id,
                b.s2.id,
                t0 - Duration::days(d),
                240,
                ShiftStatus::Closed,
            )
        })
        .collect();
    assert_eq!(store.import_finished_shifts(&history).await.unwrap(), 3);
    assert_eq!(store.outbox_len().await.unwrap(), 3);
    let entries = claim_all(&store, t0 + Duration::hours(3)).await;
    assert_eq!(
        entries.iter().map(|e| e.job.clone()).collect::<Vec<_>>(),
        [
            app::background::after_shift_opened(&open, true),
            app::background::after_shift_closed(&closed, true),
        ]
        .concat()
    );
    assert_eq!(entries[0].created_at, t0);
    assert_eq!(entries[1].created_at, end.ended_at);
    assert_eq!(entries[2].created_at, end.ended_at);
}

// ---- relays --------------------------------------------------------------------------------------

pub async fn claimed_entries_are_held_until_their_hold_passes(store: Arc<dyn WholeStore>) {
    let t0 = utc("2026-12-01 07:00");
    assert!(store.claim_outbox(10, t0, t0).await.unwrap().is_empty());
    store.add_to_outbox(&[], t0).await.unwrap();
    store
        .add_to_outbox(&[job(1), job(2), job(3)], t0)
        .await
        .unwrap();
    assert_eq!(store.outbox_len().await.unwrap(), 3);
    let hold = t0 + Duration::minutes(1);
    let first = store.claim_outbox(2, t0, hold).await.unwrap();
    assert_eq!(
        first.iter().map(|e| e.job.clone()).collect::<Vec<_>>(),
        vec![job(1), job(2)],
        "oldest first, the payload as written"
    );
    assert!(first.iter().all(|e| e.created_at == t0));
    assert!(first[0].seq < first[1].seq);
    // A second relay gets the others, then none while the holds last.
    let second = store
        .claim_outbox(10, t0 + Duration::seconds(30), t0 + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(
        second.iter().map(|e| e.job.clone()).collect::<Vec<_>>(),
        vec![job(3)]
    );
    assert!(
        store
            .claim_outbox(10, hold - Duration::seconds(1), hold + Duration::minutes(1))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.outbox_len().await.unwrap(),
        3,
        "held entries still count"
    );
    // The first relay died: its entries go again once its hold has passed.
    let again = store
        .claim_outbox(10, hold, hold + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        again.iter().map(|e| e.seq).collect::<Vec<_>>(),
        first.iter().map(|e| e.seq).collect::<Vec<_>>()
    );
    // Confirmed entries are removed; removing twice or nothing is harmless.
    let seqs: Vec<i64> = again.iter().map(|e| e.seq).collect();
    store.remove_from_outbox(&seqs).await.unwrap();
    store.remove_from_outbox(&seqs).await.unwrap();
    store.remove_from_outbox(&[]).await.unwrap();
    assert_eq!(store.outbox_len().await.unwrap(), 1);
    store.remove_from_outbox(&[second[0].seq]).await.unwrap();
    assert_eq!(store.outbox_len().await.unwrap(), 0);
    // New entries never reuse a removed sequence number.
    store.add_to_outbox(&[job(4)], t0).await.unwrap();
    let next = claim_all(&store, t0).await;
    assert!(next[0].seq > second[0].seq);
}

pub async fn concurrent_claims_never_hand_out_an_entry_twice(store: Arc<dyn WholeStore>) {
    let t0 = utc("2026-12-01 07:00");
    let jobs: Vec<OutboxJob> = (0..60).map(job).collect();
    store.add_to_outbox(&jobs, t0).await.unwrap();
    let relays: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = store
                        .claim_outbox(7, t0, t0 + Duration::minutes(5))
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(batch.into_iter().map(|e| e.job.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for relay in relays {
        all.extend(relay.await.unwrap());
    }
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 60, "every entry handed out once: {all:?}");
    assert_eq!(distinct.len(), 60);
}

// ---- the scheduler's lease and ticks -------------------------------------------------------------

pub async fn the_lease_has_one_holder_at_a_time(store: Arc<dyn WholeStore>) {
    let t0 = utc("2026-12-01 07:00");
    let s = |secs: i64| t0 + Duration::seconds(secs);
    let hold = |who: &'static str, now: i64, until: i64| {
        let store = store.clone();
        async move {
            store
                .hold_lease("scheduler", who, s(now), s(until))
                .await
                .unwrap()
        }
    };
    assert!(hold("a", 0, 30).await, "a free lease is taken");
    assert!(!hold("b", 10, 40).await, "not while another holds it");
    assert!(hold("a", 20, 50).await, "its holder renews it");
    assert!(!hold("b", 40, 70).await, "the renewal counts");
    // Another lease name is another lease.
    assert!(store.hold_lease("other", "b", s(40), s(70)).await.unwrap());
    assert!(hold("b", 50, 80).await, "taken over once it ran out");
    assert!(!hold("a", 55, 85).await, "the old holder lost it");
    // Only the holder can give it up.
    store.release_lease("scheduler", "a").await.unwrap();
    assert!(!hold("a", 60, 90).await);
    store.release_lease("scheduler", "b").await.unwrap();
    assert!(hold("a", 61, 91).await, "given up, it is free at once");
}

pub async fn a_lease_race_has_one_winner(store: Arc<dyn WholeStore>) {
    let t0 = utc("2026-12-01 07:00");
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .hold_lease(
                        "scheduler",
                        &format!("s{i}"),
                        t0,
                        t0 + Duration::seconds(30),
                    )
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut won = 0;
    for r in racers {
        if r.await.unwrap() {
            won += 1;
        }
    }
    assert_eq!(won, 1);
}

pub async fn a_tick_fires_once(store: Arc<dyn WholeStore>) {
    let at = utc("2026-12-01 07:00");
    let now = at + Duration::seconds(2);
    assert_eq!(store.last_tick("reminders").await.unwrap(), None);
    assert!(
        store
            .fire_tick("reminders", at, &job(1), now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .fire_tick("reminders", at, &job(2), now)
            .await
            .unwrap()
    );
    assert_eq!(store.last_tick("reminders").await.unwrap(), Some(at));
    assert_eq!(store.last_tick("auto_close").await.unwrap(), None);
    // The job of the tick that fired, and nothing of the second try.
    let entries = claim_all(&store, now).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].job, job(1));
    assert_eq!(entries[0].created_at, now);
    // Schedulers racing for the next tick: one fires it.
    let next = at + Duration::minutes(30);
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .fire_tick("reminders", next, &job(10 + i), next)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut fired = 0;
    for r in racers {
        if r.await.unwrap() {
            fired += 1;
        }
    }
    assert_eq!(fired, 1);
    assert_eq!(store.outbox_len().await.unwrap(), 2);
    assert_eq!(store.last_tick("reminders").await.unwrap(), Some(next));
    // An earlier tick fired late does not move the last one back.
    assert!(
        store
            .fire_tick("reminders", at - Duration::minutes(30), &job(3), next)
            .await
            .unwrap()
    );
    assert_eq!(store.last_tick("reminders").await.unwrap(), Some(next));
}

pub async fn old_ticks_are_forgotten_but_the_latest_stays(store: Arc<dyn WholeStore>) {
    let t0 = utc("2026-12-01 07:00");
    let h = |n: i64| t0 + Duration::hours(n);
    for n in 0..3 {
        assert!(
            store
                .fire_tick("reminders", h(n), &job(1), h(n))
                .await
                .unwrap()
        );
    }
    assert!(
        store
            .fire_tick("clean_up", h(0), &job(2), h(0))
            .await
            .unwrap()
    );
    // Before h(10): every tick is old, but each entry's latest stays.
    assert_eq!(store.forget_ticks_before(h(10)).await.unwrap(), 2);
    assert_eq!(store.last_tick("reminders").await.unwrap(), Some(h(2)));
    assert_eq!(store.last_tick("clean_up").await.unwrap(), Some(h(0)));
    assert!(
        !store
            .fire_tick("reminders", h(2), &job(1), h(2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .fire_tick("clean_up", h(0), &job(2), h(0))
            .await
            .unwrap()
    );
    assert_eq!(store.forget_ticks_before(h(10)).await.unwrap(), 0);
}

// ---- effects ---------------------------------------------------------------------------------

pub async fn effects_are_recorded_once_and_forgotten_by_age(store: Arc<dyn WholeStore>) {
    let t0 = utc("2026-12-01 07:00");
    let key = "reminder:plan:42:lead-120";
    assert!(!store.effect_done(key).await.unwrap());
    assert!(store.record_effect(key, t0).await.unwrap());
    assert!(store.effect_done(key).await.unwrap());
    assert!(
        !store
            .record_effect(key, t0 + Duration::hours(1))
            .await
            .unwrap()
    );
    assert!(
        store
            .record_effect("noshow:plan:42", t0 + Duration::days(2))
            .await
            .unwrap()
    );
    // Forgotten by when they were first recorded (the second try did not move it).
    assert_eq!(
        store
            .forget_effects_before(t0 + Duration::minutes(30))
            .await
            .unwrap(),
        1
    );
    assert!(!store.effect_done(key).await.unwrap());
    assert!(store.effect_done("noshow:plan:42").await.unwrap());
    assert_eq!(store.forget_effects_before(t0).await.unwrap(), 0);
}

// ---- the reminder and no-show scans ---------------------------------------------------------

/// A plan of `employee` at site s1 from `start` for 20 minutes.
async fn plan_at(
    store: &Arc<dyn WholeStore>,
    b: &Base,
    employee: &User,
    start: DateTime<Utc>,
) -> PlannedShift {
    store
        .insert_planned_shift(&new_plan(
            employee.id,
            b.s1.id,
            start,
            start + Duration::minutes(20),
        ))
        .await
        .unwrap()
}

/// Plans that are no longer waiting at `start`: one cancelled, one missed, one fulfilled by a
/// shift (done), each of its own employee.
async fn not_waiting(store: &Arc<dyn WholeStore>, b: &Base, start: DateTime<Utc>) {
    let plain: Arc<dyn Store> = store.clone();
    for (n, to) in [PlanStatus::Cancelled, PlanStatus::Missed, PlanStatus::Done]
        .into_iter()
        .enumerate()
    {
        let who = person(
            &plain,
            3000 + i64::try_from(n).unwrap(),
            "Запасной Работник",
        )
        .await;
        let plan = plan_at(store, b, &who, start).await;
        if to == PlanStatus::Done {
            let mut shift = new_shift(who.id, b.s1.id, start - Duration::minutes(10));
            shift.planned_shift_id = Some(plan.id);
            let opened = store.insert_shift(&shift).await.unwrap();
            assert_eq!(opened.planned_shift_id, Some(plan.id));
        } else {
            store
                .set_plan_status(plan.id, PlanStatus::Planned, to)
                .await
                .unwrap();
        }
    }
}

pub async fn plans_to_remind_are_those_starting_in_the_window(store: Arc<dyn WholeStore>) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    let now = utc("2026-12-01 07:00");
    let until = now + Duration::hours(2);
    let m = |n: i64| now + Duration::minutes(n);
    // The window is (now, until]: a plan starting now is too late to remind, one at `until`
    // is just in.
    let at_now = plan_at(&store, &b, &b.e1, now).await;
    let later = plan_at(&store, &b, &b.e2, m(90)).await;
    let soon = plan_at(&store, &b, &b.e1, m(30)).await;
    let at_until = plan_at(&store, &b, &b.e1, until).await;
    let _after = plan_at(&store, &b, &b.e2, until + Duration::minutes(1)).await;
    let reminded = plan_at(&store, &b, &b.owner, m(60)).await;
    not_waiting(&store, &b, m(45)).await;
    assert!(store.mark_plan_reminded(reminded.id, m(-60)).await.unwrap());
    assert!(!store.mark_plan_reminded(reminded.id, m(-30)).await.unwrap());
    let due = store.plans_to_remind(now, until, 100).await.unwrap();
    assert_eq!(plan_ids(&due), vec![soon.id, later.id, at_until.id]);
    assert_eq!(due[0], soon, "the plan as stored");
    // At most `limit`, earliest first.
    let first = store.plans_to_remind(now, until, 1).await.unwrap();
    assert_eq!(plan_ids(&first), vec![soon.id]);
    // Reminded plans drop out; the plan that started is never due.
    assert!(store.mark_plan_reminded(soon.id, now).await.unwrap());
    let due = store.plans_to_remind(now, until, 100).await.unwrap();
    assert_eq!(plan_ids(&due), vec![later.id, at_until.id]);
    let due = store.plans_to_remind(m(-60), now, 100).await.unwrap();
    assert_eq!(plan_ids(&due), vec![at_now.id]);
    assert!(
        !store
            .mark_plan_reminded(PlannedShiftId(999_999), now)
            .await
            .unwrap()
    );
}

pub async fn plans_not_started_are_those_due_and_not_reported(store: Arc<dyn WholeStore>) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    let now = utc("2026-12-01 07:00");
    let started_by = now - Duration::minutes(15);
    let m = |n: i64| now + Duration::minutes(n);
    let long_ago = plan_at(&store, &b, &b.e1, m(-180)).await;
    let at_edge = plan_at(&store, &b, &b.e2, started_by).await;
    let _late_but_not_yet = plan_at(&store, &b, &b.e1, m(-10)).await;
    let _to_come = plan_at(&store, &b, &b.e2, m(60)).await;
    let reported = plan_at(&store, &b, &b.owner, m(-60)).await;
    not_waiting(&store, &b, m(-90)).await;
    assert!(
        store
            .mark_no_show_reported(reported.id, m(-40))
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_no_show_reported(reported.id, m(-30))
            .await
            .unwrap()
    );
    let due = store.plans_not_started(started_by, 100).await.unwrap();
    assert_eq!(plan_ids(&due), vec![long_ago.id, at_edge.id]);
    assert_eq!(due[1], at_edge, "the plan as stored");
    let first = store.plans_not_started(started_by, 1).await.unwrap();
    assert_eq!(plan_ids(&first), vec![long_ago.id]);
    assert!(store.mark_no_show_reported(long_ago.id, now).await.unwrap());
    let due = store.plans_not_started(started_by, 100).await.unwrap();
    assert_eq!(plan_ids(&due), vec![at_edge.id]);
    // A report leaves the reminder scan alone, and a reminder the no-show scan.
    let window = store.plans_to_remind(m(-190), m(-170), 100).await.unwrap();
    assert_eq!(plan_ids(&window), vec![long_ago.id]);
    assert!(store.mark_plan_reminded(at_edge.id, m(-30)).await.unwrap());
    let due = store.plans_not_started(started_by, 100).await.unwrap();
    assert_eq!(plan_ids(&due), vec![at_edge.id]);
}

// ---- clean-up --------------------------------------------------------------------------------

pub async fn idle_dialogues_are_forgotten(store: Arc<dyn WholeStore>) {
    // The store stamps a dialogue when it is saved; the case only needs that stamp to lie
    // between these two instants.
    store.save_dialogue(10, "{\"a\":1}").await.unwrap();
    store.save_dialogue(-20, "{\"b\":2}").await.unwrap();
    assert_eq!(
        store
            .forget_idle_dialogues(utc("2000-01-01 00:00"))
            .await
            .unwrap(),
        0
    );
    assert!(store.load_dialogue(10).await.unwrap().is_some());
    assert_eq!(
        store
            .forget_idle_dialogues(utc("2200-01-01 00:00"))
            .await
            .unwrap(),
        2
    );
    assert_eq!(store.load_dialogue(10).await.unwrap(), None);
    assert_eq!(store.load_dialogue(-20).await.unwrap(), None);
}

// ---- whose reports the cache refresh warms -------------------------------------------------------

pub async fn owners_active_since_are_those_with_recent_shifts_at_active_sites(
    store: Arc<dyn WholeStore>,
) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    let since = utc("2026-12-01 00:00");
    assert!(
        store
            .owners_active_since(since, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Before `since`: not active. At `since`: active.
    store
        .insert_shift(&new_shift(b.e1.id, b.s3.id, since - Duration::minutes(1)))
        .await
        .unwrap();
    assert!(
        store
            .owners_active_since(since, 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, since))
        .await
        .unwrap();
    store
        .insert_shift(&new_shift(b.owner.id, b.s2.id, since + Duration::hours(1)))
        .await
        .unwrap();
    assert_eq!(
        store.owners_active_since(since, 10).await.unwrap(),
        vec![b.owner.id],
        "each owner once"
    );
    // An inactive site does not count; the limit holds.
    store
        .update_site(b.s1.id, &b.s1.settings, false, true)
        .await
        .unwrap();
    store
        .update_site(b.s2.id, &b.s2.settings, false, true)
        .await
        .unwrap();
    assert!(
        store
            .owners_active_since(since, 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .update_site(b.s1.id, &b.s1.settings, true, true)
        .await
        .unwrap();
    let e3 = person(&plain, 2003, "Третий").await;
    store.grant_access(b.s3.id, e3.id).await.unwrap();
    store
        .insert_shift(&new_shift(e3.id, b.s3.id, since + Duration::hours(2)))
        .await
        .unwrap();
    assert_eq!(
        store.owners_active_since(since, 10).await.unwrap(),
        vec![b.owner.id, b.other_owner.id]
    );
    assert_eq!(
        store.owners_active_since(since, 1).await.unwrap(),
        vec![b.owner.id]
    );
}

// ---- business figures ------------------------------------------------------------------------

/// The metrics' gauges: running shifts, people with access to an active site, active sites and
/// their owners; a deactivated site takes its grants and owner out, a closed shift leaves.
pub async fn business_figures_count_running_shifts_and_what_is_active(store: Arc<dyn WholeStore>) {
    use app::background::BusinessFigures;
    let plain: Arc<dyn Store> = store.clone();
    let empty = store.business_figures().await.unwrap();
    assert_eq!(empty, BusinessFigures::default());
    let b = base(&plain).await;
    store.grant_access(b.s1.id, b.e1.id).await.unwrap();
    store.grant_access(b.s2.id, b.e1.id).await.unwrap();
    store.grant_access(b.s3.id, b.e2.id).await.unwrap();
    let t = utc("2026-12-01 08:00");
    let first = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, t))
        .await
        .unwrap();
    store
        .insert_shift(&new_shift(b.e2.id, b.s3.id, t))
        .await
        .unwrap();
    assert_eq!(
        store.business_figures().await.unwrap(),
        BusinessFigures {
            shifts_running: 2,
            active_employees: 2,
            active_sites: 3,
            active_owners: 2,
        }
    );
    let end = ShiftEnd {
        status: ShiftStatus::Closed,
        ended_at: t + Duration::hours(1),
        end_location: None,
        worked_minutes: 60,
        pay_minor: RATE,
        needs_review: false,
    };
    store.close_shift(first.id, &end).await.unwrap();
    store
        .update_site(b.s3.id, &b.s3.settings, false, true)
        .await
        .unwrap();
    assert_eq!(
        store.business_figures().await.unwrap(),
        BusinessFigures {
            shifts_running: 1,
            active_employees: 1,
            active_sites: 2,
            active_owners: 1,
        }
    );
}

// ---- location retention ----------------------------------------------------------------------------

pub async fn old_shift_locations_are_coarsened_keeping_distances(store: Arc<dyn WholeStore>) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    let t = utc("2026-06-01 08:00");
    store
        .import_finished_shifts(&[
            finished(b.e1.id, b.s1.id, t, 60, ShiftStatus::Closed),
            finished(b.e2.id, b.s1.id, t, 60, ShiftStatus::AutoClosed),
            finished(
                b.e1.id,
                b.s1.id,
                t + Duration::days(10),
                60,
                ShiftStatus::Closed,
            ),
        ])
        .await
        .unwrap();
    let running = store
        .insert_shift(&new_shift(b.e2.id, b.s2.id, t + Duration::days(20)))
        .await
        .unwrap();
    let all = |store: Arc<dyn WholeStore>| async move {
        let mut shifts = store
            .list_shifts(&ShiftFilter {
                site_ids: vec![b.s1.id, b.s2.id],
                limit: 100,
                ..ShiftFilter::default()
            })
            .await
            .unwrap();
        shifts.sort_by_key(|s| s.id.0);
        shifts
    };
    let before = all(store.clone()).await;
    // Shifts that ended before the cut: the two of the first day.
    let cut = t + Duration::days(5);
    assert_eq!(store.coarsen_locations_before(cut).await.unwrap(), 2);
    assert_eq!(
        store.coarsen_locations_before(cut).await.unwrap(),
        0,
        "once"
    );
    let after = all(store.clone()).await;
    for (old, new) in before.iter().zip(&after) {
        let coarse = old.ended_at.is_some_and(|end| end < cut);
        let start = new.start_location.coordinates;
        if coarse {
            assert_eq!(
                (start.latitude(), start.longitude()),
                (55.75, 37.62),
                "{new:?}"
            );
            if let Some(end) = new.end_location {
                assert_eq!(
                    (end.coordinates.latitude(), end.coordinates.longitude()),
                    (55.75, 37.62)
                );
                assert_eq!(end.distance_m, 11.0);
            }
            assert_eq!(new.start_location.distance_m, old.start_location.distance_m);
            assert_eq!(new.start_location.accuracy_m, old.start_location.accuracy_m);
        } else {
            assert_eq!(new, old, "untouched");
        }
    }
    assert!(
        after
            .iter()
            .any(|s| s.id == running.id && s.start_location == running.start_location)
    );
}

// ---- a site that does not notify ---------------------------------------------------------------

pub async fn a_site_without_notices_writes_only_what_someone_needs(store: Arc<dyn WholeStore>) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    store
        .update_site(b.s1.id, &b.s1.settings, true, false)
        .await
        .unwrap();
    let t0 = utc("2026-12-01 08:00");
    let open = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, t0))
        .await
        .unwrap();
    assert_eq!(
        store.outbox_len().await.unwrap(),
        0,
        "nobody is told of the open"
    );
    let end = ShiftEnd {
        status: ShiftStatus::Closed,
        ended_at: t0 + Duration::hours(2),
        end_location: Some(location((55.7499, 37.6199), None, 11.0)),
        worked_minutes: 120,
        pay_minor: pay_minor(120, RATE),
        needs_review: false,
    };
    let closed = store.close_shift(open.id, &end).await.unwrap();
    let kinds_of = |entries: &[OutboxEntry]| -> Vec<String> {
        entries.iter().map(|e| e.job.kind.clone()).collect()
    };
    let entries = claim_all(&store, t0 + Duration::hours(3)).await;
    assert_eq!(kinds_of(&entries), [kinds::SHIFT_AUDIT], "only the audit");
    assert_eq!(
        entries[0].job,
        app::background::after_shift_closed(&closed, false)[0]
    );
    store.remove_from_outbox(&[entries[0].seq]).await.unwrap();
    // An automatic close is told to both people whatever the setting.
    let second = store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, t0))
        .await
        .unwrap();
    let auto = ShiftEnd {
        status: ShiftStatus::AutoClosed,
        ended_at: t0 + Duration::hours(16),
        end_location: None,
        worked_minutes: 960,
        pay_minor: pay_minor(960, RATE),
        needs_review: true,
    };
    store.close_shift(second.id, &auto).await.unwrap();
    let entries = claim_all(&store, t0 + Duration::hours(17)).await;
    assert_eq!(kinds_of(&entries), [kinds::SHIFT_NEWS]);
    assert_eq!(entries[0].job.payload["closed"], true);
}
