//! Reading metrics back in tests: a series' value in the exporter's text, and the database
//! metrics case both stores run (each call counted by operation and outcome and timed; a
//! refusal is an answer, a database that is gone a failure).

// A test helper: a failed expectation is meant to panic with the value that broke it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::{NewUser, Store, StoreError};
use domain::{Language, PersonName};
use std::future::Future;
use std::sync::Arc;

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
