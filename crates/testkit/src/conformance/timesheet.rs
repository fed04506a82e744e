//! Conformance cases for the timesheet: the store's pages of finished shifts (every one once, in
//! start order, after a cursor, ties by id), and the timesheet, payroll and hours per day read
//! through `StaffPro` agreeing with the summary for the same scope, days in each site's zone
//! across a DST change, an overnight shift on the day it started.

use super::*;
use app::reports::{ReportFilter, TimesheetLine};

const BERLIN: &str = "Europe/Berlin";

/// Every page of `finished_shifts_page` from the start, `size` at a time.
async fn all_pages(
    store: &Arc<dyn Store>,
    ranges: &[SiteRange],
    employee: Option<UserId>,
    size: u32,
) -> Vec<Shift> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .finished_shifts_page(ranges, employee, after, size)
            .await
            .unwrap();
        assert!(page.len() <= size as usize);
        let Some(last) = page.last() else { break };
        after = Some(Cursor::new(last.started_at, last.id.0));
        let full = page.len() == size as usize;
        all.extend(page);
        if !full {
            break;
        }
    }
    all
}

pub async fn finished_shift_pages_give_every_shift_once_in_start_order(store: Arc<dyn Store>) {
    let b = base(&store).await;
    use ShiftStatus::{AutoClosed, Closed};
    let t = |s: &str| utc(s);
    // Two shifts of different people start at the same instant on each of s1 and s2: ties go
    // by id. Shifts out of the ranges, of another owner's site and a running one stay out.
    let batch = vec![
        finished(b.e1.id, b.s1.id, t("2026-12-01 08:00"), 60, Closed),
        finished(b.e2.id, b.s1.id, t("2026-12-01 08:00"), 90, AutoClosed),
        finished(b.e1.id, b.s2.id, t("2026-12-01 07:00"), 30, Closed),
        finished(b.e2.id, b.s2.id, t("2026-12-01 08:00"), 45, Closed),
        finished(b.e1.id, b.s1.id, t("2026-12-02 08:00"), 120, Closed),
        finished(b.e1.id, b.s2.id, t("2026-12-03 23:59"), 10, Closed),
        // Out: before s1's range, at s2's range end, another owner's site.
        finished(b.e1.id, b.s1.id, t("2026-11-30 23:59"), 5, Closed),
        finished(b.e1.id, b.s2.id, t("2026-12-04 00:00"), 5, Closed),
        finished(b.e1.id, b.s3.id, t("2026-12-02 09:00"), 5, Closed),
    ];
    assert_eq!(store.import_finished_shifts(&batch).await.unwrap(), 9);
    store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, t("2026-12-02 10:00")))
        .await
        .unwrap();
    let ranges = [
        SiteRange {
            site_id: b.s1.id,
            from: t("2026-12-01 00:00"),
            to: t("2026-12-03 00:00"),
        },
        SiteRange {
            site_id: b.s2.id,
            from: t("2026-12-01 00:00"),
            to: t("2026-12-04 00:00"),
        },
    ];
    let listed = store
        .list_shifts(&ShiftFilter {
            limit: 500,
            ..shift_filter(vec![b.s1.id, b.s2.id, b.s3.id])
        })
        .await
        .unwrap();
    let mut expected: Vec<Shift> = listed
        .into_iter()
        .filter(|s| s.status != ShiftStatus::Active && s.worked_minutes != Some(5))
        .collect();
    expected.sort_by_key(|s| (s.started_at, s.id));
    assert_eq!(expected.len(), 6);

    for size in [1, 2, 4, 6, 100] {
        let got = all_pages(&store, &ranges, None, size).await;
        assert_eq!(got, expected, "pages of {size}");
    }
    // The rows are whole shifts, as `shift` reads them.
    let first = &expected[0];
    assert_eq!(
        store.shift(first.id).await.unwrap().as_ref(),
        Some(first),
        "{first:?}"
    );
    // One employee.
    let of_e2: Vec<Shift> = expected
        .iter()
        .filter(|s| s.employee_id == b.e2.id)
        .cloned()
        .collect();
    assert_eq!(of_e2.len(), 2);
    assert_eq!(all_pages(&store, &ranges, Some(b.e2.id), 1).await, of_e2);
    // Nothing to read.
    assert!(
        store
            .finished_shifts_page(&[], None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .finished_shifts_page(&ranges, None, None, 0)
            .await
            .unwrap()
            .is_empty()
    );
    let last = expected.last().unwrap();
    assert!(
        store
            .finished_shifts_page(
                &ranges,
                None,
                Some(Cursor::new(last.started_at, last.id.0)),
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
}

/// Reads a whole timesheet, `page` shifts at a time.
async fn timesheet_lines(
    w: &World,
    actor: &User,
    from: &str,
    to: &str,
    filter: ReportFilter,
    page: u32,
) -> Vec<TimesheetLine> {
    let mut sheet = w
        .app
        .timesheet(actor, date(from), date(to), filter)
        .await
        .unwrap()
        .page_size(page);
    let mut lines = Vec::new();
    while let Some(p) = sheet.next_page().await.unwrap() {
        assert!(p.len() <= page as usize);
        lines.extend(p);
    }
    lines
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

pub async fn timesheet_and_payroll_agree_with_the_summary(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2027-04-02 12:00")).await;
    let berlin = w
        .app
        .create_site(
            &w.owner,
            site_patch("Берлинский склад", BERLIN, "00:00", "00:00"),
        )
        .await
        .unwrap();
    let anna = w.hire(2002, "Анна Морская", w.site.id).await;
    let (ivan, msk) = (&w.employee, &w.site);
    use ShiftStatus::{AutoClosed, Closed};
    let f = |e: &User, s: &Site, zone: &str, at: &str, minutes: i64, st: ShiftStatus| {
        finished(e.id, s.id, local(zone, at), minutes, st)
    };
    // Berlin leaves CET for CEST at 02:00 on 28 March 2027.
    let batch = vec![
        // Overnight across the change: 22:00 CET + 10 h = 09:00 CEST; on its start day.
        f(ivan, &berlin, BERLIN, "2027-03-27 22:00", 600, Closed),
        f(&anna, &berlin, BERLIN, "2027-03-28 10:00", 61, AutoClosed),
        f(ivan, msk, MSK, "2027-03-29 09:00", 480, Closed),
        f(&anna, msk, MSK, "2027-03-31 23:30", 45, Closed),
        // Out of the period in each zone.
        f(ivan, &berlin, BERLIN, "2027-03-26 23:59", 7, Closed),
        f(ivan, &berlin, BERLIN, "2027-04-01 00:30", 7, Closed),
        f(&anna, msk, MSK, "2027-04-01 00:00", 7, Closed),
    ];
    w.store.import_finished_shifts(&batch).await.unwrap();
    let (from, to) = ("2027-03-27", "2027-03-31");
    let all = ReportFilter::default();

    let lines = timesheet_lines(&w, &w.owner, from, to, all, 2).await;
    let seen: Vec<(NaiveDate, &str, &str, NaiveDateTime, NaiveDateTime, i64)> = lines
        .iter()
        .map(|l| {
            (
                l.date,
                &*l.site_name,
                &*l.employee_name,
                l.started,
                l.ended,
                l.worked_minutes,
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                date("2027-03-27"),
                "Берлинский склад",
                "Иван Петров",
                dt("2027-03-27 22:00"),
                dt("2027-03-28 09:00"),
                600
            ),
            (
                date("2027-03-28"),
                "Берлинский склад",
                "Анна Морская",
                dt("2027-03-28 10:00"),
                dt("2027-03-28 11:01"),
                61
            ),
            (
                date("2027-03-29"),
                "Склад №1",
                "Иван Петров",
                dt("2027-03-29 09:00"),
                dt("2027-03-29 17:00"),
                480
            ),
            (
                date("2027-03-31"),
                "Склад №1",
                "Анна Морская",
                dt("2027-03-31 23:30"),
                dt("2027-04-01 00:15"),
                45
            ),
        ]
    );
    let rub = |minor: i64| Money::new(minor, Currency::RUB);
    assert_eq!(lines[0].rate, rub(RATE));
    assert_eq!(lines[0].pay, rub(pay_minor(600, RATE)));
    assert!(!lines[0].auto_closed && !lines[0].needs_review());
    assert!(lines[1].auto_closed);
    assert_eq!(
        lines[1].review_reason,
        Some(domain::ReviewReason::AutoClosed)
    );

    // Every figure equals the summary's, whichever page size.
    let summary = w
        .app
        .summary_filtered(&w.owner, date(from), date(to), all)
        .await
        .unwrap();
    for page in [1, 3, 1000] {
        assert_eq!(
            timesheet_lines(&w, &w.owner, from, to, all, page).await,
            lines
        );
    }
    assert_eq!(lines.len() as i64, summary.shifts);
    assert_eq!(
        lines.iter().map(|l| l.worked_minutes).sum::<i64>(),
        summary.worked_minutes
    );
    assert_eq!(
        vec![rub(lines.iter().map(|l| l.pay.minor).sum())],
        summary.pay
    );
    let payroll = w
        .app
        .payroll(&w.owner, date(from), date(to), all)
        .await
        .unwrap();
    assert_eq!(payroll.pay(), summary.pay);
    assert_eq!(
        (payroll.shifts, payroll.worked_minutes),
        (summary.shifts, summary.worked_minutes)
    );
    assert_eq!(payroll.prepared_for, w.owner.name.as_str());
    // Per employee: the payroll's lines add up to the summary's employees.
    for e in &summary.employees {
        let mine: Vec<_> = payroll
            .lines
            .iter()
            .filter(|l| l.employee_id == e.employee_id)
            .collect();
        assert_eq!(mine.iter().map(|l| l.shifts).sum::<i64>(), e.shifts);
        assert_eq!(
            mine.iter().map(|l| l.worked_minutes).sum::<i64>(),
            e.worked_minutes
        );
        assert_eq!(vec![rub(mine.iter().map(|l| l.pay.minor).sum())], e.pay);
        assert!(mine.iter().all(|l| l.employee_name == e.name));
    }
    // One line per employee and site, by name: Anna at both sites, then Ivan at both.
    let order: Vec<(&str, &str)> = payroll
        .lines
        .iter()
        .map(|l| (l.employee_name.as_str(), l.site_name.as_str()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("Анна Морская", "Берлинский склад"),
            ("Анна Морская", "Склад №1"),
            ("Иван Петров", "Берлинский склад"),
            ("Иван Петров", "Склад №1"),
        ]
    );
    // Hours per day: every date of the period, each shift on its start day.
    let days = w
        .app
        .hours_per_day(&w.owner, date(from), date(to), all)
        .await
        .unwrap();
    let per_day: Vec<(NaiveDate, i64)> = days.iter().map(|d| (d.date, d.worked_minutes)).collect();
    assert_eq!(
        per_day,
        vec![
            (date("2027-03-27"), 600),
            (date("2027-03-28"), 61),
            (date("2027-03-29"), 480),
            (date("2027-03-30"), 0),
            (date("2027-03-31"), 45),
        ]
    );

    // The filters narrow all of them alike.
    let only_anna = ReportFilter {
        site_id: None,
        employee_id: Some(anna.id),
    };
    let anna_lines = timesheet_lines(&w, &w.owner, from, to, only_anna, 1).await;
    assert_eq!(anna_lines.len(), 2);
    assert!(anna_lines.iter().all(|l| l.employee_id == anna.id));
    let only_berlin = ReportFilter {
        site_id: Some(berlin.id),
        employee_id: None,
    };
    let berlin_lines = timesheet_lines(&w, &w.owner, from, to, only_berlin, 10).await;
    assert_eq!(berlin_lines, lines[..2].to_vec());
    let berlin_pay = w
        .app
        .payroll(&w.owner, date(from), date(to), only_berlin)
        .await
        .unwrap();
    assert_eq!(
        berlin_pay.pay(),
        w.app
            .summary_filtered(&w.owner, date(from), date(to), only_berlin)
            .await
            .unwrap()
            .pay
    );

    // Someone else's site is not found; the period rules are the summary's.
    let stranger = person(&w.store, 9001, "Пётр Другой").await;
    assert!(matches!(
        w.app
            .timesheet(&stranger, date(from), date(to), only_berlin)
            .await,
        Err(AppError::NotFound("site"))
    ));
    assert!(matches!(
        w.app
            .payroll(&stranger, date(from), date(to), only_berlin)
            .await,
        Err(AppError::NotFound("site"))
    ));
    assert!(
        timesheet_lines(&w, &stranger, from, to, all, 10)
            .await
            .is_empty()
    );
    assert!(matches!(
        w.app
            .timesheet(&w.owner, date("2026-01-01"), date("2027-03-31"), all)
            .await,
        Err(AppError::BadRequest { field: "to", .. })
    ));
    assert!(matches!(
        w.app.payroll(&w.owner, date(to), date(from), all).await,
        Err(AppError::BadRequest { field: "to", .. })
    ));
}
