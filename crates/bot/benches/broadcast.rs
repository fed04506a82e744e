//! Broadcast pace under Telegram's limits: 10,000 messages from the `broadcast.send` job to the
//! fake Bot API enforcing Telegram's limits sped up (BENCH_SPEED_UP, default 10: 300 messages a
//! second for the bot, one per chat every 100 ms), with the bot's limiter set the same way.
//! Prints the sustained rate as a share of the allowed rate and the 429s the fake answered (the
//! target: ≥ 97 %, zero). PostgreSQL store, as `run` uses with DATABASE_URL. See BENCHMARKS.md.
//!
//! `cargo bench -p bot --bench broadcast` (BENCH_RECIPIENTS=n for another size).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::broadcasts::{BroadcastStatus, SEND_KIND, send_job};
use app::{BotStateStore, EventBus, Policy, StaffPro, Store, SystemClock};
use bot::limits::SendLimits;
use bot::{BotConfig, TelegramBot};
use domain::{Language, SitePatch};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Instant;
use testkit::telegram::{FakeTelegram, RateLimits};

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let speed_up = env_number("BENCH_SPEED_UP", 10);
    let recipients = i64::from(env_number("BENCH_RECIPIENTS", 10_000));
    let url = store_postgres::test_support::fresh_database()
        .await
        .unwrap();
    let pg = store_postgres::PgStore::connect(&url).await.unwrap();
    pg.migrate().await.unwrap();
    let pg = Arc::new(pg);
    let store: Arc<dyn Store> = pg.clone();
    let bot_state: Arc<dyn BotStateStore> = pg.clone();
    let app = StaffPro::new(
        store,
        Arc::new(SystemClock),
        Arc::new(EventBus::new()),
        Policy::default(),
    )
    .with_broadcasts(pg.clone());
    let tg = FakeTelegram::builder()
        .telegram_limits(RateLimits::TELEGRAM.faster(speed_up))
        .start()
        .await
        .unwrap();

    let owner = app.add_owner(1, "Owner", Language::En).await.unwrap();
    let site = app
        .create_site(
            &owner,
            SitePatch {
                name: Some("Cafe".into()),
                latitude: Some(55.75),
                longitude: Some(37.62),
                opens_at: Some("00:00".into()),
                closes_at: Some("00:00".into()),
                hourly_rate_minor: Some(35_000),
                ..SitePatch::default()
            },
        )
        .await
        .unwrap();
    let setup = Instant::now();
    futures_util::stream::iter(0..recipients)
        .map(|i| {
            let (app, owner) = (app.clone(), owner.clone());
            let tg = &tg;
            async move {
                let id = 1_000_000 + i;
                tg.add_user(&testkit::telegram::FakeUser::en(id));
                app.register_user(id, &format!("Worker {i}"), Language::En)
                    .await
                    .unwrap();
                app.add_employee(&owner, site.id, id, None).await.unwrap();
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
    eprintln!(
        "set-up: {recipients} employees in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let config = BotConfig {
        token: tg.token().to_owned(),
        api_url: Some(tg.api_url().parse().unwrap()),
        webhook: None,
        limits: SendLimits::TELEGRAM.faster(speed_up),
    };
    let bot = TelegramBot::connect(app.clone(), bot_state.clone(), config)
        .await
        .unwrap();
    let handlers = jobs::tasks::handlers(jobs::tasks::Context {
        app: app.clone(),
        store: pg.clone(),
        bot_state,
        notices: Some(Arc::new(bot::notices::BotNotices::of_bot(&bot, pg.clone()))),
        settings: jobs::tasks::Settings::default(),
    });
    let b = app
        .start_broadcast(&owner, None, "Inventory tomorrow at nine.", None)
        .await
        .unwrap();
    let outbox = send_job(b.id);
    let job = jobs::Job::new(outbox.id, outbox.kind, outbox.payload, chrono::Utc::now());
    let handler = handlers.get(SEND_KIND).unwrap().clone();

    let started = Instant::now();
    let outcome = handler.handle(&job).await;
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(outcome, jobs::Outcome::Done);
    let done = app.broadcast_of(&owner, b.id).await.unwrap();
    assert_eq!(done.status, BroadcastStatus::Done);
    let allowed = 30.0 * f64::from(speed_up);
    let rate = f64::from(done.sent) / elapsed;
    println!(
        "broadcast: {} of {} sent in {elapsed:.2} s = {rate:.1} messages/s = {:.1} % of the allowed {allowed:.0}/s (Telegram's 30/s × {speed_up}); 429s: {}",
        done.sent,
        done.total,
        100.0 * rate / allowed,
        tg.rate_limited(),
    );
    tg.shutdown();
    store_postgres::test_support::drop_database(&url).await.ok();
}
