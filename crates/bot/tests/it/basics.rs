//! The bot's plumbing seen from outside: start and menus in both languages, open and close a
//! shift, joining a site, faults from Telegram, restarts, webhook mode.

use crate::support::{Backend, Harness, WAIT, joined};
use app::ShiftFilter;
use bot::{BotConfig, TelegramBot, WebhookConfig};
use domain::ShiftStatus;
use std::sync::Arc;
use testkit::telegram::{FakeUser, Fault, Incoming};
use tokio_util::sync::CancellationToken;

async fn start_shows_the_menu(backend: Backend) {
    let h = Harness::start(backend).await;
    let ivan = FakeUser::ru(501).named("Иван", None);
    let out = h.command(&ivan, "start", None).await;
    assert_eq!(out.len(), 1);
    assert!(
        out[0].text().contains("Здравствуйте, Иван!"),
        "{}",
        out[0].text()
    );
    let menu = out[0].reply_keyboard().expect("the main menu").texts();
    assert!(
        menu.concat().contains(&"🟢 Открыть смену".to_owned()),
        "{menu:?}"
    );
    let stored = h.store.user_by_telegram_id(501).await.unwrap().unwrap();
    assert_eq!(stored.language, domain::Language::Ru);

    let john = FakeUser::en(502).named("John", None);
    let out = h.command(&john, "start", None).await;
    assert!(out[0].text().contains("Hello, John!"));
    assert!(
        out[0]
            .reply_keyboard()
            .unwrap()
            .texts()
            .concat()
            .contains(&"🟢 Open shift".to_owned())
    );
    h.shutdown().await;
}

#[tokio::test]
async fn start_shows_the_menu_sqlite() {
    start_shows_the_menu(Backend::Sqlite).await;
}

#[tokio::test]
async fn start_shows_the_menu_postgres() {
    start_shows_the_menu(Backend::Postgres).await;
}

async fn open_and_close_a_shift(backend: Backend) {
    let h = Harness::start(backend).await;
    let owner_tg = FakeUser::ru(600);
    let owner = h.owner(&owner_tg, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan = FakeUser::ru(601).named("Иван", None);
    h.employee(&ivan, "Иван", &owner, &site).await;

    let out = h.press(&ivan, "🟢 Открыть смену").await;
    assert!(
        joined(&out).contains("Отправить геопозицию"),
        "{}",
        joined(&out)
    );
    let kb = out.last().unwrap().reply_keyboard().unwrap();
    assert!(
        kb.buttons().any(|b| b.request_location),
        "a location button"
    );

    // Too far: the distance and the radius, and the dialogue stays.
    let out = h.location(&ivan, 350.0, 10.0).await;
    let text = joined(&out);
    assert!(text.contains("350 м") && text.contains("100 м"), "{text}");
    // Close enough.
    let out = h.location(&ivan, 20.0, 10.0).await;
    assert!(joined(&out).contains("Смена открыта"), "{}", joined(&out));
    assert!(joined(&out).contains("Кофейня"));
    let active = h
        .store
        .active_shift(h.store.user_by_telegram_id(601).await.unwrap().unwrap().id)
        .await
        .unwrap();
    assert!(active.is_some());
    // The owner was told.
    h.tg.wait_until(WAIT, |tg| {
        tg.texts(600)
            .iter()
            .any(|t| t.contains("Иван открыл(а) смену"))
    })
    .await
    .unwrap();

    let out = h.press(&ivan, "🔴 Закрыть смену").await;
    assert!(joined(&out).contains("закрыть смену"), "{}", joined(&out));
    let out = h.location(&ivan, 0.0, 5.0).await;
    let text = joined(&out);
    assert!(
        text.contains("Смена закрыта") && text.contains("0 мин ×") && text.contains("350,00"),
        "{text}"
    );
    let shifts = h
        .store
        .list_shifts(&ShiftFilter {
            site_ids: vec![site.id],
            limit: 10,
            ..ShiftFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(shifts.len(), 1);
    assert_eq!(shifts[0].status, ShiftStatus::Closed);
    h.shutdown().await;
}

#[tokio::test]
async fn open_and_close_a_shift_sqlite() {
    open_and_close_a_shift(Backend::Sqlite).await;
}

#[tokio::test]
async fn open_and_close_a_shift_postgres() {
    open_and_close_a_shift(Backend::Postgres).await;
}

#[tokio::test]
async fn refused_locations_each_get_their_reason_in_english() {
    let h = Harness::start(Backend::Sqlite).await;
    let owner = h.owner(&FakeUser::en(700), "Olga").await;
    let site = h.site(&owner, "Warehouse").await;
    let tom = FakeUser::en(701).named("Tom", None);
    h.employee(&tom, "Tom", &owner, &site).await;
    h.press(&tom, "🟢 Open shift").await;

    let out = h.location(&tom, 0.0, 400.0).await;
    assert!(
        joined(&out).contains("too imprecise (±400 m"),
        "{}",
        joined(&out)
    );
    let forwarded = Incoming::location(crate::support::SITE_LAT, crate::support::SITE_LON)
        .accuracy(5.0)
        .forwarded_from(&FakeUser::en(999), None);
    let out = h.act(&tom, forwarded).await;
    assert!(
        joined(&out).contains("forwarded location cannot be used"),
        "{}",
        joined(&out)
    );
    let old = Incoming::location(crate::support::SITE_LAT, crate::support::SITE_LON)
        .accuracy(5.0)
        .sent_at(h.now() - chrono::Duration::minutes(10));
    let out = h.act(&tom, old).await;
    assert!(
        joined(&out).contains("This location is old (10 min ago)"),
        "{}",
        joined(&out)
    );
    let out = h.text(&tom, "I am here").await;
    assert!(
        joined(&out).contains("Telegram Desktop or Web"),
        "{}",
        joined(&out)
    );
    // Still nothing stored.
    let tom_id = h.store.user_by_telegram_id(701).await.unwrap().unwrap().id;
    assert!(h.store.active_shift(tom_id).await.unwrap().is_none());
    h.shutdown().await;
}

#[tokio::test]
async fn join_by_link_approved_by_the_owner() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna_tg = FakeUser::ru(800).named("Анна", None);
    let owner = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&owner, "Склад").await;
    let petr = FakeUser::ru(801).named("Пётр", None);

    let out = h
        .command(&petr, "start", Some(&format!("j{}", site.join_code)))
        .await;
    assert!(
        joined(&out).contains("отправлен владельцу"),
        "{}",
        joined(&out)
    );
    let request =
        h.tg.wait_for_messages(800, 1, WAIT)
            .await
            .unwrap()
            .pop()
            .unwrap();
    assert!(
        request
            .text()
            .contains("Пётр хочет работать на объекте «Склад»"),
        "{}",
        request.text()
    );
    // The same link again: already waiting.
    let out = h
        .command(&petr, "start", Some(&format!("j{}", site.join_code)))
        .await;
    assert!(joined(&out).contains("уже ждёт"), "{}", joined(&out));

    h.tap(&anna_tg, &request, "✅ Одобрить").await;
    let edited = h.tg.message(800, request.message_id).unwrap();
    assert!(
        edited.text().contains("теперь работает"),
        "{}",
        edited.text()
    );
    let told =
        h.tg.wait_until(WAIT, |tg| {
            tg.texts(801).iter().any(|t| t.contains("одобрил"))
        })
        .await;
    assert!(told.is_ok());
    let petr_id = h.store.user_by_telegram_id(801).await.unwrap().unwrap().id;
    assert!(h.store.has_access(site.id, petr_id).await.unwrap());
    // A second tap (double tap, or another manager) is refused with a notice, nothing changes.
    let id =
        h.tg.tap_button(&anna_tg, request.message_id, "❌ Отклонить");
    // The buttons are gone after the decision, so the tap cannot even be made.
    assert!(id.is_err());
    let out = h.command(&petr, "start", Some("jnosuchcode")).await;
    assert!(joined(&out).contains("не подходит"), "{}", joined(&out));
    h.shutdown().await;
}

#[tokio::test]
async fn telegram_429_is_waited_out_and_403_marks_the_person_unreachable() {
    let h = Harness::start(Backend::Sqlite).await;
    let ivan = FakeUser::ru(901);
    h.tg.fail_next_in_chat("sendMessage", 901, Fault::RetryAfter(1));
    let out = h.command(&ivan, "start", None).await;
    assert_eq!(out.len(), 1, "sent once, after waiting");
    assert!(out[0].text().contains("Здравствуйте"));

    h.tg.block_bot(901);
    h.command(&ivan, "help", None).await;
    let user = h.store.user_by_telegram_id(901).await.unwrap().unwrap();
    assert!(!user.reachable);
    h.tg.unblock_bot(901);
    // Writing again makes them reachable.
    let out = h.command(&ivan, "menu", None).await;
    assert_eq!(out.len(), 1);
    assert!(
        h.store
            .user_by_telegram_id(901)
            .await
            .unwrap()
            .unwrap()
            .reachable
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_dialogue_survives_a_restart_of_the_bot() {
    let mut h = Harness::start(Backend::Sqlite).await;
    let owner = h.owner(&FakeUser::ru(1000), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan = FakeUser::ru(1001);
    h.employee(&ivan, "Иван", &owner, &site).await;
    h.press(&ivan, "🟢 Открыть смену").await;
    h.restart_bot().await;
    let out = h.location(&ivan, 10.0, 10.0).await;
    assert!(joined(&out).contains("Смена открыта"), "{}", joined(&out));
    h.shutdown().await;
}

#[tokio::test]
async fn unexpected_input_gets_a_hint_and_the_menu() {
    let h = Harness::start(Backend::Sqlite).await;
    let ivan = FakeUser::ru(1101);
    for incoming in [
        Incoming::text("привет"),
        Incoming::sticker("🙂"),
        Incoming::command("nonsense", None),
    ] {
        let out = h.act(&ivan, incoming).await;
        assert_eq!(out.len(), 1);
        assert!(out[0].text().contains("Не понял"), "{}", out[0].text());
        assert!(out[0].reply_keyboard().is_some());
    }
    // A stale button from an old message.
    let id = h.tg.send_callback(&ivan, 12345, "0zz");
    let answer = h.tg.wait_for_callback_answer(id, WAIT).await.unwrap();
    assert!(answer.text.unwrap_or_default().contains("устарела"));
    h.shutdown().await;
}

#[tokio::test]
async fn webhook_mode_checks_the_secret_and_handles_a_redelivery_once() {
    let (stores, _dir) = crate::support::store(Backend::Sqlite).await;
    let store = stores.store.clone();
    let clock = Arc::new(app::SetClock::new(crate::support::default_now()));
    let tg = testkit::telegram::FakeTelegram::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let bus = Arc::new(app::EventBus::new());
    let app = app::StaffPro::new(store.clone(), clock, bus, app::Policy::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = BotConfig {
        token: tg.token().to_owned(),
        api_url: Some(tg.api_url().parse().unwrap()),
        webhook: Some(WebhookConfig {
            url: format!("http://{addr}/telegram/webhook").parse().unwrap(),
            secret: "s3cret".into(),
        }),
        limits: bot::limits::SendLimits::UNLIMITED,
    };
    let bot = TelegramBot::connect(app, stores.bot_state.clone(), config)
        .await
        .unwrap();
    let router = bot.webhook_router().unwrap();
    let progress = bot.progress();
    let stop = CancellationToken::new();
    let server_stop = stop.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(server_stop.cancelled_owned())
            .await
            .unwrap();
    });
    let running = tokio::spawn(bot.run(stop.clone()));
    tg.wait_until(WAIT, |tg| tg.webhook().is_some())
        .await
        .unwrap();
    assert_eq!(
        tg.webhook().unwrap().secret_token.as_deref(),
        Some("s3cret")
    );

    let ivan = FakeUser::ru(1201);
    tg.add_user(&ivan);
    let url = format!("http://{addr}/telegram/webhook");
    let update_id = tg.prepare(&ivan, Incoming::command("start", None));
    let wrong = tg
        .post_update(&url, update_id, Some("wrong"))
        .await
        .unwrap();
    assert_eq!(wrong, 403);
    assert_eq!(
        tg.post_update(&url, update_id, Some("s3cret"))
            .await
            .unwrap(),
        200
    );
    assert!(progress.wait_for(update_id, WAIT).await);
    // Telegram delivers the same update again: it is handled once.
    assert_eq!(
        tg.post_update(&url, update_id, Some("s3cret"))
            .await
            .unwrap(),
        200
    );
    let again = tg.prepare(&ivan, Incoming::command("help", None));
    assert_eq!(
        tg.post_update(&url, again, Some("s3cret")).await.unwrap(),
        200
    );
    assert!(progress.wait_for(again, WAIT).await);
    let texts = tg.texts(1201);
    assert_eq!(
        texts.iter().filter(|t| t.contains("Здравствуйте")).count(),
        1,
        "{texts:?}"
    );
    stop.cancel();
    running.await.unwrap().unwrap();
    server.await.unwrap();
}

/// The database goes away: people get an apology in their language instead of silence, and the
/// bot recovers by itself when it is back.
#[tokio::test]
async fn a_database_outage_gets_an_apology_and_the_bot_recovers() {
    let url = store_postgres::test_support::fresh_database()
        .await
        .unwrap();
    let pg = store_postgres::PgStore::connect(&url).await.unwrap();
    pg.migrate().await.unwrap();
    let h = Harness::start_on(crate::support::TestStores::of(pg), None).await;
    let ivan = FakeUser::ru(1301);
    let out = h.command(&ivan, "start", None).await;
    assert!(joined(&out).contains("Здравствуйте"));

    let (server, db) = url.rsplit_once('/').unwrap();
    let admin = store_postgres::PgStore::connect(&format!("{server}/postgres"))
        .await
        .unwrap();
    let set_allowed = |allowed: bool| {
        sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE \"{db}\" WITH ALLOW_CONNECTIONS {allowed}"
        ))
    };
    sqlx::query(set_allowed(false))
        .execute(admin.pool())
        .await
        .unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(db)
        .execute(admin.pool())
        .await
        .unwrap();
    let out = h.command(&ivan, "help", None).await;
    assert!(
        joined(&out).contains("Что-то пошло не так"),
        "{}",
        joined(&out)
    );

    sqlx::query(set_allowed(true))
        .execute(admin.pool())
        .await
        .unwrap();
    // Back within a few tries (background work beside the bot reconnects at the same moment;
    // a pool connection dropped mid-outage may cost one more apology).
    let mut out = Vec::new();
    for _ in 0..5 {
        out = h.command(&ivan, "help", None).await;
        if joined(&out).contains("Что я умею") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(joined(&out).contains("Что я умею"), "{}", joined(&out));
    h.shutdown().await;
}

/// A double tap on "send location": the second location neither opens a second shift nor
/// closes the one that just opened.
#[tokio::test]
async fn a_double_location_tap_opens_one_shift() {
    let h = Harness::start(Backend::Sqlite).await;
    let owner = h.owner(&FakeUser::ru(1400), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan = FakeUser::ru(1401);
    let user = h.employee(&ivan, "Иван", &owner, &site).await;
    h.press(&ivan, "🟢 Открыть смену").await;
    let loc =
        || Incoming::location(crate::support::SITE_LAT, crate::support::SITE_LON).accuracy(5.0);
    let first = h.tg.send(&ivan, loc());
    let second = h.tg.send(&ivan, loc());
    h.processed(first).await;
    h.processed(second).await;
    let texts = h.tg.texts(1401).join("\n");
    assert!(texts.contains("Смена открыта"), "{texts}");
    assert!(texts.contains("Смена уже открыта"), "{texts}");
    let shifts = h
        .store
        .list_shifts(&ShiftFilter {
            site_ids: vec![site.id],
            limit: 10,
            ..ShiftFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(shifts.len(), 1);
    assert_eq!(shifts[0].status, ShiftStatus::Active);
    assert_eq!(shifts[0].employee_id, user.id);
    h.shutdown().await;
}

/// A dropped connection to Telegram is retried: the person gets the answer exactly once.
#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let h = Harness::start(Backend::Sqlite).await;
    let ivan = FakeUser::ru(1501);
    h.tg.fail_next_in_chat("sendMessage", 1501, Fault::DropConnection);
    let out = h.command(&ivan, "start", None).await;
    assert_eq!(out.len(), 1, "{}", joined(&out));
    assert!(out[0].text().contains("Здравствуйте"));
    assert!(
        h.tg.request_count("sendMessage") >= 2,
        "the first attempt failed and was retried"
    );
    h.shutdown().await;
}

/// Updates are handled at least once: a handled update's claim is finished (never taken again);
/// an update whose earlier claim was never finished (its handler died) is dropped while that
/// claim's lease holds and handled when it comes again after the lease.
#[tokio::test]
async fn an_update_whose_handling_died_is_handled_again_after_the_lease() {
    let mut h = Harness::start(Backend::Sqlite).await;
    let ivan = FakeUser::ru(1401);
    let id = h.tg.send(&ivan, Incoming::command("start", None));
    h.processed(id).await;
    assert_eq!(h.tg.texts(1401).len(), 1);
    // Finishes are written in batches off the update's path; stopping writes what is queued.
    h.stop_bot().await;
    let later = h.app.now() + chrono::Duration::hours(1);
    assert!(
        !h.bot_state.claim_update(id, later).await.unwrap(),
        "a handled update is finished"
    );

    // A handler that died mid-update claimed the next two updates and never finished them: one
    // claim a moment ago, one longer ago than the lease.
    let fresh = h.tg.send(&ivan, Incoming::command("help", None));
    let abandoned = h.tg.send(&ivan, Incoming::command("start", None));
    let now = h.app.now();
    assert!(h.bot_state.claim_update(fresh, now).await.unwrap());
    let long_ago = now - app::UPDATE_CLAIM_LEASE - chrono::Duration::seconds(1);
    assert!(h.bot_state.claim_update(abandoned, long_ago).await.unwrap());
    h.start_bot().await;
    h.processed(fresh).await;
    h.processed(abandoned).await;
    let texts = h.tg.texts(1401);
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[1].contains("Здравствуйте"), "{texts:?}");
    // The abandoned update was finished by its second run.
    h.stop_bot().await;
    assert!(!h.bot_state.claim_update(abandoned, later).await.unwrap());
    h.shutdown().await;
}

/// The bot reads and writes domain data only through the use-cases (`app::StaffPro`), never the
/// store port directly: rules such as who may plan where live in one place. Its own state
/// (dialogues, update ids) goes through the `BotStateStore` port.
#[test]
fn flows_use_the_use_cases_not_the_store() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.clone()];
    let mut found = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let name = path.strip_prefix(&src).unwrap().display().to_string();
        if !name.ends_with(".rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (no, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            // `store()` of StaffPro, or the `Store` port itself: not BotStateStore, StoreError or
            // an error's `…Error::Store(e)` variant.
            let bare_store = line.match_indices("Store").any(|(i, _)| {
                let (head, tail) = (&line[..i], &line[i + "Store".len()..]);
                let word = !head.chars().next_back().is_some_and(char::is_alphanumeric)
                    && !tail.chars().next().is_some_and(char::is_alphanumeric);
                let variant =
                    tail.starts_with('(') || (head.ends_with("::") && !head.ends_with("app::"));
                word && !variant
            });
            if line.contains("store()") || bare_store {
                found.push(format!("{name}:{}: {}", no + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
