//! The happy paths of every resource, with the exact JSON shapes.

use crate::{Backend, TestServer, future_date, keys, monday_morning, site_body};
use app::Clock;
use app::clock::SetClock;
use chrono::Duration;
use domain::join::JoinCode;
use domain::{Coordinates, LocationFix, SiteId};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

crate::on_both_backends!(
    sites_are_created_read_and_edited,
    managers_are_granted_and_revoked,
    employees_are_granted_and_revoked,
    planned_shifts_are_created_listed_and_cancelled,
    active_shifts_show_who_is_on_shift,
    summary_adds_up_finished_shifts,
);

const SITE_KEYS: [&str; 15] = [
    "active",
    "address",
    "closes_at",
    "created_at",
    "currency",
    "geofence_radius_m",
    "hourly_rate_minor",
    "id",
    "join_code",
    "latitude",
    "longitude",
    "name",
    "notify_owner",
    "opens_at",
    "time_zone",
];

async fn sites_are_created_read_and_edited(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    assert_eq!(s.get("/api/v1/sites", &token).await.json, json!([]));

    let r = s
        .post("/api/v1/sites", &token, &site_body("Кафе «Ромашка»"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let site = r.json;
    assert_eq!(keys(&site), SITE_KEYS);
    let id = site["id"].as_i64().unwrap();
    let created_at = site["created_at"].as_str().unwrap().to_owned();
    assert!(chrono::DateTime::parse_from_rfc3339(&created_at).is_ok());
    let join_code = site["join_code"].as_str().unwrap().to_owned();
    assert!(JoinCode::parse(&join_code).is_some(), "{join_code:?}");
    let expected = json!({
        "id": id,
        "name": "Кафе «Ромашка»",
        "address": "ул. Ленина, 1",
        "latitude": 55.7539,
        "longitude": 37.6208,
        "geofence_radius_m": 150,
        "opens_at": "09:00",
        "closes_at": "21:00",
        "time_zone": "Europe/Moscow",
        "hourly_rate_minor": 35_000,
        "currency": "RUB",
        "active": true,
        "notify_owner": true,
        "join_code": join_code,
        "created_at": created_at,
    });
    assert_eq!(site, expected);

    // Defaults for the optional fields.
    let minimal = s
        .create_site(
            &token,
            &json!({"name": "Склад", "latitude": 59.93, "longitude": 30.31,
                    "opens_at": "8:00", "closes_at": "8:00", "hourly_rate_minor": 0}),
        )
        .await;
    assert_eq!(minimal["address"], "");
    assert_eq!(minimal["geofence_radius_m"], 100);
    assert_eq!(minimal["time_zone"], "Europe/Moscow");
    assert_eq!(minimal["currency"], "RUB");
    // Equal opening and closing times: open around the clock.
    assert_eq!(minimal["opens_at"], minimal["closes_at"]);
    // Every site has its own join code.
    assert!(JoinCode::parse(minimal["join_code"].as_str().unwrap()).is_some());
    assert_ne!(minimal["join_code"], site["join_code"]);

    let one = format!("/api/v1/sites/{id}");
    assert_eq!(s.get(&one, &token).await.json, expected);
    let list = s.get("/api/v1/sites", &token).await.json;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0], expected);

    // A partial update changes only what it names.
    let r = s
        .patch(
            &one,
            &token,
            &json!({"name": "Кафе «Василёк»", "closes_at": "02:00", "notify_owner": false,
                    "time_zone": "Asia/Vladivostok", "hourly_rate_minor": 40_000}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut after = expected.clone();
    after["name"] = json!("Кафе «Василёк»");
    after["closes_at"] = json!("02:00");
    after["notify_owner"] = json!(false);
    after["time_zone"] = json!("Asia/Vladivostok");
    after["hourly_rate_minor"] = json!(40_000);
    assert_eq!(r.json, after);
    let r = s.patch(&one, &token, &json!({})).await;
    assert_eq!(r.json, after);
    let r = s
        .patch(&one, &token, &json!({"active": false, "address": null}))
        .await;
    after["active"] = json!(false);
    assert_eq!(r.json, after);

    let r = s.post_empty(&format!("{one}/activate"), &token).await;
    assert_eq!(r.status, StatusCode::OK);
    after["active"] = json!(true);
    assert_eq!(r.json, after);
    let r = s.post_empty(&format!("{one}/deactivate"), &token).await;
    after["active"] = json!(false);
    assert_eq!(r.json, after);
    assert_eq!(s.get(&one, &token).await.json, after);

    // The join code is the server's: it can be neither chosen nor changed.
    let mut body = site_body("Своя ссылка");
    body["join_code"] = json!("abcdefghjk");
    s.post("/api/v1/sites", &token, &body).await.assert_error(
        StatusCode::BAD_REQUEST,
        "unknown_field",
        Some("join_code"),
    );
    s.patch(&one, &token, &json!({"join_code": "abcdefghjk"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unknown_field", Some("join_code"));
    assert_eq!(s.get(&one, &token).await.json, after);
}

async fn managers_are_granted_and_revoked(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let (manager, manager_token) = s.person(2, "Мария").await;
    let site = s.create_site(&token, &site_body("Склад")).await;
    let id = site["id"].as_i64().unwrap();
    let managers = format!("/api/v1/sites/{id}/managers");

    // The manager sees nothing before the grant.
    s.get(&format!("/api/v1/sites/{id}"), &manager_token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found", None);

    let r = s.post(&managers, &token, &json!({"telegram_id": 2})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"id": manager.id.0, "telegram_id": 2, "name": "Мария", "language": "en"})
    );
    // Now the manager reads and edits the site.
    let r = s.get(&format!("/api/v1/sites/{id}"), &manager_token).await;
    assert_eq!(r.json, site);
    let r = s
        .patch(
            &format!("/api/v1/sites/{id}"),
            &manager_token,
            &json!({"address": "Новый адрес"}),
        )
        .await;
    assert_eq!(r.json["address"], "Новый адрес");
    // ...but only the owner hands out the manager role.
    s.post(&managers, &manager_token, &json!({"telegram_id": 2}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden", None);
    s.delete(&format!("{managers}/{}", manager.id.0), &manager_token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden", None);
    // Someone the bot never met cannot be made a manager: the site is there, the value is not
    // usable (a 404 would say the site is gone).
    s.post(&managers, &token, &json!({"telegram_id": 999}))
        .await
        .assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_person",
            Some("telegram_id"),
        );

    let r = s
        .delete(&format!("{managers}/{}", manager.id.0), &token)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert!(r.text.is_empty());
    s.delete(&format!("{managers}/{}", manager.id.0), &token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found", None);
    s.get(&format!("/api/v1/sites/{id}"), &manager_token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found", None);
}

async fn employees_are_granted_and_revoked(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let a = s.create_site(&token, &site_body("Кафе")).await;
    let b = s.create_site(&token, &site_body("Склад")).await;
    let (a_id, b_id) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());

    // Someone the bot has not met: registered by Telegram id with a name.
    let r = s
        .post(
            &format!("/api/v1/sites/{a_id}/employees"),
            &token,
            &json!({"telegram_id": 500, "name": "Иван Петров"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ivan_id = r.json["id"].as_i64().unwrap();
    assert_eq!(
        r.json,
        json!({"id": ivan_id, "telegram_id": 500, "name": "Иван Петров", "language": "ru",
               "site_ids": [a_id]})
    );
    // Someone known: no name needed; the answer lists every site of the owner's they work at.
    let (anna, _) = s.person(600, "Anna").await;
    let r = s
        .post(
            &format!("/api/v1/sites/{b_id}/employees"),
            &token,
            &json!({"telegram_id": 600}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = s
        .post(
            &format!("/api/v1/sites/{a_id}/employees"),
            &token,
            &json!({"telegram_id": 600}),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"id": anna.id.0, "telegram_id": 600, "name": "Anna", "language": "en",
               "site_ids": [a_id, b_id]})
    );

    let all = s.get("/api/v1/employees", &token).await;
    assert_eq!(all.status, StatusCode::OK);
    let names: Vec<&str> = all
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Anna", "Иван Петров"]);
    for e in all.json.as_array().unwrap() {
        assert_eq!(
            keys(e),
            ["id", "language", "name", "site_ids", "telegram_id"]
        );
    }
    let of_b = s
        .get(&format!("/api/v1/employees?site_id={b_id}"), &token)
        .await;
    assert_eq!(of_b.json.as_array().unwrap().len(), 1);
    assert_eq!(of_b.json[0]["id"], anna.id.0);

    let r = s
        .delete(&format!("/api/v1/sites/{a_id}/employees/{ivan_id}"), &token)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    s.delete(&format!("/api/v1/sites/{a_id}/employees/{ivan_id}"), &token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found", None);
    let of_a = s
        .get(&format!("/api/v1/employees?site_id={a_id}"), &token)
        .await;
    assert_eq!(of_a.json.as_array().unwrap().len(), 1);
    assert_eq!(of_a.json[0]["name"], "Anna");
}

async fn planned_shifts_are_created_listed_and_cancelled(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let site = s.create_site(&token, &site_body("Кафе")).await;
    let site_id = site["id"].as_i64().unwrap();
    let (worker, _) = s.person(500, "Иван").await;
    s.post(
        &format!("/api/v1/sites/{site_id}/employees"),
        &token,
        &json!({"telegram_id": 500}),
    )
    .await;
    let date = future_date(3);
    let plan_body = |start: &str, end: &str| {
        json!({"employee_id": worker.id.0, "site_id": site_id, "date": date,
               "start": start, "end": end})
    };

    let r = s
        .post(
            "/api/v1/planned-shifts",
            &token,
            &plan_body("09:00", "17:00"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let plan = r.json;
    assert_eq!(
        keys(&plan),
        [
            "created_at",
            "employee_id",
            "ends_at",
            "id",
            "shift_id",
            "site_id",
            "starts_at",
            "status"
        ]
    );
    assert_eq!(plan["status"], "planned");
    assert_eq!(plan["employee_id"], worker.id.0);
    assert_eq!(plan["site_id"], site_id);
    assert_eq!(plan["shift_id"], Value::Null);
    // 09:00 in Moscow is 06:00 UTC.
    assert_eq!(plan["starts_at"], json!(format!("{date}T06:00:00Z")));
    assert_eq!(plan["ends_at"], json!(format!("{date}T14:00:00Z")));

    // Overlapping the first plan: 409, nothing stored.
    let r = s
        .post(
            "/api/v1/planned-shifts",
            &token,
            &plan_body("16:00", "20:00"),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "plan_overlap", None);
    // Domain rules: 422 with the field.
    let r = s
        .post(
            "/api/v1/planned-shifts",
            &token,
            &plan_body("18:00", "18:30"),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "too_short", Some("end"));
    let r = s
        .post(
            "/api/v1/planned-shifts",
            &token,
            &plan_body("07:00", "10:00"),
        )
        .await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_opening_hours",
        Some("start"),
    );
    let mut past = plan_body("09:00", "17:00");
    past["date"] = json!("2026-01-05");
    let r = s.post("/api/v1/planned-shifts", &token, &past).await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "in_the_past",
        Some("date"),
    );
    // The owner's employee at another of their sites, without access to this one.
    let second = s.create_site(&token, &site_body("Склад")).await;
    let (elsewhere, _) = s.person(701, "Пётр").await;
    let r = s
        .post(
            &format!("/api/v1/sites/{}/employees", second["id"]),
            &token,
            &json!({"telegram_id": 701}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mut other = plan_body("09:00", "17:00");
    other["employee_id"] = json!(elsewhere.id.0);
    let r = s.post("/api/v1/planned-shifts", &token, &other).await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_access",
        Some("employee_id"),
    );
    // Someone who is none of the owner's people is not found, like an id nobody has
    // (see isolation.rs for another owner's employee).
    let (stranger, _) = s.person(700, "Чужой").await;
    other["employee_id"] = json!(stranger.id.0);
    let r = s.post("/api/v1/planned-shifts", &token, &other).await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found", Some("employee_id"));

    let list = s.get("/api/v1/planned-shifts", &token).await;
    assert_eq!(list.json, json!([plan.clone()]));
    let list = s
        .get(
            &format!(
                "/api/v1/planned-shifts?site_id={site_id}&status=planned&from={date}&to={date}"
            ),
            &token,
        )
        .await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    let list = s
        .get("/api/v1/planned-shifts?status=cancelled", &token)
        .await;
    assert_eq!(list.json, json!([]));

    let plan_id = plan["id"].as_i64().unwrap();
    let r = s
        .post_empty(&format!("/api/v1/planned-shifts/{plan_id}/cancel"), &token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut cancelled = plan.clone();
    cancelled["status"] = json!("cancelled");
    assert_eq!(r.json, cancelled);
    let r = s
        .post_empty(&format!("/api/v1/planned-shifts/{plan_id}/cancel"), &token)
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "not_cancellable", None);
    s.post_empty("/api/v1/planned-shifts/987654/cancel", &token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found", None);
    // The cancelled plan frees its time.
    let r = s
        .post(
            "/api/v1/planned-shifts",
            &token,
            &plan_body("16:00", "20:00"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // A plan at an inactive site.
    s.post_empty(&format!("/api/v1/sites/{site_id}/deactivate"), &token)
        .await;
    let mut later = plan_body("09:00", "12:00");
    later["date"] = json!(future_date(4));
    let r = s.post("/api/v1/planned-shifts", &token, &later).await;
    r.assert_error(StatusCode::CONFLICT, "site_inactive", Some("site_id"));
}

pub const SHIFT_KEYS: [&str; 16] = [
    "closed_by",
    "currency",
    "employee_id",
    "end_location",
    "ended_at",
    "hourly_rate_minor",
    "id",
    "needs_review",
    "pay_minor",
    "planned_shift_id",
    "review_reason",
    "site_id",
    "start_location",
    "started_at",
    "status",
    "worked_minutes",
];

async fn active_shifts_show_who_is_on_shift(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let site = s.create_site(&token, &site_body("Кафе")).await;
    let site_id = site["id"].as_i64().unwrap();
    let (worker, _) = s.person(500, "Иван").await;
    s.post(
        &format!("/api/v1/sites/{site_id}/employees"),
        &token,
        &json!({"telegram_id": 500}),
    )
    .await;
    assert_eq!(
        s.get("/api/v1/shifts?status=active", &token).await.json,
        json!([])
    );

    let shift = s.open_shift_at(&worker, &site).await;
    let r = s.get("/api/v1/shifts?status=active", &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let got = &list[0];
    assert_eq!(keys(got), SHIFT_KEYS);
    let started_at = got["started_at"].as_str().unwrap();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(started_at)
            .unwrap()
            .timestamp_micros(),
        shift.started_at.timestamp_micros()
    );
    assert!(started_at.ends_with('Z'), "{started_at}");
    assert_eq!(
        *got,
        json!({
            "id": shift.id.0,
            "employee_id": worker.id.0,
            "site_id": site_id,
            "status": "active",
            "started_at": started_at,
            "ended_at": null,
            "start_location": {"latitude": 55.7539, "longitude": 37.6208,
                               "accuracy_m": 12.0, "distance_m": 0.0},
            "end_location": null,
            "hourly_rate_minor": 35_000,
            "currency": "RUB",
            "worked_minutes": null,
            "pay_minor": null,
            "needs_review": false,
            "planned_shift_id": null,
            "closed_by": null,
            "review_reason": null,
        })
    );
    // Filters.
    let by_site = s
        .get(
            &format!(
                "/api/v1/shifts?site_id={site_id}&employee_id={}",
                worker.id.0
            ),
            &token,
        )
        .await;
    assert_eq!(by_site.json.as_array().unwrap().len(), 1);
    let closed = s.get("/api/v1/shifts?status=closed", &token).await;
    assert_eq!(closed.json, json!([]));
    let tomorrow = future_date(1);
    let r = s
        .get(&format!("/api/v1/shifts?from={tomorrow}"), &token)
        .await;
    assert_eq!(r.json, json!([]));
}

async fn summary_adds_up_finished_shifts(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let cafe = s.create_site(&token, &site_body("Кафе")).await;
    let mut depot_body = site_body("Склад");
    depot_body["hourly_rate_minor"] = json!(60_000);
    let depot = s.create_site(&token, &depot_body).await;
    let (ivan, _) = s.person(500, "Иван").await;
    let (anna, _) = s.person(600, "Anna").await;
    for site in [&cafe, &depot] {
        for tg in [500, 600] {
            let r = s
                .post(
                    &format!("/api/v1/sites/{}/employees", site["id"]),
                    &token,
                    &json!({"telegram_id": tg}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED);
        }
    }

    // Work shifts in the past through the use-cases with a set clock.
    let clock = Arc::new(SetClock::new(monday_morning()));
    let past = s.app_at(clock.clone());
    let work = |who: domain::User, site: Value, minutes: i64| {
        let clock = clock.clone();
        let past = past.clone();
        async move {
            let fix = |at| LocationFix {
                coordinates: Coordinates::new(55.7539, 37.6208).unwrap(),
                accuracy_m: Some(5.0),
                taken_at: at,
                forwarded: false,
            };
            past.open_shift(&who, SiteId(site["id"].as_i64().unwrap()), fix(clock.now()))
                .await
                .unwrap();
            clock.advance(Duration::minutes(minutes));
            past.close_shift(&who, fix(clock.now())).await.unwrap();
            clock.advance(Duration::hours(1));
        }
    };
    // Ivan: 7 h 58 min at the cafe (350.00/h = 2 788.33) and 1 h at the depot (600.00).
    work(ivan.clone(), cafe.clone(), 7 * 60 + 58).await;
    work(ivan.clone(), depot.clone(), 60).await;
    // Anna: 2 h at the cafe (700.00).
    work(anna.clone(), cafe.clone(), 120).await;

    let r = s
        .get(
            "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30",
            &token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (cafe_id, depot_id) = (cafe["id"].as_i64().unwrap(), depot["id"].as_i64().unwrap());
    assert_eq!(
        r.json,
        json!({
            "from": "2026-11-01",
            "to": "2026-11-30",
            "totals": {"shifts": 3, "worked_minutes": 478 + 60 + 120,
                       "pay": [{"minor": 278_833 + 60_000 + 70_000, "currency": "RUB"}]},
            "sites": [
                {"site_id": cafe_id, "name": "Кафе", "shifts": 2, "worked_minutes": 598,
                 "pay": [{"minor": 348_833, "currency": "RUB"}]},
                {"site_id": depot_id, "name": "Склад", "shifts": 1, "worked_minutes": 60,
                 "pay": [{"minor": 60_000, "currency": "RUB"}]},
            ],
            "employees": [
                {"employee_id": anna.id.0, "name": "Anna", "shifts": 1, "worked_minutes": 120,
                 "pay": [{"minor": 70_000, "currency": "RUB"}]},
                {"employee_id": ivan.id.0, "name": "Иван", "shifts": 2, "worked_minutes": 538,
                 "pay": [{"minor": 338_833, "currency": "RUB"}]},
            ],
        })
    );
    // One site only.
    let r = s
        .get(
            &format!("/api/v1/reports/summary?from=2026-11-01&to=2026-11-30&site_id={depot_id}"),
            &token,
        )
        .await;
    assert_eq!(r.json["totals"]["shifts"], 1);
    assert_eq!(r.json["sites"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["employees"][0]["employee_id"], ivan.id.0);
    // One employee only: Anna's shifts, per site.
    let r = s
        .get(
            &format!(
                "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30&employee_id={}",
                anna.id.0
            ),
            &token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["totals"],
        json!({"shifts": 1, "worked_minutes": 120, "pay": [{"minor": 70_000, "currency": "RUB"}]})
    );
    assert_eq!(r.json["sites"][0]["shifts"], 1);
    assert_eq!(r.json["sites"][1]["shifts"], 0);
    assert_eq!(r.json["employees"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["employees"][0]["employee_id"], anna.id.0);
    // A period with no work.
    let r = s
        .get(
            "/api/v1/reports/summary?from=2026-10-01&to=2026-10-31",
            &token,
        )
        .await;
    assert_eq!(
        r.json["totals"],
        json!({"shifts": 0, "worked_minutes": 0, "pay": []})
    );
    assert_eq!(r.json["employees"], json!([]));
    // The finished shifts are listed too, newest first, with their pay.
    let shifts = s
        .get(
            "/api/v1/shifts?status=closed&from=2026-11-02&to=2026-11-02",
            &token,
        )
        .await;
    let list = shifts.json.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[2]["worked_minutes"], 478);
    assert_eq!(list[2]["pay_minor"], 278_833);
    assert!(list[2]["end_location"].is_object());
    assert_eq!(list[0]["employee_id"], anna.id.0);
    let first = s.get("/api/v1/shifts?status=closed&limit=1", &token).await;
    assert_eq!(first.json, json!([list[0].clone()]));
    let link = first.header("link").unwrap();
    let next = link
        .strip_prefix('<')
        .and_then(|l| l.strip_suffix(">; rel=\"next\""))
        .unwrap();
    let page = s.get(next, &token).await;
    assert_eq!(page.json, json!([list[1].clone()]));
}
