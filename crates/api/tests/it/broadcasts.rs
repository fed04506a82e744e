//! Broadcasts over the API: started for one site or all (202 with the recipients counted),
//! followed by id, refused with a clear error (empty or too long text, nobody to write to, a
//! foreign site), and never visible to another owner.

use crate::{Backend, TestServer, on_both_backends, site_body};
use reqwest::StatusCode;
use serde_json::json;

async fn broadcasts_are_started_followed_and_kept_to_their_owner(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let a = s.create_site(&token, &site_body("Кафе")).await;
    let b = s.create_site(&token, &site_body("Склад")).await;
    let (a_id, b_id) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    // Nobody to write to yet.
    let r = s
        .post("/api/v1/broadcasts", &token, &json!({"text": "Привет"}))
        .await;
    r.assert_error(StatusCode::CONFLICT, "no_recipients", None);
    // Ivan works at both sites, Anna at the warehouse only.
    for (site, telegram_id, name) in [
        (a_id, 500, "Иван"),
        (b_id, 500, "Иван"),
        (b_id, 600, "Анна"),
    ] {
        let r = s
            .post(
                &format!("/api/v1/sites/{site}/employees"),
                &token,
                &json!({"telegram_id": telegram_id, "name": name}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    let r = s
        .post(
            "/api/v1/broadcasts",
            &token,
            &json!({"text": "  Завтра открываемся в 10:00.\nНе опаздывайте!  "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["total"], 2, "each person once: {}", r.text);
    assert_eq!(r.json["site_id"], serde_json::Value::Null);
    assert_eq!(
        r.json["text"],
        "Завтра открываемся в 10:00.\nНе опаздывайте!"
    );
    assert_eq!(r.json["status"], "sending");
    assert_eq!(r.json["sent"], 0);

    let one_site = s
        .post(
            "/api/v1/broadcasts",
            &token,
            &json!({"site_id": a_id, "text": "Только кафе"}),
        )
        .await;
    assert_eq!(one_site.status, StatusCode::ACCEPTED, "{}", one_site.text);
    assert_eq!(one_site.json["total"], 1);

    let got = s.get(&format!("/api/v1/broadcasts/{id}"), &token).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(got.json["id"], id);
    assert_eq!(got.json["total"], 2);

    // Another owner sees nothing of it and cannot write to this owner's site.
    let (_, other) = s.owner(2, "Other").await;
    s.get(&format!("/api/v1/broadcasts/{id}"), &other)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found", None);
    s.post(
        "/api/v1/broadcasts",
        &other,
        &json!({"site_id": a_id, "text": "Чужим"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found", None);
    s.get("/api/v1/broadcasts/999999", &token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found", None);
}

async fn bad_broadcasts_are_refused_with_the_field(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    s.create_site(&token, &site_body("Кафе")).await;
    s.post("/api/v1/broadcasts", &token, &json!({"text": "   "}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "empty_text", Some("text"));
    s.post(
        "/api/v1/broadcasts",
        &token,
        &json!({"text": "я".repeat(3_901)}),
    )
    .await
    .assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "text_too_long",
        Some("text"),
    );
    s.post("/api/v1/broadcasts", &token, &json!({"text": "a\u{0}b"}))
        .await
        .assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("text"),
        );
    s.post(
        "/api/v1/broadcasts",
        &token,
        &json!({"text": "x", "extra": 1}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "unknown_field", Some("extra"));
    s.post("/api/v1/broadcasts", &token, &json!({}))
        .await
        .assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_field",
            Some("text"),
        );
}

on_both_backends!(
    broadcasts_are_started_followed_and_kept_to_their_owner,
    bad_broadcasts_are_refused_with_the_field,
);
