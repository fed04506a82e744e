//! The cache across processes: two `staffprobot api` servers on one database, and an
//! operator's command beside them. A token revoked by `staffprobot token revoke`, and a site
//! deactivated through one server, are seen by every server within the bound — through Redis
//! when `REDIS_URL` is set, through the database's invalidation feed when it is not.

use crate::{fresh_postgres, get, issue_token, ok, post, staffprobot, start};
use std::path::Path;
use std::time::{Duration, Instant};

/// Polls `url` with `token` until it answers `status`; returns how long that took.
fn answers_within(url: &str, token: &str, status: u16, bound: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let (got, body) = get(url, Some(token));
        if got == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < bound,
            "{url} still answers {got} after {bound:?}, not {status}: {body}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn changes_reach_every_server(dir: &Path, env: &[(&str, &str)], bound: Duration) {
    ok(staffprobot(dir, env).arg("migrate").output().unwrap());
    ok(staffprobot(dir, env)
        .args(["owner", "add", "--telegram-id", "555", "--name", "Анна"])
        .output()
        .unwrap());
    let token = issue_token(dir, env, "555");
    let a = start(dir, &["api"], env);
    let b = start(dir, &["api"], env);
    let (status, body) = post(
        &format!("{}/api/v1/sites", a.base),
        &token,
        r#"{"name":"Кофейня","latitude":55.75,"longitude":37.62,"opens_at":"08:00","closes_at":"22:00","hourly_rate_minor":30000}"#,
    );
    assert_eq!(status, 201, "{body}");
    let site: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = site["id"].as_i64().unwrap();
    // Both servers read the site (and the token's holder) into their caches.
    for server in [&a, &b] {
        let (status, body) = get(&format!("{}/api/v1/sites/{id}", server.base), Some(&token));
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(r#""active":true"#), "{body}");
    }

    // A site deactivated through A: B shows it inactive.
    let (status, body) = post(
        &format!("{}/api/v1/sites/{id}/deactivate", a.base),
        &token,
        "",
    );
    assert_eq!(status, 200, "{body}");
    let started = Instant::now();
    loop {
        let (_, body) = get(&format!("{}/api/v1/sites/{id}", b.base), Some(&token));
        if body.contains(r#""active":false"#) {
            break;
        }
        assert!(
            started.elapsed() < bound,
            "B still shows the site active: {body}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }

    // A token revoked by an operator's command (a third process): refused by both.
    ok(staffprobot(dir, env)
        .args(["token", "revoke", "--telegram-id", "555"])
        .output()
        .unwrap());
    for server in [&a, &b] {
        let took = answers_within(&format!("{}/api/v1/sites", server.base), &token, 401, bound);
        eprintln!("token refused by {} after {took:?}", server.base);
    }
    a.stop();
    b.stop();
}

/// `cache stats` sums what every process counted (with Redis); `cache flush` empties a kind.
fn operator_sees_statistics_and_flushes(dir: &Path, env: &[(&str, &str)]) {
    let out = ok(staffprobot(dir, env)
        .args(["cache", "stats"])
        .output()
        .unwrap());
    assert!(out.contains("every process"), "{out}");
    let people = out
        .lines()
        .find(|l| l.starts_with("people") && l.contains("l1"))
        .unwrap_or_else(|| panic!("a line for people in memory: {out}"));
    let hits: u64 = people.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(hits > 0, "the servers' hits are summed: {out}");
    let out = ok(staffprobot(dir, env)
        .args(["cache", "flush", "--kind", "sites"])
        .output()
        .unwrap());
    assert!(out.contains("sites"), "{out}");
    let refused = staffprobot(dir, env)
        .args(["cache", "flush", "--kind", "nonsense"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
}

#[test]
fn changes_reach_every_server_through_redis() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_postgres();
    let prefix = format!("test-bin-{}", std::process::id());
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("CACHE_REDIS_PREFIX", prefix.as_str()),
    ];
    changes_reach_every_server(
        dir.path(),
        &env,
        // The cache's own tests hold a message under 100 ms; here each poll is a new
        // connection and an HTTP request, on a busy CI machine.
        Duration::from_millis(500),
    );
    operator_sees_statistics_and_flushes(dir.path(), &env);
    // Everything under the test's prefix goes (values expire anyway; the statistics would not).
    ok(staffprobot(dir.path(), &env)
        .args(["cache", "flush"])
        .output()
        .unwrap());
}

#[test]
fn changes_reach_every_server_through_the_database_without_redis() {
    let dir = tempfile::tempdir().unwrap();
    // The feed is read every 250 ms.
    changes_reach_every_server(dir.path(), &[], Duration::from_secs(2));
}
