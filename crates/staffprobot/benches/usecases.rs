//! Use-case benchmarks on the real databases (see BENCHMARKS.md for the command and figures):
//! open + close a shift on PostgreSQL and SQLite, and the monthly summary report for one owner
//! over demo data scaled to about 1,000,000 shifts on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::{NoEvents, PeopleStore, Policy, SiteStore, StaffPro, Store, SystemClock};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use demo::{DEMO_OWNER_TELEGRAM_ID, DemoOptions};
use domain::{Language, LocationFix, SitePatch};
use std::sync::Arc;
use store_postgres::PgStore;
use store_sqlite::SqliteStore;

const BENCH_DB: &str = "staffprobot_bench_1m";
/// Copies of the demo businesses × a year of history ≈ 1,000,000 finished shifts.
const COPIES: u32 = 66;
const HISTORY_DAYS: u32 = 365;

fn server_url() -> String {
    std::env::var("BENCH_PG_SERVER").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn service(store: Arc<dyn Store>) -> StaffPro {
    StaffPro::new(
        store,
        Arc::new(SystemClock),
        Arc::new(NoEvents),
        Policy::default(),
    )
}

/// An owner with one site and one employee with access to it.
async fn one_site(app: &StaffPro) -> (domain::User, domain::SiteId) {
    let owner = app.add_owner(1, "Owner", Language::Ru).await.unwrap();
    let site = app
        .create_site(
            &owner,
            SitePatch {
                name: Some("Кофейня".into()),
                latitude: Some(55.75),
                longitude: Some(37.62),
                opens_at: Some("00:00".into()),
                closes_at: Some("00:00".into()),
                hourly_rate_minor: Some(35_000),
                ..SitePatch::default()
            },
        )
        .await
        .unwrap();
    let employee = app
        .register_user(2, "Employee", Language::Ru)
        .await
        .unwrap();
    app.add_employee(&owner, site.id, 2, None).await.unwrap();
    (employee, site.id)
}

fn fix() -> LocationFix {
    LocationFix {
        coordinates: domain::Coordinates::new(55.7501, 37.6201).unwrap(),
        accuracy_m: Some(10.0),
        taken_at: Utc::now(),
        forwarded: false,
    }
}

fn open_close(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let stores: Vec<(&str, Arc<dyn Store>)> = rt.block_on(async {
        let pg = PgStore::connect(
            &store_postgres::test_support::fresh_database()
                .await
                .unwrap(),
        )
        .await
        .unwrap();
        pg.migrate().await.unwrap();
        let lite = SqliteStore::connect(&format!("sqlite://{}/bench.db", dir.path().display()))
            .await
            .unwrap();
        lite.migrate().await.unwrap();
        vec![
            ("postgres", Arc::new(pg) as Arc<dyn Store>),
            ("sqlite", Arc::new(lite) as Arc<dyn Store>),
        ]
    });
    let mut group = c.benchmark_group("open_close_shift");
    for (name, store) in stores {
        let app = service(store);
        let (employee, site_id) = rt.block_on(one_site(&app));
        group.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                app.open_shift(&employee, site_id, fix()).await.unwrap();
                app.close_shift(&employee, fix()).await.unwrap();
            })
        });
    }
    group.finish();
}

/// Connects to the benchmark database, loading the scaled demo data the first time.
async fn million_shift_store() -> Arc<dyn Store> {
    let server = server_url();
    let admin = PgStore::connect(&format!("{server}/postgres"))
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(BENCH_DB)
            .fetch_one(admin.pool())
            .await
            .unwrap();
    if !exists {
        sqlx::query("CREATE DATABASE staffprobot_bench_1m")
            .execute(admin.pool())
            .await
            .unwrap();
    }
    let store = PgStore::connect(&format!("{server}/{BENCH_DB}"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let shifts: i64 = sqlx::query_scalar("SELECT count(*) FROM shifts")
        .fetch_one(store.pool())
        .await
        .unwrap();
    if shifts == 0 {
        eprintln!("loading ~1,000,000 demo shifts into {BENCH_DB} (once)…");
        let app = service(Arc::new(store.clone()));
        let opts = DemoOptions {
            seed: 7,
            history_days: HISTORY_DAYS,
            copies: COPIES,
            live_data: false,
        };
        let summary = demo::seed(&app, opts).await.unwrap();
        eprintln!("loaded {} shifts", summary.finished_shifts);
        sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    }
    // A regional manager of every site: the heaviest report one person can ask for.
    if store
        .user_by_telegram_id(CHAIN_MANAGER_TELEGRAM_ID)
        .await
        .unwrap()
        .is_none()
    {
        let app = service(Arc::new(store.clone()));
        let manager = app
            .register_user(CHAIN_MANAGER_TELEGRAM_ID, "Chain manager", Language::Ru)
            .await
            .unwrap();
        let site_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM sites")
            .fetch_all(store.pool())
            .await
            .unwrap();
        for id in site_ids {
            store
                .grant_manager(domain::SiteId(id), manager.id)
                .await
                .unwrap();
        }
    }
    Arc::new(store)
}

const CHAIN_MANAGER_TELEGRAM_ID: i64 = 9_300_000_000;

fn last_full_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_this = today.with_day(1).unwrap();
    let last_prev = first_this - Duration::days(1);
    (last_prev.with_day(1).unwrap(), last_prev)
}

fn monthly_report(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = service(rt.block_on(million_shift_store()));
    let owner = rt
        .block_on(app.store().user_by_telegram_id(DEMO_OWNER_TELEGRAM_ID))
        .unwrap()
        .expect("the demo owner exists");
    let (from, to) = last_full_month(Utc::now().date_naive());
    let report = rt.block_on(app.summary(&owner, from, to, None)).unwrap();
    eprintln!(
        "report {from}..{to}: {} shifts, {} employees, {} sites",
        report.shifts,
        report.employees.len(),
        report.sites.len()
    );
    assert!(report.shifts > 0);
    c.bench_function("monthly_summary_1m_shifts/postgres", |b| {
        b.to_async(&rt)
            .iter(|| async { app.summary(&owner, from, to, None).await.unwrap() })
    });
    let manager = rt
        .block_on(app.store().user_by_telegram_id(CHAIN_MANAGER_TELEGRAM_ID))
        .unwrap()
        .expect("the chain manager exists");
    let all = rt.block_on(app.summary(&manager, from, to, None)).unwrap();
    eprintln!(
        "every site {from}..{to}: {} shifts, {} employees, {} sites",
        all.shifts,
        all.employees.len(),
        all.sites.len()
    );
    c.bench_function("monthly_summary_1m_shifts_every_site/postgres", |b| {
        b.to_async(&rt)
            .iter(|| async { app.summary(&manager, from, to, None).await.unwrap() })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(8));
    targets = open_close, monthly_report
}
criterion_main!(benches);
