//! PostgreSQL-only tests: migrations, the constraints and indexes the store relies on (checked
//! with raw SQL, so they hold whatever code writes to the tables), error mapping, and the
//! monthly report over a million shifts.

use crate::fresh_store;
use app::{
    FinishedShift, NewPlannedShift, NewShift, NewUser, PeopleStore, PlanStore, ShiftEnd,
    ShiftStore, SiteStore, StoreError, StoreHealth,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::join::JoinCode;
use domain::{
    Coordinates, Currency, Language, Money, PersonName, PlanStatus, PlannedWindow,
    RecordedLocation, ShiftStatus, Site, SiteId, SitePatch, User, UserId,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use store_postgres::{PgStore, test_support};

fn at(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::hours(h)
}

async fn person(store: &PgStore, telegram_id: i64) -> User {
    store
        .upsert_user(&NewUser {
            telegram_id,
            name: PersonName::new(&format!("Сотрудник {telegram_id}")).unwrap(),
            language: Language::Ru,
        })
        .await
        .unwrap()
}

async fn site(store: &PgStore, owner: UserId, name: &str) -> Site {
    let settings = SitePatch {
        name: Some(name.into()),
        latitude: Some(55.75),
        longitude: Some(37.62),
        opens_at: Some("09:00".into()),
        closes_at: Some("21:00".into()),
        hourly_rate_minor: Some(35_000),
        ..SitePatch::default()
    }
    .create()
    .unwrap();
    store
        .insert_site(owner, &settings, &fresh_code())
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

fn new_shift(employee: UserId, site: SiteId, started_at: DateTime<Utc>) -> NewShift {
    NewShift {
        employee_id: employee,
        site_id: site,
        started_at,
        start_location: RecordedLocation {
            coordinates: Coordinates::new(55.75, 37.62).unwrap(),
            accuracy_m: Some(10.0),
            distance_m: 0.0,
        },
        hourly_rate: Money::new(35_000, Currency::RUB),
        planned_shift_id: None,
    }
}

fn plan(employee: UserId, site: SiteId, from: i64, to: i64) -> NewPlannedShift {
    plan_between(employee, site, at(from), at(to))
}

fn plan_between(
    employee: UserId,
    site: SiteId,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> NewPlannedShift {
    NewPlannedShift {
        employee_id: employee,
        site_id: site,
        window: PlannedWindow { starts_at, ends_at },
    }
}

fn sqlstate(e: &sqlx::Error) -> Option<(String, String)> {
    match e {
        sqlx::Error::Database(db) => Some((
            db.code().map(|c| c.into_owned()).unwrap_or_default(),
            db.constraint().unwrap_or_default().to_owned(),
        )),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_from_scratch_concurrently_and_idempotently() {
    let url = test_support::empty_database().await.unwrap();
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let url = url.clone();
        runs.spawn(async move {
            let settings = store_postgres::PoolSettings {
                max_connections: 2,
                ..Default::default()
            };
            let store = PgStore::connect_with(&url, settings).await?;
            store.migrate().await?;
            Ok::<_, StoreError>(store)
        });
    }
    let stores: Vec<PgStore> = runs
        .join_all()
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let store = &stores[0];
    store.migrate().await.unwrap();
    let applied: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let embedded: Vec<(i64, bool)> = store_postgres::migrator()
        .iter()
        .map(|m| (m.version, true))
        .collect();
    assert_eq!(applied, embedded);
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            "api_tokens",
            "broadcast_recipients",
            "broadcasts",
            "cache_invalidations",
            "dialogues",
            "job_effects",
            "job_queue",
            "join_requests",
            "outbox",
            "pay_statements",
            "planned_shifts",
            "processed_updates",
            "scheduler_leases",
            "scheduler_ticks",
            "shift_changes",
            "shifts",
            "site_access",
            "site_managers",
            "sites",
            "users"
        ]
    );
    // The bot's state tables skip the WAL, also after the update-claims migration.
    let unlogged: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relpersistence = 'u' \
         AND relnamespace = 'public'::regnamespace ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(unlogged, ["dialogues", "processed_updates"]);
    // The schema works end to end.
    store.ping().await.unwrap();
    person(store, 1).await;
}

/// Sites made before join codes existed each get a distinct code of the join-code alphabet, and
/// people made before the reachable flag count as reachable.
#[tokio::test]
async fn the_bot_migration_gives_existing_sites_join_codes() {
    let url = test_support::empty_database().await.unwrap();
    let store = PgStore::connect(&url).await.unwrap();
    store_postgres::migrator()
        .run_to(20261125000001, store.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO users (id, telegram_id, name, language) VALUES (1, 1, 'Ольга', 'ru')")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO sites (owner_id, name, latitude, longitude, geofence_radius_m, opens_at, \
         closes_at, time_zone, hourly_rate_minor, currency) \
         SELECT 1, 'Объект ' || g, 55.75, 37.62, 100, '09:00', '21:00', 'Europe/Moscow', \
                35000, 'RUB' FROM generate_series(1, 500) AS g",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.migrate().await.unwrap();

    let codes: Vec<String> = sqlx::query_scalar("SELECT join_code FROM sites")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(codes.len(), 500);
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 500, "codes repeat");
    for code in &codes {
        assert_eq!(
            JoinCode::parse(code).map(|c| c.as_str().to_owned()),
            Some(code.clone()),
            "{code:?} is not a join code"
        );
    }
    let site = store
        .site_by_join_code(&codes[0])
        .await
        .unwrap()
        .expect("a site by its migrated code");
    assert_eq!(site.join_code, codes[0]);
    assert!(store.user(UserId(1)).await.unwrap().unwrap().reachable);
    // Left for the hourly clean-up: DROP DATABASE waits for a checkpoint, which on a busy server
    // takes minutes, and 500 rows are no burden.
}

#[tokio::test]
async fn constraints_and_indexes_exist() {
    let store = fresh_store().await;
    let index = |name: &'static str| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT indexdef FROM pg_indexes WHERE indexname = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("index {name}: {e}"))
        }
    };
    let active = index("shifts_one_active_per_employee").await;
    assert!(active.starts_with("CREATE UNIQUE INDEX"), "{active}");
    assert!(
        active.contains("(employee_id) WHERE (status = 'active'::text)"),
        "{active}"
    );
    let report = index("shifts_by_site_start").await;
    assert!(
        report.contains(
            "(site_id, started_at, id) \
             INCLUDE (employee_id, status, currency, worked_minutes, pay_minor)"
        ),
        "{report}"
    );
    assert!(
        index("shifts_by_employee_start")
            .await
            .contains("(employee_id, started_at)")
    );
    assert!(
        index("planned_shifts_by_start")
            .await
            .contains("(starts_at)")
    );
    assert!(
        index("planned_shifts_by_employee_start")
            .await
            .contains("(employee_id, starts_at)")
    );

    let pending = index("join_requests_one_pending").await;
    assert!(pending.starts_with("CREATE UNIQUE INDEX"), "{pending}");
    assert!(
        pending.contains("(site_id, user_id) WHERE (status = 'pending'::text)"),
        "{pending}"
    );
    assert!(
        index("processed_updates_by_seen")
            .await
            .contains("(seen_at)")
    );
    assert!(
        index("sites_join_code_key")
            .await
            .starts_with("CREATE UNIQUE INDEX")
    );

    let exclusion: String = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE conname = 'planned_shifts_no_overlap' AND contype = 'x'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(exclusion.contains("EXCLUDE USING gist"), "{exclusion}");
    assert!(
        exclusion.contains("tstzrange(starts_at, ends_at, '[)'::text) WITH &&"),
        "{exclusion}"
    );
    assert!(
        exclusion.contains("'planned'::text, 'done'::text"),
        "{exclusion}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_unique_index_holds_for_raw_concurrent_inserts() {
    let store = fresh_store().await;
    let owner = person(&store, 1).await;
    let employee = person(&store, 2).await;
    let s = site(&store, owner.id, "Склад").await;
    let insert = "INSERT INTO shifts (employee_id, site_id, status, started_at, start_latitude, \
                  start_longitude, start_distance_m, hourly_rate_minor, currency) \
                  VALUES ($1, $2, 'active', $3, 55.75, 37.62, 0, 35000, 'RUB')";
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let pool = store.pool().clone();
        tasks.spawn(async move {
            sqlx::query(insert)
                .bind(employee.id.0)
                .bind(s.id.0)
                .bind(at(0) + Duration::seconds(i))
                .execute(&pool)
                .await
        });
    }
    let results = tasks.join_all().await;
    assert!(results.iter().filter(|r| r.is_ok()).count() <= 1);
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(
            sqlstate(r),
            Some(("23505".into(), "shifts_one_active_per_employee".into())),
            "{r}"
        );
    }
    // Finished shifts are not limited.
    let finished = "INSERT INTO shifts (employee_id, site_id, status, started_at, start_latitude, \
                    start_longitude, start_distance_m, hourly_rate_minor, currency, ended_at, \
                    worked_minutes, pay_minor) \
                    VALUES ($1, $2, 'closed', $3, 55.75, 37.62, 0, 35000, 'RUB', $3, 0, 0)";
    for h in 0..3 {
        sqlx::query(finished)
            .bind(employee.id.0)
            .bind(s.id.0)
            .bind(at(-24 * h))
            .execute(store.pool())
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exclusion_constraint_holds_under_concurrency() {
    let store = fresh_store().await;
    let owner = person(&store, 1).await;
    let employee = person(&store, 2).await;
    let s = site(&store, owner.id, "Склад").await;

    // Two cancelled, overlapping plans brought back at the same time: only one may return.
    let a = store
        .insert_planned_shift(&plan(employee.id, s.id, 10, 14))
        .await
        .unwrap();
    store
        .set_plan_status(a.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    let b = store
        .insert_planned_shift(&plan(employee.id, s.id, 12, 16))
        .await
        .unwrap();
    store
        .set_plan_status(b.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for id in [a.id, b.id] {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .set_plan_status(id, PlanStatus::Cancelled, PlanStatus::Planned)
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
        results.contains(&Err(StoreError::PlanOverlap)),
        "{results:?}"
    );

    // Through the store, concurrent plans of pairwise-overlapping windows: one is stored, every
    // other one is told it overlaps (the store serialises one person's plans: no deadlock
    // between the constraint's checks, no statement left waiting).
    let third = person(&store, 4).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .insert_planned_shift(&plan_between(
                    third.id,
                    s.id,
                    at(40) + Duration::minutes(5 * i),
                    at(44) + Duration::minutes(5 * i),
                ))
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
            .filter_map(|r| r.as_ref().err())
            .all(|e| *e == StoreError::PlanOverlap),
        "{results:?}"
    );

    // Raw concurrent inserts of pairwise-overlapping windows, without the store's lock: never
    // two rows, but possibly none — PostgreSQL's exclusion check may fail *both* of two
    // concurrent inserters, pick one as a deadlock's victim, or keep one waiting past the
    // statement timeout — which is why the store serialises one person's plans.
    let other = person(&store, 3).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6 {
        let pool = store.pool().clone();
        tasks.spawn(async move {
            sqlx::query(
                "INSERT INTO planned_shifts (employee_id, site_id, starts_at, ends_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(other.id.0)
            .bind(s.id.0)
            .bind(at(30) + Duration::minutes(5 * i))
            .bind(at(34) + Duration::minutes(5 * i))
            .execute(&pool)
            .await
        });
    }
    let results = tasks.join_all().await;
    assert!(results.iter().filter(|r| r.is_ok()).count() <= 1);
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        let state = sqlstate(r);
        assert!(
            state == Some(("23P01".into(), "planned_shifts_no_overlap".into()))
                || state == Some(("40P01".into(), String::new()))
                || state == Some(("57014".into(), String::new())),
            "{r}"
        );
    }
}

#[tokio::test]
async fn errors_map_to_store_errors() {
    let store = fresh_store().await;
    let owner = person(&store, 1).await;
    let s = site(&store, owner.id, "Склад").await;
    let missing_user = UserId(owner.id.0 + 1000);
    let missing_site = SiteId(s.id.0 + 1000);

    store.insert_api_token(owner.id, "h", "a").await.unwrap();
    assert_eq!(
        store.insert_api_token(owner.id, "h", "b").await,
        Err(StoreError::Duplicate("api token"))
    );
    assert_eq!(
        store.grant_access(missing_site, owner.id).await,
        Err(StoreError::NotFound("site"))
    );
    assert_eq!(
        store.grant_manager(s.id, missing_user).await,
        Err(StoreError::NotFound("user"))
    );
    assert_eq!(
        store
            .insert_site(missing_user, &s.settings, &fresh_code())
            .await
            .map(drop),
        Err(StoreError::NotFound("user"))
    );
    assert_eq!(
        store
            .insert_shift(&new_shift(owner.id, missing_site, at(0)))
            .await
            .map(drop),
        Err(StoreError::NotFound("site"))
    );
    let shift = store
        .insert_shift(&new_shift(owner.id, s.id, at(0)))
        .await
        .unwrap();
    let into_active = ShiftEnd {
        status: ShiftStatus::Active,
        ended_at: at(1),
        end_location: None,
        worked_minutes: 60,
        pay_minor: 35_000,
        needs_review: false,
    };
    assert!(matches!(
        store.close_shift(shift.id, &into_active).await,
        Err(StoreError::Other(_))
    ));
    assert!(matches!(
        store
            .import_finished_shifts(&[FinishedShift {
                shift: new_shift(owner.id, s.id, at(-48)),
                end: into_active,
            }])
            .await,
        Err(StoreError::Other(_))
    ));

    // A row no domain value can hold is an error, not a panic.
    sqlx::query("UPDATE sites SET time_zone = 'Mars/Olympus' WHERE id = $1")
        .bind(s.id.0)
        .execute(store.pool())
        .await
        .unwrap();
    match store.site(s.id).await {
        Err(StoreError::Other(m)) => assert!(m.contains("time zone"), "{m}"),
        other => panic!("expected Other, got {other:?}"),
    }

    // Nobody listening: unavailable, and quickly.
    let started = Instant::now();
    let refused = PgStore::connect("postgres://postgres@127.0.0.1:1/postgres").await;
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    store.pool().close().await;
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_plan_no_longer_waiting_is_not_linked() {
    let store = fresh_store().await;
    let owner = person(&store, 1).await;
    let employee = person(&store, 2).await;
    let s = site(&store, owner.id, "Склад").await;
    let cancelled = store
        .insert_planned_shift(&plan(employee.id, s.id, 10, 14))
        .await
        .unwrap();
    store
        .set_plan_status(cancelled.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    // The employee is at the site: the shift opens, without claiming the cancelled plan.
    let shift = store
        .insert_shift(&NewShift {
            planned_shift_id: Some(cancelled.id),
            ..new_shift(employee.id, s.id, at(9))
        })
        .await
        .unwrap();
    assert_eq!(shift.planned_shift_id, None);
    let after = store.planned_shift(cancelled.id).await.unwrap().unwrap();
    assert_eq!(after.status, PlanStatus::Cancelled);
    assert_eq!(after.shift_id, None);
}
