//! End-to-end tests of the `staffprobot` binary: the README's first command on a fresh folder,
//! configuration errors, operator commands and the demo data, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_staffprobot");

/// The binary with a clean environment (nothing from the developer's shell leaks in).
fn staffprobot(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn ok(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Starts `run`/`api` on a free port and returns the child and its base URL read from its
/// start-up lines.
fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Child, String, Vec<String>) {
    let mut env = env.to_vec();
    env.push(("HTTP_ADDR", "127.0.0.1:0"));
    let mut child = staffprobot(dir, &env)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    let mut base = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.trim().strip_prefix("Health:") {
            base = rest
                .split_whitespace()
                .next()
                .map(|u| u.trim_end_matches("/health").to_owned());
        }
        let done = line.starts_with("Press Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    (
        child,
        base.expect("the start-up lines name the health URL"),
        lines,
    )
}

fn stop(mut child: Child) {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "graceful shutdown exits 0, got {status}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut req = reqwest::Client::new().get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    })
}

#[test]
fn run_with_no_configuration_uses_sqlite_in_data_and_prints_where_to_look() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base, lines) = start(dir.path(), &["run"], &[]);
    let text = lines.join("\n");
    for expected in [
        "/api/v1",
        "/docs",
        "/health",
        "sqlite://./data/staffprobot.db",
        "TELEGRAM_BOT_TOKEN",
    ] {
        assert!(
            text.contains(expected),
            "start-up lines mention {expected}:\n{text}"
        );
    }
    assert!(dir.path().join("data/staffprobot.db").exists());
    assert_eq!(get(&format!("{base}/health"), None).0, 200);
    assert_eq!(get(&format!("{base}/ready"), None).0, 200);
    assert_eq!(get(&format!("{base}/docs"), None).0, 200);
    stop(child);
}

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

    let (child, base, _) = start(dir.path(), &["api"], &[]);
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
    assert_eq!(get(&format!("{base}/api/v1/sites"), Some(&token)).0, 401);
    stop(child);

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

    let out = ok(staffprobot(dir.path(), env)
        .args(["token", "issue", "--telegram-id", "9100000001"])
        .output()
        .unwrap());
    let token = out
        .lines()
        .find(|l| l.starts_with("spb_"))
        .unwrap()
        .trim()
        .to_owned();
    let (child, base, _) = start(dir.path(), &["api"], env);
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
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Duration::days(30);
    let (status, body) = get(
        &format!("{base}/api/v1/reports/summary?from={from}&to={today}"),
        Some(&token),
    );
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(report.to_string().contains("worked_minutes"));
    let (_, body) = get(&format!("{base}/api/v1/planned-shifts"), Some(&token));
    assert!(
        serde_json::from_str::<serde_json::Value>(&body)
            .unwrap()
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    stop(child);
}

#[test]
fn demo_seed_on_sqlite() {
    demo_seed_and_report(&[]);
}

#[test]
fn demo_seed_and_migrate_on_postgres() {
    let url = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(store_postgres::test_support::fresh_database())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = ok(staffprobot(dir.path(), &[("DATABASE_URL", &url)])
        .arg("migrate")
        .output()
        .unwrap());
    assert!(out.contains("Migrations applied"));
    demo_seed_and_report(&[("DATABASE_URL", &url)]);
}

/// The README's first command with a bot token: the bot answers through the Bot API server it
/// is pointed at (the fake one here), alongside the API.
#[test]
fn run_with_a_bot_token_serves_the_bot_too() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let tg = rt.block_on(testkit::telegram::FakeTelegram::start());
    let dir = tempfile::tempdir().unwrap();
    let api_url = tg.api_url();
    let env = [
        ("TELEGRAM_BOT_TOKEN", tg.token()),
        ("TELEGRAM_API_URL", api_url.as_str()),
    ];
    let (child, base, lines) = start(dir.path(), &["run"], &env);
    assert!(lines.join("\n").contains("long polling"), "{lines:?}");
    let anna = testkit::telegram::FakeUser::ru(4242).named("Анна", None);
    tg.send_command(&anna, "start", None);
    let sent = rt
        .block_on(tg.wait_for_messages(4242, 1, Duration::from_secs(10)))
        .unwrap();
    assert!(
        sent[0].text().contains("Здравствуйте, Анна"),
        "{}",
        sent[0].text()
    );
    assert_eq!(get(&format!("{base}/health"), None).0, 200);
    stop(child);
}

/// Webhook mode: the same HTTP server takes Telegram's posts and refuses a wrong secret.
#[test]
fn run_in_webhook_mode_refuses_a_wrong_secret() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let tg = rt.block_on(testkit::telegram::FakeTelegram::start());
    let dir = tempfile::tempdir().unwrap();
    // The port is only known after start; register a webhook URL on a fixed free port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let webhook = format!("http://127.0.0.1:{port}/telegram/webhook");
    let api_url = tg.api_url();
    let mut cmd_env = vec![
        ("TELEGRAM_BOT_TOKEN", tg.token()),
        ("TELEGRAM_API_URL", api_url.as_str()),
        ("TELEGRAM_WEBHOOK_URL", webhook.as_str()),
        ("TELEGRAM_WEBHOOK_SECRET", "s3cret"),
    ];
    let addr = format!("127.0.0.1:{port}");
    cmd_env.push(("HTTP_ADDR", addr.as_str()));
    let mut child = staffprobot(dir.path(), &cmd_env)
        .arg("run")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    for line in out.lines() {
        if line.unwrap().starts_with("Press Ctrl-C") {
            break;
        }
    }
    rt.block_on(tg.wait_until(Duration::from_secs(10), |tg| tg.webhook().is_some()))
        .unwrap();
    let user = testkit::telegram::FakeUser::ru(5151);
    let update = tg.prepare(&user, testkit::telegram::Incoming::command("start", None));
    assert_eq!(
        rt.block_on(tg.post_update(&webhook, update, Some("wrong")))
            .unwrap(),
        403
    );
    assert_eq!(
        rt.block_on(tg.post_update(&webhook, update, Some("s3cret")))
            .unwrap(),
        200
    );
    rt.block_on(tg.wait_for_messages(5151, 1, Duration::from_secs(10)))
        .unwrap();
    stop(child);
}

#[test]
fn the_bot_alone_needs_a_token_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = staffprobot(dir.path(), &[]).arg("bot").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TELEGRAM_BOT_TOKEN is not set"));
}
