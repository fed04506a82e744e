//! Invalidations between processes over Redis pub/sub: two caches in this process, and a
//! second OS process (this test binary run again as a helper).

use crate::support::{DbDown, Prefix, eventually};
use cache::{Cache, Kind, Tier};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// A stand-in for the database: one value to read and change.
#[derive(Clone)]
struct Db(Arc<Mutex<String>>);

impl Db {
    fn new(v: &str) -> Db {
        Db(Arc::new(Mutex::new(v.to_owned())))
    }
    fn set(&self, v: &str) {
        *self.0.lock().unwrap() = v.to_owned();
    }
    async fn read(&self, cache: &Cache) -> String {
        let db = self.clone();
        cache
            .get_or_load(Kind::Sites, "3", || async move {
                Ok::<_, DbDown>(Some(db.0.lock().unwrap().clone()))
            })
            .await
            .unwrap()
            .unwrap()
    }
}

#[tokio::test]
async fn another_process_drops_an_invalidated_key_within_100ms() {
    let p = Prefix::shared("channel-two");
    let a = Cache::start(p.config(), None).await;
    let b = Cache::start(p.config(), None).await;
    let db = Db::new("Old name");
    assert_eq!(db.read(&a).await, "Old name");
    assert_eq!(db.read(&b).await, "Old name");
    assert_eq!(db.read(&b).await, "Old name");
    assert_eq!(b.stats().tier(Kind::Sites, Tier::L1).hits, 1);

    // A changes the site and invalidates it; B's L1 (15 min TTL) must let go at once.
    db.set("New name");
    a.invalidate_one(Kind::Sites, "3").await;
    let took = eventually(
        Duration::from_millis(100),
        "B sees the change",
        async || db.read(&b).await == "New name",
    )
    .await;
    eprintln!("the other cache saw the change after {took:?}");
    assert_eq!(b.stats().kind(Kind::Sites).invalidations_received, 1);
    // A skips its own message.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(a.stats().kind(Kind::Sites).invalidations_received, 0);
    assert_eq!(a.stats().kind(Kind::Sites).invalidations, 1);
}

/// The second process of `a_second_os_process_sees_an_invalidation`: the same test binary,
/// started by that test with `CACHE_IT_PREFIX` and `CACHE_IT_DB` set. It reads site 3 through a
/// cache on that prefix, its "database" being the file in `CACHE_IT_DB`, and says on stdout
/// when it starts seeing a new value.
async fn play_the_other_process(prefix: String, db: String) {
    let p = Prefix {
        url: crate::support::SHARED_REDIS.to_owned(),
        prefix,
    };
    let cache = Cache::start(p.config(), None).await;
    // The parent removes the keys.
    std::mem::forget(p);
    let read = async || {
        let db = db.clone();
        cache
            .get_or_load(Kind::Sites, "3", || async move {
                Ok::<_, DbDown>(Some(std::fs::read_to_string(db).unwrap()))
            })
            .await
            .unwrap()
            .unwrap()
    };
    let first = read().await;
    println!("HELPER ready {first}");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let now = read().await;
        if now != first {
            println!("HELPER seen {now}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    println!("HELPER timeout");
}

#[tokio::test]
async fn a_second_os_process_sees_an_invalidation() {
    if let (Ok(prefix), Ok(db)) = (
        std::env::var("CACHE_IT_PREFIX"),
        std::env::var("CACHE_IT_DB"),
    ) {
        return play_the_other_process(prefix, db).await;
    }
    let p = Prefix::shared("channel-process");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site-3");
    std::fs::write(&db, "Old name").unwrap();
    let mut helper = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "channel::a_second_os_process_sees_an_invalidation",
            "--nocapture",
        ])
        .env("CACHE_IT_PREFIX", &p.prefix)
        .env("CACHE_IT_DB", &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    let stdout = helper.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(said) = line.strip_prefix("HELPER ") {
                let _ = lines_tx.send(said.to_owned());
            }
        }
    });
    let next = async |lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>| {
        tokio::time::timeout(Duration::from_secs(20), lines.recv())
            .await
            .expect("the helper answers")
            .expect("the helper runs")
    };
    assert_eq!(next(&mut lines).await, "ready Old name");

    let a = Cache::start(p.config(), None).await;
    std::fs::write(&db, "New name").unwrap();
    let started = Instant::now();
    a.invalidate_one(Kind::Sites, "3").await;
    assert_eq!(next(&mut lines).await, "seen New name");
    let took = started.elapsed();
    eprintln!("the other process saw the change after {took:?}");
    assert!(took < Duration::from_millis(100), "{took:?}");
    assert!(helper.wait().unwrap().success());
}

#[tokio::test]
async fn an_unreadable_message_empties_l1() {
    let p = Prefix::shared("channel-garbage");
    let a = Cache::start(p.config(), None).await;
    let db = Db::new("v1");
    db.read(&a).await;
    // Redis keeps the value; only A's L1 is emptied.
    db.set("v2");
    let _: i64 = redis::cmd("PUBLISH")
        .arg(format!("{}:v1:invalidate", p.prefix))
        .arg("not json")
        .query_async(&mut p.conn().await)
        .await
        .unwrap();
    eventually(Duration::from_secs(1), "A reads Redis again", async || {
        db.read(&a).await;
        a.stats().tier(Kind::Sites, Tier::L2).hits == 1
    })
    .await;
}
