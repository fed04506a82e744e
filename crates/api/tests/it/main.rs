#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The HTTP API end to end: the real server on 127.0.0.1:0, spoken to over HTTP with reqwest,
//! on a fresh SQLite file or a fresh PostgreSQL database per test.

use app::broadcasts::BroadcastStore;
use app::clock::SetClock;
use app::{Clock, NoEvents, Policy, StaffPro, Store};
use chrono::{Duration, TimeZone, Utc};
use domain::{Coordinates, Language, LocationFix, SiteId, User};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod broadcasts;
mod edge;
mod errors;
mod isolation;
mod money;
mod ops;
mod paging;
mod report_files;
mod resources;
mod review;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an `async fn(Backend)` test once per backend, as `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await;
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// A running server over a fresh database.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub app: StaffPro,
    pub store: Arc<dyn Store>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, api::Limits::default()).await
    }

    /// A server with the given limits on connections and requests.
    pub async fn start_with(backend: Backend, limits: api::Limits) -> TestServer {
        let (store, broadcasts, dir) = fresh_store(backend).await;
        Self::serve(
            store,
            Some(broadcasts),
            dir,
            Arc::new(SetClock::new(test_now())),
            limits,
        )
        .await
    }

    /// A server whose use-cases read `clock` (tests about time).
    pub async fn start_at(backend: Backend, clock: Arc<dyn Clock>) -> TestServer {
        let (store, broadcasts, dir) = fresh_store(backend).await;
        Self::serve(store, Some(broadcasts), dir, clock, api::Limits::default()).await
    }

    pub async fn start_on(store: Arc<dyn Store>, dir: Option<tempfile::TempDir>) -> TestServer {
        Self::serve(
            store,
            None,
            dir,
            Arc::new(SetClock::new(test_now())),
            api::Limits::default(),
        )
        .await
    }

    async fn serve(
        store: Arc<dyn Store>,
        broadcasts: Option<Arc<dyn BroadcastStore>>,
        dir: Option<tempfile::TempDir>,
        clock: Arc<dyn Clock>,
        limits: api::Limits,
    ) -> TestServer {
        // As the binary runs it: behind the cache (the in-process tier).
        let store: Arc<dyn Store> = Arc::new(cache::CachingStore::new(
            store,
            cache::Cache::local(cache::CacheConfig::default()),
        ));
        let mut app = StaffPro::new(store.clone(), clock, Arc::new(NoEvents), Policy::default());
        if let Some(broadcasts) = broadcasts {
            app = app.with_broadcasts(broadcasts);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        // As the binary serves it: with the process's metrics at /metrics.
        let router = api::router_with_metrics(app.clone(), Some(telemetry::install("test")));
        let task = tokio::spawn(api::serve_with(
            listener,
            router,
            async {
                let _ = rx.await;
            },
            limits,
        ));
        TestServer {
            base,
            http: reqwest::Client::new(),
            app,
            store,
            shutdown: Some(tx),
            task: Some(task),
            _dir: dir,
        }
    }

    /// Asks the server to stop and waits until it has.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(t) => t.await.unwrap(),
            None => Ok(()),
        }
    }

    /// An owner with an API token.
    pub async fn owner(&self, telegram_id: i64, name: &str) -> (User, String) {
        self.app
            .add_owner(telegram_id, name, Language::Ru)
            .await
            .unwrap();
        self.app.issue_api_token(telegram_id, "test").await.unwrap()
    }

    /// A person known to the bot (not an owner) with an API token.
    pub async fn person(&self, telegram_id: i64, name: &str) -> (User, String) {
        self.app
            .register_user(telegram_id, name, Language::En)
            .await
            .unwrap();
        self.app.issue_api_token(telegram_id, "test").await.unwrap()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        Resp::read(req.send().await.unwrap()).await
    }

    /// A request with a body sent as is.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Resp {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        Resp::read(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.call(Method::POST, path, Some(token), None).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Creates a site through the API and returns its JSON.
    pub async fn create_site(&self, token: &str, body: &Value) -> Value {
        let r = self.post("/api/v1/sites", token, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json
    }

    /// Opens a shift through the use-case, from a location right at the site.
    pub async fn open_shift_at(&self, employee: &User, site: &Value) -> domain::Shift {
        let fix = LocationFix {
            coordinates: Coordinates::new(
                site["latitude"].as_f64().unwrap(),
                site["longitude"].as_f64().unwrap(),
            )
            .unwrap(),
            accuracy_m: Some(12.0),
            taken_at: self.app.now(),
            forwarded: false,
        };
        self.app
            .open_shift(employee, SiteId(site["id"].as_i64().unwrap()), fix)
            .await
            .unwrap()
    }

    /// The use-cases over the same store with a clock set by the test.
    pub fn app_at(&self, clock: Arc<SetClock>) -> StaffPro {
        StaffPro::new(
            self.store.clone(),
            clock,
            Arc::new(NoEvents),
            Policy::default(),
        )
    }
}

/// A fresh, migrated store of the backend (and the folder a SQLite file lives in).
/// The store's broadcasts port too (not part of `Store`: the cache holds nothing of it).
async fn fresh_store(
    backend: Backend,
) -> (
    Arc<dyn Store>,
    Arc<dyn BroadcastStore>,
    Option<tempfile::TempDir>,
) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/t.db", dir.path().display());
            let store = store_sqlite::SqliteStore::connect(&url).await.unwrap();
            store.migrate().await.unwrap();
            let store = Arc::new(store);
            (store.clone(), store, Some(dir))
        }
        Backend::Postgres => {
            let url = store_postgres::test_support::fresh_database()
                .await
                .unwrap();
            let store = store_postgres::PgStore::connect(&url).await.unwrap();
            store.migrate().await.unwrap();
            let store = Arc::new(store);
            (store.clone(), store, None)
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// `Null` when the body is not JSON.
    pub json: Value,
}

impl Resp {
    async fn read(r: reqwest::Response) -> Resp {
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the JSON error shape and returns (code, field).
    pub fn error(&self) -> (String, Option<String>) {
        assert!(
            self.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "error without a JSON content type: {self:?}"
        );
        let err = self.json["error"]
            .as_object()
            .unwrap_or_else(|| panic!("not an error body: {}", self.text));
        assert_eq!(keys(&self.json), ["error"]);
        assert_eq!(
            keys(&self.json["error"]),
            ["code", "field", "message"],
            "{}",
            self.text
        );
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(err["field"].is_null() || err["field"].is_string());
        (
            err["code"].as_str().unwrap().to_owned(),
            err["field"].as_str().map(str::to_owned),
        )
    }

    /// Asserts status and error code (and field when given).
    pub fn assert_error(&self, status: StatusCode, code: &str, field: Option<&str>) {
        assert_eq!(self.status, status, "{}", self.text);
        let (c, f) = self.error();
        assert_eq!(c, code, "{}", self.text);
        assert_eq!(f.as_deref(), field, "{}", self.text);
    }
}

/// The sorted keys of a JSON object.
pub fn keys(v: &Value) -> Vec<String> {
    let set: BTreeSet<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    set.into_iter().collect()
}

/// A valid site body.
pub fn site_body(name: &str) -> Value {
    json!({
        "name": name,
        "address": "ул. Ленина, 1",
        "latitude": 55.7539,
        "longitude": 37.6208,
        "geofence_radius_m": 150,
        "opens_at": "09:00",
        "closes_at": "21:00",
        "time_zone": "Europe/Moscow",
        "hourly_rate_minor": 35_000,
        "currency": "RUB"
    })
}

/// Where the servers' clock stands unless a test sets its own: Wednesday 18 Nov 2026, 10:00 in
/// Moscow — mid-month, mid-week, inside the fixture sites' opening hours, no DST change near.
pub fn test_now() -> chrono::DateTime<Utc> {
    chrono_tz::Europe::Moscow
        .with_ymd_and_hms(2026, 11, 18, 10, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// A local date in Moscow a few days after `test_now()`, as YYYY-MM-DD.
pub fn future_date(days: i64) -> String {
    let msk = chrono_tz::Europe::Moscow;
    (test_now().with_timezone(&msk).date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// 2026-11-02 09:00 in Moscow, a Monday in the past of every test run.
pub fn monday_morning() -> chrono::DateTime<Utc> {
    chrono_tz::Europe::Moscow
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}
