//! The timesheet and payroll routes: every format (by `format=` and by `Accept`), read back by
//! independent readers, adds up to the summary of the same scope; bad parameters get the JSON
//! error.

use crate::{Backend, TestServer};
use app::{FinishedShift, NewShift, ShiftEnd};
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::money::pay_minor;
use domain::{
    Coordinates, Currency, Money, RecordedLocation, ShiftStatus, SiteId, SiteTimeZone, User,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::on_both_backends!(every_format_adds_up_to_the_summary);

const RATE: i64 = 35_000;
const PERIOD: &str = "from=2027-03-27&to=2027-03-31";

fn local(zone: &str, s: &str) -> DateTime<Utc> {
    SiteTimeZone::parse(zone)
        .unwrap()
        .instant_exact(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
        .unwrap()
}

fn finished(e: &User, site: SiteId, at: DateTime<Utc>, minutes: i64, auto: bool) -> FinishedShift {
    let loc = RecordedLocation {
        coordinates: Coordinates::new(55.7539, 37.6208).unwrap(),
        accuracy_m: Some(10.0),
        distance_m: 5.0,
    };
    FinishedShift {
        shift: NewShift {
            employee_id: e.id,
            site_id: site,
            started_at: at,
            start_location: loc,
            hourly_rate: Money::new(RATE, Currency::RUB),
            planned_shift_id: None,
        },
        end: ShiftEnd {
            status: if auto {
                ShiftStatus::AutoClosed
            } else {
                ShiftStatus::Closed
            },
            ended_at: at + chrono::Duration::minutes(minutes),
            end_location: (!auto).then_some(loc),
            worked_minutes: minutes,
            pay_minor: pay_minor(minutes, RATE),
            needs_review: auto,
        },
    }
}

/// An owner with a Berlin site and shifts around its change to summer time (28 March 2027).
async fn seeded(s: &TestServer) -> String {
    let (_, token) = s.owner(1, "Ольга Владелица").await;
    let mut body = crate::site_body("Берлинский склад");
    body["time_zone"] = json!("Europe/Berlin");
    let site = s.create_site(&token, &body).await;
    let site = SiteId(site["id"].as_i64().unwrap());
    let (ivan, _) = s.person(3, "Иван Петров").await;
    let (anna, _) = s.person(4, "Анна Ёлкина").await;
    let b = "Europe/Berlin";
    s.store
        .import_finished_shifts(&[
            finished(&ivan, site, local(b, "2027-03-27 22:00"), 600, false),
            finished(&anna, site, local(b, "2027-03-28 10:00"), 61, true),
            finished(&ivan, site, local(b, "2027-03-31 08:00"), 480, false),
            finished(&anna, site, local(b, "2027-04-01 00:30"), 7, false),
        ])
        .await
        .unwrap();
    token
}

struct Got {
    status: StatusCode,
    content_type: String,
    disposition: String,
    body: Vec<u8>,
}

async fn fetch(s: &TestServer, token: &str, path: &str, accept: Option<&str>) -> Got {
    let mut req = s.http.get(format!("{}{path}", s.base)).bearer_auth(token);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let r = req.send().await.unwrap();
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (status, content_type, disposition) = (
        r.status(),
        header("content-type"),
        header("content-disposition"),
    );
    let body = r.bytes().await.unwrap().to_vec();
    Got {
        status,
        content_type,
        disposition,
        body,
    }
}

fn minor(text: &str) -> i64 {
    let (whole, frac) = text.split_once(['.', ',']).unwrap();
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

async fn every_format_adds_up_to_the_summary(backend: Backend) {
    let s = TestServer::start(backend).await;
    let token = seeded(&s).await;
    let summary = s
        .get(&format!("/api/v1/reports/summary?{PERIOD}"), &token)
        .await
        .json;
    let totals = &summary["totals"];
    assert_eq!(totals["shifts"], 3, "{summary}");
    let (shifts, minutes) = (3i64, totals["worked_minutes"].as_i64().unwrap());
    let pay = totals["pay"][0]["minor"].as_i64().unwrap();

    // JSON (streamed): rows in start order, in Berlin's local time, the overnight one on 27th.
    let got = fetch(
        &s,
        &token,
        &format!("/api/v1/reports/timesheet?{PERIOD}"),
        None,
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.content_type, "application/json");
    let sheet: Value = serde_json::from_slice(&got.body).unwrap();
    let rows = sheet["shifts"].as_array().unwrap();
    assert_eq!(rows.len() as i64, shifts);
    assert_eq!(rows[0]["date"], "2027-03-27");
    assert_eq!(rows[0]["started_local"], "2027-03-27T22:00:00");
    assert_eq!(rows[0]["ended_local"], "2027-03-28T09:00:00");
    assert_eq!(rows[0]["site_name"], "Берлинский склад");
    assert_eq!(rows[1]["employee_name"], "Анна Ёлкина");
    assert_eq!(rows[1]["review_reason"], "auto_closed");
    let sum = |k: &str| rows.iter().map(|r| r[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(sum("worked_minutes"), minutes);
    assert_eq!(
        rows.iter()
            .map(|r| r["pay"]["minor"].as_i64().unwrap())
            .sum::<i64>(),
        pay
    );

    // CSV by Accept, with the file name of the period in both forms.
    let got = fetch(
        &s,
        &token,
        &format!("/api/v1/reports/timesheet?{PERIOD}&lang=en"),
        Some("text/csv"),
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.content_type, "text/csv; charset=utf-8");
    assert_eq!(
        got.disposition,
        "attachment; filename=\"timesheet_2027-03-27_2027-03-31.csv\"; \
         filename*=UTF-8''timesheet_2027-03-27_2027-03-31.csv"
    );
    let mut reader = csv::Reader::from_reader(got.body.as_slice());
    assert_eq!(&reader.headers().unwrap()[0], "Date");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len() as i64, shifts);
    assert_eq!(records.iter().map(|r| minor(&r[8])).sum::<i64>(), pay);

    // CSV for Excel in Russian: BOM, semicolons, decimal commas; format= wins over Accept.
    let got = fetch(
        &s,
        &token,
        &format!("/api/v1/reports/timesheet?{PERIOD}&format=csv&delimiter=%3B&bom=true&lang=ru"),
        Some("application/pdf"),
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.starts_with(b"\xEF\xBB\xBF"));
    assert!(got.disposition.contains(
        "filename*=UTF-8''%D1%82%D0%B0%D0%B1%D0%B5%D0%BB%D1%8C_2027-03-27_2027-03-31.csv"
    ));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&got.body[3..]);
    assert_eq!(&reader.headers().unwrap()[2], "Сотрудник");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&records[0][2], "Иван Петров");
    assert_eq!(records.iter().map(|r| minor(&r[8])).sum::<i64>(), pay);

    // XLSX: the timesheet and payroll sheets.
    let got = fetch(
        &s,
        &token,
        &format!("/api/v1/reports/timesheet?{PERIOD}&format=xlsx&lang=en"),
        None,
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        got.disposition
            .contains("timesheet_2027-03-27_2027-03-31.xlsx")
    );
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(got.body)).unwrap();
    assert_eq!(book.sheet_names(), vec!["Timesheet", "Payroll"]);
    let range = book.worksheet_range("Timesheet").unwrap();
    let pay_cells: f64 = range
        .rows()
        .skip(1)
        .take(shifts as usize)
        .map(|r| match &r[8] {
            calamine::Data::Float(f) => *f,
            other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!((pay_cells * 100.0).round() as i64, pay);

    // The timesheet to print, by Accept: every shift of the period, the summary's total.
    let got = fetch(
        &s,
        &token,
        &format!("/api/v1/reports/timesheet?{PERIOD}&lang=ru"),
        Some("application/pdf"),
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.content_type, "application/pdf");
    assert!(got.disposition.contains(
        "filename*=UTF-8''%D1%82%D0%B0%D0%B1%D0%B5%D0%BB%D1%8C_2027-03-27_2027-03-31.pdf"
    ));
    let text = pdf_extract::extract_text_from_mem(&got.body)
        .unwrap()
        .replace(['\u{a0}', '\n'], " ");
    let total = domain::money_text::money(domain::Language::Ru, Money::new(pay, Currency::RUB))
        .replace('\u{a0}', " ");
    for part in [
        "Табель учёта рабочего времени",
        "Иван Петров",
        "Анна Ёлкина",
        "22:00",
        "09:00 +1",
        &format!("Смен: {shifts}"),
        &total,
    ] {
        assert!(text.contains(part), "{part:?} not in {text:?}");
    }

    // The payroll: JSON totals, and the files by Accept and by format=.
    let r = s
        .get(&format!("/api/v1/reports/payroll?{PERIOD}"), &token)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json["totals"],
        json!([{"shifts": shifts, "worked_minutes": minutes, "pay": {"minor": pay, "currency": "RUB"}}])
    );
    assert_eq!(r.json["lines"].as_array().unwrap().len(), 2);
    let got = fetch(
        &s,
        &token,
        &format!("/api/v1/reports/payroll?{PERIOD}"),
        Some("application/pdf"),
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.content_type, "application/pdf");
    assert!(got.body.starts_with(b"%PDF"));
    assert!(
        got.disposition
            .contains("payroll_2027-03-27_2027-03-31.pdf")
    );
    for (format, ct) in [
        ("csv", "text/csv; charset=utf-8"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let got = fetch(
            &s,
            &token,
            &format!("/api/v1/reports/payroll?{PERIOD}&format={format}"),
            None,
        )
        .await;
        assert_eq!(
            (got.status, got.content_type.as_str()),
            (StatusCode::OK, ct)
        );
        assert!(
            got.disposition
                .contains(&format!("payroll_2027-03-27_2027-03-31.{format}"))
        );
    }
}

#[tokio::test]
async fn bad_report_parameters_get_the_json_error() {
    let s = TestServer::start(Backend::Sqlite).await;
    let token = seeded(&s).await;
    for route in ["timesheet", "payroll"] {
        let base = format!("/api/v1/reports/{route}?{PERIOD}");
        for (query, status, code, field) in [
            (
                "&format=docx",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                Some("format"),
            ),
            (
                "&format=csv&delimiter=%7C",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                Some("delimiter"),
            ),
            (
                "&format=json&bom=true",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                Some("bom"),
            ),
            (
                "&delimiter=%3B",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                Some("delimiter"),
            ),
            (
                "&lang=de",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                Some("lang"),
            ),
            (
                "&bom=maybe",
                StatusCode::BAD_REQUEST,
                "invalid_query",
                Some("bom"),
            ),
            (
                "&offset=5",
                StatusCode::BAD_REQUEST,
                "unknown_field",
                Some("offset"),
            ),
        ] {
            let r = s.get(&format!("{base}{query}"), &token).await;
            let (c, f) = r.error();
            assert_eq!(
                (r.status, c.as_str(), f.as_deref()),
                (status, code, field),
                "{route}{query}: {}",
                r.text
            );
        }
        let r = s
            .get(
                &format!("/api/v1/reports/{route}?from=2027-03-31&to=2027-03-01"),
                &token,
            )
            .await;
        r.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("to"),
        );
        let r = s
            .get(&format!("/api/v1/reports/{route}?from=2027-03-31"), &token)
            .await;
        r.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_field",
            Some("to"),
        );
        // An Accept naming nothing we make.
        let r = s
            .http
            .get(format!("{}{base}", s.base))
            .bearer_auth(&token)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_acceptable");
        // No token.
        let r = s.call(reqwest::Method::GET, &base, None, None).await;
        r.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    }
}
