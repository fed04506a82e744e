//! Owners never see or touch each other's data: every route, called by a second owner with the
//! first owner's ids, answers 404 (or an empty list) and changes nothing.

use crate::{Backend, TestServer, future_date, site_body};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

crate::on_both_backends!(
    another_owner_gets_404_everywhere,
    another_owners_employee_ids_answer_like_unknown_ids
);

async fn another_owner_gets_404_everywhere(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, alice) = s.owner(1, "Alice").await;
    let (_, bob) = s.owner(2, "Bob").await;
    let (manager, manager_token) = s.person(3, "Мария").await;
    let (worker, _) = s.person(4, "Иван").await;

    // Alice's world: a site with a secret name, a manager, an employee, a plan and a shift.
    let secret = "Секретный склад 7f3a";
    let site = s.create_site(&alice, &site_body(secret)).await;
    let id = site["id"].as_i64().unwrap();
    let r = s
        .post(
            &format!("/api/v1/sites/{id}/managers"),
            &alice,
            &json!({"telegram_id": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = s
        .post(
            &format!("/api/v1/sites/{id}/employees"),
            &alice,
            &json!({"telegram_id": 4}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let date = future_date(2);
    let r = s
        .post(
            "/api/v1/planned-shifts",
            &alice,
            &json!({"employee_id": worker.id.0, "site_id": id, "date": date,
                    "start": "10:00", "end": "18:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let plan_id = r.json["id"].as_i64().unwrap();
    let shift_id = s.open_shift_at(&worker, &site).await.id.0;
    let r = s
        .post(
            "/api/v1/broadcasts",
            &alice,
            &json!({"site_id": id, "text": "Секрет Алисы для сотрудников"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let broadcast_id = r.json["id"].as_i64().unwrap();

    let before = snapshot(&s, &alice, id).await;

    let (m, w) = (manager.id.0, worker.id.0);
    let patch = json!({"name": "Bob's now", "active": false});
    let plan = json!({"employee_id": w, "site_id": id, "date": future_date(5),
                      "start": "10:00", "end": "18:00"});
    let not_found: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/sites/{id}"), None),
        (Method::PATCH, format!("/api/v1/sites/{id}"), Some(patch)),
        (Method::POST, format!("/api/v1/sites/{id}/deactivate"), None),
        (Method::POST, format!("/api/v1/sites/{id}/activate"), None),
        (
            Method::POST,
            format!("/api/v1/sites/{id}/managers"),
            Some(json!({"telegram_id": 2})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/sites/{id}/managers/{m}"),
            None,
        ),
        (Method::GET, format!("/api/v1/employees?site_id={id}"), None),
        (
            Method::POST,
            format!("/api/v1/sites/{id}/employees"),
            Some(json!({"telegram_id": 4})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/sites/{id}/employees/{w}"),
            None,
        ),
        (Method::GET, format!("/api/v1/shifts?site_id={id}"), None),
        (
            Method::GET,
            format!("/api/v1/planned-shifts?site_id={id}"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/planned-shifts".to_owned(),
            Some(plan),
        ),
        (
            Method::POST,
            format!("/api/v1/planned-shifts/{plan_id}/cancel"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/summary?from=2026-11-01&to=2026-12-31&site_id={id}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/timesheet?from=2026-11-01&to=2026-12-31&site_id={id}"),
            None,
        ),
        (
            Method::GET,
            format!(
                "/api/v1/reports/timesheet?from=2026-11-01&to=2026-12-31&site_id={id}&format=csv"
            ),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/payroll?from=2026-11-01&to=2026-12-31&site_id={id}"),
            None,
        ),
        (
            Method::GET,
            format!(
                "/api/v1/reports/payroll?from=2026-11-01&to=2026-12-31&site_id={id}&format=pdf"
            ),
            None,
        ),
        (Method::GET, format!("/api/v1/shifts/{shift_id}"), None),
        (
            Method::POST,
            format!("/api/v1/shifts/{shift_id}/close"),
            Some(json!({"ended_at": "2026-11-01T00:00:00Z"})),
        ),
        (
            Method::GET,
            format!("/api/v1/broadcasts/{broadcast_id}"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/broadcasts".to_owned(),
            Some(json!({"site_id": id, "text": "Bob's"})),
        ),
    ];
    for (method, path, body) in &not_found {
        let r = s
            .call(method.clone(), path, Some(&bob), body.as_ref())
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            r.text
        );
        r.error();
        assert!(
            !r.text.contains(secret),
            "{method} {path} leaked: {}",
            r.text
        );
    }

    // Listings answer, but with none of Alice's data.
    let empty_lists = [
        "/api/v1/sites".to_owned(),
        "/api/v1/employees".to_owned(),
        "/api/v1/shifts".to_owned(),
        "/api/v1/shifts?status=active".to_owned(),
        format!("/api/v1/shifts?employee_id={w}"),
        "/api/v1/planned-shifts".to_owned(),
        format!("/api/v1/planned-shifts?employee_id={w}"),
    ];
    for path in &empty_lists {
        let r = s.get(path, &bob).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert_eq!(r.json, json!([]), "{path}");
    }
    // Bob's own timesheet and payroll hold nothing of Alice's.
    for path in [
        "/api/v1/reports/timesheet?from=2026-11-01&to=2026-12-31",
        "/api/v1/reports/timesheet?from=2026-11-01&to=2026-12-31&format=csv",
        "/api/v1/reports/payroll?from=2026-11-01&to=2026-12-31",
    ] {
        let r = s.get(path, &bob).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert!(!r.text.contains(secret), "{path} leaked: {}", r.text);
        assert!(!r.text.contains("Иван"), "{path} leaked: {}", r.text);
    }
    let r = s
        .get(
            "/api/v1/reports/summary?from=2026-11-01&to=2026-12-31",
            &bob,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json["totals"],
        json!({"shifts": 0, "worked_minutes": 0, "pay": []})
    );
    assert_eq!(r.json["sites"], json!([]));
    assert!(!r.text.contains(secret));

    // Alice's world is exactly as it was.
    // A manager of the site may not hand out the manager role.
    for (method, path, body) in [
        (
            Method::POST,
            format!("/api/v1/sites/{id}/managers"),
            Some(json!({"telegram_id": 4})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/sites/{id}/managers/{m}"),
            None,
        ),
    ] {
        let r = s
            .call(method.clone(), &path, Some(&manager_token), body.as_ref())
            .await;
        r.assert_error(StatusCode::FORBIDDEN, "forbidden", None);
    }

    // Every documented operation was walked above (probes aside): a new route must be added
    // here before this test passes again.
    let mut walked: BTreeSet<(String, String)> = not_found
        .iter()
        .map(|(method, path, _)| {
            (
                method.as_str().to_lowercase(),
                template(path, id, m, w, plan_id, shift_id),
            )
        })
        .collect();
    walked.extend(
        [
            "/api/v1/sites",
            "/api/v1/employees",
            "/api/v1/shifts",
            "/api/v1/planned-shifts",
        ]
        .map(|p| ("get".to_owned(), p.to_owned())),
    );
    let doc = s.call(Method::GET, "/openapi.json", None, None).await.json;
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, _)| path.starts_with("/api/"))
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let mut missing: Vec<_> = documented.difference(&walked).collect();
    // Creating a site has no other owner's id to aim at; it is covered by only_owners_create_sites.
    missing.retain(|(m, p)| !(m == "post" && p == "/api/v1/sites"));
    assert!(missing.is_empty(), "not walked: {missing:?}");

    assert_eq!(snapshot(&s, &alice, id).await, before);
}

/// The documented path of a concrete one.
fn template(path: &str, site: i64, manager: i64, worker: i64, plan: i64, shift: i64) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<String> = path
        .split('/')
        .enumerate()
        .map(|(i, seg)| {
            let prev = path.split('/').nth(i.wrapping_sub(1)).unwrap_or("");
            match (prev, seg.parse::<i64>()) {
                ("sites", Ok(v)) if v == site => "{id}".to_owned(),
                ("planned-shifts", Ok(v)) if v == plan => "{id}".to_owned(),
                ("shifts", Ok(v)) if v == shift => "{id}".to_owned(),
                ("broadcasts", Ok(_)) => "{id}".to_owned(),
                ("managers", Ok(v)) if v == manager => "{user_id}".to_owned(),
                ("employees", Ok(v)) if v == worker => "{user_id}".to_owned(),
                _ => seg.to_owned(),
            }
        })
        .collect();
    segments.join("/")
}

/// Everything Alice can see about her site.
async fn snapshot(s: &TestServer, token: &str, id: i64) -> Value {
    let mut all = serde_json::Map::new();
    for path in [
        format!("/api/v1/sites/{id}"),
        "/api/v1/employees".to_owned(),
        "/api/v1/shifts".to_owned(),
        "/api/v1/planned-shifts".to_owned(),
    ] {
        let r = s.get(&path, token).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        all.insert(path, r.json);
    }
    Value::Object(all)
}

/// Bob, aiming at Alice's employee (and manager, and Alice herself) from his own site, gets
/// exactly the answer an id nobody has gets, on every route that takes a person's id.
async fn another_owners_employee_ids_answer_like_unknown_ids(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (alice_user, alice) = s.owner(1, "Alice").await;
    let (_, bob) = s.owner(2, "Bob").await;
    let (manager, _) = s.person(3, "Мария").await;
    let (worker, _) = s.person(4, "Иван").await;
    let site = s.create_site(&alice, &site_body("Склад Алисы")).await;
    let id = site["id"].as_i64().unwrap();
    for (path, tg) in [("managers", 3), ("employees", 4)] {
        let r = s
            .post(
                &format!("/api/v1/sites/{id}/{path}"),
                &alice,
                &json!({"telegram_id": tg}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    s.open_shift_at(&worker, &site).await;
    let bobs = s.create_site(&bob, &site_body("Склад Боба")).await;
    let b = bobs["id"].as_i64().unwrap();
    let date = future_date(2);

    let routes: Vec<(Method, String, Option<String>)> = vec![
        (Method::GET, "/api/v1/shifts?employee_id={emp}".into(), None),
        (
            Method::GET,
            "/api/v1/planned-shifts?employee_id={emp}".into(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/reports/summary?from=2026-11-01&to=2026-12-31&employee_id={emp}".into(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/reports/timesheet?from=2026-11-01&to=2026-12-31&employee_id={emp}".into(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/reports/payroll?from=2026-11-01&to=2026-12-31&employee_id={emp}".into(),
            None,
        ),
        (
            Method::POST,
            "/api/v1/planned-shifts".into(),
            Some(format!(
                r#"{{"employee_id": {{emp}}, "site_id": {b}, "date": "{date}", "start": "10:00", "end": "18:00"}}"#
            )),
        ),
        (
            Method::DELETE,
            format!("/api/v1/sites/{b}/employees/{{emp}}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/sites/{b}/managers/{{emp}}"),
            None,
        ),
    ];
    let unknown = worker.id.0 + 1_000_000;
    for (method, path, body) in &routes {
        let call = |emp: i64| {
            let path = path.replace("{emp}", &emp.to_string());
            let body: Option<Value> = body
                .as_ref()
                .map(|b| serde_json::from_str(&b.replace("{emp}", &emp.to_string())).unwrap());
            let method = method.clone();
            let s = &s;
            let bob = &bob;
            async move {
                let r = s.call(method, &path, Some(bob), body.as_ref()).await;
                (r.status, r.text)
            }
        };
        let expected = call(unknown).await;
        for known in [worker.id.0, manager.id.0, alice_user.id.0] {
            assert_eq!(call(known).await, expected, "{method} {path} with {known}");
        }
    }

    // Every documented operation that takes a person's id is in the list above.
    let doc = s.call(Method::GET, "/openapi.json", None, None).await.json;
    let mut takes_person: BTreeSet<(String, String)> = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (m, op) in ops.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let by_param = params
                .iter()
                .any(|p| p["name"] == "employee_id" || p["name"] == "user_id");
            let by_body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .and_then(|r| r.rsplit('/').next())
                .is_some_and(|name| {
                    doc["components"]["schemas"][name]["properties"]
                        .get("employee_id")
                        .is_some()
                });
            if by_param || by_body {
                takes_person.insert((m.clone(), path.clone()));
            }
        }
    }
    let walked: BTreeSet<(String, String)> = routes
        .iter()
        .map(|(m, p, _)| {
            let p = p.split('?').next().unwrap_or(p);
            let p = p
                .replace(&format!("/sites/{b}/"), "/sites/{id}/")
                .replace("{emp}", "{user_id}");
            (m.as_str().to_lowercase(), p)
        })
        .collect();
    let missing: Vec<_> = takes_person.difference(&walked).collect();
    assert!(missing.is_empty(), "not checked: {missing:?}");
}
