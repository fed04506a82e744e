//! Conformance cases through the use-cases: joining, language, earnings, live status and an
//! employee's own status.

use super::*;

// ---- joining, status and earnings through the use-cases ----------------------------------------

/// A valid join code neither of `taken` uses.
fn unused_code(taken: &[&str]) -> String {
    (0..)
        .map(code)
        .find(|c| !taken.contains(&c.as_str()))
        .unwrap()
}

pub async fn request_join_refusals(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    // `create_site` draws a proper code, a different one per site.
    assert_eq!(
        JoinCode::parse(&w.site.join_code).map(|c| c.as_str().to_owned()),
        Some(w.site.join_code.clone())
    );
    let cafe = w
        .app
        .create_site(&w.owner, site_patch("Кафе", MSK, "08:00", "23:00"))
        .await
        .unwrap();
    assert_ne!(cafe.join_code, w.site.join_code);
    assert_eq!(
        w.store.site_by_join_code(&cafe.join_code).await.unwrap(),
        Some(cafe.clone())
    );
    let newcomer = w
        .app
        .ensure_user(3001, "Новенький", Some("ru"))
        .await
        .unwrap();

    let unused = unused_code(&[&w.site.join_code, &cafe.join_code]);
    for bad in ["", "short", "ABCDEFGHJK", "abcdefghj0", unused.as_str()] {
        assert_eq!(
            w.app.request_join(&newcomer, bad).await,
            Err(JoinError::UnknownCode),
            "{bad:?}"
        );
    }

    // The code as a deep link carries it (spaces around it do not matter).
    let asked = w
        .app
        .request_join(&newcomer, &format!(" {} ", w.site.join_code))
        .await
        .unwrap();
    assert_eq!(asked.site, w.site);
    assert_eq!(asked.owner, w.owner);
    assert_eq!(
        asked.request,
        JoinRequest {
            id: asked.request.id,
            site_id: w.site.id,
            user_id: newcomer.id,
            status: JoinStatus::Pending,
            created_at: local(MSK, "2026-12-01 10:00"),
            decided_at: None,
        }
    );
    assert_eq!(
        w.store.join_request(asked.request.id).await.unwrap(),
        Some(asked.request.clone())
    );
    assert_eq!(
        w.app.request_join(&newcomer, &w.site.join_code).await,
        Err(JoinError::AlreadyRequested {
            site: Box::new(w.site.clone())
        })
    );
    assert_eq!(
        w.app.request_join(&w.employee, &w.site.join_code).await,
        Err(JoinError::AlreadyMember {
            site: Box::new(w.site.clone())
        })
    );
    // Another site of the same owner is another request.
    let to_cafe = w
        .app
        .request_join(&newcomer, &cafe.join_code)
        .await
        .unwrap();
    assert_eq!(to_cafe.request.site_id, cafe.id);
    assert_ne!(to_cafe.request.id, asked.request.id);

    // An inactive site takes no requests.
    w.app
        .update_site(&w.owner, w.site.id, SitePatch::default(), Some(false), None)
        .await
        .unwrap();
    let late = w.app.ensure_user(3002, "Опоздавший", None).await.unwrap();
    assert_eq!(
        w.app.request_join(&late, &w.site.join_code).await,
        Err(JoinError::SiteInactive)
    );
    // Asking granted nothing.
    assert!(!w.store.has_access(w.site.id, newcomer.id).await.unwrap());
    assert!(!w.store.has_access(cafe.id, newcomer.id).await.unwrap());
}

pub async fn decide_join_by_owner_or_manager_only(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let rival = w
        .app
        .add_owner(1002, "Пётр Конкурент", Language::Ru)
        .await
        .unwrap();
    w.app
        .create_site(&rival, site_patch("Свой склад", MSK, "09:00", "21:00"))
        .await
        .unwrap();
    let newcomer = w.app.ensure_user(3001, "Новенький", None).await.unwrap();
    let asked = w
        .app
        .request_join(&newcomer, &w.site.join_code)
        .await
        .unwrap();
    let id = asked.request.id;

    // Another owner, or the person who asked, cannot even see the request.
    for outsider in [&rival, &newcomer, &w.employee] {
        assert_eq!(
            w.app.decide_join(outsider, id, true).await,
            Err(JoinError::NotFound),
            "{}",
            outsider.name.as_str()
        );
    }
    assert_eq!(
        w.store.join_request(id).await.unwrap(),
        Some(asked.request.clone())
    );
    assert!(!w.store.has_access(w.site.id, newcomer.id).await.unwrap());

    w.set(local(MSK, "2026-12-01 10:05"));
    let decided = w.app.decide_join(&w.owner, id, true).await.unwrap();
    assert_eq!(
        decided.request,
        JoinRequest {
            status: JoinStatus::Approved,
            decided_at: Some(local(MSK, "2026-12-01 10:05")),
            ..asked.request.clone()
        }
    );
    assert_eq!(decided.site, w.site);
    assert_eq!(decided.employee, newcomer);
    assert!(w.store.has_access(w.site.id, newcomer.id).await.unwrap());
    assert_eq!(
        w.app.workplaces(&newcomer).await.unwrap(),
        vec![w.site.clone()]
    );
    assert_eq!(
        w.app.decide_join(&w.owner, id, false).await,
        Err(JoinError::AlreadyDecided)
    );
    assert!(w.store.has_access(w.site.id, newcomer.id).await.unwrap());
    assert_eq!(
        w.app.request_join(&newcomer, &w.site.join_code).await,
        Err(JoinError::AlreadyMember {
            site: Box::new(w.site.clone())
        })
    );

    // A manager of the site decides too; declining grants nothing.
    let manager = w
        .app
        .register_user(4001, "Менеджер", Language::Ru)
        .await
        .unwrap();
    w.app
        .grant_manager(&w.owner, w.site.id, 4001)
        .await
        .unwrap();
    let other = w.app.ensure_user(3002, "Другой", None).await.unwrap();
    let asked2 = w.app.request_join(&other, &w.site.join_code).await.unwrap();
    let declined = w
        .app
        .decide_join(&manager, asked2.request.id, false)
        .await
        .unwrap();
    assert_eq!(declined.request.status, JoinStatus::Declined);
    assert_eq!(
        declined.request.decided_at,
        Some(local(MSK, "2026-12-01 10:05"))
    );
    assert_eq!(declined.employee, other);
    assert!(!w.store.has_access(w.site.id, other.id).await.unwrap());
    assert!(w.app.workplaces(&other).await.unwrap().is_empty());

    assert_eq!(
        w.app
            .decide_join(&w.owner, JoinRequestId(asked2.request.id.0 + 1000), true)
            .await,
        Err(JoinError::NotFound)
    );
}

pub async fn ensure_user_keeps_the_chosen_language(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let anna = w
        .app
        .ensure_user(5001, "Anna", Some("en-US"))
        .await
        .unwrap();
    assert_eq!(anna.language, Language::En, "Telegram's language at first");
    assert_eq!(anna.name.as_str(), "Anna");
    assert!(anna.reachable);
    assert!(!anna.is_owner);
    assert_eq!(
        w.store.user_by_telegram_id(5001).await.unwrap(),
        Some(anna.clone())
    );

    let russian = w.app.set_language(&anna, Language::Ru).await.unwrap();
    assert_eq!(
        russian,
        User {
            language: Language::Ru,
            ..anna.clone()
        }
    );
    assert_eq!(w.store.user(anna.id).await.unwrap(), Some(russian.clone()));
    // Coming back from an English Telegram keeps the choice (and the stored name).
    assert_eq!(
        w.app
            .ensure_user(5001, "Anna K.", Some("en"))
            .await
            .unwrap(),
        russian
    );
    assert_eq!(
        w.app.ensure_user(1001, "Кто-то", Some("en")).await.unwrap(),
        w.owner,
        "a known owner stays as they are"
    );

    // No usable name or language from Telegram: a name from the id, Russian.
    let nameless = w.app.ensure_user(5002, "   ", None).await.unwrap();
    assert_eq!(nameless.name.as_str(), "id5002");
    assert_eq!(nameless.language, Language::Ru);

    // Blocked, then writing again.
    w.app.set_reachable(&russian, false).await.unwrap();
    let blocked = w.app.ensure_user(5001, "Anna", Some("en")).await.unwrap();
    assert!(!blocked.reachable);
    assert_eq!(blocked.language, Language::Ru);
    w.app.set_reachable(&blocked, true).await.unwrap();
    assert!(w.store.user(anna.id).await.unwrap().unwrap().reachable);
}

pub async fn earnings_count_days_in_each_site_zone(store: Arc<dyn Store>) {
    // Monday 4 January 2027, 18:30 in Moscow, already Tuesday 01:30 in Vladivostok.
    let w = World::new(store, utc("2027-01-04 15:30")).await;
    let port = w
        .app
        .create_site(&w.owner, site_patch("Порт", VVO, "00:00", "00:00"))
        .await
        .unwrap();
    w.app
        .add_employee(&w.owner, port.id, w.employee.telegram_id, None)
        .await
        .unwrap();
    let maria = w.hire(2002, "Мария", w.site.id).await;
    let (ivan, msk) = (&w.employee, &w.site);
    let f = |e: &User, s: &Site, zone: &str, at: &str, minutes: i64| {
        finished(e.id, s.id, local(zone, at), minutes, ShiftStatus::Closed)
    };
    let batch = vec![
        f(ivan, msk, MSK, "2027-01-04 09:00", 64), // today in Moscow
        f(ivan, msk, MSK, "2027-01-01 00:30", 128), // this month (Dec 31 in UTC)
        f(ivan, msk, MSK, "2026-12-31 23:30", 1),  // last month
        f(ivan, &port, VVO, "2027-01-05 00:05", 16), // today in Vladivostok
        f(ivan, &port, VVO, "2027-01-04 20:00", 512), // yesterday there, today in Moscow
        f(ivan, &port, VVO, "2027-01-01 00:30", 1024), // this month there, Dec 31 in Moscow
        f(ivan, &port, VVO, "2026-12-31 23:30", 4), // last month
        f(&maria, msk, MSK, "2027-01-04 10:00", 8), // someone else's
    ];
    w.store.import_finished_shifts(&batch).await.unwrap();
    // A running shift has not earned anything yet.
    w.store
        .insert_shift(&new_shift(ivan.id, msk.id, local(MSK, "2027-01-04 18:00")))
        .await
        .unwrap();

    // Pay per shift at 350.00 per hour (minutes × 35 000 / 60, rounded half up): 1 min 583,
    // 4 min 2 333, 8 min 4 667, 16 min 9 333, 64 min 37 333, 128 min 74 667, 512 min 298 667,
    // 1 024 min 597 333. `expected` is (site, minutes of its shifts, its pay); `total` the sum.
    let rub = |minor: i64| Money::new(minor, Currency::RUB);
    let check = |e: Earnings, expected: &[(&Site, &[i64], i64)], total: i64| {
        let got: Vec<(SiteId, i64, i64, Vec<Money>)> = e
            .per_site
            .iter()
            .map(|s| (s.site.id, s.shifts, s.worked_minutes, s.pay.clone()))
            .collect();
        let want: Vec<(SiteId, i64, i64, Vec<Money>)> = expected
            .iter()
            .map(|(site, m, pay)| {
                let shifts = m.len() as i64;
                (site.id, shifts, m.iter().sum::<i64>(), vec![rub(*pay)])
            })
            .collect();
        assert_eq!(got, want);
        let all: Vec<i64> = expected
            .iter()
            .flat_map(|(_, m, _)| m.iter().copied())
            .collect();
        assert_eq!(e.shifts, all.len() as i64);
        assert_eq!(e.worked_minutes, all.iter().sum::<i64>());
        assert_eq!(e.totals, vec![rub(total)]);
        for s in &e.per_site {
            assert_eq!(
                Some(&s.site),
                [msk, &port].into_iter().find(|x| x.id == s.site.id),
                "the full site comes back"
            );
        }
    };
    check(
        w.app.earnings(ivan, Period::Today).await.unwrap(),
        &[(msk, &[64], 37_333), (&port, &[16], 9_333)],
        46_666,
    );
    check(
        w.app.earnings(ivan, Period::ThisWeek).await.unwrap(),
        // 9 333 + 298 667
        &[(msk, &[64], 37_333), (&port, &[16, 512], 308_000)],
        345_333,
    );
    check(
        w.app.earnings(ivan, Period::ThisMonth).await.unwrap(),
        // 37 333 + 74 667; 9 333 + 298 667 + 597 333
        &[
            (msk, &[64, 128], 112_000),
            (&port, &[16, 512, 1024], 905_333),
        ],
        1_017_333,
    );
    check(
        w.app
            .earnings(
                ivan,
                Period::Custom {
                    from: date("2026-12-31"),
                    to: date("2026-12-31"),
                },
            )
            .await
            .unwrap(),
        &[(msk, &[1], 583), (&port, &[4], 2_333)],
        2_916,
    );
    check(
        w.app.earnings(&maria, Period::Today).await.unwrap(),
        &[(msk, &[8], 4_667)],
        4_667,
    );
    // Nothing worked, nothing listed.
    let newcomer = w.hire(2003, "Новенький", port.id).await;
    let none = w.app.earnings(&newcomer, Period::ThisMonth).await.unwrap();
    assert!(none.per_site.is_empty());
    assert_eq!((none.shifts, none.worked_minutes), (0, 0));
    assert!(none.totals.is_empty());

    // Access taken away: what was earned there this month still counts.
    w.app
        .revoke_employee(&w.owner, port.id, ivan.id)
        .await
        .unwrap();
    check(
        w.app.earnings(ivan, Period::ThisMonth).await.unwrap(),
        // 37 333 + 74 667; 9 333 + 298 667 + 597 333
        &[
            (msk, &[64, 128], 112_000),
            (&port, &[16, 512, 1024], 905_333),
        ],
        1_017_333,
    );
    // The store lists the sites worked at since a moment, with or without access.
    let since = |at: &str| utc(at);
    let ids = |sites: Vec<Site>| sites.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let mut both = vec![msk.id, port.id];
    both.sort();
    assert_eq!(
        ids(w
            .store
            .sites_worked_at(ivan.id, since("2026-12-01 00:00"))
            .await
            .unwrap()),
        both
    );
    assert_eq!(
        ids(w
            .store
            .sites_worked_at(ivan.id, since("2027-01-04 14:30"))
            .await
            .unwrap()),
        vec![msk.id],
        "only the running shift at the Moscow site started after that"
    );
    assert!(
        w.store
            .sites_worked_at(newcomer.id, since("2026-01-01 00:00"))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn live_status_shows_who_is_on_shift_and_who_is_late(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-30 12:00")).await;
    let cafe = w
        .app
        .create_site(&w.owner, site_patch("Кафе", MSK, "08:00", "23:00"))
        .await
        .unwrap();
    let maria = w.hire(2002, "Мария", w.site.id).await;
    let petr = w.hire(2003, "Пётр", w.site.id).await;
    let sergey = w.hire(2004, "Сергей", cafe.id).await;
    let olga = w.hire(2005, "Ольга", w.site.id).await;
    w.app
        .add_employee(&w.owner, cafe.id, olga.telegram_id, None)
        .await
        .unwrap();
    let rival = w
        .app
        .add_owner(1002, "Пётр Конкурент", Language::Ru)
        .await
        .unwrap();
    let rivals_site = w
        .app
        .create_site(&rival, site_patch("Чужой", MSK, "09:00", "21:00"))
        .await
        .unwrap();
    let viktor = w
        .app
        .register_user(2006, "Виктор", Language::Ru)
        .await
        .unwrap();
    w.app
        .add_employee(&rival, rivals_site.id, viktor.telegram_id, None)
        .await
        .unwrap();

    let plan = |who: &User, site: &Site, from: (u32, u32), to: (u32, u32)| PlanRequest {
        employee_id: who.id,
        site_id: site.id,
        date: date("2026-12-01"),
        start: hm(from.0, from.1),
        end: hm(to.0, to.1),
    };
    let planned = |actor: &User, req: PlanRequest| {
        let app = w.app.clone();
        let actor = actor.clone();
        async move { app.plan_shift(&actor, req).await.unwrap() }
    };
    // Ivan's plan is fulfilled by the shift he opens; Maria's started 30 min ago; Petr's exactly
    // 10 min ago (not late yet); Sergey's is over; Olga's first plan was cancelled and her other
    // one, at the cafe, started 90 min ago; Viktor is late at the rival's site.
    let ivan_plan = planned(&w.owner, plan(&w.employee, &w.site, (9, 0), (18, 0))).await;
    let maria_plan = planned(&w.owner, plan(&maria, &w.site, (9, 30), (13, 0))).await;
    planned(&w.owner, plan(&petr, &w.site, (9, 50), (13, 0))).await;
    planned(&w.owner, plan(&sergey, &cafe, (8, 0), (9, 45))).await;
    let cancelled = planned(&w.owner, plan(&olga, &w.site, (9, 0), (12, 0))).await;
    w.app.cancel_plan(&w.owner, cancelled.id).await.unwrap();
    let olga_plan = planned(&w.owner, plan(&olga, &cafe, (8, 30), (12, 0))).await;
    let viktor_plan = planned(&rival, plan(&viktor, &rivals_site, (9, 0), (12, 0))).await;

    w.set(local(MSK, "2026-12-01 10:00"));
    let ivan_shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(ivan_shift.planned_shift_id, Some(ivan_plan.id));
    let sergey_shift = w.app.open_shift(&sergey, cafe.id, w.near()).await.unwrap();

    let live = w.app.live_status(&w.owner).await.unwrap();
    assert_eq!(
        live,
        vec![
            SiteLive {
                site: w.site.clone(),
                on_shift: vec![(w.employee.clone(), ivan_shift.clone())],
                late: vec![(maria.clone(), maria_plan.clone())],
            },
            SiteLive {
                site: cafe.clone(),
                on_shift: vec![(sergey.clone(), sergey_shift.clone())],
                late: vec![(olga.clone(), olga_plan.clone())],
            },
        ]
    );
    assert_eq!(
        w.app.live_status(&rival).await.unwrap(),
        vec![SiteLive {
            site: rivals_site.clone(),
            on_shift: vec![],
            late: vec![(viktor.clone(), viktor_plan)],
        }]
    );
    // A manager sees the sites they manage; an employee sees none.
    w.app
        .grant_manager(&w.owner, cafe.id, petr.telegram_id)
        .await
        .unwrap();
    let managed = w.app.live_status(&petr).await.unwrap();
    assert_eq!(
        managed.iter().map(|l| l.site.id).collect::<Vec<_>>(),
        vec![cafe.id]
    );
    assert!(w.app.live_status(&maria).await.unwrap().is_empty());

    // A minute later Petr is late too; once Maria's plan is over she is not listed any more.
    w.set(local(MSK, "2026-12-01 10:01"));
    let late: Vec<UserId> = w.app.live_status(&w.owner).await.unwrap()[0]
        .late
        .iter()
        .map(|(u, _)| u.id)
        .collect();
    assert_eq!(late, vec![maria.id, petr.id]);
    w.set(local(MSK, "2026-12-01 13:00"));
    let live = w.app.live_status(&w.owner).await.unwrap();
    assert!(live[0].late.is_empty(), "{:?}", live[0].late);
    assert_eq!(live[0].on_shift.len(), 1);
}

pub async fn employee_status_shows_running_pay_and_next_plan(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-30 12:00")).await;
    let cancelled = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (11, 0)))
        .await
        .unwrap();
    w.app.cancel_plan(&w.owner, cancelled.id).await.unwrap();
    let first = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (12, 0), (18, 0)))
        .await
        .unwrap();
    let second = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-02", (10, 0), (14, 0)))
        .await
        .unwrap();

    w.set(local(MSK, "2026-12-01 09:00"));
    assert_eq!(
        w.app.employee_status(&w.employee).await.unwrap(),
        EmployeeStatus {
            active: None,
            next_plan: Some((first.clone(), w.site.clone())),
        }
    );
    // Three hours before the first plan: too early to fulfil it.
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(shift.planned_shift_id, None);

    // 2 h 30 min 40 s later: pay for whole minutes so far.
    w.set(local(MSK, "2026-12-01 11:30") + Duration::seconds(40));
    assert_eq!(
        w.app.employee_status(&w.employee).await.unwrap(),
        EmployeeStatus {
            active: Some(RunningShift {
                shift: shift.clone(),
                site: w.site.clone(),
                worked_minutes: 150,
                earned_minor: 87_500, // 150 × 35 000 / 60
            }),
            next_plan: Some((first.clone(), w.site.clone())),
        }
    );
    // Once the first plan has started, the next one is the one after it.
    w.set(local(MSK, "2026-12-01 12:30"));
    let status = w.app.employee_status(&w.employee).await.unwrap();
    assert_eq!(status.next_plan, Some((second, w.site.clone())));
    let running = status.active.unwrap();
    assert_eq!(
        (running.worked_minutes, running.earned_minor),
        (210, 122_500) // 210 × 35 000 / 60
    );

    // Someone with neither a shift nor a plan.
    let maria = w.hire(2002, "Мария", w.site.id).await;
    assert_eq!(
        w.app.employee_status(&maria).await.unwrap(),
        EmployeeStatus {
            active: None,
            next_plan: None,
        }
    );
}

pub async fn a_bare_location_opens_at_the_nearest_site_or_closes(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    // A second site 5 km north; the employee works at both.
    let far = w
        .app
        .create_site(&w.owner, site_patch("Склад №2", MSK, "09:00", "21:00"))
        .await
        .unwrap();
    let far = w
        .app
        .update_site(
            &w.owner,
            far.id,
            SitePatch {
                latitude: Some(55.80),
                ..SitePatch::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    w.app
        .add_employee(&w.owner, far.id, w.employee.telegram_id, None)
        .await
        .unwrap();
    let intent = |fix: LocationFix| {
        let app = w.app.clone();
        let employee = w.employee.clone();
        async move { app.intent_of_location(&employee, &fix).await.unwrap() }
    };
    assert_eq!(
        intent(w.near()).await,
        LocationIntent::Open { site_id: w.site.id }
    );
    assert_eq!(
        intent(w.fix((55.7999, 37.62), Some(10.0))).await,
        LocationIntent::Open { site_id: far.id }
    );

    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    // Moments later the same tap again: not a request to close.
    w.set(local(MSK, "2026-12-01 10:01"));
    assert_eq!(
        intent(w.near()).await,
        LocationIntent::AlreadyOpen {
            shift: Box::new(shift.clone()),
            site: Box::new(w.site.clone())
        }
    );
    w.set(local(MSK, "2026-12-01 10:02"));
    assert_eq!(intent(w.near()).await, LocationIntent::Close);

    // Someone with no workplace.
    let loner = w
        .app
        .register_user(4242, "Никто", Language::Ru)
        .await
        .unwrap();
    assert_eq!(
        w.app.intent_of_location(&loner, &w.near()).await.unwrap(),
        LocationIntent::NoWorkplace
    );
    // An inactive site is not a workplace.
    w.app
        .update_site(&w.owner, far.id, SitePatch::default(), Some(false), None)
        .await
        .unwrap();
    w.app.close_shift(&w.employee, w.near()).await.unwrap();
    assert_eq!(
        intent(w.fix((55.7999, 37.62), Some(10.0))).await,
        LocationIntent::Open { site_id: w.site.id }
    );
}
