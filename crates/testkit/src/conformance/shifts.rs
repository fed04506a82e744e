//! Conformance cases of the `Store` port: shifts (one active per employee, closing once,
//! plans linked, listing and paging, imports, totals).

use super::*;

// ---- shifts --------------------------------------------------------------------------------

pub async fn shift_round_trip(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let new = new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:00"));
    let shift = store.insert_shift(&new).await.unwrap();
    assert_eq!(
        shift,
        Shift {
            id: shift.id,
            employee_id: b.e1.id,
            site_id: b.s1.id,
            status: ShiftStatus::Active,
            started_at: utc("2026-12-01 06:00"),
            start_location: new.start_location,
            ended_at: None,
            end_location: None,
            hourly_rate: Money::new(RATE, Currency::RUB),
            worked_minutes: None,
            pay_minor: None,
            needs_review: false,
            planned_shift_id: None,
            closed_by: None,
            review_reason: None,
        }
    );
    assert_eq!(store.shift(shift.id).await.unwrap(), Some(shift.clone()));
    assert_eq!(
        store.active_shift(b.e1.id).await.unwrap(),
        Some(shift.clone())
    );
    assert_eq!(store.active_shift(b.e2.id).await.unwrap(), None);
    assert_eq!(store.shift(ShiftId(shift.id.0 + 1000)).await.unwrap(), None);

    // No accuracy reported, another currency.
    let mut other = new_shift(b.e2.id, b.s2.id, utc("2026-12-01 07:15"));
    other.start_location = location((-33.0, 151.0), None, 0.0);
    other.hourly_rate = Money::new(999, Currency::parse("EUR").unwrap());
    let s2 = store.insert_shift(&other).await.unwrap();
    assert_eq!(s2.start_location, other.start_location);
    assert_eq!(s2.hourly_rate, other.hourly_rate);
    assert_eq!(store.shift(s2.id).await.unwrap(), Some(s2));
}

pub async fn one_active_shift_per_employee(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let first = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:00")))
        .await
        .unwrap();
    assert_eq!(
        store
            .insert_shift(&new_shift(b.e1.id, b.s2.id, utc("2026-12-01 06:05")))
            .await,
        Err(StoreError::ActiveShiftExists)
    );
    // Another employee at the same site is fine.
    store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, utc("2026-12-01 06:05")))
        .await
        .unwrap();
    let end = ShiftEnd {
        status: ShiftStatus::Closed,
        ended_at: utc("2026-12-01 07:00"),
        end_location: None,
        worked_minutes: 60,
        pay_minor: RATE,
        needs_review: false,
    };
    store.close_shift(first.id, &end).await.unwrap();
    let again = store
        .insert_shift(&new_shift(b.e1.id, b.s2.id, utc("2026-12-01 08:00")))
        .await
        .unwrap();
    assert_eq!(store.active_shift(b.e1.id).await.unwrap(), Some(again));
}

pub async fn concurrent_shift_inserts_give_one(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        let shift = new_shift(
            b.e1.id,
            b.s1.id,
            utc("2026-12-01 06:00") + Duration::seconds(i),
        );
        tasks.spawn(async move { store.insert_shift(&shift).await });
    }
    let results = tasks.join_all().await;
    let ok: Vec<&Shift> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(ok.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| r == &Err(StoreError::ActiveShiftExists)),
        "{results:?}"
    );
    assert_eq!(store.active_shifts().await.unwrap(), vec![ok[0].clone()]);
}

pub async fn close_shift_only_once(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let shift = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:00")))
        .await
        .unwrap();
    let end = ShiftEnd {
        status: ShiftStatus::Closed,
        ended_at: utc("2026-12-01 13:58"),
        end_location: Some(location((55.7498, 37.6203), None, 23.5)),
        worked_minutes: 478,
        pay_minor: 278_833,
        needs_review: false,
    };
    let closed = store.close_shift(shift.id, &end).await.unwrap();
    assert_eq!(
        closed,
        Shift {
            status: ShiftStatus::Closed,
            ended_at: Some(end.ended_at),
            end_location: end.end_location,
            worked_minutes: Some(478),
            pay_minor: Some(278_833),
            ..shift.clone()
        }
    );
    assert_eq!(store.shift(shift.id).await.unwrap(), Some(closed.clone()));
    assert_eq!(store.active_shift(b.e1.id).await.unwrap(), None);
    // A second close (the auto-close run racing the employee) changes nothing.
    let auto = ShiftEnd {
        status: ShiftStatus::AutoClosed,
        ended_at: utc("2026-12-01 19:00"),
        end_location: None,
        worked_minutes: 780,
        pay_minor: 455_000,
        needs_review: true,
    };
    assert!(matches!(
        store.close_shift(shift.id, &auto).await,
        Err(StoreError::NotFound("active shift"))
    ));
    assert_eq!(store.shift(shift.id).await.unwrap(), Some(closed));
    assert!(matches!(
        store.close_shift(ShiftId(shift.id.0 + 1000), &auto).await,
        Err(StoreError::NotFound("active shift"))
    ));

    // Closed automatically: no end location, flagged for review.
    let other = store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, utc("2026-12-01 06:00")))
        .await
        .unwrap();
    let auto_closed = store.close_shift(other.id, &auto).await.unwrap();
    assert_eq!(auto_closed.status, ShiftStatus::AutoClosed);
    assert_eq!(auto_closed.end_location, None);
    assert!(auto_closed.needs_review);
    assert_eq!(auto_closed.ended_at, Some(utc("2026-12-01 19:00")));
    assert_eq!(auto_closed.worked_minutes, Some(780));
    assert_eq!(auto_closed.pay_minor, Some(455_000));
    assert_eq!(store.shift(other.id).await.unwrap(), Some(auto_closed));
}

pub async fn active_shifts_oldest_first(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let e3 = person(&store, 2003, "Третий").await;
    let e4 = person(&store, 2004, "Четвёртый").await;
    let late = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, utc("2026-12-01 09:00")))
        .await
        .unwrap();
    let early = store
        .insert_shift(&new_shift(b.e2.id, b.s3.id, utc("2026-12-01 05:00")))
        .await
        .unwrap();
    let middle = store
        .insert_shift(&new_shift(e3.id, b.s2.id, utc("2026-12-01 07:00")))
        .await
        .unwrap();
    let gone = store
        .insert_shift(&new_shift(e4.id, b.s1.id, utc("2026-12-01 04:00")))
        .await
        .unwrap();
    store
        .close_shift(
            gone.id,
            &ShiftEnd {
                status: ShiftStatus::Closed,
                ended_at: utc("2026-12-01 05:00"),
                end_location: None,
                worked_minutes: 60,
                pay_minor: RATE,
                needs_review: false,
            },
        )
        .await
        .unwrap();
    let starts: Vec<app::ShiftStart> = [&early, &middle, &late]
        .iter()
        .map(|s| app::ShiftStart {
            id: s.id,
            site_id: s.site_id,
            started_at: s.started_at,
        })
        .collect();
    assert_eq!(
        store.active_shifts().await.unwrap(),
        vec![early, middle, late]
    );
    assert_eq!(store.running_shift_starts().await.unwrap(), starts);
}

pub async fn insert_shift_links_plan(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let plan = store
        .insert_planned_shift(&new_plan(
            b.e1.id,
            b.s1.id,
            utc("2026-12-01 07:00"),
            utc("2026-12-01 15:00"),
        ))
        .await
        .unwrap();
    let shift = store
        .insert_shift(&NewShift {
            planned_shift_id: Some(plan.id),
            ..new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:30"))
        })
        .await
        .unwrap();
    assert_eq!(shift.planned_shift_id, Some(plan.id));
    let done = store.planned_shift(plan.id).await.unwrap().unwrap();
    assert_eq!(done.status, PlanStatus::Done);
    assert_eq!(done.shift_id, Some(shift.id));
    assert_eq!(done.starts_at, plan.starts_at);

    // When the open fails, the plan stays as it was.
    let plan2 = store
        .insert_planned_shift(&new_plan(
            b.e1.id,
            b.s2.id,
            utc("2026-12-02 07:00"),
            utc("2026-12-02 15:00"),
        ))
        .await
        .unwrap();
    assert_eq!(
        store
            .insert_shift(&NewShift {
                planned_shift_id: Some(plan2.id),
                ..new_shift(b.e1.id, b.s2.id, utc("2026-12-02 06:30"))
            })
            .await,
        Err(StoreError::ActiveShiftExists)
    );
    assert_eq!(store.planned_shift(plan2.id).await.unwrap(), Some(plan2));
}

pub async fn list_shifts_filters_and_paging(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let t0 = utc("2026-12-01 06:00");
    let at = |h: i64| t0 + Duration::hours(h);
    // (employee, site, start offset in hours, status)
    let rows = [
        (b.e1.id, b.s1.id, 0, ShiftStatus::Closed),
        (b.e2.id, b.s1.id, 0, ShiftStatus::Closed),
        (b.e1.id, b.s2.id, 24, ShiftStatus::AutoClosed),
        (b.e2.id, b.s2.id, 25, ShiftStatus::Closed),
        (b.e1.id, b.s1.id, 48, ShiftStatus::Closed),
        (b.e1.id, b.s3.id, 49, ShiftStatus::Closed),
    ];
    let batch: Vec<FinishedShift> = rows
        .iter()
        .map(|(e, s, h, st)| finished(*e, *s, at(*h), 60, *st))
        .collect();
    assert_eq!(store.import_finished_shifts(&batch).await.unwrap(), 6);
    let active = store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, at(72)))
        .await
        .unwrap();

    let all = store
        .list_shifts(&shift_filter(vec![b.s1.id, b.s2.id]))
        .await
        .unwrap();
    assert_eq!(all.len(), 6, "s3 is outside the scope");
    assert!(all.iter().all(|s| s.site_id != b.s3.id));
    // Newest first; equal starts newest id first.
    for pair in all.windows(2) {
        assert!(
            (pair[0].started_at, pair[0].id) > (pair[1].started_at, pair[1].id),
            "{:?} before {:?}",
            (pair[0].started_at, pair[0].id),
            (pair[1].started_at, pair[1].id)
        );
    }
    assert_eq!(all[0], active);
    // Imported shifts come back whole.
    let imported_s2 = all
        .iter()
        .find(|s| s.site_id == b.s2.id && s.status == ShiftStatus::AutoClosed)
        .unwrap();
    assert_eq!(imported_s2, &expected_finished(imported_s2.id, &batch[2]));

    assert!(
        store
            .list_shifts(&shift_filter(vec![]))
            .await
            .unwrap()
            .is_empty()
    );

    let by_employee = store
        .list_shifts(&ShiftFilter {
            employee_id: Some(b.e1.id),
            ..shift_filter(vec![b.s1.id, b.s2.id, b.s3.id])
        })
        .await
        .unwrap();
    assert_eq!(by_employee.len(), 4);
    assert!(by_employee.iter().all(|s| s.employee_id == b.e1.id));

    let auto = store
        .list_shifts(&ShiftFilter {
            status: Some(ShiftStatus::AutoClosed),
            ..shift_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(auto.len(), 1);
    assert_eq!(auto[0].started_at, at(24));
    let actives = store
        .list_shifts(&ShiftFilter {
            status: Some(ShiftStatus::Active),
            ..shift_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(shift_ids(&actives), vec![active.id]);

    // started_from is inclusive, started_before exclusive.
    let window = store
        .list_shifts(&ShiftFilter {
            started_from: Some(at(24)),
            started_before: Some(at(48)),
            ..shift_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    let starts: Vec<DateTime<Utc>> = window.iter().map(|s| s.started_at).collect();
    assert_eq!(starts, vec![at(25), at(24)]);

    // Pages after a cursor cut the same order, ties at one instant included (two shifts start
    // at t0), each row on exactly one page.
    let mut paged = Vec::new();
    let mut after = None;
    for _ in 0..4 {
        let part = store
            .list_shifts(&ShiftFilter {
                limit: 2,
                after,
                ..shift_filter(vec![b.s1.id, b.s2.id])
            })
            .await
            .unwrap();
        assert!(part.len() <= 2);
        after = part.last().map(|s| Cursor::new(s.started_at, s.id.0));
        paged.extend(part);
    }
    assert_eq!(shift_ids(&paged), shift_ids(&all));
    // After the last row there is nothing; after the first of a tie, the other.
    let last = all.last().unwrap();
    assert!(
        store
            .list_shifts(&ShiftFilter {
                after: Some(Cursor::new(last.started_at, last.id.0)),
                ..shift_filter(vec![b.s1.id, b.s2.id])
            })
            .await
            .unwrap()
            .is_empty()
    );
    let tie = &all[all.len() - 2];
    assert_eq!(tie.started_at, last.started_at);
    let rest = store
        .list_shifts(&ShiftFilter {
            after: Some(Cursor::new(tie.started_at, tie.id.0)),
            ..shift_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(shift_ids(&rest), vec![last.id]);
}

pub async fn import_finished_shifts_round_trip(store: Arc<dyn Store>) {
    let b = base(&store).await;
    assert_eq!(store.import_finished_shifts(&[]).await.unwrap(), 0);
    let plan = store
        .insert_planned_shift(&new_plan(
            b.e2.id,
            b.s2.id,
            utc("2026-11-03 06:00"),
            utc("2026-11-03 14:00"),
        ))
        .await
        .unwrap();
    let mut with_accuracy = finished(
        b.e1.id,
        b.s1.id,
        utc("2026-11-01 06:00"),
        478,
        ShiftStatus::Closed,
    );
    with_accuracy.end.end_location = Some(location((55.7503, 37.6197), Some(7.5), 30.0));
    let auto = finished(
        b.e1.id,
        b.s1.id,
        utc("2026-11-02 06:00"),
        780,
        ShiftStatus::AutoClosed,
    );
    let mut planned = finished(
        b.e2.id,
        b.s2.id,
        utc("2026-11-03 05:50"),
        490,
        ShiftStatus::Closed,
    );
    planned.shift.planned_shift_id = Some(plan.id);
    planned.shift.start_location.accuracy_m = None;
    let batch = vec![with_accuracy, auto, planned];
    assert_eq!(store.import_finished_shifts(&batch).await.unwrap(), 3);

    let mut stored = store
        .list_shifts(&shift_filter(vec![b.s1.id, b.s2.id]))
        .await
        .unwrap();
    stored.reverse();
    assert_eq!(stored.len(), 3);
    for (got, want) in stored.iter().zip(&batch) {
        assert_eq!(got, &expected_finished(got.id, want));
    }
    // Nothing is left active.
    assert!(store.active_shifts().await.unwrap().is_empty());
    // The plan an imported shift fulfils is marked done, as when the shift opens live.
    let done = store.planned_shift(plan.id).await.unwrap().unwrap();
    assert_eq!(done.status, PlanStatus::Done);
    assert_eq!(done.shift_id, Some(stored[2].id));
}

pub async fn import_many_finished_shifts(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let t0 = utc("2026-01-01 06:00");
    let count = 12_345i64;
    let batch: Vec<FinishedShift> = (0..count)
        .map(|i| {
            let employee = if i % 2 == 0 { b.e1.id } else { b.e2.id };
            let site = if i % 3 == 0 { b.s1.id } else { b.s2.id };
            let status = if i % 5 == 0 {
                ShiftStatus::AutoClosed
            } else {
                ShiftStatus::Closed
            };
            finished(
                employee,
                site,
                t0 + Duration::minutes(i * 37),
                60 + i % 7,
                status,
            )
        })
        .collect();
    assert_eq!(
        store.import_finished_shifts(&batch).await.unwrap(),
        count as u64
    );
    let ranges = [b.s1.id, b.s2.id].map(|site_id| SiteRange {
        site_id,
        from: t0,
        to: t0 + Duration::days(3650),
    });
    let totals = store.shift_totals(&ranges, None).await.unwrap();
    let shifts: i64 = totals.iter().map(|t| t.shifts).sum();
    let minutes: i64 = totals.iter().map(|t| t.worked_minutes).sum();
    let pay: i64 = totals.iter().map(|t| t.pay_minor).sum();
    assert_eq!(shifts, count);
    assert_eq!(
        minutes,
        batch.iter().map(|f| f.end.worked_minutes).sum::<i64>()
    );
    assert_eq!(pay, batch.iter().map(|f| f.end.pay_minor).sum::<i64>());
    assert_eq!(totals.len(), 4, "two sites × two employees: {totals:?}");
}

pub async fn shift_totals_per_site_and_employee(store: Arc<dyn Store>) {
    let b = base(&store).await;
    // s1 counts [Dec 1, Dec 2), s2 counts [Dec 2, Dec 3).
    let r1 = SiteRange {
        site_id: b.s1.id,
        from: utc("2026-12-01 00:00"),
        to: utc("2026-12-02 00:00"),
    };
    let r2 = SiteRange {
        site_id: b.s2.id,
        from: utc("2026-12-02 00:00"),
        to: utc("2026-12-03 00:00"),
    };
    let f = |e: &User, s: &Site, at: &str, minutes: i64, st: ShiftStatus| {
        finished(e.id, s.id, utc(at), minutes, st)
    };
    use ShiftStatus::{AutoClosed, Closed};
    let batch = vec![
        f(&b.e1, &b.s1, "2026-12-01 00:00", 1, Closed), // at `from`: counts
        f(&b.e1, &b.s1, "2026-12-01 10:00", 2, Closed),
        f(&b.e1, &b.s1, "2026-12-01 23:59", 4, AutoClosed),
        f(&b.e2, &b.s1, "2026-12-01 12:00", 8, Closed),
        f(&b.e1, &b.s1, "2026-12-02 00:00", 16, Closed), // at `to`: does not count
        f(&b.e1, &b.s1, "2026-11-30 23:59", 32, Closed),
        f(&b.e1, &b.s2, "2026-12-02 08:00", 64, Closed),
        f(&b.e1, &b.s2, "2026-12-01 08:00", 128, Closed), // s1's day, not s2's
        f(&b.e1, &b.s3, "2026-12-01 08:00", 256, Closed), // no range for s3
    ];
    store.import_finished_shifts(&batch).await.unwrap();
    // A running shift is not finished and does not count.
    store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, utc("2026-12-01 13:00")))
        .await
        .unwrap();

    let mut totals = store.shift_totals(&[r2, r1], None).await.unwrap();
    totals.sort_by_key(|t| (t.site_id, t.employee_id));
    // Each shift is paid minutes × 350.00 / 60, rounded half up, then summed:
    // 1 min 583 (583.33), 2 min 1 167 (1 166.67), 4 min 2 333 (2 333.33), 8 min 4 667, 64 min
    // 37 333 (37 333.33).
    let mut expected = vec![
        ShiftTotals {
            site_id: b.s1.id,
            employee_id: b.e1.id,
            currency: Currency::RUB,
            shifts: 3,
            worked_minutes: 1 + 2 + 4,
            pay_minor: 4_083, // 583 + 1 167 + 2 333
        },
        ShiftTotals {
            site_id: b.s1.id,
            employee_id: b.e2.id,
            currency: Currency::RUB,
            shifts: 1,
            worked_minutes: 8,
            pay_minor: 4_667,
        },
        ShiftTotals {
            site_id: b.s2.id,
            employee_id: b.e1.id,
            currency: Currency::RUB,
            shifts: 1,
            worked_minutes: 64,
            pay_minor: 37_333,
        },
    ];
    expected.sort_by_key(|t| (t.site_id, t.employee_id));
    assert_eq!(totals, expected);
    assert!(store.shift_totals(&[], None).await.unwrap().is_empty());
}
