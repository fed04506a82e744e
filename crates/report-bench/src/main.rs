//! The renderers' benchmark on generated rows (no database): run one case per process under
//! `/usr/bin/time -v` to see its peak memory (BENCHMARKS.md, "Report files").
//!
//! `cargo build --release -p report-bench`, then
//! `target/release/report-bench xlsx|pdf|csv|pdf-timesheet [rows]`:
//! - `xlsx`: a timesheet workbook of 100,000 shifts (pages of 5,000) plus its payroll sheet;
//! - `pdf`: a payroll statement of 1,000 employees;
//! - `csv`: a timesheet of 1,000,000 shifts written page by page to a sink, as the API streams it;
//! - `pdf-timesheet`: a timesheet PDF of 10,000 shifts, fed page by page.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::reports::{Payroll, PayrollLine, PayrollTotal, TimesheetLine};
use chrono::{Duration, NaiveDate};
use domain::{Currency, Language, Money, ReviewReason, ShiftId, SiteId, UserId};
use reports::{CsvOptions, TimesheetCsv, TimesheetXlsx};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

const PAGE: usize = 5_000;

fn page(start: usize, len: usize, names: &[Arc<str>], sites: &[Arc<str>]) -> Vec<TimesheetLine> {
    let day0 = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    (start..start + len)
        .map(|i| {
            let date = day0 + Duration::days((i % 365) as i64);
            let started = date
                .and_hms_opt(8 + (i % 4) as u32, (i % 60) as u32, 0)
                .unwrap();
            let minutes = 240 + (i % 300) as i64;
            TimesheetLine {
                shift_id: ShiftId(i as i64 + 1),
                date,
                site_id: SiteId((i % sites.len()) as i64 + 1),
                site_name: sites[i % sites.len()].clone(),
                employee_id: UserId((i % names.len()) as i64 + 1),
                employee_name: names[i % names.len()].clone(),
                started,
                ended: started + Duration::minutes(minutes),
                worked_minutes: minutes,
                rate: Money::new(35_000, Currency::RUB),
                pay: Money::new(domain::money::pay_minor(minutes, 35_000), Currency::RUB),
                auto_closed: i % 50 == 0,
                review_reason: (i % 50 == 0).then_some(ReviewReason::AutoClosed),
            }
        })
        .collect()
}

fn payroll(employees: usize) -> Payroll {
    let lines: Vec<PayrollLine> = (0..employees)
        .map(|i| PayrollLine {
            employee_id: UserId(i as i64 + 1),
            employee_name: format!("Сотрудник Иванов-Петров {i:04}"),
            site_id: SiteId(1 + (i % 5) as i64),
            site_name: format!("Склад «Север» №{}", i % 5),
            shifts: 20,
            worked_minutes: 9_600 + i as i64,
            pay: Money::new(5_600_000 + i as i64 * 17, Currency::RUB),
        })
        .collect();
    let pay: i64 = lines.iter().map(|l| l.pay.minor).sum();
    let minutes: i64 = lines.iter().map(|l| l.worked_minutes).sum();
    Payroll {
        from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        prepared_for: "Ольга Владелица".into(),
        sites: (0..5)
            .map(|i| (SiteId(i + 1), format!("Склад «Север» №{i}")))
            .collect(),
        totals: vec![PayrollTotal {
            currency: Currency::RUB,
            shifts: 20 * employees as i64,
            worked_minutes: minutes,
            pay: Money::new(pay, Currency::RUB),
        }],
        shifts: 20 * employees as i64,
        worked_minutes: minutes,
        lines,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "xlsx".into());
    let n: Option<usize> = args.next().map(|a| a.parse().expect("a row count"));
    let names: Vec<Arc<str>> = (0..500)
        .map(|i| Arc::from(format!("Сотрудник Иванов-Петров {i:03}").as_str()))
        .collect();
    let sites: Vec<Arc<str>> = (0..10)
        .map(|i| Arc::from(format!("Склад «Север» №{i}").as_str()))
        .collect();
    let (from, to) = (
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
    );
    match case.as_str() {
        "xlsx" => {
            let rows = n.unwrap_or(100_000);
            let pay = payroll(names.len());
            let started = Instant::now();
            let mut book = TimesheetXlsx::new(Language::Ru, from, to).unwrap();
            let mut done = 0;
            while done < rows {
                let len = PAGE.min(rows - done);
                book.push(&page(done, len, &names, &sites)).unwrap();
                done += len;
            }
            let pushed = started.elapsed();
            let bytes = book.finish(&pay).unwrap();
            let took = started.elapsed();
            println!(
                "xlsx timesheet: {rows} rows in {:.3} s ({:.3} s writing rows, {:.3} s packing; \
                 {} bytes; row generation included)",
                took.as_secs_f64(),
                pushed.as_secs_f64(),
                (took - pushed).as_secs_f64(),
                bytes.len()
            );
        }
        "pdf" => {
            let employees = n.unwrap_or(1_000);
            let pay = payroll(employees);
            let started = Instant::now();
            let bytes = reports::payroll_pdf(Language::Ru, &pay).unwrap();
            let took = started.elapsed();
            println!(
                "pdf payroll: {employees} employees in {:.3} s ({} bytes)",
                took.as_secs_f64(),
                bytes.len()
            );
        }
        "csv" => {
            let rows = n.unwrap_or(1_000_000);
            let csv = TimesheetCsv::new(
                Language::Ru,
                CsvOptions {
                    delimiter: b';',
                    bom: true,
                },
            );
            let mut sink = std::io::sink();
            let mut written = 0usize;
            let started = Instant::now();
            let mut head = Vec::new();
            csv.header(&mut head).unwrap();
            sink.write_all(&head).unwrap();
            let mut done = 0;
            while done < rows {
                let len = PAGE.min(rows - done);
                let lines = page(done, len, &names, &sites);
                // As the API does: each page into a fresh buffer, handed to the connection.
                let mut buf = Vec::with_capacity(len * 160);
                csv.rows(&mut buf, &lines).unwrap();
                written += buf.len();
                sink.write_all(&buf).unwrap();
                done += len;
            }
            let took = started.elapsed();
            println!(
                "csv timesheet: {rows} rows in {:.3} s = {:.0} rows/s ({written} bytes; row generation included)",
                took.as_secs_f64(),
                rows as f64 / took.as_secs_f64()
            );
        }
        "pdf-timesheet" => {
            let rows = n.unwrap_or(10_000);
            let pay = payroll(names.len());
            let started = Instant::now();
            let mut pdf = reports::TimesheetPdf::new(Language::Ru, pay).unwrap();
            let mut done = 0;
            while done < rows {
                let len = PAGE.min(rows - done);
                pdf.push(&page(done, len, &names, &sites)).unwrap();
                done += len;
            }
            let bytes = pdf.finish().unwrap();
            let took = started.elapsed();
            println!(
                "pdf timesheet: {rows} rows in {:.3} s = {:.0} rows/s ({} bytes; row generation included)",
                took.as_secs_f64(),
                rows as f64 / took.as_secs_f64(),
                bytes.len()
            );
        }
        other => panic!("unknown case {other}: xlsx, pdf, csv or pdf-timesheet"),
    }
}
