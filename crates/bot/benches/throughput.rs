//! Bot throughput and latency through the whole path: fake Telegram server → bot (long polling)
//! → PostgreSQL → reply. Not a criterion benchmark: it drives a running system and prints
//! updates per second for a mix of /start, Status and open/close shift, and the p50/p99 time
//! from an open-shift location update to the reply. See BENCHMARKS.md.
//!
//! `cargo bench -p bot --bench throughput` (BENCH_CACHE=off: straight to PostgreSQL;
//! BENCH_NOTIFY=off: sites without owner notifications; BENCH_LIMITS=telegram: the bot keeps
//! Telegram's flood limits, which the fake here does not enforce — the replies take their slots
//! without waiting, but the owner's 2,000 notices would go at one a second, so use it with
//! BENCH_NOTIFY=off). Owner notices go as `run` sends them
//! on PostgreSQL without RabbitMQ: written to the outbox with each open and close, relayed to
//! the embedded queue in the same database and sent by a worker in this process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::{BotStateStore, EventBus, Policy, StaffPro, Store, SystemClock};
use bot::{BotConfig, TelegramBot};
use domain::{Language, SitePatch};
use std::sync::Arc;
use std::time::{Duration, Instant};
use testkit::telegram::{FakeTelegram, FakeUser, Incoming};
use tokio_util::sync::CancellationToken;

const EMPLOYEES: i64 = 250;
const ROUNDS: usize = 4;
const LAT: f64 = 55.7539;
const LON: f64 = 37.6208;

/// The bot's limiter: none unless BENCH_LIMITS=telegram (see the top of the file).
fn send_limits() -> bot::limits::SendLimits {
    match std::env::var("BENCH_LIMITS").as_deref() {
        Ok("telegram") => bot::limits::SendLimits::TELEGRAM,
        _ => bot::limits::SendLimits::UNLIMITED,
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let url = store_postgres::test_support::fresh_database()
        .await
        .unwrap();
    let pg = store_postgres::PgStore::connect(&url).await.unwrap();
    pg.migrate().await.unwrap();
    let pg = Arc::new(pg);
    // As the binary runs it: behind the cache (the in-process tier, the default), unless
    // BENCH_CACHE=off.
    let store: Arc<dyn Store> = match std::env::var("BENCH_CACHE").as_deref() {
        Ok("off") => pg.clone(),
        _ => Arc::new(cache::CachingStore::new(
            pg.clone(),
            cache::Cache::local(cache::CacheConfig::default()),
        )),
    };
    // BENCH_NOTIFY=off: sites without owner notifications (the set-up of the earliest figures).
    let notify = std::env::var("BENCH_NOTIFY").as_deref() != Ok("off");
    let bot_state: Arc<dyn BotStateStore> = pg.clone();
    let bus = Arc::new(EventBus::new());
    let app = StaffPro::new(
        store.clone(),
        Arc::new(SystemClock),
        bus.clone(),
        Policy::default(),
    );
    let tg = FakeTelegram::start().await;

    tg.add_user(&FakeUser::ru(1));
    let owner = app.add_owner(1, "Owner", Language::Ru).await.unwrap();
    let site = app
        .create_site(
            &owner,
            SitePatch {
                name: Some("Кофейня".into()),
                latitude: Some(LAT),
                longitude: Some(LON),
                opens_at: Some("00:00".into()),
                closes_at: Some("00:00".into()),
                hourly_rate_minor: Some(35_000),
                ..SitePatch::default()
            },
        )
        .await
        .unwrap();
    // Owner notifications stay on (the default for a new site) unless BENCH_NOTIFY=off: each
    // open and close also sends the owner a message, and the run counts as finished only when
    // those are sent too.
    if !notify {
        app.update_site(&owner, site.id, SitePatch::default(), None, Some(false))
            .await
            .unwrap();
    }
    let mut people = Vec::new();
    for i in 0..EMPLOYEES {
        let id = 10_000 + i;
        let user = FakeUser::ru(id);
        tg.add_user(&user);
        app.register_user(id, &format!("Сотрудник {i}"), Language::Ru)
            .await
            .unwrap();
        app.add_employee(&owner, site.id, id, None).await.unwrap();
        people.push(user);
    }

    let config = BotConfig {
        token: tg.token().to_owned(),
        api_url: Some(tg.api_url().parse().unwrap()),
        webhook: None,
        limits: send_limits(),
    };
    let bot = TelegramBot::connect(app.clone(), bot_state.clone(), config)
        .await
        .unwrap();
    let progress = bot.progress();
    let stop = CancellationToken::new();
    let clock: Arc<dyn app::Clock> = Arc::new(SystemClock);
    let queue: Arc<dyn jobs::JobQueue> = Arc::new(jobs::embedded::DbQueue::new(
        pg.clone(),
        clock.clone(),
        jobs::embedded::DbConfig::default(),
    ));
    let handlers = jobs::tasks::handlers(jobs::tasks::Context {
        app: app.clone(),
        store: pg.clone(),
        bot_state,
        notices: Some(Arc::new(bot::notices::BotNotices::of_bot(&bot, pg.clone()))),
        settings: jobs::tasks::Settings::default(),
    });
    let worker = Arc::new(jobs::Worker::new(
        queue.clone(),
        handlers,
        pg.clone(),
        clock.clone(),
        jobs::WorkerConfig::default(),
    ));
    let relay = Arc::new(jobs::Relay::new(
        pg.clone(),
        queue,
        clock,
        jobs::RelayConfig::default(),
    ));
    tokio::spawn(worker.run(stop.clone()));
    tokio::spawn(relay.run(stop.clone()));
    let running = tokio::spawn(bot.run(stop.clone()));
    tg.wait_for_requests("getUpdates", 1, Duration::from_secs(5))
        .await
        .unwrap();

    // Throughput: every employee sends the mix, all at once.
    let location = || Incoming::location(LAT + 0.0001, LON).accuracy(10.0);
    let started = Instant::now();
    let mut last = 0;
    let mut sent = 0u64;
    for _ in 0..ROUNDS {
        for p in &people {
            for incoming in [
                Incoming::command("start", None),
                Incoming::text("📍 Статус"),
                Incoming::text("🟢 Открыть смену"),
                location(),
                Incoming::text("🔴 Закрыть смену"),
                location(),
            ] {
                last = tg.send(p, incoming);
                sent += 1;
            }
        }
    }
    // Updates are handled per chat in order; wait for every chat's last one.
    tg.wait_for_all_updates_taken(Duration::from_secs(120))
        .await
        .unwrap();
    assert!(progress.wait_for(last, Duration::from_secs(120)).await);
    for p in &people {
        let want = 6 * ROUNDS;
        tg.wait_for_messages(p.id, want, Duration::from_secs(120))
            .await
            .unwrap();
    }
    // One notice per opened and per closed shift, to the owner's chat.
    let notices = if notify { 2 * ROUNDS * people.len() } else { 0 };
    tg.wait_for_messages(1, notices, Duration::from_secs(120))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    println!(
        "throughput: {sent} updates in {:.2} s = {:.0} updates/s ({EMPLOYEES} chats, mix of /start, Status, open and close shift; cache {}; owner notices {}; limits {})",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64(),
        if std::env::var("BENCH_CACHE").as_deref() == Ok("off") {
            "off"
        } else {
            "on (in-process)"
        },
        if notify { "on" } else { "off" },
        if send_limits().per_second > 0 {
            "Telegram's"
        } else {
            "off"
        },
    );

    // Latency: one employee at a time, the location that opens a shift → the reply.
    let mut samples = Vec::new();
    for p in people.iter().take(200) {
        let id = tg.send(p, Incoming::text("🟢 Открыть смену"));
        assert!(progress.wait_for(id, Duration::from_secs(10)).await);
        let before = tg.messages(p.id).len();
        let t0 = Instant::now();
        tg.send(p, location());
        tg.wait_for_messages(p.id, before + 1, Duration::from_secs(10))
            .await
            .unwrap();
        samples.push(t0.elapsed());
        let id = tg.send(p, Incoming::text("🔴 Закрыть смену"));
        assert!(progress.wait_for(id, Duration::from_secs(10)).await);
        let id = tg.send(p, location());
        assert!(progress.wait_for(id, Duration::from_secs(10)).await);
    }
    samples.sort();
    let pct = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "open-shift location → reply: p50 {:.2} ms, p99 {:.2} ms ({} samples)",
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        samples.len()
    );
    stop.cancel();
    running.await.unwrap().unwrap();
    tg.shutdown();
    store_postgres::test_support::drop_database(&url).await.ok();
}
