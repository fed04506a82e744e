//! The bot as a process: owner notifications across restarts (exactly one per event), a
//! shutdown that sends what is queued, and one that keeps its deadline when Telegram hangs.

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

#[tokio::test]
async fn owners_are_told_once_per_event_across_restarts() {
    let mut h = Harness::start(Backend::Sqlite).await;
    let anna_tg = FakeUser::ru(4100);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let ivan = h.employee(&FakeUser::ru(4101), "Иван", &anna, &site).await;
    assert_eq!(h.event_subscribers(), 1);

    h.app.open_shift(&ivan, site.id, here(&h)).await.unwrap();
    h.restart_bot().await;
    h.restart_bot().await;
    assert_eq!(h.event_subscribers(), 1);
    h.clock.advance(Duration::minutes(90));
    h.app.close_shift(&ivan, here(&h)).await.unwrap();
    h.restart_bot().await;
    h.app.open_shift(&ivan, site.id, here(&h)).await.unwrap();
    // Stopping sends what is queued, so the count below is final.
    h.stop_bot().await;
    assert_eq!(h.event_subscribers(), 0);

    let texts = h.tg.texts(anna_tg.id);
    assert_eq!(count(&texts, "открыл(а) смену"), 2, "{texts:#?}");
    assert_eq!(count(&texts, "закрыл(а) смену"), 1, "{texts:#?}");
    let closed = texts.iter().find(|t| t.contains("закрыл(а)")).unwrap();
    assert!(closed.contains("1 ч 30 мин"), "{closed}");
    assert!(closed.contains("525"), "{closed}");
    h.shutdown().await;
}

#[tokio::test]
async fn many_notifications_are_all_sent_and_stopping_waits_for_them() {
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
    // A slow Telegram for the owner: the notices are still queued or in flight when the bot is
    // told to stop.
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
    let texts = h.tg.texts(anna_tg.id);
    assert_eq!(count(&texts, "открыл(а) смену"), 40, "{texts:#?}");
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
