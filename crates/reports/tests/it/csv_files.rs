//! CSV parsed back with the csv crate.

use crate::*;
use reports::{CsvOptions, TimesheetCsv};

fn minor(text: &str) -> i64 {
    let (whole, frac) = text.split_once(['.', ',']).unwrap();
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

#[tokio::test]
async fn timesheet_csv_for_excel_has_bom_semicolons_and_the_summarys_totals() {
    let w = World::new().await;
    let options = CsvOptions {
        delimiter: b';',
        bom: true,
    };
    let csv = TimesheetCsv::new(Language::Ru, options);
    let mut out = Vec::new();
    csv.header(&mut out).unwrap();
    for page in w.pages().await {
        csv.rows(&mut out, &page).unwrap();
    }
    assert!(out.starts_with(reports::csv::BOM));
    let text = std::str::from_utf8(&out[3..]).unwrap();
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "Дата");
    assert_eq!(&header[8], "Оплата");
    let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let s = w.summary().await;
    assert_eq!(rows.len() as i64, s.shifts);
    let minutes: i64 = rows.iter().map(|r| r[5].parse::<i64>().unwrap()).sum();
    assert_eq!(minutes, s.worked_minutes);
    // A decimal comma with semicolons (Excel in Russian).
    assert!(rows[0][8].contains(','), "{:?}", &rows[0]);
    let pay: i64 = rows.iter().map(|r| minor(&r[8])).sum();
    assert_eq!(pay, rub_minor(&s));
    // The overnight shift on its start day, in Berlin's zone across the change.
    assert_eq!(&rows[0][0], "2027-03-27");
    assert_eq!(&rows[0][1], "Берлинский склад");
    assert_eq!(&rows[0][2], "Иван Петров");
    assert_eq!(&rows[0][3], "2027-03-27 22:00");
    assert_eq!(&rows[0][4], "2027-03-28 09:00");
    assert_eq!(&rows[0][6], "10:00");
    // The automatic close, flagged.
    assert_eq!(&rows[1][2], "Анна Ёлкина-Щукина");
    assert_eq!(&rows[1][10], "да");
    assert_eq!(&rows[1][11], "да");
    assert_eq!(&rows[1][12], "закрыта автоматически");
    assert_eq!(&rows[3][1], "Склад «Север» №1");
}

#[tokio::test]
async fn payroll_csv_in_english_with_commas() {
    let w = World::new().await;
    let p = w.payroll().await;
    let out = reports::payroll_csv(Vec::new(), Language::En, CsvOptions::default(), &p).unwrap();
    assert!(!out.starts_with(reports::csv::BOM));
    let mut reader = ::csv::Reader::from_reader(out.as_slice());
    assert_eq!(&reader.headers().unwrap()[0], "Employee");
    let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let s = w.summary().await;
    let (lines, totals) = rows.split_at(p.lines.len());
    assert_eq!(totals.len(), 1);
    assert_eq!(&totals[0][0], "Total, RUB");
    assert_eq!(totals[0][2].parse::<i64>().unwrap(), s.shifts);
    assert_eq!(totals[0][3].parse::<i64>().unwrap(), s.worked_minutes);
    assert_eq!(minor(&totals[0][5]), rub_minor(&s));
    let sum: i64 = lines.iter().map(|r| minor(&r[5])).sum();
    assert_eq!(sum, rub_minor(&s));
    for e in &s.employees {
        let mine: i64 = lines
            .iter()
            .filter(|r| r[0] == *e.name)
            .map(|r| minor(&r[5]))
            .sum();
        assert_eq!(mine, e.pay[0].minor, "{}", e.name);
    }
}
