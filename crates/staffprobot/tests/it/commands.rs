//! Configuration errors, `--help`, and the operator commands: owners, tokens, demo data.

use crate::{fresh_postgres, get, issue_token, ok, staffprobot, start};

#[test]
fn bad_environment_values_stop_the_start_with_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let out = staffprobot(
        dir.path(),
        &[
            ("HTTP_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://db"),
            ("LOG_FORMAT", "yaml"),
        ],
    )
    .arg("run")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for var in ["HTTP_ADDR:", "DATABASE_URL:", "LOG_FORMAT:"] {
        assert_eq!(
            err.lines().filter(|l| l.contains(var)).count(),
            1,
            "one line for {var}:\n{err}"
        );
    }
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created on a bad start"
    );
}

#[test]
fn every_command_has_help_with_examples() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["run", "--help"],
        vec!["api", "--help"],
        vec!["bot", "--help"],
        vec!["migrate", "--help"],
        vec!["owner", "add", "--help"],
        vec!["token", "issue", "--help"],
        vec!["token", "revoke", "--help"],
        vec!["demo", "seed", "--help"],
    ] {
        let out = ok(staffprobot(dir.path(), &[]).args(&args).output().unwrap());
        assert!(
            out.contains("Example"),
            "{args:?} help has examples:\n{out}"
        );
    }
}

#[test]
fn owner_token_and_api_access_then_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(staffprobot(dir.path(), &[])
        .args(["owner", "add", "--telegram-id", "555", "--name", "Анна"])
        .output()
        .unwrap());
    assert!(out.contains("Анна"));
    let out = ok(staffprobot(dir.path(), &[])
        .args(["token", "issue", "--telegram-id", "555"])
        .output()
        .unwrap());
    let token = out
        .lines()
        .find(|l| l.starts_with("spb_"))
        .expect("the token is printed")
        .trim()
        .to_owned();

    let api = start(dir.path(), &["api"], &[]);
    let base = api.base.clone();
    let (status, body) = get(&format!("{base}/api/v1/sites"), Some(&token));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        get(&format!("{base}/api/v1/sites"), Some("spb_wrong")).0,
        401
    );

    let out = ok(staffprobot(dir.path(), &[])
        .args(["token", "revoke", "--telegram-id", "555"])
        .output()
        .unwrap());
    assert!(out.contains("Revoked 1"));
    // The running server hears of it through the database's invalidation feed (read every
    // 250 ms; see tests/it/cache.rs).
    let started = std::time::Instant::now();
    while get(&format!("{base}/api/v1/sites"), Some(&token)).0 != 401 {
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    api.stop();

    let unknown = staffprobot(dir.path(), &[])
        .args(["token", "issue", "--telegram-id", "777"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("owner add"));
}

fn demo_seed_and_report(env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(staffprobot(dir.path(), env)
        .args(["demo", "seed"])
        .output()
        .unwrap());
    assert!(out.contains("12 sites, 60 employees"), "{out}");
    let again = staffprobot(dir.path(), env)
        .args(["demo", "seed"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already loaded"));

    let token = issue_token(dir.path(), env, "9100000001");
    let api = start(dir.path(), &["api"], env);
    let base = api.base.clone();
    let (status, body) = get(&format!("{base}/api/v1/sites"), Some(&token));
    assert_eq!(status, 200);
    let sites: serde_json::Value = serde_json::from_str(&body).unwrap();
    let sites = sites.as_array().unwrap();
    assert_eq!(sites.len(), 4, "the first demo owner has four sites");
    assert!(
        sites
            .iter()
            .any(|s| s["opens_at"] == "20:00" && s["closes_at"] == "06:00"),
        "an overnight site"
    );
    // The demo data is laid out around the binary's own now: the report covers the 30 days up
    // to the newest shift (a day of slack for the sites' zones), read from the API rather than
    // from this test's clock.
    let (status, body) = get(&format!("{base}/api/v1/shifts?limit=1"), Some(&token));
    assert_eq!(status, 200, "{body}");
    let newest: serde_json::Value = serde_json::from_str(&body).unwrap();
    let started: chrono::DateTime<chrono::Utc> = newest[0]["started_at"]
        .as_str()
        .expect("the demo owner has shifts")
        .parse()
        .unwrap();
    let today = started.date_naive() + chrono::Duration::days(1);
    let from = today - chrono::Duration::days(30);
    let (status, body) = get(
        &format!("{base}/api/v1/reports/summary?from={from}&to={today}"),
        Some(&token),
    );
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        report["totals"]["worked_minutes"]
            .as_i64()
            .is_some_and(|m| m > 0),
        "the month holds worked time: {body}"
    );
    let (_, body) = get(&format!("{base}/api/v1/planned-shifts"), Some(&token));
    assert!(
        serde_json::from_str::<serde_json::Value>(&body)
            .unwrap()
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    api.stop();
}

#[test]
fn demo_seed_on_sqlite() {
    demo_seed_and_report(&[]);
}

#[test]
fn demo_seed_and_migrate_on_postgres() {
    let url = fresh_postgres();
    let dir = tempfile::tempdir().unwrap();
    let out = ok(staffprobot(dir.path(), &[("DATABASE_URL", &url)])
        .arg("migrate")
        .output()
        .unwrap());
    assert!(out.contains("Migrations applied"));
    demo_seed_and_report(&[("DATABASE_URL", &url)]);
}
