//! Conformance cases of the `Store` port: planned shifts (overlaps, conditional status
//! changes, listing and paging, missed plans).

use super::*;

// ---- planned shifts ------------------------------------------------------------------------

pub async fn planned_shift_round_trip(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let before = Utc::now() - Duration::minutes(5);
    let plan = store
        .insert_planned_shift(&new_plan(
            b.e1.id,
            b.s1.id,
            utc("2026-12-01 06:00"),
            utc("2026-12-01 14:30"),
        ))
        .await
        .unwrap();
    assert_eq!(
        plan,
        PlannedShift {
            id: plan.id,
            employee_id: b.e1.id,
            site_id: b.s1.id,
            starts_at: utc("2026-12-01 06:00"),
            ends_at: utc("2026-12-01 14:30"),
            status: PlanStatus::Planned,
            shift_id: None,
            created_at: plan.created_at,
        }
    );
    assert!(plan.created_at > before && plan.created_at < Utc::now() + Duration::minutes(5));
    assert_eq!(
        store.planned_shift(plan.id).await.unwrap(),
        Some(plan.clone())
    );
    assert_eq!(
        store
            .planned_shift(PlannedShiftId(plan.id.0 + 1000))
            .await
            .unwrap(),
        None
    );
}

pub async fn plan_overlap_rules(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let h = |hour: u32| utc("2026-12-01 00:00") + Duration::hours(i64::from(hour));
    let plan = |e: &User, s: &Site, from: u32, to: u32| new_plan(e.id, s.id, h(from), h(to));
    let first = store
        .insert_planned_shift(&plan(&b.e1, &b.s1, 10, 14))
        .await
        .unwrap();
    for (from, to) in [(13, 15), (11, 12), (9, 11), (8, 16), (10, 14)] {
        assert_eq!(
            store
                .insert_planned_shift(&plan(&b.e1, &b.s1, from, to))
                .await,
            Err(StoreError::PlanOverlap),
            "{from}-{to} overlaps 10-14"
        );
    }
    // An employee cannot be at two sites at once either.
    assert_eq!(
        store
            .insert_planned_shift(&plan(&b.e1, &b.s2, 12, 16))
            .await,
        Err(StoreError::PlanOverlap)
    );
    // Touching ends do not overlap; another employee is independent.
    store
        .insert_planned_shift(&plan(&b.e1, &b.s1, 14, 18))
        .await
        .unwrap();
    store
        .insert_planned_shift(&plan(&b.e1, &b.s2, 6, 10))
        .await
        .unwrap();
    store
        .insert_planned_shift(&plan(&b.e2, &b.s1, 10, 14))
        .await
        .unwrap();

    // A cancelled plan frees its slot.
    store
        .set_plan_status(first.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    let replacement = store
        .insert_planned_shift(&plan(&b.e1, &b.s1, 11, 13))
        .await
        .unwrap();
    // A missed plan frees it too; a done one keeps it.
    store
        .set_plan_status(replacement.id, PlanStatus::Planned, PlanStatus::Missed)
        .await
        .unwrap();
    let third = store
        .insert_planned_shift(&plan(&b.e1, &b.s1, 10, 14))
        .await
        .unwrap();
    store
        .set_plan_status(third.id, PlanStatus::Planned, PlanStatus::Done)
        .await
        .unwrap();
    assert_eq!(
        store
            .insert_planned_shift(&plan(&b.e1, &b.s1, 12, 13))
            .await,
        Err(StoreError::PlanOverlap)
    );
}

pub async fn concurrent_overlapping_plans_give_one(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let start = utc("2026-12-01 06:00");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        // Every pair of these windows overlaps.
        let plan = new_plan(
            b.e1.id,
            b.s1.id,
            start + Duration::minutes(10 * i),
            start + Duration::minutes(10 * i + 120),
        );
        tasks.spawn(async move { store.insert_planned_shift(&plan).await });
    }
    let results = tasks.join_all().await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| r == &Err(StoreError::PlanOverlap)),
        "{results:?}"
    );
    let stored = store
        .list_planned(&plan_filter(vec![b.s1.id]))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
}

pub async fn set_plan_status_is_conditional(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let plan = store
        .insert_planned_shift(&new_plan(
            b.e1.id,
            b.s1.id,
            utc("2026-12-01 06:00"),
            utc("2026-12-01 14:00"),
        ))
        .await
        .unwrap();
    let cancelled = store
        .set_plan_status(plan.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    assert_eq!(
        cancelled,
        PlannedShift {
            status: PlanStatus::Cancelled,
            ..plan.clone()
        }
    );
    // Not in `from` any more: nothing changes.
    assert!(matches!(
        store
            .set_plan_status(plan.id, PlanStatus::Planned, PlanStatus::Done)
            .await,
        Err(StoreError::NotFound("planned shift"))
    ));
    assert_eq!(store.planned_shift(plan.id).await.unwrap(), Some(cancelled));
    assert!(matches!(
        store
            .set_plan_status(
                PlannedShiftId(plan.id.0 + 1000),
                PlanStatus::Planned,
                PlanStatus::Cancelled
            )
            .await,
        Err(StoreError::NotFound("planned shift"))
    ));
}

pub async fn list_planned_filters_and_paging(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let d =
        |day: i64, hour: i64| utc("2026-12-01 00:00") + Duration::days(day) + Duration::hours(hour);
    let mut made = Vec::new();
    // (employee, site, day, start hour, length hours)
    for (e, s, day, hour, len) in [
        (&b.e1, &b.s1, 0, 6, 8),
        (&b.e2, &b.s1, 0, 6, 4),
        (&b.e1, &b.s2, 1, 6, 8),
        (&b.e2, &b.s2, 1, 12, 8),
        (&b.e1, &b.s1, 2, 6, 8),
        (&b.e1, &b.s3, 3, 6, 8),
    ] {
        made.push(
            store
                .insert_planned_shift(&new_plan(e.id, s.id, d(day, hour), d(day, hour + len)))
                .await
                .unwrap(),
        );
    }
    store
        .set_plan_status(made[2].id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();

    let all = store
        .list_planned(&plan_filter(vec![b.s2.id, b.s1.id]))
        .await
        .unwrap();
    // Earliest start first; equal starts by id.
    let (first, second) = if made[0].id < made[1].id {
        (made[0].id, made[1].id)
    } else {
        (made[1].id, made[0].id)
    };
    assert_eq!(
        plan_ids(&all),
        vec![first, second, made[2].id, made[3].id, made[4].id]
    );
    assert!(
        store
            .list_planned(&plan_filter(vec![]))
            .await
            .unwrap()
            .is_empty()
    );

    let mine = store
        .list_planned(&PlanFilter {
            employee_id: Some(b.e1.id),
            ..plan_filter(vec![b.s1.id, b.s2.id, b.s3.id])
        })
        .await
        .unwrap();
    assert_eq!(
        plan_ids(&mine),
        vec![made[0].id, made[2].id, made[4].id, made[5].id]
    );

    let planned = store
        .list_planned(&PlanFilter {
            status: Some(PlanStatus::Planned),
            ..plan_filter(vec![b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(plan_ids(&planned), vec![made[3].id]);

    // starts_from inclusive, starts_before exclusive.
    let days = store
        .list_planned(&PlanFilter {
            starts_from: Some(d(1, 6)),
            starts_before: Some(d(2, 6)),
            ..plan_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(plan_ids(&days), vec![made[2].id, made[3].id]);

    // ends_after is exclusive: a plan ending exactly then is over.
    let running = store
        .list_planned(&PlanFilter {
            ends_after: Some(d(0, 10)),
            ..plan_filter(vec![b.s1.id])
        })
        .await
        .unwrap();
    assert_eq!(plan_ids(&running), vec![made[0].id, made[4].id]);

    // Pages after a cursor, ties at one instant included (two plans start at d(0, 6)).
    let mut paged = Vec::new();
    let mut after = None;
    for _ in 0..3 {
        let part = store
            .list_planned(&PlanFilter {
                limit: 2,
                after,
                ..plan_filter(vec![b.s1.id, b.s2.id])
            })
            .await
            .unwrap();
        assert!(part.len() <= 2);
        after = part.last().map(|p| Cursor::new(p.starts_at, p.id.0));
        paged.extend(part);
    }
    assert_eq!(plan_ids(&paged), plan_ids(&all));
    let rest = store
        .list_planned(&PlanFilter {
            after: Some(Cursor::new(all[0].starts_at, all[0].id.0)),
            ..plan_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(plan_ids(&rest), plan_ids(&all[1..]));
}

pub async fn mark_missed_plans_marks_only_ended_planned(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let cutoff = utc("2026-12-02 00:00");
    let ins = |e: UserId, from: &str, to: &str| new_plan(e, b.s1.id, utc(from), utc(to));
    let ended = store
        .insert_planned_shift(&ins(b.e1.id, "2026-12-01 06:00", "2026-12-01 14:00"))
        .await
        .unwrap();
    let at_cutoff = store
        .insert_planned_shift(&ins(b.e1.id, "2026-12-01 16:00", "2026-12-02 00:00"))
        .await
        .unwrap();
    let cancelled = store
        .insert_planned_shift(&ins(b.e2.id, "2026-12-01 06:00", "2026-12-01 14:00"))
        .await
        .unwrap();
    store
        .set_plan_status(cancelled.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    let done = store
        .insert_planned_shift(&ins(b.e2.id, "2026-12-01 15:00", "2026-12-01 20:00"))
        .await
        .unwrap();
    store
        .set_plan_status(done.id, PlanStatus::Planned, PlanStatus::Done)
        .await
        .unwrap();
    let running = store
        .insert_planned_shift(&ins(b.e2.id, "2026-12-01 22:00", "2026-12-02 06:00"))
        .await
        .unwrap();
    // Inserted last but starts first: the answer is ordered by start.
    let earlier = store
        .insert_planned_shift(&ins(b.e2.id, "2026-11-30 10:00", "2026-11-30 12:00"))
        .await
        .unwrap();

    let missed = store.mark_missed_plans(cutoff).await.unwrap();
    let as_missed = |p: &PlannedShift| PlannedShift {
        status: PlanStatus::Missed,
        ..p.clone()
    };
    assert_eq!(missed, vec![as_missed(&earlier), as_missed(&ended)]);
    let status = |p: PlannedShiftId| {
        let store = store.clone();
        async move { store.planned_shift(p).await.unwrap().unwrap().status }
    };
    assert_eq!(status(ended.id).await, PlanStatus::Missed);
    assert_eq!(status(at_cutoff.id).await, PlanStatus::Planned);
    assert_eq!(status(cancelled.id).await, PlanStatus::Cancelled);
    assert_eq!(status(done.id).await, PlanStatus::Done);
    assert_eq!(status(running.id).await, PlanStatus::Planned);
    assert_eq!(store.mark_missed_plans(cutoff).await.unwrap(), vec![]);
}
