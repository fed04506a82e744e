//! Conformance cases for keyset paging through the use-cases: listings over sites in two time
//! zones walked page by page give every row once, in order; bad page sizes are refused; and "who
//! is on shift now" lists everyone, past one page.

use super::*;
use app::Page;

/// Walks a listing from its first page to its last, `limit` rows at a time; checks every page
/// but the last is full and only the last has no next cursor.
async fn walk<T, F, Fut>(limit: u32, mut page: F) -> Vec<T>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: Future<Output = Result<Page<T>, AppError>>,
{
    let mut all = Vec::new();
    let mut after = None;
    for _ in 0..100 {
        let p = page(after).await.unwrap();
        let n = p.items.len();
        all.extend(p.items);
        match p.next {
            Some(next) => {
                assert_eq!(n, limit as usize, "only the last page is short");
                after = Some(next);
            }
            None => {
                assert!(n <= limit as usize);
                return all;
            }
        }
    }
    panic!("the listing never ended");
}

/// Shifts at a Moscow and a Vladivostok site (two store queries per page, merged), some starting
/// at the very same instant in both zones, walked with several page sizes.
pub async fn shift_pages_over_two_zones_give_every_row_once_in_order(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2027-01-10 12:00")).await;
    let port = w
        .app
        .create_site(&w.owner, site_patch("Порт", VVO, "00:00", "00:00"))
        .await
        .unwrap();
    let msk = w.site.clone();
    let f =
        |site: &Site, at: &str| finished(w.employee.id, site.id, utc(at), 60, ShiftStatus::Closed);
    // 13 shifts: three instants shared by both sites, the rest apart.
    let mut batch = Vec::new();
    for at in ["2027-01-01 06:00", "2027-01-03 06:00", "2027-01-05 06:00"] {
        batch.push(f(&msk, at));
        batch.push(f(&port, at));
    }
    for (site, at) in [
        (&msk, "2027-01-01 07:00"),
        (&port, "2027-01-02 01:00"),
        (&msk, "2027-01-02 09:00"),
        (&port, "2027-01-04 02:00"),
        (&msk, "2027-01-04 10:00"),
        (&port, "2027-01-06 03:00"),
        (&msk, "2027-01-07 11:00"),
    ] {
        batch.push(f(site, at));
    }
    assert_eq!(w.store.import_finished_shifts(&batch).await.unwrap(), 13);
    // Every shift, in the listing's order (newest start first, then the larger id), from the
    // store directly.
    let mut expected = w
        .store
        .list_shifts(&ShiftFilter {
            site_ids: vec![msk.id, port.id],
            limit: 100,
            ..ShiftFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(expected.len(), 13);
    expected.sort_by_key(|s| std::cmp::Reverse((s.started_at, s.id)));

    for limit in [1, 2, 3, 5, 13, 100] {
        let got = walk(limit, |after| {
            let (w, q) = (
                &w,
                ShiftQuery {
                    limit: Some(limit),
                    after,
                    ..ShiftQuery::default()
                },
            );
            async move { w.app.shifts_for(&w.owner, &q).await }
        })
        .await;
        assert_eq!(shift_ids(&got), shift_ids(&expected), "pages of {limit}");
    }
    // With local dates (each site's in its own zone) and a cursor together: January 2 to 4.
    let in_range: Vec<ShiftId> = expected
        .iter()
        .filter(|s| {
            let zone = if s.site_id == msk.id { MSK } else { VVO };
            let day = tz(zone).local_date(s.started_at);
            day >= date("2027-01-02") && day <= date("2027-01-04")
        })
        .map(|s| s.id)
        .collect();
    assert!(in_range.len() >= 4 && in_range.len() < 13, "{in_range:?}");
    let got = walk(2, |after| {
        let (w, q) = (
            &w,
            ShiftQuery {
                from: Some(date("2027-01-02")),
                to: Some(date("2027-01-04")),
                limit: Some(2),
                after,
                ..ShiftQuery::default()
            },
        );
        async move { w.app.shifts_for(&w.owner, &q).await }
    })
    .await;
    assert_eq!(shift_ids(&got), in_range);

    // A page size out of range is refused, naming `limit`.
    for bad in [0, 501] {
        let q = ShiftQuery {
            limit: Some(bad),
            ..ShiftQuery::default()
        };
        match w.app.shifts_for(&w.owner, &q).await {
            Err(AppError::BadRequest { field, .. }) => assert_eq!(field, "limit"),
            other => panic!("limit {bad} gave {other:?}"),
        }
    }
}

/// Plans at a Moscow and a Vladivostok site, some starting at the same instant, walked page by
/// page, earliest first.
pub async fn plan_pages_over_two_zones_give_every_row_once_in_order(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2027-01-10 12:00")).await;
    let port = w
        .app
        .create_site(&w.owner, site_patch("Порт", VVO, "00:00", "00:00"))
        .await
        .unwrap();
    let msk = w.site.clone();
    let mut made = Vec::new();
    // One employee per plan, so none overlap.
    for (i, (site, at)) in [
        (&msk, "2027-02-01 06:00"),
        (&port, "2027-02-01 06:00"),
        (&msk, "2027-02-01 07:00"),
        (&port, "2027-02-02 01:00"),
        (&msk, "2027-02-03 06:00"),
        (&port, "2027-02-03 06:00"),
        (&port, "2027-02-04 23:00"),
    ]
    .into_iter()
    .enumerate()
    {
        let e = person(&w.store, 5000 + i as i64, "Работник").await;
        let start = utc(at);
        made.push(
            w.store
                .insert_planned_shift(&new_plan(e.id, site.id, start, start + Duration::hours(4)))
                .await
                .unwrap(),
        );
    }
    made.sort_by_key(|p| (p.starts_at, p.id));
    for limit in [1, 2, 3, 7, 8] {
        let got = walk(limit, |after| {
            let (w, q) = (
                &w,
                PlanQuery {
                    limit: Some(limit),
                    after,
                    ..PlanQuery::default()
                },
            );
            async move { w.app.plans_for(&w.owner, &q).await }
        })
        .await;
        assert_eq!(plan_ids(&got), plan_ids(&made), "pages of {limit}");
    }
}

/// 501 people on shift at once: the owner's live view and the `active` listing show all of them.
pub async fn everyone_on_shift_is_listed_past_one_page(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 12:00")).await;
    let start = local(MSK, "2026-12-01 09:00");
    let mut opened = Vec::new();
    for i in 0..501i64 {
        let e = person(&w.store, 10_000 + i, "Работник").await;
        // A few share one start instant, so ties cross the page boundary too.
        let at = start + Duration::seconds(i / 3);
        opened.push(
            w.store
                .insert_shift(&new_shift(e.id, w.site.id, at))
                .await
                .unwrap()
                .id,
        );
    }
    opened.sort();

    let live = w.app.live_status(&w.owner).await.unwrap();
    assert_eq!(live.len(), 1);
    let mut on_shift: Vec<ShiftId> = live[0].on_shift.iter().map(|(_, s)| s.id).collect();
    assert_eq!(on_shift.len(), 501);
    on_shift.sort();
    assert_eq!(on_shift, opened);

    let active = walk(500, |after| {
        let (w, q) = (
            &w,
            ShiftQuery {
                status: Some(ShiftStatus::Active),
                limit: Some(500),
                after,
                ..ShiftQuery::default()
            },
        );
        async move { w.app.shifts_for(&w.owner, &q).await }
    })
    .await;
    let mut listed = shift_ids(&active);
    assert_eq!(listed.len(), 501);
    listed.sort();
    assert_eq!(listed, opened);
}
