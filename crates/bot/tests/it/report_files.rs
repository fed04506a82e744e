//! Report files in the chat, read back with independent readers: under the owner's report the
//! XLSX (calamine), PDF (pdf-extract), CSV (the csv crate) and the chart arrive with the right
//! names and types, in Russian and English, with the text report's totals; a big report goes
//! through the `report.file` job and arrives once even when the job is done twice; an employee's
//! own timesheet holds their shifts only; another owner's scope is refused.

use crate::support::{Backend, Harness, Jobs, WAIT, finished};
use app::Policy;
use app::reports::ReportFilter;
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use domain::money_text::money;
use domain::period::Period;
use domain::{Language, Site, User};
use futures_util::StreamExt;
use testkit::telegram::{BotMessage, FakeUser};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The message as it is now (after edits).
fn now_(h: &Harness, m: &BotMessage) -> BotMessage {
    h.tg.message(m.chat_id, m.message_id).unwrap()
}

/// The files (documents and photos) among messages.
fn files(out: &[BotMessage]) -> Vec<&BotMessage> {
    out.iter().filter(|m| m.file.is_some()).collect()
}

fn mime(m: &BotMessage) -> &str {
    m.file.as_ref().unwrap().1.mime_type.as_deref().unwrap()
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        Data::DateTime(x) => x.as_f64(),
        other => panic!("not a number: {other:?}"),
    }
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not a text: {other:?}"),
    }
}

/// The timesheet sheet's rows of shifts: (employee, worked minutes, pay in minor units).
fn xlsx_rows(bytes: &[u8], sheet: &str) -> Vec<(String, i64, i64)> {
    let mut x: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .expect("an XLSX file");
    let range = x.worksheet_range(sheet).unwrap();
    range
        .rows()
        .skip(1)
        // The rows of shifts end at the first empty date cell (the totals come after a gap).
        .take_while(|r| !matches!(r[0], Data::Empty | Data::String(_)))
        .map(|r| {
            (
                text(&r[2]),
                (num(&r[5]) * 1440.0).round() as i64,
                (num(&r[8]) * 100.0).round() as i64,
            )
        })
        .collect()
}

/// The CSV's rows after the header (UTF-8 with a BOM), as (employee, worked minutes, pay text).
fn csv_rows(bytes: &[u8], delimiter: u8) -> (Vec<String>, Vec<(String, i64, String)>) {
    let body = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("a BOM for Excel");
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(body);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[2].to_owned(),
                rec[5].parse().unwrap(),
                rec[8].to_owned(),
            )
        })
        .collect();
    (header, rows)
}

fn pdf_text(bytes: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(bytes)
        .unwrap()
        .replace(['\u{a0}', '\n'], " ")
}

/// An owner with a café: Иван 8 h and Пётр 1 h 30 min this month (3,325 ₽), Иван 10 h last
/// month (not in this month's files).
struct World {
    h: Harness,
    anna_tg: FakeUser,
    anna: User,
    cafe: Site,
    ivan_tg: FakeUser,
    ivan: User,
}

impl World {
    async fn new(backend: Backend, policy: Policy) -> World {
        let h = Harness::start_with_policy(backend, Jobs::Manual, policy).await;
        let anna_tg = FakeUser::ru(7100);
        let anna = h.owner(&anna_tg, "Анна").await;
        let cafe = h.site(&anna, "Кофейня").await;
        let ivan_tg = FakeUser::ru(7101);
        let ivan = h.employee(&ivan_tg, "Иван Петров", &anna, &cafe).await;
        let petr = h
            .employee(&FakeUser::ru(7102), "Пётр Ёлкин", &anna, &cafe)
            .await;
        let shifts = [
            finished(&ivan, &cafe, "2026-11-02", 480, cafe.settings.hourly_rate),
            finished(&petr, &cafe, "2026-11-10", 90, cafe.settings.hourly_rate),
            finished(&ivan, &cafe, "2026-10-20", 600, cafe.settings.hourly_rate),
        ];
        h.store.import_finished_shifts(&shifts).await.unwrap();
        World {
            h,
            anna_tg,
            anna,
            cafe,
            ivan_tg,
            ivan,
        }
    }

    /// The owner's report of the café for this month, as shown (with its buttons).
    async fn month_report(&self, reports: &str, month: &str) -> BotMessage {
        let h = &self.h;
        // Typed: the menu on screen is still the one sent in the old language.
        let out = h.text(&self.anna_tg, reports).await;
        let menu = out.last().unwrap().clone();
        h.tap(&self.anna_tg, &menu, "🏢 Кофейня").await;
        h.tap(&self.anna_tg, &now_(h, &menu), month).await;
        now_(h, &menu)
    }

    /// The summary the text report shows.
    async fn summary(&self) -> app::reports::Summary {
        self.h
            .app
            .summary_for(
                &self.anna,
                Period::ThisMonth,
                ReportFilter {
                    site_id: Some(self.cafe.id),
                    employee_id: None,
                },
            )
            .await
            .unwrap()
    }
}

async fn owner_files_in_both_languages(backend: Backend) {
    let w = World::new(backend, Policy::default()).await;
    let (h, anna) = (&w.h, &w.anna_tg);
    h.command(anna, "start", None).await;
    let report = w.month_report("📊 Отчёты", "Месяц").await;
    let total = "Итого: 2 смены, 9 ч 30 мин, 3\u{a0}325,00\u{a0}₽";
    assert!(report.text().contains(total), "{}", report.text());
    assert_eq!(
        report.inline_texts()[0],
        ["📗 Excel", "📄 PDF", "🧾 CSV", "📈 График"].map(String::from)
    );
    let s = w.summary().await;
    let pay = s.pay[0].minor;
    assert_eq!((s.shifts, s.worked_minutes, pay), (2, 570, 332_500));
    let period = "2026-11-01_2026-11-18";

    // XLSX: the timesheet and payroll workbook, with the report's figures.
    let (out, _) = h.tap_answered(anna, &report, "📗 Excel").await;
    let sent = files(&out);
    assert_eq!(sent.len(), 1, "{out:?}");
    let doc = sent[0];
    assert_eq!(doc.method, "sendDocument");
    assert_eq!(
        doc.file_name(),
        Some(format!("табель_{period}.xlsx").as_str())
    );
    assert_eq!(mime(doc), XLSX);
    assert!(
        doc.text()
            .contains("Табель и ведомость, 01.11.2026 – 18.11.2026")
    );
    let rows = xlsx_rows(doc.file_bytes().unwrap(), "Табель");
    assert_eq!(rows.len() as i64, s.shifts);
    assert_eq!(rows.iter().map(|r| r.1).sum::<i64>(), s.worked_minutes);
    assert_eq!(rows.iter().map(|r| r.2).sum::<i64>(), pay);
    assert!(rows.iter().any(|r| r.0 == "Пётр Ёлкин"), "{rows:?}");

    // PDF: the payroll statement with the total as the bot writes money.
    let (out, _) = h.tap_answered(anna, &now_(h, &report), "📄 PDF").await;
    let doc = files(&out)[0];
    assert_eq!(
        doc.file_name(),
        Some(format!("ведомость_{period}.pdf").as_str())
    );
    assert_eq!(mime(doc), "application/pdf");
    let bytes = doc.file_bytes().unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let text = pdf_text(bytes);
    let total_pay = money(Language::Ru, s.pay[0]).replace('\u{a0}', " ");
    for part in ["Пётр Ёлкин", "Иван Петров", "Кофейня", &total_pay] {
        assert!(text.contains(part), "{part:?} not in {text:?}");
    }

    // CSV: for Excel in Russian (BOM, `;`, decimal commas).
    let (out, _) = h.tap_answered(anna, &now_(h, &report), "🧾 CSV").await;
    let doc = files(&out)[0];
    assert_eq!(
        doc.file_name(),
        Some(format!("табель_{period}.csv").as_str())
    );
    assert!(mime(doc).starts_with("text/csv"), "{}", mime(doc));
    let (header, rows) = csv_rows(doc.file_bytes().unwrap(), b';');
    assert_eq!(header[2], "Сотрудник");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.iter().map(|r| r.1).sum::<i64>(), 570);
    let pays: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert!(
        pays.contains(&"2800,00") && pays.contains(&"525,00"),
        "{pays:?}"
    );

    // The chart: a photo with the period's hours.
    let (out, _) = h.tap_answered(anna, &now_(h, &report), "📈 График").await;
    let photo = files(&out)[0];
    assert_eq!(photo.method, "sendPhoto");
    assert!(photo.file_bytes().unwrap().starts_with(b"\x89PNG"));
    assert!(
        photo
            .text()
            .contains("Часы по дням, 01.11.2026 – 18.11.2026: всего 9 ч 30 мин"),
        "{}",
        photo.text()
    );

    // In English: English names, sheets and a comma-separated CSV.
    h.app.set_language(&w.anna, Language::En).await.unwrap();
    let report = w.month_report("📊 Reports", "This month").await;
    assert!(
        report
            .text()
            .contains("Total: 2 shifts, 9 h 30 min, 3,325.00\u{a0}₽"),
        "{}",
        report.text()
    );
    let (out, _) = h.tap_answered(anna, &report, "📗 Excel").await;
    let doc = files(&out)[0];
    assert_eq!(
        doc.file_name(),
        Some(format!("timesheet_{period}.xlsx").as_str())
    );
    assert_eq!(mime(doc), XLSX);
    assert!(
        doc.text()
            .contains("Timesheet and payroll, 1 Nov 2026 – 18 Nov 2026")
    );
    let rows = xlsx_rows(doc.file_bytes().unwrap(), "Timesheet");
    assert_eq!(rows.iter().map(|r| r.2).sum::<i64>(), pay);
    let (out, _) = h.tap_answered(anna, &now_(h, &report), "📄 PDF").await;
    let doc = files(&out)[0];
    assert_eq!(
        doc.file_name(),
        Some(format!("payroll_{period}.pdf").as_str())
    );
    let text = pdf_text(doc.file_bytes().unwrap());
    let total_pay = money(Language::En, s.pay[0]).replace('\u{a0}', " ");
    assert!(text.contains(&total_pay), "{total_pay:?} not in {text:?}");
    let (out, _) = h.tap_answered(anna, &now_(h, &report), "🧾 CSV").await;
    let doc = files(&out)[0];
    assert_eq!(
        doc.file_name(),
        Some(format!("timesheet_{period}.csv").as_str())
    );
    let (header, rows) = csv_rows(doc.file_bytes().unwrap(), b',');
    assert_eq!(header[2], "Employee");
    let pays: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert!(
        pays.contains(&"2800.00") && pays.contains(&"525.00"),
        "{pays:?}"
    );
    let (out, _) = h.tap_answered(anna, &now_(h, &report), "📈 Chart").await;
    assert!(
        files(&out)[0]
            .text()
            .contains("Hours per day, 1 Nov 2026 – 18 Nov 2026: 9 h 30 min in total")
    );
    w.h.shutdown().await;
}

#[tokio::test]
async fn owner_files_in_both_languages_sqlite() {
    owner_files_in_both_languages(Backend::Sqlite).await;
}

#[tokio::test]
async fn owner_files_in_both_languages_postgres() {
    owner_files_in_both_languages(Backend::Postgres).await;
}

#[tokio::test]
async fn a_big_report_goes_through_the_job_and_arrives_once() {
    let policy = Policy {
        report_job_shifts: 1,
        ..Policy::default()
    };
    let w = World::new(Backend::Sqlite, policy).await;
    let (h, anna) = (&w.h, &w.anna_tg);
    h.command(anna, "start", None).await;
    let report = w.month_report("📊 Отчёты", "Месяц").await;

    // Two shifts are above the lowered threshold: one message says it is being prepared.
    let (out, _) = h.tap_answered(anna, &report, "📗 Excel").await;
    assert_eq!(out.len(), 1, "{out:?}");
    let progress = out[0].clone();
    assert_eq!(progress.text(), "⏳ Готовлю отчёт… (2 смены)");
    assert!(files(&out).is_empty());

    // A worker makes the file and dies before its ack.
    let work = h.work.as_ref().unwrap();
    assert_eq!(work.relay.relay_once().await.unwrap(), 1);
    let mut deliveries = work.queue.consume(app::Area::Analytics, 1).await.unwrap();
    let delivery = tokio::time::timeout(WAIT, deliveries.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let job = delivery.job().clone();
    assert_eq!(job.kind, "report.file");
    let outcome = work.handlers.get(&job.kind).unwrap().handle(&job).await;
    assert_eq!(outcome, jobs::Outcome::Done);
    drop(delivery);
    drop(deliveries);
    let sent = h.tg.messages(anna.id);
    let docs = files(&sent);
    assert_eq!(docs.len(), 1);
    assert_eq!(
        docs[0].file_name(),
        Some("табель_2026-11-01_2026-11-18.xlsx")
    );
    let rows = xlsx_rows(docs[0].file_bytes().unwrap(), "Табель");
    assert_eq!(rows.iter().map(|r| r.2).sum::<i64>(), 332_500);
    let progress = now_(h, &progress);
    assert_eq!(
        progress.text(),
        "✅ Отчёт готов: табель_2026-11-01_2026-11-18.xlsx"
    );
    // It showed the rows as it went before saying it was done.
    assert!(progress.edit_count >= 2, "{}", progress.edit_count);

    // The job comes back and is done again: the file is not sent twice.
    let mut redone = 0;
    for _ in 0..50 {
        redone += h.work_off_jobs().await;
        if redone > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(redone, 1, "the job was handed out again");
    assert_eq!(files(&h.tg.messages(anna.id)).len(), 1);
    w.h.shutdown().await;
}

/// Above the default threshold (5,000 shifts), the job edits its message every two pages of the
/// timesheet (5,000 rows each) before the file arrives, whole.
#[tokio::test]
async fn a_report_of_twelve_thousand_shifts_shows_its_progress_on_the_way() {
    let w = World::new(Backend::Sqlite, Policy::default()).await;
    let (h, anna) = (&w.h, &w.anna_tg);
    // 12,000 one-minute shifts of Иван, two minutes apart from 1 November on.
    let first = w.cafe.settings.time_zone.start_of_day(date("2026-11-01"));
    let rate = w.cafe.settings.hourly_rate;
    let batch: Vec<app::FinishedShift> = (0..12_000)
        .map(|i| {
            let mut f = finished(&w.ivan, &w.cafe, "2026-11-01", 1, rate);
            let at = first + chrono::Duration::minutes(2 * i);
            f.shift.started_at = at;
            f.end.ended_at = at + chrono::Duration::minutes(1);
            f
        })
        .collect();
    h.store.import_finished_shifts(&batch).await.unwrap();
    h.command(anna, "start", None).await;
    let report = w.month_report("📊 Отчёты", "Месяц").await;

    let (out, _) = h.tap_answered(anna, &report, "🧾 CSV").await;
    assert_eq!(out.len(), 1, "{out:?}");
    let progress = out[0].clone();
    // The month's two other shifts are in it too.
    assert_eq!(progress.text(), "⏳ Готовлю отчёт… (12\u{a0}002 смены)");
    assert_eq!(h.work_off_jobs().await, 1);

    let edits: Vec<String> =
        h.tg.edits(anna.id)
            .into_iter()
            .filter(|e| e.message_id == progress.message_id)
            .filter_map(|e| e.text)
            .collect();
    assert!(
        edits.contains(&"⏳ Готовлю: 10\u{a0}000 из 12\u{a0}002 строк…".to_owned()),
        "{edits:?}"
    );
    assert_eq!(
        edits.last().map(String::as_str),
        Some("✅ Отчёт готов: табель_2026-11-01_2026-11-18.csv"),
        "{edits:?}"
    );
    let sent = h.tg.messages(anna.id);
    let docs = files(&sent);
    assert_eq!(docs.len(), 1);
    let (_, rows) = csv_rows(docs[0].file_bytes().unwrap(), b';');
    assert_eq!(rows.len(), 12_002);
    assert_eq!(rows.iter().map(|r| r.1).sum::<i64>(), 12_000 + 570);
    w.h.shutdown().await;
}

#[tokio::test]
async fn an_employees_own_timesheet_has_only_their_shifts() {
    let w = World::new(Backend::Sqlite, Policy::default()).await;
    let h = &w.h;
    // Иван also worked for another owner this month.
    let boris = h.owner(&FakeUser::ru(7110), "Борис").await;
    let depot = h.site(&boris, "Склад").await;
    h.app
        .add_employee(&boris, depot.id, w.ivan.telegram_id, None)
        .await
        .unwrap();
    let other = h
        .employee(&FakeUser::ru(7111), "Ольга", &boris, &depot)
        .await;
    h.store
        .import_finished_shifts(&[
            finished(
                &w.ivan,
                &depot,
                "2026-11-05",
                60,
                depot.settings.hourly_rate,
            ),
            finished(
                &other,
                &depot,
                "2026-11-05",
                120,
                depot.settings.hourly_rate,
            ),
        ])
        .await
        .unwrap();

    let ivan = &w.ivan_tg;
    let out = h.press(ivan, "💰 Заработок").await;
    let question = out[0].clone();
    h.tap(ivan, &question, "Этот месяц").await;
    let answer = now_(h, &question);
    assert!(
        answer.text().contains("Итого: 2 смены, 9 ч 00 мин"),
        "{}",
        answer.text()
    );
    assert_eq!(
        answer.inline_texts()[0],
        ["📗 Excel", "📄 PDF", "🧾 CSV", "📈 График"].map(String::from)
    );
    let (out, _) = h.tap_answered(ivan, &answer, "🧾 CSV").await;
    let doc = files(&out)[0];
    assert_eq!(doc.file_name(), Some("табель_2026-11-01_2026-11-18.csv"));
    let (_, rows) = csv_rows(doc.file_bytes().unwrap(), b';');
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.0 == "Иван Петров"), "{rows:?}");
    assert_eq!(rows.iter().map(|r| r.1).sum::<i64>(), 540);

    let (out, _) = h.tap_answered(ivan, &now_(h, &answer), "📗 Excel").await;
    let rows = xlsx_rows(files(&out)[0].file_bytes().unwrap(), "Табель");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.0 == "Иван Петров"), "{rows:?}");

    // Their PDF is their timesheet: their shifts at both sites, no one else's.
    let (out, _) = h.tap_answered(ivan, &now_(h, &answer), "📄 PDF").await;
    let doc = files(&out)[0];
    assert_eq!(doc.file_name(), Some("табель_2026-11-01_2026-11-18.pdf"));
    assert_eq!(mime(doc), "application/pdf");
    assert_eq!(doc.text(), "Ваш табель, 01.11.2026 – 18.11.2026");
    let text = pdf_text(doc.file_bytes().unwrap());
    for part in [
        "Табель учёта рабочего времени",
        "Иван Петров",
        "Кофейня",
        "Склад",
        "Смен: 2",
    ] {
        assert!(text.contains(part), "{part:?} not in {text:?}");
    }
    assert!(!text.contains("Ольга") && !text.contains("Пётр"), "{text}");

    // Work done stays in their files after the access to the site ends.
    h.app
        .revoke_employee(&boris, depot.id, w.ivan.id)
        .await
        .unwrap();
    let (out, _) = h.tap_answered(ivan, &now_(h, &answer), "🧾 CSV").await;
    let (_, rows) = csv_rows(files(&out)[0].file_bytes().unwrap(), b';');
    assert_eq!(rows.iter().map(|r| r.1).sum::<i64>(), 540, "{rows:?}");
    w.h.shutdown().await;
}

#[tokio::test]
async fn another_owners_scope_is_refused() {
    let w = World::new(Backend::Sqlite, Policy::default()).await;
    let h = &w.h;
    let boris_tg = FakeUser::ru(7120);
    let boris = h.owner(&boris_tg, "Борис").await;
    h.site(&boris, "Склад").await;
    let out = h.command(&boris_tg, "start", None).await;
    let message = out.last().unwrap().message_id;
    let (from, to) = (
        chrono::Datelike::num_days_from_ce(&date("2026-11-01")),
        chrono::Datelike::num_days_from_ce(&date("2026-11-30")),
    );

    // Anna's café, by a forged button: refused, nothing sent.
    let data = format!("1orf:s{}:{from}:{to}:x", w.cafe.id.0);
    let (out, answer) = h.send_data(&boris_tg, message, &data).await;
    assert!(files(&out).is_empty(), "{out:?}");
    assert!(answer.show_alert);
    assert_eq!(
        answer.text.as_deref(),
        Some("❌ Этот отчёт вам больше недоступен.")
    );
    // Anna's employee over Boris's own sites: nothing of Anna's is in scope.
    let data = format!("1orf:e{}:{from}:{to}:c", w.ivan.id.0);
    let (out, answer) = h.send_data(&boris_tg, message, &data).await;
    assert!(files(&out).is_empty(), "{out:?}");
    assert!(answer.text.unwrap().contains("нет завершённых смен"));
    // And nothing went to the outbox for a background file.
    assert_eq!(h.background.outbox_len().await.unwrap(), 0);
    w.h.shutdown().await;
}
