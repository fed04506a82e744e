#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests of the SQLite store: the file and its settings, migrations, durability, the
//! constraints under concurrency, and (below) the shared store conformance suite. Each test
//! gets its own database file in a temporary folder.

mod metrics;

use app::{
    FinishedShift, NewPlannedShift, NewShift, NewUser, PeopleStore, PlanStore, ShiftEnd,
    ShiftFilter, ShiftStore, SiteRange, SiteStore, StoreError, StoreHealth,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::join::JoinCode;
use domain::{
    Coordinates, Language, Money, PersonName, PlanStatus, PlannedWindow, RecordedLocation,
    ShiftStatus, Site, SitePatch, User, UserId,
};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use store_sqlite::SqliteStore;
use tempfile::TempDir;

/// A fresh, migrated store for the shared conformance suite; its temporary folder goes when the
/// store does.
async fn make_store() -> Arc<SqliteStore> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&url_of(&dir.path().join("staffprobot.db")))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    Arc::new(store.keeping_alive(dir))
}

mod conformance {
    testkit::conformance_tests!(super::make_store);
}

mod job_queue {
    testkit::job_table_tests!(super::make_store);
}

/// A migrated store on a fresh file; the folder lives as long as the value.
struct TestDb {
    dir: TempDir,
    store: SqliteStore,
}

impl TestDb {
    fn path(&self) -> PathBuf {
        self.dir.path().join("staffprobot.db")
    }
}

fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

async fn fresh() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&url_of(&dir.path().join("staffprobot.db")))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    TestDb { dir, store }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap()
}

async fn person(store: &SqliteStore, telegram_id: i64, name: &str) -> User {
    store
        .upsert_user(&NewUser {
            telegram_id,
            name: PersonName::new(name).unwrap(),
            language: Language::Ru,
        })
        .await
        .unwrap()
}

async fn site(store: &SqliteStore, owner: &User, name: &str) -> Site {
    let settings = SitePatch {
        name: Some(name.into()),
        latitude: Some(55.75),
        longitude: Some(37.62),
        opens_at: Some("08:00".into()),
        closes_at: Some("22:00".into()),
        hourly_rate_minor: Some(35_000),
        ..SitePatch::default()
    }
    .create()
    .unwrap();
    store
        .insert_site(owner.id, &settings, &fresh_code())
        .await
        .unwrap()
}

/// A join code no other site of this test has: a counter spread over the code's 5-bit characters.
fn fresh_code() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let bytes: [u8; 10] = std::array::from_fn(|i| ((n >> (5 * i)) & 31) as u8);
    JoinCode::from_random(bytes).as_str().to_owned()
}

fn here() -> RecordedLocation {
    RecordedLocation {
        coordinates: Coordinates::new(55.7501, 37.6201).unwrap(),
        accuracy_m: Some(12.5),
        distance_m: 13.2,
    }
}

fn new_shift(employee: &User, site: &Site, started_at: DateTime<Utc>) -> NewShift {
    NewShift {
        employee_id: employee.id,
        site_id: site.id,
        started_at,
        start_location: here(),
        hourly_rate: site.settings.hourly_rate,
        planned_shift_id: None,
    }
}

fn finished(shift: NewShift, minutes: i64) -> FinishedShift {
    let pay = domain::money::pay_minor(minutes, shift.hourly_rate.minor);
    let ended_at = shift.started_at + Duration::minutes(minutes);
    FinishedShift {
        shift,
        end: ShiftEnd {
            status: ShiftStatus::Closed,
            ended_at,
            end_location: Some(here()),
            worked_minutes: minutes,
            pay_minor: pay,
            needs_review: false,
        },
    }
}

/// An owner, a site and an employee with access to it.
async fn staffed(store: &SqliteStore) -> (User, Site, User) {
    let owner = person(store, 1, "Owner").await;
    let s = site(store, &owner, "Cafe").await;
    let employee = person(store, 2, "Employee").await;
    store.grant_access(s.id, employee.id).await.unwrap();
    (owner, s, employee)
}

async fn pragma(store: &SqliteStore, name: &str) -> String {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA {name}")))
        .fetch_one(store.pool())
        .await
        .unwrap();
    match row.try_get::<String, _>(0) {
        Ok(s) => s,
        Err(_) => row.try_get::<i64, _>(0).unwrap().to_string(),
    }
}

#[tokio::test]
async fn connect_creates_the_file_and_its_folders() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir
        .path()
        .join("data")
        .join("deeper")
        .join("staffprobot.db");
    let store = SqliteStore::connect(&url_of(&nested)).await.unwrap();
    store.migrate().await.unwrap();
    assert!(nested.is_file());

    // The short form without slashes, relative to the working directory, also works.
    let other = dir.path().join("plain").join("other.db");
    let store = SqliteStore::connect(&format!("sqlite:{}", other.display()))
        .await
        .unwrap();
    store.ping().await.unwrap();
    assert!(other.is_file());
}

#[tokio::test]
async fn connections_use_wal_foreign_keys_and_a_busy_timeout() {
    let db = fresh().await;
    assert_eq!(pragma(&db.store, "journal_mode").await, "wal");
    assert_eq!(pragma(&db.store, "foreign_keys").await, "1");
    // NORMAL
    assert_eq!(pragma(&db.store, "synchronous").await, "1");
    assert_eq!(pragma(&db.store, "busy_timeout").await, "5000");
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let db = fresh().await;
    db.store.migrate().await.unwrap();
    db.store.migrate().await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    // Each migration once: as many as there are files in the folder.
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert_eq!(usize::try_from(applied).unwrap(), files);
    // A second store on the same file sees the schema as current too.
    let again = SqliteStore::connect(&url_of(&db.path())).await.unwrap();
    again.migrate().await.unwrap();
}

#[tokio::test]
async fn reopening_the_file_keeps_the_data() {
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    let open = db
        .store
        .insert_shift(&new_shift(&employee, &s, t0()))
        .await
        .unwrap();
    db.store.pool().close().await;

    let reopened = SqliteStore::connect(&url_of(&db.path())).await.unwrap();
    reopened.migrate().await.unwrap();
    assert_eq!(
        reopened.user_by_telegram_id(2).await.unwrap(),
        Some(employee.clone())
    );
    assert_eq!(reopened.site(s.id).await.unwrap(), Some(s));
    assert_eq!(
        reopened.active_shift(employee.id).await.unwrap(),
        Some(open)
    );
}

#[tokio::test]
async fn values_round_trip_exactly() {
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    // Microseconds survive, as in PostgreSQL.
    let started = t0() + Duration::microseconds(123_456);
    let open = db
        .store
        .insert_shift(&new_shift(&employee, &s, started))
        .await
        .unwrap();
    assert_eq!(open.started_at, started);
    assert_eq!(open.start_location, here());
    assert_eq!(open.hourly_rate, Money::new(35_000, domain::Currency::RUB));
    assert_eq!(open.status, ShiftStatus::Active);
    assert_eq!(db.store.shift(open.id).await.unwrap(), Some(open));

    // A site open around the clock stays so.
    let mut settings = s.settings.clone();
    settings.hours = domain::OpeningHours::parse("00:00", "24:00").unwrap();
    let updated = db
        .store
        .update_site(s.id, &settings, false, false)
        .await
        .unwrap();
    assert_eq!(updated.settings.hours, domain::OpeningHours::AroundTheClock);
    assert!(!updated.active && !updated.notify_owner);
    assert_eq!(db.store.site(s.id).await.unwrap(), Some(updated));
}

#[tokio::test]
async fn concurrent_opens_give_exactly_one_shift() {
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    let store = Arc::new(db.store.clone());
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = Arc::clone(&store);
            let shift = new_shift(&employee, &s, t0() + Duration::seconds(i));
            tokio::spawn(async move { store.insert_shift(&shift).await })
        })
        .collect();
    let mut opened = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => opened += 1,
            Err(e) => assert_eq!(e, StoreError::ActiveShiftExists),
        }
    }
    assert_eq!(opened, 1);
    let active = db.store.active_shifts().await.unwrap();
    assert_eq!(active.len(), 1);
}

#[tokio::test]
async fn concurrent_opens_from_two_stores_on_one_file_give_one_shift() {
    // Two stores stand for two processes: only SQLite's own locking and the unique index
    // serialise them.
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    let other = SqliteStore::connect(&url_of(&db.path())).await.unwrap();
    let stores = [db.store.clone(), other];
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = stores[i % 2].clone();
            let shift = new_shift(&employee, &s, t0());
            tokio::spawn(async move { store.insert_shift(&shift).await })
        })
        .collect();
    let mut opened = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => opened += 1,
            Err(e) => assert_eq!(e, StoreError::ActiveShiftExists),
        }
    }
    assert_eq!(opened, 1);
}

#[tokio::test]
async fn a_closed_shift_frees_the_employee_and_closes_once() {
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    let open = db
        .store
        .insert_shift(&new_shift(&employee, &s, t0()))
        .await
        .unwrap();
    let end = finished(new_shift(&employee, &s, t0()), 90).end;
    let closed = db.store.close_shift(open.id, &end).await.unwrap();
    assert_eq!(closed.status, ShiftStatus::Closed);
    assert_eq!(closed.worked_minutes, Some(90));
    assert_eq!(closed.end_location, Some(here()));
    assert_eq!(
        db.store.close_shift(open.id, &end).await,
        Err(StoreError::NotFound("active shift"))
    );
    assert!(db.store.active_shift(employee.id).await.unwrap().is_none());
    db.store
        .insert_shift(&new_shift(&employee, &s, t0() + Duration::hours(2)))
        .await
        .unwrap();
}

fn window(from_h: i64, to_h: i64) -> PlannedWindow {
    PlannedWindow {
        starts_at: t0() + Duration::hours(from_h),
        ends_at: t0() + Duration::hours(to_h),
    }
}

#[tokio::test]
async fn concurrent_overlapping_plans_give_exactly_one() {
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    let store = Arc::new(db.store.clone());
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = Arc::clone(&store);
            let plan = NewPlannedShift {
                employee_id: employee.id,
                site_id: s.id,
                // Every window shares hour 9..10 with every other.
                window: window(i % 3, 10 + i % 4),
            };
            tokio::spawn(async move { store.insert_planned_shift(&plan).await })
        })
        .collect();
    let mut planned = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => planned += 1,
            Err(e) => assert_eq!(e, StoreError::PlanOverlap),
        }
    }
    assert_eq!(planned, 1);
}

#[tokio::test]
async fn touching_plans_do_not_overlap_and_cancelled_ones_do_not_count() {
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    let plan = |w| NewPlannedShift {
        employee_id: employee.id,
        site_id: s.id,
        window: w,
    };
    let first = db
        .store
        .insert_planned_shift(&plan(window(2, 6)))
        .await
        .unwrap();
    db.store
        .insert_planned_shift(&plan(window(6, 8)))
        .await
        .unwrap();
    db.store
        .insert_planned_shift(&plan(window(0, 2)))
        .await
        .unwrap();
    assert_eq!(
        db.store.insert_planned_shift(&plan(window(5, 7))).await,
        Err(StoreError::PlanOverlap)
    );
    db.store
        .set_plan_status(first.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    let replacement = db
        .store
        .insert_planned_shift(&plan(window(3, 5)))
        .await
        .unwrap();
    // The cancelled plan cannot come back over its replacement.
    assert_eq!(
        db.store
            .set_plan_status(first.id, PlanStatus::Cancelled, PlanStatus::Planned)
            .await,
        Err(StoreError::PlanOverlap)
    );
    assert_eq!(
        db.store
            .set_plan_status(first.id, PlanStatus::Planned, PlanStatus::Cancelled)
            .await,
        Err(StoreError::NotFound("planned shift"))
    );
    assert_eq!(
        db.store
            .planned_shift(replacement.id)
            .await
            .unwrap()
            .map(|p| p.status),
        Some(PlanStatus::Planned)
    );
}

#[tokio::test]
async fn a_shift_fulfilling_a_plan_marks_it_done_in_the_same_step() {
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    let plan = db
        .store
        .insert_planned_shift(&NewPlannedShift {
            employee_id: employee.id,
            site_id: s.id,
            window: window(2, 10),
        })
        .await
        .unwrap();
    let mut shift = new_shift(&employee, &s, t0() + Duration::hours(2));
    shift.planned_shift_id = Some(plan.id);
    let open = db.store.insert_shift(&shift).await.unwrap();
    assert_eq!(open.planned_shift_id, Some(plan.id));
    let done = db.store.planned_shift(plan.id).await.unwrap().unwrap();
    assert_eq!(done.status, PlanStatus::Done);
    assert_eq!(done.shift_id, Some(open.id));
}

#[tokio::test]
async fn a_failed_open_leaves_the_plan_untouched() {
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    db.store
        .insert_shift(&new_shift(&employee, &s, t0()))
        .await
        .unwrap();
    let plan = db
        .store
        .insert_planned_shift(&NewPlannedShift {
            employee_id: employee.id,
            site_id: s.id,
            window: window(2, 10),
        })
        .await
        .unwrap();
    let mut second = new_shift(&employee, &s, t0() + Duration::hours(2));
    second.planned_shift_id = Some(plan.id);
    assert_eq!(
        db.store.insert_shift(&second).await,
        Err(StoreError::ActiveShiftExists)
    );
    assert_eq!(db.store.planned_shift(plan.id).await.unwrap(), Some(plan));
}

#[tokio::test]
async fn import_and_totals() {
    let db = fresh().await;
    let (owner, s, employee) = staffed(&db.store).await;
    let other_site = site(&db.store, &owner, "Warehouse").await;
    let colleague = person(&db.store, 3, "Colleague").await;
    let mut batch = Vec::new();
    for day in 0..1200 {
        let start = t0() - Duration::days(day);
        batch.push(finished(new_shift(&employee, &s, start), 60));
        batch.push(finished(new_shift(&colleague, &other_site, start), 30));
    }
    assert_eq!(db.store.import_finished_shifts(&batch).await.unwrap(), 2400);
    assert_eq!(db.store.import_finished_shifts(&[]).await.unwrap(), 0);
    // A running shift is never counted.
    db.store
        .insert_shift(&new_shift(&employee, &s, t0() - Duration::hours(1)))
        .await
        .unwrap();

    let ranges = [
        SiteRange {
            site_id: s.id,
            from: t0() - Duration::days(9),
            to: t0() + Duration::days(1),
        },
        SiteRange {
            site_id: other_site.id,
            from: t0() - Duration::days(2),
            to: t0() + Duration::seconds(1),
        },
    ];
    let totals = db.store.shift_totals(&ranges, None).await.unwrap();
    assert_eq!(totals.len(), 2);
    assert_eq!(
        (totals[0].site_id, totals[0].employee_id),
        (s.id, employee.id)
    );
    assert_eq!(totals[0].shifts, 10);
    assert_eq!(totals[0].worked_minutes, 600);
    assert_eq!(totals[0].pay_minor, 10 * 35_000);
    assert_eq!(totals[1].employee_id, colleague.id);
    assert_eq!(totals[1].shifts, 3);

    let closed = |limit, after| ShiftFilter {
        site_ids: vec![s.id],
        status: Some(ShiftStatus::Closed),
        limit,
        after,
        ..ShiftFilter::default()
    };
    let newest = db.store.list_shifts(&closed(1, None)).await.unwrap();
    let after = app::Cursor::new(newest[0].started_at, newest[0].id.0);
    let page = db.store.list_shifts(&closed(5, Some(after))).await.unwrap();
    assert_eq!(page.len(), 5);
    assert_eq!(page[0].started_at, t0() - Duration::days(1));
    assert!(page.windows(2).all(|w| w[0].started_at > w[1].started_at));
}

#[tokio::test]
async fn employees_are_ordered_by_name_with_their_sites() {
    let db = fresh().await;
    let owner = person(&db.store, 1, "Owner").await;
    let a = site(&db.store, &owner, "A").await;
    let b = site(&db.store, &owner, "B").await;
    let c = site(&db.store, &owner, "C").await;
    let zoe = person(&db.store, 10, "Zoe").await;
    let adam = person(&db.store, 11, "Adam").await;
    let adam2 = person(&db.store, 12, "Adam").await;
    for (s, u) in [
        (&b, &zoe),
        (&a, &zoe),
        (&c, &zoe),
        (&a, &adam2),
        (&b, &adam),
    ] {
        assert!(db.store.grant_access(s.id, u.id).await.unwrap());
    }
    assert!(!db.store.grant_access(a.id, zoe.id).await.unwrap());
    let list = db.store.employees_of(&[a.id, b.id]).await.unwrap();
    let got: Vec<(UserId, Vec<_>)> = list
        .iter()
        .map(|e| (e.user.id, e.site_ids.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (adam.id, vec![b.id]),
            (adam2.id, vec![a.id]),
            (zoe.id, vec![a.id, b.id]),
        ]
    );
    assert!(db.store.employees_of(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn references_to_missing_rows_name_what_is_missing() {
    let db = fresh().await;
    let owner = person(&db.store, 1, "Owner").await;
    let s = site(&db.store, &owner, "A").await;
    let nobody = UserId(999);
    let nowhere = domain::SiteId(999);
    assert_eq!(
        db.store.grant_access(s.id, nobody).await,
        Err(StoreError::NotFound("user"))
    );
    assert_eq!(
        db.store.grant_manager(nowhere, owner.id).await,
        Err(StoreError::NotFound("site"))
    );
    assert_eq!(
        db.store
            .insert_site(nobody, &s.settings, &fresh_code())
            .await
            .map(|_| ()),
        Err(StoreError::NotFound("user"))
    );
    assert_eq!(
        db.store
            .insert_shift(&new_shift(
                &owner,
                &Site {
                    id: nowhere,
                    ..s.clone()
                },
                t0()
            ))
            .await
            .map(|_| ()),
        Err(StoreError::NotFound("site"))
    );
    let stray = finished(
        new_shift(
            &User {
                id: nobody,
                ..owner.clone()
            },
            &s,
            t0(),
        ),
        60,
    );
    assert_eq!(
        db.store.import_finished_shifts(&[stray]).await,
        Err(StoreError::NotFound("user"))
    );
    assert_eq!(
        db.store
            .insert_api_token(nobody, "abc", "cli")
            .await
            .map(|_| ()),
        Err(StoreError::NotFound("user"))
    );
    db.store
        .insert_api_token(owner.id, "abc", "cli")
        .await
        .unwrap();
    assert_eq!(
        db.store.insert_api_token(owner.id, "abc", "cli").await,
        Err(StoreError::Duplicate("api token"))
    );
}

#[tokio::test]
async fn only_a_planned_plan_of_the_same_employee_and_site_is_linked() {
    let db = fresh().await;
    let (owner, s, employee) = staffed(&db.store).await;
    let colleague = person(&db.store, 3, "Colleague").await;
    db.store.grant_access(s.id, colleague.id).await.unwrap();
    let theirs = db
        .store
        .insert_planned_shift(&NewPlannedShift {
            employee_id: colleague.id,
            site_id: s.id,
            window: window(2, 10),
        })
        .await
        .unwrap();
    let mut shift = new_shift(&employee, &s, t0() + Duration::hours(2));
    shift.planned_shift_id = Some(theirs.id);
    let open = db.store.insert_shift(&shift).await.unwrap();
    assert_eq!(open.planned_shift_id, None);
    assert_eq!(
        db.store.planned_shift(theirs.id).await.unwrap(),
        Some(theirs)
    );

    // A finished shift imported with its plan marks the plan done, too.
    let other = site(&db.store, &owner, "Other").await;
    let plan = db
        .store
        .insert_planned_shift(&NewPlannedShift {
            employee_id: colleague.id,
            site_id: other.id,
            window: window(-30, -22),
        })
        .await
        .unwrap();
    let mut past = new_shift(&colleague, &other, t0() - Duration::hours(30));
    past.planned_shift_id = Some(plan.id);
    assert_eq!(
        db.store
            .import_finished_shifts(&[finished(past, 480)])
            .await
            .unwrap(),
        1
    );
    let done = db.store.planned_shift(plan.id).await.unwrap().unwrap();
    assert_eq!(done.status, PlanStatus::Done);
    let linked = db
        .store
        .shift(done.shift_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.planned_shift_id, Some(plan.id));
    assert_eq!(linked.status, ShiftStatus::Closed);
}

#[tokio::test]
async fn an_active_shift_cannot_be_imported_as_finished() {
    let db = fresh().await;
    let (_, s, employee) = staffed(&db.store).await;
    let mut running = finished(new_shift(&employee, &s, t0()), 10);
    running.end.status = ShiftStatus::Active;
    assert!(matches!(
        db.store.import_finished_shifts(&[running]).await,
        Err(StoreError::Other(_))
    ));
}

#[tokio::test]
async fn a_bad_stored_value_is_a_clear_error() {
    let db = fresh().await;
    let owner = person(&db.store, 1, "Owner").await;
    let s = site(&db.store, &owner, "A").await;
    sqlx::query("UPDATE sites SET time_zone = 'Mars/Olympus' WHERE id = ?")
        .bind(s.id.0)
        .execute(db.store.pool())
        .await
        .unwrap();
    match db.store.site(s.id).await {
        Err(StoreError::Other(msg)) => {
            assert!(
                msg.contains("sites") && msg.contains("Mars/Olympus"),
                "{msg}"
            );
        }
        other => panic!("expected a bad row error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_write_lock_held_elsewhere_makes_the_store_unavailable() {
    let db = fresh().await;
    let owner = person(&db.store, 1, "Owner").await;
    // Another process holding the write lock longer than the busy timeout.
    let other = SqliteStore::connect(&url_of(&db.path())).await.unwrap();
    let mut conn = other.pool().acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let result = db.store.set_owner(owner.id, true).await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(started.elapsed() >= std::time::Duration::from_secs(4));
    // Reads are not blocked by a writer in WAL mode.
    assert!(db.store.user(owner.id).await.unwrap().is_some());
    sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
    db.store.set_owner(owner.id, true).await.unwrap();
}

#[tokio::test]
async fn an_in_memory_database_works_for_quick_tools() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    let u = person(&store, 7, "Mem").await;
    assert_eq!(store.user(u.id).await.unwrap(), Some(u));
}
