//! The demo generator on a real (SQLite) store at a set instant: what it loads, that it loads
//! the same data for the same seed, and that it refuses to load twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::clock::SetClock;
use app::{NoEvents, Policy, StaffPro};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use demo::{DEMO_OWNER_TELEGRAM_ID, DemoError, DemoOptions, DemoSummary};
use std::sync::Arc;
use store_sqlite::SqliteStore;

/// A Tuesday, 12:00 in Moscow: the day sites are open and plans fit.
fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

async fn service(at: DateTime<Utc>) -> StaffPro {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    StaffPro::new(
        Arc::new(store),
        Arc::new(SetClock::new(at)),
        Arc::new(NoEvents),
        Policy::default(),
    )
}

fn small(seed: u64) -> DemoOptions {
    DemoOptions {
        seed,
        history_days: 7,
        copies: 1,
        live_data: true,
    }
}

/// What seed 42 loads over 7 days at [`noon`]: pinned, so a change to the generator (which the
/// benchmarks' figures depend on) is a deliberate one.
const FINISHED_42: u64 = 305;
const ACTIVE_42: u64 = 9;
const PLANNED_42: u64 = 427;

/// Shifts and worked minutes of every demo owner's report over the seeded week (and the days around it: a shift may start before midnight).
async fn totals(app: &StaffPro) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for k in 0..3 {
        let owner = app
            .store()
            .user_by_telegram_id(DEMO_OWNER_TELEGRAM_ID + k)
            .await
            .unwrap()
            .unwrap();
        let from = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let s = app.summary(&owner, from, to, None).await.unwrap();
        out.push((s.shifts, s.worked_minutes));
    }
    out
}

#[tokio::test]
async fn seeds_three_businesses_with_history_running_shifts_and_plans() {
    let app = service(noon()).await;
    let s = demo::seed(&app, small(42)).await.unwrap();
    assert_eq!(
        s.owners,
        vec![
            (9_100_000_001, "Анна Смирнова".to_owned()),
            (9_100_000_002, "Игорь Петров".to_owned()),
            (9_100_000_003, "Olga Kuznetsova".to_owned()),
        ]
    );
    assert_eq!((s.sites, s.employees), (12, 60));
    assert_eq!(s.finished_shifts, FINISHED_42);
    assert_eq!(s.active_shifts, ACTIVE_42);
    assert_eq!(s.planned_shifts, PLANNED_42);
    let reported: i64 = totals(&app).await.iter().map(|(n, _)| n).sum();
    assert_eq!(
        reported, FINISHED_42 as i64,
        "every finished shift is reported"
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let first = service(noon()).await;
    let second = service(noon()).await;
    let other = service(noon()).await;
    let a = demo::seed(&first, small(42)).await.unwrap();
    let b = demo::seed(&second, small(42)).await.unwrap();
    let c = demo::seed(&other, small(7)).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(totals(&first).await, totals(&second).await);
    assert_ne!(totals(&first).await, totals(&other).await);
    assert_ne!(a, DemoSummary::default());
    assert_eq!(c.employees, 60);
}

#[tokio::test]
async fn seeding_twice_is_refused_and_changes_nothing() {
    let app = service(noon()).await;
    demo::seed(&app, small(42)).await.unwrap();
    let before = totals(&app).await;
    let again = demo::seed(&app, small(42)).await;
    assert!(
        matches!(again, Err(DemoError::AlreadyLoaded(DEMO_OWNER_TELEGRAM_ID))),
        "{again:?}"
    );
    assert_eq!(totals(&app).await, before);
}
