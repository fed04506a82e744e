//! What a test's actions recorded through the `metrics` facade, read the way Prometheus reads
//! it: one `metrics-exporter-prometheus` recorder per test process (nextest runs each test in
//! its own), installed globally on first use, and its rendered text parsed back into samples.
//! Under plain `cargo test` tests share the process and its counters, so assert on what a test
//! adds (`Scrape::value` before and after) or on a series being there.
//!
//! Reading metrics back in tests: a series' value in the exporter's text, and the database
//! metrics case both stores run (each call counted by operation and outcome and timed; a
//! refusal is an answer, a database that is gone a failure).

// A test helper: a failed expectation is meant to panic with the value that broke it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::{NewUser, Store, StoreError};
use domain::{Language, PersonName};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The latency buckets of the metric catalog (seconds).
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed on first use.
///
/// # Panics
/// When another recorder was installed in this process first.
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .unwrap_or_else(|e| panic!("installing the test's metrics recorder: {e}"))
    })
}

/// The rendered text now.
pub fn scrape() -> Scrape {
    Scrape::parse(&recorder().render())
}

/// One sample line: `name{label="value",…} number`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed scrape, and the `# TYPE` of each family.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    pub text: String,
    pub samples: Vec<Sample>,
    pub types: BTreeMap<String, String>,
}

impl Scrape {
    pub fn parse(text: &str) -> Scrape {
        let mut scrape = Scrape {
            text: text.to_owned(),
            ..Scrape::default()
        };
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                if let Some((name, kind)) = rest.split_once(' ') {
                    scrape.types.insert(name.to_owned(), kind.trim().to_owned());
                }
                continue;
            }
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if let Some(sample) = parse_sample(line) {
                scrape.samples.push(sample);
            }
        }
        scrape
    }

    /// The value of the series `name` whose labels include every pair of `labels` (summed when
    /// several match, so a test may leave out a label it does not care about).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut matching = self.matching(name, labels).peekable();
        matching.peek()?;
        Some(matching.map(|s| s.value).sum())
    }

    /// Series `name` with every pair of `labels`.
    pub fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).is_some_and(|have| have == v))
        })
    }

    /// The `# TYPE` of a family: "counter", "gauge", "histogram" or "summary".
    pub fn kind(&self, family: &str) -> Option<&str> {
        self.types.get(family).map(String::as_str)
    }

    /// The label names each series of `name` carries, sorted (one entry per distinct set).
    pub fn label_names(&self, name: &str) -> Vec<Vec<String>> {
        let mut sets: Vec<Vec<String>> = self
            .samples
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.labels.keys().cloned().collect())
            .collect();
        sets.sort();
        sets.dedup();
        sets
    }
}

fn parse_sample(line: &str) -> Option<Sample> {
    let (series, value) = line.rsplit_once(' ')?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    let (name, labels) = match series.split_once('{') {
        Some((name, rest)) => (name, parse_labels(rest.strip_suffix('}')?)?),
        None => (series, BTreeMap::new()),
    };
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// `a="x",b="y \"quoted\""` (the exporter escapes `\`, `"` and newlines).
fn parse_labels(text: &str) -> Option<BTreeMap<String, String>> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                '"' => break i,
                other => value.push(other),
            }
        };
        labels.insert(key.trim_start_matches(',').to_owned(), value);
        rest = after[end + 1..].trim_start_matches(',');
    }
    Some(labels)
}

// ---- the database metrics case (both stores) ----

/// The value of the series written exactly as `series` (name and labels in the exporter's
/// order), or `None` when the text has no such line.
pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse().unwrap())
}

fn queries(text: &str, store: &str, operation: &str, outcome: &str) -> f64 {
    value(
        text,
        &format!(
            "staffprobot_db_queries_total{{store=\"{store}\",operation=\"{operation}\",outcome=\"{outcome}\"}}"
        ),
    )
    .unwrap_or(0.0)
}

/// Installs the recorder and the tracing subscriber, makes store calls that succeed, are
/// refused (a duplicate token) and fail (after `close` shut the pool), and checks the
/// `staffprobot_db_*` families for `store_label` ("sqlite" | "postgres").
pub async fn store_calls_are_counted<F: Future<Output = ()>>(
    store: Arc<dyn Store>,
    store_label: &str,
    close: impl FnOnce() -> F,
) {
    let metrics = telemetry::install("test");
    telemetry::init(telemetry::LogFormat::Text);
    let before = metrics.render();
    store.ping().await.unwrap();
    let anna = store
        .upsert_user(&NewUser {
            telegram_id: 77,
            name: PersonName::new("Анна").unwrap(),
            language: Language::Ru,
        })
        .await
        .unwrap();
    let hash = app::tokens::hash("metrics");
    store.insert_api_token(anna.id, &hash, "a").await.unwrap();
    let twice = store.insert_api_token(anna.id, &hash, "b").await;
    assert!(matches!(twice, Err(StoreError::Duplicate(_))), "{twice:?}");
    close().await;
    let gone = store.ping().await;
    assert!(matches!(gone, Err(StoreError::Unavailable(_))), "{gone:?}");

    let text = metrics.render();
    let added = |operation: &str, outcome: &str| {
        queries(&text, store_label, operation, outcome)
            - queries(&before, store_label, operation, outcome)
    };
    assert_eq!(added("ping", "ok"), 1.0, "{text}");
    assert_eq!(added("ping", "error"), 1.0, "{text}");
    assert_eq!(added("upsert_user", "ok"), 1.0, "{text}");
    // The duplicate is a refusal, not a failure of the database.
    assert_eq!(added("insert_api_token", "ok"), 2.0, "{text}");
    assert_eq!(added("insert_api_token", "error"), 0.0, "{text}");
    let count = value(
        &text,
        &format!(
            "staffprobot_db_query_duration_seconds_count{{store=\"{store_label}\",operation=\"upsert_user\"}}"
        ),
    );
    assert!(count.unwrap_or(0.0) >= 1.0, "{text}");
    assert!(
        text.contains(&format!(
            "staffprobot_db_query_duration_seconds_bucket{{store=\"{store_label}\",operation=\"upsert_user\",le=\"0.0005\"}}"
        )),
        "{text}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_and_types_parse_back() {
        let text = "# TYPE staffprobot_x_total counter\n\
            staffprobot_x_total{kind=\"a\",outcome=\"ok\"} 3\n\
            staffprobot_x_total{kind=\"b\",outcome=\"ok\"} 2\n\
            # TYPE staffprobot_depth gauge\n\
            staffprobot_depth 7\n\
            staffprobot_h_bucket{kind=\"q\\\"x\",le=\"+Inf\"} 1\n";
        let scrape = Scrape::parse(text);
        assert_eq!(
            scrape.value("staffprobot_x_total", &[("kind", "a")]),
            Some(3.0)
        );
        assert_eq!(
            scrape.value("staffprobot_x_total", &[("outcome", "ok")]),
            Some(5.0)
        );
        assert_eq!(scrape.value("staffprobot_x_total", &[("kind", "c")]), None);
        assert_eq!(scrape.value("staffprobot_depth", &[]), Some(7.0));
        assert_eq!(scrape.kind("staffprobot_x_total"), Some("counter"));
        assert_eq!(
            scrape.value("staffprobot_h_bucket", &[("kind", "q\"x"), ("le", "+Inf")]),
            Some(1.0)
        );
        assert_eq!(
            scrape.label_names("staffprobot_x_total"),
            vec![vec!["kind".to_owned(), "outcome".to_owned()]]
        );
    }
}
