//! HTTP metrics (atuin's `track_metrics`, recorded by the access-log middleware): every request
//! counted by method, route template and status class, timed per method and route, and the
//! requests in flight — labelled by the matched route (`/api/v1/sites/{id}`), never the raw
//! path, which would carry ids and make the label unbounded; a request no route matched is
//! "unmatched", an answer the edge gave "edge". And `GET /metrics`, the Prometheus text of
//! everything the process records.
//!
//! `/metrics` has no authentication, like `/health` and `/ready`: its labels are bounded (no
//! ids, names or paths with ids), and a deployment scrapes it from its private network; keep it
//! off the public internet at the proxy (README, docs/metrics.md).

use axum::Router;
use axum::http::{Method, header};
use axum::routing::get;
use metrics::{Counter, Gauge, Histogram};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;
use telemetry::names;

/// Where the metrics are served.
pub const METRICS_PATH: &str = "/metrics";

/// The route serving `metrics` at [`METRICS_PATH`]. Rendering reads `/proc` and formats a few
/// hundred series: blocking work of well under a millisecond, done inline.
pub fn routes<S: Clone + Send + Sync + 'static>(metrics: telemetry::Metrics) -> Router<S> {
    Router::new().route(
        METRICS_PATH,
        get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(header::CONTENT_TYPE, telemetry::CONTENT_TYPE)],
                    metrics.render(),
                )
            }
        }),
    )
}

/// The HTTP metrics of a router: recorded by the access-log middleware
/// (`middleware::access_log`), which already runs once per request, outermost, and knows the
/// route, the final status (panics included) and the time — so counting costs no layer of its
/// own (no boxed future, no copy of the inner service per request). The handles of each route,
/// method and status class are taken the first time they are used and kept, so a request costs
/// one map read and a few atomic adds, no registry look-up and no label allocation
/// (BENCHMARKS.md, "Metrics: what they cost"). Cheap to clone.
#[derive(Clone)]
pub struct HttpMetrics(Arc<Handles>);

impl HttpMetrics {
    /// Takes its handles from the installed recorder: call after `telemetry::install`.
    pub fn new() -> Self {
        HttpMetrics(Arc::new(Handles {
            in_flight: metrics::gauge!(names::HTTP_REQUESTS_IN_FLIGHT),
            routes: RwLock::default(),
        }))
    }

    /// A request of `method` to `route` (the matched route's template, or `None`) starts: it is
    /// in flight until the guard is finished or dropped (the client went away).
    pub fn start(&self, method: &Method, route: Option<&str>) -> InFlight {
        InFlight::start(
            self.0.route(route.unwrap_or(UNMATCHED)),
            method_index(method),
        )
    }
}

impl Default for HttpMetrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// The route label of answers the edge gave (`edge.rs`): a refused request line, headers or
/// body, or a request cut at its time limit (503).
pub const EDGE: &str = "edge";

/// Counts and times an answer the edge gave. Rare, so through the registry; nothing is
/// recorded when no recorder is installed (`METRICS_ENABLED=false`).
pub(crate) fn record_edge(method: &Method, status: u16, elapsed: Duration) {
    let method = METHODS[method_index(method)];
    let status = STATUS_CLASSES[status_class(status)];
    metrics::counter!(names::HTTP_REQUESTS, "method" => method, "route" => EDGE, "status" => status)
        .increment(1);
    metrics::histogram!(names::HTTP_REQUEST_DURATION, "method" => method, "route" => EDGE)
        .record(elapsed.as_secs_f64());
}

/// The handles of every route seen so far (the route templates of the router and
/// "unmatched": a bounded set).
struct Handles {
    in_flight: Gauge,
    routes: RwLock<HashMap<Box<str>, Arc<RouteHandles>>>,
}

impl Handles {
    fn route(&self, route: &str) -> Arc<RouteHandles> {
        let known = match self.routes.read() {
            Ok(routes) => routes.get(route).cloned(),
            Err(poisoned) => poisoned.into_inner().get(route).cloned(),
        };
        if let Some(handles) = known {
            return handles;
        }
        let mut routes = match self.routes.write() {
            Ok(routes) => routes,
            Err(poisoned) => poisoned.into_inner(),
        };
        routes
            .entry(route.into())
            .or_insert_with(|| {
                Arc::new(RouteHandles {
                    route: Arc::from(route),
                    in_flight: self.in_flight.clone(),
                    methods: Default::default(),
                })
            })
            .clone()
    }
}

/// One route's handles, per method and status class, each taken the first time it is used
/// (a route answered only with 2xx has no 5xx series).
struct RouteHandles {
    route: Arc<str>,
    in_flight: Gauge,
    methods: [OnceLock<MethodHandles>; METHODS.len()],
}

struct MethodHandles {
    duration: Histogram,
    requests: [OnceLock<Counter>; STATUS_CLASSES.len()],
}

impl RouteHandles {
    fn record(&self, method: usize, status: u16, elapsed: Duration) {
        let Some(label) = METHODS.get(method).copied() else {
            return;
        };
        let Some(handles) = self.methods.get(method) else {
            return;
        };
        let handles = handles.get_or_init(|| MethodHandles {
            duration: metrics::histogram!(names::HTTP_REQUEST_DURATION, "method" => label, "route" => self.route.to_string()),
            requests: Default::default(),
        });
        handles.duration.record(elapsed.as_secs_f64());
        let class = status_class(status);
        if let Some(counter) = handles.requests.get(class) {
            counter
                .get_or_init(|| {
                    metrics::counter!(names::HTTP_REQUESTS, "method" => label, "route" => self.route.to_string(), "status" => STATUS_CLASSES[class])
                })
                .increment(1);
        }
    }
}

/// Counts a request in flight until dropped, also when the client goes away mid-request and
/// the handler's future is dropped; `finish` also counts and times it.
pub struct InFlight {
    route: Arc<RouteHandles>,
    method: usize,
}

impl InFlight {
    fn start(route: Arc<RouteHandles>, method: usize) -> Self {
        route.in_flight.increment(1.0);
        InFlight { route, method }
    }

    /// The request was answered with `status` after `elapsed`.
    pub fn finish(self, status: u16, elapsed: Duration) {
        self.route.record(self.method, status, elapsed);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.route.in_flight.decrement(1.0);
    }
}

/// The method labels: the standard methods by name; anything else (a client may send any
/// token) is "other".
const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other",
];

/// A method's place in [`METHODS`].
fn method_index(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::POST => 1,
        Method::PUT => 2,
        Method::PATCH => 3,
        Method::DELETE => 4,
        Method::HEAD => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}

const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// A status's place in [`STATUS_CLASSES`].
fn status_class(status: u16) -> usize {
    match status {
        100..=199 => 0,
        200..=299 => 1,
        300..=399 => 2,
        400..=499 => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded() {
        let method = |m: &Method| METHODS[method_index(m)];
        assert_eq!(method(&Method::GET), "GET");
        assert_eq!(
            method(&Method::from_bytes(b"BREW").unwrap_or(Method::GET)),
            "other"
        );
        let class = |s: u16| STATUS_CLASSES[status_class(s)];
        assert_eq!(class(204), "2xx");
        assert_eq!(class(404), "4xx");
        assert_eq!(class(503), "5xx");
        assert_eq!(class(999), "5xx");
    }
}
