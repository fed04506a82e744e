//! Conformance cases of `app::audit::AuditStore`: the person's previous shift, the count of
//! earlier shifts at a point (to six decimals, of the person or the site, each shift once), and
//! the flag for review that never overwrites another flag and never touches a reviewed shift.

use super::*;
use app::{ShiftExpectation, ShiftRevision};
use domain::{ReviewReason, ShiftChangeKind};

/// A finished shift of `employee` at `site` opened at `start` and closed at `end` (points).
fn at_points(
    employee: UserId,
    site: SiteId,
    started_at: DateTime<Utc>,
    start: (f64, f64),
    end: Option<(f64, f64)>,
) -> FinishedShift {
    let mut f = finished(employee, site, started_at, 60, ShiftStatus::Closed);
    f.shift.start_location = location(start, Some(5.0), 10.0);
    f.end.end_location = end.map(|p| location(p, Some(5.0), 10.0));
    f
}

/// The ids of the shifts of `employee`, by start.
async fn ids_of(store: &Arc<dyn super::WholeStore>, base: &Base, employee: UserId) -> Vec<Shift> {
    store
        .list_shifts(&ShiftFilter {
            employee_id: Some(employee),
            ..shift_filter(vec![base.s1.id, base.s2.id, base.s3.id])
        })
        .await
        .unwrap()
        .into_iter()
        .rev()
        .collect()
}

pub async fn the_previous_shift_is_the_persons_last_one_before(store: Arc<dyn super::WholeStore>) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    let t0 = utc("2026-12-01 07:00");
    let batch = vec![
        finished(b.e1.id, b.s1.id, t0, 60, ShiftStatus::Closed),
        finished(
            b.e1.id,
            b.s2.id,
            t0 + Duration::days(1),
            60,
            ShiftStatus::AutoClosed,
        ),
        finished(
            b.e2.id,
            b.s1.id,
            t0 + Duration::hours(36),
            60,
            ShiftStatus::Closed,
        ),
        finished(
            b.e1.id,
            b.s1.id,
            t0 + Duration::days(2),
            60,
            ShiftStatus::Closed,
        ),
    ];
    store.import_finished_shifts(&batch).await.unwrap();
    let e1 = ids_of(&store, &b, b.e1.id).await;
    assert_eq!(e1.len(), 3);
    let previous = |before, except| {
        let store = store.clone();
        let e = b.e1.id;
        async move { store.previous_shift(e, before, except).await.unwrap() }
    };
    // The third shift's previous one is the second (another site, closed automatically): the
    // other employee's shift in between is not theirs.
    assert_eq!(
        previous(e1[2].started_at, e1[2].id).await.map(|s| s.id),
        Some(e1[1].id)
    );
    assert_eq!(
        previous(e1[1].started_at, e1[1].id).await.map(|s| s.id),
        Some(e1[0].id)
    );
    assert_eq!(previous(e1[0].started_at, e1[0].id).await, None);
    // `except` leaves the shift itself out even when asked from after its start.
    assert_eq!(
        previous(e1[2].started_at + Duration::hours(1), e1[2].id)
            .await
            .map(|s| s.id),
        Some(e1[1].id)
    );
    assert_eq!(
        store.previous_shift(b.e2.id, t0, ShiftId(0)).await.unwrap(),
        None
    );
}

pub async fn earlier_shifts_at_a_point_are_counted_to_six_decimals(
    store: Arc<dyn super::WholeStore>,
) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    let t0 = utc("2026-12-01 07:00");
    let p = (55.750_123, 37.620_456);
    // The same point below the sixth decimal, and a point one millionth of a degree away.
    let same = (55.750_123_04, 37.620_455_96);
    let next_door = (55.750_124, 37.620_456);
    let elsewhere = (55.76, 37.63);
    let day = |n: i64| t0 + Duration::days(n);
    let batch = vec![
        // e1 at s1: opened at the point, and opened and closed there (counted once).
        at_points(b.e1.id, b.s1.id, day(0), p, Some(elsewhere)),
        at_points(b.e1.id, b.s1.id, day(1), same, Some(p)),
        // e1 at s2 (theirs, another site), closed there.
        at_points(b.e1.id, b.s2.id, day(2), elsewhere, Some(same)),
        // e2 at s1 (the site's): at the point; at s3 (neither the person nor the site): not.
        at_points(b.e2.id, b.s1.id, day(3), p, None),
        at_points(b.e2.id, b.s3.id, day(4), p, Some(p)),
        // Near but not the same, and later than asked.
        at_points(b.e1.id, b.s1.id, day(5), next_door, Some(next_door)),
        at_points(b.e1.id, b.s1.id, day(9), p, Some(p)),
    ];
    store.import_finished_shifts(&batch).await.unwrap();
    let count = |before, except| {
        let store = store.clone();
        let (e, s) = (b.e1.id, b.s1.id);
        async move {
            store
                .shifts_at_point(point(p.0, p.1), e, s, before, except)
                .await
                .unwrap()
        }
    };
    assert_eq!(count(day(8), ShiftId(0)).await, 4);
    assert_eq!(
        count(day(3), ShiftId(0)).await,
        3,
        "started before day 3 only"
    );
    assert_eq!(count(day(0), ShiftId(0)).await, 0);
    let first = ids_of(&store, &b, b.e1.id).await[0].id;
    assert_eq!(
        count(day(8), first).await,
        3,
        "the audited shift itself is left out"
    );
    assert_eq!(
        store
            .shifts_at_point(
                point(next_door.0, next_door.1),
                b.e1.id,
                b.s1.id,
                day(8),
                ShiftId(0)
            )
            .await
            .unwrap(),
        1
    );
    // Another employee at another site sees only what is theirs or the site's.
    assert_eq!(
        store
            .shifts_at_point(point(p.0, p.1), b.e2.id, b.s3.id, day(8), ShiftId(0))
            .await
            .unwrap(),
        2
    );
}

pub async fn a_flag_for_review_never_replaces_another_nor_touches_a_reviewed_shift(
    store: Arc<dyn super::WholeStore>,
) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    let t0 = utc("2026-12-01 07:00");
    let batch = vec![
        finished(b.e1.id, b.s1.id, t0, 60, ShiftStatus::Closed),
        finished(
            b.e1.id,
            b.s1.id,
            t0 + Duration::days(1),
            60,
            ShiftStatus::AutoClosed,
        ),
        finished(
            b.e1.id,
            b.s1.id,
            t0 + Duration::days(2),
            60,
            ShiftStatus::AutoClosed,
        ),
    ];
    store.import_finished_shifts(&batch).await.unwrap();
    let shifts = ids_of(&store, &b, b.e1.id).await;
    let (plain_close, flagged, reviewed) = (&shifts[0], &shifts[1], &shifts[2]);
    // Approve the third shift's automatic end: it was reviewed.
    let approve = ShiftRevision {
        expect: ShiftExpectation {
            status: reviewed.status,
            ended_at: reviewed.ended_at,
            needs_review: true,
        },
        status: reviewed.status,
        ended_at: reviewed.ended_at.unwrap(),
        worked_minutes: 60,
        pay_minor: pay_minor(60, RATE),
        review_reason: None,
        closed_by: None,
        kind: ShiftChangeKind::Approved,
        changed_by: b.owner.id,
        changed_at: t0 + Duration::days(3),
    };
    store.revise_shift(reviewed.id, &approve).await.unwrap();
    let active = store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, t0 + Duration::days(4)))
        .await
        .unwrap();

    assert!(
        store
            .flag_for_review(plain_close.id, ReviewReason::RepeatedLocation)
            .await
            .unwrap()
    );
    let now = store.shift(plain_close.id).await.unwrap().unwrap();
    assert!(now.needs_review);
    assert_eq!(now.review_reason, Some(ReviewReason::RepeatedLocation));
    // Once is enough; another reason does not replace it.
    assert!(
        !store
            .flag_for_review(plain_close.id, ReviewReason::OutsideGeofence)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .shift(plain_close.id)
            .await
            .unwrap()
            .unwrap()
            .review_reason,
        Some(ReviewReason::RepeatedLocation)
    );
    // Flagged already (closed automatically), reviewed, running: left alone.
    for (id, reason) in [
        (flagged.id, Some(ReviewReason::AutoClosed)),
        (reviewed.id, None),
        (active.id, None),
    ] {
        assert!(
            !store
                .flag_for_review(id, ReviewReason::ImpossibleTravel)
                .await
                .unwrap()
        );
        assert_eq!(
            store.shift(id).await.unwrap().unwrap().review_reason,
            reason
        );
    }
    assert!(
        !store
            .flag_for_review(ShiftId(999_999), ReviewReason::OutsideGeofence)
            .await
            .unwrap()
    );
    // Every audit reason reads back as written.
    let later: Vec<FinishedShift> = (0..3)
        .map(|n| {
            finished(
                b.e2.id,
                b.s2.id,
                t0 + Duration::days(10 + n),
                60,
                ShiftStatus::Closed,
            )
        })
        .collect();
    store.import_finished_shifts(&later).await.unwrap();
    let e2: Vec<Shift> = ids_of(&store, &b, b.e2.id)
        .await
        .into_iter()
        .filter(|s| s.status == ShiftStatus::Closed)
        .collect();
    let reasons = [
        ReviewReason::OutsideGeofence,
        ReviewReason::RepeatedLocation,
        ReviewReason::ImpossibleTravel,
    ];
    for (shift, reason) in e2.iter().zip(reasons) {
        assert!(store.flag_for_review(shift.id, reason).await.unwrap());
        let read = store.shift(shift.id).await.unwrap().unwrap();
        assert_eq!(
            (read.needs_review, read.review_reason),
            (true, Some(reason))
        );
    }
}
