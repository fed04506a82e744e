//! What the Redis tests share: a key prefix of their own on the shared Redis (removed at the
//! end, even when the test fails), private `redis-server` processes to kill and restart, and
//! small waiting helpers.

use cache::{CacheConfig, RedisConfig};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The Redis every developer machine and CI run (`.ci/run` starts it).
pub const SHARED_REDIS: &str = "redis://127.0.0.1:6379/";

/// A key prefix of this test's own on a Redis; its keys go when it is dropped.
pub struct Prefix {
    pub url: String,
    pub prefix: String,
}

impl Prefix {
    /// A fresh prefix on the shared Redis.
    pub fn shared(name: &str) -> Prefix {
        Prefix::on(SHARED_REDIS, name)
    }

    pub fn on(url: &str, name: &str) -> Prefix {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        Prefix {
            url: url.to_owned(),
            prefix: format!("test-{}-{n}-{name}", std::process::id()),
        }
    }

    /// A cache configuration on this prefix, with long TTLs (so only invalidations matter)
    /// and a short degraded L1 lifetime.
    pub fn config(&self) -> CacheConfig {
        CacheConfig {
            redis: Some(RedisConfig {
                prefix: self.prefix.clone(),
                ..RedisConfig::new(self.url.clone())
            }),
            degraded_l1_ttl: Duration::from_millis(200),
            ..CacheConfig::default()
        }
    }

    /// The full Redis key of a cached `key`.
    pub fn key(&self, kind: cache::Kind, key: &str) -> String {
        format!("{}:v1:{kind}:{key}", self.prefix)
    }

    pub async fn conn(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        redis::cmd("GET")
            .arg(key)
            .query_async(&mut self.conn().await)
            .await
            .unwrap()
    }

    pub async fn set(&self, key: &str, value: &[u8]) {
        redis::cmd("SET")
            .arg(key)
            .arg(value)
            .exec_async(&mut self.conn().await)
            .await
            .unwrap();
    }

    pub async fn pttl(&self, key: &str) -> i64 {
        redis::cmd("PTTL")
            .arg(key)
            .query_async(&mut self.conn().await)
            .await
            .unwrap()
    }

    /// Every key under the prefix (SCAN, as the shared Redis may hold many).
    pub async fn keys(&self) -> Vec<String> {
        let mut conn = self.conn().await;
        let mut keys = Vec::new();
        let mut cursor = 0_u64;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}:*", self.prefix))
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .unwrap();
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys.dedup();
        keys
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        // Synchronous, so it runs after a failed assertion too.
        // A test's server may be gone, or never answer: give up quickly then.
        let limit = Duration::from_secs(1);
        let Ok(mut conn) = redis::Client::open(self.url.as_str())
            .and_then(|c| c.get_connection_with_timeout(limit))
        else {
            return;
        };
        let _ = conn.set_read_timeout(Some(limit));
        let _ = conn.set_write_timeout(Some(limit));
        let mut cursor = 0_u64;
        loop {
            let Ok((next, keys)): redis::RedisResult<(u64, Vec<String>)> = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}:*", self.prefix))
                .arg("COUNT")
                .arg(1000)
                .query(&mut conn)
            else {
                return;
            };
            if !keys.is_empty() {
                let _ = redis::cmd("DEL").arg(keys).exec(&mut conn);
            }
            if next == 0 {
                return;
            }
            cursor = next;
        }
    }
}

/// A `redis-server` of this test's own, on a free port, without persistence.
pub struct PrivateRedis {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> PrivateRedis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = PrivateRedis {
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server (again, on the same port) and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--enable-debug-command", "yes"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (.ci/run installs it)");
        self.child = Some(child);
        let client = redis::Client::open(self.url()).unwrap();
        let started = std::time::Instant::now();
        loop {
            if let Ok(mut conn) = client.get_connection()
                && redis::cmd("PING").exec(&mut conn).is_ok()
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server at once (SIGKILL: no goodbye to the clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A TCP proxy in front of a Redis that a test can cut (every connection closed, new ones
/// dropped at once) and restore: a network partition between one cache and Redis.
pub struct Proxy {
    port: u16,
    open: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accepting: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accepting = {
            let (open, links) = (open.clone(), links.clone());
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if !open.load(Ordering::SeqCst) {
                        continue;
                    }
                    let link = tokio::spawn(async move {
                        if let Ok(mut server) =
                            tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                        {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    links.lock().unwrap().push(link);
                }
            })
        };
        Proxy {
            port,
            open,
            links,
            accepting,
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.cut();
    }
}

/// Waits until `check` holds, polling every 5 ms, failing after `limit`. Returns how long it
/// took.
pub async fn eventually(
    limit: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The error type of the loaders in these tests (they never fail unless a test says so).
#[derive(Debug, PartialEq)]
pub struct DbDown;
