//! What timing a store call costs (BENCHMARKS.md, "Metrics: what they cost"): one instrumented
//! store method (`#[instrument(skip_all, err(Debug, level = "debug"))]`, as every port method
//! has) called under the subscriber `telemetry::init_with` builds — the log output filtered at
//! `warn` — without and with the `store_timings` layer. The method does nothing, so the
//! difference is the whole cost of the span, its timing and its two metrics.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer};

mod store {
    /// A store method as the SQLite store's are instrumented.
    #[tracing::instrument(target = "store_sqlite::store", skip_all, err(Debug, level = "debug"))]
    pub async fn site(id: i64) -> Result<i64, String> {
        Ok(id)
    }
}

/// Polls a future that never waits.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn log_layer<S>() -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer()
        .with_writer(std::io::sink)
        .with_filter(EnvFilter::new("warn"))
}

fn store_calls(c: &mut Criterion) {
    let _metrics = telemetry::install("bench");
    let without = tracing::Dispatch::new(tracing_subscriber::registry().with(log_layer()));
    let with = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(log_layer())
            .with(telemetry::store_timings::layer()),
    );
    let mut group = c.benchmark_group("store_call");
    for (name, dispatch) in [("without_timings", without), ("with_store_timings", with)] {
        tracing::dispatcher::with_default(&dispatch, || {
            group.bench_function(name, |b| {
                b.iter(|| block_on(store::site(black_box(7))).unwrap());
            });
        });
    }
    group.finish();
}

criterion_group!(benches, store_calls);
criterion_main!(benches);
