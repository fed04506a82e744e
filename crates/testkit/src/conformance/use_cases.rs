//! Conformance cases through the use-cases (`StaffPro` on the store under test, `World`):
//! opening and closing shifts, automatic closes, plans, reports and isolation between owners.

use super::*;

pub async fn open_shift_records_location_and_rate(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 09:00")).await;
    let fix = w.near();
    let shift = w.app.open_shift(&w.employee, w.site.id, fix).await.unwrap();
    let expected_distance = point(NEAR.0, NEAR.1).distance_m(&point(SITE_POINT.0, SITE_POINT.1));
    assert_eq!(shift.status, ShiftStatus::Active);
    assert_eq!(shift.employee_id, w.employee.id);
    assert_eq!(shift.site_id, w.site.id);
    assert_eq!(shift.started_at, local(MSK, "2026-12-01 09:00"));
    assert_eq!(shift.start_location.coordinates, fix.coordinates);
    assert_eq!(shift.start_location.accuracy_m, Some(15.0));
    assert!((shift.start_location.distance_m - expected_distance).abs() < 0.01);
    assert!(shift.start_location.distance_m > 15.0 && shift.start_location.distance_m < 30.0);
    assert_eq!(shift.hourly_rate, Money::new(RATE, Currency::RUB));
    assert_eq!(
        w.store.active_shift(w.employee.id).await.unwrap(),
        Some(shift.clone())
    );

    // A later rate change does not touch a shift already opened.
    w.app
        .update_site(
            &w.owner,
            w.site.id,
            SitePatch {
                hourly_rate_minor: Some(50_000),
                ..SitePatch::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        w.store.shift(shift.id).await.unwrap().unwrap().hourly_rate,
        Money::new(RATE, Currency::RUB)
    );
}

pub async fn open_shift_refusals(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let stranger = w
        .app
        .register_user(2999, "Посторонний", Language::Ru)
        .await
        .unwrap();
    let open = |who: User, site: SiteId, fix: LocationFix| {
        let app = w.app.clone();
        async move { app.open_shift(&who, site, fix).await }
    };

    assert_eq!(
        open(stranger.clone(), w.site.id, w.near()).await,
        Err(OpenShiftError::NoAccess)
    );
    assert_eq!(
        open(w.employee.clone(), SiteId(w.site.id.0 + 1000), w.near()).await,
        Err(OpenShiftError::SiteNotFound)
    );
    match open(w.employee.clone(), w.site.id, w.fix(FAR, Some(10.0))).await {
        Err(OpenShiftError::Location(LocationRejection::OutsideGeofence {
            distance_m,
            radius_m,
        })) => {
            assert_eq!(radius_m, 100);
            assert!(distance_m > 1000.0 && distance_m < 1200.0, "{distance_m}");
        }
        other => panic!("expected OutsideGeofence, got {other:?}"),
    }
    assert_eq!(
        open(w.employee.clone(), w.site.id, w.fix(NEAR, Some(150.0))).await,
        Err(OpenShiftError::Location(LocationRejection::PoorAccuracy {
            accuracy_m: 150.0,
            max_accuracy_m: 100.0
        }))
    );
    let stale = LocationFix {
        taken_at: w.clock.now() - Duration::seconds(121),
        ..w.near()
    };
    assert_eq!(
        open(w.employee.clone(), w.site.id, stale).await,
        Err(OpenShiftError::Location(LocationRejection::Stale {
            age_s: 121,
            max_age_s: 120
        }))
    );
    let forwarded = LocationFix {
        forwarded: true,
        ..w.near()
    };
    assert_eq!(
        open(w.employee.clone(), w.site.id, forwarded).await,
        Err(OpenShiftError::Location(LocationRejection::Forwarded))
    );
    w.app
        .update_site(&w.owner, w.site.id, SitePatch::default(), Some(false), None)
        .await
        .unwrap();
    assert_eq!(
        open(w.employee.clone(), w.site.id, w.near()).await,
        Err(OpenShiftError::SiteInactive)
    );
    // None of the refusals left a shift behind.
    assert_eq!(w.store.active_shift(w.employee.id).await.unwrap(), None);
    assert!(w.store.active_shifts().await.unwrap().is_empty());

    w.app
        .update_site(&w.owner, w.site.id, SitePatch::default(), Some(true), None)
        .await
        .unwrap();
    let shift = open(w.employee.clone(), w.site.id, w.near()).await.unwrap();
    assert_eq!(
        open(w.employee.clone(), w.site.id, w.near()).await,
        Err(OpenShiftError::AlreadyActive {
            shift_id: shift.id,
            site_id: w.site.id
        })
    );
}

pub async fn concurrent_opens_give_one_shift(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let app = w.app.clone();
        let employee = w.employee.clone();
        let site = w.site.id;
        let fix = w.near();
        tasks.spawn(async move { app.open_shift(&employee, site, fix).await });
    }
    let results = tasks.join_all().await;
    let opened: Vec<&Shift> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(opened.len(), 1, "{results:?}");
    let winner = opened[0].id;
    for r in results.iter().filter(|r| r.is_err()) {
        assert_eq!(
            r,
            &Err(OpenShiftError::AlreadyActive {
                shift_id: winner,
                site_id: w.site.id
            })
        );
    }
    let all = w
        .store
        .list_shifts(&shift_filter(vec![w.site.id]))
        .await
        .unwrap();
    assert_eq!(shift_ids(&all), vec![winner]);
}

pub async fn close_shift_settles_pay(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 09:00")).await;
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    // 7 h 58 min 40 s: seconds are cut, not rounded.
    w.set(local(MSK, "2026-12-01 16:58") + Duration::seconds(40));
    assert!(matches!(
        w.app.close_shift(&w.employee, w.fix(FAR, Some(10.0))).await,
        Err(CloseShiftError::Location(
            LocationRejection::OutsideGeofence { distance_m, radius_m: 100 }
        )) if (1000.0..1200.0).contains(&distance_m)
    ));
    assert_eq!(
        w.store.shift(shift.id).await.unwrap().unwrap().status,
        ShiftStatus::Active
    );
    let end_fix = w.fix((55.7501, 37.6201), None);
    let closed = w.app.close_shift(&w.employee, end_fix).await.unwrap();
    assert_eq!(closed.id, shift.id);
    assert_eq!(closed.status, ShiftStatus::Closed);
    assert_eq!(closed.worked_minutes, Some(478));
    assert_eq!(closed.pay_minor, Some(278_833));
    assert_eq!(closed.ended_at, Some(w.clock.now()));
    assert!(!closed.needs_review);
    let end = closed.end_location.unwrap();
    assert_eq!(end.coordinates, end_fix.coordinates);
    assert_eq!(end.accuracy_m, None);
    assert!(
        end.distance_m > 5.0 && end.distance_m < 20.0,
        "{}",
        end.distance_m
    );
    assert_eq!(w.store.shift(shift.id).await.unwrap(), Some(closed));
    assert_eq!(
        w.app.close_shift(&w.employee, w.near()).await,
        Err(CloseShiftError::NoActiveShift)
    );
}

pub async fn open_links_plan_within_two_hours(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-30 12:00")).await;
    let plan = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (12, 0), (18, 0)))
        .await
        .unwrap();
    // 2 h 1 min before the start: too early to count as this plan.
    w.set(local(MSK, "2026-12-01 09:59"));
    let early = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(early.planned_shift_id, None);
    assert_eq!(
        w.store
            .planned_shift(plan.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Planned
    );
    w.set(local(MSK, "2026-12-01 10:00") + Duration::seconds(30));
    w.app.close_shift(&w.employee, w.near()).await.unwrap();
    // Within two hours of the start: the shift fulfils the plan.
    let linked = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(linked.planned_shift_id, Some(plan.id));
    let done = w.store.planned_shift(plan.id).await.unwrap().unwrap();
    assert_eq!(done.status, PlanStatus::Done);
    assert_eq!(done.shift_id, Some(linked.id));
    // A done plan is no longer the employee's upcoming plan.
    assert!(w.app.my_plans(&w.employee).await.unwrap().is_empty());
}

pub async fn auto_close_at_closing_plus_grace(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 09:00")).await;
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    // A second employee closes by hand at noon: the run must leave that shift alone.
    let maria = w.hire(2002, "Мария Сидорова", w.site.id).await;
    w.set(local(MSK, "2026-12-01 09:05"));
    w.app.open_shift(&maria, w.site.id, w.near()).await.unwrap();
    w.set(local(MSK, "2026-12-01 12:00"));
    let by_hand = w.app.close_shift(&maria, w.near()).await.unwrap();

    // The site closes at 21:00 Moscow time; the grace is 60 minutes.
    w.set(local(MSK, "2026-12-01 21:59") + Duration::seconds(59));
    assert!(w.app.auto_close_due().await.unwrap().is_empty());
    assert_eq!(
        w.store.shift(shift.id).await.unwrap().unwrap().status,
        ShiftStatus::Active
    );

    // Run late (23:30): pay still counts only to 22:00.
    w.set(local(MSK, "2026-12-01 23:30"));
    let closed = w.app.auto_close_due().await.unwrap();
    assert_eq!(shift_ids(&closed), vec![shift.id]);
    let c = &closed[0];
    assert_eq!(c.status, ShiftStatus::AutoClosed);
    assert_eq!(c.ended_at, Some(local(MSK, "2026-12-01 22:00")));
    assert_eq!(c.ended_at, Some(utc("2026-12-01 19:00")));
    assert_eq!(c.worked_minutes, Some(13 * 60));
    assert_eq!(c.pay_minor, Some(455_000));
    assert!(c.needs_review);
    assert_eq!(c.end_location, None);
    assert_eq!(w.store.shift(shift.id).await.unwrap().as_ref(), Some(c));

    assert!(w.app.auto_close_due().await.unwrap().is_empty());
    assert_eq!(w.store.shift(by_hand.id).await.unwrap(), Some(by_hand));
}

pub async fn auto_close_overnight_site_in_its_zone(store: Arc<dyn Store>) {
    let w = World::new(store, local(VVO, "2026-12-01 20:00")).await;
    let night = w
        .app
        .create_site(
            &w.owner,
            SitePatch {
                hourly_rate_minor: Some(60_000),
                ..site_patch("Ночной склад", VVO, "20:00", "06:00")
            },
        )
        .await
        .unwrap();
    let guard = w.hire(2003, "Сторож Семён", night.id).await;
    let shift = w.app.open_shift(&guard, night.id, w.near()).await.unwrap();

    // Closes at 06:00 Vladivostok time the next morning, plus an hour of grace.
    w.set(local(VVO, "2026-12-02 06:59"));
    assert!(w.app.auto_close_due().await.unwrap().is_empty());
    w.set(local(VVO, "2026-12-02 07:00"));
    let closed = w.app.auto_close_due().await.unwrap();
    assert_eq!(shift_ids(&closed), vec![shift.id]);
    assert_eq!(closed[0].ended_at, Some(utc("2026-12-01 21:00")));
    assert_eq!(closed[0].worked_minutes, Some(11 * 60));
    assert_eq!(closed[0].pay_minor, Some(660_000));
    assert!(closed[0].needs_review);
}

pub async fn plan_rules_through_staffpro(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let first = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    assert_eq!(first.starts_at, local(MSK, "2026-12-01 10:00"));
    assert_eq!(first.ends_at, local(MSK, "2026-12-01 14:00"));
    assert_eq!(first.status, PlanStatus::Planned);
    assert_eq!(
        w.app
            .plan_shift(&w.owner, w.plan("2026-12-01", (13, 0), (15, 0)))
            .await,
        Err(PlanShiftError::Overlap)
    );
    // Touching plans are fine; the employee may plan for themselves.
    w.app
        .plan_shift(&w.employee, w.plan("2026-12-01", (14, 0), (18, 0)))
        .await
        .unwrap();
    assert_eq!(
        w.app
            .plan_shift(&w.owner, w.plan("2026-12-02", (8, 0), (12, 0)))
            .await,
        Err(PlanShiftError::Rule(PlanRuleError::OutsideOpeningHours {
            opens: "09:00".into(),
            closes: "21:00".into()
        }))
    );
    assert_eq!(
        w.app
            .plan_shift(&w.owner, w.plan("2026-12-02", (9, 0), (9, 30)))
            .await,
        Err(PlanShiftError::Rule(PlanRuleError::TooShort {
            minutes: 30
        }))
    );
    assert_eq!(
        w.app
            .plan_shift(&w.owner, w.plan("2026-11-25", (10, 0), (14, 0)))
            .await,
        Err(PlanShiftError::Rule(PlanRuleError::InThePast))
    );
    // A cancelled plan frees its slot.
    w.app.cancel_plan(&w.owner, first.id).await.unwrap();
    let again = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (11, 0), (13, 0)))
        .await
        .unwrap();
    let listed = w
        .app
        .plans_for(
            &w.owner,
            &PlanQuery {
                status: Some(PlanStatus::Planned),
                ..PlanQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    assert_eq!(listed.items[0].id, again.id);
}

pub async fn concurrent_overlapping_plans_through_staffpro(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let a = {
        let app = w.app.clone();
        let owner = w.owner.clone();
        let req = w.plan("2026-12-01", (10, 0), (14, 0));
        tokio::spawn(async move { app.plan_shift(&owner, req).await })
    };
    let b = {
        let app = w.app.clone();
        let employee = w.employee.clone();
        let req = w.plan("2026-12-01", (12, 0), (16, 0));
        tokio::spawn(async move { app.plan_shift(&employee, req).await })
    };
    let results = [a.await.unwrap(), b.await.unwrap()];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results.iter().any(|r| r == &Err(PlanShiftError::Overlap)),
        "{results:?}"
    );
}

pub async fn employee_cancel_cutoff(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let plan = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    let later = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-02", (10, 0), (14, 0)))
        .await
        .unwrap();
    let stranger = w
        .app
        .register_user(2999, "Посторонний", Language::Ru)
        .await
        .unwrap();
    assert_eq!(
        w.app.cancel_plan(&stranger, plan.id).await,
        Err(PlanShiftError::PlanNotFound)
    );

    // 59 minutes before the start: too late for the employee, not for the owner.
    w.set(local(MSK, "2026-12-01 09:01"));
    assert_eq!(
        w.app.cancel_plan(&w.employee, plan.id).await,
        Err(PlanShiftError::Rule(PlanRuleError::CancelTooLate {
            minutes_left: 59,
            cutoff_minutes: 60
        }))
    );
    assert_eq!(
        w.store
            .planned_shift(plan.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Planned
    );
    let cancelled = w.app.cancel_plan(&w.owner, plan.id).await.unwrap();
    assert_eq!(cancelled.status, PlanStatus::Cancelled);
    assert_eq!(
        w.app.cancel_plan(&w.owner, plan.id).await,
        Err(PlanShiftError::Rule(PlanRuleError::NotCancellable {
            status: "cancelled"
        }))
    );

    // Exactly an hour before: the employee may still cancel.
    w.set(local(MSK, "2026-12-02 09:00"));
    let mine = w.app.cancel_plan(&w.employee, later.id).await.unwrap();
    assert_eq!(mine.status, PlanStatus::Cancelled);
}

pub async fn mark_missed_plans_through_staffpro(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let plan = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    assert_eq!(
        plan_ids(&w.app.my_plans(&w.employee).await.unwrap()),
        vec![plan.id]
    );
    w.set(local(MSK, "2026-12-01 14:00"));
    assert_eq!(
        w.app.mark_missed_plans().await.unwrap(),
        vec![],
        "ends_at is not before now"
    );
    w.set(local(MSK, "2026-12-01 14:01"));
    assert_eq!(
        plan_ids(&w.app.mark_missed_plans().await.unwrap()),
        vec![plan.id]
    );
    assert_eq!(
        w.store
            .planned_shift(plan.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Missed
    );
    assert!(w.app.my_plans(&w.employee).await.unwrap().is_empty());
    assert_eq!(w.app.mark_missed_plans().await.unwrap(), vec![]);
}

pub async fn summary_counts_days_in_site_time_zone(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2027-01-05 12:00")).await;
    let far_east = w
        .app
        .create_site(&w.owner, site_patch("Порт", VVO, "00:00", "00:00"))
        .await
        .unwrap();
    let maria = w.hire(2002, "Анна Морская", w.site.id).await;
    let f = |e: &User, s: &Site, zone: &str, at: &str, minutes: i64, st: ShiftStatus| {
        finished(e.id, s.id, local(zone, at), minutes, st)
    };
    use ShiftStatus::{AutoClosed, Closed};
    let (ivan, msk_site) = (&w.employee, &w.site);
    // Counted shifts have minutes 64, 128, 256, 512, 1024; uncounted ones 1, 2, 4, 8, so every
    // total says exactly which shifts were counted.
    let batch = vec![
        f(ivan, msk_site, MSK, "2026-12-31 23:30", 64, Closed),
        f(ivan, msk_site, MSK, "2027-01-01 00:30", 1, Closed), // still Dec 31 in UTC
        f(ivan, msk_site, MSK, "2026-12-01 00:30", 128, Closed), // Nov 30 in UTC
        f(ivan, msk_site, MSK, "2026-11-30 23:30", 2, Closed),
        f(&maria, msk_site, MSK, "2026-12-15 10:00", 256, AutoClosed),
        f(ivan, &far_east, VVO, "2026-12-31 23:30", 512, Closed),
        f(ivan, &far_east, VVO, "2027-01-01 00:30", 4, Closed),
        f(ivan, &far_east, VVO, "2026-12-01 00:30", 1024, Closed), // Nov 30 in UTC
        f(ivan, &far_east, VVO, "2026-11-30 23:59", 8, Closed),
    ];
    w.store.import_finished_shifts(&batch).await.unwrap();
    // Running shifts are not in the report.
    w.store
        .insert_shift(&new_shift(
            maria.id,
            msk_site.id,
            local(MSK, "2026-12-20 10:00"),
        ))
        .await
        .unwrap();

    // Pay per shift at 350.00 per hour (minutes × 35 000 / 60, rounded half up): 64 min 37 333,
    // 128 min 74 667, 256 min 149 333, 512 min 298 667, 1 024 min 597 333.
    let rub = |minor: i64| Money::new(minor, Currency::RUB);
    let s = w
        .app
        .summary(&w.owner, date("2026-12-01"), date("2026-12-31"), None)
        .await
        .unwrap();
    let sites: Vec<(SiteId, i64, i64, Vec<Money>)> = s
        .sites
        .iter()
        .map(|x| (x.site_id, x.shifts, x.worked_minutes, x.pay.clone()))
        .collect();
    assert_eq!(
        sites,
        vec![
            // 37 333 + 74 667 + 149 333
            (msk_site.id, 3, 64 + 128 + 256, vec![rub(261_333)]),
            // 298 667 + 597 333
            (far_east.id, 2, 512 + 1024, vec![rub(896_000)]),
        ]
    );
    assert_eq!(s.sites[0].name, "Склад №1");
    let employees: Vec<(UserId, &str, i64, i64, Vec<Money>)> = s
        .employees
        .iter()
        .map(|e| {
            (
                e.employee_id,
                e.name.as_str(),
                e.shifts,
                e.worked_minutes,
                e.pay.clone(),
            )
        })
        .collect();
    assert_eq!(
        employees,
        vec![
            (maria.id, "Анна Морская", 1, 256, vec![rub(149_333)]),
            (
                ivan.id,
                "Иван Петров",
                4,
                64 + 128 + 512 + 1024,
                // 37 333 + 74 667 + 298 667 + 597 333
                vec![rub(1_008_000)]
            ),
        ]
    );
    assert_eq!(s.shifts, 5);
    assert_eq!(s.worked_minutes, 64 + 128 + 256 + 512 + 1024);
    assert_eq!(s.pay, vec![rub(1_157_333)], "261 333 + 896 000");

    // One site only.
    let one = w
        .app
        .summary(
            &w.owner,
            date("2026-12-31"),
            date("2026-12-31"),
            Some(far_east.id),
        )
        .await
        .unwrap();
    assert_eq!(one.sites.len(), 1);
    assert_eq!(one.shifts, 1);
    assert_eq!(one.worked_minutes, 512);

    // Listings read dates in each site's zone too.
    let dec31 = w
        .app
        .shifts_for(
            &w.owner,
            &ShiftQuery {
                from: Some(date("2026-12-31")),
                to: Some(date("2026-12-31")),
                ..ShiftQuery::default()
            },
        )
        .await
        .unwrap();
    let minutes: Vec<Option<i64>> = dec31.items.iter().map(|s| s.worked_minutes).collect();
    assert_eq!(minutes, vec![Some(64), Some(512)]);
}

pub async fn other_owners_things_are_not_found(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let plan = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    let rival = w
        .app
        .add_owner(1002, "Пётр Конкурент", Language::Ru)
        .await
        .unwrap();
    let own = w
        .app
        .create_site(&rival, site_patch("Свой склад", MSK, "09:00", "21:00"))
        .await
        .unwrap();

    let not_found = |r: Result<(), AppError>| {
        assert_eq!(r, Err(AppError::NotFound("site")));
    };
    not_found(w.app.managed_site(&rival, w.site.id).await.map(drop));
    not_found(
        w.app
            .update_site(
                &rival,
                w.site.id,
                SitePatch {
                    name: Some("Захвачено".into()),
                    ..SitePatch::default()
                },
                None,
                None,
            )
            .await
            .map(drop),
    );
    not_found(w.app.employees_for(&rival, Some(w.site.id)).await.map(drop));
    not_found(
        w.app
            .add_employee(&rival, w.site.id, 2001, None)
            .await
            .map(drop),
    );
    not_found(
        w.app
            .shifts_for(
                &rival,
                &ShiftQuery {
                    site_id: Some(w.site.id),
                    ..ShiftQuery::default()
                },
            )
            .await
            .map(drop),
    );
    not_found(
        w.app
            .plans_for(
                &rival,
                &PlanQuery {
                    site_id: Some(w.site.id),
                    ..PlanQuery::default()
                },
            )
            .await
            .map(drop),
    );
    not_found(
        w.app
            .summary(
                &rival,
                date("2026-12-01"),
                date("2026-12-31"),
                Some(w.site.id),
            )
            .await
            .map(drop),
    );
    assert_eq!(
        w.app.cancel_plan(&rival, plan.id).await,
        Err(PlanShiftError::PlanNotFound)
    );
    assert_eq!(
        w.app
            .plan_shift(&rival, w.plan("2026-12-02", (10, 0), (14, 0)))
            .await,
        Err(PlanShiftError::SiteNotFound)
    );
    // The rival's own views do not include the other owner's things.
    let theirs = w.app.sites_for(&rival).await.unwrap();
    assert_eq!(
        theirs.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![own.id]
    );
    assert!(
        w.app
            .shifts_for(&rival, &ShiftQuery::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.app
            .plans_for(&rival, &PlanQuery::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(w.app.employees_for(&rival, None).await.unwrap().is_empty());
    // Nothing of the owner's changed.
    assert_eq!(w.store.site(w.site.id).await.unwrap().unwrap(), w.site);
    assert_eq!(
        w.store
            .planned_shift(plan.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Planned
    );
    assert_eq!(w.store.shift(shift.id).await.unwrap(), Some(shift));
    // And the owner still sees everything.
    let owner_shifts = w
        .app
        .shifts_for(&w.owner, &ShiftQuery::default())
        .await
        .unwrap();
    assert_eq!(owner_shifts.items.len(), 1);
}

pub async fn api_tokens_issue_authenticate_revoke(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let (holder, token) = w.app.issue_api_token(1001, "ci").await.unwrap();
    assert_eq!(holder.id, w.owner.id);
    assert!(app::tokens::looks_valid(&token));
    let authed = w.app.authenticate(&token).await.unwrap().unwrap();
    assert_eq!(authed.id, w.owner.id);
    assert!(authed.is_owner);
    assert_eq!(w.app.authenticate("garbage").await.unwrap(), None);
    let unknown = app::tokens::generate().unwrap();
    assert_eq!(w.app.authenticate(&unknown).await.unwrap(), None);

    let (_, second) = w.app.issue_api_token(1001, "laptop").await.unwrap();
    assert_ne!(second, token);
    let (_, employees) = w.app.issue_api_token(2001, "phone").await.unwrap();
    assert_eq!(w.app.revoke_api_tokens(1001).await.unwrap(), 2);
    assert_eq!(w.app.authenticate(&token).await.unwrap(), None);
    assert_eq!(w.app.authenticate(&second).await.unwrap(), None);
    assert_eq!(
        w.app.authenticate(&employees).await.unwrap().map(|u| u.id),
        Some(w.employee.id)
    );
    assert_eq!(
        w.app.issue_api_token(9_999_999, "nobody").await,
        Err(AppError::NotFound("user"))
    );
}
