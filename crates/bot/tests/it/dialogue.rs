//! How the bot keeps a conversation, as people found it: an approved employee is greeted with
//! their sites; a command, a menu button or a location in the middle of a dialogue says what it
//! cancelled; a Cancel of a finished dialogue has expired; a question answered by typing loses
//! its buttons; durations, dates and empty names are written one way, in both languages.

use crate::support::{Backend, Harness, WAIT, joined};
use app::NewShift;
use app::service::PlanRequest;
use chrono::{Duration, NaiveTime};
use domain::{Coordinates, Money, RecordedLocation, SitePatch};
use testkit::telegram::{BotMessage, FakeUser};

fn last(out: &[BotMessage]) -> &BotMessage {
    out.last().expect("the bot answered")
}

/// The message as it is now (after edits).
fn now_(h: &Harness, m: &BotMessage) -> BotMessage {
    h.tg.message(m.chat_id, m.message_id).unwrap()
}

fn buttons(m: &BotMessage) -> Vec<String> {
    m.inline_buttons().map(|b| b.text.clone()).collect()
}

fn data_of(m: &BotMessage, text: &str) -> String {
    m.inline_button(text)
        .and_then(|b| b.callback_data.clone())
        .unwrap_or_else(|| panic!("no button {text:?} in {:?}", buttons(m)))
}

fn here() -> RecordedLocation {
    RecordedLocation {
        coordinates: Coordinates::new(crate::support::SITE_LAT, crate::support::SITE_LON).unwrap(),
        accuracy_m: Some(5.0),
        distance_m: 0.0,
    }
}

// ---- an approved employee's /start ----------------------------------------------------------

async fn an_approved_employee_is_greeted_with_their_sites(backend: Backend) {
    let h = Harness::start(backend).await;
    let owner = h.owner(&FakeUser::ru(5000), "Анна").await;
    let cafe = h.site(&owner, "Кофейня").await;
    let store = h.site(&owner, "Склад").await;
    let ivan_tg = FakeUser::ru(5001).named("Иван", None);
    h.employee(&ivan_tg, "Иван", &owner, &cafe).await;
    h.app
        .add_employee(&owner, store.id, ivan_tg.id, None)
        .await
        .unwrap();
    h.app
        .update_site(&owner, store.id, SitePatch::default(), Some(false), None)
        .await
        .unwrap();

    let out = h.command(&ivan_tg, "start", None).await;
    let text = joined(&out);
    assert!(text.contains("Здравствуйте, Иван!"), "{text}");
    assert!(
        text.contains("Вы работаете на объектах:\n• «Кофейня»\n• «Склад» (отключён)"),
        "{text}"
    );
    assert!(!text.contains("ссылку-приглашение"), "{text}");
    let menu = last(&out)
        .reply_keyboard()
        .expect("the menu")
        .texts()
        .concat();
    assert!(menu.contains(&"🟢 Открыть смену".to_owned()), "{menu:?}");

    // Someone not approved anywhere is still told how to join.
    let out = h
        .command(&FakeUser::ru(5002).named("Пётр", None), "start", None)
        .await;
    assert!(
        joined(&out).contains("ссылку-приглашение"),
        "{}",
        joined(&out)
    );

    let tom_tg = FakeUser::en(5003).named("Tom", None);
    h.employee(&tom_tg, "Tom", &owner, &cafe).await;
    let text = joined(&h.command(&tom_tg, "start", None).await);
    assert!(
        text.contains("Hello, Tom!") && text.contains("You work at this site:\n• “Кофейня”"),
        "{text}"
    );
    assert!(!text.contains("invitation link"), "{text}");
    h.shutdown().await;
}

#[tokio::test]
async fn an_approved_employee_is_greeted_with_their_sites_sqlite() {
    an_approved_employee_is_greeted_with_their_sites(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_approved_employee_is_greeted_with_their_sites_postgres() {
    an_approved_employee_is_greeted_with_their_sites(Backend::Postgres).await;
}

// ---- leaving a dialogue ---------------------------------------------------------------------

#[tokio::test]
async fn a_menu_button_or_a_location_midway_says_what_it_cancelled() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(5100);
    let owner = h.owner(&anna, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    h.command(&anna, "start", None).await;
    h.press(&anna, "➕ Новый объект").await;
    h.text(&anna, "Склад").await;

    // A menu button: the dialogue ends, the person is told, then the button is answered.
    let out = h.press(&anna, "📍 Статус").await;
    assert_eq!(out.len(), 2, "{}", joined(&out));
    assert_eq!(out[0].text(), "Создание объекта отменено.");
    assert!(
        out[1].text().contains("Открытой смены нет."),
        "{}",
        out[1].text()
    );
    assert!(h.bot_state.load_dialogue(anna.id).await.unwrap().is_none());
    assert_eq!(h.app.sites_for(&owner).await.unwrap().len(), 1);

    // A location in the middle of a question about earnings opens the shift, and says so.
    h.employee(&anna, "Анна", &owner, &site).await;
    let out = h.press(&anna, "💰 Заработок").await;
    h.tap(&anna, &out[0], "Период…").await;
    let out = h.location(&anna, 0.0, 5.0).await;
    assert_eq!(out[0].text(), "Выбор периода заработка отменён.");
    assert!(joined(&out).contains("Смена открыта"), "{}", joined(&out));
    h.shutdown().await;
}

#[tokio::test]
async fn a_command_midway_says_what_it_cancelled_in_english() {
    let h = Harness::start(Backend::Sqlite).await;
    let owner = h.owner(&FakeUser::en(5200), "Olga").await;
    let site = h.site(&owner, "Shop").await;
    let tom = FakeUser::en(5201).named("Tom", None);
    h.employee(&tom, "Tom", &owner, &site).await;
    let out = h.press(&tom, "🗓 Plan").await;
    assert!(
        out[0].text().contains("choose the day"),
        "{}",
        out[0].text()
    );
    let out = h.command(&tom, "help", None).await;
    assert_eq!(out[0].text(), "Planning the shift was cancelled.");
    assert!(out[1].text().contains("What I can do"), "{}", out[1].text());
    assert!(h.bot_state.load_dialogue(tom.id).await.unwrap().is_none());
    // /cancel names the dialogue too.
    h.press(&tom, "🟢 Open shift").await;
    let out = h.command(&tom, "cancel", None).await;
    assert_eq!(joined(&out), "Opening the shift was cancelled.");
    let out = h.command(&tom, "cancel", None).await;
    assert_eq!(joined(&out), "Nothing to cancel.");
    h.shutdown().await;
}

/// A button that starts another dialogue ends the one going on; the tap's answer says so.
#[tokio::test]
async fn a_button_of_another_dialogue_says_what_it_cancelled() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(5300);
    let owner = h.owner(&anna, "Анна").await;
    h.site(&owner, "Кофейня").await;
    h.command(&anna, "start", None).await;
    let out = h.press(&anna, "🏢 Мои объекты").await;
    let card = last(&out).clone();
    h.tap(&anna, &card, "🏢 Кофейня").await;
    let out = h.press(&anna, "➕ Новый объект").await;
    let question = last(&out).clone();
    assert_eq!(buttons(&question), ["Отмена"]);

    h.tap(&anna, &now_(&h, &card), "✏️ Изменить").await;
    let (out, answer) = h.tap_answered(&anna, &now_(&h, &card), "Название").await;
    assert_eq!(answer.text.as_deref(), Some("Создание объекта отменено."));
    assert!(joined(&out).contains("Сейчас: Кофейня"), "{}", joined(&out));
    // The new-site question no longer offers its buttons.
    assert!(buttons(&now_(&h, &question)).is_empty());
    h.shutdown().await;
}

// ---- Cancel of a finished dialogue, and questions answered by typing --------------------------

#[tokio::test]
async fn a_cancel_of_a_finished_dialogue_has_expired() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(5400);
    h.owner(&anna, "Анна").await;
    h.command(&anna, "start", None).await;
    let out = h.press(&anna, "➕ Новый объект").await;
    let question = last(&out).clone();
    let cancel = data_of(&question, "Отмена");
    h.command(&anna, "cancel", None).await;

    // The same Cancel again (a second tap, or the button still shown on another device).
    let (out, answer) = h.send_data(&anna, question.message_id, &cancel).await;
    assert!(out.is_empty(), "{}", joined(&out));
    assert_eq!(
        answer.text.as_deref(),
        Some("Эта кнопка устарела. Откройте меню заново.")
    );
    assert!(answer.show_alert);

    // Nor does it cancel a dialogue of another kind going on now.
    let owner = h.store.user_by_telegram_id(anna.id).await.unwrap().unwrap();
    let site = h.site(&owner, "Кофейня").await;
    h.employee(&anna, "Анна", &owner, &site).await;
    let out = h.press(&anna, "💰 Заработок").await;
    h.tap(&anna, &out[0], "Период…").await;
    let waiting = h.bot_state.load_dialogue(anna.id).await.unwrap();
    assert!(waiting.is_some());
    let (_, answer) = h.send_data(&anna, question.message_id, &cancel).await;
    assert_eq!(
        answer.text.as_deref(),
        Some("Эта кнопка устарела. Откройте меню заново.")
    );
    assert_eq!(h.bot_state.load_dialogue(anna.id).await.unwrap(), waiting);

    // In English.
    h.app
        .set_language(&owner, domain::Language::En)
        .await
        .unwrap();
    let (_, answer) = h.send_data(&anna, question.message_id, &cancel).await;
    assert_eq!(
        answer.text.as_deref(),
        Some("This button has expired. Open the menu again.")
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_question_answered_by_typing_loses_its_buttons() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(5500);
    h.owner(&anna, "Анна").await;
    h.command(&anna, "start", None).await;
    let out = h.press(&anna, "➕ Новый объект").await;
    let name_q = last(&out).clone();
    assert_eq!(buttons(&name_q), ["Отмена"]);
    let out = h.text(&anna, "Склад").await;
    assert!(buttons(&now_(&h, &name_q)).is_empty());
    let address_q = last(&out).clone();
    assert_eq!(buttons(&address_q), ["Без адреса", "Отмена"]);
    // A refused answer too: the question is asked again below, the old one is bare.
    h.text(&anna, &"д".repeat(301)).await;
    assert!(buttons(&now_(&h, &address_q)).is_empty());
    let out = h.text(&anna, "ул. Ленина, 1").await;
    assert!(
        joined(&out).contains("Где находится объект"),
        "{}",
        joined(&out)
    );
    assert!(
        h.tg.messages(anna.id)
            .iter()
            .all(|m| buttons(m).is_empty() || m.message_id > address_q.message_id),
        "only the latest question keeps buttons"
    );

    // English: the earnings period question.
    let tom = FakeUser::en(5501);
    let owner = h.owner(&tom, "Tom").await;
    let site = h.site(&owner, "Shop").await;
    h.employee(&tom, "Tom", &owner, &site).await;
    let out = h.press(&tom, "💰 Earnings").await;
    let out = h.tap_answered(&tom, &out[0], "Period…").await.0;
    let period_q = last(&out).clone();
    assert_eq!(buttons(&period_q), ["Cancel"]);
    let out = h.text(&tom, "last spring").await;
    assert!(joined(&out).contains("did not understand the period"));
    assert!(buttons(&now_(&h, &period_q)).is_empty());
    assert_eq!(buttons(last(&out)), ["Cancel"]);
    h.shutdown().await;
}

// ---- one way to write durations, dates and empty names --------------------------------------

#[tokio::test]
async fn durations_and_dates_one_way_in_both_languages() {
    let h = Harness::start(Backend::Sqlite).await;
    let owner = h.owner(&FakeUser::ru(5600), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let rate = Money::new(35_000, domain::Currency::RUB);
    let shift_for = |employee_id, minutes: i64| NewShift {
        employee_id,
        site_id: site.id,
        started_at: h.now() - Duration::seconds(minutes * 60 + 10),
        start_location: here(),
        hourly_rate: rate,
        planned_shift_id: None,
    };

    let ivan_tg = FakeUser::ru(5601);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;
    h.store.insert_shift(&shift_for(ivan.id, 45)).await.unwrap();
    let text = joined(&h.press(&ivan_tg, "📍 Статус").await);
    assert!(text.contains("уже 45 мин."), "{text}");

    let tom_tg = FakeUser::en(5602);
    let tom = h.employee(&tom_tg, "Tom", &owner, &site).await;
    h.store.insert_shift(&shift_for(tom.id, 65)).await.unwrap();
    // A plan three days ahead (the harness clock stands at 18 November 2026), to read its date.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    assert_eq!(
        site.settings.time_zone.local_date(h.now()) + Duration::days(3),
        day
    );
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    h.app
        .plan_shift(
            &tom,
            PlanRequest {
                employee_id: tom.id,
                site_id: site.id,
                date: day,
                start: nine,
                end: nine + Duration::hours(8),
            },
        )
        .await
        .unwrap();
    let text = joined(&h.press(&tom_tg, "📍 Status").await);
    assert!(text.contains("1 h 05 min so far"), "{text}");
    assert!(
        text.contains("Next planned shift: “Кофейня”, 21 Nov 2026 (Sa) 09:00–17:00"),
        "{text}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_name_of_spaces_is_empty_in_both_languages() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(5700);
    h.owner(&anna, "Анна").await;
    h.command(&anna, "start", None).await;
    h.press(&anna, "➕ Новый объект").await;
    let out = h.text(&anna, "   ").await;
    assert!(
        joined(&out).contains("⚠️ Название пустое: напишите его буквами или цифрами."),
        "{}",
        joined(&out)
    );
    assert!(joined(&out).contains("Как называется объект?"));

    // Editing the name of a site, in English.
    let olga = FakeUser::en(5701);
    let owner = h.owner(&olga, "Olga").await;
    h.site(&owner, "Shop").await;
    h.command(&olga, "start", None).await;
    let out = h.press(&olga, "🏢 My sites").await;
    let card = last(&out).clone();
    h.tap(&olga, &card, "🏢 Shop").await;
    h.tap(&olga, &now_(&h, &card), "✏️ Edit").await;
    h.tap(&olga, &now_(&h, &card), "Name").await;
    let out = h.text(&olga, " \u{a0} ").await;
    assert!(
        joined(&out).contains("The name is empty: type it in letters or digits."),
        "{}",
        joined(&out)
    );
    assert_eq!(
        h.app.sites_for(&owner).await.unwrap()[0]
            .settings
            .name
            .as_str(),
        "Shop"
    );
    h.shutdown().await;
}

/// Who hears of a shift is the use-case's rule; the notices write the duration the one way too.
#[tokio::test]
async fn who_is_told_about_a_shift_and_how_long_it_was() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(5800);
    let owner = h.owner(&anna, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    h.app
        .update_site(&owner, site.id, SitePatch::default(), None, Some(false))
        .await
        .unwrap();
    // Notifications off: a shift opened by hand is not announced.
    let petr = FakeUser::ru(5801);
    h.employee(&petr, "Пётр", &owner, &site).await;
    let out = h.location(&petr, 0.0, 5.0).await;
    assert!(joined(&out).contains("Смена открыта"), "{}", joined(&out));

    // A forgotten shift closed automatically after 16 hours: both are told, whatever the
    // setting, each in their language.
    let tom_tg = FakeUser::en(5802);
    let tom = h.employee(&tom_tg, "Tom", &owner, &site).await;
    h.store
        .insert_shift(&NewShift {
            employee_id: tom.id,
            site_id: site.id,
            started_at: h.now() - Duration::hours(17),
            start_location: here(),
            hourly_rate: Money::new(35_000, domain::Currency::RUB),
            planned_shift_id: None,
        })
        .await
        .unwrap();
    assert_eq!(h.app.auto_close_due().await.unwrap().len(), 1);
    h.tg.wait_until(WAIT, |tg| {
        !tg.texts(tom_tg.id).is_empty() && !tg.texts(anna.id).is_empty()
    })
    .await
    .unwrap();
    let to_tom = h.tg.texts(tom_tg.id).join("\n");
    assert!(
        to_tom.contains("was closed automatically at")
            && to_tom.contains(": 16 h 00 min, 5,600.00\u{a0}₽."),
        "{to_tom}"
    );
    // With the pay receipt they would have had closing it themselves.
    assert!(
        to_tom.contains("🧾")
            && to_tom.contains("16 h 00 min × 350.00\u{a0}₽/h = 5,600.00\u{a0}₽.")
            && to_tom.contains("so far: 5,600.00\u{a0}₽."),
        "{to_tom}"
    );
    let to_anna = h.tg.texts(anna.id);
    assert_eq!(to_anna.len(), 1, "only the automatic close: {to_anna:?}");
    assert!(
        to_anna[0].contains("закрыта автоматически")
            && to_anna[0].contains(": 16 ч 00 мин, 5\u{a0}600,00\u{a0}₽."),
        "{to_anna:?}"
    );
    h.shutdown().await;
}

/// The newer dialogues follow the same rule: closing someone's shift from "On shift now" can be
/// cancelled at its confirmation, which names what was cancelled; the shift keeps running.
#[tokio::test]
async fn closing_someones_shift_is_cancelled_at_its_confirmation() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(5900);
    let owner = h.owner(&anna, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(5901);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;
    h.location(&ivan_tg, 0.0, 5.0).await;
    // The owner's notice of the open arrives on its own; let it land before reading replies.
    h.tg.wait_until(WAIT, |tg| {
        tg.texts(anna.id)
            .iter()
            .any(|t| t.contains("открыл(а) смену"))
    })
    .await
    .unwrap();
    h.command(&anna, "start", None).await;
    let out = h.press(&anna, "👀 Сейчас на сменах").await;
    let out = h.tap(&anna, last(&out), "🔴 Закрыть: Иван").await;
    let question = last(&out).clone();
    h.tap(&anna, &question, "Сейчас").await;
    let confirm = now_(&h, &question);
    assert_eq!(buttons(&confirm), ["✅ Закрыть смену", "Отмена"]);
    h.tap(&anna, &confirm, "Отмена").await;
    assert_eq!(
        now_(&h, &confirm).text(),
        "Закрытие смены сотрудника отменено."
    );
    assert!(h.bot_state.load_dialogue(anna.id).await.unwrap().is_none());
    assert!(h.app.running_shift(&ivan).await.unwrap().is_some());
    h.shutdown().await;
}
