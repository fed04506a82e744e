//! Pay statements end to end on the harness clock, through the fake Bot API: at the month's end
//! each employee gets one statement in their language and the owner the site's payroll; a
//! second scan sends nothing; a correction of a closed month (a reviewed end moved) stores
//! version 2 beside version 1, sends the employee one correction and the owner the corrected
//! payroll.

use crate::support::{Backend, Harness, Jobs, SITE_LAT, SITE_LON};
use app::review::{ReviewDecision, StatedEnd};
use app::statements::StatementStore;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use domain::statement::PayPeriod;
use domain::{Coordinates, LocationFix, SiteTimeZone};
use testkit::telegram::FakeUser;

fn msk(s: &str) -> DateTime<Utc> {
    SiteTimeZone::parse("Europe/Moscow")
        .unwrap()
        .instant_exact(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
        .unwrap()
}

/// A fresh fix `metres_north` of the site, taken now.
fn fix(h: &Harness, metres_north: f64) -> LocationFix {
    LocationFix {
        coordinates: Coordinates::new(SITE_LAT + metres_north / 111_195.0, SITE_LON).unwrap(),
        accuracy_m: Some(5.0),
        taken_at: h.now(),
        forwarded: false,
    }
}

fn count(texts: &[String], needle: &str) -> usize {
    texts.iter().filter(|t| t.contains(needle)).count()
}

#[tokio::test]
async fn each_employee_gets_one_statement_the_owner_the_payroll_and_a_correction_once() {
    let h = Harness::start_with(Backend::Postgres, Jobs::Manual).await;
    let anna_tg = FakeUser::ru(6200);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let ivan_tg = FakeUser::ru(6201);
    let ivan = h.employee(&ivan_tg, "Иван", &anna, &site).await;
    let tom_tg = FakeUser::en(6202);
    let tom = h.employee(&tom_tg, "Tom", &anna, &site).await;

    // November: Иван works 10:00–12:00, Tom 12:00–13:30; the next day Иван forgets to close and
    // says he left at 14:00 (flagged for review).
    h.set_now(msk("2026-11-18 10:00"));
    h.app
        .open_shift(&ivan, site.id, fix(&h, 1.0))
        .await
        .unwrap();
    h.set_now(msk("2026-11-18 12:00"));
    h.app.close_shift(&ivan, fix(&h, 2.0)).await.unwrap();
    h.app.open_shift(&tom, site.id, fix(&h, 3.0)).await.unwrap();
    h.set_now(msk("2026-11-18 13:30"));
    h.app.close_shift(&tom, fix(&h, 4.0)).await.unwrap();
    h.set_now(msk("2026-11-19 10:00"));
    let forgotten = h
        .app
        .open_shift(&ivan, site.id, fix(&h, 5.0))
        .await
        .unwrap();
    h.set_now(msk("2026-11-19 20:00"));
    h.app
        .report_forgotten_close(&ivan, StatedEnd::At(msk("2026-11-19 14:00")))
        .await
        .unwrap();
    let scheduler = h.scheduler("a");
    h.run_schedule(&scheduler).await;
    assert_eq!(
        count(&h.tg.texts(ivan_tg.id), "🧾"),
        0,
        "not before the month ends"
    );

    // Just after midnight on 1 December in Moscow, November has ended.
    h.set_now(msk("2026-12-01 00:30"));
    let pass = h.run_schedule(&scheduler).await;
    assert!(pass.fired.iter().any(|(name, _)| *name == "pay-statements"));
    let ivan_texts = h.tg.texts(ivan_tg.id);
    assert_eq!(count(&ivan_texts, "🧾"), 1, "{ivan_texts:#?}");
    let statement = ivan_texts.iter().find(|t| t.contains("🧾")).unwrap();
    for part in [
        "🧾 Ваш расчётный лист за 01.11.2026 – 30.11.2026, объект «Кофейня»",
        "2 смены",
        "6 ч 00 мин",
        "2\u{a0}100,00",
    ] {
        assert!(statement.contains(part), "{part:?} in {statement}");
    }
    let tom_texts = h.tg.texts(tom_tg.id);
    assert_eq!(count(&tom_texts, "🧾"), 1, "{tom_texts:#?}");
    let statement = tom_texts.iter().find(|t| t.contains("🧾")).unwrap();
    for part in [
        "🧾 Your pay statement for 1 Nov 2026 – 30 Nov 2026 at “Кофейня”",
        "1 shift",
        "1 h 30 min",
        "525.00",
    ] {
        assert!(statement.contains(part), "{part:?} in {statement}");
    }
    let anna_texts = h.tg.texts(anna_tg.id);
    assert_eq!(count(&anna_texts, "📋 Ведомость"), 1, "{anna_texts:#?}");
    let payroll = anna_texts.iter().find(|t| t.contains("📋")).unwrap();
    for part in [
        "📋 Ведомость за 01.11.2026 – 30.11.2026, объект «Кофейня»:",
        "• Tom: 1 смена, 1 ч 30 мин, 525,00",
        "• Иван: 2 смены, 6 ч 00 мин, 2\u{a0}100,00",
        "Итого: 7 ч 30 мин, 2\u{a0}625,00",
    ] {
        assert!(payroll.contains(part), "{part:?} in {payroll}");
    }
    assert_eq!(count(&h.tg.texts(ivan_tg.id), "📋"), 0);

    // The next day's scan finds nothing new and sends nothing.
    h.set_now(msk("2026-12-02 00:30"));
    let pass = h.run_schedule(&scheduler).await;
    assert!(pass.fired.iter().any(|(name, _)| *name == "pay-statements"));
    assert_eq!(count(&h.tg.texts(ivan_tg.id), "🧾"), 1);
    assert_eq!(count(&h.tg.texts(tom_tg.id), "🧾"), 1);
    assert_eq!(count(&h.tg.texts(anna_tg.id), "📋"), 1);

    // Анна reviews the forgotten shift in December: he left at 15:00, not 14:00.
    h.set_now(msk("2026-12-02 10:00"));
    h.app
        .review_shift(
            &anna,
            forgotten.id,
            ReviewDecision::ChangeEnd(StatedEnd::At(msk("2026-11-19 15:00"))),
        )
        .await
        .unwrap();
    h.set_now(msk("2026-12-03 00:30"));
    h.run_schedule(&scheduler).await;
    h.set_now(msk("2026-12-04 00:30"));
    h.run_schedule(&scheduler).await;
    let ivan_texts = h.tg.texts(ivan_tg.id);
    assert_eq!(count(&ivan_texts, "расчётный лист"), 2, "{ivan_texts:#?}");
    let correction = ivan_texts
        .iter()
        .find(|t| t.contains("🧾 Исправленный расчётный лист (версия 2)"))
        .unwrap();
    assert!(correction.contains("7 ч"), "{correction}");
    assert!(correction.contains("2\u{a0}450,00"), "{correction}");
    assert_eq!(count(&h.tg.texts(tom_tg.id), "🧾"), 1);
    // Анна gets the payroll again, as it now stands, marked corrected (once: the next scan
    // changes nothing).
    let anna_texts = h.tg.texts(anna_tg.id);
    assert_eq!(count(&anna_texts, "📋"), 2, "{anna_texts:#?}");
    let corrected = anna_texts
        .iter()
        .find(|t| t.contains("📋 Исправленная ведомость за 01.11.2026 – 30.11.2026"))
        .unwrap();
    for part in [
        "• Tom: 1 смена, 1 ч 30 мин, 525,00",
        "• Иван: 2 смены, 7 ч 00 мин, 2\u{a0}450,00",
        "Итого: 8 ч 30 мин, 2\u{a0}975,00",
    ] {
        assert!(corrected.contains(part), "{part:?} in {corrected}");
    }

    // Both versions are kept; the first is as it was sent.
    let nov = PayPeriod::month_of(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    let statements: &dyn StatementStore = h.background.as_ref();
    let v1 = statements
        .statement(site.id, ivan.id, nov.from, 1)
        .await
        .unwrap()
        .unwrap();
    let v2 = statements
        .statement(site.id, ivan.id, nov.from, 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((v1.worked_minutes(), v1.lines[0].pay_minor), (360, 210_000));
    assert_eq!((v2.worked_minutes(), v2.lines[0].pay_minor), (420, 245_000));
    assert_eq!(v2.created_at, msk("2026-12-03 00:30"));
    assert!(h.now() - msk("2026-12-01 00:30") < Duration::days(4));
    h.shutdown().await;
}
