//! Money in the currency it was earned in: a site switched from RUB to JPY shows its past pay in
//! roubles and its new pay in yen, each amount on its own line, in the owner's report and the
//! employee's earnings, in both languages; and the owner is told a new rate is for new shifts.

use crate::support::{Backend, Harness, finished, joined};
use domain::{Currency, Language, Money, SitePatch};
use testkit::telegram::FakeUser;

async fn a_site_switched_to_yen_shows_two_amounts(backend: Backend) {
    let h = Harness::start(backend).await;
    let anna = FakeUser::ru(4101);
    let owner = h.owner(&anna, "Анна").await;
    let cafe = h.site(&owner, "Кофейня").await;
    let ivan_tg = FakeUser::ru(4102);
    let ivan = h.employee(&ivan_tg, "Иван", &owner, &cafe).await;

    // 8 h at 350.00 RUB, then the site goes over to 1 500 JPY per hour, then 4 h in yen.
    let rub_rate = Money::new(35_000, Currency::RUB);
    let first = finished(&ivan, &cafe, "2026-11-10", 480, rub_rate);
    h.store.import_finished_shifts(&[first]).await.unwrap();
    let cafe = h
        .app
        .update_site(
            &owner,
            cafe.id,
            SitePatch {
                hourly_rate_minor: Some(1_500),
                currency: Some("JPY".into()),
                ..SitePatch::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    let yen_rate = cafe.settings.hourly_rate;
    assert_eq!(yen_rate, Money::new(1_500, Currency::parse("JPY").unwrap()));
    let second = finished(&ivan, &cafe, "2026-11-11", 240, yen_rate);
    h.store.import_finished_shifts(&[second]).await.unwrap();

    // The owner's report for November.
    h.command(&anna, "start", None).await;
    let out = h.press(&anna, "📊 Отчёты").await;
    let menu = out.last().unwrap().clone();
    h.tap(&anna, &menu, "🏢 Кофейня").await;
    h.tap(
        &anna,
        &h.tg.message(menu.chat_id, menu.message_id).unwrap(),
        "📅 Другой период",
    )
    .await;
    let out = h.text(&anna, "01.11.2026-30.11.2026").await;
    let text = joined(&out);
    for part in [
        "Итого: 2 смены, 12 ч 00 мин, 6\u{a0}000\u{a0}JPY\n    2\u{a0}800,00\u{a0}₽",
        "• Иван: 2 смены, 12 ч 00 мин, 6\u{a0}000\u{a0}JPY\n    2\u{a0}800,00\u{a0}₽",
    ] {
        assert!(text.contains(part), "{part:?} in {text:?}");
    }
    // In English.
    h.app.set_language(&owner, Language::En).await.unwrap();
    let out = h.text(&anna, "📊 Reports").await;
    let menu = out.last().unwrap().clone();
    h.tap(&anna, &menu, "🏢 Кофейня").await;
    h.tap(
        &anna,
        &h.tg.message(menu.chat_id, menu.message_id).unwrap(),
        "📅 Other period",
    )
    .await;
    let out = h.text(&anna, "01.11.2026-30.11.2026").await;
    let text = joined(&out);
    assert!(
        text.contains("Total: 2 shifts, 12 h 00 min, 6,000\u{a0}JPY\n    2,800.00\u{a0}₽"),
        "{text:?}"
    );

    // The employee's earnings for the same period.
    let out = h.press(&ivan_tg, "💰 Заработок").await;
    h.tap(&ivan_tg, &out[0], "Период…").await;
    let out = h.text(&ivan_tg, "01.11.2026-30.11.2026").await;
    let text = joined(&out);
    for part in [
        "• «Кофейня»: 2 смены, 12 ч 00 мин, 6\u{a0}000\u{a0}JPY\n    2\u{a0}800,00\u{a0}₽",
        "Итого: 2 смены, 12 ч 00 мин, 6\u{a0}000\u{a0}JPY\n    2\u{a0}800,00\u{a0}₽",
    ] {
        assert!(text.contains(part), "{part:?} in {text:?}");
    }
    h.app.set_language(&ivan, Language::En).await.unwrap();
    let out = h.text(&ivan_tg, "💰 Earnings").await;
    h.tap(&ivan_tg, &out[0], "Period…").await;
    let out = h.text(&ivan_tg, "01.11.2026-30.11.2026").await;
    let text = joined(&out);
    assert!(
        text.contains("Total: 2 shifts, 12 h 00 min, 6,000\u{a0}JPY\n    2,800.00\u{a0}₽"),
        "{text:?}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_site_switched_to_yen_shows_two_amounts_sqlite() {
    a_site_switched_to_yen_shows_two_amounts(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_site_switched_to_yen_shows_two_amounts_postgres() {
    a_site_switched_to_yen_shows_two_amounts(Backend::Postgres).await;
}

/// The owner edits the rate in English and is told it is for shifts opened from now on.
#[tokio::test]
async fn a_new_rate_is_for_new_shifts_in_english() {
    let h = Harness::start(Backend::Sqlite).await;
    let olga = FakeUser::en(4201);
    let owner = h.owner(&olga, "Olga").await;
    h.site(&owner, "Shop").await;
    h.command(&olga, "start", None).await;
    let out = h.press(&olga, "🏢 My sites").await;
    let list = out.last().unwrap().clone();
    h.tap(&olga, &list, "🏢 Shop").await;
    let card = h.tg.message(list.chat_id, list.message_id).unwrap();
    h.tap(&olga, &card, "✏️ Edit").await;
    let picker = h.tg.message(card.chat_id, card.message_id).unwrap();
    h.tap(&olga, &picker, "Rate").await;
    let out = h.text(&olga, "400").await;
    let text = joined(&out);
    assert!(
        text.contains(
            "✅ Saved. Rate: 400.00\u{a0}₽\nThe new rate applies to shifts opened from now on: \
             running and past shifts keep their rate and currency, and reports count them in it."
        ),
        "{text}"
    );
    h.shutdown().await;
}

/// At a site paid in yen, a typed rate is read in yen (no kopecks): "2000" is 2 000 JPY.
#[tokio::test]
async fn a_rate_is_typed_in_the_site_currency() {
    let h = Harness::start(Backend::Sqlite).await;
    let anna = FakeUser::ru(4301);
    let owner = h.owner(&anna, "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    h.app
        .update_site(
            &owner,
            site.id,
            SitePatch {
                hourly_rate_minor: Some(1_500),
                currency: Some("JPY".into()),
                ..SitePatch::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    h.command(&anna, "start", None).await;
    let out = h.press(&anna, "🏢 Мои объекты").await;
    let list = out.last().unwrap().clone();
    h.tap(&anna, &list, "🏢 Кофейня").await;
    let card = h.tg.message(list.chat_id, list.message_id).unwrap();
    h.tap(&anna, &card, "✏️ Изменить").await;
    let picker = h.tg.message(card.chat_id, card.message_id).unwrap();
    h.tap(&anna, &picker, "Ставка").await;
    // A fraction of a yen is not an amount.
    let out = h.text(&anna, "2000,50").await;
    assert!(
        joined(&out).contains("Введите ставку числом"),
        "{}",
        joined(&out)
    );
    let out = h.text(&anna, "2000").await;
    let text = joined(&out);
    assert!(
        text.contains("✅ Сохранено. Ставка: 2\u{a0}000\u{a0}JPY\nНовая ставка действует"),
        "{text}"
    );
    let stored = h.store.site(site.id).await.unwrap().unwrap();
    assert_eq!(
        stored.settings.hourly_rate,
        Money::new(2_000, Currency::parse("JPY").unwrap())
    );
    h.shutdown().await;
}

/// The pay receipt of a shift over midnight at the month's end: the start day, the site, the
/// local times, and the running total of the month the shift began in (an earlier shift of that
/// month included, one of the month before not), in Russian and in English.
#[tokio::test]
async fn the_receipt_of_an_overnight_shift_counts_in_the_month_it_began() {
    use chrono::TimeZone;
    let h = Harness::start(Backend::Sqlite).await;
    let anna = h.owner(&FakeUser::ru(4201), "Анна").await;
    let cafe = h.site(&anna, "Кофейня").await;
    let rate = Money::new(35_000, Currency::RUB);
    for (tg, name) in [(FakeUser::ru(4202), "Иван"), (FakeUser::en(4203), "John")] {
        let who = h.employee(&tg, name, &anna, &cafe).await;
        let earlier = finished(&who, &cafe, "2026-11-10", 120, rate);
        let october = finished(&who, &cafe, "2026-10-30", 600, rate);
        h.store
            .import_finished_shifts(&[earlier, october])
            .await
            .unwrap();
        // 23:30 on 30 November in Moscow (20:30 UTC) to 06:00 on 1 December.
        h.set_now(
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 30, 20, 30, 0)
                .unwrap(),
        );
        h.press(
            &tg,
            if name == "John" {
                "🟢 Open shift"
            } else {
                "🟢 Открыть смену"
            },
        )
        .await;
        h.location(&tg, 0.0, 5.0).await;
        h.set_now(chrono::Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap());
        h.press(
            &tg,
            if name == "John" {
                "🔴 Close shift"
            } else {
                "🔴 Закрыть смену"
            },
        )
        .await;
        let text = joined(&h.location(&tg, 0.0, 5.0).await);
        if name == "John" {
            assert!(text.contains("6 h 30 min × "), "{text}");
            assert!(
                text.contains("🧾 30 Nov 2026, Кофейня: 23:30–06:00."),
                "{text}"
            );
            // 2 h + 6.5 h at 350.00: 2,975.00.
            assert!(text.contains("November 2026 so far: 2,975.00"), "{text}");
        } else {
            assert!(
                text.contains("🧾 30.11.2026, Кофейня: 23:30–06:00."),
                "{text}"
            );
            assert!(text.contains("За ноябрь 2026: 2\u{a0}975,00"), "{text}");
        }
    }
    h.shutdown().await;
}
