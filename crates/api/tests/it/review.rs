//! Forgotten shifts over HTTP: an owner closes an employee's running shift at a stated time
//! (`POST /api/v1/shifts/{id}/close`), and a shift is read with its history
//! (`GET /api/v1/shifts/{id}`). The server's clock stands at 2026-12-01 18:30 in Moscow.

use crate::resources::SHIFT_KEYS;
use crate::{Backend, TestServer, keys, site_body};
use app::NewShift;
use app::clock::SetClock;
use app::review::StatedEnd;
use chrono::{DateTime, TimeZone, Utc};
use domain::{Coordinates, Currency, Money, RecordedLocation, SiteId, UserId};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::Arc;

crate::on_both_backends!(
    an_owner_closes_a_forgotten_shift,
    a_shift_reads_with_its_history,
);

fn msk(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Moscow
        .with_ymd_and_hms(2026, 12, d, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// A server at 2026-12-01 18:30 MSK; an owner (token), their site, an employee with a shift
/// running there since 09:00; another owner (token).
struct Fixture {
    s: TestServer,
    owner: UserId,
    token: String,
    other_token: String,
    employee: domain::User,
    shift: domain::ShiftId,
}

async fn fixture(backend: Backend) -> Fixture {
    let s = TestServer::start_at(backend, Arc::new(SetClock::new(msk(1, 18, 30)))).await;
    let (owner, token) = s.owner(1, "Owner").await;
    let (_, other_token) = s.owner(2, "Other").await;
    let site = s.create_site(&token, &site_body("Кафе")).await;
    let site_id = site["id"].as_i64().unwrap();
    let (employee, _) = s.person(500, "Иван").await;
    let r = s
        .post(
            &format!("/api/v1/sites/{site_id}/employees"),
            &token,
            &json!({"telegram_id": 500}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let shift = s
        .store
        .insert_shift(&NewShift {
            employee_id: employee.id,
            site_id: SiteId(site_id),
            started_at: msk(1, 9, 0),
            start_location: RecordedLocation {
                coordinates: Coordinates::new(55.7539, 37.6208).unwrap(),
                accuracy_m: Some(12.0),
                distance_m: 0.0,
            },
            hourly_rate: Money::new(35_000, Currency::RUB),
            planned_shift_id: None,
        })
        .await
        .unwrap();
    Fixture {
        s,
        owner: owner.id,
        token,
        other_token,
        employee,
        shift: shift.id,
    }
}

async fn an_owner_closes_a_forgotten_shift(backend: Backend) {
    let f = fixture(backend).await;
    let s = &f.s;
    let path = format!("/api/v1/shifts/{}/close", f.shift.0);
    let body = json!({"ended_at": "2026-12-01T18:00:00+03:00"});

    // Someone else's shift, and one that does not exist: the same 404.
    s.post(&path, &f.other_token, &body).await.assert_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    s.post(
        &format!("/api/v1/shifts/{}/close", f.shift.0 + 1000),
        &f.token,
        &body,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found", None);
    // Bad times name the field.
    for (ended_at, code) in [
        ("yesterday evening", "invalid_value"),
        ("2026-12-01 18:00", "invalid_value"),
        ("2026-12-01T08:59:00+03:00", "before_start"),
        ("2026-12-01T15:31:00Z", "in_the_future"),
    ] {
        s.post(&path, &f.token, &json!({"ended_at": ended_at}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, code, Some("ended_at"));
    }
    s.post(&path, &f.token, &json!({"ended_at": 5}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_type", Some("ended_at"));
    s.post(
        &path,
        &f.token,
        &json!({"ended_at": "2026-12-01T18:00:00+03:00", "reason": "x"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "unknown_field", Some("reason"));
    // None of that touched the shift.
    let running = s.store.shift(f.shift).await.unwrap().unwrap();
    assert_eq!(running.status, domain::ShiftStatus::Active);

    // Closed at 18:00 Moscow: 9 h at 350.00 RUB = 3150.00 RUB, by the owner.
    let r = s.post(&path, &f.token, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut expected_keys: Vec<String> = SHIFT_KEYS.iter().map(|k| k.to_string()).collect();
    expected_keys.push("history".into());
    expected_keys.sort();
    assert_eq!(keys(&r.json), expected_keys);
    assert_eq!(r.json["status"], "closed");
    assert_eq!(r.json["ended_at"], "2026-12-01T15:00:00Z");
    assert_eq!(r.json["worked_minutes"], 540);
    assert_eq!(r.json["pay_minor"], 315_000);
    assert_eq!(r.json["closed_by"], f.owner.0);
    assert_eq!(r.json["needs_review"], false);
    assert_eq!(r.json["review_reason"], json!(null));
    assert_eq!(r.json["end_location"], json!(null));
    assert_eq!(
        r.json["history"],
        json!([{
            "kind": "closed_by_manager",
            "old_ended_at": null,
            "new_ended_at": "2026-12-01T15:00:00Z",
            "changed_by": f.owner.0,
            "changed_at": "2026-12-01T15:30:00Z",
        }])
    );
    // The employee is free at once.
    assert_eq!(s.store.active_shift(f.employee.id).await.unwrap(), None);

    // A second close is a conflict; for the other owner it is still not found.
    s.post(&path, &f.token, &body)
        .await
        .assert_error(StatusCode::CONFLICT, "already_closed", None);
    s.post(&path, &f.other_token, &body).await.assert_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    // The listing shows who closed it.
    let list = s.get("/api/v1/shifts", &f.token).await;
    assert_eq!(list.json[0]["closed_by"], f.owner.0);
    assert_eq!(list.json[0]["pay_minor"], 315_000);
    f.s.stop().await.unwrap();
}

async fn a_shift_reads_with_its_history(backend: Backend) {
    let f = fixture(backend).await;
    let s = &f.s;
    let path = format!("/api/v1/shifts/{}", f.shift.0);
    let r = s.get(&path, &f.token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "active");
    assert_eq!(r.json["history"], json!([]));
    s.get(&path, &f.other_token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found", None);
    s.call(Method::GET, "/api/v1/shifts/abc", Some(&f.token), None)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_path", Some("id"));

    // The employee reports they left at 17:45 (as the bot does): flagged for review.
    s.app
        .report_forgotten_close(&f.employee, StatedEnd::LocalTime(hm(17, 45)))
        .await
        .unwrap();
    let r = s.get(&path, &f.token).await;
    assert_eq!(r.json["status"], "closed");
    assert_eq!(r.json["ended_at"], "2026-12-01T14:45:00Z");
    assert_eq!(r.json["worked_minutes"], 525);
    assert_eq!(r.json["pay_minor"], 306_250);
    assert_eq!(r.json["needs_review"], true);
    assert_eq!(r.json["review_reason"], "forgotten_close");
    assert_eq!(r.json["closed_by"], f.employee.id.0);
    assert_eq!(
        r.json["history"],
        json!([{
            "kind": "forgotten_reported",
            "old_ended_at": null,
            "new_ended_at": "2026-12-01T14:45:00Z",
            "changed_by": f.employee.id.0,
            "changed_at": "2026-12-01T15:30:00Z",
        }])
    );
    // A reported shift is no longer running: closing it is a conflict.
    s.post(
        &format!("{path}/close"),
        &f.token,
        &json!({"ended_at": "2026-12-01T17:00:00+03:00"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "already_closed", None);
    f.s.stop().await.unwrap();
}

fn hm(h: u32, m: u32) -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap()
}
