//! Rendering `/metrics` with every family of the catalog (docs/metrics.md) at a realistic
//! number of series: what one Prometheus scrape costs the process (target ≤ 5 ms; BENCHMARKS.md).
//! The series are recorded through the same `metrics` macros the code uses, with label values
//! of the real shapes (route templates, store operations, job kinds, bot commands).
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use metrics::{counter, gauge, histogram};

/// Records every family once, with this many distinct label values per family: routes, store
/// operations, job kinds, bot commands and Telegram methods as the code has them.
fn record_all_families() -> usize {
    let routes: Vec<String> = (0..30)
        .map(|i| format!("/api/v1/resource{i}/{{id}}"))
        .collect();
    let mut series = 0;
    for route in &routes {
        for method in ["GET", "POST"] {
            for status in ["2xx", "4xx", "5xx"] {
                counter!("staffprobot_http_requests_total", "method" => method, "route" => route.clone(), "status" => status).increment(3);
                series += 1;
            }
            histogram!("staffprobot_http_request_duration_seconds", "method" => method, "route" => route.clone()).record(0.0004);
            series += 1;
        }
    }
    gauge!("staffprobot_http_requests_in_flight").set(1.0);
    // Both stores' methods: about 100 operations, each ok and some in error.
    for op in 0..100 {
        let operation = format!("store_method_{op}");
        for outcome in ["ok", "error"] {
            counter!("staffprobot_db_queries_total", "store" => "postgres", "operation" => operation.clone(), "outcome" => outcome).increment(5);
            series += 1;
        }
        histogram!("staffprobot_db_query_duration_seconds", "store" => "postgres", "operation" => operation).record(0.0012);
        series += 1;
    }
    for state in ["idle", "in_use"] {
        gauge!("staffprobot_db_pool_connections", "store" => "postgres", "state" => state).set(3.0);
    }
    gauge!("staffprobot_db_pool_max_connections", "store" => "postgres").set(10.0);
    for kind in ["people", "sites", "active_shifts", "analytics"] {
        for tier in ["l1", "l2"] {
            for result in ["hit", "miss"] {
                counter!("staffprobot_cache_requests_total", "kind" => kind, "tier" => tier, "result" => result).increment(9);
            }
            counter!("staffprobot_cache_errors_total", "kind" => kind, "tier" => tier).increment(0);
            for cause in ["size", "expired"] {
                counter!("staffprobot_cache_evictions_total", "kind" => kind, "tier" => tier, "cause" => cause).increment(1);
            }
            series += 5;
        }
        for result in ["ok", "error"] {
            counter!("staffprobot_cache_loads_total", "kind" => kind, "result" => result)
                .increment(2);
        }
        histogram!("staffprobot_cache_load_duration_seconds", "kind" => kind).record(0.002);
        counter!("staffprobot_cache_invalidations_total", "kind" => kind).increment(1);
        counter!("staffprobot_cache_invalidations_received_total", "kind" => kind).increment(1);
        counter!("staffprobot_cache_stale_total", "kind" => kind).increment(0);
        series += 6;
    }
    gauge!("staffprobot_cache_channel_up").set(1.0);
    counter!("staffprobot_cache_channel_losses_total").increment(0);
    for k in 0..16 {
        let kind = format!("job.kind{k}");
        counter!("staffprobot_jobs_enqueued_total", "kind" => kind.clone()).increment(4);
        counter!("staffprobot_jobs_started_total", "kind" => kind.clone()).increment(4);
        for outcome in ["succeeded", "duplicate", "retried", "dead_lettered"] {
            counter!("staffprobot_jobs_processed_total", "kind" => kind.clone(), "outcome" => outcome).increment(1);
        }
        histogram!("staffprobot_job_duration_seconds", "kind" => kind).record(0.02);
        series += 7;
    }
    for area in ["notifications", "shifts", "analytics"] {
        for state in ["ready", "delayed", "dead"] {
            gauge!("staffprobot_queue_depth", "area" => area, "state" => state).set(0.0);
            series += 1;
        }
    }
    gauge!("staffprobot_outbox_depth").set(0.0);
    counter!("staffprobot_outbox_relayed_total").increment(10);
    for e in 0..6 {
        let entry = format!("entry{e}");
        counter!("staffprobot_schedule_ticks_total", "entry" => entry.clone()).increment(1);
        gauge!("staffprobot_schedule_last_tick_timestamp_seconds", "entry" => entry.clone())
            .set(1.8e9);
        gauge!("staffprobot_schedule_period_seconds", "entry" => entry).set(300.0);
        series += 3;
    }
    gauge!("staffprobot_scheduler_leader").set(1.0);
    counter!("staffprobot_shifts_opened_total").increment(1);
    for how in ["employee", "automatic", "owner"] {
        counter!("staffprobot_shifts_closed_total", "how" => how).increment(1);
    }
    for g in [
        "staffprobot_shifts_running",
        "staffprobot_active_employees",
        "staffprobot_active_sites",
        "staffprobot_active_owners",
    ] {
        gauge!(g).set(42.0);
    }
    for kind in ["message", "command", "callback", "location", "other"] {
        counter!("staffprobot_bot_updates_total", "kind" => kind).increment(3);
        histogram!("staffprobot_bot_handler_duration_seconds", "kind" => kind).record(0.003);
        counter!("staffprobot_bot_handler_errors_total", "kind" => kind).increment(0);
        series += 3;
    }
    for c in 0..16 {
        counter!("staffprobot_bot_commands_total", "command" => format!("command{c}")).increment(1);
        series += 1;
    }
    for m in 0..12 {
        for outcome in ["ok", "retry_after", "blocked", "error"] {
            counter!("staffprobot_telegram_requests_total", "method" => format!("method{m}"), "outcome" => outcome).increment(1);
            series += 1;
        }
    }
    counter!("staffprobot_telegram_retry_after_total").increment(0);
    counter!("staffprobot_telegram_retries_total").increment(0);
    series + 30
}

fn scrape(c: &mut Criterion) {
    let metrics = telemetry::install(env!("CARGO_PKG_VERSION"));
    let series = record_all_families();
    let text = metrics.render();
    let lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count();
    println!(
        "/metrics: {series} labelled series recorded, {lines} sample lines, {} bytes",
        text.len()
    );
    c.bench_function("render /metrics, every family", |b| {
        b.iter(|| {
            // Histograms get new samples between scrapes, as they do in a live process.
            histogram!("staffprobot_db_query_duration_seconds", "store" => "postgres", "operation" => "store_method_1").record(0.001);
            metrics.render()
        })
    });
}

criterion_group!(benches, scrape);
criterion_main!(benches);
