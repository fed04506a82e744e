//! The scheduler-scan benchmark's measured part, the same on both stores (each seeds its own
//! database): the reminder scan, the no-show scan and the auto-close query through the store
//! ports, each timed `runs` times at a fixed "now" (see BENCHMARKS.md, "Scheduler scan").
#![allow(clippy::unwrap_used)]

use app::ShiftStore;
use app::background::PlanScanStore;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::time::Instant;

/// The bench's "now", in the middle of the seeded year.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 10, 0, 0).unwrap()
}

/// Plans a scan takes at most, as the scheduler asks.
pub const LIMIT: u32 = 500;

/// `SCAN_RUNS`, default 300.
pub fn runs() -> usize {
    std::env::var("SCAN_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// Times the three scans and prints a line each (rows, median, p99, max).
pub async fn time_scans<S: PlanScanStore + ShiftStore>(store: &S, runs: usize) {
    let now = now();
    time("plans_to_remind (2 h window)", runs, || async {
        store
            .plans_to_remind(now, now + Duration::hours(2), LIMIT)
            .await
            .unwrap()
            .len()
    })
    .await;
    time("plans_not_started (15 min late)", runs, || async {
        store
            .plans_not_started(now - Duration::minutes(15), LIMIT)
            .await
            .unwrap()
            .len()
    })
    .await;
    time("running_shift_starts (auto-close)", runs, || async {
        store.running_shift_starts().await.unwrap().len()
    })
    .await;
}

async fn time<F, Fut>(name: &str, runs: usize, mut scan: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let runs = runs.max(1);
    for _ in 0..20 {
        scan().await;
    }
    let mut took = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = scan().await;
        took.push(t.elapsed());
    }
    took.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let p99 = took[(runs * 99 / 100).min(runs - 1)];
    println!(
        "{name:<34} rows {rows:>4}   median {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms",
        ms(took[runs / 2]),
        ms(p99),
        ms(took[runs - 1])
    );
}
