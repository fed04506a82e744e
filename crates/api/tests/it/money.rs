//! Money in the currency it was earned in: a site switched from RUB to JPY keeps its past shifts'
//! pay in roubles, and the report lists each currency apart.

use crate::{Backend, TestServer, monday_morning, site_body};
use app::clock::SetClock;
use chrono::Duration;
use domain::{Coordinates, LocationFix, SiteId, User};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

crate::on_both_backends!(a_site_switched_to_yen_reports_two_currencies);

async fn a_site_switched_to_yen_reports_two_currencies(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let cafe = s.create_site(&token, &site_body("Кафе")).await;
    let cafe_id = cafe["id"].as_i64().unwrap();
    let (ivan, _) = s.person(500, "Иван").await;
    let r = s
        .post(
            &format!("/api/v1/sites/{cafe_id}/employees"),
            &token,
            &json!({"telegram_id": 500}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let clock = Arc::new(SetClock::new(monday_morning()));
    let past = s.app_at(clock.clone());
    let fix = |clock: &SetClock| LocationFix {
        coordinates: Coordinates::new(55.7539, 37.6208).unwrap(),
        accuracy_m: Some(5.0),
        taken_at: app::Clock::now(clock),
        forwarded: false,
    };
    let work = |who: &User, minutes: i64| {
        let (clock, past, who) = (clock.clone(), past.clone(), who.clone());
        async move {
            past.open_shift(&who, SiteId(cafe_id), fix(&clock))
                .await
                .unwrap();
            clock.advance(Duration::minutes(minutes));
            past.close_shift(&who, fix(&clock)).await.unwrap();
            clock.advance(Duration::hours(1));
        }
    };
    // 8 h at 350.00 RUB.
    work(&ivan, 480).await;
    // The owner switches the site to yen: 1 500 JPY per hour.
    let r = s
        .patch(
            &format!("/api/v1/sites/{cafe_id}"),
            &token,
            &json!({"currency": "JPY", "hourly_rate_minor": 1_500}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["currency"], "JPY");
    // 4 h at 1 500 JPY.
    work(&ivan, 240).await;

    let r = s
        .get(
            "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30",
            &token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let both = json!([
        {"minor": 6_000, "currency": "JPY"},
        {"minor": 280_000, "currency": "RUB"},
    ]);
    assert_eq!(
        r.json,
        json!({
            "from": "2026-11-01",
            "to": "2026-11-30",
            "totals": {"shifts": 2, "worked_minutes": 720, "pay": both},
            "sites": [
                {"site_id": cafe_id, "name": "Кафе", "shifts": 2, "worked_minutes": 720,
                 "pay": both},
            ],
            "employees": [
                {"employee_id": ivan.id.0, "name": "Иван", "shifts": 2, "worked_minutes": 720,
                 "pay": both},
            ],
        })
    );
    // Each shift lists the rate and currency it was opened with.
    let list = s.get("/api/v1/shifts?status=closed", &token).await;
    let rates: Vec<(Value, Value, Value)> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["hourly_rate_minor"].clone(),
                x["currency"].clone(),
                x["pay_minor"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rates,
        vec![
            (json!(1_500), json!("JPY"), json!(6_000)),
            (json!(35_000), json!("RUB"), json!(280_000)),
        ]
    );
}
