//! The bot as a process: owner notifications across restarts (exactly one per event), notices
//! left at a stop sent after the next start (they wait in the database), and a stop that keeps
//! its deadline when Telegram hangs.

use crate::support::{Backend, Harness, SITE_LAT, SITE_LON, WAIT};
use chrono::Duration;
use domain::{Coordinates, LocationFix, User};
use testkit::telegram::{FakeUser, Fault, FaultRule, Incoming};

fn here(h: &Harness) -> LocationFix {
    LocationFix {
        coordinates: Coordinates::new(SITE_LAT, SITE_LON).unwrap(),
        accuracy_m: Some(5.0),
        taken_at: h.now(),
        forwarded: false,
    }
}

fn count(texts: &[String], needle: &str) -> usize {
    texts.iter().filter(|t| t.contains(needle)).count()
}

/// Waits until `owner` has `n` texts containing `needle`.
async fn told(h: &Harness, owner: &FakeUser, needle: &str, n: usize) {
    let waited =
        h.tg.wait_until(WAIT, |tg| count(&tg.texts(owner.id), needle) >= n)
            .await;
    assert!(waited.is_ok(), "{:#?}", h.tg.texts(owner.id));
}

#[tokio::test]
async fn owners_are_told_once_per_event_across_restarts() {
    let mut h = Harness::start(Backend::Sqlite).await;
    let anna_tg = FakeUser::ru(4100);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let ivan = h.employee(&FakeUser::ru(4101), "Иван", &anna, &site).await;

    h.app.open_shift(&ivan, site.id, here(&h)).await.unwrap();
    h.restart_bot().await;
    h.restart_bot().await;
    h.clock.advance(Duration::minutes(90));
    h.app.close_shift(&ivan, here(&h)).await.unwrap();
    h.restart_bot().await;
    h.app.open_shift(&ivan, site.id, here(&h)).await.unwrap();
    told(&h, &anna_tg, "открыл(а) смену", 2).await;
    told(&h, &anna_tg, "закрыл(а) смену", 1).await;
    // Another restart and a while for anything sent twice to show up.
    h.restart_bot().await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    h.stop_bot().await;

    let texts = h.tg.texts(anna_tg.id);
    assert_eq!(count(&texts, "открыл(а) смену"), 2, "{texts:#?}");
    assert_eq!(count(&texts, "закрыл(а) смену"), 1, "{texts:#?}");
    let closed = texts.iter().find(|t| t.contains("закрыл(а)")).unwrap();
    assert!(closed.contains("1 ч 30 мин"), "{closed}");
    assert!(closed.contains("525"), "{closed}");
    h.shutdown().await;
}

#[tokio::test]
async fn notices_left_when_the_bot_stops_are_sent_after_it_starts_again() {
    let mut h = Harness::start(Backend::Sqlite).await;
    let anna_tg = FakeUser::ru(4200);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let mut staff: Vec<User> = Vec::new();
    for i in 1..=40 {
        let who = FakeUser::ru(4200 + i);
        staff.push(
            h.employee(&who, &format!("Сотрудник {i}"), &anna, &site)
                .await,
        );
    }
    // A slow Telegram for the owner: most notices are still waiting when the bot stops.
    h.tg.add_fault(
        FaultRule::new(Fault::Delay(std::time::Duration::from_millis(100)))
            .method("sendMessage")
            .chat(anna_tg.id)
            .always(),
    );
    for employee in &staff {
        h.app.open_shift(employee, site.id, here(&h)).await.unwrap();
    }
    h.stop_bot().await;
    // Nothing is lost: they wait in the outbox and the queue, in the database.
    h.start_bot().await;
    told(&h, &anna_tg, "открыл(а) смену", 40).await;
    h.stop_bot().await;
    let texts = h.tg.texts(anna_tg.id);
    for i in 1..=40 {
        assert_eq!(count(&texts, &format!("Сотрудник {i} открыл(а)")), 1, "{i}");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn stopping_keeps_its_deadline_when_telegram_hangs() {
    let mut h = Harness::start(Backend::Sqlite).await;
    h.shutdown_deadline = std::time::Duration::from_millis(300);
    h.restart_bot().await;
    let tom = FakeUser::en(4300);
    h.tg.add_user(&tom);
    // Every answer to Tom hangs far longer than the test waits for the bot to stop.
    h.tg.add_fault(
        FaultRule::new(Fault::Delay(std::time::Duration::from_secs(60)))
            .method("sendMessage")
            .chat(tom.id)
            .always(),
    );
    let progress = h.progress();
    let sends = h.tg.request_count("sendMessage");
    let stuck = h.tg.send(&tom, Incoming::command("start", None));
    h.tg.wait_for_requests("sendMessage", sends + 1, WAIT)
        .await
        .unwrap();
    // `stop_bot` fails unless the bot stops within WAIT (10 s), well before the reply would.
    h.stop_bot().await;
    assert!(!progress.is_done(stuck));
    h.shutdown().await;
}
