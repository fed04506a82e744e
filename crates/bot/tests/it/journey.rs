//! The whole product through the bot, as the "done" describes it: an owner creates a site
//! in the dialogue, an employee joins by the site's link, the owner approves, the employee opens
//! and closes a shift, and the owner reads the report — an English-speaking owner and a
//! Russian-speaking employee, each in their own language.

use crate::support::{Backend, Harness, SITE_LAT, SITE_LON, joined};
use testkit::telegram::{BotMessage, FakeUser, Incoming};

fn last(out: &[BotMessage]) -> BotMessage {
    out.last().cloned().expect("the bot answered")
}

async fn journey(backend: Backend) {
    let h = Harness::start(backend).await;
    let olga = FakeUser::en(7001).named("Olga", None);
    h.owner(&olga, "Olga").await;
    h.command(&olga, "start", None).await;

    // The site, step by step.
    h.press(&olga, "➕ New site").await;
    h.text(&olga, "Red Square kiosk").await;
    h.text(&olga, "Red Square, 1").await;
    h.text(&olga, &format!("{SITE_LAT}, {SITE_LON}")).await;
    h.text(&olga, "100").await;
    h.text(&olga, "08:00-22:00").await;
    let q = last(&h.text(&olga, "Europe/Moscow").await);
    assert!(q.text().contains("step 7 of 7"), "{}", q.text());
    let summary = last(&h.text(&olga, "350").await);
    h.tap(&olga, &summary, "✅ Create site").await;
    let site = h
        .store
        .sites_managed_by(h.store.user_by_telegram_id(7001).await.unwrap().unwrap().id)
        .await
        .unwrap();
    assert_eq!(site.len(), 1, "the site is stored");
    let site = &site[0];

    // The join link, from the site card.
    let list = last(&h.press(&olga, "🏢 My sites").await);
    h.tap(&olga, &list, "🏢 Red Square kiosk").await;
    let card = h.tg.message(olga.id, list.message_id).unwrap();
    let out = h.tap(&olga, &card, "🔗 Link and QR code").await;
    let link_text = joined(&out);
    let code = link_text
        .split("?start=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a deep link in the message")
        .to_owned();
    assert_eq!(code, format!("j{}", site.join_code));

    // The employee follows it; the owner approves.
    let ivan = FakeUser::ru(7002).named("Иван", None);
    let out = h.command(&ivan, "start", Some(&code)).await;
    assert!(
        joined(&out).contains("отправлен владельцу"),
        "{}",
        joined(&out)
    );
    let request = h.tg.last_message(olga.id).unwrap();
    assert!(
        request
            .text()
            .contains("Иван wants to work at “Red Square kiosk”"),
        "{}",
        request.text()
    );
    h.tap(&olga, &request, "✅ Approve").await;
    h.tg.wait_until(crate::support::WAIT, |tg| {
        tg.texts(ivan.id).iter().any(|t| t.contains("одобрил"))
    })
    .await
    .unwrap();

    // A shift, opened and closed from the site.
    h.press(&ivan, "🟢 Открыть смену").await;
    let out = h
        .act(&ivan, Incoming::location(SITE_LAT, SITE_LON).accuracy(8.0))
        .await;
    assert!(joined(&out).contains("Смена открыта"), "{}", joined(&out));
    h.press(&ivan, "🔴 Закрыть смену").await;
    let out = h
        .act(&ivan, Incoming::location(SITE_LAT, SITE_LON).accuracy(8.0))
        .await;
    assert!(joined(&out).contains("Смена закрыта"), "{}", joined(&out));
    let status = joined(&h.press(&ivan, "📍 Статус").await);
    assert!(status.contains("Открытой смены нет"), "{status}");

    // The owner heard about both (notices are sent off the update's path: wait for them) and
    // reads today's report.
    let _ =
        h.tg.wait_until(crate::support::WAIT, |tg| {
            let texts = tg.texts(olga.id);
            ["opened a shift", "closed a shift"]
                .iter()
                .all(|n| texts.iter().any(|t| t.contains(n)))
        })
        .await;
    let owner_texts = h.tg.texts(olga.id).join("\n");
    assert!(
        owner_texts.contains("Иван opened a shift at “Red Square kiosk”"),
        "{owner_texts}"
    );
    assert!(owner_texts.contains("Иван closed a shift"), "{owner_texts}");
    let menu = last(&h.press(&olga, "📊 Reports").await);
    h.tap(&olga, &menu, "🏢 Red Square kiosk").await;
    let ask = h.tg.message(olga.id, menu.message_id).unwrap();
    h.tap(&olga, &ask, "Today").await;
    let report = h.tg.message(olga.id, menu.message_id).unwrap();
    assert!(report.text().contains("1 shift"), "{}", report.text());
    assert!(report.text().contains("Иван"), "{}", report.text());
    h.shutdown().await;
}

#[tokio::test]
async fn from_start_to_report_sqlite() {
    journey(Backend::Sqlite).await;
}

#[tokio::test]
async fn from_start_to_report_postgres() {
    journey(Backend::Postgres).await;
}
