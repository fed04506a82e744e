//! One scheduler scan on SQLite over 1,000,000 planned shifts and 1,000,000 shifts spread over a
//! year (see BENCHMARKS.md, "Scheduler scan"): the reminder scan (`plans_to_remind`, a 2 h
//! window), the no-show scan (`plans_not_started`) and the auto-close query (`running_shift_starts`),
//! each timed through the store port. The same data as store-postgres's `scan` bench, seeded
//! once with SQL into a file kept between runs; the instants are fixed.
//!
//! `cargo bench -p store-sqlite --bench scan` (`SCAN_SQLITE_DB`, default
//! `/tmp/staffprobot_bench_scan.db`; `SCAN_RUNS`, default 300).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;
use store_sqlite::SqliteStore;
use testkit::scan_bench::now;

const OWNERS: i64 = 1_000;
const SITES: i64 = 2_000;
const EMPLOYEES: i64 = 10_000;
const PLANS: i64 = 1_000_000;
const SHIFTS: i64 = 1_000_000;
/// Each employee gets one plan (and one shift) every 5,256 minutes (3.65 days): 100 a year.
const SLOT_MINUTES: i64 = 5_256;
const MINUTE: i64 = 60_000_000;
const HOUR: i64 = 60 * MINUTE;

/// The same rows as the PostgreSQL bench (see there), instants in microseconds.
async fn seed(store: &SqliteStore) {
    let seeded: Option<i64> = sqlx::query_scalar("SELECT id FROM planned_shifts WHERE id = ?")
        .bind(PLANS)
        .fetch_optional(store.pool())
        .await
        .unwrap();
    if seeded.is_some() {
        return;
    }
    eprintln!("seeding (once; a minute or two)…");
    let started = Instant::now();
    let now = now().timestamp_micros();
    let plans_from = now - 182 * 24 * HOUR;
    let digits_to_letters = (0..10).fold("printf('%010d', g)".to_owned(), |acc, d| {
        let letter = "abcdefghjk".as_bytes()[d] as char;
        format!("replace({acc}, '{d}', '{letter}')")
    });
    let numbers = |count: i64| {
        format!(
            "WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < {count} - 1)"
        )
    };
    let statements = [
        format!(
            "WITH RECURSIVE u(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM u \
                 WHERE g < {OWNERS} + {EMPLOYEES}) \
             INSERT INTO users (id, telegram_id, name, language, is_owner) \
             SELECT g, 9000000000 + g, 'Bench ' || g, 'ru', g <= {OWNERS} FROM u"
        ),
        format!(
            "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {SITES}) \
             INSERT INTO sites (id, owner_id, name, latitude, longitude, geofence_radius_m, \
                 opens_at, closes_at, time_zone, hourly_rate_minor, currency, join_code) \
             SELECT g, (g - 1) % {OWNERS} + 1, 'Site ' || g, 55.75, 37.62, 100, '09:00', \
                 '21:00', 'Europe/Moscow', 35000, 'RUB', {digits_to_letters} FROM s"
        ),
        format!(
            "WITH RECURSIVE a(e) AS (SELECT 1 UNION ALL SELECT e + 1 FROM a WHERE e < {EMPLOYEES}) \
             INSERT INTO site_access (site_id, user_id) \
             SELECT (e - 1) % {SITES} + 1, {OWNERS} + e FROM a"
        ),
        format!(
            "{} INSERT INTO planned_shifts (id, employee_id, site_id, starts_at, ends_at, status, \
                 reminded_at, no_show_reported_at, created_at) \
             SELECT n + 1, {OWNERS} + e + 1, e % {SITES} + 1, s, s + 8 * {HOUR}, \
                 CASE WHEN n % 20 = 0 THEN 'cancelled' \
                      WHEN s > {now} - 30 * {MINUTE} THEN 'planned' \
                      WHEN n % 20 = 1 THEN 'missed' ELSE 'done' END, \
                 CASE WHEN s <= {now} THEN s - 2 * {HOUR} END, \
                 CASE WHEN s <= {now} - 30 * {MINUTE} AND n % 20 = 1 THEN s + 15 * {MINUTE} END, \
                 s - 24 * {HOUR} \
             FROM (SELECT n, e, {plans_from} + ((n / {EMPLOYEES}) * {SLOT_MINUTES} \
                     + (e * 37) % {SLOT_MINUTES}) * {MINUTE} AS s \
                   FROM (SELECT n, n % {EMPLOYEES} AS e FROM g))",
            numbers(PLANS)
        ),
        format!(
            "{} INSERT INTO shifts (id, employee_id, site_id, status, started_at, start_latitude, \
                 start_longitude, start_accuracy_m, start_distance_m, ended_at, end_latitude, \
                 end_longitude, end_distance_m, hourly_rate_minor, currency, worked_minutes, \
                 pay_minor) \
             SELECT n + 1, {OWNERS} + e + 1, e % {SITES} + 1, \
                 CASE WHEN active THEN 'active' ELSE 'closed' END, s, 55.7501, 37.6201, 12.0, \
                 13.0, CASE WHEN NOT active THEN s + 8 * {HOUR} END, \
                 CASE WHEN NOT active THEN 55.7499 END, CASE WHEN NOT active THEN 37.6199 END, \
                 CASE WHEN NOT active THEN 11.0 END, 35000, 'RUB', \
                 CASE WHEN NOT active THEN 480 END, CASE WHEN NOT active THEN 280000 END \
             FROM (SELECT n, e, s, s > {now} - 8 * {HOUR} AS active \
                   FROM (SELECT n, e, {now} - ((n / {EMPLOYEES}) * {SLOT_MINUTES} \
                           + (e * 37) % {SLOT_MINUTES}) * {MINUTE} AS s \
                         FROM (SELECT n, n % {EMPLOYEES} AS e FROM g)))",
            numbers(SHIFTS)
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(store.pool())
            .await
            .unwrap();
    }
    eprintln!("seeded in {:.0} s", started.elapsed().as_secs_f64());
}

fn main() {
    let runs = testkit::scan_bench::runs();
    let path =
        std::env::var("SCAN_SQLITE_DB").unwrap_or_else(|_| "/tmp/staffprobot_bench_scan.db".into());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SqliteStore::connect(&format!("sqlite://{path}"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        seed(&store).await;
        let counts: (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM planned_shifts), (SELECT count(*) FROM shifts)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        println!(
            "{path}: {} planned shifts, {} shifts, {EMPLOYEES} employees, {SITES} sites; \
             {runs} scans each at {}",
            counts.0,
            counts.1,
            now()
        );
        testkit::scan_bench::time_scans(&store, runs).await;
    });
}
