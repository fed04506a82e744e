//! PDF text read back with pdf-extract (lopdf underneath; its own ToUnicode parser reads the
//! CMaps krilla writes, which lopdf's `extract_text` refuses).

use crate::*;
use domain::money_text::money;

/// The text of each page, with every kind of space as a plain one.
fn pages(pdf: &[u8]) -> Vec<String> {
    pdf_extract::extract_text_from_mem_by_pages(pdf)
        .unwrap()
        .into_iter()
        .map(|p| p.replace(['\u{a0}', '\n'], " "))
        .collect()
}

fn plain(s: &str) -> String {
    s.replace('\u{a0}', " ")
}

#[tokio::test]
async fn payroll_statement_has_cyrillic_names_totals_and_page_numbers() {
    let w = World::new().await;
    let p = w.payroll().await;
    let s = w.summary().await;
    let pdf = reports::payroll_pdf(Language::Ru, &p).unwrap();
    let texts = pages(&pdf);
    assert_eq!(texts.len(), 1);
    let text = &texts[0];
    for expected in [
        "Расчётная ведомость",
        "Период: 27.03.2027 – 31.03.2027",
        "Составлено для: Ольга Владелица",
        "Анна Ёлкина-Щукина",
        "Иван Петров",
        "Берлинский склад",
        "Итого, RUB",
        "Руководитель",
        "Бухгалтер",
        "Страница 1 из 1",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    // The total is the summary's, written as the bot writes money.
    let total = plain(&money(Language::Ru, s.pay[0]));
    assert!(text.contains(&total), "{total:?} not in {text:?}");
    for l in &p.lines {
        let amount = plain(&money(Language::Ru, l.pay));
        assert!(text.contains(&amount), "{amount:?} not in {text:?}");
    }
}

#[tokio::test]
async fn a_long_payroll_repeats_the_header_and_numbers_every_page() {
    let w = World::with_extra_employees(120).await;
    let p = w.payroll().await;
    let s = w.summary().await;
    let pdf = reports::payroll_pdf(Language::En, &p).unwrap();
    let texts = pages(&pdf);
    let n = texts.len();
    assert!(n >= 3, "{n} pages");
    for (i, text) in texts.iter().enumerate() {
        // Every page with table rows starts them under the header (the totals and signatures
        // may get a page of their own at the end).
        if text.contains("Сотрудник 0") {
            assert!(text.contains("Employee"), "page {}: {text:?}", i + 1);
            assert!(text.contains("Signature"), "page {}", i + 1);
        }
        let footer = format!("Page {} of {n}", i + 1);
        assert!(text.contains(&footer), "{footer:?} not in page {}", i + 1);
    }
    assert!(texts[0].contains("Payroll statement"));
    let last = &texts[n - 1];
    assert!(last.contains("Total, RUB"));
    let total = plain(&money(Language::En, s.pay[0]));
    assert!(last.contains(&total), "{total:?} not in {last:?}");
    assert!(texts.concat().contains("Сотрудник 0119"));
}

#[tokio::test]
async fn timesheet_pdf_has_every_shift_in_local_time_and_the_summarys_totals() {
    let w = World::new().await;
    let p = w.payroll().await;
    let s = w.summary().await;
    let mut pdf = reports::TimesheetPdf::new(Language::Ru, p.clone()).unwrap();
    for page in w.pages().await {
        pdf.push(&page).unwrap();
    }
    assert_eq!(pdf.rows(), 4);
    let texts = pages(&pdf.finish().unwrap());
    assert_eq!(texts.len(), 1);
    let text = &texts[0];
    for expected in [
        "Табель",
        "Период: 27.03.2027 – 31.03.2027",
        "Составлено для: Ольга Владелица",
        "Анна Ёлкина-Щукина",
        "Склад «Север» №1",
        // The overnight shift across Berlin's change to summer time: on its start day, 22:00
        // CET to 09:00 CEST the next day.
        "27.03.2027",
        "22:00",
        "09:00 +1",
        "10:00",
        "закрыта автоматически",
        "Итого, RUB",
        "Смен: 4",
        "Руководитель",
        "Страница 1",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    // Outside the period in each zone: not there.
    assert!(!text.contains("26.03.2027") && !text.contains("01.04.2027"));
    let total = plain(&money(Language::Ru, s.pay[0]));
    assert!(text.contains(&total), "{total:?} not in {text:?}");
}

#[tokio::test]
async fn a_long_timesheet_pdf_repeats_the_header_and_numbers_every_row() {
    let w = World::with_extra_employees(150).await;
    let p = w.payroll().await;
    let s = w.summary().await;
    let mut pdf = reports::TimesheetPdf::new(Language::En, p).unwrap();
    for page in w.pages().await {
        pdf.push(&page).unwrap();
    }
    assert_eq!(pdf.rows(), 154);
    let texts = pages(&pdf.finish().unwrap());
    let n = texts.len();
    assert!(n >= 5, "{n} pages");
    for (i, text) in texts.iter().enumerate() {
        if text.contains("Сотрудник 0") {
            assert!(
                text.contains("Employee") && text.contains("Hourly rate"),
                "page {}: {text:?}",
                i + 1
            );
        }
        let footer = format!("Page {}", i + 1);
        assert!(text.contains(&footer), "{footer:?} not in page {}", i + 1);
    }
    assert!(texts[0].contains("Timesheet"));
    let all = texts.concat();
    assert!(all.contains("Сотрудник 0149"));
    assert!(all.contains(" 154 "), "the last row's number");
    let last = &texts[n - 1];
    assert!(last.contains("Total, RUB") && last.contains("Shifts: 154"));
    let total = plain(&money(Language::En, s.pay[0]));
    assert!(last.contains(&total), "{total:?} not in {last:?}");
}
