//! A worker killed outright (SIGKILL) in the middle of a broadcast, in production's shape
//! (PostgreSQL, RabbitMQ, Redis sharing Telegram's limits between the workers, the worker as its
//! own process, Telegram's real limits in the fake): the job comes
//! back from RabbitMQ to a second worker, which finishes it. Nobody is left out, everyone is
//! counted once, and the only messages sent twice are those in flight at the kill — a message
//! Telegram accepted just before the kill, with its record lost, cannot be told from one never
//! sent (the Bot API has no idempotency key).

use crate::{fresh_postgres, start};
use app::broadcasts::BroadcastStatus;
use app::{EventBus, Policy, SetClock, StaffPro};
use chrono::TimeZone;
use domain::{Language, SitePatch};
use std::sync::Arc;
use std::time::{Duration, Instant};
use testkit::telegram::{FakeTelegram, FakeUser, RateLimits};

const PEOPLE: i64 = 300;
/// The broadcast job's sends in flight at a time (jobs/src/tasks/broadcast.rs: 32).
const IN_FLIGHT: usize = 32;

#[test]
fn a_worker_killed_mid_broadcast_leaves_nobody_out_and_counts_everyone_once() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let tg = rt
        .block_on(
            FakeTelegram::builder()
                .telegram_limits(RateLimits::TELEGRAM)
                .start(),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_postgres();
    let prefix = format!("test.kill.{}", std::process::id());
    let rabbit = std::env::var("RABBITMQ_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());
    let api_url = tg.api_url();
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let env = [
        // The limiter's state outlives the killed worker only when it is shared: without Redis,
        // the second worker would start with a fresh budget and meet a 429.
        ("REDIS_URL", redis.as_str()),
        ("CACHE_REDIS_PREFIX", prefix.as_str()),
        ("DATABASE_URL", db.as_str()),
        ("RABBITMQ_URL", rabbit.as_str()),
        ("RABBITMQ_PREFIX", prefix.as_str()),
        ("TELEGRAM_BOT_TOKEN", tg.token()),
        ("TELEGRAM_API_URL", api_url.as_str()),
    ];

    // An owner, a site, 300 employees and the broadcast with its job, through the use-cases.
    let people: Vec<FakeUser> = (0..PEOPLE).map(|i| FakeUser::ru(810_000 + i)).collect();
    let (app, anna, id) = rt.block_on(async {
        let store = Arc::new(store_postgres::PgStore::connect(&db).await.unwrap());
        let clock = Arc::new(SetClock::new(
            chrono::Utc.with_ymd_and_hms(2026, 11, 18, 7, 0, 0).unwrap(),
        ));
        let app = StaffPro::new(
            store.clone(),
            clock,
            Arc::new(EventBus::new()),
            Policy::default(),
        )
        .with_broadcasts(store);
        let anna = app.add_owner(8000, "Анна", Language::Ru).await.unwrap();
        let site = app
            .create_site(
                &anna,
                SitePatch {
                    name: Some("Склад".into()),
                    latitude: Some(55.75),
                    longitude: Some(37.62),
                    geofence_radius_m: Some(100),
                    opens_at: Some("00:00".into()),
                    closes_at: Some("00:00".into()),
                    hourly_rate_minor: Some(35_000),
                    ..SitePatch::default()
                },
            )
            .await
            .unwrap();
        for (i, p) in people.iter().enumerate() {
            tg.add_user(p);
            app.register_user(p.id, &format!("Сотрудник {i}"), Language::Ru)
                .await
                .unwrap();
            app.add_employee(&anna, site.id, p.id, None).await.unwrap();
        }
        let b = app
            .start_broadcast(&anna, None, "Инвентаризация в субботу", None)
            .await
            .unwrap();
        (app, anna, b.id)
    });
    let sent = |tg: &FakeTelegram| tg.request_count("sendMessage") as usize;

    // The first worker relays the job to RabbitMQ and starts sending; a third of the way in it
    // is killed.
    let first = start(dir.path(), &["worker"], &env);
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent(&tg) < PEOPLE as usize / 3 {
        assert!(
            Instant::now() < deadline,
            "the first worker sent {} messages:\n{}",
            sent(&tg),
            first.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill_now();
    let at_kill = sent(&tg);
    assert!(at_kill < PEOPLE as usize, "killed before the end");

    // The second worker gets the unacked job back and finishes it.
    let second = start(dir.path(), &["worker"], &env);
    let deadline = Instant::now() + Duration::from_secs(90);
    let done = loop {
        let b = rt.block_on(app.broadcast_of(&anna, id)).unwrap();
        if b.status == BroadcastStatus::Done {
            break b;
        }
        assert!(
            Instant::now() < deadline,
            "not finished: {b:?}\n{}",
            second.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    second.stop();

    assert_eq!(
        (done.total, done.sent, done.unreachable, done.failed),
        (PEOPLE as u32, PEOPLE as u32, 0, 0),
        "everyone counted once"
    );
    let mut repeats = 0;
    for p in &people {
        let got = tg
            .texts(p.id)
            .iter()
            .filter(|t| t.contains("Инвентаризация в субботу"))
            .count();
        assert!(got >= 1, "employee {} was left out", p.id);
        repeats += got - 1;
    }
    assert!(
        repeats <= IN_FLIGHT,
        "{repeats} messages sent twice; at most the {IN_FLIGHT} in flight at the kill may be"
    );
    // Not asserted: zero 429s. The limiter keeps 2 % below each limit, which holds on a quiet
    // machine (BENCHMARKS.md) but not when builds load it and a delayed request lands in the
    // next second; a 429 then pauses every send and the message is sent again — which is why
    // everyone above still got it.
}
