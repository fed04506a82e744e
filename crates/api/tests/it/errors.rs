//! Authentication and every kind of bad request: each answers the JSON error shape with the
//! right status, code and field, and changes nothing.

use crate::{Backend, TestServer, future_date, site_body};
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::on_both_backends!(
    tokens_are_required,
    validation_errors_name_the_field,
    strict_input_is_refused_alike_on_both_stores
);

async fn tokens_are_required(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let bogus = format!("spb_{}", "0".repeat(64));
    for (path, method) in [
        ("/api/v1/sites", Method::GET),
        ("/api/v1/sites", Method::POST),
        ("/api/v1/sites/1", Method::GET),
        ("/api/v1/employees", Method::GET),
        ("/api/v1/shifts", Method::GET),
        ("/api/v1/planned-shifts", Method::GET),
        (
            "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30",
            Method::GET,
        ),
    ] {
        for t in [None, Some("not-a-token"), Some(bogus.as_str())] {
            let r = s.call(method.clone(), path, t, None).await;
            r.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
            assert_eq!(r.header("www-authenticate"), Some("Bearer"), "{path}");
        }
    }
    // Another scheme, or a scheme without a token.
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer "] {
        let r = s
            .http
            .get(format!("{}/api/v1/sites", s.base))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{header}");
    }
    // A revoked token stops working at once.
    assert_eq!(s.get("/api/v1/sites", &token).await.status, StatusCode::OK);
    s.app.revoke_api_tokens(1).await.unwrap();
    let r = s.get("/api/v1/sites", &token).await;
    r.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
}

async fn validation_errors_name_the_field(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let site = s.create_site(&token, &site_body("Склад")).await;
    let id = site["id"].as_i64().unwrap();
    let one = format!("/api/v1/sites/{id}");

    // Domain validation: 422 with the field.
    for (field, value, code) in [
        ("geofence_radius_m", json!(5), "invalid_value"),
        ("time_zone", json!("Mars/Olympus"), "invalid_value"),
        ("closes_at", json!("25:00"), "invalid_value"),
        ("opens_at", json!("9am"), "invalid_value"),
        ("latitude", json!(91.0), "invalid_value"),
        ("currency", json!("RUBL"), "invalid_value"),
        ("hourly_rate_minor", json!(-1), "invalid_value"),
        ("name", json!("   "), "invalid_value"),
    ] {
        let mut body = site_body("Новый");
        body[field] = value.clone();
        let r = s.post("/api/v1/sites", &token, &body).await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, code, Some(field));
        let r = s.patch(&one, &token, &json!({ field: value })).await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, code, Some(field));
    }
    let mut body = site_body("Новый");
    body.as_object_mut().unwrap().remove("name");
    let r = s.post("/api/v1/sites", &token, &body).await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_field",
        Some("name"),
    );

    // Wrong types, unknown fields, malformed JSON: 400.
    let mut body = site_body("Новый");
    body["latitude"] = json!("north");
    let r = s.post("/api/v1/sites", &token, &body).await;
    r.assert_error(StatusCode::BAD_REQUEST, "invalid_type", Some("latitude"));
    let mut body = site_body("Новый");
    body["colour"] = json!("green");
    let r = s.post("/api/v1/sites", &token, &body).await;
    r.assert_error(StatusCode::BAD_REQUEST, "unknown_field", Some("colour"));
    let r = s.patch(&one, &token, &json!({"owner_id": 2})).await;
    r.assert_error(StatusCode::BAD_REQUEST, "unknown_field", Some("owner_id"));
    let trailing = format!("{} trailing", site_body("x"));
    for bad in ["{\"name\": ", "", "[1,2]", &trailing, "nul"] {
        let r = s
            .raw(
                Method::POST,
                "/api/v1/sites",
                Some(&token),
                Some("application/json"),
                bad.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", r.text);
        let (code, _) = r.error();
        assert!(
            code == "invalid_json" || code == "invalid_type",
            "{bad:?}: {code}"
        );
    }
    let r = s
        .raw(
            Method::PATCH,
            &one,
            Some(&token),
            Some("application/json"),
            b"{\"name\": \"x\",}".to_vec(),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "invalid_json", None);

    // Not JSON at all.
    let r = s
        .raw(
            Method::POST,
            "/api/v1/sites",
            Some(&token),
            Some("text/plain"),
            site_body("x").to_string().into_bytes(),
        )
        .await;
    r.assert_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        None,
    );

    // Over 64 KiB: 413, as JSON.
    let mut body = site_body("Большой");
    body["address"] = json!("д".repeat(33 * 1024));
    let bytes = body.to_string().into_bytes();
    assert!(bytes.len() > 65 * 1024);
    let r = s
        .raw(
            Method::POST,
            "/api/v1/sites",
            Some(&token),
            Some("application/json"),
            bytes,
        )
        .await;
    r.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None);

    // Path and query parameters.
    let r = s.get("/api/v1/sites/abc", &token).await;
    r.assert_error(StatusCode::BAD_REQUEST, "invalid_path", Some("id"));
    let r = s.get("/api/v1/sites/99999999999999999999", &token).await;
    r.assert_error(StatusCode::BAD_REQUEST, "invalid_path", Some("id"));
    let r = s.get("/api/v1/sites/424242", &token).await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found", None);
    let r = s.get("/api/v1/shifts?site_id=abc", &token).await;
    r.assert_error(StatusCode::BAD_REQUEST, "invalid_query", Some("site_id"));
    let r = s.get("/api/v1/shifts?site=1", &token).await;
    r.assert_error(StatusCode::BAD_REQUEST, "unknown_field", Some("site"));
    let r = s.get("/api/v1/shifts?status=sleeping", &token).await;
    r.assert_error(StatusCode::BAD_REQUEST, "invalid_query", Some("status"));
    let r = s.get("/api/v1/shifts?limit=-1", &token).await;
    r.assert_error(StatusCode::BAD_REQUEST, "invalid_query", Some("limit"));
    let r = s.get("/api/v1/shifts?from=2026-13-01", &token).await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("from"),
    );
    let r = s
        .get(
            "/api/v1/planned-shifts?from=2026-11-10&to=2026-11-01",
            &token,
        )
        .await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("to"),
    );
    let r = s
        .get("/api/v1/reports/summary?from=2026-11-01", &token)
        .await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_field",
        Some("to"),
    );
    let r = s
        .get(
            "/api/v1/reports/summary?from=01.11.2026&to=2026-11-30",
            &token,
        )
        .await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("from"),
    );
    let r = s
        .get(
            "/api/v1/reports/summary?from=2025-01-01&to=2026-11-30",
            &token,
        )
        .await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("to"),
    );

    // Bodies of the other resources.
    let r = s
        .post(
            &format!("{one}/employees"),
            &token,
            &json!({"telegram_id": 77}),
        )
        .await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_field",
        Some("name"),
    );
    let r = s
        .post(
            &format!("{one}/employees"),
            &token,
            &json!({"telegram_id": "77"}),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "invalid_type", Some("telegram_id"));
    let r = s
        .post(
            "/api/v1/planned-shifts",
            &token,
            &json!({"employee_id": 1, "site_id": id, "date": "tomorrow", "start": "09:00", "end": "17:00"}),
        )
        .await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("date"),
    );
    let r = s
        .post(
            "/api/v1/planned-shifts",
            &token,
            &json!({"employee_id": 1, "site_id": id, "date": "2030-01-01", "start": "9", "end": "17:00"}),
        )
        .await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("start"),
    );

    // Nothing was written by any of the failures.
    let r = s.get("/api/v1/sites", &token).await;
    assert_eq!(r.json.as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(s.get(&one, &token).await.json, site);
    let r = s.get("/api/v1/employees", &token).await;
    assert_eq!(r.json, json!([]));
}

#[tokio::test]
async fn only_owners_create_sites() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (_, token) = s.person(5, "Not an owner").await;
    let r = s.post("/api/v1/sites", &token, &site_body("Склад")).await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden", None);
    assert_eq!(s.get("/api/v1/sites", &token).await.json, json!([]));
}

/// What the formats do not allow is refused with 422 naming the field, the same on SQLite and
/// PostgreSQL (which cannot store NUL at all), and nothing is written.
async fn strict_input_is_refused_alike_on_both_stores(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let site = s.create_site(&token, &site_body("Склад")).await;
    let id = site["id"].as_i64().unwrap();
    let one = format!("/api/v1/sites/{id}");
    let (worker, _) = s.person(500, "Иван").await;
    let r = s
        .post(
            &format!("{one}/employees"),
            &token,
            &json!({"telegram_id": 500}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    for (field, value) in [
        ("name", json!("Склад\u{0}")),
        ("name", json!("Склад\n2")),
        ("name", json!("\u{202e}далкС")),
        ("address", json!("ул. Ленина\u{0}")),
        ("address", json!("ул. Ленина,\r\n1")),
        ("address", json!("\u{7}")),
        ("opens_at", json!("+9:00")),
        ("opens_at", json!("+09:00")),
        ("closes_at", json!("21:+5")),
        ("closes_at", json!(" 21:00")),
        ("currency", json!("ABC")),
        ("currency", json!("XAU")),
        ("currency", json!("rub")),
        ("currency", json!("RUB\u{0}")),
        ("time_zone", json!("Europe/Moscow\u{0}")),
        ("time_zone", json!(" Europe/Moscow")),
        ("time_zone", json!("")),
    ] {
        let mut body = site_body("Новый");
        body[field] = value.clone();
        let r = s.post("/api/v1/sites", &token, &body).await;
        r.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some(field),
        );
        let r = s.patch(&one, &token, &json!({ field: value })).await;
        r.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some(field),
        );
    }
    // JSON Schema's integers include 35000.0 and 1.5e2: they are taken as such (the fuzzer found
    // them refused), while a fraction is not an integer.
    let mut body = site_body("Целые");
    body["hourly_rate_minor"] = json!(35000.0);
    body["geofence_radius_m"] = json!(1.5e2);
    let created = s.create_site(&token, &body).await;
    assert_eq!(created["hourly_rate_minor"], 35000);
    assert_eq!(created["geofence_radius_m"], 150);
    let r = s
        .patch(
            &format!("/api/v1/sites/{}", created["id"]),
            &token,
            &json!({"geofence_radius_m": 150.5}),
        )
        .await;
    r.assert_error(
        StatusCode::BAD_REQUEST,
        "invalid_type",
        Some("geofence_radius_m"),
    );
    let r = s
        .post(
            &format!("{one}/managers"),
            &token,
            &json!({"telegram_id": 500.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Letters of any script, emoji and marks are names like any other.
    let mut body = site_body("👩\u{200D}🍳 Кухня «Ёж» e\u{301}");
    body["currency"] = json!("KZT");
    let created = s.create_site(&token, &body).await;
    assert_eq!(created["name"], "👩\u{200D}🍳 Кухня «Ёж» e\u{301}");
    assert_eq!(created["currency"], "KZT");

    // People: Telegram ids are positive, names are text.
    for (path, body, field) in [
        (
            format!("{one}/employees"),
            json!({"telegram_id": 0, "name": "Ноль"}),
            "telegram_id",
        ),
        (
            format!("{one}/employees"),
            json!({"telegram_id": -42, "name": "Минус"}),
            "telegram_id",
        ),
        (
            format!("{one}/employees"),
            json!({"telegram_id": 77, "name": "Ив\u{0}ан"}),
            "name",
        ),
        (
            format!("{one}/employees"),
            json!({"telegram_id": 500, "name": "Ив\tан"}),
            "name",
        ),
        (
            format!("{one}/managers"),
            json!({"telegram_id": 0}),
            "telegram_id",
        ),
        (
            format!("{one}/managers"),
            json!({"telegram_id": -500}),
            "telegram_id",
        ),
    ] {
        let r = s.post(&path, &token, &body).await;
        r.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some(field),
        );
    }

    // Plans: dates with signs or short years, times with signs.
    let plan = |date: &str, start: &str, end: &str| {
        json!({"employee_id": worker.id.0, "site_id": id, "date": date,
               "start": start, "end": end})
    };
    let date = future_date(3);
    for (body, field) in [
        (plan("+999-01-01", "10:00", "18:00"), "date"),
        (plan(&format!("+{date}"), "10:00", "18:00"), "date"),
        (plan("999-01-01", "10:00", "18:00"), "date"),
        (plan("12026-01-01", "10:00", "18:00"), "date"),
        (plan(&date, "+9:00", "18:00"), "start"),
        (plan(&date, "10:00", "17:+5"), "end"),
    ] {
        let r = s.post("/api/v1/planned-shifts", &token, &body).await;
        r.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some(field),
        );
    }
    for query in [
        "/api/v1/shifts?from=%2B999-01-01",
        "/api/v1/planned-shifts?from=%2B2026-11-01",
        "/api/v1/reports/summary?from=%2B999-01-01&to=2026-11-30",
        "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30%00",
    ] {
        let r = s.get(query, &token).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            r.text
        );
        let (code, field) = r.error();
        assert_eq!(code, "invalid_value", "{query}");
        assert!(matches!(field.as_deref(), Some("from" | "to")), "{query}");
    }

    // A path id that is not UTF-8 once decoded names its parameter.
    for (method, path, field) in [
        (Method::GET, "/api/v1/sites/%FF".to_owned(), "id"),
        (Method::PATCH, "/api/v1/sites/%C3%28".to_owned(), "id"),
        (Method::DELETE, format!("{one}/employees/%C3%28"), "user_id"),
        (Method::DELETE, format!("{one}/managers/%FF"), "user_id"),
        (
            Method::POST,
            "/api/v1/planned-shifts/%FF%FE/cancel".to_owned(),
            "id",
        ),
    ] {
        let r = s.call(method.clone(), &path, Some(&token), None).await;
        r.assert_error(StatusCode::BAD_REQUEST, "invalid_path", Some(field));
    }

    // Nothing else was written: the three sites; one employee; no plans.
    let sites = s.get("/api/v1/sites", &token).await.json;
    assert_eq!(sites.as_array().unwrap().len(), 3);
    assert_eq!(s.get(&one, &token).await.json, site);
    let employees = s.get("/api/v1/employees", &token).await.json;
    assert_eq!(employees.as_array().unwrap().len(), 1, "{employees}");
    assert_eq!(employees[0]["name"], "Иван");
    assert_eq!(
        s.get("/api/v1/planned-shifts", &token).await.json,
        json!([])
    );
}
