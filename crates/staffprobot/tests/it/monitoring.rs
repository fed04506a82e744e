//! Monitoring end to end: a real Prometheus (Debian's `prometheus` package, which .ci/run
//! installs) scrapes a running `staffprobot run` that served API requests and a shift opened and
//! closed through the bot (with one 429 from Telegram); then every panel expression of the
//! Grafana dashboard, its variables and every alert rule are evaluated through Prometheus's HTTP
//! API: each parses, each panel returns data, and the rules Prometheus loaded evaluate cleanly.

use crate::{issue_token, ok, staffprobot, start};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testkit::telegram::{FakeTelegram, FakeUser, Fault, FaultRule};

const DASHBOARD: &str = include_str!("../../../../deploy/grafana/dashboards/staffprobot.json");
const ALERTS: &str = include_str!("../../../../deploy/prometheus/alerts.yml");
/// The scrape job of the test's `run`: the dashboard's `$job`.
const JOB: &str = "staffprobot-api";
/// Grafana's `$__rate_interval` here: many 1 s scrapes.
const RATE_INTERVAL: &str = "15s";
/// Long enough for every periodic gauge to have been refreshed (each refreshes at start) and
/// scraped, within nextest's slow-test limit.
const DATA_DEADLINE: Duration = Duration::from_secs(60);

/// Debian's Prometheus: on PATH or in /usr/bin, else the test fails saying how to get it.
fn prometheus_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("prometheus"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "Prometheus is not installed, and this test runs the real one against \
                 `staffprobot run`: install Debian's package (`apt-get install prometheus`, as \
                 .ci/run does) and run the test again"
            )
        })
}

/// A Prometheus process on a free port with its own storage, scraping `target` every second
/// and evaluating deploy/prometheus/alerts.yml every second. Killed when dropped.
struct Prometheus {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: &str) -> Prometheus {
        let binary = prometheus_binary();
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let alerts =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/prometheus/alerts.yml");
        let config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n  - {alerts:?}\n\
             scrape_configs:\n  - job_name: {JOB}\n    static_configs:\n      - targets: [{target:?}]\n",
        );
        std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new(binary)
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        Prometheus {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// GET an API path; `None` while Prometheus is not answering yet.
    async fn api(&self, path: &str, params: &[(&str, &str)]) -> Option<Value> {
        let url = url::Url::parse_with_params(&format!("{}{path}", self.base), params).unwrap();
        let resp = reqwest::get(url).await.ok()?;
        resp.json::<Value>().await.ok()
    }

    /// An instant query: its result vector, or the error Prometheus gave.
    async fn query(&self, expr: &str) -> Result<Vec<Value>, String> {
        let body = self
            .api("/api/v1/query", &[("query", expr)])
            .await
            .ok_or("Prometheus did not answer")?;
        if body["status"] != "success" {
            return Err(format!("{}: {}", body["errorType"], body["error"]));
        }
        Ok(match &body["data"]["result"] {
            Value::Array(samples) => samples.clone(),
            // Scalars and strings count as one value.
            other => vec![other.clone()],
        })
    }

    /// Polls until `expr` returns a sample whose value satisfies `ok`, or the deadline passes.
    async fn wait_for(&self, expr: &str, ok: impl Fn(f64) -> bool, deadline: Instant) {
        loop {
            if let Ok(samples) = self.query(expr).await {
                let value = |s: &Value| s["value"][1].as_str().and_then(|v| v.parse().ok());
                if samples.iter().filter_map(value).any(&ok) {
                    return;
                }
            }
            if Instant::now() >= deadline {
                let targets = self.api("/api/v1/targets", &[]).await.unwrap_or_default();
                panic!(
                    "Prometheus never had {expr} as expected.\nIts targets: {}\nIts log:\n{}",
                    targets["data"]["activeTargets"],
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every query of the dashboard, named by panel title and refId, with Grafana's variables
/// replaced as Grafana would for one job and instance; the variables' own queries too.
fn dashboard_queries(instance: &str) -> BTreeMap<String, String> {
    let dashboard: Value = serde_json::from_str(DASHBOARD).unwrap();
    let substitute = |expr: &str| {
        expr.replace("$__rate_interval", RATE_INTERVAL)
            .replace("$job", JOB)
            .replace("$instance", instance)
    };
    let mut queries = BTreeMap::new();
    let mut panels: Vec<&Value> = dashboard["panels"].as_array().unwrap().iter().collect();
    while let Some(panel) = panels.pop() {
        if let Some(nested) = panel["panels"].as_array() {
            panels.extend(nested);
        }
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            let name = format!("panel {:?} {}", panel["title"], target["refId"]);
            assert!(queries.insert(name, substitute(expr)).is_none());
        }
    }
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        // label_values(<selector>, <label>): the selector must return series with the label.
        let query = variable["query"]["query"].as_str().unwrap();
        let inner = query
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .and_then(|q| q.rsplit_once(','))
            .unwrap_or_else(|| panic!("variable query {query}"));
        queries.insert(
            format!("variable {} (label {})", variable["name"], inner.1.trim()),
            substitute(inner.0),
        );
    }
    queries
}

/// Every alert's expression, by alert name.
fn alert_expressions() -> BTreeMap<String, String> {
    let rules: Value =
        serde_json::to_value(serde_norway::from_str::<serde_norway::Value>(ALERTS).unwrap())
            .unwrap();
    let mut alerts = BTreeMap::new();
    for group in rules["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            let name = rule["alert"].as_str().unwrap().to_owned();
            alerts.insert(name, rule["expr"].as_str().unwrap().to_owned());
        }
    }
    alerts
}

/// Traffic that makes every family appear: API requests (authorised, cached, refused,
/// unmatched), a site and an employee created, and through the bot a shift opened and closed
/// with one 429 from Telegram on the way.
async fn serve_some_traffic(base: &str, token: &str, tg: &FakeTelegram) {
    let http = reqwest::Client::new();
    let get = |path: &str, auth: bool| {
        let mut req = http.get(format!("{base}{path}"));
        if auth {
            req = req.bearer_auth(token);
        }
        req.send()
    };
    assert_eq!(get("/health", false).await.unwrap().status(), 200);
    assert_eq!(get("/ready", false).await.unwrap().status(), 200);
    assert_eq!(get("/api/v1/sites", false).await.unwrap().status(), 401);
    assert_eq!(get("/no/such/path", false).await.unwrap().status(), 404);
    let site: Value = http
        .post(format!("{base}/api/v1/sites"))
        .bearer_auth(token)
        .json(&json!({
            "name": "Кофейня",
            "address": "ул. Ленина, 1",
            "latitude": 55.7539,
            "longitude": 37.6208,
            "geofence_radius_m": 150,
            "opens_at": "00:00",
            "closes_at": "00:00",
            "time_zone": "Europe/Moscow",
            "hourly_rate_minor": 35_000,
            "currency": "RUB"
        }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let site_id = site["id"].as_i64().unwrap();
    http.post(format!("{base}/api/v1/sites/{site_id}/employees"))
        .bearer_auth(token)
        .json(&json!({"telegram_id": 601, "name": "Иван"}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    for _ in 0..3 {
        // Read again: the person behind the token and the sites come from the cache.
        assert_eq!(get("/api/v1/sites", true).await.unwrap().status(), 200);
        assert_eq!(
            get(&format!("/api/v1/sites/{site_id}"), true)
                .await
                .unwrap()
                .status(),
            200
        );
    }

    let ivan = FakeUser::ru(601).named("Иван", None);
    // Waits for a new message to Иван (after the first `seen`) that contains `text`.
    let replied = async |seen: usize, text: &str| {
        tg.wait_until(Duration::from_secs(20), |tg| {
            tg.messages(601)
                .iter()
                .skip(seen)
                .any(|m| m.text().contains(text))
        })
        .await
        .unwrap();
        tg.messages(601).len()
    };
    // The greeting meets one 429 first: the bot waits retry_after and sends it again.
    tg.add_fault(
        FaultRule::new(Fault::RetryAfter(1))
            .method("sendMessage")
            .chat(601),
    );
    tg.send_command(&ivan, "start", None);
    let seen = replied(0, "Иван").await;
    tg.tap_reply_button(&ivan, "🟢 Открыть смену").unwrap();
    let seen = replied(seen, "геопозици").await;
    tg.send_location(&ivan, 55.7539, 37.6208, Some(10.0));
    let seen = replied(seen, "Смена открыта").await;
    tg.tap_reply_button(&ivan, "🔴 Закрыть смену").unwrap();
    let seen = replied(seen, "закрыть смену").await;
    tg.send_location(&ivan, 55.7539, 37.6208, Some(10.0));
    replied(seen, "Смена закрыта").await;
    // A reply Telegram refuses fails the handler: the bot's errors have a series too.
    tg.add_fault(
        FaultRule::new(Fault::BadRequest("can't parse entities".into()))
            .method("sendMessage")
            .chat(601),
    );
    tg.send_command(&ivan, "help", None);
    tg.wait_until(Duration::from_secs(20), |tg| {
        tg.requests()
            .iter()
            .any(|r| r.status == 400 && r.method.eq_ignore_ascii_case("sendMessage"))
    })
    .await
    .unwrap();
}

#[test]
fn prometheus_evaluates_every_panel_and_alert_against_a_running_staffprobot() {
    // Checked first: without Prometheus there is nothing to test against.
    prometheus_binary();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let tg = rt.block_on(FakeTelegram::start());
    let dir = tempfile::tempdir().unwrap();
    ok(staffprobot(dir.path(), &[])
        .args(["owner", "add", "--telegram-id", "555", "--name", "Анна"])
        .output()
        .unwrap());
    let token = issue_token(dir.path(), &[], "555");
    let api_url = tg.api_url();
    let env = [
        ("TELEGRAM_BOT_TOKEN", tg.token()),
        ("TELEGRAM_API_URL", api_url.as_str()),
    ];
    let run = start(dir.path(), &["run"], &env);
    let target = run.base.trim_start_matches("http://").to_owned();
    rt.block_on(serve_some_traffic(&run.base, &token, &tg));

    let prometheus = Prometheus::start(&target);
    let queries = dashboard_queries(&target);
    let alerts = alert_expressions();
    assert!(queries.len() >= 40 && alerts.len() >= 13);
    rt.block_on(async {
        let deadline = Instant::now() + DATA_DEADLINE;
        // Scraped, and often enough that rate() has samples to work on.
        prometheus
            .wait_for(&format!("up{{job={JOB:?}}}"), |v| v == 1.0, deadline)
            .await;
        prometheus
            .wait_for(
                &format!("count_over_time(up{{job={JOB:?}}}[1m])"),
                |v| v >= 3.0,
                deadline,
            )
            .await;

        // Every alert expression parses and evaluates (whether it has a result depends on
        // the state: a healthy process fires nothing).
        for (name, expr) in &alerts {
            if let Err(e) = prometheus.query(expr).await {
                panic!("alert {name}: {e}\n{expr}");
            }
        }
        // Every panel query parses and returns data, once the periodic gauges had their
        // refresh (polled until the deadline, then the empty ones are named).
        loop {
            let mut empty = Vec::new();
            for (name, expr) in &queries {
                match prometheus.query(expr).await {
                    Err(e) => panic!("{name}: {e}\n{expr}"),
                    Ok(samples) if samples.is_empty() => empty.push(format!("{name}: {expr}")),
                    Ok(_) => {}
                }
            }
            if empty.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "these dashboard queries returned no data from a scraped `staffprobot run`:\n{}\n\n\
                 its /metrics had:\n{}",
                empty.join("\n"),
                reqwest::get(format!("{}/metrics", run.base))
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
                    .lines()
                    .filter(|l| l.starts_with("# TYPE"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }

        // Prometheus itself loaded every rule and evaluated it without an error.
        loop {
            let rules = prometheus.api("/api/v1/rules", &[]).await.unwrap();
            let rules: Vec<&Value> = rules["data"]["groups"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|g| g["rules"].as_array().unwrap())
                .collect();
            assert_eq!(rules.len(), alerts.len(), "every rule loaded");
            if rules.iter().all(|r| r["health"] != "unknown") {
                for rule in &rules {
                    assert_eq!(rule["health"], "ok", "{rule}");
                }
                break;
            }
            assert!(
                Instant::now() < deadline,
                "rules never evaluated: {rules:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    drop(prometheus);
    run.stop();
}
