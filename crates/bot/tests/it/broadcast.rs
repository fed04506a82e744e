//! Broadcasts end to end through the fake Bot API: 1,000 employees reached once each under
//! Telegram's limits (scaled) with no 429, the author's progress message ending at the total; a
//! job done again after a crash before its outcomes were stored messages nobody twice; and the
//! use-case's rules (who may, who receives, the text).

use crate::support::{Backend, Harness, Jobs, TestStores, WAIT};
use app::AppError;
use app::broadcasts::{BroadcastError, BroadcastStatus, ProgressMessage, send_job};
use bot::limits::SendLimits;
use testkit::telegram::{FakeUser, RateLimits};

/// The author's progress message: the reply to a /start (any message of the bot will do).
async fn progress_message(h: &Harness, owner: &FakeUser) -> ProgressMessage {
    let replies = h.command(owner, "start", None).await;
    ProgressMessage {
        chat_id: owner.id,
        message_id: replies.last().unwrap().message_id,
    }
}

fn received(h: &Harness, chat: i64, text: &str) -> usize {
    h.tg.texts(chat).iter().filter(|t| t.contains(text)).count()
}

#[tokio::test]
async fn a_broadcast_to_a_thousand_employees_reaches_each_once_without_a_429() {
    // Telegram's limits ten times faster, in the fake and in the bot: 300 a second.
    let h = Harness::start_limited(
        Backend::Sqlite,
        Jobs::Manual,
        RateLimits::TELEGRAM.faster(10),
        SendLimits::TELEGRAM.faster(10),
    )
    .await;
    let anna_tg = FakeUser::ru(7000);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let people: Vec<FakeUser> = (0..1000).map(|i| FakeUser::ru(710_000 + i)).collect();
    for (i, p) in people.iter().enumerate() {
        h.employee(p, &format!("Сотрудник {i}"), &anna, &site).await;
    }
    let progress = progress_message(&h, &anna_tg).await;
    let b = h
        .app
        .start_broadcast(
            &anna,
            None,
            "  Завтра собрание в 9:00 <всем>  ",
            Some(progress),
        )
        .await
        .unwrap();
    assert_eq!(
        (b.total, b.sent, b.status),
        (1000, 0, BroadcastStatus::Sending)
    );

    h.work_off_jobs().await;

    for p in &people {
        assert_eq!(
            received(&h, p.id, "Завтра собрание в 9:00 <всем>"),
            1,
            "employee {}",
            p.id
        );
        assert!(h.tg.texts(p.id)[0].contains("Анна"), "headed by the author");
    }
    assert_eq!(h.tg.rate_limited(), 0, "no 429 from Telegram");
    let done = h.app.broadcast_of(&anna, b.id).await.unwrap();
    assert_eq!(
        (done.status, done.sent, done.unreachable, done.failed),
        (BroadcastStatus::Done, 1000, 0, 0)
    );
    let shown =
        h.tg.messages(anna_tg.id)
            .into_iter()
            .find(|m| m.message_id == progress.message_id)
            .unwrap();
    assert!(
        shown.text().contains("1\u{a0}000 из 1\u{a0}000"),
        "{}",
        shown.text()
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_broadcast_done_again_after_a_crash_messages_nobody_twice() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite =
        store_sqlite::SqliteStore::connect(&format!("sqlite://{}/bot.db", dir.path().display()))
            .await
            .unwrap();
    sqlite.migrate().await.unwrap();
    let h = Harness::start_on(TestStores::of(sqlite.clone()), Some(dir)).await;
    let anna_tg = FakeUser::en(7100);
    let anna = h.owner(&anna_tg, "Anna").await;
    let site = h.site(&anna, "Cafe").await;
    let people: Vec<FakeUser> = (0..30).map(|i| FakeUser::en(720_000 + i)).collect();
    for (i, p) in people.iter().enumerate() {
        h.employee(p, &format!("Worker {i}"), &anna, &site).await;
    }
    let progress = progress_message(&h, &anna_tg).await;
    let b = h
        .app
        .start_broadcast(&anna, Some(site.id), "Inventory at six", Some(progress))
        .await
        .unwrap();
    let done = wait_until_done(&h, &anna, b.id).await;
    assert_eq!(done.sent, 30);

    // A worker died after sending but before the outcomes were stored (nor the job recorded as
    // done): they are gone, and the job comes back.
    sqlx::query("DELETE FROM job_effects WHERE key = ?1")
        .bind(send_job(b.id).id)
        .execute(sqlite.pool())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE broadcast_recipients SET outcome = NULL WHERE broadcast_id = ?1 AND user_id % 2 = 0",
    )
    .bind(b.id.0)
    .execute(sqlite.pool())
    .await
    .unwrap();
    sqlx::query(
        "UPDATE broadcasts SET status = 'sending', finished_at = NULL, sent = \
         (SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = ?1 AND outcome = 'sent') \
         WHERE id = ?1",
    )
    .bind(b.id.0)
    .execute(sqlite.pool())
    .await
    .unwrap();
    use app::background::OutboxStore;
    sqlite
        .add_to_outbox(&[send_job(b.id)], h.now())
        .await
        .unwrap();
    let again = wait_until_done(&h, &anna, b.id).await;
    assert_eq!(again.sent, 30, "everyone counted once");
    for p in &people {
        assert_eq!(
            received(&h, p.id, "Inventory at six"),
            1,
            "employee {}",
            p.id
        );
    }
    // Done once more (a duplicate delivery of a finished broadcast): nothing is sent.
    sqlite
        .add_to_outbox(&[send_job(b.id)], h.now())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for p in &people {
        assert_eq!(received(&h, p.id, "Inventory at six"), 1);
    }
    let summary =
        h.tg.messages(anna_tg.id)
            .into_iter()
            .find(|m| m.message_id == progress.message_id)
            .unwrap();
    assert!(
        summary.text().contains("Done: sent to 30 of 30"),
        "{}",
        summary.text()
    );
    h.shutdown().await;
}

async fn wait_until_done(
    h: &Harness,
    author: &domain::User,
    id: app::broadcasts::BroadcastId,
) -> app::broadcasts::Broadcast {
    let until = tokio::time::Instant::now() + WAIT;
    loop {
        let b = h.app.broadcast_of(author, id).await.unwrap();
        if b.status == BroadcastStatus::Done {
            return b;
        }
        assert!(tokio::time::Instant::now() < until, "{b:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn who_may_broadcast_and_who_receives() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let anna = h.owner(&FakeUser::ru(7200), "Анна").await;
    let cafe = h.site(&anna, "Кофейня").await;
    let bakery = h.site(&anna, "Пекарня").await;
    let both_tg = FakeUser::ru(7201);
    let both = h.employee(&both_tg, "Иван", &anna, &cafe).await;
    h.app
        .add_employee(&anna, bakery.id, both_tg.id, None)
        .await
        .unwrap();
    let baker = h
        .employee(&FakeUser::ru(7202), "Олег", &anna, &bakery)
        .await;
    let gone = h
        .employee(&FakeUser::ru(7203), "Пётр", &anna, &bakery)
        .await;
    h.app.mark_unreachable(7203).await.unwrap();

    // Each once, even at two sites; never someone who blocked the bot.
    let all = h.app.broadcast_recipients(&anna, None).await.unwrap();
    let ids: Vec<_> = all.iter().map(|u| u.id).collect();
    assert_eq!(ids, vec![both.id, baker.id]);
    assert!(!ids.contains(&gone.id));
    let cafe_only = h
        .app
        .broadcast_recipients(&anna, Some(cafe.id))
        .await
        .unwrap();
    assert_eq!(cafe_only.len(), 1);

    // The text.
    assert!(matches!(
        h.app.start_broadcast(&anna, None, "   ", None).await,
        Err(BroadcastError::EmptyText)
    ));
    assert!(matches!(
        h.app
            .start_broadcast(&anna, None, &"x".repeat(4000), None)
            .await,
        Err(BroadcastError::TooLong { .. })
    ));

    // Another owner cannot write to Anna's site, nor see her broadcast.
    let boris = h.owner(&FakeUser::ru(7300), "Борис").await;
    assert!(matches!(
        h.app
            .start_broadcast(&boris, Some(cafe.id), "Hi", None)
            .await,
        Err(BroadcastError::App(AppError::NotFound(_)))
    ));
    assert!(matches!(
        h.app.start_broadcast(&boris, None, "Hi", None).await,
        Err(BroadcastError::NoRecipients)
    ));
    let b = h
        .app
        .start_broadcast(&anna, None, "Hi", None)
        .await
        .unwrap();
    assert_eq!(b.total, 2);
    assert!(matches!(
        h.app.broadcast_of(&boris, b.id).await,
        Err(AppError::NotFound(_))
    ));

    // A manager writes to the sites they manage.
    h.app.grant_manager(&anna, bakery.id, 7202).await.unwrap();
    let from_manager = h
        .app
        .start_broadcast(&baker, Some(bakery.id), "Смена в 8", None)
        .await
        .unwrap();
    assert_eq!(
        from_manager.total, 1,
        "the manager is not among the recipients"
    );
    assert!(matches!(
        h.app
            .start_broadcast(&baker, Some(cafe.id), "Hi", None)
            .await,
        Err(BroadcastError::App(AppError::NotFound(_)))
    ));
    h.shutdown().await;
}
