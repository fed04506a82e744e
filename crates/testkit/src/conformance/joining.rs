//! Conformance cases of the `Store` port: join codes and join requests, and one employee's
//! shift totals.

use super::*;

// ---- join codes and join requests --------------------------------------------------------------

pub async fn join_code_round_trip_and_lookup(store: Arc<dyn Store>) {
    let owner = person(&store, 1001, "Ольга").await;
    let rival = person(&store, 1002, "Пётр").await;
    let s = store
        .insert_site(
            owner.id,
            &settings("Склад", MSK, "09:00", "21:00"),
            "k7m2x_pq9a",
        )
        .await
        .unwrap();
    assert_eq!(s.join_code, "k7m2x_pq9a");
    assert_eq!(store.site(s.id).await.unwrap(), Some(s.clone()));
    assert_eq!(
        store.site_by_join_code("k7m2x_pq9a").await.unwrap(),
        Some(s.clone())
    );
    let other = store
        .insert_site(
            owner.id,
            &settings("Кафе", MSK, "08:00", "23:00"),
            "abcdefghjk",
        )
        .await
        .unwrap();
    assert_eq!(
        store.site_by_join_code("abcdefghjk").await.unwrap(),
        Some(other.clone())
    );
    // Only the exact code finds a site: not another case, a prefix or a neighbour.
    for miss in ["K7M2X_PQ9A", "k7m2x_pq9", "k7m2x_pq9b", "k7m2x_pq9a ", ""] {
        assert_eq!(
            store.site_by_join_code(miss).await.unwrap(),
            None,
            "{miss:?}"
        );
    }

    // The code stays with the site through an update and comes with it in every listing.
    let changed = settings("Склад (новый)", VVO, "10:00", "22:00");
    let updated = store
        .update_site(s.id, &changed, false, false)
        .await
        .unwrap();
    assert_eq!(
        updated,
        Site {
            settings: changed,
            active: false,
            notify_owner: false,
            ..s.clone()
        }
    );
    assert_eq!(
        store.site_by_join_code("k7m2x_pq9a").await.unwrap(),
        Some(updated.clone())
    );
    assert_eq!(
        store.sites_managed_by(owner.id).await.unwrap(),
        vec![updated.clone(), other.clone()]
    );
    store.grant_access(other.id, rival.id).await.unwrap();
    assert_eq!(
        store.sites_of_employee(rival.id).await.unwrap(),
        vec![other.clone()]
    );

    // Codes are unique among all sites, whoever owns them; the refused site is not stored.
    assert_eq!(
        store
            .insert_site(
                rival.id,
                &settings("Копия", MSK, "09:00", "21:00"),
                "abcdefghjk"
            )
            .await,
        Err(StoreError::Duplicate("join code"))
    );
    assert!(store.sites_managed_by(rival.id).await.unwrap().is_empty());
    assert_eq!(
        store.site_by_join_code("abcdefghjk").await.unwrap(),
        Some(other)
    );
}

pub async fn join_requests_pending_and_duplicate(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let at = utc("2026-12-01 08:30");
    let r = store
        .insert_join_request(b.s1.id, b.e1.id, at)
        .await
        .unwrap();
    assert_eq!(
        r,
        JoinRequest {
            id: r.id,
            site_id: b.s1.id,
            user_id: b.e1.id,
            status: JoinStatus::Pending,
            created_at: at,
            decided_at: None,
        }
    );
    assert_eq!(store.join_request(r.id).await.unwrap(), Some(r.clone()));

    // One waiting request per person and site.
    assert_eq!(
        store
            .insert_join_request(b.s1.id, b.e1.id, at + Duration::minutes(1))
            .await,
        Err(StoreError::Duplicate("join request"))
    );
    assert_eq!(store.join_request(r.id).await.unwrap(), Some(r.clone()));
    // Other pairs are other requests.
    let r2 = store
        .insert_join_request(b.s1.id, b.e2.id, at)
        .await
        .unwrap();
    let r3 = store
        .insert_join_request(b.s2.id, b.e1.id, at)
        .await
        .unwrap();
    assert!(r.id != r2.id && r2.id != r3.id && r.id != r3.id);
    assert_eq!((r2.site_id, r2.user_id), (b.s1.id, b.e2.id));
    assert_eq!((r3.site_id, r3.user_id), (b.s2.id, b.e1.id));

    // Ten at once for a new pair: exactly one is stored, the others are duplicates.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        let (site, user) = (b.s3.id, b.e2.id);
        tasks.spawn(async move {
            store
                .insert_join_request(site, user, at + Duration::seconds(i))
                .await
        });
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
            .all(|r| r == &Err(StoreError::Duplicate("join request"))),
        "{results:?}"
    );

    let last = results.iter().flatten().map(|r| r.id).max().unwrap();
    let missing = JoinRequestId(last.0.max(r3.id.0) + 1000);
    assert_eq!(store.join_request(missing).await.unwrap(), None);
    assert!(matches!(
        store
            .insert_join_request(SiteId(b.s3.id.0 + 1000), b.e1.id, at)
            .await,
        Err(StoreError::NotFound("site"))
    ));
    assert!(matches!(
        store
            .insert_join_request(b.s1.id, UserId(b.e2.id.0 + 1000), at)
            .await,
        Err(StoreError::NotFound("user"))
    ));
    // Asking grants nothing.
    assert!(store.sites_of_employee(b.e1.id).await.unwrap().is_empty());
    assert!(store.sites_of_employee(b.e2.id).await.unwrap().is_empty());
}

pub async fn decide_join_request_approve_grants_access(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let asked = utc("2026-12-01 08:30");
    let decided = utc("2026-12-01 09:15");
    let later = utc("2026-12-01 12:00");
    let r = store
        .insert_join_request(b.s1.id, b.e1.id, asked)
        .await
        .unwrap();
    let approved = store
        .decide_join_request(r.id, true, decided)
        .await
        .unwrap();
    assert_eq!(
        approved,
        JoinRequest {
            status: JoinStatus::Approved,
            decided_at: Some(decided),
            ..r.clone()
        }
    );
    assert_eq!(
        store.join_request(r.id).await.unwrap(),
        Some(approved.clone())
    );
    assert!(store.has_access(b.s1.id, b.e1.id).await.unwrap());
    assert_eq!(
        store.sites_of_employee(b.e1.id).await.unwrap(),
        vec![b.s1.clone()]
    );

    // Decided once: a second decision either way is refused and changes nothing.
    for approve in [false, true] {
        assert_eq!(
            store.decide_join_request(r.id, approve, later).await,
            Err(StoreError::NotFound("join request"))
        );
    }
    assert_eq!(store.join_request(r.id).await.unwrap(), Some(approved));
    assert!(store.has_access(b.s1.id, b.e1.id).await.unwrap());

    // A decided request no longer blocks a new one for the pair; approving a person who has
    // access already keeps one grant.
    let again = store
        .insert_join_request(b.s1.id, b.e1.id, later)
        .await
        .unwrap();
    assert_ne!(again.id, r.id);
    assert_eq!(again.status, JoinStatus::Pending);
    let approved_again = store
        .decide_join_request(again.id, true, later)
        .await
        .unwrap();
    assert_eq!(approved_again.status, JoinStatus::Approved);
    assert_eq!(
        store.sites_of_employee(b.e1.id).await.unwrap(),
        vec![b.s1.clone()]
    );

    // Declining grants nothing, and is final too.
    let d = store
        .insert_join_request(b.s2.id, b.e2.id, asked)
        .await
        .unwrap();
    let declined = store
        .decide_join_request(d.id, false, decided)
        .await
        .unwrap();
    assert_eq!(
        declined,
        JoinRequest {
            status: JoinStatus::Declined,
            decided_at: Some(decided),
            ..d.clone()
        }
    );
    assert!(!store.has_access(b.s2.id, b.e2.id).await.unwrap());
    assert_eq!(
        store.decide_join_request(d.id, true, later).await,
        Err(StoreError::NotFound("join request"))
    );
    assert!(!store.has_access(b.s2.id, b.e2.id).await.unwrap());
    assert!(store.sites_of_employee(b.e2.id).await.unwrap().is_empty());
    assert_eq!(store.join_request(d.id).await.unwrap(), Some(declined));

    assert_eq!(
        store
            .decide_join_request(JoinRequestId(d.id.0.max(again.id.0) + 1000), true, later)
            .await,
        Err(StoreError::NotFound("join request"))
    );
}

/// Racing decisions on one request (some approving, some declining): exactly one wins, and the
/// access grant agrees with the decision that won.
pub async fn concurrent_join_decisions_give_one(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let asked = utc("2026-12-01 08:30");
    let r = store
        .insert_join_request(b.s1.id, b.e1.id, asked)
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .decide_join_request(r.id, i % 2 == 0, asked + Duration::minutes(i))
                .await
        });
    }
    let results = tasks.join_all().await;
    let won: Vec<&JoinRequest> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| r == &Err(StoreError::NotFound("join request"))),
        "{results:?}"
    );
    let winner = won[0].clone();
    assert_ne!(winner.status, JoinStatus::Pending);
    assert_eq!(
        store.join_request(r.id).await.unwrap(),
        Some(winner.clone())
    );
    assert_eq!(
        store.has_access(b.s1.id, b.e1.id).await.unwrap(),
        winner.status == JoinStatus::Approved
    );
}

pub async fn shift_totals_of_one_employee(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let r1 = SiteRange {
        site_id: b.s1.id,
        from: utc("2026-12-01 00:00"),
        to: utc("2026-12-02 00:00"),
    };
    let r2 = SiteRange {
        site_id: b.s2.id,
        from: utc("2026-12-01 00:00"),
        to: utc("2026-12-03 00:00"),
    };
    let f = |e: &User, s: &Site, at: &str, minutes: i64, st: ShiftStatus| {
        finished(e.id, s.id, utc(at), minutes, st)
    };
    use ShiftStatus::{AutoClosed, Closed};
    let batch = vec![
        f(&b.e1, &b.s1, "2026-12-01 10:00", 2, Closed),
        f(&b.e1, &b.s1, "2026-12-01 12:00", 4, AutoClosed),
        f(&b.e2, &b.s1, "2026-12-01 11:00", 8, Closed),
        f(&b.e1, &b.s2, "2026-12-02 09:00", 16, Closed),
        f(&b.e2, &b.s2, "2026-12-02 10:00", 32, Closed),
        f(&b.e1, &b.s1, "2026-12-02 10:00", 64, Closed), // outside s1's range
        f(&b.e1, &b.s3, "2026-12-01 10:00", 128, Closed), // no range for s3
    ];
    store.import_finished_shifts(&batch).await.unwrap();
    let totals = |employee: Option<UserId>| {
        let store = store.clone();
        async move {
            let mut t = store.shift_totals(&[r1, r2], employee).await.unwrap();
            t.sort_by_key(|t| (t.site_id, t.employee_id));
            t
        }
    };
    let row = |site: &Site, e: &User, shifts: i64, minutes: &[i64], pay_minor: i64| ShiftTotals {
        site_id: site.id,
        employee_id: e.id,
        currency: Currency::RUB,
        shifts,
        worked_minutes: minutes.iter().sum(),
        pay_minor,
    };
    let sorted = |mut v: Vec<ShiftTotals>| {
        v.sort_by_key(|t| (t.site_id, t.employee_id));
        v
    };
    assert_eq!(
        totals(Some(b.e1.id)).await,
        sorted(vec![
            // 2 min 1 167 + 4 min 2 333 at 350.00 per hour.
            row(&b.s1, &b.e1, 2, &[2, 4], 3_500),
            row(&b.s2, &b.e1, 1, &[16], 9_333) // 16 × 35 000 / 60 = 9 333.33
        ])
    );
    assert_eq!(
        totals(Some(b.e2.id)).await,
        sorted(vec![
            row(&b.s1, &b.e2, 1, &[8], 4_667),   // 4 666.67
            row(&b.s2, &b.e2, 1, &[32], 18_667)  // 18 666.67
        ])
    );
    assert_eq!(totals(None).await.len(), 4, "everyone without a filter");
    assert!(totals(Some(b.owner.id)).await.is_empty());
    assert!(totals(Some(UserId(b.e2.id.0 + 1000))).await.is_empty());
    assert!(
        store
            .shift_totals(&[], Some(b.e1.id))
            .await
            .unwrap()
            .is_empty()
    );
}
