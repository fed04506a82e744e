//! Serving: the start-up lines, the bot beside the API (long polling and webhook), the log lines
//! on a pipe, and supervision: a part that dies stops the process with a failure, SIGTERM stops
//! it with success within the shutdown deadline.

use crate::{get, issue_token, ok, post, staffprobot, start};
use std::time::Duration;
use testkit::telegram::{FakeTelegram, FakeUser, Fault, FaultRule, Incoming};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn run_with_no_configuration_uses_sqlite_in_data_and_prints_where_to_look() {
    let dir = tempfile::tempdir().unwrap();
    let run = start(dir.path(), &["run"], &[]);
    let text = run.lines.join("\n");
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
    assert_eq!(get(&format!("{}/health", run.base), None).0, 200);
    assert_eq!(get(&format!("{}/ready", run.base), None).0, 200);
    assert_eq!(get(&format!("{}/docs", run.base), None).0, 200);
    // No bot: a broadcast could never be sent, so it is refused, not left waiting.
    ok(staffprobot(dir.path(), &[])
        .args(["owner", "add", "--telegram-id", "556", "--name", "Анна"])
        .output()
        .unwrap());
    let token = issue_token(dir.path(), &[], "556");
    let (status, body) = post(
        &format!("{}/api/v1/broadcasts", run.base),
        &token,
        r#"{"text": "Завтра собрание"}"#,
    );
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("\"no_telegram_bot\""), "{body}");
    assert!(body.contains("TELEGRAM_BOT_TOKEN"), "{body}");
    run.stop();
}

/// The README's first command with a bot token: the bot answers through the Bot API server it
/// is pointed at (the fake one here), alongside the API. Its log, written to a pipe, has no
/// colour codes, shows the bot's info lines with the default filter, and one span per HTTP
/// request (probes only at DEBUG).
#[test]
fn run_with_a_bot_token_serves_the_bot_too_and_logs_plainly() {
    let rt = runtime();
    let tg = rt.block_on(FakeTelegram::start());
    let dir = tempfile::tempdir().unwrap();
    ok(staffprobot(dir.path(), &[])
        .args(["owner", "add", "--telegram-id", "555", "--name", "Анна"])
        .output()
        .unwrap());
    let token = issue_token(dir.path(), &[], "555");
    let api_url = tg.api_url();
    let env = [
        ("TELEGRAM_BOT_TOKEN", tg.token()),
        ("TELEGRAM_API_URL", api_url.as_str()),
    ];
    let run = start(dir.path(), &["run"], &env);
    assert!(
        run.lines.join("\n").contains("long polling"),
        "{:?}",
        run.lines
    );
    let anna = FakeUser::ru(4242).named("Анна", None);
    tg.send_command(&anna, "start", None);
    let sent = rt
        .block_on(tg.wait_for_messages(4242, 1, Duration::from_secs(10)))
        .unwrap();
    assert!(
        sent[0].text().contains("Здравствуйте, Анна"),
        "{}",
        sent[0].text()
    );
    assert_eq!(get(&format!("{}/health", run.base), None).0, 200);
    let (status, _) = get(&format!("{}/api/v1/sites", run.base), Some(&token));
    assert_eq!(status, 200);
    let log = run.stop();

    assert!(!log.contains('\x1b'), "no colour codes on a pipe:\n{log}");
    assert!(log.contains("telegram bot connected"), "{log}");
    let request = log
        .lines()
        .find(|l| l.contains("api::access"))
        .unwrap_or_else(|| panic!("an access line:\n{log}"));
    for field in [
        "http_request{",
        "method=GET",
        "route=/api/v1/sites",
        "status=200",
        "latency_us=",
    ] {
        assert!(request.contains(field), "{field} in {request}");
    }
    assert!(
        !log.contains("route=/health"),
        "probes log at DEBUG:\n{log}"
    );
    assert!(log.contains("shutdown requested"), "{log}");
}

/// Webhook mode: the same HTTP server takes Telegram's posts and refuses a wrong secret.
#[test]
fn run_in_webhook_mode_refuses_a_wrong_secret() {
    let rt = runtime();
    let tg = rt.block_on(FakeTelegram::start());
    let dir = tempfile::tempdir().unwrap();
    // The port is only known after start; register a webhook URL on a fixed free port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let webhook = format!("http://127.0.0.1:{port}/telegram/webhook");
    let addr = format!("127.0.0.1:{port}");
    let api_url = tg.api_url();
    let env = [
        ("TELEGRAM_BOT_TOKEN", tg.token()),
        ("TELEGRAM_API_URL", api_url.as_str()),
        ("TELEGRAM_WEBHOOK_URL", webhook.as_str()),
        ("TELEGRAM_WEBHOOK_SECRET", "s3cret"),
        ("HTTP_ADDR", addr.as_str()),
    ];
    let run = start(dir.path(), &["run"], &env);
    rt.block_on(tg.wait_until(Duration::from_secs(10), |tg| tg.webhook().is_some()))
        .unwrap();
    let user = FakeUser::ru(5151);
    let update = tg.prepare(&user, Incoming::command("start", None));
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
    let log = run.stop();
    assert!(
        !log.contains("s3cret"),
        "the webhook secret is never logged"
    );
}

#[test]
fn the_bot_alone_needs_a_token_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = staffprobot(dir.path(), &[]).arg("bot").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TELEGRAM_BOT_TOKEN is not set"));
}

/// `run` is the API and the bot in one process: when Telegram stops accepting the token (it was
/// revoked), the bot cannot go on, and the whole process stops with a failure and says why,
/// instead of serving the API while the bot is silently gone.
#[test]
fn a_bot_that_dies_stops_the_process_with_a_failure() {
    let rt = runtime();
    let tg = rt.block_on(FakeTelegram::start());
    // getMe at start works; every getUpdates answers what Telegram answers a revoked token.
    tg.add_fault(
        FaultRule::new(Fault::Error {
            code: 401,
            description: "Unauthorized".into(),
        })
        .method("getUpdates")
        .always(),
    );
    let dir = tempfile::tempdir().unwrap();
    let api_url = tg.api_url();
    let env = [
        ("TELEGRAM_BOT_TOKEN", tg.token()),
        ("TELEGRAM_API_URL", api_url.as_str()),
    ];
    let run = start(dir.path(), &["run"], &env);
    let base = run.base.clone();
    let (status, log) = run.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("the Telegram bot stopped") && log.contains("no longer accepts the bot token"),
        "says which part stopped and why:\n{log}"
    );
    let addr = base.trim_start_matches("http://");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the HTTP server went with it"
    );
}

/// SIGTERM waits for work in flight only up to SHUTDOWN_TIMEOUT_SECONDS: a reply stuck on a
/// slow Telegram does not hold the process, which still exits with success.
#[test]
fn sigterm_stops_within_the_shutdown_deadline() {
    let rt = runtime();
    let tg = rt.block_on(FakeTelegram::start());
    tg.add_fault(
        FaultRule::new(Fault::Delay(Duration::from_secs(60)))
            .method("sendMessage")
            .always(),
    );
    let dir = tempfile::tempdir().unwrap();
    let api_url = tg.api_url();
    let env = [
        ("TELEGRAM_BOT_TOKEN", tg.token()),
        ("TELEGRAM_API_URL", api_url.as_str()),
        ("SHUTDOWN_TIMEOUT_SECONDS", "1"),
    ];
    let run = start(dir.path(), &["run"], &env);
    tg.send_command(&FakeUser::ru(6161), "start", None);
    rt.block_on(tg.wait_until(Duration::from_secs(10), |tg| {
        tg.request_count("sendMessage") >= 1
    }))
    .unwrap();
    let started = std::time::Instant::now();
    let (status, log) = run.terminate_and_wait(Duration::from_secs(10));
    assert!(status.success(), "{status}\n{log}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(log.contains("shutdown deadline passed"), "{log}");
}
