//! Conformance cases for forgotten shifts: the `ShiftReviewStore` port (revisions with their
//! history, the review list) and `SiteStore::managers_of`, then the use-cases that use them
//! (an owner closing someone's shift, an employee reporting a forgotten close, its review) on a
//! clock the case sets. Money values are literals: 35,000 kopecks per hour.

use super::*;
use app::review::{ManualCloseError, ReviewDecision, StatedEnd};
use app::{DomainEvent, EventSink, ShiftExpectation, ShiftRevision};
use async_trait::async_trait;
use domain::{EndTimeError, ReviewReason, ShiftChange, ShiftChangeKind};
use std::sync::Mutex;

fn running() -> ShiftExpectation {
    ShiftExpectation {
        status: ShiftStatus::Active,
        ended_at: None,
        needs_review: false,
    }
}

/// A revision closing a running shift at `end`, by `who` at `at`.
fn close_by(who: UserId, end: DateTime<Utc>, minutes: i64, at: DateTime<Utc>) -> ShiftRevision {
    ShiftRevision {
        expect: running(),
        status: ShiftStatus::Closed,
        ended_at: end,
        worked_minutes: minutes,
        pay_minor: pay_minor(minutes, RATE),
        review_reason: None,
        closed_by: Some(who),
        kind: ShiftChangeKind::ClosedByManager,
        changed_by: who,
        changed_at: at,
    }
}

/// The entry a change should leave (instants written as UTC).
fn change(
    shift: &Shift,
    kind: ShiftChangeKind,
    old: Option<&str>,
    new: &str,
    by: UserId,
    at: &str,
) -> Entry {
    (shift.id, kind, old.map(utc), Some(utc(new)), by, utc(at))
}

/// A history entry without its id: shift, kind, old and new end, who, when.
type Entry = (
    ShiftId,
    ShiftChangeKind,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    UserId,
    DateTime<Utc>,
);

/// A history without its ids, to compare with `change` tuples.
fn without_ids(history: &[ShiftChange]) -> Vec<Entry> {
    history
        .iter()
        .map(|c| {
            (
                c.shift_id,
                c.kind,
                c.old_ended_at,
                c.new_ended_at,
                c.changed_by,
                c.changed_at,
            )
        })
        .collect()
}

// ---- the store port --------------------------------------------------------------------------

pub async fn revise_shift_writes_the_change_and_its_history(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let shift = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:00")))
        .await
        .unwrap();
    assert!(store.shift_history(shift.id).await.unwrap().is_empty());

    // The owner closes it at 15:00 (540 min), at 15:30.
    let closed = store
        .revise_shift(
            shift.id,
            &close_by(
                b.owner.id,
                utc("2026-12-01 15:00"),
                540,
                utc("2026-12-01 15:30"),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        closed,
        Shift {
            status: ShiftStatus::Closed,
            ended_at: Some(utc("2026-12-01 15:00")),
            worked_minutes: Some(540),
            pay_minor: Some(315_000),
            closed_by: Some(b.owner.id),
            ..shift.clone()
        }
    );
    assert_eq!(store.shift(shift.id).await.unwrap(), Some(closed.clone()));
    assert_eq!(store.active_shift(b.e1.id).await.unwrap(), None);
    let history = store.shift_history(shift.id).await.unwrap();
    assert_eq!(
        without_ids(&history),
        vec![change(
            &shift,
            ShiftChangeKind::ClosedByManager,
            None,
            "2026-12-01 15:00",
            b.owner.id,
            "2026-12-01 15:30"
        )]
    );

    // A flagged end (as an employee's report makes it) and then a changed one: the flag and its
    // reason go and come, the closer stays, every step is in the history, oldest first.
    let flagged = store
        .revise_shift(
            shift.id,
            &ShiftRevision {
                expect: ShiftExpectation {
                    status: ShiftStatus::Closed,
                    ended_at: Some(utc("2026-12-01 15:00")),
                    needs_review: false,
                },
                status: ShiftStatus::Closed,
                ended_at: utc("2026-12-01 14:00"),
                worked_minutes: 480,
                pay_minor: 280_000,
                review_reason: Some(ReviewReason::ForgottenClose),
                closed_by: Some(b.e1.id),
                kind: ShiftChangeKind::ForgottenReported,
                changed_by: b.e1.id,
                changed_at: utc("2026-12-01 16:00"),
            },
        )
        .await
        .unwrap();
    assert!(flagged.needs_review);
    assert_eq!(flagged.review_reason, Some(ReviewReason::ForgottenClose));
    assert_eq!(flagged.closed_by, Some(b.e1.id));
    assert_eq!(flagged.pay_minor, Some(280_000));
    let changed = store
        .revise_shift(
            shift.id,
            &ShiftRevision {
                expect: ShiftExpectation {
                    status: ShiftStatus::Closed,
                    ended_at: Some(utc("2026-12-01 14:00")),
                    needs_review: true,
                },
                status: ShiftStatus::Closed,
                ended_at: utc("2026-12-01 13:30"),
                worked_minutes: 450,
                pay_minor: 262_500,
                review_reason: None,
                closed_by: Some(b.e1.id),
                kind: ShiftChangeKind::EndChanged,
                changed_by: b.owner.id,
                changed_at: utc("2026-12-01 17:00"),
            },
        )
        .await
        .unwrap();
    assert!(!changed.needs_review);
    assert_eq!(changed.review_reason, None);
    assert_eq!(changed.ended_at, Some(utc("2026-12-01 13:30")));
    assert_eq!(changed.worked_minutes, Some(450));
    assert_eq!(changed.pay_minor, Some(262_500));
    let history = store.shift_history(shift.id).await.unwrap();
    assert_eq!(
        without_ids(&history),
        vec![
            change(
                &shift,
                ShiftChangeKind::ClosedByManager,
                None,
                "2026-12-01 15:00",
                b.owner.id,
                "2026-12-01 15:30"
            ),
            change(
                &shift,
                ShiftChangeKind::ForgottenReported,
                Some("2026-12-01 15:00"),
                "2026-12-01 14:00",
                b.e1.id,
                "2026-12-01 16:00"
            ),
            change(
                &shift,
                ShiftChangeKind::EndChanged,
                Some("2026-12-01 14:00"),
                "2026-12-01 13:30",
                b.owner.id,
                "2026-12-01 17:00"
            ),
        ]
    );
    assert!(history.windows(2).all(|w| w[0].id < w[1].id));
    // Another shift's history is its own.
    let other = store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, utc("2026-12-01 07:00")))
        .await
        .unwrap();
    assert!(store.shift_history(other.id).await.unwrap().is_empty());
}

pub async fn revise_shift_applies_only_as_expected(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let shift = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:00")))
        .await
        .unwrap();
    let revision = close_by(
        b.owner.id,
        utc("2026-12-01 08:00"),
        120,
        utc("2026-12-01 09:00"),
    );
    assert_eq!(
        store
            .revise_shift(ShiftId(shift.id.0 + 1000), &revision)
            .await,
        Err(StoreError::NotFound("shift"))
    );
    // Expecting a closed shift while it runs: nothing changes.
    let stale = ShiftRevision {
        expect: ShiftExpectation {
            status: ShiftStatus::Closed,
            ended_at: Some(utc("2026-12-01 07:00")),
            needs_review: true,
        },
        ..revision.clone()
    };
    assert_eq!(
        store.revise_shift(shift.id, &stale).await,
        Err(StoreError::NotFound("shift"))
    );
    assert_eq!(store.shift(shift.id).await.unwrap(), Some(shift.clone()));
    assert!(store.shift_history(shift.id).await.unwrap().is_empty());

    // Ten concurrent closes of one running shift: one applies, one history record.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        let mut r = revision.clone();
        r.ended_at = utc("2026-12-01 08:00") + Duration::minutes(i);
        tasks.spawn(async move { store.revise_shift(shift.id, &r).await });
    }
    let results = tasks.join_all().await;
    let applied: Vec<&Shift> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(applied.len(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert_eq!(r, &Err(StoreError::NotFound("shift")));
    }
    let history = store.shift_history(shift.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].new_ended_at, applied[0].ended_at);

    // Approving twice: the second expects the flag that the first cleared.
    let flagged = store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, utc("2026-12-01 06:00")))
        .await
        .unwrap();
    let report = ShiftRevision {
        review_reason: Some(ReviewReason::ForgottenClose),
        kind: ShiftChangeKind::ForgottenReported,
        closed_by: Some(b.e2.id),
        changed_by: b.e2.id,
        ..revision.clone()
    };
    store.revise_shift(flagged.id, &report).await.unwrap();
    let approve = ShiftRevision {
        expect: ShiftExpectation {
            status: ShiftStatus::Closed,
            ended_at: Some(utc("2026-12-01 08:00")),
            needs_review: true,
        },
        review_reason: None,
        kind: ShiftChangeKind::Approved,
        ..report.clone()
    };
    assert!(
        !store
            .revise_shift(flagged.id, &approve)
            .await
            .unwrap()
            .needs_review
    );
    assert_eq!(
        store.revise_shift(flagged.id, &approve).await,
        Err(StoreError::NotFound("shift"))
    );
    assert_eq!(store.shift_history(flagged.id).await.unwrap().len(), 2);
    // A revision never makes a shift active.
    let reopen = ShiftRevision {
        status: ShiftStatus::Active,
        ..revision
    };
    assert!(matches!(
        store.revise_shift(flagged.id, &reopen).await,
        Err(StoreError::Other(_))
    ));
}

pub async fn shifts_to_review_lists_flagged_finished_shifts(store: Arc<dyn Store>) {
    let b = base(&store).await;
    // Imported: an automatic close (flagged) and a plain one at s1, an automatic one at s3.
    store
        .import_finished_shifts(&[
            finished(
                b.e1.id,
                b.s1.id,
                utc("2026-12-02 06:00"),
                600,
                ShiftStatus::AutoClosed,
            ),
            finished(
                b.e2.id,
                b.s1.id,
                utc("2026-12-01 06:00"),
                300,
                ShiftStatus::Closed,
            ),
            finished(
                b.e1.id,
                b.s3.id,
                utc("2026-12-01 05:00"),
                600,
                ShiftStatus::AutoClosed,
            ),
        ])
        .await
        .unwrap();
    // A reported forgotten close at s2, older than the automatic one.
    let reported = store
        .insert_shift(&new_shift(b.e2.id, b.s2.id, utc("2026-11-30 06:00")))
        .await
        .unwrap();
    store
        .revise_shift(
            reported.id,
            &ShiftRevision {
                review_reason: Some(ReviewReason::ForgottenClose),
                kind: ShiftChangeKind::ForgottenReported,
                ..close_by(
                    b.e2.id,
                    utc("2026-11-30 10:00"),
                    240,
                    utc("2026-11-30 20:00"),
                )
            },
        )
        .await
        .unwrap();
    // A running shift is not reviewed.
    store
        .insert_shift(&new_shift(b.e1.id, b.s2.id, utc("2026-12-03 06:00")))
        .await
        .unwrap();

    let listed = store
        .shifts_to_review(&[b.s1.id, b.s2.id], 100)
        .await
        .unwrap();
    let seen: Vec<(SiteId, UserId, Option<ReviewReason>)> = listed
        .iter()
        .map(|s| (s.site_id, s.employee_id, s.review_reason))
        .collect();
    assert_eq!(
        seen,
        vec![
            (b.s2.id, b.e2.id, Some(ReviewReason::ForgottenClose)),
            (b.s1.id, b.e1.id, Some(ReviewReason::AutoClosed)),
        ]
    );
    assert!(listed.iter().all(|s| s.needs_review));
    assert_eq!(
        store
            .shifts_to_review(&[b.s1.id, b.s2.id], 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.shifts_to_review(&[], 100).await.unwrap().is_empty());
    assert_eq!(
        store.shifts_to_review(&[b.s3.id], 100).await.unwrap().len(),
        1
    );
}

pub async fn managers_of_lists_the_site_managers(store: Arc<dyn Store>) {
    let b = base(&store).await;
    assert!(store.managers_of(b.s1.id).await.unwrap().is_empty());
    store.grant_manager(b.s1.id, b.e2.id).await.unwrap();
    store.grant_manager(b.s1.id, b.e1.id).await.unwrap();
    store
        .grant_manager(b.s2.id, b.other_owner.id)
        .await
        .unwrap();
    let ids: Vec<UserId> = store
        .managers_of(b.s1.id)
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    let mut expected = vec![b.e1.id, b.e2.id];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(
        store.managers_of(b.s1.id).await.unwrap()[0],
        store.user(expected[0]).await.unwrap().unwrap()
    );
    store.revoke_manager(b.s1.id, b.e2.id).await.unwrap();
    assert_eq!(
        store.managers_of(b.s1.id).await.unwrap().len(),
        1,
        "revoked"
    );
    assert!(store.managers_of(b.s3.id).await.unwrap().is_empty());
}

// ---- through the use-cases -------------------------------------------------------------------

/// Keeps every event, to check what a use-case published.
#[derive(Default)]
struct Recorded(Mutex<Vec<DomainEvent>>);

#[async_trait]
impl EventSink for Recorded {
    async fn publish(&self, event: DomainEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorded {
    fn take(&self) -> Vec<DomainEvent> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// `World` with a manager of its site, a second site, an outsider owner, and recorded events.
struct Review {
    w: World,
    app: StaffPro,
    events: Arc<Recorded>,
    manager: User,
    stranger: User,
    other_site: Site,
}

async fn review_world(store: Arc<dyn Store>, now: DateTime<Utc>) -> Review {
    let w = World::new(store, now).await;
    let events = Arc::new(Recorded::default());
    let app = StaffPro::new(
        w.store.clone(),
        w.clock.clone(),
        events.clone(),
        Policy::default(),
    );
    let manager = app
        .register_user(3001, "Марина Менеджер", Language::Ru)
        .await
        .unwrap();
    app.grant_manager(&w.owner, w.site.id, manager.telegram_id)
        .await
        .unwrap();
    let stranger = app
        .add_owner(1002, "Пётр Другой", Language::Ru)
        .await
        .unwrap();
    let other_site = app
        .create_site(&w.owner, site_patch("Кафе", MSK, "00:00", "00:00"))
        .await
        .unwrap();
    app.add_employee(&w.owner, other_site.id, w.employee.telegram_id, None)
        .await
        .unwrap();
    events.take();
    Review {
        w,
        app,
        events,
        manager,
        stranger,
        other_site,
    }
}

fn stated(shift: &Shift, change: ShiftChangeKind, by: UserId) -> DomainEvent {
    DomainEvent::ShiftEndStated {
        shift_id: shift.id,
        site_id: shift.site_id,
        employee_id: shift.employee_id,
        change,
        by,
    }
}

pub async fn owner_closes_a_running_shift_at_a_stated_time(store: Arc<dyn Store>) {
    let r = review_world(store, local(MSK, "2026-12-01 09:00")).await;
    let shift = r
        .app
        .open_shift(&r.w.employee, r.w.site.id, r.w.near())
        .await
        .unwrap();
    r.events.take();
    r.w.set(local(MSK, "2026-12-01 18:30"));

    // The preview the bot confirms with changes nothing.
    let preview = r
        .app
        .preview_close_for(&r.w.owner, shift.id, StatedEnd::LocalTime(hm(18, 0)))
        .await
        .unwrap();
    assert_eq!(preview.ended_at, local(MSK, "2026-12-01 18:00"));
    assert_eq!((preview.worked_minutes, preview.pay_minor), (540, 315_000));
    assert_eq!(preview.employee.id, r.w.employee.id);
    assert_eq!(
        r.w.store.shift(shift.id).await.unwrap(),
        Some(shift.clone())
    );
    assert!(r.events.take().is_empty());
    assert_eq!(
        r.app
            .preview_close_for(&r.stranger, shift.id, StatedEnd::Now)
            .await,
        Err(ManualCloseError::NotFound)
    );
    assert_eq!(
        r.app
            .preview_review_change(&r.w.owner, shift.id, StatedEnd::Now)
            .await,
        Err(ManualCloseError::NotUnderReview),
        "a running shift is not reviewed"
    );

    // The owner types 18:00 (Moscow): 9 h, 315,000 kopecks.
    let record = r
        .app
        .close_shift_for(&r.w.owner, shift.id, StatedEnd::LocalTime(hm(18, 0)))
        .await
        .unwrap();
    let closed = &record.shift;
    assert_eq!(closed.status, ShiftStatus::Closed);
    assert_eq!(closed.ended_at, Some(local(MSK, "2026-12-01 18:00")));
    assert_eq!(closed.worked_minutes, Some(540));
    assert_eq!(closed.pay_minor, Some(315_000));
    assert_eq!(closed.closed_by, Some(r.w.owner.id));
    assert!(!closed.needs_review);
    assert_eq!(closed.end_location, None);
    assert_eq!(record.employee.id, r.w.employee.id);
    assert_eq!(record.site.id, r.w.site.id);
    assert_eq!(record.history.len(), 1);
    let entry = &record.history[0];
    assert_eq!(entry.kind, ShiftChangeKind::ClosedByManager);
    assert_eq!(entry.old_ended_at, None);
    assert_eq!(entry.new_ended_at, Some(local(MSK, "2026-12-01 18:00")));
    assert_eq!(entry.changed_by, r.w.owner.id);
    assert_eq!(entry.changed_at, local(MSK, "2026-12-01 18:30"));
    assert_eq!(
        r.events.take(),
        vec![stated(
            closed,
            ShiftChangeKind::ClosedByManager,
            r.w.owner.id
        )]
    );
    // The employee is free at once, and the record reads back the same.
    assert_eq!(r.w.store.active_shift(r.w.employee.id).await.unwrap(), None);
    assert_eq!(
        r.app.shift_record(&r.w.owner, shift.id).await.unwrap(),
        record
    );

    // A manager closes the next one "now" (an exact instant works too): 30 min, 17,500.
    r.w.set(local(MSK, "2026-12-01 19:00"));
    let next = r
        .app
        .open_shift(&r.w.employee, r.w.site.id, r.w.near())
        .await
        .unwrap();
    r.w.set(local(MSK, "2026-12-01 19:30"));
    let by_manager = r
        .app
        .close_shift_for(&r.manager, next.id, StatedEnd::Now)
        .await
        .unwrap();
    assert_eq!(by_manager.shift.pay_minor, Some(17_500));
    assert_eq!(by_manager.shift.closed_by, Some(r.manager.id));
    assert_eq!(
        by_manager.shift.ended_at,
        Some(local(MSK, "2026-12-01 19:30"))
    );
    r.w.set(local(MSK, "2026-12-01 20:00"));
    let third = r
        .app
        .open_shift(&r.w.employee, r.w.site.id, r.w.near())
        .await
        .unwrap();
    r.w.set(local(MSK, "2026-12-01 21:00"));
    let exact = r
        .app
        .close_shift_for(
            &r.w.owner,
            third.id,
            StatedEnd::At(local(MSK, "2026-12-01 20:45") + Duration::nanoseconds(1_500)),
        )
        .await
        .unwrap();
    assert_eq!(
        exact.shift.ended_at,
        Some(local(MSK, "2026-12-01 20:45") + Duration::microseconds(1)),
        "kept to the microsecond"
    );
    assert_eq!(exact.shift.pay_minor, Some(26_250));
}

pub async fn manual_close_refusals(store: Arc<dyn Store>) {
    let r = review_world(store, local(MSK, "2026-12-01 09:00")).await;
    let shift = r
        .app
        .open_shift(&r.w.employee, r.w.site.id, r.w.near())
        .await
        .unwrap();
    r.w.set(local(MSK, "2026-12-01 18:30"));
    r.events.take();
    let close = |who: User, id: ShiftId, end: StatedEnd| {
        let app = r.app.clone();
        async move { app.close_shift_for(&who, id, end).await }
    };
    // Someone else's shift and a shift that does not exist get the same answer.
    assert_eq!(
        close(r.stranger.clone(), shift.id, StatedEnd::Now).await,
        Err(ManualCloseError::NotFound)
    );
    assert_eq!(
        close(
            r.w.owner.clone(),
            ShiftId(shift.id.0 + 1000),
            StatedEnd::Now
        )
        .await,
        Err(ManualCloseError::NotFound)
    );
    // An employee cannot close their own shift this way (that is the forgotten-close report).
    assert_eq!(
        close(r.w.employee.clone(), shift.id, StatedEnd::Now).await,
        Err(ManualCloseError::NotFound)
    );
    // Bad times: before the start, in the future; 23:00 today has not come, so it means
    // yesterday's 23:00, before the start.
    assert_eq!(
        close(
            r.w.owner.clone(),
            shift.id,
            StatedEnd::At(local(MSK, "2026-12-01 08:59"))
        )
        .await,
        Err(ManualCloseError::BadTime(EndTimeError::BeforeStart {
            started_at: local(MSK, "2026-12-01 09:00")
        }))
    );
    assert_eq!(
        close(
            r.w.owner.clone(),
            shift.id,
            StatedEnd::At(local(MSK, "2026-12-01 18:31"))
        )
        .await,
        Err(ManualCloseError::BadTime(EndTimeError::InFuture {
            now: local(MSK, "2026-12-01 18:30")
        }))
    );
    assert_eq!(
        close(r.w.owner.clone(), shift.id, StatedEnd::LocalTime(hm(23, 0))).await,
        Err(ManualCloseError::BadTime(EndTimeError::BeforeStart {
            started_at: local(MSK, "2026-12-01 09:00")
        }))
    );
    // Nothing was written by the refusals.
    assert_eq!(
        r.w.store.shift(shift.id).await.unwrap(),
        Some(shift.clone())
    );
    assert!(r.w.store.shift_history(shift.id).await.unwrap().is_empty());
    assert!(r.events.take().is_empty());

    close(r.w.owner.clone(), shift.id, StatedEnd::Now)
        .await
        .unwrap();
    assert_eq!(
        close(r.manager.clone(), shift.id, StatedEnd::Now).await,
        Err(ManualCloseError::AlreadyClosed)
    );
    assert_eq!(
        close(r.stranger.clone(), shift.id, StatedEnd::Now).await,
        Err(ManualCloseError::NotFound),
        "closed or not, someone else's shift is not found"
    );
    assert_eq!(
        r.app.shift_record(&r.stranger, shift.id).await,
        Err(ManualCloseError::NotFound)
    );
    assert_eq!(r.w.store.shift_history(shift.id).await.unwrap().len(), 1);
}

pub async fn forgotten_close_is_approved(store: Arc<dyn Store>) {
    let r = review_world(store, local(MSK, "2026-12-01 09:00")).await;
    assert_eq!(
        r.app
            .report_forgotten_close(&r.w.employee, StatedEnd::Now)
            .await,
        Err(ManualCloseError::NoActiveShift)
    );
    let shift = r
        .app
        .open_shift(&r.w.employee, r.w.site.id, r.w.near())
        .await
        .unwrap();
    // Next morning, far from the site: they left at 18:15 yesterday (a time still ahead today).
    r.w.set(local(MSK, "2026-12-02 08:00"));
    r.events.take();
    let notice = r
        .app
        .report_forgotten_close(&r.w.employee, StatedEnd::LocalTime(hm(18, 15)))
        .await
        .unwrap();
    let reported = &notice.record.shift;
    assert_eq!(reported.status, ShiftStatus::Closed);
    assert_eq!(reported.ended_at, Some(local(MSK, "2026-12-01 18:15")));
    assert_eq!(reported.worked_minutes, Some(555));
    assert_eq!(reported.pay_minor, Some(323_750));
    assert!(reported.needs_review);
    assert_eq!(reported.review_reason, Some(ReviewReason::ForgottenClose));
    assert_eq!(reported.closed_by, Some(r.w.employee.id));
    let reviewers: Vec<UserId> = notice.reviewers.iter().map(|u| u.id).collect();
    assert_eq!(reviewers, vec![r.w.owner.id, r.manager.id]);
    assert_eq!(
        r.events.take(),
        vec![stated(
            reported,
            ShiftChangeKind::ForgottenReported,
            r.w.employee.id
        )]
    );
    // No longer stuck: a new shift opens at the other site at once.
    let fresh = r
        .app
        .open_shift(&r.w.employee, r.other_site.id, r.w.near())
        .await
        .unwrap();
    assert_eq!(fresh.status, ShiftStatus::Active);
    // Until someone answers, the shift waits in the review list of the owner and the manager.
    let pending = r.app.shifts_to_review(&r.manager).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].shift, *reported);
    assert_eq!(pending[0].employee.id, r.w.employee.id);
    assert_eq!(pending[0].site.id, r.w.site.id);
    assert!(
        r.app
            .shifts_to_review(&r.stranger)
            .await
            .unwrap()
            .is_empty()
    );

    // The manager approves: the flag goes, the end and pay stay.
    r.w.set(local(MSK, "2026-12-02 09:00"));
    r.events.take();
    let approved = r
        .app
        .review_shift(&r.manager, shift.id, ReviewDecision::Approve)
        .await
        .unwrap();
    assert!(!approved.shift.needs_review);
    assert_eq!(approved.shift.review_reason, None);
    assert_eq!(
        approved.shift.ended_at,
        Some(local(MSK, "2026-12-01 18:15"))
    );
    assert_eq!(approved.shift.pay_minor, Some(323_750));
    assert_eq!(approved.shift.closed_by, Some(r.w.employee.id));
    let kinds: Vec<(ShiftChangeKind, Option<DateTime<Utc>>, UserId)> = approved
        .history
        .iter()
        .map(|c| (c.kind, c.new_ended_at, c.changed_by))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (
                ShiftChangeKind::ForgottenReported,
                Some(local(MSK, "2026-12-01 18:15")),
                r.w.employee.id
            ),
            (
                ShiftChangeKind::Approved,
                Some(local(MSK, "2026-12-01 18:15")),
                r.manager.id
            ),
        ]
    );
    assert_eq!(
        r.events.take(),
        vec![stated(
            &approved.shift,
            ShiftChangeKind::Approved,
            r.manager.id
        )]
    );
    assert!(r.app.shifts_to_review(&r.w.owner).await.unwrap().is_empty());
    // Answered already: the owner's late tap changes nothing.
    assert_eq!(
        r.app
            .review_shift(&r.w.owner, shift.id, ReviewDecision::Approve)
            .await,
        Err(ManualCloseError::NotUnderReview)
    );
    // The notice the notifier reads has the same record and reviewers.
    let read = r.app.shift_notice(shift.id).await.unwrap().unwrap();
    assert_eq!(read.record, approved);
    assert_eq!(
        read.reviewers.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![r.w.owner.id, r.manager.id]
    );
    assert_eq!(
        r.app.shift_notice(ShiftId(shift.id.0 + 1000)).await,
        Ok(None)
    );
}

pub async fn forgotten_close_time_is_changed(store: Arc<dyn Store>) {
    let r = review_world(store, local(MSK, "2026-12-01 09:00")).await;
    let shift = r
        .app
        .open_shift(&r.w.employee, r.w.site.id, r.w.near())
        .await
        .unwrap();
    r.w.set(local(MSK, "2026-12-01 20:00"));
    r.app
        .report_forgotten_close(&r.w.employee, StatedEnd::LocalTime(hm(18, 15)))
        .await
        .unwrap();
    let review = |who: User, decision: ReviewDecision| {
        let app = r.app.clone();
        async move { app.review_shift(&who, shift.id, decision).await }
    };
    // Refusals first: an outsider, the employee (not a manager), bad times.
    assert_eq!(
        review(r.stranger.clone(), ReviewDecision::Approve).await,
        Err(ManualCloseError::NotFound)
    );
    assert_eq!(
        review(r.w.employee.clone(), ReviewDecision::Approve).await,
        Err(ManualCloseError::NotFound)
    );
    assert_eq!(
        review(
            r.w.owner.clone(),
            ReviewDecision::ChangeEnd(StatedEnd::LocalTime(hm(8, 0)))
        )
        .await,
        Err(ManualCloseError::BadTime(EndTimeError::BeforeStart {
            started_at: local(MSK, "2026-12-01 09:00")
        }))
    );
    assert_eq!(
        review(
            r.w.owner.clone(),
            ReviewDecision::ChangeEnd(StatedEnd::At(local(MSK, "2026-12-01 20:01")))
        )
        .await,
        Err(ManualCloseError::BadTime(EndTimeError::InFuture {
            now: local(MSK, "2026-12-01 20:00")
        }))
    );
    assert!(
        r.w.store
            .shift(shift.id)
            .await
            .unwrap()
            .unwrap()
            .needs_review,
        "the refusals left it flagged"
    );

    let preview = r
        .app
        .preview_review_change(&r.w.owner, shift.id, StatedEnd::LocalTime(hm(17, 0)))
        .await
        .unwrap();
    assert_eq!((preview.worked_minutes, preview.pay_minor), (480, 280_000));
    assert_eq!(
        r.app
            .preview_close_for(&r.w.owner, shift.id, StatedEnd::Now)
            .await,
        Err(ManualCloseError::AlreadyClosed)
    );
    // The owner says 17:00: pay settled again at 8 h, 280,000; both ends stay in the history.
    r.w.set(local(MSK, "2026-12-01 21:00"));
    r.events.take();
    let changed = review(
        r.w.owner.clone(),
        ReviewDecision::ChangeEnd(StatedEnd::LocalTime(hm(17, 0))),
    )
    .await
    .unwrap();
    assert_eq!(changed.shift.ended_at, Some(local(MSK, "2026-12-01 17:00")));
    assert_eq!(changed.shift.worked_minutes, Some(480));
    assert_eq!(changed.shift.pay_minor, Some(280_000));
    assert!(!changed.shift.needs_review);
    assert_eq!(changed.shift.status, ShiftStatus::Closed);
    let history: Vec<_> = without_ids(&changed.history)
        .into_iter()
        .map(|(_, kind, old, new, by, _)| (kind, old, new, by))
        .collect();
    assert_eq!(
        history,
        vec![
            (
                ShiftChangeKind::ForgottenReported,
                None,
                Some(local(MSK, "2026-12-01 18:15")),
                r.w.employee.id
            ),
            (
                ShiftChangeKind::EndChanged,
                Some(local(MSK, "2026-12-01 18:15")),
                Some(local(MSK, "2026-12-01 17:00")),
                r.w.owner.id
            ),
        ]
    );
    assert_eq!(
        changed.history[1].changed_at,
        local(MSK, "2026-12-01 21:00")
    );
    assert_eq!(
        r.events.take(),
        vec![stated(
            &changed.shift,
            ShiftChangeKind::EndChanged,
            r.w.owner.id
        )]
    );
    // Reports count the changed pay.
    let summary = r
        .app
        .summary(&r.w.owner, date("2026-12-01"), date("2026-12-01"), None)
        .await
        .unwrap();
    assert_eq!(summary.worked_minutes, 480);
    assert_eq!(summary.pay, vec![Money::new(280_000, Currency::RUB)]);
    assert_eq!(
        review(r.manager.clone(), ReviewDecision::Approve).await,
        Err(ManualCloseError::NotUnderReview)
    );
    // A running shift is not under review either.
    let running = r
        .app
        .open_shift(&r.w.employee, r.w.site.id, r.w.near())
        .await
        .unwrap();
    assert_eq!(
        r.app
            .review_shift(&r.w.owner, running.id, ReviewDecision::Approve)
            .await,
        Err(ManualCloseError::NotUnderReview)
    );
}

pub async fn an_automatic_close_waits_for_review_too(store: Arc<dyn Store>) {
    let r = review_world(store, local(MSK, "2026-12-01 09:00")).await;
    let shift = r
        .app
        .open_shift(&r.w.employee, r.w.site.id, r.w.near())
        .await
        .unwrap();
    // Closing 21:00 + 1 h grace.
    r.w.set(local(MSK, "2026-12-01 23:00"));
    let closed = r.app.auto_close_due().await.unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].review_reason, Some(ReviewReason::AutoClosed));
    assert_eq!(closed[0].closed_by, None);
    let pending = r.app.shifts_to_review(&r.w.owner).await.unwrap();
    assert_eq!(pending.len(), 1);
    // The owner sets the real end: 20:30, 11 h 30 min, 402,500.
    let changed = r
        .app
        .review_shift(
            &r.w.owner,
            shift.id,
            ReviewDecision::ChangeEnd(StatedEnd::LocalTime(hm(20, 30))),
        )
        .await
        .unwrap();
    assert_eq!(changed.shift.status, ShiftStatus::AutoClosed);
    assert_eq!(changed.shift.pay_minor, Some(402_500));
    assert_eq!(changed.history.len(), 1);
    assert_eq!(
        changed.history[0].old_ended_at,
        Some(local(MSK, "2026-12-01 22:00"))
    );
}
