//! The `/broadcast` dialogue, as owners use it: whom → text → preview → Send, the preview
//! turning into the progress message the job finishes; refused texts explained; Cancel sending
//! nothing; people who own nothing turned away — in Russian and in English.

use crate::support::{Backend, Harness, Jobs};
use testkit::telegram::{BotMessage, FakeUser};

fn received(h: &Harness, chat: i64, text: &str) -> usize {
    h.tg.texts(chat).iter().filter(|t| t.contains(text)).count()
}

/// The message as it looks now (after any edits).
fn now_shown(h: &Harness, chat: i64, message: &BotMessage) -> BotMessage {
    h.tg.messages(chat)
        .into_iter()
        .find(|m| m.message_id == message.message_id)
        .unwrap()
}

#[tokio::test]
async fn an_owner_writes_to_one_site_in_russian_and_sees_it_delivered() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let anna_tg = FakeUser::ru(7400);
    let anna = h.owner(&anna_tg, "Анна").await;
    let cafe = h.site(&anna, "Кофейня").await;
    let bakery = h.site(&anna, "Пекарня").await;
    let baristas = [FakeUser::ru(7401), FakeUser::ru(7402)];
    for (i, p) in baristas.iter().enumerate() {
        h.employee(p, &format!("Бариста {i}"), &anna, &cafe).await;
    }
    let baker = FakeUser::ru(7403);
    h.employee(&baker, "Пекарь", &anna, &bakery).await;

    let asked = h.command(&anna_tg, "broadcast", None).await;
    let pick = asked.last().unwrap();
    assert_eq!(pick.text(), "Кому написать? Выберите объект или все сразу.");
    let buttons: Vec<String> = pick
        .inline_rows()
        .iter()
        .flatten()
        .map(|b| b.text.clone())
        .collect();
    assert_eq!(
        buttons,
        ["Кофейня", "Пекарня", "Все мои объекты", "Отмена"].map(String::from)
    );

    // The pick turns the same message into the question.
    h.tap(&anna_tg, pick, "Кофейня").await;
    let question = now_shown(&h, anna_tg.id, pick);
    assert_eq!(
        question.text(),
        "Напишите сообщение для сотрудников объекта Кофейня (до 3\u{a0}900 символов)."
    );

    // Refused texts are explained and asked again; nothing is stored.
    let empty = h.text(&anna_tg, "   ").await;
    assert_eq!(
        empty.last().unwrap().text(),
        "Сообщение пустое. Напишите текст."
    );
    let long = h.text(&anna_tg, &"я".repeat(4000)).await;
    assert_eq!(
        long.last().unwrap().text(),
        "В сообщении 4\u{a0}000 символов, а помещается не больше 3\u{a0}900. Сократите его."
    );

    let previewed = h.text(&anna_tg, "Завтра собрание в 9:00 <всем>").await;
    let preview = previewed.last().unwrap();
    assert_eq!(
        preview.text(),
        "Сообщение получат 2 человека:\n\nЗавтра собрание в 9:00 <всем>"
    );
    h.tap(&anna_tg, preview, "✅ Отправить").await;
    assert_eq!(
        now_shown(&h, anna_tg.id, preview).text(),
        "📣 Отправка: 0 из 2…"
    );

    h.work_off_jobs().await;
    for p in &baristas {
        assert_eq!(received(&h, p.id, "Завтра собрание в 9:00 <всем>"), 1);
        assert!(h.tg.texts(p.id).last().unwrap().contains("Анна"));
    }
    assert_eq!(
        received(&h, baker.id, "собрание"),
        0,
        "another site's people"
    );
    let done = now_shown(&h, anna_tg.id, preview);
    assert_eq!(done.text(), "📣 Готово: отправлено 2 из 2.");
    assert!(done.inline_rows().is_empty(), "no buttons left to tap");

    // The Send button of a finished preview does nothing twice.
    let again =
        h.tg.tap_button(&anna_tg, preview.message_id, "✅ Отправить");
    assert!(again.is_err(), "the buttons are gone");
    h.work_off_jobs().await;
    for p in &baristas {
        assert_eq!(received(&h, p.id, "собрание"), 1);
    }
    h.shutdown().await;
}

#[tokio::test]
async fn an_owner_of_one_site_is_asked_for_the_text_at_once_and_can_cancel_in_english() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let anna_tg = FakeUser::en(7500);
    let anna = h.owner(&anna_tg, "Anna").await;
    let cafe = h.site(&anna, "Cafe").await;
    let worker = FakeUser::en(7501);
    h.employee(&worker, "Worker", &anna, &cafe).await;

    let asked = h.command(&anna_tg, "broadcast", None).await;
    assert_eq!(
        asked.last().unwrap().text(),
        "Type the message for the employees of Cafe (up to 3,900 characters)."
    );
    let previewed = h.text(&anna_tg, "Inventory at six").await;
    let preview = previewed.last().unwrap();
    assert_eq!(
        preview.text(),
        "The message goes to 1 person:\n\nInventory at six"
    );
    // Cancel turns the preview into the note that it was cancelled.
    h.tap(&anna_tg, preview, "✖️ Cancel").await;
    assert_eq!(
        now_shown(&h, anna_tg.id, preview).text(),
        "The broadcast was cancelled."
    );
    h.work_off_jobs().await;
    assert_eq!(received(&h, worker.id, "Inventory"), 0, "nothing was sent");

    // A new command in the middle of the dialogue ends it and says so.
    h.command(&anna_tg, "broadcast", None).await;
    let left = h.command(&anna_tg, "menu", None).await;
    let texts: Vec<&str> = left.iter().map(BotMessage::text).collect();
    assert_eq!(texts[0], "The broadcast was cancelled.", "{texts:?}");
    h.shutdown().await;
}

#[tokio::test]
async fn all_sites_reach_each_employee_once_and_nobody_to_write_to_is_said() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let anna_tg = FakeUser::en(7600);
    let anna = h.owner(&anna_tg, "Anna").await;
    let cafe = h.site(&anna, "Cafe").await;
    let bakery = h.site(&anna, "Bakery").await;
    let both = FakeUser::en(7601);
    h.employee(&both, "Both", &anna, &cafe).await;
    h.app
        .add_employee(&anna, bakery.id, both.id, None)
        .await
        .unwrap();
    let baker = FakeUser::ru(7602);
    h.employee(&baker, "Пекарь", &anna, &bakery).await;

    let asked = h.command(&anna_tg, "broadcast", None).await;
    h.tap(&anna_tg, asked.last().unwrap(), "All my sites").await;
    let previewed = h.text(&anna_tg, "Closed on Monday").await;
    let preview = previewed.last().unwrap();
    assert!(preview.text().starts_with("The message goes to 2 people:"));
    h.tap(&anna_tg, preview, "✅ Send").await;
    h.work_off_jobs().await;
    assert_eq!(received(&h, both.id, "Closed on Monday"), 1);
    assert_eq!(received(&h, baker.id, "Closed on Monday"), 1);
    // The heading is in the recipient's language, the text as written.
    assert!(h.tg.texts(baker.id).last().unwrap().contains("Anna"));

    // An owner whose people all blocked the bot is told before anything is stored.
    let boris_tg = FakeUser::ru(7700);
    let boris = h.owner(&boris_tg, "Борис").await;
    let shop = h.site(&boris, "Магазин").await;
    let gone = FakeUser::ru(7701);
    h.employee(&gone, "Пётр", &boris, &shop).await;
    h.app.mark_unreachable(gone.id).await.unwrap();
    h.command(&boris_tg, "broadcast", None).await;
    let refused = h.text(&boris_tg, "Привет").await;
    assert_eq!(
        refused.last().unwrap().text(),
        "Некому писать: никто из сотрудников выбранных объектов не может получать сообщения."
    );

    // Someone who owns and manages nothing cannot broadcast.
    let employee_reply = h.command(&baker, "broadcast", None).await;
    assert_eq!(
        employee_reply.last().unwrap().text(),
        "Этот раздел — для владельцев и управляющих объектов."
    );
    h.shutdown().await;
}
