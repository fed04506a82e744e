//! The caching `Store`: the store conformance suite through it (SQLite with the in-process tier
//! only, PostgreSQL with Redis) — the cache changes no answer — and every write path seen by a
//! read right after it, in the same process and in another one sharing the database and Redis
//! (or, without Redis, the database's invalidation feed).

use crate::support::{Prefix, eventually};
use app::{
    FinishedShift, InvalidationLog, NewShift, NewUser, PeopleStore, ShiftEnd, ShiftFilter,
    ShiftReviewStore, ShiftStore, SiteRange, SiteStore, Store,
};
use cache::{Cache, CacheConfig, CachingStore, StoreFeed};
use chrono::{DateTime, Duration as Days, TimeZone, Utc};
use domain::{
    Coordinates, Language, Money, PersonName, RecordedLocation, ShiftStatus, SitePatch,
    SiteSettings,
};
use std::sync::Arc;
use std::time::Duration;
use store_postgres::PgStore;
use store_sqlite::SqliteStore;

async fn sqlite() -> Arc<SqliteStore> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&format!(
        "sqlite://{}",
        dir.path().join("staffprobot.db").display()
    ))
    .await
    .unwrap();
    store.migrate().await.unwrap();
    Arc::new(store.keeping_alive(dir))
}

async fn postgres() -> Arc<PgStore> {
    let url = store_postgres::test_support::fresh_database()
        .await
        .unwrap();
    let store = PgStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    Arc::new(store)
}

/// SQLite behind the in-process tier alone (the embedded default's shape).
async fn cached_sqlite() -> Arc<CachingStore> {
    let store: Arc<dyn Store> = sqlite().await;
    Arc::new(CachingStore::new(
        store,
        Cache::local(CacheConfig::default()),
    ))
}

/// PostgreSQL behind both tiers, on a Redis prefix of its own (its values expire by themselves).
async fn cached_postgres() -> Arc<CachingStore> {
    let store: Arc<dyn Store> = postgres().await;
    let prefix = Prefix::shared("conformance");
    let config = prefix.config();
    // The prefix's keys stay after the test; they expire within the TTLs.
    std::mem::forget(prefix);
    Arc::new(CachingStore::new(store, Cache::start(config, None).await))
}

mod on_sqlite_with_l1 {
    testkit::store_conformance_tests!(super::cached_sqlite);
}

mod on_postgres_with_redis {
    testkit::store_conformance_tests!(super::cached_postgres);
}

// ---- two processes -----------------------------------------------------------------------------

/// Two "processes" (each its own cache over its own connection pool) sharing one database and,
/// when given, one Redis prefix; without it they share the database's invalidation feed.
struct Pair {
    a: CachingStore,
    b: CachingStore,
    /// How long B may lag behind A's writes.
    bound: Duration,
    _prefix: Option<Prefix>,
}

async fn pair_on_postgres_and_redis() -> Pair {
    let url = store_postgres::test_support::fresh_database()
        .await
        .unwrap();
    let open = async || {
        let s = PgStore::connect(&url).await.unwrap();
        s.migrate().await.unwrap();
        Arc::new(s) as Arc<dyn Store>
    };
    let prefix = Prefix::shared("pair");
    let a = CachingStore::new(open().await, Cache::start(prefix.config(), None).await);
    let b = CachingStore::new(open().await, Cache::start(prefix.config(), None).await);
    Pair {
        a,
        b,
        bound: Duration::from_millis(100),
        _prefix: Some(prefix),
    }
}

async fn pair_on_sqlite_and_feed() -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("staffprobot.db").display());
    let first = SqliteStore::connect(&url).await.unwrap();
    first.migrate().await.unwrap();
    let first = Arc::new(first.keeping_alive(dir));
    let second = Arc::new(SqliteStore::connect(&url).await.unwrap());
    let cached = async |s: Arc<SqliteStore>| {
        let log: Arc<dyn InvalidationLog> = s.clone();
        let cache = Cache::start(
            CacheConfig::default(),
            Some(Arc::new(StoreFeed::new(
                log,
                Arc::new(app::SetClock::new(at(12, 0))),
            ))),
        )
        .await;
        CachingStore::new(s as Arc<dyn Store>, cache)
    };
    Pair {
        a: cached(first).await,
        b: cached(second).await,
        // A batch of appends at most every 50 ms, read every 250 ms.
        bound: Duration::from_millis(600),
        _prefix: None,
    }
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, h, m, 0).unwrap()
}

fn settings(name: &str) -> SiteSettings {
    SitePatch {
        name: Some(name.into()),
        latitude: Some(55.75),
        longitude: Some(37.62),
        opens_at: Some("08:00".into()),
        closes_at: Some("22:00".into()),
        hourly_rate_minor: Some(30_000),
        ..SitePatch::default()
    }
    .create()
    .unwrap()
}

fn person(telegram_id: i64, name: &str) -> NewUser {
    NewUser {
        telegram_id,
        name: PersonName::new(name).unwrap(),
        language: Language::Ru,
    }
}

fn location() -> RecordedLocation {
    RecordedLocation {
        coordinates: Coordinates::new(55.75, 37.62).unwrap(),
        accuracy_m: Some(10.0),
        distance_m: 3.0,
    }
}

/// Every write path through A, each followed by B reading what it changed (B read it before,
/// so it was cached there).
async fn every_write_is_seen_by_the_other_process(p: Pair) {
    let Pair { a, b, bound, .. } = p;
    // People: a new person replaces a remembered "not found"; name, language, owner flag.
    assert_eq!(b.user_by_telegram_id(500).await.unwrap(), None);
    let anna = a.upsert_user(&person(500, "Анна")).await.unwrap();
    eventually(bound, "a new person", async || {
        b.user_by_telegram_id(500).await.unwrap().as_ref() == Some(&anna)
    })
    .await;
    a.upsert_user(&person(500, "Анна К.")).await.unwrap();
    eventually(bound, "a new name", async || {
        b.user(anna.id).await.unwrap().unwrap().name.as_str() == "Анна К."
    })
    .await;
    a.set_user_language(anna.id, Language::En).await.unwrap();
    eventually(bound, "a language", async || {
        b.user(anna.id).await.unwrap().unwrap().language == Language::En
    })
    .await;
    a.set_user_reachable(anna.id, false).await.unwrap();
    eventually(bound, "reachability", async || {
        !b.user(anna.id).await.unwrap().unwrap().reachable
    })
    .await;
    a.set_owner(anna.id, true).await.unwrap();
    eventually(bound, "the owner flag", async || {
        b.user(anna.id).await.unwrap().unwrap().is_owner
    })
    .await;
    let boris = a.upsert_user(&person(501, "Борис")).await.unwrap();
    assert_eq!(
        b.users(&[boris.id, anna.id]).await.unwrap().len(),
        2,
        "a batch read"
    );

    // Tokens: issued after a "not found" was remembered, then revoked.
    let hash = app::tokens::hash("spb_pair");
    assert_eq!(b.user_by_token_hash(&hash).await.unwrap(), None);
    a.insert_api_token(anna.id, &hash, "t").await.unwrap();
    eventually(bound, "an issued token", async || {
        b.user_by_token_hash(&hash).await.unwrap().is_some()
    })
    .await;
    a.revoke_api_tokens(anna.id).await.unwrap();
    eventually(bound, "a revoked token", async || {
        b.user_by_token_hash(&hash).await.unwrap().is_none()
    })
    .await;

    // Sites: a new one in the owner's list, a change, deactivation.
    assert!(b.sites_managed_by(anna.id).await.unwrap().is_empty());
    let site = a
        .insert_site(anna.id, &settings("Кофейня"), "pqrstuvw22")
        .await
        .unwrap();
    eventually(bound, "a new site", async || {
        b.sites_managed_by(anna.id).await.unwrap().len() == 1
    })
    .await;
    a.update_site(site.id, &settings("Кофейня на Арбате"), false, true)
        .await
        .unwrap();
    eventually(bound, "a changed and deactivated site", async || {
        let s = b.site(site.id).await.unwrap().unwrap();
        s.settings.name.as_str() == "Кофейня на Арбате" && !s.active
    })
    .await;
    a.update_site(site.id, &settings("Кофейня"), true, true)
        .await
        .unwrap();

    // Managers and employees' access.
    assert!(!b.is_manager(site.id, boris.id).await.unwrap());
    a.grant_manager(site.id, boris.id).await.unwrap();
    eventually(bound, "a manager grant", async || {
        b.is_manager(site.id, boris.id).await.unwrap()
            && b.sites_managed_by(boris.id).await.unwrap().len() == 1
            && b.managers_of(site.id).await.unwrap().len() == 1
    })
    .await;
    a.revoke_manager(site.id, boris.id).await.unwrap();
    eventually(bound, "a manager revoked", async || {
        !b.is_manager(site.id, boris.id).await.unwrap()
            && b.sites_managed_by(boris.id).await.unwrap().is_empty()
    })
    .await;
    let vera = a.upsert_user(&person(502, "Вера")).await.unwrap();
    assert!(!b.has_access(site.id, vera.id).await.unwrap());
    a.grant_access(site.id, vera.id).await.unwrap();
    eventually(bound, "access granted", async || {
        b.has_access(site.id, vera.id).await.unwrap()
            && b.sites_of_employee(vera.id).await.unwrap().len() == 1
    })
    .await;

    // Shifts: opened, on shift now, closed; report totals follow.
    let month = [SiteRange {
        site_id: site.id,
        from: at(0, 0) - Days::days(17),
        to: at(0, 0) + Days::days(13),
    }];
    let on_shift = ShiftFilter {
        site_ids: vec![site.id],
        status: Some(ShiftStatus::Active),
        limit: 100,
        ..ShiftFilter::default()
    };
    assert_eq!(b.active_shift(vera.id).await.unwrap(), None);
    assert!(b.list_shifts(&on_shift).await.unwrap().is_empty());
    assert!(b.shift_totals(&month, None).await.unwrap().is_empty());
    let shift = a
        .insert_shift(&NewShift {
            employee_id: vera.id,
            site_id: site.id,
            started_at: at(9, 0),
            start_location: location(),
            hourly_rate: Money::new(30_000, domain::Currency::RUB),
            planned_shift_id: None,
        })
        .await
        .unwrap();
    eventually(bound, "an opened shift", async || {
        b.active_shift(vera.id).await.unwrap().as_ref() == Some(&shift)
            && b.list_shifts(&on_shift).await.unwrap() == vec![shift.clone()]
    })
    .await;
    let end = ShiftEnd {
        status: ShiftStatus::Closed,
        ended_at: at(17, 0),
        end_location: Some(location()),
        worked_minutes: 480,
        pay_minor: 240_000,
        needs_review: false,
    };
    a.close_shift(shift.id, &end).await.unwrap();
    eventually(bound, "a closed shift", async || {
        b.active_shift(vera.id).await.unwrap().is_none()
            && b.list_shifts(&on_shift).await.unwrap().is_empty()
            && b.shift_totals(&month, None)
                .await
                .unwrap()
                .iter()
                .map(|t| t.pay_minor)
                .sum::<i64>()
                == 240_000
    })
    .await;
    // A reviewer moves the end: pay settled again, the totals follow.
    a.revise_shift(
        shift.id,
        &app::ShiftRevision {
            expect: app::ShiftExpectation {
                status: ShiftStatus::Closed,
                ended_at: Some(at(17, 0)),
                needs_review: false,
            },
            status: ShiftStatus::Closed,
            ended_at: at(16, 0),
            worked_minutes: 420,
            pay_minor: 210_000,
            review_reason: None,
            closed_by: Some(anna.id),
            kind: domain::ShiftChangeKind::EndChanged,
            changed_by: anna.id,
            changed_at: at(18, 0),
        },
    )
    .await
    .unwrap();
    eventually(bound, "a revised shift in the totals", async || {
        b.shift_totals(&month, None)
            .await
            .unwrap()
            .iter()
            .map(|t| t.pay_minor)
            .sum::<i64>()
            == 210_000
    })
    .await;
    a.import_finished_shifts(&[FinishedShift {
        shift: NewShift {
            employee_id: vera.id,
            site_id: site.id,
            started_at: at(6, 0) - Days::days(1),
            start_location: location(),
            hourly_rate: Money::new(30_000, domain::Currency::RUB),
            planned_shift_id: None,
        },
        end: ShiftEnd {
            ended_at: at(8, 0) - Days::days(1),
            worked_minutes: 120,
            pay_minor: 60_000,
            ..end.clone()
        },
    }])
    .await
    .unwrap();
    eventually(bound, "imported shifts in the totals", async || {
        b.shift_totals(&month, Some(vera.id))
            .await
            .unwrap()
            .iter()
            .map(|t| t.pay_minor)
            .sum::<i64>()
            == 270_000
    })
    .await;

    // Access revoked, and access granted by an approved join request.
    a.revoke_access(site.id, vera.id).await.unwrap();
    eventually(bound, "access revoked", async || {
        !b.has_access(site.id, vera.id).await.unwrap()
            && b.sites_of_employee(vera.id).await.unwrap().is_empty()
    })
    .await;
    let request = app::JoinStore::insert_join_request(&a, site.id, vera.id, at(10, 0))
        .await
        .unwrap();
    app::JoinStore::decide_join_request(&a, request.id, true, at(10, 5))
        .await
        .unwrap();
    eventually(bound, "access by an approved join request", async || {
        b.has_access(site.id, vera.id).await.unwrap()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_is_seen_by_another_process_through_redis() {
    every_write_is_seen_by_the_other_process(pair_on_postgres_and_redis().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_is_seen_by_another_process_through_the_database_feed() {
    every_write_is_seen_by_the_other_process(pair_on_sqlite_and_feed().await).await;
}

/// The database feed returns an entry that became visible after a higher id was read (on
/// PostgreSQL ids are handed out at insert, not at commit), and never returns one twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_returns_a_late_entry_once() {
    use cache::InvalidationFeed;
    let store = sqlite().await;
    let log: Arc<dyn InvalidationLog> = store.clone();
    let feed = StoreFeed::new(log, Arc::new(app::SetClock::new(at(12, 0))));
    assert_eq!(feed.last_id().await.unwrap(), 0);
    for key in ["sites:site:1", "sites:site:2", "sites:site:3"] {
        feed.append(&[key.to_owned()]).await.unwrap();
    }
    // Entry 2 is not visible yet: as if its transaction had not committed.
    sqlx::query("DELETE FROM cache_invalidations WHERE id = 2")
        .execute(store.pool())
        .await
        .unwrap();
    let first = feed.read_after(0, 100).await.unwrap();
    let ids: Vec<i64> = first.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [1, 3]);
    sqlx::query(
        "INSERT INTO cache_invalidations (id, keys, created_at) VALUES (2, 'sites:site:2', 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let late = feed.read_after(3, 100).await.unwrap();
    assert_eq!(late, vec![(2, vec!["sites:site:2".to_owned()])]);
    assert!(feed.read_after(3, 100).await.unwrap().is_empty());
}
