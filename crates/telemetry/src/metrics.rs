//! The process's Prometheus metrics: the one global recorder of the `metrics` facade (installed
//! once, histogram buckets for our latencies), the names and help texts of the families this
//! crate and its callers record, `staffprobot_build_info`, and rendering the text exposition
//! format with the process metrics added at scrape time. The catalog: docs/metrics.md.

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Histogram buckets of every latency, in seconds: from half a millisecond (a cached API
/// request) to ten seconds (a slow job).
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The `Content-Type` of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The commit the binary was built from (`git rev-parse --short HEAD`), or "unknown".
pub const COMMIT: &str = env!("STAFFPROBOT_COMMIT");

/// Metric names recorded through this crate's helpers, the HTTP layer, the stores and the
/// business figures. The cache, jobs and bot crates keep their own next to their code.
pub mod names {
    /// HTTP requests per method, route template (or "unmatched") and status class ("2xx"…).
    pub const HTTP_REQUESTS: &str = "staffprobot_http_requests_total";
    /// Time to the response head, per method and route template.
    pub const HTTP_REQUEST_DURATION: &str = "staffprobot_http_request_duration_seconds";
    /// Requests being handled now.
    pub const HTTP_REQUESTS_IN_FLIGHT: &str = "staffprobot_http_requests_in_flight";
    /// Store method calls per store, operation (the method's name) and outcome.
    pub const DB_QUERIES: &str = "staffprobot_db_queries_total";
    /// Time of a store method call, per store and operation.
    pub const DB_QUERY_DURATION: &str = "staffprobot_db_query_duration_seconds";
    /// The pool's connections per store and state ("idle" | "in_use").
    pub const DB_POOL_CONNECTIONS: &str = "staffprobot_db_pool_connections";
    /// The most connections the pool opens, per store.
    pub const DB_POOL_MAX_CONNECTIONS: &str = "staffprobot_db_pool_max_connections";
    /// Shifts opened in this process.
    pub const SHIFTS_OPENED: &str = "staffprobot_shifts_opened_total";
    /// Shifts closed in this process, per how ("employee" | "automatic" | "owner").
    pub const SHIFTS_CLOSED: &str = "staffprobot_shifts_closed_total";
    /// People on shift now (the whole database).
    pub const SHIFTS_RUNNING: &str = "staffprobot_shifts_running";
    /// People allowed to work at an active site.
    pub const ACTIVE_EMPLOYEES: &str = "staffprobot_active_employees";
    /// Sites not deactivated.
    pub const ACTIVE_SITES: &str = "staffprobot_active_sites";
    /// Owners of at least one active site.
    pub const ACTIVE_OWNERS: &str = "staffprobot_active_owners";
    /// 1, labelled with the version and commit.
    pub const BUILD_INFO: &str = "staffprobot_build_info";
}

/// The installed recorder: renders what was recorded so far. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    /// Refreshes run before each render (pool gauges and the like).
    on_scrape: Arc<Mutex<Vec<Refresh>>>,
}

/// A gauge refresh run before each render.
type Refresh = Arc<dyn Fn() + Send + Sync>;

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

static INSTALLED: OnceLock<Metrics> = OnceLock::new();

/// Whether [`install`] has run: metric handles taken before it are no-ops, so code that keeps
/// handles takes them only after.
pub(crate) fn installed() -> bool {
    INSTALLED.get().is_some()
}

/// Installs the Prometheus recorder as the global `metrics` recorder, describes every family
/// named in [`names`] and sets `staffprobot_build_info{version,commit}`; returns its handle.
/// Only the first call installs: later ones (another test in the same process) return the same
/// handle. Call it before building anything that registers metric handles (the cache does at
/// start), so those land in this recorder.
pub fn install(version: &'static str) -> Metrics {
    INSTALLED
        .get_or_init(|| {
            let recorder = match PrometheusBuilder::new().set_buckets(&LATENCY_BUCKETS) {
                Ok(builder) => builder,
                Err(e) => {
                    tracing::warn!(error = %e, "histogram buckets refused; using summaries");
                    PrometheusBuilder::new()
                }
            }
            .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed: /metrics shows nothing");
            }
            describe();
            metrics::gauge!(names::BUILD_INFO, "version" => version, "commit" => COMMIT).set(1.0);
            spawn_upkeep(handle.clone());
            Metrics {
                handle,
                on_scrape: Arc::default(),
            }
        })
        .clone()
}

/// Histogram samples wait in a buffer until a render drains them; without scrapes the buffer
/// would grow, so a thread drains it every few seconds (the exporter's own listener would; we
/// have none). A thread, not a task: the recorder is installed before the async runtime.
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(5));
                handle.run_upkeep();
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the metrics upkeep thread");
    }
}

impl Metrics {
    /// Runs `refresh` before every render: for gauges read from somewhere else (a pool's
    /// connections) that are cheap to read and would be stale between scrapes otherwise.
    pub fn on_scrape(&self, refresh: impl Fn() + Send + Sync + 'static) {
        let mut list = match self.on_scrape.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        list.push(Arc::new(refresh));
    }

    /// Everything recorded, in the Prometheus text format ([`CONTENT_TYPE`]), the process
    /// metrics (CPU, memory, file descriptors, start time) read now included.
    pub fn render(&self) -> String {
        let refreshes: Vec<_> = match self.on_scrape.lock() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for refresh in refreshes {
            refresh();
        }
        let mut text = self.handle.render();
        crate::process::render(&mut text);
        text
    }
}

/// Help texts and units of the families in [`names`].
fn describe() {
    use names::*;
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by method, route template and status class."
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route template."
    );
    describe_gauge!(HTTP_REQUESTS_IN_FLIGHT, "HTTP requests being handled now.");
    describe_counter!(
        DB_QUERIES,
        "Store calls by store, operation and outcome (error: the database failed)."
    );
    describe_histogram!(
        DB_QUERY_DURATION,
        Unit::Seconds,
        "Time of a store call, by store and operation."
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database pool connections by state (idle, in_use)."
    );
    describe_gauge!(
        DB_POOL_MAX_CONNECTIONS,
        "The most connections the database pool opens."
    );
    describe_counter!(SHIFTS_OPENED, "Shifts opened (by this process).");
    describe_counter!(
        SHIFTS_CLOSED,
        "Shifts closed (by this process), by how: employee, automatic, owner."
    );
    describe_gauge!(SHIFTS_RUNNING, "People on shift now.");
    describe_gauge!(
        ACTIVE_EMPLOYEES,
        "People allowed to work at an active site."
    );
    describe_gauge!(ACTIVE_SITES, "Sites not deactivated.");
    describe_gauge!(ACTIVE_OWNERS, "Owners of at least one active site.");
    describe_gauge!(BUILD_INFO, "1, labelled with the version and git commit.");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn build_info_process_metrics_and_help_texts_are_rendered() {
        let metrics = install("9.9.9");
        // A second install is the same recorder.
        let again = install("0.0.0");
        metrics::counter!(names::SHIFTS_OPENED).increment(1);
        let text = again.render();
        // Under `cargo test` another test may have installed it first, with its own version.
        let version = ["9.9.9", "test", env!("CARGO_PKG_VERSION")]
            .into_iter()
            .find(|v| text.contains(&format!("staffprobot_build_info{{version=\"{v}\"")));
        assert!(version.is_some(), "{text}");
        assert!(
            text.contains(&format!(
                "staffprobot_build_info{{version=\"{}\",commit=\"{COMMIT}\"}} 1",
                version.unwrap_or_default()
            )),
            "{text}"
        );
        assert!(!COMMIT.is_empty());
        assert!(text.contains("# TYPE staffprobot_shifts_opened_total counter"));
        assert!(text.contains("staffprobot_shifts_opened_total 1"), "{text}");
        for family in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_virtual_memory_bytes",
            "process_open_fds",
            "process_max_fds",
            "process_start_time_seconds",
        ] {
            assert!(text.contains(&format!("# TYPE {family} ")), "{family}");
            let value: f64 = text
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{family} ")))
                .unwrap()
                .parse()
                .unwrap();
            if cfg!(target_os = "linux") && family != "process_cpu_seconds_total" {
                assert!(value > 0.0, "{family} = {value}");
            }
        }
        let _ = metrics;
    }

    #[test]
    fn histograms_use_the_latency_buckets_and_refreshes_run_at_scrape() {
        let metrics = install(env!("CARGO_PKG_VERSION"));
        metrics::histogram!(names::DB_QUERY_DURATION, "store" => "sqlite", "operation" => "user")
            .record(0.0007);
        metrics.on_scrape(|| metrics::gauge!(names::SHIFTS_RUNNING).set(7.0));
        let text = metrics.render();
        assert!(text.contains("staffprobot_shifts_running 7"), "{text}");
        assert!(
            text.contains(
                "staffprobot_db_query_duration_seconds_bucket{store=\"sqlite\",operation=\"user\",le=\"0.0005\"} 0"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "staffprobot_db_query_duration_seconds_bucket{store=\"sqlite\",operation=\"user\",le=\"0.001\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("# HELP staffprobot_db_query_duration_seconds"));
    }
}
