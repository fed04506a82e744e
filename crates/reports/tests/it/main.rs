//! The report files parsed back by independent readers (calamine for XLSX, lopdf for PDF text,
//! the csv crate), from the use-cases' data on a real SQLite store: every figure equals the
//! summary report's for the same scope, Cyrillic names come back intact, local dates are in each
//! site's zone across a DST change, and an overnight shift sits on its start day.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod csv_files;
mod pdf_files;
mod xlsx_files;

use app::clock::SetClock;
use app::reports::{Payroll, ReportFilter, Summary, TimesheetLine};
use app::{FinishedShift, NewShift, NoEvents, Policy, ShiftEnd, StaffPro, Store};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use domain::money::pay_minor;
use domain::{
    Coordinates, Currency, Language, Money, RecordedLocation, ShiftStatus, Site, SitePatch,
    SiteTimeZone, User,
};
use std::sync::Arc;

pub const BERLIN: &str = "Europe/Berlin";
pub const MSK: &str = "Europe/Moscow";
pub const RATE: i64 = 35_000;

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn local(zone: &str, s: &str) -> DateTime<Utc> {
    SiteTimeZone::parse(zone)
        .unwrap()
        .instant_exact(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
        .unwrap()
}

/// An owner with two sites (Moscow and Berlin) and two employees with Cyrillic names; shifts
/// around Berlin's change to summer time (02:00 on 28 March 2027).
pub struct World {
    pub app: StaffPro,
    pub owner: User,
    pub berlin: Site,
    pub msk: Site,
    _dir: tempfile::TempDir,
}

pub const FROM: &str = "2027-03-27";
pub const TO: &str = "2027-03-31";

fn patch(name: &str, zone: &str) -> SitePatch {
    SitePatch {
        name: Some(name.into()),
        address: Some("ул. Тверская, д. 1".into()),
        latitude: Some(55.75),
        longitude: Some(37.62),
        geofence_radius_m: Some(100),
        opens_at: Some("00:00".into()),
        closes_at: Some("00:00".into()),
        time_zone: Some(zone.into()),
        hourly_rate_minor: Some(RATE),
        currency: Some("RUB".into()),
    }
}

fn finished(e: &User, s: &Site, at: DateTime<Utc>, minutes: i64, auto: bool) -> FinishedShift {
    let loc = RecordedLocation {
        coordinates: Coordinates::new(55.75, 37.62).unwrap(),
        accuracy_m: Some(10.0),
        distance_m: 5.0,
    };
    FinishedShift {
        shift: NewShift {
            employee_id: e.id,
            site_id: s.id,
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

impl World {
    pub async fn new() -> World {
        Self::with_extra_employees(0).await
    }

    /// The world, plus `extra` employees with one shift each at the Moscow site (big files).
    pub async fn with_extra_employees(extra: usize) -> World {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let store = store_sqlite::SqliteStore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        let clock = Arc::new(SetClock::new(local(MSK, "2027-04-02 12:00")));
        let app = StaffPro::new(store.clone(), clock, Arc::new(NoEvents), Policy::default());
        let owner = app
            .add_owner(1001, "Ольга Владелица", Language::Ru)
            .await
            .unwrap();
        let msk = app
            .create_site(&owner, patch("Склад «Север» №1", MSK))
            .await
            .unwrap();
        let berlin = app
            .create_site(&owner, patch("Берлинский склад", BERLIN))
            .await
            .unwrap();
        let ivan = app
            .register_user(2001, "Иван Петров", Language::Ru)
            .await
            .unwrap();
        let anna = app
            .register_user(2002, "Анна Ёлкина-Щукина", Language::Ru)
            .await
            .unwrap();
        let mut batch = vec![
            // Overnight across the change: 22:00 CET + 10 h = 09:00 CEST, on its start day.
            finished(
                &ivan,
                &berlin,
                local(BERLIN, "2027-03-27 22:00"),
                600,
                false,
            ),
            finished(&anna, &berlin, local(BERLIN, "2027-03-28 10:00"), 61, true),
            finished(&ivan, &msk, local(MSK, "2027-03-29 09:00"), 480, false),
            finished(&anna, &msk, local(MSK, "2027-03-31 23:30"), 45, false),
            // Out of the period in each zone.
            finished(&ivan, &berlin, local(BERLIN, "2027-03-26 23:59"), 7, false),
            finished(&anna, &msk, local(MSK, "2027-04-01 00:00"), 7, false),
        ];
        for i in 0..extra {
            let e = app
                .register_user(3000 + i as i64, &format!("Сотрудник {i:04}"), Language::Ru)
                .await
                .unwrap();
            batch.push(finished(
                &e,
                &msk,
                local(MSK, "2027-03-30 08:00") + chrono::Duration::minutes(i as i64),
                60 + i as i64,
                false,
            ));
        }
        store.import_finished_shifts(&batch).await.unwrap();
        World {
            app,
            owner,
            berlin,
            msk,
            _dir: dir,
        }
    }

    pub async fn summary(&self) -> Summary {
        self.app
            .summary_filtered(&self.owner, date(FROM), date(TO), ReportFilter::default())
            .await
            .unwrap()
    }

    pub async fn payroll(&self) -> Payroll {
        self.app
            .payroll(&self.owner, date(FROM), date(TO), ReportFilter::default())
            .await
            .unwrap()
    }

    /// The timesheet's pages (of 2 rows, so several pages are fed).
    pub async fn pages(&self) -> Vec<Vec<TimesheetLine>> {
        let mut sheet = self
            .app
            .timesheet(&self.owner, date(FROM), date(TO), ReportFilter::default())
            .await
            .unwrap()
            .page_size(2);
        let mut pages = Vec::new();
        while let Some(p) = sheet.next_page().await.unwrap() {
            pages.push(p);
        }
        pages
    }
}

/// The summary's one RUB amount, in minor units.
pub fn rub_minor(s: &Summary) -> i64 {
    assert_eq!(s.pay.len(), 1, "{:?}", s.pay);
    assert_eq!(s.pay[0].currency, Currency::RUB);
    s.pay[0].minor
}

#[tokio::test]
async fn the_chart_is_a_png_of_the_period() {
    let w = World::new().await;
    let days = w
        .app
        .hours_per_day(&w.owner, date(FROM), date(TO), ReportFilter::default())
        .await
        .unwrap();
    assert_eq!(days.len(), 5);
    let png = reports::hours_chart_png(Language::Ru, date(FROM), date(TO), &days).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(&png));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!(
        (info.width, info.height),
        (reports::chart::WIDTH, reports::chart::HEIGHT)
    );
    // Not a blank picture: the bars and texts are drawn.
    assert!(png.len() > 5_000, "{} bytes", png.len());
    let empty = reports::hours_chart_png(Language::En, date(FROM), date(FROM), &[]).unwrap();
    assert!(!empty.is_empty());
}
