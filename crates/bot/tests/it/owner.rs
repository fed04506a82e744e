//! Owner flows end to end: creating a site step by step (bad answers re-asked, /cancel, a
//! restart midway), the site card (edit, deactivate, notifications, join link and QR code,
//! employees and revoke), and what non-owners are told. Who is on shift now and reports:
//! `owner_reports`.

use crate::support::{Backend, Harness, SITE_LAT, SITE_LON, WAIT, joined};
use domain::{Coordinates, Currency, LocationFix, Money, OpeningHours, Site, User};
use testkit::telegram::{BotMessage, FakeUser, Fault, Incoming};

/// The last message of a batch (the question asked).
pub(crate) fn last(out: &[BotMessage]) -> &BotMessage {
    out.last().expect("the bot answered")
}

/// Waits for a notification to the owner (sent off the use-case's path), so it does not land in
/// the middle of what a test reads next.
pub(crate) async fn notified(h: &Harness, owner: &FakeUser, part: &str) {
    h.tg.wait_until(WAIT, |tg| {
        tg.texts(owner.id).iter().any(|t| t.contains(part))
    })
    .await
    .unwrap();
}

/// The message as it is now (after edits).
pub(crate) fn now_(h: &Harness, m: &BotMessage) -> BotMessage {
    h.tg.message(m.chat_id, m.message_id).unwrap()
}

async fn sites_of(h: &Harness, owner: &User) -> Vec<Site> {
    h.app.sites_for(owner).await.unwrap()
}

async fn create_site_step_by_step(backend: Backend) {
    let h = Harness::start(backend).await;
    let anna = FakeUser::ru(2001).named("Анна", None);
    let owner = h.owner(&anna, "Анна").await;
    h.command(&anna, "start", None).await;

    let out = h.press(&anna, "➕ Новый объект").await;
    let q = last(&out);
    assert!(
        q.text().contains("шаг 1 из 7") && q.text().contains("Как называется объект"),
        "{}",
        q.text()
    );
    // Step 1: the name, 1 to 100 characters.
    let out = h.text(&anna, &"я".repeat(101)).await;
    let text = joined(&out);
    assert!(
        text.contains("Название должно быть от 1 до 100 символов, а в этом 101")
            && text.contains("шаг 1 из 7"),
        "{text}"
    );
    let out = h.text(&anna, "Кофейня <Центр> & Co").await;
    let q = last(&out).clone();
    assert!(q.text().contains("шаг 2 из 7"), "{}", q.text());
    // Step 2: the address may be left out; the question turns into the answer.
    let out = h.tap(&anna, &q, "Без адреса").await;
    assert_eq!(now_(&h, &q).text(), "✔️ Адрес: без адреса");
    assert!(now_(&h, &q).inline_rows().is_empty());
    let q = last(&out).clone();
    assert!(q.text().contains("шаг 3 из 7"), "{}", q.text());
    let kb = q.reply_keyboard().expect("a location keyboard");
    assert!(
        kb.buttons()
            .any(|b| b.request_location && b.text == "📍 Отправить геопозицию")
    );
    // Step 3: the location, typed.
    let out = h.text(&anna, "где-то в центре").await;
    assert!(
        joined(&out).contains("Не понял координаты"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "95, 37").await;
    assert!(
        joined(&out).contains("Широта должна быть от -90 до 90, а получилось 95"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "55.7539, 37.6208").await;
    let text = joined(&out);
    assert!(text.contains("✔️ Место: 55.75390, 37.62080"), "{text}");
    // The location keyboard gives way to the menu again.
    assert!(
        out[0]
            .reply_keyboard()
            .unwrap()
            .texts()
            .concat()
            .contains(&"➕ Новый объект".to_owned())
    );
    let q = last(&out).clone();
    assert!(q.text().contains("шаг 4 из 7"), "{}", q.text());
    assert_eq!(
        q.inline_texts()[0],
        ["50 м", "100 м", "200 м", "500 м"].map(String::from)
    );
    // Step 4: the radius, 10 to 5000 m.
    let out = h.text(&anna, "5").await;
    assert!(
        joined(&out).contains("Радиус должен быть от 10 до 5000 м, а получилось 5"),
        "{}",
        joined(&out)
    );
    let q = last(&out).clone();
    let out = h.tap(&anna, &q, "200 м").await;
    assert_eq!(now_(&h, &q).text(), "✔️ Радиус: 200 м");
    assert!(last(&out).text().contains("шаг 5 из 7"));
    // Step 5: opening hours; overnight is fine.
    let out = h.text(&anna, "утром").await;
    assert!(
        joined(&out).contains("Не понял часы работы"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "25:00-06:00").await;
    assert!(
        joined(&out).contains("«25:00» — не время суток"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "20:00-06:00").await;
    let q = last(&out).clone();
    // Step 6: the time zone, suggested from the longitude.
    assert!(
        q.text().contains("шаг 6 из 7") && q.text().contains("Судя по месту, это Москва (UTC+3)"),
        "{}",
        q.text()
    );
    assert_eq!(q.inline_texts()[0], ["⭐ Москва (UTC+3)".to_owned()]);
    assert!(
        q.inline_texts()
            .concat()
            .contains(&"Владивосток (UTC+10)".to_owned())
    );
    let out = h.text(&anna, "Марс").await;
    assert!(
        joined(&out).contains("Не знаю часового пояса «Марс»"),
        "{}",
        joined(&out)
    );
    let q = last(&out).clone();
    let out = h.tap(&anna, &q, "⭐ Москва (UTC+3)").await;
    assert!(last(&out).text().contains("шаг 7 из 7"));
    // Step 7: the rate.
    let out = h.text(&anna, "бесплатно").await;
    assert!(
        joined(&out).contains("Введите ставку числом"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "-5").await;
    assert!(
        joined(&out).contains("Ставка должна быть от 0 до 10\u{a0}000\u{a0}000,00\u{a0}₽ в час"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "350,50").await;
    let summary = last(&out).clone();
    let text = summary.text();
    for part in [
        "Проверьте новый объект",
        "🏢 Кофейня <Центр> & Co",
        "📫 без адреса",
        "📍 55.75390, 37.62080, радиус 200 м",
        "🕘 20:00–06:00 (через полночь)",
        "🌍 Москва (UTC+3)",
        "💰 350,50\u{a0}₽ в час",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    // The name is escaped for HTML, not taken as markup.
    assert!(
        summary
            .raw_text
            .as_deref()
            .unwrap()
            .contains("Кофейня &lt;Центр&gt; &amp; Co")
    );
    // Nothing is stored before Create.
    assert!(sites_of(&h, &owner).await.is_empty());

    let out = h.tap(&anna, &summary, "✅ Создать объект").await;
    assert!(
        now_(&h, &summary)
            .text()
            .contains("✅ Объект «Кофейня <Центр> & Co» создан")
    );
    let text = joined(&out);
    assert!(text.contains("Пригласите сотрудников"), "{text}");
    assert!(last(&out).inline_button("🔗 Ссылка и QR-код").is_some());
    let sites = sites_of(&h, &owner).await;
    assert_eq!(sites.len(), 1);
    let s = &sites[0].settings;
    assert_eq!(s.name.as_str(), "Кофейня <Центр> & Co");
    assert_eq!(s.address.as_str(), "");
    assert_eq!(
        (s.location.latitude(), s.location.longitude()),
        (55.7539, 37.6208)
    );
    assert_eq!(s.radius.metres(), 200);
    assert_eq!(s.hours, OpeningHours::parse("20:00", "06:00").unwrap());
    assert_eq!(s.time_zone.name(), "Europe/Moscow");
    assert_eq!(s.hourly_rate, Money::new(35_050, Currency::RUB));
    assert!(sites[0].active && sites[0].notify_owner);

    // A second Create (a double tap, an old button) creates nothing more.
    let (_, answer) = h.send_data(&anna, summary.message_id, "1oc").await;
    assert!(answer.text.unwrap().contains("устарела"));
    assert_eq!(sites_of(&h, &owner).await.len(), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn create_site_step_by_step_sqlite() {
    create_site_step_by_step(Backend::Sqlite).await;
}

#[tokio::test]
async fn create_site_step_by_step_postgres() {
    create_site_step_by_step(Backend::Postgres).await;
}

async fn create_site_with_a_pin_in_vladivostok(backend: Backend) {
    let h = Harness::start(backend).await;
    let olga = FakeUser::en(2101).named("Olga", None);
    let owner = h.owner(&olga, "Olga").await;
    h.command(&olga, "start", None).await;
    let out = h.press(&olga, "➕ New site").await;
    assert!(last(&out).text().contains("step 1 of 7"));
    h.text(&olga, "Harbour warehouse").await;
    let out = h.text(&olga, "12 Harbour Street").await;
    assert!(last(&out).text().contains("step 3 of 7"));
    // The owner is at the site and presses "Send location".
    let id =
        h.tg.share_location_via_button(&olga, Incoming::location(43.1155, 131.8855).accuracy(12.0))
            .unwrap()
            .unwrap();
    h.processed(id).await;
    let out = h.tg.messages(olga.id);
    let text = joined(&out[out.len() - 2..]);
    assert!(
        text.contains("✔️ Location: 43.11550, 131.88550") && text.contains("step 4 of 7"),
        "{text}"
    );
    let out = h.text(&olga, "150 m").await;
    let q = last(&out).clone();
    assert!(q.text().contains("step 5 of 7"), "{}", q.text());
    let out = h.tap(&olga, &q, "24/7").await;
    assert_eq!(now_(&h, &q).text(), "✔️ Opening hours: 24/7");
    let q = last(&out).clone();
    assert!(
        q.text()
            .contains("By its location it is Vladivostok (UTC+10)"),
        "{}",
        q.text()
    );
    let out = h.tap(&olga, &q, "⭐ Vladivostok (UTC+10)").await;
    assert!(last(&out).text().contains("step 7 of 7"));
    let out = h.text(&olga, "350").await;
    let summary = last(&out).clone();
    for part in [
        "🏢 Harbour warehouse",
        "📫 12 Harbour Street",
        "📍 43.11550, 131.88550, radius 150 m",
        "🕘 24/7",
        "🌍 Vladivostok (UTC+10)",
        "💰 350.00\u{a0}₽ per hour",
    ] {
        assert!(
            summary.text().contains(part),
            "{part} in {}",
            summary.text()
        );
    }
    h.tap(&olga, &summary, "✅ Create site").await;
    let sites = sites_of(&h, &owner).await;
    assert_eq!(sites.len(), 1);
    let s = &sites[0].settings;
    assert_eq!(s.time_zone.name(), "Asia/Vladivostok");
    assert_eq!(s.hours, OpeningHours::AroundTheClock);
    assert_eq!(s.radius.metres(), 150);
    assert_eq!(s.address.as_str(), "12 Harbour Street");
    assert_eq!(s.hourly_rate, Money::new(35_000, Currency::RUB));
    h.shutdown().await;
}

#[tokio::test]
async fn create_site_with_a_pin_in_vladivostok_sqlite() {
    create_site_with_a_pin_in_vladivostok(Backend::Sqlite).await;
}

#[tokio::test]
async fn create_site_with_a_pin_in_vladivostok_postgres() {
    create_site_with_a_pin_in_vladivostok(Backend::Postgres).await;
}

#[tokio::test]
async fn cancel_midway_stores_nothing() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(2201);
    let owner = h.owner(&anna, "Анна").await;
    h.command(&anna, "start", None).await;
    h.press(&anna, "➕ Новый объект").await;
    h.text(&anna, "Склад").await;
    let out = h.command(&anna, "cancel", None).await;
    assert_eq!(last(&out).text(), "Создание объекта отменено.");
    // The dialogue is over: the next text is not taken as an address.
    let out = h.text(&anna, "ул. Ленина, 1").await;
    assert!(
        last(&out).text().contains("Не понял"),
        "{}",
        last(&out).text()
    );

    // The Cancel button of the location keyboard works too.
    h.press(&anna, "➕ Новый объект").await;
    h.text(&anna, "Склад").await;
    h.text(&anna, "ул. Ленина, 1").await;
    let out = h.press(&anna, "Отмена").await;
    assert_eq!(last(&out).text(), "Создание объекта отменено.");
    let menu = h.tg.reply_keyboard(anna.id).unwrap().texts().concat();
    assert!(menu.contains(&"➕ Новый объект".to_owned()), "{menu:?}");
    // And the inline Cancel under a question.
    h.press(&anna, "➕ Новый объект").await;
    let out = h.text(&anna, "Склад").await;
    let q = last(&out).clone();
    h.tap(&anna, &q, "Отмена").await;
    assert_eq!(now_(&h, &q).text(), "Создание объекта отменено.");
    assert!(sites_of(&h, &owner).await.is_empty());
    assert!(h.bot_state.load_dialogue(anna.id).await.unwrap().is_none());
    h.shutdown().await;
}

#[tokio::test]
async fn the_dialogue_continues_after_a_restart_and_create_happens_once() {
    let mut h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(2301);
    let owner = h.owner(&anna, "Анна").await;
    h.command(&anna, "start", None).await;
    h.press(&anna, "➕ Новый объект").await;
    h.text(&anna, "Пекарня").await;
    h.restart_bot().await;
    let out = h.text(&anna, "Невский проспект, 10").await;
    assert!(last(&out).text().contains("шаг 3 из 7"), "{}", joined(&out));
    h.act(&anna, Incoming::location(59.9343, 30.3351)).await;
    h.restart_bot().await;
    h.text(&anna, "100").await;
    h.text(&anna, "08:00-20:00").await;
    let out = h.text(&anna, "Europe/Moscow").await;
    assert!(last(&out).text().contains("шаг 7 из 7"), "{}", joined(&out));
    let out = h.text(&anna, "400").await;
    let summary = last(&out).clone();
    // Telegram refuses the messages after Create: the site is stored all the same and the
    // dialogue is over, so tapping Create again cannot make a second one.
    h.tg.fail_next_in_chat(
        "editMessageText",
        anna.id,
        Fault::BadRequest("Bad Request: message can't be edited".into()),
    );
    h.tg.fail_next_in_chat(
        "sendMessage",
        anna.id,
        Fault::BadRequest("Bad Request: chat not found".into()),
    );
    h.tap(&anna, &summary, "✅ Создать объект").await;
    assert!(h.bot_state.load_dialogue(anna.id).await.unwrap().is_none());
    let (_, answer) = h.send_data(&anna, summary.message_id, "1oc").await;
    assert!(answer.text.unwrap().contains("устарела"));
    let sites = sites_of(&h, &owner).await;
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].settings.name.as_str(), "Пекарня");
    assert_eq!(sites[0].settings.address.as_str(), "Невский проспект, 10");
    assert_eq!(sites[0].settings.location.latitude(), 59.9343);
    assert_eq!(
        sites[0].settings.hours,
        OpeningHours::parse("08:00", "20:00").unwrap()
    );
    h.shutdown().await;
}

/// Opens "My sites" and the card of the only site; returns the card message.
async fn open_card(h: &Harness, user: &FakeUser, site_button: &str) -> BotMessage {
    let out = h.press(user, "🏢 Мои объекты").await;
    let list = last(&out).clone();
    assert!(list.text().contains("Ваши объекты"), "{}", list.text());
    h.tap(user, &list, site_button).await;
    now_(h, &list)
}

#[tokio::test]
async fn edit_a_site_field_by_field() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(2401);
    let owner = h.owner(&anna, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    h.command(&anna, "start", None).await;
    let card = open_card(&h, &anna, "🏢 Кофейня").await;
    for part in [
        "🏢 Кофейня",
        "📫 Красная площадь, 1",
        "радиус 100 м",
        "🕘 круглосуточно",
        "🌍 Москва (UTC+3)",
        "💰 350,00\u{a0}₽ в час",
        "🟢 Работает",
        "🔔 Уведомления об открытии и закрытии смен включены",
    ] {
        assert!(card.text().contains(part), "{part} in {}", card.text());
    }

    h.tap(&anna, &card, "✏️ Изменить").await;
    let picker = now_(&h, &card);
    assert!(picker.text().contains("Что изменить у объекта «Кофейня»"));
    let out = h.tap(&anna, &picker, "Ставка").await;
    let q = last(&out);
    assert!(
        q.text().contains("Ставка в час") && q.text().contains("Сейчас: 350,00\u{a0}₽"),
        "{}",
        q.text()
    );
    let out = h.text(&anna, "дорого").await;
    assert!(
        joined(&out).contains("Введите ставку числом"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "400").await;
    let text = joined(&out);
    assert!(
        text.contains(
            "✅ Сохранено. Ставка: 400,00\u{a0}₽\nНовая ставка действует для смен, открытых с \
             этого момента: идущие и прошлые смены сохраняют свою ставку и валюту"
        ),
        "{text}"
    );
    assert!(last(&out).text().contains("💰 400,00\u{a0}₽ в час"));
    let stored = h.store.site(site.id).await.unwrap().unwrap();
    assert_eq!(stored.settings.hourly_rate.minor, 40_000);

    // Hours from the new card, checked the same way as when creating.
    let card = last(&out).clone();
    h.tap(&anna, &card, "✏️ Изменить").await;
    let out = h.tap(&anna, &now_(&h, &card), "Часы работы").await;
    assert!(last(&out).text().contains("Сейчас: круглосуточно"));
    let out = h.text(&anna, "09:00-33:00").await;
    assert!(
        joined(&out).contains("«33:00» — не время суток"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "09:00-21:00").await;
    assert!(
        joined(&out).contains("Часы работы: 09:00–21:00"),
        "{}",
        joined(&out)
    );
    let stored = h.store.site(site.id).await.unwrap().unwrap();
    assert_eq!(
        stored.settings.hours,
        OpeningHours::parse("09:00", "21:00").unwrap()
    );
    // Everything else is unchanged.
    assert_eq!(stored.settings.hourly_rate.minor, 40_000);
    assert_eq!(stored.settings.name.as_str(), "Кофейня");

    // The radius by a button.
    let card = last(&out).clone();
    h.tap(&anna, &card, "✏️ Изменить").await;
    let out = h.tap(&anna, &now_(&h, &card), "Радиус").await;
    h.tap(&anna, last(&out), "500 м").await;
    assert_eq!(
        h.store
            .site(site.id)
            .await
            .unwrap()
            .unwrap()
            .settings
            .radius
            .metres(),
        500
    );
    h.shutdown().await;
}

#[tokio::test]
async fn deactivate_notifications_and_foreign_buttons() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(2501);
    let owner = h.owner(&anna, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(2502);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;
    h.command(&anna, "start", None).await;
    let card = open_card(&h, &anna, "🏢 Кофейня").await;

    let (_, answer) = h.tap_answered(&anna, &card, "⏸ Отключить объект").await;
    assert_eq!(answer.text.as_deref(), Some("Объект отключён."));
    let card = now_(&h, &card);
    assert!(card.text().contains("⏸ Отключён"), "{}", card.text());
    assert!(card.inline_button("▶️ Включить объект").is_some());
    assert!(!h.store.site(site.id).await.unwrap().unwrap().active);
    // An employee cannot open a shift there now.
    let fix = LocationFix {
        coordinates: Coordinates::new(SITE_LAT, SITE_LON).unwrap(),
        accuracy_m: Some(5.0),
        taken_at: h.now(),
        forwarded: false,
    };
    assert_eq!(
        h.app.open_shift(&ivan, site.id, fix).await.unwrap_err(),
        app::OpenShiftError::SiteInactive
    );
    h.location(&ivan_tg, 0.0, 5.0).await;
    assert!(h.store.active_shift(ivan.id).await.unwrap().is_none());

    let (_, answer) = h.tap_answered(&anna, &card, "▶️ Включить объект").await;
    assert_eq!(answer.text.as_deref(), Some("Объект включён."));
    assert!(h.store.site(site.id).await.unwrap().unwrap().active);

    let card = now_(&h, &card);
    let (_, answer) = h.tap_answered(&anna, &card, "🔔 Уведомления: вкл").await;
    assert_eq!(answer.text.as_deref(), Some("Уведомления выключены."));
    assert!(!h.store.site(site.id).await.unwrap().unwrap().notify_owner);
    assert!(
        now_(&h, &card)
            .inline_button("🔕 Уведомления: выкл")
            .is_some()
    );

    // A button for someone else's site (or one the person no longer manages).
    let boris = h.owner(&FakeUser::ru(2503), "Борис").await;
    let other = h.site(&boris, "Склад").await;
    for data in [
        format!("1os:{}", other.id.0),
        format!("1oa:{}:0", other.id.0),
        format!("1oq:{}", other.id.0),
        format!("1om:{}", other.id.0),
    ] {
        let (_, answer) = h.send_data(&anna, card.message_id, &data).await;
        assert_eq!(
            answer.text.as_deref(),
            Some("У вас больше нет доступа к этому объекту."),
            "{data}"
        );
        assert!(answer.show_alert);
    }
    assert!(h.store.site(other.id).await.unwrap().unwrap().active);
    h.shutdown().await;
}

/// Reads a 1-bit greyscale PNG by hand (chunks and their CRCs, zlib with flate2, the five row
/// filters): rows of pixels, true = black.
fn decode_bilevel_png(png: &[u8]) -> Vec<Vec<bool>> {
    use std::io::Read;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (mut pos, mut header, mut data) = (8, Vec::new(), Vec::new());
    while pos < png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &png[pos + 4..pos + 8];
        let body = &png[pos + 8..pos + 8 + len];
        let mut crc = flate2::Crc::new();
        crc.update(&png[pos + 4..pos + 8 + len]);
        let stored = u32::from_be_bytes(png[pos + 8 + len..pos + 12 + len].try_into().unwrap());
        assert_eq!(crc.sum(), stored, "CRC of {kind:?}");
        match kind {
            b"IHDR" => header = body.to_vec(),
            b"IDAT" => data.extend_from_slice(body),
            _ => {}
        }
        pos += 12 + len;
    }
    let width = u32::from_be_bytes(header[0..4].try_into().unwrap()) as usize;
    let height = u32::from_be_bytes(header[4..8].try_into().unwrap()) as usize;
    assert_eq!(
        (header[8], header[9], header[12]),
        (1, 0, 0),
        "1-bit grey, no interlace"
    );
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&data[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = width.div_ceil(8);
    assert_eq!(raw.len(), (stride + 1) * height);
    let mut prev = vec![0u8; stride];
    let mut rows = Vec::new();
    for line in raw.chunks(stride + 1) {
        let mut cur = line[1..].to_vec();
        for i in 0..stride {
            let (a, b) = (if i > 0 { cur[i - 1] } else { 0 }, prev[i]);
            let c = if i > 0 { prev[i - 1] } else { 0 };
            let predicted = match line[0] {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                other => panic!("filter type {other}"),
            };
            cur[i] = cur[i].wrapping_add(predicted);
        }
        rows.push(
            (0..width)
                .map(|x| cur[x / 8] & (0x80 >> (x % 8)) == 0)
                .collect(),
        );
        prev = cur;
    }
    rows
}

#[tokio::test]
async fn join_link_and_qr_code() {
    let h = Harness::start(Backend::Sqlite).await;
    let olga = FakeUser::en(2601);
    let owner = h.owner(&olga, "Olga").await;
    let site = h.site(&owner, "Warehouse").await;
    h.command(&olga, "start", None).await;
    let out = h.press(&olga, "🏢 My sites").await;
    h.tap(&olga, last(&out), "🏢 Warehouse").await;
    let card = now_(&h, last(&out));
    let out = h.tap(&olga, &card, "🔗 Link and QR code").await;
    assert_eq!(out.len(), 2, "{}", joined(&out));
    let link = format!(
        "https://t.me/{}?start=j{}",
        h.tg.bot_username(),
        site.join_code
    );
    assert!(
        out[0].text().contains("Invitation to “Warehouse”"),
        "{}",
        out[0].text()
    );
    assert!(out[0].text().contains(&link), "{}", out[0].text());
    let photo = &out[1];
    assert_eq!(photo.method.to_lowercase(), "sendphoto");
    assert!(
        photo
            .text()
            .contains("QR code for employees of “Warehouse”")
    );
    let png = photo.file_bytes().expect("the QR image");
    let picture = decode_bilevel_png(png);
    assert!(picture.len() >= 200, "{} px", picture.len());
    assert!(
        picture.iter().all(|row| row.len() == picture.len()),
        "square"
    );
    // Every module of the link's QR code, in its place, with the white quiet zone around.
    let matrix = bot::qr::Matrix::encode(&link).unwrap();
    let modules = matrix.width + 2 * bot::qr::QUIET_ZONE;
    let scale = picture.len() / modules;
    assert_eq!(picture.len(), modules * scale);
    for (py, row) in picture.iter().enumerate() {
        for (px, black) in row.iter().enumerate() {
            let (mx, my) = (px / scale, py / scale);
            let q = bot::qr::QUIET_ZONE;
            let expected = mx >= q && my >= q && matrix.is_dark(mx - q, my - q);
            assert_eq!(*black, expected, "pixel {px},{py}");
        }
    }
    // The link starts the join flow for this very site.
    let tom = FakeUser::en(2602).named("Tom", None);
    let out = h
        .command(&tom, "start", Some(&format!("j{}", site.join_code)))
        .await;
    assert!(joined(&out).contains("Warehouse"), "{}", joined(&out));
    h.tg.wait_until(WAIT, |tg| {
        tg.texts(olga.id)
            .iter()
            .any(|t| t.contains("Tom wants to work"))
    })
    .await
    .unwrap();
    h.shutdown().await;
}

#[tokio::test]
async fn employees_list_and_revoke() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(2701);
    let owner = h.owner(&anna, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(2702);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;
    let petr = h.employee(&FakeUser::ru(2703), "Пётр", &owner, &site).await;
    h.command(&anna, "start", None).await;
    let card = open_card(&h, &anna, "🏢 Кофейня").await;
    h.tap(&anna, &card, "👥 Сотрудники").await;
    let list = now_(&h, &card);
    assert!(
        list.text().contains("Сотрудники объекта «Кофейня» (2)")
            && list.text().contains("• Иван")
            && list.text().contains("• Пётр"),
        "{}",
        list.text()
    );
    h.tap(&anna, &list, "❌ Иван").await;
    let confirm = now_(&h, &list);
    assert!(
        confirm
            .text()
            .contains("Закрыть сотруднику Иван доступ к объекту «Кофейня»?")
    );
    // "No" goes back to the list; nothing changes.
    h.tap(&anna, &confirm, "Нет").await;
    assert!(h.store.has_access(site.id, ivan.id).await.unwrap());
    h.tap(&anna, &now_(&h, &list), "❌ Иван").await;
    let (_, answer) = h
        .tap_answered(&anna, &now_(&h, &list), "Да, закрыть доступ")
        .await;
    assert_eq!(
        answer.text.as_deref(),
        Some("Иван больше не работает на объекте «Кофейня».")
    );
    let after = now_(&h, &list);
    assert!(
        after.text().contains("(1)") && !after.text().contains("Иван"),
        "{}",
        after.text()
    );
    assert!(!h.store.has_access(site.id, ivan.id).await.unwrap());
    assert!(h.store.has_access(site.id, petr.id).await.unwrap());
    h.tg.wait_until(WAIT, |tg| {
        tg.texts(ivan_tg.id)
            .iter()
            .any(|t| t.contains("закрыл вам доступ к объекту «Кофейня»"))
    })
    .await
    .unwrap();
    // The old confirmation button again: already revoked.
    let data = format!("1ov:{}:{}:1", site.id.0, ivan.id.0);
    let (_, answer) = h.send_data(&anna, list.message_id, &data).await;
    assert_eq!(
        answer.text.as_deref(),
        Some("У этого сотрудника уже нет доступа к объекту.")
    );
    h.shutdown().await;
}

#[tokio::test]
async fn non_owners_and_managers() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna_tg = FakeUser::ru(3001);
    let owner = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan = FakeUser::ru(3002);
    h.employee(&ivan, "Иван", &owner, &site).await;
    let out = h.command(&ivan, "start", None).await;
    let menu = out[0].reply_keyboard().unwrap().texts().concat();
    assert!(!menu.contains(&"➕ Новый объект".to_owned()), "{menu:?}");
    // Typed anyway (or an old keyboard).
    let out = h.text(&ivan, "➕ Новый объект").await;
    assert!(
        last(&out)
            .text()
            .contains("Создавать объекты могут только владельцы"),
        "{}",
        joined(&out)
    );
    let out = h.text(&ivan, "🏢 Мои объекты").await;
    assert!(
        last(&out).text().contains("для владельцев и управляющих"),
        "{}",
        joined(&out)
    );
    assert!(h.bot_state.load_dialogue(ivan.id).await.unwrap().is_none());
    // A forged "New site" button is refused the same way.
    let (_, answer) = h.send_data(&ivan, out[0].message_id, "1on").await;
    assert!(answer.text.is_none());
    assert!(
        last(&h.tg.messages(ivan.id))
            .text()
            .contains("только владельцы")
    );

    // A manager (not an owner) sees and edits the sites they manage, but creates none.
    let maria = FakeUser::en(3003);
    h.tg.add_user(&maria);
    h.app
        .register_user(maria.id, "Maria", domain::Language::En)
        .await
        .unwrap();
    h.app
        .grant_manager(&owner, site.id, maria.id)
        .await
        .unwrap();
    h.command(&maria, "start", None).await;
    let out = h.press(&maria, "🏢 My sites").await;
    let list = last(&out).clone();
    assert_eq!(list.inline_texts().concat(), ["🏢 Кофейня".to_owned()]);
    h.tap(&maria, &list, "🏢 Кофейня").await;
    let card = now_(&h, &list);
    assert!(
        card.text().contains("350.00\u{a0}₽ per hour"),
        "{}",
        card.text()
    );
    // Managers get no "New site" button; typing the label is refused with the reason.
    let menu = h.tg.reply_keyboard(maria.id).unwrap().texts().concat();
    assert!(!menu.contains(&"➕ New site".to_owned()), "{menu:?}");
    let out = h.text(&maria, "➕ New site").await;
    assert!(last(&out).text().contains("Only owners can create sites"));
    // Access taken away: the old card's buttons answer with a notice.
    let maria_id = h
        .store
        .user_by_telegram_id(maria.id)
        .await
        .unwrap()
        .unwrap()
        .id;
    h.app
        .revoke_manager(&owner, site.id, maria_id)
        .await
        .unwrap();
    let (_, answer) = h.tap_answered(&maria, &card, "✏️ Edit").await;
    assert_eq!(
        answer.text.as_deref(),
        Some("You no longer have access to this site.")
    );
    assert!(answer.show_alert);
    h.shutdown().await;
}

#[tokio::test]
async fn an_owner_without_sites_is_shown_the_way() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(3101);
    h.owner(&anna, "Анна").await;
    h.command(&anna, "start", None).await;
    let out = h.press(&anna, "👀 Сейчас на сменах").await;
    assert!(
        last(&out).text().contains("У вас пока нет объектов"),
        "{}",
        joined(&out)
    );
    let out = h.press(&anna, "📊 Отчёты").await;
    assert!(
        last(&out).text().contains("У вас пока нет объектов"),
        "{}",
        joined(&out)
    );
    let out = h.press(&anna, "🏢 Мои объекты").await;
    let list = last(&out).clone();
    assert!(list.text().contains("Создайте первый"), "{}", list.text());
    let out = h.tap(&anna, &list, "➕ Новый объект").await;
    assert!(last(&out).text().contains("шаг 1 из 7"), "{}", joined(&out));
    h.shutdown().await;
}
