//! XLSX parsed back with calamine.

use crate::*;
use calamine::{Data, Reader, Xlsx};
use reports::TimesheetXlsx;

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        // Durations ([h]:mm) come back as date-time values: days.
        Data::DateTime(x) => x.as_f64(),
        other => panic!("not a number: {other:?}"),
    }
}

fn datetime(d: &Data) -> NaiveDateTime {
    match d {
        Data::DateTime(x) => x.as_datetime().unwrap(),
        other => panic!("not a date: {other:?}"),
    }
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not a text: {other:?}"),
    }
}

fn minor(f: f64) -> i64 {
    (f * 100.0).round() as i64
}

#[tokio::test]
async fn timesheet_workbook_reads_back_with_the_summarys_figures() {
    let w = World::new().await;
    let mut book = TimesheetXlsx::new(Language::Ru, date(FROM), date(TO)).unwrap();
    for page in w.pages().await {
        book.push(&page).unwrap();
    }
    assert_eq!(book.rows(), 4);
    let p = w.payroll().await;
    let bytes = book.finish(&p).unwrap();

    let mut x: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(x.sheet_names(), vec!["Табель", "Ведомость"]);
    let sheet = x.worksheet_range("Табель").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(text(&rows[0][0]), "Дата");
    assert_eq!(text(&rows[0][2]), "Сотрудник");
    let s = w.summary().await;
    let data = &rows[1..1 + s.shifts as usize];
    // Real dates in the site's zone; the overnight shift on its start day.
    assert_eq!(datetime(&data[0][0]).date(), date("2027-03-27"));
    assert_eq!(text(&data[0][1]), "Берлинский склад");
    assert_eq!(text(&data[0][2]), "Иван Петров");
    assert_eq!(
        datetime(&data[0][3]),
        NaiveDateTime::parse_from_str("2027-03-27 22:00", "%Y-%m-%d %H:%M").unwrap()
    );
    assert_eq!(
        datetime(&data[0][4]),
        NaiveDateTime::parse_from_str("2027-03-28 09:00", "%Y-%m-%d %H:%M").unwrap()
    );
    assert_eq!(text(&data[1][2]), "Анна Ёлкина-Щукина");
    assert!(text(&data[1][10]).contains("закрыта автоматически"));
    // Worked time as a duration (days) and as hours, and pay, add up to the summary.
    let minutes: f64 = data.iter().map(|r| num(&r[5]) * 1440.0).sum();
    assert_eq!(minutes.round() as i64, s.worked_minutes);
    let hours: f64 = data.iter().map(|r| num(&r[6])).sum();
    assert_eq!((hours * 60.0).round() as i64, s.worked_minutes);
    let pay: i64 = data.iter().map(|r| minor(num(&r[8]))).sum();
    assert_eq!(pay, rub_minor(&s));
    assert!(data.iter().all(|r| text(&r[9]) == "RUB"));
    // The totals row under the data: formulas whose results are the summary's.
    let total = rows
        .iter()
        .find(|r| matches!(&r[0], Data::String(t) if t == "Итого, RUB"))
        .expect("a totals row");
    assert_eq!(minor(num(&total[8])), rub_minor(&s));
    assert_eq!((num(&total[6]) * 60.0).round() as i64, s.worked_minutes);
    let formulas = x.worksheet_formula("Табель").unwrap();
    assert!(
        formulas
            .rows()
            .flatten()
            .any(|f| f.starts_with("SUMIFS(I2:I5,J2:J5,\"RUB\")")),
        "{formulas:?}"
    );

    // The payroll sheet: per employee and site, and the totals.
    let sheet = x.worksheet_range("Ведомость").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(text(&rows[0][0]), "Сотрудник");
    let lines = &rows[1..1 + p.lines.len()];
    assert_eq!(text(&lines[0][0]), "Анна Ёлкина-Щукина");
    let pay: i64 = lines.iter().map(|r| minor(num(&r[5]))).sum();
    assert_eq!(pay, rub_minor(&s));
    let shifts: f64 = lines.iter().map(|r| num(&r[2])).sum();
    assert_eq!(shifts as i64, s.shifts);
    let total = rows
        .iter()
        .find(|r| matches!(&r[0], Data::String(t) if t == "Итого, RUB"))
        .expect("a totals row");
    assert_eq!(minor(num(&total[5])), rub_minor(&s));
    assert_eq!(num(&total[2]) as i64, s.shifts);
}

#[tokio::test]
async fn payroll_workbook_in_english() {
    let w = World::new().await;
    let p = w.payroll().await;
    let bytes = reports::payroll_xlsx(Language::En, &p).unwrap();
    let mut x: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(x.sheet_names(), vec!["Payroll"]);
    let sheet = x.worksheet_range("Payroll").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(text(&rows[0][0]), "Employee");
    let total = rows
        .iter()
        .find(|r| matches!(&r[0], Data::String(t) if t == "Total, RUB"))
        .expect("a totals row");
    assert_eq!(minor(num(&total[5])), rub_minor(&w.summary().await));
}
