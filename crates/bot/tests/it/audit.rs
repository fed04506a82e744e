//! The geolocation audit end to end on the harness clock, through the fake Bot API: a shift
//! closed far outside the site, one sent from a faked repeated point and one opened after
//! impossible travel are flagged with the right reason and the owner and managers are told once
//! each, in their language; a normal shift is not, and a redelivered audit tells nobody again.

use crate::support::{Backend, Harness, Jobs, SITE_LAT, SITE_LON};
use app::ShiftEnd;
use chrono::Duration;
use domain::{
    Coordinates, LocationFix, RecordedLocation, ReviewReason, Shift, ShiftStatus, Site, SitePatch,
    User,
};
use testkit::telegram::FakeUser;

/// A fresh fix `metres_north` of `(lat, lon)` with 5 m accuracy, taken now.
fn fix(h: &Harness, (lat, lon): (f64, f64), metres_north: f64) -> LocationFix {
    LocationFix {
        coordinates: Coordinates::new(lat + metres_north / 111_195.0, lon).unwrap(),
        accuracy_m: Some(5.0),
        taken_at: h.now(),
        forwarded: false,
    }
}

fn count(texts: &[String], needle: &str) -> usize {
    texts.iter().filter(|t| t.contains(needle)).count()
}

async fn stored(h: &Harness, shift: &Shift) -> Shift {
    h.store.shift(shift.id).await.unwrap().unwrap()
}

/// A second site of `owner` in Saint Petersburg (Palace Square), open around the clock.
async fn petersburg(h: &Harness, owner: &User) -> Site {
    h.app
        .create_site(
            owner,
            SitePatch {
                name: Some("Эрмитаж".into()),
                latitude: Some(59.9390),
                longitude: Some(30.3158),
                geofence_radius_m: Some(100),
                opens_at: Some("00:00".into()),
                closes_at: Some("00:00".into()),
                hourly_rate_minor: Some(35_000),
                ..SitePatch::default()
            },
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn suspicious_shifts_are_flagged_with_their_reason_and_told_once() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let anna_tg = FakeUser::ru(6100);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let spb = petersburg(&h, &anna).await;
    let masha_tg = FakeUser::en(6101);
    h.tg.add_user(&masha_tg);
    h.app
        .register_user(masha_tg.id, "Masha", domain::Language::En)
        .await
        .unwrap();
    h.app
        .grant_manager(&anna, site.id, masha_tg.id)
        .await
        .unwrap();
    let ivan = h.employee(&FakeUser::ru(6102), "Иван", &anna, &site).await;
    let petr = h.employee(&FakeUser::ru(6103), "Пётр", &anna, &site).await;
    let olga = h.employee(&FakeUser::ru(6104), "Ольга", &anna, &site).await;
    h.app
        .add_employee(&anna, spb.id, olga.telegram_id, None)
        .await
        .unwrap();
    let moscow = (SITE_LAT, SITE_LON);
    let start = h.now();
    let step = |minutes: i64| h.set_now(h.now() + Duration::minutes(minutes));

    // A normal shift: opened and closed at the site, a few metres apart.
    let normal = h
        .app
        .open_shift(&ivan, site.id, fix(&h, moscow, 3.0))
        .await
        .unwrap();
    step(60);
    h.app
        .close_shift(&ivan, fix(&h, moscow, -7.0))
        .await
        .unwrap();

    // Closed 3 km away: the use-case refuses such an end, so it comes as a client that skipped
    // the check would store it.
    let outside = h
        .app
        .open_shift(&ivan, site.id, fix(&h, moscow, 11.0))
        .await
        .unwrap();
    step(60);
    let far = fix(&h, moscow, 3_000.0);
    let end = ShiftEnd {
        status: ShiftStatus::Closed,
        ended_at: h.now(),
        end_location: Some(RecordedLocation {
            coordinates: far.coordinates,
            accuracy_m: far.accuracy_m,
            distance_m: far.coordinates.distance_m(&site.settings.location),
        }),
        worked_minutes: 60,
        pay_minor: 35_000,
        needs_review: false,
    };
    h.store.close_shift(outside.id, &end).await.unwrap();

    // Пётр's phone reports the very same point every time: the fourth shift is one too many.
    let mut petrs = Vec::new();
    for _ in 0..4 {
        step(30);
        petrs.push(
            h.app
                .open_shift(&petr, site.id, fix(&h, moscow, 0.0))
                .await
                .unwrap(),
        );
        step(60);
        h.app
            .close_shift(&petr, fix(&h, moscow, 0.0))
            .await
            .unwrap();
    }

    // Ольга closes in Moscow and opens in Saint Petersburg an hour later.
    step(5);
    h.app
        .open_shift(&olga, site.id, fix(&h, moscow, 21.0))
        .await
        .unwrap();
    step(60);
    h.app
        .close_shift(&olga, fix(&h, moscow, 23.0))
        .await
        .unwrap();
    step(60);
    let flown = h
        .app
        .open_shift(&olga, spb.id, fix(&h, (59.9390, 30.3158), 4.0))
        .await
        .unwrap();
    step(120);
    h.app
        .close_shift(&olga, fix(&h, (59.9390, 30.3158), 9.0))
        .await
        .unwrap();
    assert!(h.now() - start < Duration::hours(24));

    h.work_off_jobs().await;
    assert!(!stored(&h, &normal).await.needs_review);
    let flagged = |s: Shift| (s.needs_review, s.review_reason);
    assert_eq!(
        flagged(stored(&h, &outside).await),
        (true, Some(ReviewReason::OutsideGeofence))
    );
    for earlier in &petrs[..3] {
        assert!(!stored(&h, earlier).await.needs_review);
    }
    assert_eq!(
        flagged(stored(&h, &petrs[3]).await),
        (true, Some(ReviewReason::RepeatedLocation))
    );
    assert_eq!(
        flagged(stored(&h, &flown).await),
        (true, Some(ReviewReason::ImpossibleTravel))
    );

    let anna_texts = h.tg.texts(anna_tg.id);
    assert_eq!(
        count(&anna_texts, "⚠️ Проверьте смену"),
        3,
        "{anna_texts:#?}"
    );
    assert_eq!(
        count(&anna_texts, "Проверьте смену Иван"),
        1,
        "{anna_texts:#?}"
    );
    assert_eq!(count(&anna_texts, "за пределами зоны объекта"), 1);
    assert_eq!(count(&anna_texts, "📍 Закрыта в 3,0 км от объекта"), 1);
    assert_eq!(count(&anna_texts, "подделывающего геопозицию"), 1);
    assert_eq!(
        count(&anna_texts, "📍 Та же точка, что и в 3 прошлых сменах"),
        1
    );
    assert_eq!(count(&anna_texts, "прошлая смена закончилась далеко"), 1);
    assert_eq!(count(&anna_texts, "🚀 63"), 1, "{anna_texts:#?}");
    // The manager of the Moscow site reads it in English; the Petersburg shift is not theirs.
    let masha_texts = h.tg.texts(masha_tg.id);
    assert_eq!(
        count(&masha_texts, "⚠️ Please check the shift"),
        2,
        "{masha_texts:#?}"
    );
    assert_eq!(count(&masha_texts, "outside the site's area"), 1);
    // The request carries the review buttons, which work.
    let request =
        h.tg.messages(anna_tg.id)
            .into_iter()
            .find(|m| m.text().contains("за пределами зоны"))
            .unwrap();
    assert_eq!(
        request.inline_texts(),
        vec![vec![
            "✅ Подтвердить".to_owned(),
            "🕓 Изменить время".to_owned()
        ]]
    );
    h.tap(&anna_tg, &request, "✅ Подтвердить").await;
    assert!(!stored(&h, &outside).await.needs_review);
    // The request became the outcome.
    let sent = h.tg.messages(anna_tg.id).len();

    // Audits done again (a redelivery) flag nothing anew and tell nobody twice; the reviewed
    // shift stays reviewed.
    let jobs: Vec<app::background::OutboxJob> = [&outside, &petrs[3], &flown, &normal]
        .iter()
        .map(|s| app::background::OutboxJob {
            id: format!("shift:{}:audit", s.id.0),
            area: app::Area::Shifts,
            kind: app::background::kinds::SHIFT_AUDIT.into(),
            payload: serde_json::json!({ "shift_id": s.id.0 }),
        })
        .collect();
    h.background.add_to_outbox(&jobs, h.now()).await.unwrap();
    h.work_off_jobs().await;
    assert!(!stored(&h, &outside).await.needs_review);
    assert_eq!(
        h.tg.messages(anna_tg.id).len(),
        sent,
        "{:#?}",
        h.tg.texts(anna_tg.id)
    );
    assert_eq!(count(&h.tg.texts(anna_tg.id), "⚠️ Проверьте смену"), 2);
    assert_eq!(count(&h.tg.texts(masha_tg.id), "⚠️ Please check"), 2);
    h.shutdown().await;
}
