//! Database metrics from the stores' spans: every store method carries
//! `#[instrument(skip_all, err(Debug, level = "debug"))]`, so each call is a span of target
//! `store_postgres::…` or `store_sqlite::…` named after the method. This layer times those spans
//! and counts them by store, operation (the span's name) and outcome; the stores need no metrics
//! code of their own.
//!
//! Outcome "error" means the database failed (`StoreError::Unavailable` or `Other`: down,
//! timed out, a broken query). A refusal the database enforces (a duplicate, an overlapping
//! plan, a second active shift, a missing row) is an answer, counted "ok" — alerts on
//! database errors must not fire when people make ordinary mistakes.

use crate::metrics::names;
use metrics::{Counter, Histogram};
use std::collections::HashMap;
use std::fmt;
use std::sync::{OnceLock, RwLock};
use std::time::{Duration, Instant};
use tracing::callsite::Identifier;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::registry::LookupSpan;

/// The `Debug` names of the `StoreError` variants that mean "the database failed" (a test in
/// each store crate checks a real failure is counted as one).
const FAILURES: [&str; 2] = ["Unavailable", "Other"];

/// The layer, with the filter that lets it see the stores' spans and events whatever the log
/// level (`RUST_LOG` filters the log output only).
pub fn layer<S>() -> impl Layer<S> + Send + Sync
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    StoreTimings::default().with_filter(filter())
}

fn filter<S>() -> impl Filter<S> {
    Targets::new()
        .with_target("store_postgres", LevelFilter::TRACE)
        .with_target("store_sqlite", LevelFilter::TRACE)
}

/// The store a span or event target belongs to.
fn store_of(target: &str) -> Option<&'static str> {
    if target.starts_with("store_postgres") {
        Some("postgres")
    } else if target.starts_with("store_sqlite") {
        Some("sqlite")
    } else {
        None
    }
}

/// The layer, with the metric handles of every store operation seen so far (one per store
/// method: a bounded set), taken once so that a call costs no registry look-up.
#[derive(Default)]
struct StoreTimings {
    operations: RwLock<HashMap<Identifier, Operation>>,
}

/// One store method's handles.
struct Operation {
    ok: Counter,
    error: OnceLock<Counter>,
    duration: Histogram,
    store: &'static str,
    name: &'static str,
}

impl Operation {
    fn new(store: &'static str, name: &'static str) -> Self {
        Operation {
            ok: metrics::counter!(names::DB_QUERIES, "store" => store, "operation" => name, "outcome" => "ok"),
            error: OnceLock::new(),
            duration: metrics::histogram!(names::DB_QUERY_DURATION, "store" => store, "operation" => name),
            store,
            name,
        }
    }

    fn record(&self, failed: bool, elapsed: Duration) {
        if failed {
            self.error
                .get_or_init(|| metrics::counter!(names::DB_QUERIES, "store" => self.store, "operation" => self.name, "outcome" => "error"))
                .increment(1);
        } else {
            self.ok.increment(1);
        }
        self.duration.record(elapsed.as_secs_f64());
    }
}

impl StoreTimings {
    fn record(&self, meta: &'static Metadata<'static>, store: &'static str, timing: &Timing) {
        let elapsed = timing.started.elapsed();
        if !crate::metrics::installed() {
            // No recorder: a handle taken now would stay a no-op after one is installed.
            return;
        }
        let id = meta.callsite();
        {
            let operations = match self.operations.read() {
                Ok(o) => o,
                Err(poisoned) => poisoned.into_inner(),
            };
            if let Some(operation) = operations.get(&id) {
                operation.record(timing.failed, elapsed);
                return;
            }
        }
        let mut operations = match self.operations.write() {
            Ok(o) => o,
            Err(poisoned) => poisoned.into_inner(),
        };
        operations
            .entry(id)
            .or_insert_with(|| Operation::new(store, meta.name()))
            .record(timing.failed, elapsed);
    }
}

/// Kept in a store span's extensions.
struct Timing {
    started: Instant,
    failed: bool,
}

impl<S> Layer<S> for StoreTimings
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && store_of(span.metadata().target()).is_some()
        {
            span.extensions_mut().insert(Timing {
                started: Instant::now(),
                failed: false,
            });
        }
    }

    /// `#[instrument(err)]`'s event: the span's own target, an `error` field, no message.
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let fields = meta.fields();
        if fields.field("error").is_none() || fields.field("message").is_some() {
            return;
        }
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        if span.metadata().target() != meta.target() {
            return;
        }
        let mut visitor = FailureVisitor(false);
        event.record(&mut visitor);
        if visitor.0
            && let Some(timing) = span.extensions_mut().get_mut::<Timing>()
        {
            timing.failed = true;
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let meta = span.metadata();
        let Some(store) = store_of(meta.target()) else {
            return;
        };
        let extensions = span.extensions();
        if let Some(timing) = extensions.get::<Timing>() {
            self.record(meta, store, timing);
        }
    }
}

/// Whether the `error` field names a failure variant.
struct FailureVisitor(bool);

impl Visit for FailureVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "error" {
            let shown = format!("{value:?}");
            self.0 = FAILURES.iter().any(|v| {
                shown
                    .strip_prefix(v)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('('))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[derive(Debug)]
    #[allow(dead_code)]
    enum FakeError {
        Unavailable(String),
        Duplicate(&'static str),
    }

    mod store {
        use super::FakeError;

        /// The target a method of the SQLite store gets from its module path.
        #[tracing::instrument(
            target = "store_sqlite::store",
            skip_all,
            err(Debug, level = "debug")
        )]
        pub async fn load_things(fail: Option<FakeError>) -> Result<u32, FakeError> {
            tracing::info!("a line inside does not count as an error");
            match fail {
                Some(e) => Err(e),
                None => Ok(1),
            }
        }
    }

    #[test]
    fn store_spans_are_counted_by_operation_and_outcome() {
        let metrics = crate::install("test");
        let subscriber = tracing_subscriber::registry().with(layer());
        tracing::subscriber::with_default(subscriber, || {
            let rt = tokio_free_block_on;
            rt(store::load_things(None)).ok();
            rt(store::load_things(Some(FakeError::Duplicate("x")))).ok();
            rt(store::load_things(Some(FakeError::Unavailable(
                "down".into(),
            ))))
            .ok();
        });
        let text = metrics.render();
        let ok = "staffprobot_db_queries_total{store=\"sqlite\",operation=\"load_things\",outcome=\"ok\"} 2";
        let error = "staffprobot_db_queries_total{store=\"sqlite\",operation=\"load_things\",outcome=\"error\"} 1";
        assert!(text.contains(ok), "{text}");
        assert!(text.contains(error), "{text}");
        assert!(
            text.contains("staffprobot_db_query_duration_seconds_count{store=\"sqlite\",operation=\"load_things\"} 3"),
            "{text}"
        );
    }

    /// Polls a future that never waits (no runtime needed).
    fn tokio_free_block_on<F: std::future::Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }
}
