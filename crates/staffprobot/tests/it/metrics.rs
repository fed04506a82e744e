//! Scraping the real processes: `run` serves `/metrics` on its HTTP port, a worker on
//! `PROMETHEUS_PORT=0` (any free port, printed at start); each shows the catalog's families
//! (docs/metrics.md) with the documented labels.

use crate::{get, issue_token, ok, staffprobot, start};
use std::time::{Duration, Instant};
use testkit::metrics::value;

/// Scrapes `url` until `ready` accepts the text (the business gauges are counted just after the
/// start, the worker's first polls take a moment); gives up after 20 s with the last text.
fn scrape_until(url: &str, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, text) = get(url, None);
        assert_eq!(status, 200, "{text}");
        if ready(&text) || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn common_families(text: &str) {
    for family in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_virtual_memory_bytes",
        "process_open_fds",
        "process_max_fds",
        "process_start_time_seconds",
        "staffprobot_build_info",
        "staffprobot_db_pool_connections",
        "staffprobot_db_pool_max_connections",
        "staffprobot_db_queries_total",
        "staffprobot_db_query_duration_seconds",
        "staffprobot_shifts_opened_total",
        "staffprobot_shifts_closed_total",
        "staffprobot_shifts_running",
        "staffprobot_active_employees",
        "staffprobot_active_sites",
        "staffprobot_active_owners",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{family}:\n{text}"
        );
    }
    assert!(
        text.contains(&format!(
            "staffprobot_build_info{{version=\"{}\",commit=\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    assert_eq!(
        value(
            text,
            r#"staffprobot_db_pool_max_connections{store="sqlite"}"#
        ),
        Some(8.0),
        "{text}"
    );
    assert_eq!(
        value(text, r#"staffprobot_shifts_closed_total{how="automatic"}"#),
        Some(0.0)
    );
}

#[test]
fn run_serves_metrics_on_its_http_port() {
    let dir = tempfile::tempdir().unwrap();
    ok(staffprobot(dir.path(), &[])
        .args(["owner", "add", "--telegram-id", "555", "--name", "Анна"])
        .output()
        .unwrap());
    let token = issue_token(dir.path(), &[], "555");
    let run = start(dir.path(), &["run"], &[]);
    let metrics_url = format!("{}/metrics", run.base);
    assert!(
        run.lines.iter().any(|l| l.contains(&metrics_url)),
        "{:?}",
        run.lines
    );
    assert_eq!(
        get(&format!("{}/api/v1/sites", run.base), Some(&token)).0,
        200
    );
    assert_eq!(
        get(&format!("{}/api/v1/sites/12345", run.base), Some(&token)).0,
        404
    );
    let text = scrape_until(&metrics_url, |t| {
        value(t, "staffprobot_active_owners").is_some()
    });
    common_families(&text);
    assert_eq!(
        value(
            &text,
            r#"staffprobot_http_requests_total{method="GET",route="/api/v1/sites",status="2xx"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            r#"staffprobot_http_requests_total{method="GET",route="/api/v1/sites/{id}",status="4xx"}"#
        ),
        Some(1.0),
        "{text}"
    );
    // The token's owner was read from the database (then cached): a store call, timed.
    assert!(
        value(&text, r#"staffprobot_db_queries_total{store="sqlite",operation="user_by_token_hash",outcome="ok"}"#)
            .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    // Nothing is deactivated: the owner counts as active once a site exists; none does yet.
    assert_eq!(value(&text, "staffprobot_active_sites"), Some(0.0));
    // The cache's own families live in the same registry.
    assert!(
        text.contains("# TYPE staffprobot_cache_requests_total counter"),
        "{text}"
    );
    run.stop();
}

#[test]
fn a_worker_serves_metrics_on_prometheus_port() {
    let dir = tempfile::tempdir().unwrap();
    ok(staffprobot(dir.path(), &[])
        .arg("migrate")
        .output()
        .unwrap());
    let worker = start(dir.path(), &["worker"], &[("PROMETHEUS_PORT", "0")]);
    let url = worker
        .lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("Metrics:"))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("a Metrics line: {:?}", worker.lines))
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/metrics"),
        "{url}"
    );
    assert!(!url.contains(":0/"), "the real port is printed: {url}");
    let text = scrape_until(&url, |t| {
        value(t, "staffprobot_active_owners").is_some() && t.contains("store=\"sqlite\",operation=")
    });
    common_families(&text);
    // No HTTP API in a worker.
    assert!(!text.contains("staffprobot_http_requests_total{"), "{text}");
    worker.stop();
}
