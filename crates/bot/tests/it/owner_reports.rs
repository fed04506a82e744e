//! Owner flows end to end, the owner's view of the work: who is on shift now (and who is late),
//! and reports for periods (totals, per employee and site, files, the chart).

use crate::owner::{last, notified, now_};
use crate::support::{Backend, Harness, SITE_LAT, SITE_LON, joined};
use app::{FinishedShift, NewPlannedShift, NewShift, ShiftEnd};
use chrono::{Datelike, Duration, NaiveDate};
use domain::{
    Coordinates, LocationFix, PlannedWindow, RecordedLocation, ShiftStatus, Site, SiteTimeZone,
    User,
};
use testkit::telegram::FakeUser;

async fn who_is_on_shift_now(backend: Backend) {
    let h = Harness::start(backend).await;
    let anna = FakeUser::ru(2801);
    let owner = h.owner(&anna, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    h.site(&owner, "Склад").await;
    let ivan = h.employee(&FakeUser::ru(2802), "Иван", &owner, &site).await;
    let petr = h.employee(&FakeUser::ru(2803), "Пётр", &owner, &site).await;
    let fix = LocationFix {
        coordinates: Coordinates::new(SITE_LAT, SITE_LON).unwrap(),
        accuracy_m: Some(5.0),
        taken_at: h.now(),
        forwarded: false,
    };
    let shift = h.app.open_shift(&ivan, site.id, fix).await.unwrap();
    // Пётр was due 30 minutes ago (stored directly: the use-case refuses plans in the past).
    let now = h.now();
    let plan = h
        .store
        .insert_planned_shift(&NewPlannedShift {
            employee_id: petr.id,
            site_id: site.id,
            window: PlannedWindow {
                starts_at: now - Duration::minutes(30),
                ends_at: now + Duration::hours(4),
            },
        })
        .await
        .unwrap();
    let moscow = SiteTimeZone::parse("Europe/Moscow").unwrap();
    let hm = |t| moscow.local(t).format("%H:%M").to_string();
    // The owner's notification about the shift arrives on its own; let it land first.
    notified(&h, &anna, "открыл(а) смену").await;

    h.command(&anna, "start", None).await;
    let out = h.press(&anna, "👀 Сейчас на сменах").await;
    let now_msg = last(&out).clone();
    let text = now_msg.text();
    for part in [
        "Сейчас на сменах: 1, опаздывают: 1".to_owned(),
        "🏢 Кофейня".to_owned(),
        format!("🟢 Иван — с {} (0 мин)", hm(shift.started_at)),
        format!(
            "⏰ Пётр опаздывает: смена {}–{}, прошло 30 мин",
            hm(plan.starts_at),
            hm(plan.ends_at)
        ),
        "🏢 Склад\n— никого нет на смене".to_owned(),
    ] {
        assert!(text.contains(&part), "{part} in {text}");
    }
    // Refresh after Иван closed the shift.
    h.app
        .close_shift(
            &ivan,
            LocationFix {
                taken_at: h.now(),
                ..fix
            },
        )
        .await
        .unwrap();
    let (_, answer) = h.tap_answered(&anna, &now_msg, "🔄 Обновить").await;
    assert!(!answer.show_alert);
    let text = now_(&h, &now_msg).text().to_owned();
    assert!(
        text.contains("Сейчас на сменах: 0, опаздывают: 1"),
        "{text}"
    );
    assert!(!text.contains("🟢 Иван"), "{text}");

    // In English.
    h.app
        .set_language(&owner, domain::Language::En)
        .await
        .unwrap();
    let out = h.text(&anna, "👀 On shift now").await;
    let text = joined(&out);
    assert!(
        text.contains("On shift now: 0, late: 1")
            && text.contains("Пётр is late: shift")
            && text.contains("30 min past the start"),
        "{text}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn who_is_on_shift_now_sqlite() {
    who_is_on_shift_now(Backend::Sqlite).await;
}

#[tokio::test]
async fn who_is_on_shift_now_postgres() {
    who_is_on_shift_now(Backend::Postgres).await;
}

/// A finished shift that started one minute after local midnight of `day`.
fn finished(
    employee: &User,
    site: &Site,
    day: NaiveDate,
    minutes: i64,
    pay_minor: i64,
) -> FinishedShift {
    let tz = site.settings.time_zone;
    let started_at = tz.start_of_day(day) + Duration::minutes(1);
    let at = RecordedLocation {
        coordinates: site.settings.location,
        accuracy_m: Some(5.0),
        distance_m: 3.0,
    };
    FinishedShift {
        shift: NewShift {
            employee_id: employee.id,
            site_id: site.id,
            started_at,
            start_location: at,
            hourly_rate: site.settings.hourly_rate,
            planned_shift_id: None,
        },
        end: ShiftEnd {
            status: ShiftStatus::Closed,
            ended_at: started_at + Duration::minutes(minutes),
            end_location: Some(at),
            worked_minutes: minutes,
            pay_minor,
            needs_review: false,
        },
    }
}

async fn reports_for_periods(backend: Backend) {
    let h = Harness::start(backend).await;
    let anna = FakeUser::ru(2901);
    let owner = h.owner(&anna, "Анна").await;
    let cafe = h.site(&owner, "Кофейня").await;
    let store_site = h.site(&owner, "Склад").await;
    let ivan_tg = FakeUser::ru(2902);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &cafe).await;
    let petr = h.employee(&FakeUser::ru(2903), "Пётр", &owner, &cafe).await;
    h.app
        .add_employee(&owner, store_site.id, petr.telegram_id, None)
        .await
        .unwrap();

    let today = cafe.settings.time_zone.local_date(h.now());
    let first = today.with_day(1).unwrap();
    let last_month = first - Duration::days(1);
    let jan = |d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
    let shifts = [
        finished(&ivan, &cafe, today, 480, 280_000),
        finished(&petr, &cafe, today, 90, 52_500),
        finished(&petr, &store_site, today, 60, 35_000),
        finished(&ivan, &cafe, first, 240, 140_000),
        finished(&ivan, &cafe, last_month, 600, 350_000),
        finished(&ivan, &cafe, jan(10), 300, 175_000),
        finished(
            &petr,
            &cafe,
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            60,
            35_000,
        ),
    ];
    assert_eq!(h.store.import_finished_shifts(&shifts).await.unwrap(), 7);
    // And one worked through the bot's use-cases: opened and closed at once (0 min, 0 ₽), a few
    // metres off the site's point (the imported shifts sit on it exactly, and a fourth shift at
    // the very same point would be flagged by the geolocation audit).
    let fix = LocationFix {
        coordinates: Coordinates::new(SITE_LAT + 0.000_03, SITE_LON).unwrap(),
        accuracy_m: Some(5.0),
        taken_at: h.now(),
        forwarded: false,
    };
    h.app.open_shift(&ivan, cafe.id, fix).await.unwrap();
    h.app.close_shift(&ivan, fix).await.unwrap();
    notified(&h, &anna, "закрыл(а) смену").await;

    h.command(&anna, "start", None).await;
    let out = h.press(&anna, "📊 Отчёты").await;
    let menu = last(&out).clone();
    assert_eq!(
        menu.inline_texts().concat(),
        ["Все объекты", "🏢 Кофейня", "🏢 Склад", "👤 По сотруднику"].map(String::from)
    );
    h.tap(&anna, &menu, "🏢 Кофейня").await;
    let msg = now_(&h, &menu);
    assert!(
        msg.text().contains("Объект «Кофейня»: за какой период?"),
        "{}",
        msg.text()
    );
    h.tap(&anna, &msg, "Сегодня").await;
    let text = now_(&h, &msg).text().to_owned();
    // Today at the café: Иван 480 + 0 min, Пётр 90 min (+ Иван's 240 on the 1st, if today).
    let (total, ivan_line) = if first == today {
        (
            "Итого: 4 смены, 13 ч 30 мин, 4\u{a0}725,00\u{a0}₽",
            "• Иван: 3 смены, 12 ч 00 мин, 4\u{a0}200,00\u{a0}₽",
        )
    } else {
        (
            "Итого: 3 смены, 9 ч 30 мин, 3\u{a0}325,00\u{a0}₽",
            "• Иван: 2 смены, 8 ч 00 мин, 2\u{a0}800,00\u{a0}₽",
        )
    };
    for part in [
        "📊 Объект «Кофейня»",
        &format!("📅 {}", today.format("%d.%m.%Y")),
        total,
        "По сотрудникам:",
        ivan_line,
        "• Пётр: 1 смена, 1 ч 30 мин, 525,00\u{a0}₽",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(!text.contains("По объектам"), "{text}");

    // The month at every site.
    h.tap(&anna, &now_(&h, &msg), "← Назад").await;
    h.tap(&anna, &now_(&h, &msg), "Все объекты").await;
    h.tap(&anna, &now_(&h, &msg), "Месяц").await;
    let text = now_(&h, &msg).text().to_owned();
    for part in [
        "📊 Все объекты",
        &format!(
            "📅 {} – {}",
            first.format("%d.%m.%Y"),
            today.format("%d.%m.%Y")
        ),
        "Итого: 5 смен, 14 ч 30 мин, 5\u{a0}075,00\u{a0}₽",
        "• Кофейня: 4 смены, 13 ч 30 мин, 4\u{a0}725,00\u{a0}₽",
        "• Склад: 1 смена, 1 ч 00 мин, 350,00\u{a0}₽",
        "• Иван: 3 смены, 12 ч 00 мин, 4\u{a0}200,00\u{a0}₽",
        "• Пётр: 2 смены, 2 ч 30 мин, 875,00\u{a0}₽",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }

    // A typed period: January 2026.
    let out = h.tap(&anna, &now_(&h, &msg), "📅 Другой период").await;
    assert!(
        last(&out).text().contains("Введите период"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "вчера").await;
    assert!(
        joined(&out).contains("Не понял даты «вчера»"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "01.01.2025-31.12.2026").await;
    assert!(
        joined(&out).contains("не больше чем за 366 дней"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "01.01.2026-31.01.2026").await;
    let text = joined(&out);
    for part in [
        "📅 01.01.2026 – 31.01.2026",
        "Итого: 1 смена, 5 ч 00 мин, 1\u{a0}750,00\u{a0}₽",
        "• Иван: 1 смена, 5 ч 00 мин, 1\u{a0}750,00\u{a0}₽",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(h.bot_state.load_dialogue(anna.id).await.unwrap().is_none());

    // By employee, in English: Пётр's month per site.
    h.app
        .set_language(&owner, domain::Language::En)
        .await
        .unwrap();
    let out = h.text(&anna, "📊 Reports").await;
    let menu = last(&out).clone();
    h.tap(&anna, &menu, "👤 By employee").await;
    h.tap(&anna, &now_(&h, &menu), "👤 Пётр").await;
    h.tap(&anna, &now_(&h, &menu), "This month").await;
    let text = now_(&h, &menu).text().to_owned();
    for part in [
        "📊 Employee Пётр",
        // Dates in the reader's language.
        &if first == today {
            format!("📅 {}", today.format("%-d %b %Y"))
        } else {
            format!(
                "📅 {} – {}",
                first.format("%-d %b %Y"),
                today.format("%-d %b %Y")
            )
        },
        "Total: 2 shifts, 2 h 30 min, 875.00\u{a0}₽",
        "By site:",
        "• Кофейня: 1 shift, 1 h 30 min, 525.00\u{a0}₽",
        "• Склад: 1 shift, 1 h 00 min, 350.00\u{a0}₽",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn reports_for_periods_sqlite() {
    reports_for_periods(Backend::Sqlite).await;
}

#[tokio::test]
async fn reports_for_periods_postgres() {
    reports_for_periods(Backend::Postgres).await;
}
