//! Employee flows end to end: status, planning by buttons and by typed times (overnight sites,
//! refusals, double taps, restarts), my plans and cancelling, earnings. Each test asserts what
//! the person sees and what is stored.

use crate::support::{Backend, Harness, SITE_LAT, SITE_LON, WAIT, joined};
use app::service::PlanRequest;
use app::{FinishedShift, NewShift, ShiftEnd};
use bot::format::money;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use domain::{
    Coordinates, Currency, Language, Money, PlanStatus, PlannedShift, RecordedLocation,
    ShiftStatus, Site, SitePatch, SiteTimeZone, User,
};
use testkit::telegram::{BotMessage, FakeUser};

// ---- helpers ----------------------------------------------------------------------------------

fn msk() -> SiteTimeZone {
    SiteTimeZone::default()
}

/// Today in Moscow (where every fixture site is), by the harness clock.
fn today(h: &Harness) -> NaiveDate {
    msk().local_date(h.now())
}

/// A date as the bot writes it in Russian, and as people type it.
fn dmy(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// A date as the bot writes it in English.
fn en_date(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn button_texts(m: &BotMessage) -> Vec<String> {
    m.inline_buttons().map(|b| b.text.clone()).collect()
}

fn data_of(m: &BotMessage, text: &str) -> String {
    m.inline_button(text)
        .and_then(|b| b.callback_data.clone())
        .unwrap_or_else(|| panic!("no button {text:?} in {:?}", button_texts(m)))
}

/// The message as the person sees it now (after edits).
fn now_of(h: &Harness, user: &FakeUser, m: &BotMessage) -> BotMessage {
    h.tg.message(user.id, m.message_id).unwrap()
}

/// Taps a button and returns the toast or alert the bot answered with.
async fn tap_notice(h: &Harness, user: &FakeUser, m: &BotMessage, text: &str) -> (String, bool) {
    let id = h.tg.tap_button(user, m.message_id, text).unwrap();
    h.processed(id).await;
    let answer = h.tg.wait_for_callback_answer(id, WAIT).await.unwrap();
    (answer.text.unwrap_or_default(), answer.show_alert)
}

/// Sends raw callback data (a second tap on a button that is gone by now).
async fn callback_notice(h: &Harness, user: &FakeUser, message_id: i32, data: &str) -> String {
    let id = h.tg.send_callback(user, message_id, data);
    h.processed(id).await;
    let answer = h.tg.wait_for_callback_answer(id, WAIT).await.unwrap();
    answer.text.unwrap_or_default()
}

/// On the calendar message, goes to the month of `day` and taps it; returns the message then
/// (the calendar is edited in place into the start times).
async fn pick_day(
    h: &Harness,
    user: &FakeUser,
    calendar: &BotMessage,
    day: NaiveDate,
) -> BotMessage {
    let months = (day.year() - today(h).year()) * 12 + day.month() as i32 - today(h).month() as i32;
    for _ in 0..months {
        let current = now_of(h, user, calendar);
        h.tap(user, &current, "›").await;
    }
    let current = now_of(h, user, calendar);
    let out = h.tap(user, &current, &day.day().to_string()).await;
    assert!(
        out.is_empty(),
        "the calendar is edited, not followed: {}",
        joined(&out)
    );
    now_of(h, user, calendar)
}

async fn site_with_hours(h: &Harness, owner: &User, name: &str, opens: &str, closes: &str) -> Site {
    h.app
        .create_site(
            owner,
            SitePatch {
                name: Some(name.into()),
                latitude: Some(SITE_LAT),
                longitude: Some(SITE_LON),
                opens_at: Some(opens.into()),
                closes_at: Some(closes.into()),
                hourly_rate_minor: Some(35_000),
                ..SitePatch::default()
            },
        )
        .await
        .unwrap()
}

async fn plans_of(h: &Harness, user: &User) -> Vec<PlannedShift> {
    h.app.my_plans(user).await.unwrap()
}

fn at(day: NaiveDate, time: NaiveTime) -> chrono::DateTime<Utc> {
    msk().instant_exact(day.and_time(time)).unwrap()
}

fn here() -> RecordedLocation {
    RecordedLocation {
        coordinates: Coordinates::new(SITE_LAT, SITE_LON).unwrap(),
        accuracy_m: Some(5.0),
        distance_m: 0.0,
    }
}

fn rub(minor: i64) -> Money {
    Money::new(minor, Currency::RUB)
}

// ---- status -----------------------------------------------------------------------------------

async fn status_with_and_without_a_shift(backend: Backend) {
    let h = Harness::start(backend).await;
    let owner = h.owner(&FakeUser::ru(3000), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(3001);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;

    let out = h.press(&ivan_tg, "📍 Статус").await;
    let text = joined(&out);
    assert!(text.contains("Открытой смены нет"), "{text}");
    assert!(text.contains("Запланированных смен нет"), "{text}");
    assert!(out[0].reply_keyboard().is_some(), "the menu stays");

    // A shift running for 2 h 5 min, and a plan in two days.
    let started = h.now() - Duration::seconds(125 * 60 + 20);
    h.store
        .insert_shift(&NewShift {
            employee_id: ivan.id,
            site_id: site.id,
            started_at: started,
            start_location: here(),
            hourly_rate: rub(35_000),
            planned_shift_id: None,
        })
        .await
        .unwrap();
    let day = today(&h) + Duration::days(2);
    h.app
        .plan_shift(
            &ivan,
            PlanRequest {
                employee_id: ivan.id,
                site_id: site.id,
                date: day,
                start: t(10, 0),
                end: t(18, 0),
            },
        )
        .await
        .unwrap();

    let text = joined(&h.press(&ivan_tg, "📍 Статус").await);
    let since = msk().local(started).format("%H:%M").to_string();
    assert!(text.contains("Смена идёт на объекте «Кофейня»"), "{text}");
    assert!(text.contains(&since), "{since} in {text}");
    assert!(text.contains("2 ч 05 мин"), "{text}");
    // 125 min × 350.00 / 60 = 729.166… → 729.17
    let earned = money(Language::Ru, rub(72_917));
    assert!(text.contains(&earned), "{earned} in {text}");
    assert!(
        text.contains(&format!(
            "Ближайшая запланированная смена: «Кофейня», {}",
            dmy(day)
        )),
        "{text}"
    );
    assert!(text.contains("10:00–18:00"), "{text}");

    // English, and other plural forms.
    let tom_tg = FakeUser::en(3002);
    let tom = h.employee(&tom_tg, "Tom", &owner, &site).await;
    h.store
        .insert_shift(&NewShift {
            employee_id: tom.id,
            site_id: site.id,
            started_at: h.now() - Duration::seconds(61 * 60 + 10),
            start_location: here(),
            hourly_rate: rub(35_000),
            planned_shift_id: None,
        })
        .await
        .unwrap();
    let text = joined(&h.press(&tom_tg, "📍 Status").await);
    assert!(text.contains("On shift at “Кофейня” since"), "{text}");
    assert!(text.contains("1 h 01 min so far"), "{text}");
    assert!(
        // 61 min × 350.00 / 60 = 355.833… → 355.83
        text.contains(&money(Language::En, rub(35_583))),
        "{text}"
    );
    assert!(text.contains("You have no planned shifts"), "{text}");
    h.shutdown().await;
}

#[tokio::test]
async fn status_with_and_without_a_shift_sqlite() {
    status_with_and_without_a_shift(Backend::Sqlite).await;
}

#[tokio::test]
async fn status_with_and_without_a_shift_postgres() {
    status_with_and_without_a_shift(Backend::Postgres).await;
}

// ---- planning ---------------------------------------------------------------------------------

async fn plan_by_buttons_with_a_double_tap(backend: Backend) {
    let h = Harness::start(backend).await;
    let owner = h.owner(&FakeUser::ru(3100), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(3101);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;

    // One site: straight to the calendar of this month.
    let out = h.press(&ivan_tg, "🗓 Запланировать").await;
    assert_eq!(out.len(), 1, "{}", joined(&out));
    let calendar = out[0].clone();
    let last = today(&h) + Duration::days(60);
    assert!(
        calendar.text().contains("«Кофейня»: выберите дату"),
        "{}",
        calendar.text()
    );
    assert!(
        calendar
            .text()
            .contains(&format!("с {} по {}", dmy(today(&h)), dmy(last))),
        "{}",
        calendar.text()
    );
    let buttons = button_texts(&calendar);
    assert!(
        buttons.contains(&today(&h).day().to_string()),
        "{buttons:?}"
    );
    for past in 1..today(&h).day() {
        assert!(
            !buttons.contains(&past.to_string()),
            "day {past} is before today: {buttons:?}"
        );
    }
    assert!(
        !buttons.contains(&"‹".to_owned()),
        "no month before this one"
    );
    assert!(buttons.contains(&"›".to_owned()));
    assert!(buttons.contains(&"Пн".to_owned()) && buttons.contains(&"Отмена".to_owned()));
    // The last month shows only the days up to the horizon.
    let mut current = calendar.clone();
    for _ in
        0..((last.year() - today(&h).year()) * 12 + last.month() as i32 - today(&h).month() as i32)
    {
        h.tap(&ivan_tg, &current, "›").await;
        current = now_of(&h, &ivan_tg, &calendar);
    }
    let buttons = button_texts(&current);
    assert!(buttons.contains(&last.day().to_string()));
    if last.succ_opt().unwrap().month() == last.month() {
        assert!(
            !buttons.contains(&(last.day() + 1).to_string()),
            "{buttons:?}"
        );
    }
    assert!(
        !buttons.contains(&"›".to_owned()),
        "no month after the horizon"
    );
    // Back to the start, then the day.
    let day = today(&h) + Duration::days(3);
    while current.inline_button("‹").is_some() {
        h.tap(&ivan_tg, &current, "‹").await;
        current = now_of(&h, &ivan_tg, &calendar);
    }
    let starts = pick_day(&h, &ivan_tg, &calendar, day).await;
    assert!(
        starts.text().contains(&format!("«Кофейня», {}", dmy(day))),
        "{}",
        starts.text()
    );
    assert!(
        starts.text().contains("Объект работает круглосуточно"),
        "{}",
        starts.text()
    );
    let times = button_texts(&starts);
    assert!(
        times.contains(&"00:00".to_owned()) && times.contains(&"23:30".to_owned()),
        "{times:?}"
    );
    assert!(times.contains(&"← Назад".to_owned()));

    h.tap(&ivan_tg, &starts, "10:00").await;
    let ends = now_of(&h, &ivan_tg, &calendar);
    assert!(ends.text().contains("начало в 10:00"), "{}", ends.text());
    let end_times = button_texts(&ends);
    assert!(
        !end_times.contains(&"10:30".to_owned()),
        "shorter than an hour: {end_times:?}"
    );
    assert!(end_times.contains(&"11:00".to_owned()) && end_times.contains(&"10:00".to_owned()));

    h.tap(&ivan_tg, &ends, "18:00").await;
    let confirm = now_of(&h, &ivan_tg, &calendar);
    let text = confirm.text();
    assert!(text.contains("Запланировать смену?"), "{text}");
    assert!(text.contains("Объект: «Кофейня»"), "{text}");
    assert!(text.contains(&format!("Дата: {}", dmy(day))), "{text}");
    assert!(text.contains("Время: 10:00 – 18:00"), "{text}");
    assert!(text.contains("Длительность: 8 ч 00 мин"), "{text}");
    assert!(
        plans_of(&h, &ivan).await.is_empty(),
        "nothing stored before Confirm"
    );

    let confirm_data = data_of(&confirm, "✅ Подтвердить");
    h.tap(&ivan_tg, &confirm, "✅ Подтвердить").await;
    let done = now_of(&h, &ivan_tg, &calendar);
    assert!(
        done.text().contains("✅ Смена запланирована"),
        "{}",
        done.text()
    );
    assert!(done.inline_buttons().next().is_none(), "no buttons left");
    let plans = plans_of(&h, &ivan).await;
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].starts_at, at(day, t(10, 0)));
    assert_eq!(plans[0].ends_at, at(day, t(18, 0)));
    assert_eq!(plans[0].site_id, site.id);
    assert_eq!(
        h.bot_state.load_dialogue(ivan_tg.id).await.unwrap(),
        None,
        "the dialogue is over"
    );

    // A double tap delivers the same Confirm again: one plan, and a kind word.
    let notice = callback_notice(&h, &ivan_tg, calendar.message_id, &confirm_data).await;
    assert!(notice.contains("уже запланирована"), "{notice}");
    assert_eq!(plans_of(&h, &ivan).await.len(), 1);

    // A start in the past is explained.
    let out = h.press(&ivan_tg, "🗓 Запланировать").await;
    let calendar = out[0].clone();
    pick_day(&h, &ivan_tg, &calendar, today(&h)).await;
    let out = h.text(&ivan_tg, "00:00").await;
    assert!(
        joined(&out).contains("Это время уже прошло"),
        "{}",
        joined(&out)
    );
    // Nonsense is re-asked with an example; /cancel leaves.
    let out = h.text(&ivan_tg, "утром").await;
    assert!(
        joined(&out).contains("Не понял время «утром»"),
        "{}",
        joined(&out)
    );
    assert!(joined(&out).contains("09:30"));
    let out = h.command(&ivan_tg, "cancel", None).await;
    assert!(
        joined(&out).contains("Планирование смены отменено."),
        "{}",
        joined(&out)
    );
    assert_eq!(h.bot_state.load_dialogue(ivan_tg.id).await.unwrap(), None);
    assert_eq!(plans_of(&h, &ivan).await.len(), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn plan_by_buttons_with_a_double_tap_sqlite() {
    plan_by_buttons_with_a_double_tap(Backend::Sqlite).await;
}

#[tokio::test]
async fn plan_by_buttons_with_a_double_tap_postgres() {
    plan_by_buttons_with_a_double_tap(Backend::Postgres).await;
}

async fn plan_by_typed_times_overnight_and_refusals(backend: Backend) {
    let h = Harness::start(backend).await;
    let owner = h.owner(&FakeUser::en(3200), "Olga").await;
    let bar = site_with_hours(&h, &owner, "Night bar", "20:00", "06:00").await;
    let shop = site_with_hours(&h, &owner, "Shop", "09:00", "21:00").await;
    let tom_tg = FakeUser::en(3201);
    let tom = h.employee(&tom_tg, "Tom", &owner, &bar).await;
    h.app
        .add_employee(&owner, shop.id, tom_tg.id, None)
        .await
        .unwrap();

    // Two sites: pick one first. Typing instead of tapping re-asks.
    let out = h.press(&tom_tg, "🗓 Plan").await;
    assert!(out[0].text().contains("Which site"), "{}", out[0].text());
    assert_eq!(button_texts(&out[0]), ["Night bar", "Shop", "Cancel"]);
    let out = h.text(&tom_tg, "the bar please").await;
    assert!(
        joined(&out).contains("Choose the site with a button"),
        "{}",
        joined(&out)
    );
    let picker = out[0].clone();
    h.tap(&tom_tg, &picker, "Night bar").await;
    let calendar = now_of(&h, &tom_tg, &picker);
    assert!(
        calendar.text().contains("“Night bar”: choose the day"),
        "{}",
        calendar.text()
    );

    // The day typed; then times typed.
    let day = today(&h) + Duration::days(2);
    let out = h.text(&tom_tg, "someday").await;
    assert!(
        joined(&out).contains("did not understand the date"),
        "{}",
        joined(&out)
    );
    let out = h.text(&tom_tg, &dmy(today(&h) + Duration::days(90))).await;
    assert!(
        joined(&out).contains(&format!("only from {} to", en_date(today(&h)))),
        "{}",
        joined(&out)
    );
    let out = h.text(&tom_tg, &dmy(day)).await;
    let text = joined(&out);
    assert!(text.contains("The site is open 20:00–06:00"), "{text}");
    let starts = button_texts(&out[0]);
    assert_eq!(
        starts.first().map(String::as_str),
        Some("20:00"),
        "{starts:?}"
    );
    assert!(
        starts.contains(&"05:00".to_owned()) && !starts.contains(&"12:00".to_owned()),
        "{starts:?}"
    );

    let out = h.text(&tom_tg, "08:00").await;
    assert!(
        joined(&out).contains("The site is open 20:00–06:00: the shift must fit"),
        "{}",
        joined(&out)
    );
    let out = h.text(&tom_tg, "22:00").await;
    let text = joined(&out);
    assert!(text.contains("starting at 22:00"), "{text}");
    let ends = button_texts(&out[0]);
    assert_eq!(ends.first().map(String::as_str), Some("23:00"), "{ends:?}");
    assert!(
        ends.contains(&"06:00".to_owned()) && !ends.contains(&"06:30".to_owned()),
        "{ends:?}"
    );
    let out = h.text(&tom_tg, "07:00").await;
    assert!(
        joined(&out).contains("open 20:00–06:00"),
        "{}",
        joined(&out)
    );
    let out = h.text(&tom_tg, "22:30").await;
    assert!(
        joined(&out).contains("too short: 30 min. It must last at least 1 h 00 min"),
        "{}",
        joined(&out)
    );
    let out = h.text(&tom_tg, "6:00").await;
    let confirm = out[0].clone();
    let text = confirm.text();
    assert!(text.contains("Time: 22:00 – 06:00 the next day"), "{text}");
    assert!(text.contains("Length: 8 h 00 min"), "{text}");
    // Text while the summary waits for a tap.
    let out = h.text(&tom_tg, "yes").await;
    assert!(
        joined(&out).contains("Tap “Confirm” or “Cancel”"),
        "{}",
        joined(&out)
    );
    assert!(plans_of(&h, &tom).await.is_empty());
    // The summary is asked again below; the earlier one's buttons are gone.
    assert!(
        button_texts(&now_of(&h, &tom_tg, &confirm)).is_empty(),
        "{:?}",
        button_texts(&now_of(&h, &tom_tg, &confirm))
    );
    let confirm = out.last().unwrap().clone();
    h.tap(&tom_tg, &confirm, "✅ Confirm").await;
    assert!(
        now_of(&h, &tom_tg, &confirm)
            .text()
            .contains("✅ Shift planned")
    );
    let plans = plans_of(&h, &tom).await;
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].starts_at, at(day, t(22, 0)));
    assert_eq!(plans[0].ends_at, at(day + Duration::days(1), t(6, 0)));

    // Overlap: a plan at the shop exists; another one crossing it is refused with its details.
    let later = today(&h) + Duration::days(5);
    h.app
        .plan_shift(
            &tom,
            PlanRequest {
                employee_id: tom.id,
                site_id: shop.id,
                date: later,
                start: t(10, 0),
                end: t(14, 0),
            },
        )
        .await
        .unwrap();
    let out = h.press(&tom_tg, "🗓 Plan").await;
    h.tap(&tom_tg, &out[0], "Shop").await;
    let calendar = now_of(&h, &tom_tg, &out[0]);
    let starts = pick_day(&h, &tom_tg, &calendar, later).await;
    assert!(
        starts.text().contains("The site is open 09:00–21:00"),
        "{}",
        starts.text()
    );
    let out = h.text(&tom_tg, "08:00").await;
    assert!(
        joined(&out).contains("The site is open 09:00–21:00: the shift must fit"),
        "{}",
        joined(&out)
    );
    h.text(&tom_tg, "12:00").await;
    let out = h.text(&tom_tg, "16:00").await;
    let confirm = out[0].clone();
    h.tap(&tom_tg, &confirm, "✅ Confirm").await;
    let refused = now_of(&h, &tom_tg, &confirm);
    assert!(
        refused.text().contains(&format!(
            "overlaps one already planned: “Shop”, {}",
            en_date(later)
        )),
        "{}",
        refused.text()
    );
    assert!(refused.text().contains("10:00–14:00"), "{}", refused.text());
    // The start times of that day come back, to choose again.
    assert!(refused.inline_button("09:00").is_some());
    assert_eq!(plans_of(&h, &tom).await.len(), 2);
    h.shutdown().await;
}

#[tokio::test]
async fn plan_by_typed_times_overnight_and_refusals_sqlite() {
    plan_by_typed_times_overnight_and_refusals(Backend::Sqlite).await;
}

#[tokio::test]
async fn plan_by_typed_times_overnight_and_refusals_postgres() {
    plan_by_typed_times_overnight_and_refusals(Backend::Postgres).await;
}

async fn a_plan_continues_after_a_restart(backend: Backend) {
    let mut h = Harness::start(backend).await;
    let owner = h.owner(&FakeUser::ru(3300), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(3301);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;
    let day = today(&h) + Duration::days(1);

    let out = h.press(&ivan_tg, "🗓 Запланировать").await;
    pick_day(&h, &ivan_tg, &out[0], day).await;
    h.restart_bot().await;
    let out = h.text(&ivan_tg, "9:30").await;
    assert!(joined(&out).contains("начало в 09:30"), "{}", joined(&out));
    h.restart_bot().await;
    let out = h.text(&ivan_tg, "13:30").await;
    assert!(
        joined(&out).contains("Длительность: 4 ч 00 мин"),
        "{}",
        joined(&out)
    );
    h.tap(&ivan_tg, &out[0], "✅ Подтвердить").await;
    let plans = plans_of(&h, &ivan).await;
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].starts_at, at(day, t(9, 30)));
    assert_eq!(plans[0].ends_at, at(day, t(13, 30)));
    h.shutdown().await;
}

#[tokio::test]
async fn a_plan_continues_after_a_restart_sqlite() {
    a_plan_continues_after_a_restart(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_plan_continues_after_a_restart_postgres() {
    a_plan_continues_after_a_restart(Backend::Postgres).await;
}

/// On a month's last day, late in the evening in Moscow (where the failure was first seen):
/// tomorrow is on the calendar's next page.
#[tokio::test]
async fn buttons_of_a_site_without_access_answer_with_a_notice() {
    let h = Harness::start(Backend::Sqlite).await;
    h.set_now(
        msk()
            .instant_exact(d(2026, 11, 30).and_time(t(23, 40)))
            .unwrap(),
    );
    let owner = h.owner(&FakeUser::ru(3400), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(3401);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;
    let out = h.press(&ivan_tg, "🗓 Запланировать").await;
    let calendar = out[0].clone();
    let day = (today(&h) + Duration::days(1)).day().to_string();
    assert_eq!(day, "1");
    assert!(calendar.inline_button(&day).is_none());
    // Turn to tomorrow's page while the access is still there.
    h.tap(&ivan_tg, &calendar, "›").await;
    let current = now_of(&h, &ivan_tg, &calendar);
    assert!(current.inline_button(&day).is_some(), "{}", current.text());

    h.app
        .revoke_employee(&owner, site.id, ivan.id)
        .await
        .unwrap();
    let (notice, alert) = tap_notice(&h, &ivan_tg, &current, &day).await;
    assert!(notice.contains("больше нет доступа"), "{notice}");
    assert!(alert);
    assert_eq!(h.bot_state.load_dialogue(ivan_tg.id).await.unwrap(), None);
    assert!(plans_of(&h, &ivan).await.is_empty());
    h.shutdown().await;
}

/// A wall-clock time the clocks skip cannot be planned; the refusal names it. (No spring-forward
/// night falls within the calendar's 60 days here, so the Confirm button is sent as raw data,
/// as an old or altered client could.)
#[tokio::test]
async fn a_skipped_local_time_is_explained() {
    let h = Harness::start(Backend::Sqlite).await;
    let owner = h.owner(&FakeUser::en(3450), "Olga").await;
    let site = h
        .app
        .create_site(
            &owner,
            SitePatch {
                name: Some("Berlin".into()),
                latitude: Some(52.52),
                longitude: Some(13.40),
                opens_at: Some("00:00".into()),
                closes_at: Some("00:00".into()),
                time_zone: Some("Europe/Berlin".into()),
                hourly_rate_minor: Some(1_500),
                ..SitePatch::default()
            },
        )
        .await
        .unwrap();
    let tom_tg = FakeUser::en(3451);
    let tom = h.employee(&tom_tg, "Tom", &owner, &site).await;
    let confirm = bot::callback::Callback::Employee(bot::employee::EmployeeCb::PlanConfirm {
        site: site.id,
        date: NaiveDate::from_ymd_opt(2027, 3, 28).unwrap(),
        start: t(2, 30),
        end: t(8, 0),
    })
    .encode();
    let before = h.tg.messages(tom_tg.id).len();
    let id = h.tg.send_callback(&tom_tg, 777, &confirm);
    h.processed(id).await;
    let out = h.tg.messages(tom_tg.id).split_off(before);
    let text = joined(&out);
    assert!(
        text.contains("02:30 on 28 Mar 2027 does not exist at the site"),
        "{text}"
    );
    assert!(text.contains("the clocks go forward"), "{text}");
    assert!(plans_of(&h, &tom).await.is_empty());
    h.shutdown().await;
}

// ---- my plans -----------------------------------------------------------------------------------

async fn my_plans_and_cancelling(backend: Backend) {
    let h = Harness::start(backend).await;
    let owner = h.owner(&FakeUser::ru(3500), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(3501);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;

    let out = h.press(&ivan_tg, "📋 Мои планы").await;
    assert!(
        joined(&out).contains("Запланированных смен нет"),
        "{}",
        joined(&out)
    );

    // One plan in three days, one starting in about half an hour (too late to cancel).
    let later = today(&h) + Duration::days(3);
    let soon = msk().local(h.now() + Duration::minutes(31));
    let soon_start = soon
        .time()
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    for (date, start, end) in [
        (later, t(10, 0), t(12, 0)),
        (soon.date(), soon_start, soon_start + Duration::hours(2)),
    ] {
        h.app
            .plan_shift(
                &ivan,
                PlanRequest {
                    employee_id: ivan.id,
                    site_id: site.id,
                    date,
                    start,
                    end,
                },
            )
            .await
            .unwrap();
    }
    let out = h.press(&ivan_tg, "📋 Мои планы").await;
    let list = out[0].clone();
    let text = list.text();
    assert!(text.contains("Ваши запланированные смены"), "{text}");
    let soon_line = format!("1. «Кофейня», {}", dmy(soon.date()));
    assert!(text.contains(&soon_line), "{text}");
    assert!(
        text.contains(&format!("2. «Кофейня», {}", dmy(later))),
        "{text}"
    );
    assert!(text.contains("10:00–12:00"), "{text}");
    let soon_button = format!(
        "❌ Отменить 1: {} {}",
        dmy(soon.date()),
        soon_start.format("%H:%M")
    );
    let later_button = format!("❌ Отменить 2: {} 10:00", dmy(later));
    assert_eq!(
        button_texts(&list),
        [soon_button.clone(), later_button.clone()]
    );

    // Too late: refused with the numbers, nothing changes.
    let (notice, alert) = tap_notice(&h, &ivan_tg, &list, &soon_button).await;
    assert!(alert);
    assert!(
        notice.contains("не позже чем за 1 ч 00 мин до начала"),
        "{notice}"
    );
    // The harness clock stands still: the plan starts exactly 31 minutes from now.
    assert!(notice.contains("осталось 31 мин"), "{notice}");
    assert_eq!(plans_of(&h, &ivan).await.len(), 2);

    // In time: cancelled, and the list is redrawn without it.
    let later_data = data_of(&list, &later_button);
    let (notice, alert) = tap_notice(&h, &ivan_tg, &list, &later_button).await;
    assert!(!alert);
    assert!(notice.contains("Смена отменена"), "{notice}");
    let redrawn = now_of(&h, &ivan_tg, &list);
    assert!(!redrawn.text().contains(&dmy(later)), "{}", redrawn.text());
    assert_eq!(button_texts(&redrawn), [soon_button]);
    let plans = plans_of(&h, &ivan).await;
    assert_eq!(plans.len(), 1);
    let cancelled = h
        .store
        .list_planned(&app::PlanFilter {
            site_ids: vec![site.id],
            status: Some(PlanStatus::Cancelled),
            limit: 10,
            ..app::PlanFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].starts_at, at(later, t(10, 0)));

    // The old button once more: the plan is gone, said plainly.
    let notice = callback_notice(&h, &ivan_tg, list.message_id, &later_data).await;
    assert!(notice.contains("уже нет среди запланированных"), "{notice}");
    h.shutdown().await;
}

#[tokio::test]
async fn my_plans_and_cancelling_sqlite() {
    my_plans_and_cancelling(Backend::Sqlite).await;
}

#[tokio::test]
async fn my_plans_and_cancelling_postgres() {
    my_plans_and_cancelling(Backend::Postgres).await;
}

#[tokio::test]
async fn my_plans_in_english() {
    let h = Harness::start(Backend::Sqlite).await;
    let owner = h.owner(&FakeUser::en(3600), "Olga").await;
    let site = h.site(&owner, "Shop").await;
    let tom_tg = FakeUser::en(3601);
    let tom = h.employee(&tom_tg, "Tom", &owner, &site).await;
    let day = today(&h) + Duration::days(4);
    h.app
        .plan_shift(
            &tom,
            PlanRequest {
                employee_id: tom.id,
                site_id: site.id,
                date: day,
                start: t(22, 0),
                end: t(6, 0),
            },
        )
        .await
        .unwrap();
    let out = h.press(&tom_tg, "📋 My plans").await;
    let text = out[0].text();
    assert!(text.contains("Your planned shifts"), "{text}");
    assert!(
        text.contains(&format!("1. “Shop”, {}", en_date(day))),
        "{text}"
    );
    assert!(text.contains("22:00–06:00 the next day"), "{text}");
    let (notice, _) = tap_notice(
        &h,
        &tom_tg,
        &out[0],
        &format!("❌ Cancel 1: {} 22:00", en_date(day)),
    )
    .await;
    assert!(notice.contains("Shift cancelled"), "{notice}");
    assert!(
        now_of(&h, &tom_tg, &out[0])
            .text()
            .contains("You have no planned shifts")
    );
    assert!(plans_of(&h, &tom).await.is_empty());
    h.shutdown().await;
}

// ---- earnings -----------------------------------------------------------------------------------

/// Two finished shifts: today from 00:00 Moscow for 8 h 30 min, and on the 10th of last month
/// for 2 h 5 min.
async fn worked(h: &Harness, employee: &User, site: &Site) -> (NaiveDate, i64, i64) {
    let first_this = today(h).with_day(1).unwrap();
    let last_month = (first_this - Duration::days(1)).with_day(10).unwrap();
    let mut finished = Vec::new();
    // Pay at 350.00 per hour: 510 min → 2 975.00; 125 min → 729.166… → 729.17.
    let (today_pay, old_pay) = (297_500, 72_917);
    for (start, minutes, pay_minor) in [
        (at(today(h), t(0, 0)), 510, today_pay),
        (at(last_month, t(9, 0)), 125, old_pay),
    ] {
        finished.push(FinishedShift {
            shift: NewShift {
                employee_id: employee.id,
                site_id: site.id,
                started_at: start,
                start_location: here(),
                hourly_rate: rub(35_000),
                planned_shift_id: None,
            },
            end: ShiftEnd {
                status: ShiftStatus::Closed,
                ended_at: start + Duration::minutes(minutes),
                end_location: Some(here()),
                worked_minutes: minutes,
                pay_minor,
                needs_review: false,
            },
        });
    }
    h.store.import_finished_shifts(&finished).await.unwrap();
    (last_month, today_pay, old_pay)
}

async fn earnings_today_month_and_period(backend: Backend) {
    let h = Harness::start(backend).await;
    let owner = h.owner(&FakeUser::ru(3700), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(3701);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &site).await;
    let (last_month, today_pay, old_pay) = worked(&h, &ivan, &site).await;

    let out = h.press(&ivan_tg, "💰 Заработок").await;
    let question = out[0].clone();
    assert_eq!(
        button_texts(&question),
        ["Сегодня", "Эта неделя", "Этот месяц", "Период…"]
    );

    h.tap(&ivan_tg, &question, "Сегодня").await;
    let answer = now_of(&h, &ivan_tg, &question);
    let text = answer.text();
    let pay = money(Language::Ru, rub(today_pay));
    assert!(text.contains("Заработок за сегодня"), "{text}");
    assert!(
        text.contains(&format!("• «Кофейня»: 1 смена, 8 ч 30 мин, {pay}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("Итого: 1 смена, 8 ч 30 мин, {pay}")),
        "{text}"
    );
    // The files of the period, then the period buttons, which stay.
    assert_eq!(
        button_texts(&answer),
        [
            "📗 Excel",
            "📄 PDF",
            "🧾 CSV",
            "📈 График",
            "Сегодня",
            "Эта неделя",
            "Этот месяц",
            "Период…"
        ]
    );

    h.tap(&ivan_tg, &answer, "Этот месяц").await;
    let text = now_of(&h, &ivan_tg, &question).text().to_owned();
    assert!(text.contains("Заработок за этот месяц"), "{text}");
    assert!(text.contains("Итого: 1 смена, 8 ч 30 мин"), "{text}");

    let out = h.tap(&ivan_tg, &answer, "Период…").await;
    assert!(joined(&out).contains("Введите период"), "{}", joined(&out));
    let out = h.text(&ivan_tg, "с прошлого понедельника").await;
    let text = joined(&out);
    assert!(text.contains("Не понял период"), "{text}");
    assert!(
        text.contains(&format!(
            "например {}-",
            dmy(last_month.with_day(1).unwrap())
        )),
        "{text}"
    );
    let range = format!(
        "{}-{}",
        dmy(last_month.with_day(1).unwrap()),
        dmy(today(&h))
    );
    let out = h.text(&ivan_tg, &range).await;
    let text = joined(&out);
    let total = money(Language::Ru, rub(today_pay + old_pay));
    assert!(
        text.contains(&format!(
            "Заработок с {} по {}",
            dmy(last_month.with_day(1).unwrap()),
            dmy(today(&h))
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("Итого: 2 смены, 10 ч 35 мин, {total}")),
        "{text}"
    );
    assert_eq!(h.bot_state.load_dialogue(ivan_tg.id).await.unwrap(), None);

    // A period with nothing in it.
    let out = h.tap(&ivan_tg, &out[0], "Период…").await;
    assert!(!out.is_empty());
    let out = h.text(&ivan_tg, "01.01.2020-31.01.2020").await;
    assert!(
        joined(&out).contains("Завершённых смен за этот период нет"),
        "{}",
        joined(&out)
    );
    h.shutdown().await;
}

#[tokio::test]
async fn earnings_today_month_and_period_sqlite() {
    earnings_today_month_and_period(Backend::Sqlite).await;
}

#[tokio::test]
async fn earnings_today_month_and_period_postgres() {
    earnings_today_month_and_period(Backend::Postgres).await;
}

#[tokio::test]
async fn earnings_in_english() {
    let h = Harness::start(Backend::Sqlite).await;
    let owner = h.owner(&FakeUser::en(3800), "Olga").await;
    let site = h.site(&owner, "Shop").await;
    let tom_tg = FakeUser::en(3801);
    let tom = h.employee(&tom_tg, "Tom", &owner, &site).await;
    let (_, today_pay, _) = worked(&h, &tom, &site).await;
    let out = h.press(&tom_tg, "💰 Earnings").await;
    h.tap(&tom_tg, &out[0], "Today").await;
    let text = now_of(&h, &tom_tg, &out[0]).text().to_owned();
    let pay = money(Language::En, rub(today_pay));
    assert!(
        text.contains(&format!("• “Shop”: 1 shift, 8 h 30 min, {pay}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("Total: 1 shift, 8 h 30 min, {pay}")),
        "{text}"
    );
    h.tap(&tom_tg, &out[0], "Period…").await;
    let out = h.text(&tom_tg, "yesterday").await;
    assert!(
        joined(&out).contains("I did not understand the period"),
        "{}",
        joined(&out)
    );
    let out = h.command(&tom_tg, "cancel", None).await;
    assert!(
        joined(&out).contains("Choosing the earnings period was cancelled."),
        "{}",
        joined(&out)
    );
    h.shutdown().await;
}
