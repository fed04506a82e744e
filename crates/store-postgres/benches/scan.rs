//! One scheduler scan on PostgreSQL over 1,000,000 planned shifts and 1,000,000 shifts spread
//! over a year (see BENCHMARKS.md, "Scheduler scan"): the reminder scan (`plans_to_remind`, a 2 h
//! window), the no-show scan (`plans_not_started`) and the auto-close query (`running_shift_starts`),
//! each timed through the store port. The data are seeded once with SQL into a database of
//! their own (`staffprobot_bench_scan`, kept between runs); the instants are fixed, so every run
//! scans the same rows.
//!
//! `cargo bench -p store-postgres --bench scan` (`BENCH_PG_SERVER`, default
//! `postgres://postgres@127.0.0.1:5432`; `SCAN_RUNS`, default 300).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use std::time::Instant;
use store_postgres::PgStore;
use testkit::scan_bench::now;

const BENCH_DB: &str = "staffprobot_bench_scan";
const OWNERS: i64 = 1_000;
const SITES: i64 = 2_000;
const EMPLOYEES: i64 = 10_000;
const PLANS: i64 = 1_000_000;
const SHIFTS: i64 = 1_000_000;
/// Each employee gets one plan (and one shift) every 5,256 minutes (3.65 days): 100 a year.
const SLOT_MINUTES: i64 = 5_256;

fn server_url() -> String {
    std::env::var("BENCH_PG_SERVER").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Seeds the database unless a previous run did. Owners and employees, two sites per owner,
/// employees spread over the sites; a plan per employee every 3.65 days (8 h long, past ones
/// done, missed or cancelled and reminded, future ones planned, 5 % cancelled, the last half
/// hour's still planned: late); a shift per employee every 3.65 days up to now (those started
/// in the last 8 h still active, about 900).
async fn seed() -> PgStore {
    let server = server_url();
    let url = format!("{server}/{BENCH_DB}");
    if let Ok(store) = PgStore::connect(&url).await {
        let seeded: Option<i64> = sqlx::query_scalar("SELECT id FROM planned_shifts WHERE id = $1")
            .bind(PLANS)
            .fetch_optional(store.pool())
            .await
            .unwrap_or(None);
        if seeded.is_some() {
            store.migrate().await.unwrap();
            return store;
        }
        store.pool().close().await;
    }
    let admin = PgStore::connect(&format!("{server}/postgres"))
        .await
        .unwrap();
    for sql in [
        format!("DROP DATABASE IF EXISTS {BENCH_DB}"),
        format!("CREATE DATABASE {BENCH_DB}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(admin.pool())
            .await
            .unwrap();
    }
    let store = PgStore::connect_with(
        &url,
        store_postgres::PoolSettings {
            statement_timeout: None,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    eprintln!("seeding {BENCH_DB} (once; a few minutes)…");
    let started = Instant::now();
    let now = now();
    let plans_from = now - Duration::days(182);
    let statements: Vec<(String, Vec<DateTime<Utc>>)> = vec![
        (
            format!(
                "INSERT INTO users (id, telegram_id, name, language, is_owner) \
                 SELECT g, 9000000000 + g, 'Bench ' || g, 'ru', g <= {OWNERS} \
                 FROM generate_series(1, {OWNERS} + {EMPLOYEES}) AS g"
            ),
            vec![],
        ),
        (
            format!(
                "INSERT INTO sites (id, owner_id, name, latitude, longitude, geofence_radius_m, \
                     opens_at, closes_at, time_zone, hourly_rate_minor, currency, join_code) \
                 SELECT g, (g - 1) % {OWNERS} + 1, 'Site ' || g, 55.75, 37.62, 100, '09:00', \
                     '21:00', 'Europe/Moscow', 35000, 'RUB', \
                     translate(lpad(g::text, 10, '0'), '0123456789', 'abcdefghjk') \
                 FROM generate_series(1, {SITES}) AS g"
            ),
            vec![],
        ),
        (
            format!(
                "INSERT INTO site_access (site_id, user_id) \
                 SELECT (e - 1) % {SITES} + 1, {OWNERS} + e FROM generate_series(1, {EMPLOYEES}) AS e"
            ),
            vec![],
        ),
        // Plan n: employee n % E, slot n / E; its start within the slot depends on the
        // employee only, so one employee's plans never overlap. Shifts the same, counted back
        // from now (those started in the last 8 h still run).
        (
            format!(
                "INSERT INTO planned_shifts (id, employee_id, site_id, starts_at, ends_at, status, \
                     reminded_at, no_show_reported_at) \
                 SELECT n + 1, {OWNERS} + e + 1, e % {SITES} + 1, s, s + interval '8 hours', \
                     CASE WHEN n % 20 = 0 THEN 'cancelled' \
                          WHEN s > $2 - interval '30 minutes' THEN 'planned' \
                          WHEN n % 20 = 1 THEN 'missed' ELSE 'done' END, \
                     CASE WHEN s <= $2 THEN s - interval '2 hours' END, \
                     CASE WHEN s <= $2 - interval '30 minutes' AND n % 20 = 1 \
                          THEN s + interval '15 minutes' END \
                 FROM generate_series(0, {PLANS} - 1) AS n, \
                     LATERAL (SELECT n % {EMPLOYEES} AS e) AS p, \
                     LATERAL (SELECT $1 + make_interval(mins => \
                         ((n / {EMPLOYEES}) * {SLOT_MINUTES} + (e * 37) % {SLOT_MINUTES})::int) AS s) AS t"
            ),
            vec![plans_from, now],
        ),
        (
            format!(
                "INSERT INTO shifts (id, employee_id, site_id, status, started_at, start_latitude, \
                     start_longitude, start_accuracy_m, start_distance_m, ended_at, end_latitude, \
                     end_longitude, end_distance_m, hourly_rate_minor, currency, worked_minutes, \
                     pay_minor) \
                 SELECT n + 1, {OWNERS} + e + 1, e % {SITES} + 1, \
                     CASE WHEN active THEN 'active' ELSE 'closed' END, s, 55.7501, 37.6201, 12, \
                     13, CASE WHEN NOT active THEN s + interval '8 hours' END, \
                     CASE WHEN NOT active THEN 55.7499 END, \
                     CASE WHEN NOT active THEN 37.6199 END, CASE WHEN NOT active THEN 11 END, \
                     35000, 'RUB', CASE WHEN NOT active THEN 480 END, \
                     CASE WHEN NOT active THEN 280000 END \
                 FROM generate_series(0, {SHIFTS} - 1) AS n, \
                     LATERAL (SELECT n % {EMPLOYEES} AS e) AS p, \
                     LATERAL (SELECT $1 - make_interval(mins => \
                         ((n / {EMPLOYEES}) * {SLOT_MINUTES} + (e * 37) % {SLOT_MINUTES})::int) AS s) AS t, \
                     LATERAL (SELECT s > $1 - interval '8 hours' AS active) AS a"
            ),
            vec![now],
        ),
    ];
    for (sql, binds) in statements {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        q.execute(store.pool()).await.unwrap();
    }
    for table in ["users", "sites", "planned_shifts", "shifts"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )))
        .execute(store.pool())
        .await
        .unwrap();
    }
    sqlx::query("VACUUM ANALYZE")
        .execute(store.pool())
        .await
        .unwrap();
    eprintln!("seeded in {:.0} s", started.elapsed().as_secs_f64());
    store
}

async fn explain(store: &PgStore, sql: &str, binds: &[DateTime<Utc>]) {
    let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"
    )));
    for b in binds {
        q = q.bind(*b);
    }
    for line in q.fetch_all(store.pool()).await.unwrap() {
        println!("    {line}");
    }
}

fn main() {
    let runs = testkit::scan_bench::runs();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = seed().await;
        let counts: (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM planned_shifts), (SELECT count(*) FROM shifts)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        println!(
            "{BENCH_DB}: {} planned shifts, {} shifts, {EMPLOYEES} employees, {SITES} sites; \
             {runs} scans each at {}",
            counts.0,
            counts.1,
            now()
        );
        testkit::scan_bench::time_scans(&store, runs).await;
        if std::env::var_os("SCAN_EXPLAIN").is_some() {
            let now = now();
            explain(
                &store,
                "SELECT id FROM planned_shifts WHERE status = 'planned' AND reminded_at IS NULL \
                 AND starts_at > $1 AND starts_at <= $2 ORDER BY starts_at, id LIMIT 500",
                &[now, now + Duration::hours(2)],
            )
            .await;
            explain(
                &store,
                "SELECT id FROM planned_shifts WHERE status = 'planned' \
                 AND no_show_reported_at IS NULL AND starts_at <= $1 \
                 ORDER BY starts_at, id LIMIT 500",
                &[now - Duration::minutes(15)],
            )
            .await;
            explain(
                &store,
                "SELECT id FROM shifts WHERE status = 'active' ORDER BY started_at, id",
                &[],
            )
            .await;
        }
    });
}
