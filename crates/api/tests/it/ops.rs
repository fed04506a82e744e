//! Probes, the OpenAPI document, Swagger UI, JSON fallbacks and graceful shutdown.

use crate::{Backend, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::BTreeSet;

crate::on_both_backends!(probes_answer);

async fn probes_answer(backend: Backend) {
    let s = TestServer::start(backend).await;
    for path in ["/health", "/ready"] {
        let r = s.call(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert_eq!(r.json, json!({"status": "ok"}));
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    s.stop().await.unwrap();
}

#[tokio::test]
async fn ready_is_503_when_the_database_is_gone() {
    let url = store_postgres::test_support::fresh_database()
        .await
        .unwrap();
    let store = store_postgres::PgStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let pool = store.pool().clone();
    let s = TestServer::start_on(std::sync::Arc::new(store), None).await;
    let (_, token) = s.owner(1, "Owner").await;
    pool.close().await;

    let r = s.call(Method::GET, "/ready", None, None).await;
    r.assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", None);
    // Liveness does not depend on the database.
    let r = s.call(Method::GET, "/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    // Nor does any request leak the database's own words.
    let r = s.get("/api/v1/sites", &token).await;
    r.assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", None);
    assert!(!r.text.to_lowercase().contains("pool"), "{}", r.text);
}

crate::on_both_backends!(metrics_are_labelled_by_route_template_and_status_class);

/// `/metrics` (not in the OpenAPI document) shows the HTTP families after requests: the route
/// template, never the raw path with its id; "unmatched" for an unknown path; status classes;
/// the requests in flight (the scrape itself); the database's and the process's families.
async fn metrics_are_labelled_by_route_template_and_status_class(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let site = s.create_site(&token, &crate::site_body("Склад")).await;
    let id = site["id"].as_i64().unwrap();
    assert_eq!(
        s.get(&format!("/api/v1/sites/{id}"), &token).await.status,
        StatusCode::OK
    );
    assert_eq!(
        s.get(&format!("/api/v1/sites/{id}"), &token).await.status,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/api/v1/sites/999999", &token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/no/such/path/42", &token).await.status,
        StatusCode::NOT_FOUND
    );
    // Refused at the edge, before any route: counted under "edge".
    assert_eq!(
        s.get(&format!("/api/v1/sites?q={}", "x".repeat(9000)), &token)
            .await
            .status,
        StatusCode::URI_TOO_LONG
    );

    let r = s.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = r.text;
    let value = |series: &str| testkit::metrics::value(&text, series);
    assert_eq!(
        value(
            r#"staffprobot_http_requests_total{method="GET",route="/api/v1/sites/{id}",status="2xx"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value(
            r#"staffprobot_http_requests_total{method="GET",route="/api/v1/sites/{id}",status="4xx"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(
            r#"staffprobot_http_requests_total{method="POST",route="/api/v1/sites",status="2xx"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(r#"staffprobot_http_requests_total{method="GET",route="unmatched",status="4xx"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(r#"staffprobot_http_requests_total{method="GET",route="edge",status="4xx"}"#),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains("/no/such/path"), "{text}");
    assert!(!text.contains(&format!("/api/v1/sites/{id}\"")), "{text}");
    assert_eq!(
        value(
            r#"staffprobot_http_request_duration_seconds_count{method="GET",route="/api/v1/sites/{id}"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        text.contains(r#"staffprobot_http_request_duration_seconds_bucket{method="GET",route="/api/v1/sites/{id}",le="0.0005"}"#),
        "{text}"
    );
    // The scrape itself is in flight while it renders.
    assert_eq!(
        value("staffprobot_http_requests_in_flight"),
        Some(1.0),
        "{text}"
    );
    for family in ["process_resident_memory_bytes", "staffprobot_build_info"] {
        assert!(text.contains(&format!("# TYPE {family} gauge")), "{family}");
    }
    // Not an API client's path.
    let doc = s.call(Method::GET, "/openapi.json", None, None).await.json;
    assert!(doc["paths"]["/metrics"].is_null());
    s.stop().await.unwrap();
}

/// Every path the router serves under /api/v1 plus the probes.
const DOCUMENTED: [&str; 13] = [
    "/health",
    "/ready",
    "/api/v1/sites",
    "/api/v1/sites/{id}",
    "/api/v1/sites/{id}/deactivate",
    "/api/v1/sites/{id}/activate",
    "/api/v1/sites/{id}/managers",
    "/api/v1/sites/{id}/managers/{user_id}",
    "/api/v1/employees",
    "/api/v1/sites/{id}/employees",
    "/api/v1/sites/{id}/employees/{user_id}",
    "/api/v1/shifts",
    "/api/v1/planned-shifts",
];

#[tokio::test]
async fn openapi_lists_every_path_with_bearer_security() {
    let s = TestServer::start(Backend::Sqlite).await;
    let r = s.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let doc = r.json;
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'), "{doc}");
    assert_eq!(doc["info"]["title"], "StaffProBot API");

    let paths: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: BTreeSet<&str> = DOCUMENTED.into_iter().collect();
    expected.extend([
        "/api/v1/planned-shifts/{id}/cancel",
        "/api/v1/reports/summary",
        "/api/v1/reports/timesheet",
        "/api/v1/reports/payroll",
        "/api/v1/shifts/{id}",
        "/api/v1/shifts/{id}/close",
        "/api/v1/broadcasts",
        "/api/v1/broadcasts/{id}",
    ]);
    assert_eq!(paths, expected);

    let methods = |p: &str| -> BTreeSet<String> {
        doc["paths"][p]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        methods("/api/v1/sites"),
        ["get", "post"].map(String::from).into()
    );
    assert_eq!(
        methods("/api/v1/sites/{id}"),
        ["get", "patch"].map(String::from).into()
    );
    assert_eq!(
        methods("/api/v1/sites/{id}/employees/{user_id}"),
        ["delete"].map(String::from).into()
    );

    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "description": "An API token, e.g. `spb_…`"})
    );
    // Protected operations require the token; probes do not.
    assert_eq!(
        doc["paths"]["/api/v1/sites/{id}"]["get"]["security"],
        json!([{"bearer": []}])
    );
    assert!(doc["paths"]["/health"]["get"]["security"].is_null());
    // The resource and error schemas are in the document.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "Site",
        "CreateSite",
        "UpdateSite",
        "Shift",
        "PlannedShift",
        "Employee",
        "Summary",
        "ErrorBody",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    let site_props: BTreeSet<&str> = schemas["Site"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(site_props.len(), 15);
    assert!(site_props.contains("join_code"));
    assert_eq!(
        schemas["Site"]["properties"]["join_code"]["readOnly"],
        json!(true),
        "the join code is the server's"
    );
    // Nullable fields of answers are always present, so they are required too.
    let shift_required: BTreeSet<&str> = schemas["Shift"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(shift_required.contains("ended_at") && shift_required.contains("end_location"));
    assert_eq!(shift_required.len(), 16);
    assert!(shift_required.contains("closed_by") && shift_required.contains("review_reason"));
    // Closing someone's shift: the body, and the answer with its history, are documented.
    assert_eq!(
        schemas["CloseShift"]["required"],
        json!(["ended_at"]),
        "{}",
        schemas["CloseShift"]
    );
    let detail = schemas["ShiftDetail"].to_string();
    assert!(
        detail.contains("#/components/schemas/Shift\"") && detail.contains("history"),
        "{detail}"
    );
    assert!(schemas.contains_key("ShiftChange"));
    let close = &doc["paths"]["/api/v1/shifts/{id}/close"]["post"];
    for status in ["200", "404", "409", "422"] {
        assert!(close["responses"][status].is_object(), "{status}: {close}");
    }
    let create_required: BTreeSet<&str> = schemas["CreateSite"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        create_required,
        BTreeSet::from([
            "name",
            "latitude",
            "longitude",
            "opens_at",
            "closes_at",
            "hourly_rate_minor"
        ])
    );
}

#[tokio::test]
async fn docs_are_served_from_local_assets() {
    let s = TestServer::start(Backend::Sqlite).await;
    // Served at /docs itself, not behind a redirect.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/docs", "/docs/"] {
        let r = no_redirects
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    let html = s.call(Method::GET, "/docs", None, None).await.text;
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(html.contains("<base href=\"/docs/\">"), "{html}");
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let url = part.split('"').next().unwrap();
            assert!(
                !url.contains("//") && !url.contains(':'),
                "external asset {url}"
            );
            if url.starts_with('/') {
                assert!(url.starts_with("/docs/"), "{url}");
            } else {
                assets.push(format!("/docs/{}", url.trim_start_matches("./")));
            }
        }
    }
    assert!(assets.iter().any(|a| a == "/docs/swagger-ui-bundle.js"));
    for asset in &assets {
        let r = s.call(Method::GET, asset, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{asset}");
    }
    let init = s
        .call(Method::GET, "/docs/swagger-initializer.js", None, None)
        .await;
    assert!(init.text.contains("/openapi.json"), "{}", init.text);
    assert!(!init.text.contains("https://"), "{}", init.text);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (_, token) = s.owner(1, "Owner").await;
    let r = s.get("/api/v1/nothing-here", &token).await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found", None);
    let r = s.call(Method::GET, "/", None, None).await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found", None);
    let r = s
        .call(Method::GET, "/docs/no-such-asset.js", None, None)
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found", None);

    let r = s
        .call(Method::PUT, "/api/v1/sites", Some(&token), Some(&json!({})))
        .await;
    r.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None);
    let allow = r.header("allow").unwrap_or_default().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let r = s.call(Method::DELETE, "/health", None, None).await;
    r.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None);
}

#[tokio::test]
async fn shuts_down_gracefully() {
    let s = TestServer::start(Backend::Sqlite).await;
    let base = s.base.clone();
    let r = s.call(Method::GET, "/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    tokio::time::timeout(std::time::Duration::from_secs(10), s.stop())
        .await
        .expect("the server did not stop")
        .unwrap();
    let refused = reqwest::Client::new()
        .get(format!("{base}/health"))
        .send()
        .await;
    assert!(refused.is_err());
}
