//! Keyset paging of the listings: every row once and in order when the `Link` headers are
//! followed across sites in two time zones; bad page sizes, cursors and the retired `offset`
//! refused by name; and everyone on shift listed, however many.

use crate::{Backend, Resp, TestServer, site_body};
use app::{FinishedShift, NewPlannedShift, NewShift, NewUser, ShiftEnd, ShiftFilter};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use domain::{
    Coordinates, Currency, Language, Money, PersonName, PlannedWindow, RecordedLocation,
    ShiftStatus, SiteId, UserId,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::on_both_backends!(
    pages_over_two_zones_give_every_row_once_in_order,
    bad_page_parameters_are_refused_by_name,
    everyone_on_shift_is_listed,
);

fn utc(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .unwrap()
        .and_utc()
}

fn at_site() -> RecordedLocation {
    RecordedLocation {
        coordinates: Coordinates::new(55.7539, 37.6208).unwrap(),
        accuracy_m: Some(5.0),
        distance_m: 0.0,
    }
}

fn new_shift(employee: UserId, site: SiteId, started_at: DateTime<Utc>) -> NewShift {
    NewShift {
        employee_id: employee,
        site_id: site,
        started_at,
        start_location: at_site(),
        hourly_rate: Money::new(35_000, Currency::RUB),
        planned_shift_id: None,
    }
}

fn finished(employee: UserId, site: SiteId, started_at: DateTime<Utc>) -> FinishedShift {
    FinishedShift {
        shift: new_shift(employee, site, started_at),
        end: ShiftEnd {
            status: ShiftStatus::Closed,
            ended_at: started_at + Duration::hours(1),
            end_location: Some(at_site()),
            worked_minutes: 60,
            pay_minor: 35_000,
            needs_review: false,
        },
    }
}

/// The next page's path and query from a `Link: <…>; rel="next"` header, if any.
fn next_of(r: &Resp) -> Option<String> {
    let link = r.header("link")?;
    let target = link
        .strip_prefix('<')
        .and_then(|l| l.strip_suffix(">; rel=\"next\""))
        .unwrap_or_else(|| panic!("not a next link: {link}"));
    Some(target.to_owned())
}

/// Follows the `Link` headers from `first` to the last page; returns every row's id and how
/// many pages there were. Every page but the last is full.
async fn walk(s: &TestServer, token: &str, first: &str, limit: usize) -> (Vec<i64>, usize) {
    let mut ids = Vec::new();
    let mut next = Some(first.to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let r = s.get(&path, token).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        let rows = r.json.as_array().unwrap();
        next = next_of(&r);
        if next.is_some() {
            assert_eq!(rows.len(), limit, "{path}");
        }
        ids.extend(rows.iter().map(|x| x["id"].as_i64().unwrap()));
        pages += 1;
        assert!(pages < 100, "the listing never ended");
    }
    (ids, pages)
}

async fn pages_over_two_zones_give_every_row_once_in_order(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let msk = s.create_site(&token, &site_body("Москва")).await;
    let mut far = site_body("Владивосток");
    far["time_zone"] = json!("Asia/Vladivostok");
    let vvo = s.create_site(&token, &far).await;
    let (msk_id, vvo_id) = (
        SiteId(msk["id"].as_i64().unwrap()),
        SiteId(vvo["id"].as_i64().unwrap()),
    );
    let (ivan, _) = s.person(500, "Иван").await;

    // Nine shifts: two instants shared by both sites (ties broken by id), the rest apart.
    let mut batch = Vec::new();
    for at in ["2026-11-02 06:00", "2026-11-04 06:00"] {
        batch.push(finished(ivan.id, msk_id, utc(at)));
        batch.push(finished(ivan.id, vvo_id, utc(at)));
    }
    for (site, at) in [
        (msk_id, "2026-11-01 07:00"),
        (vvo_id, "2026-11-02 20:00"),
        (msk_id, "2026-11-03 09:00"),
        (vvo_id, "2026-11-05 01:00"),
        (msk_id, "2026-11-06 11:00"),
    ] {
        batch.push(finished(ivan.id, site, utc(at)));
    }
    assert_eq!(s.store.import_finished_shifts(&batch).await.unwrap(), 9);
    let mut expected = s
        .store
        .list_shifts(&ShiftFilter {
            site_ids: vec![msk_id, vvo_id],
            limit: 100,
            ..ShiftFilter::default()
        })
        .await
        .unwrap();
    expected.sort_by_key(|s| std::cmp::Reverse((s.started_at, s.id)));
    let expected: Vec<i64> = expected.iter().map(|x| x.id.0).collect();
    assert_eq!(expected.len(), 9);

    for (limit, pages) in [(1, 9), (2, 5), (4, 3), (9, 1), (500, 1)] {
        let first = format!("/api/v1/shifts?status=closed&limit={limit}");
        let (ids, n) = walk(&s, &token, &first, limit).await;
        assert_eq!(ids, expected, "pages of {limit}");
        assert_eq!(n, pages, "pages of {limit}");
    }
    // The link keeps the filters: Nov 2 to Nov 4 (each site's own dates) has 6 of them.
    let (ids, _) = walk(
        &s,
        &token,
        "/api/v1/shifts?from=2026-11-02&to=2026-11-04&limit=2",
        2,
    )
    .await;
    let r = s
        .get("/api/v1/shifts?from=2026-11-02&to=2026-11-04", &token)
        .await;
    let one_page: Vec<i64> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert!(next_of(&r).is_none());
    assert_eq!(ids, one_page);
    assert_eq!(ids.len(), 6, "{}", r.text);

    // Plans, earliest first, over both zones.
    let mut plans = Vec::new();
    for (i, (site, at)) in [
        (msk_id, "2026-12-01 06:00"),
        (vvo_id, "2026-12-01 06:00"),
        (vvo_id, "2026-12-01 02:00"),
        (msk_id, "2026-12-02 10:00"),
        (vvo_id, "2026-12-03 23:00"),
    ]
    .into_iter()
    .enumerate()
    {
        let who = s
            .store
            .upsert_user(&NewUser {
                telegram_id: 700 + i as i64,
                name: PersonName::new("Работник").unwrap(),
                language: Language::Ru,
            })
            .await
            .unwrap();
        let start = utc(at);
        let plan = s
            .store
            .insert_planned_shift(&NewPlannedShift {
                employee_id: who.id,
                site_id: site,
                window: PlannedWindow {
                    starts_at: start,
                    ends_at: start + Duration::hours(4),
                },
            })
            .await
            .unwrap();
        plans.push((plan.starts_at, plan.id.0));
    }
    plans.sort();
    let expected: Vec<i64> = plans.iter().map(|(_, id)| *id).collect();
    for limit in [1, 2, 5] {
        let first = format!("/api/v1/planned-shifts?limit={limit}");
        let (ids, _) = walk(&s, &token, &first, limit).await;
        assert_eq!(ids, expected, "plan pages of {limit}");
    }
}

async fn bad_page_parameters_are_refused_by_name(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    s.create_site(&token, &site_body("Кафе")).await;
    for list in ["/api/v1/shifts", "/api/v1/planned-shifts"] {
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=501", "limit"),
            ("after=abc", "after"),
            ("after=1793516400000000_0", "after"),
            ("after=%2B1793516400000000_5", "after"),
            ("after=", "after"),
            ("offset=10", "offset"),
            ("limit=10&offset=0", "offset"),
        ] {
            let r = s.get(&format!("{list}?{query}"), &token).await;
            r.assert_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                Some(field),
            );
        }
        // The largest page and a well-formed cursor past everything are fine.
        let r = s.get(&format!("{list}?limit=500"), &token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = s
            .get(&format!("{list}?after=1793516400000000_5"), &token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json, json!([]));
    }
    // The OpenAPI document says so.
    let doc = s
        .call(reqwest::Method::GET, "/openapi.json", None, None)
        .await
        .json;
    let params = &doc["paths"]["/api/v1/shifts"]["get"]["parameters"];
    let param = |name: &str| -> Value {
        params
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no parameter {name}"))
    };
    assert_eq!(param("limit")["schema"]["minimum"], json!(1));
    assert_eq!(param("limit")["schema"]["maximum"], json!(500));
    assert!(
        param("after")["description"]
            .as_str()
            .unwrap()
            .contains("Link")
    );
    assert!(
        param("offset")["description"]
            .as_str()
            .unwrap()
            .contains("refused")
    );
    assert!(
        doc["paths"]["/api/v1/shifts"]["get"]["responses"]["200"]["headers"]["Link"].is_object(),
        "{}",
        doc["paths"]["/api/v1/shifts"]["get"]["responses"]["200"]
    );
}

async fn everyone_on_shift_is_listed(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (_, token) = s.owner(1, "Owner").await;
    let site = s.create_site(&token, &site_body("Склад")).await;
    let site_id = SiteId(site["id"].as_i64().unwrap());
    let start = utc("2026-11-30 06:00");
    let mut opened = Vec::new();
    for i in 0..501i64 {
        let who = s
            .store
            .upsert_user(&NewUser {
                telegram_id: 10_000 + i,
                name: PersonName::new("Работник").unwrap(),
                language: Language::Ru,
            })
            .await
            .unwrap();
        let shift = s
            .store
            .insert_shift(&new_shift(
                who.id,
                site_id,
                start + Duration::seconds(i / 2),
            ))
            .await
            .unwrap();
        opened.push(shift.id.0);
    }
    opened.sort();
    let (mut ids, pages) = walk(&s, &token, "/api/v1/shifts?status=active&limit=500", 500).await;
    assert_eq!(pages, 2);
    assert_eq!(ids.len(), 501);
    ids.sort();
    assert_eq!(ids, opened);
}
