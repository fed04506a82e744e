//! Nobody stuck in a forgotten shift, end to end in both languages: the owner closes a running
//! shift from "On shift now"; an employee says they forgot to close and the owner approves; an
//! employee whose close location is refused says when they left and the owner changes the time.
//! Pay (literals at 350.00 per hour), what each person is told and the shift's history are
//! checked. Times are whole minutes relative to the bot's clock, typed in Moscow time.

use crate::support::{Backend, Harness, SITE_LAT, SITE_LON, WAIT, joined};
use app::NewShift;
use chrono::{DateTime, Duration, DurationRound, Utc};
use domain::{
    Coordinates, Currency, Language, Money, RecordedLocation, ReviewReason, Shift, ShiftChangeKind,
    ShiftStatus, Site, SiteTimeZone, User,
};
use testkit::telegram::{BotMessage, FakeUser};

/// The Russian or the English text.
fn tr(lang: Language, ru: &'static str, en: &'static str) -> &'static str {
    match lang {
        Language::Ru => ru,
        Language::En => en,
    }
}

fn person(lang: Language, id: i64) -> FakeUser {
    match lang {
        Language::Ru => FakeUser::ru(id),
        Language::En => FakeUser::en(id),
    }
}

/// "09:05" in Moscow, where the fixture site is.
fn hhmm(t: DateTime<Utc>) -> String {
    SiteTimeZone::default().local(t).format("%H:%M").to_string()
}

/// A whole minute some hours before the bot's now.
fn hours_ago(h: &Harness, hours: i64) -> DateTime<Utc> {
    (h.app.now() - Duration::hours(hours))
        .duration_trunc(Duration::minutes(1))
        .unwrap()
}

async fn running_shift(
    h: &Harness,
    employee: &User,
    site: &Site,
    started_at: DateTime<Utc>,
) -> Shift {
    let shift = h
        .store
        .insert_shift(&NewShift {
            employee_id: employee.id,
            site_id: site.id,
            started_at,
            start_location: RecordedLocation {
                coordinates: Coordinates::new(SITE_LAT, SITE_LON).unwrap(),
                accuracy_m: Some(10.0),
                distance_m: 0.0,
            },
            hourly_rate: Money::new(35_000, Currency::RUB),
            planned_shift_id: None,
        })
        .await
        .unwrap();
    // The owner's notice of it is sent in the background: let it land first.
    h.job_done(&format!("shift:{}:opened", shift.id.0)).await;
    shift
}

/// Waits until `user` got a message containing `part` and returns the last such message.
async fn received(h: &Harness, user: &FakeUser, part: &str) -> BotMessage {
    h.tg.wait_until(WAIT, |tg| {
        tg.messages(user.id).iter().any(|m| m.text().contains(part))
    })
    .await
    .unwrap_or_else(|e| panic!("{part:?} never reached {}: {e}", user.id));
    h.tg.messages(user.id)
        .into_iter()
        .rev()
        .find(|m| m.text().contains(part))
        .unwrap()
}

/// The message as it is now (after edits).
fn current(h: &Harness, m: &BotMessage) -> String {
    h.tg.message(m.chat_id, m.message_id)
        .unwrap()
        .text()
        .to_owned()
}

fn last(out: &[BotMessage]) -> &BotMessage {
    out.last().expect("the bot answered")
}

struct People {
    h: Harness,
    owner_tg: FakeUser,
    owner: User,
    site: Site,
    worker_tg: FakeUser,
    worker: User,
}

async fn people(backend: Backend, lang: Language, base: i64) -> People {
    let h = Harness::start(backend).await;
    let owner_tg = person(lang, base);
    let owner = h.owner(&owner_tg, tr(lang, "Анна", "Anna")).await;
    let site = h.site(&owner, "Кофейня").await;
    let worker_tg = person(lang, base + 1);
    let worker = h
        .employee(&worker_tg, tr(lang, "Иван", "Ivan"), &owner, &site)
        .await;
    People {
        h,
        owner_tg,
        owner,
        site,
        worker_tg,
        worker,
    }
}

// ---- the owner closes from "On shift now" ------------------------------------------------------

async fn owner_closes_from_on_shift_now(backend: Backend, lang: Language) {
    let p = people(backend, lang, 7100).await;
    let h = &p.h;
    let started = hours_ago(h, 5);
    let shift = running_shift(h, &p.worker, &p.site, started).await;
    let left = started + Duration::hours(4);
    // The owner's notice of the open arrives on its own; let it land before reading replies.
    h.tg.wait_until(WAIT, |tg| {
        tg.texts(p.owner_tg.id).iter().any(|t| t.starts_with("🟢"))
    })
    .await
    .unwrap();

    let out = h
        .press(
            &p.owner_tg,
            tr(lang, "👀 Сейчас на сменах", "👀 On shift now"),
        )
        .await;
    let close = tr(lang, "🔴 Закрыть: Иван", "🔴 Close: Ivan");
    let out = h.tap(&p.owner_tg, last(&out), close).await;
    let question = joined(&out);
    assert!(
        question.contains(tr(lang, "Когда Иван ушёл(ушла)", "When did Ivan leave"))
            && question.contains("Europe/Moscow"),
        "{question}"
    );
    // A time that is not one is asked again; then the real one gives the confirmation.
    let out = h.text(&p.owner_tg, "вчера").await;
    assert!(
        joined(&out).contains(tr(lang, "Не понял время «вчера»", "could not read “вчера”")),
        "{}",
        joined(&out)
    );
    let out = h.text(&p.owner_tg, &hhmm(left)).await;
    let confirm = last(&out).clone();
    let text = confirm.text().to_owned();
    let (worked, pay) = (
        tr(lang, "4 ч 00 мин", "4 h 00 min"),
        tr(lang, "1\u{a0}400,00\u{a0}₽", "1,400.00\u{a0}₽"),
    );
    assert!(
        text.contains(&hhmm(left)) && text.contains(worked) && text.contains(pay),
        "{text}"
    );
    // Nothing is closed before the confirmation.
    assert_eq!(
        h.store.shift(shift.id).await.unwrap().unwrap().status,
        ShiftStatus::Active
    );
    h.tap(
        &p.owner_tg,
        &confirm,
        tr(lang, "✅ Закрыть смену", "✅ Close the shift"),
    )
    .await;
    let done = current(h, &confirm);
    assert!(
        done.contains(tr(lang, "закрыта в", "is closed at")) && done.contains(pay),
        "{done}"
    );

    let closed = h.store.shift(shift.id).await.unwrap().unwrap();
    assert_eq!(closed.status, ShiftStatus::Closed);
    assert_eq!(closed.ended_at, Some(left));
    assert_eq!(closed.worked_minutes, Some(240));
    assert_eq!(closed.pay_minor, Some(140_000));
    assert_eq!(closed.closed_by, Some(p.owner.id));
    let history = h.store.shift_history(shift.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, ShiftChangeKind::ClosedByManager);
    assert_eq!(history[0].new_ended_at, Some(left));
    assert_eq!(history[0].changed_by, p.owner.id);

    // The employee is told, in their language, and is free to open a new shift.
    let told = received(
        h,
        &p.worker_tg,
        tr(lang, "закрыл(а) вашу смену", "closed your shift"),
    )
    .await;
    assert!(
        told.text().contains(tr(lang, "Анна", "Anna")) && told.text().contains(pay),
        "{}",
        told.text()
    );
    // With the pay receipt: worked × rate = pay, and the month so far.
    assert!(
        told.text().contains("🧾")
            && told.text().contains(&format!(
                "{worked} × {}/{} = {pay}",
                tr(lang, "350,00\u{a0}₽", "350.00\u{a0}₽"),
                tr(lang, "ч", "h")
            ))
            && told.text().contains(tr(lang, "За ", "so far: ")),
        "{}",
        told.text()
    );
    let out = h.location(&p.worker_tg, 0.0, 10.0).await;
    assert!(
        joined(&out).contains(tr(lang, "Смена открыта", "Shift opened")),
        "{}",
        joined(&out)
    );
    // The new shift has its own Close button (the owner's "opened" notice may arrive among the
    // replies, so the list is looked for rather than taken as the last message).
    let out = h
        .press(
            &p.owner_tg,
            tr(lang, "👀 Сейчас на сменах", "👀 On shift now"),
        )
        .await;
    assert!(
        out.iter().any(|m| m.inline_button(close).is_some()),
        "the new shift: {}",
        joined(&out)
    );
    p.h.shutdown().await;
}

// ---- the employee asks, the owner approves -----------------------------------------------------

async fn employee_asks_owner_approves(backend: Backend, lang: Language) {
    let p = people(backend, lang, 7200).await;
    let h = &p.h;
    let started = hours_ago(h, 6);
    let shift = running_shift(h, &p.worker, &p.site, started).await;
    let left = started + Duration::hours(5);

    let out = h
        .press(&p.worker_tg, tr(lang, "📍 Статус", "📍 Status"))
        .await;
    let forgot = tr(
        lang,
        "🕓 Я забыл(а) закрыть смену",
        "🕓 I forgot to close the shift",
    );
    let out = h.tap(&p.worker_tg, last(&out), forgot).await;
    assert!(
        joined(&out).contains(tr(lang, "Когда вы ушли", "When did you leave")),
        "{}",
        joined(&out)
    );
    let out = h.text(&p.worker_tg, &hhmm(left)).await;
    let text = joined(&out);
    let (worked, pay) = (
        tr(lang, "5 ч 00 мин", "5 h 00 min"),
        tr(lang, "1\u{a0}750,00\u{a0}₽", "1,750.00\u{a0}₽"),
    );
    assert!(
        text.contains(tr(lang, "закончилась в", "ended at"))
            && text.contains(&hhmm(left))
            && text.contains(worked)
            && text.contains(pay),
        "{text}"
    );
    let reported = h.store.shift(shift.id).await.unwrap().unwrap();
    assert_eq!(reported.status, ShiftStatus::Closed);
    assert_eq!(reported.ended_at, Some(left));
    assert_eq!(reported.pay_minor, Some(175_000));
    assert!(reported.needs_review);
    assert_eq!(reported.review_reason, Some(ReviewReason::ForgottenClose));
    assert_eq!(reported.closed_by, Some(p.worker.id));

    // Not stuck: a new shift opens at once.
    let out = h.location(&p.worker_tg, 0.0, 10.0).await;
    assert!(
        joined(&out).contains(tr(lang, "Смена открыта", "Shift opened")),
        "{}",
        joined(&out)
    );

    // The owner is asked, in their language, and approves.
    let request = received(
        h,
        &p.owner_tg,
        tr(lang, "забыл(а) закрыть смену", "forgot to close the shift"),
    )
    .await;
    assert!(
        request.text().contains(&hhmm(left)) && request.text().contains(pay),
        "{}",
        request.text()
    );
    let approve = request
        .inline_button(tr(lang, "✅ Подтвердить", "✅ Approve"))
        .and_then(|b| b.callback_data.clone())
        .unwrap();
    h.tap(
        &p.owner_tg,
        &request,
        tr(lang, "✅ Подтвердить", "✅ Approve"),
    )
    .await;
    assert!(
        current(h, &request).contains(tr(lang, "Подтверждено", "Approved")),
        "{}",
        current(h, &request)
    );
    let approved = h.store.shift(shift.id).await.unwrap().unwrap();
    assert!(!approved.needs_review);
    assert_eq!(approved.review_reason, None);
    assert_eq!(approved.ended_at, Some(left));
    assert_eq!(approved.pay_minor, Some(175_000));
    let kinds: Vec<ShiftChangeKind> = h
        .store
        .shift_history(shift.id)
        .await
        .unwrap()
        .iter()
        .map(|c| c.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            ShiftChangeKind::ForgottenReported,
            ShiftChangeKind::Approved
        ]
    );
    let told = received(
        h,
        &p.worker_tg,
        tr(lang, "подтвердил(а) окончание", "approved the end"),
    )
    .await;
    assert!(
        told.text().contains(pay) && told.text().contains("🧾"),
        "{}",
        told.text()
    );
    // A second tap on the answered request (another copy of it, say) changes nothing.
    let id =
        h.tg.send_callback(&p.owner_tg, request.message_id, &approve);
    h.processed(id).await;
    let answer = h.tg.wait_for_callback_answer(id, WAIT).await.unwrap();
    assert_eq!(
        answer.text.as_deref(),
        Some(tr(
            lang,
            "Эту смену уже проверили.",
            "This shift has already been reviewed."
        ))
    );
    assert_eq!(h.store.shift_history(shift.id).await.unwrap().len(), 2);
    p.h.shutdown().await;
}

// ---- refused outside the site, the owner changes the time --------------------------------------

async fn employee_asks_owner_changes_the_time(backend: Backend, lang: Language) {
    let p = people(backend, lang, 7300).await;
    let h = &p.h;
    let started = hours_ago(h, 6);
    let shift = running_shift(h, &p.worker, &p.site, started).await;
    let said = started + Duration::hours(5);
    let real = started + Duration::minutes(270);

    h.press(&p.worker_tg, tr(lang, "🔴 Закрыть смену", "🔴 Close shift"))
        .await;
    // Two kilometres away: refused, and "I forgot to close" is offered.
    let out = h.location(&p.worker_tg, 2000.0, 10.0).await;
    let forgot = tr(
        lang,
        "🕓 Я забыл(а) закрыть смену",
        "🕓 I forgot to close the shift",
    );
    let offer = out
        .iter()
        .find(|m| m.inline_button(forgot).is_some())
        .unwrap_or_else(|| panic!("no offer in {}", joined(&out)))
        .clone();
    h.tap(&p.worker_tg, &offer, forgot).await;
    // Before the start is refused with the start shown; then the time they say.
    let out = h
        .text(&p.worker_tg, &hhmm(started - Duration::hours(1)))
        .await;
    assert!(
        joined(&out).contains(tr(lang, "раньше начала смены", "before the shift started")),
        "{}",
        joined(&out)
    );
    assert_eq!(
        h.store.shift(shift.id).await.unwrap().unwrap().status,
        ShiftStatus::Active
    );
    h.text(&p.worker_tg, &hhmm(said)).await;
    assert_eq!(
        h.store.shift(shift.id).await.unwrap().unwrap().pay_minor,
        Some(175_000)
    );

    // The owner sets 4 h 30 min: 1,575.00.
    let request = received(
        h,
        &p.owner_tg,
        tr(lang, "забыл(а) закрыть смену", "forgot to close the shift"),
    )
    .await;
    // Until someone answers, Reports show it waiting, with the list.
    let out = h
        .press(&p.owner_tg, tr(lang, "📊 Отчёты", "📊 Reports"))
        .await;
    let reports = last(&out).clone();
    assert!(
        reports.text().contains(tr(
            lang,
            "Смен ждут вашей проверки: 1",
            "Shifts waiting for your review: 1"
        )),
        "{}",
        reports.text()
    );
    let out = h
        .tap(
            &p.owner_tg,
            &reports,
            tr(lang, "🕓 На проверку (1)", "🕓 To review (1)"),
        )
        .await;
    let listed = last(&out);
    assert!(
        listed.text().contains(&hhmm(said))
            && listed
                .inline_button(tr(lang, "🕓 Изменить время", "🕓 Change time"))
                .is_some(),
        "{}",
        listed.text()
    );
    let out = h
        .tap(
            &p.owner_tg,
            &request,
            tr(lang, "🕓 Изменить время", "🕓 Change time"),
        )
        .await;
    assert!(
        joined(&out).contains(&hhmm(said)),
        "the question shows the time they said: {}",
        joined(&out)
    );
    let out = h.text(&p.owner_tg, &hhmm(real)).await;
    let confirm = last(&out).clone();
    let pay = tr(lang, "1\u{a0}575,00\u{a0}₽", "1,575.00\u{a0}₽");
    assert!(
        confirm
            .text()
            .contains(tr(lang, "4 ч 30 мин", "4 h 30 min"))
            && confirm.text().contains(pay),
        "{}",
        confirm.text()
    );
    h.tap(
        &p.owner_tg,
        &confirm,
        tr(lang, "✅ Поставить это время", "✅ Set this time"),
    )
    .await;
    assert!(
        current(h, &confirm).contains(tr(lang, "Изменено", "Changed")),
        "{}",
        current(h, &confirm)
    );

    let changed = h.store.shift(shift.id).await.unwrap().unwrap();
    assert_eq!(changed.ended_at, Some(real));
    assert_eq!(changed.worked_minutes, Some(270));
    assert_eq!(changed.pay_minor, Some(157_500));
    assert!(!changed.needs_review);
    let history = h.store.shift_history(shift.id).await.unwrap();
    let entries: Vec<_> = history
        .iter()
        .map(|c| (c.kind, c.old_ended_at, c.new_ended_at, c.changed_by))
        .collect();
    assert_eq!(
        entries,
        [
            (
                ShiftChangeKind::ForgottenReported,
                None,
                Some(said),
                p.worker.id
            ),
            (
                ShiftChangeKind::EndChanged,
                Some(said),
                Some(real),
                p.owner.id
            ),
        ]
    );
    let told = received(
        h,
        &p.worker_tg,
        tr(lang, "изменил(а) окончание", "changed the end"),
    )
    .await;
    assert!(
        told.text().contains(&hhmm(said))
            && told.text().contains(&hhmm(real))
            && told.text().contains(pay),
        "{}",
        told.text()
    );
    p.h.shutdown().await;
}

macro_rules! both {
    ($($flow:ident),* $(,)?) => {
        $(
            mod $flow {
                use super::*;

                #[tokio::test]
                async fn ru_sqlite() {
                    $flow(Backend::Sqlite, Language::Ru).await;
                }

                #[tokio::test]
                async fn en_sqlite() {
                    $flow(Backend::Sqlite, Language::En).await;
                }

                #[tokio::test]
                async fn ru_postgres() {
                    $flow(Backend::Postgres, Language::Ru).await;
                }

                #[tokio::test]
                async fn en_postgres() {
                    $flow(Backend::Postgres, Language::En).await;
                }
            }
        )*
    };
}

both!(
    owner_closes_from_on_shift_now,
    employee_asks_owner_approves,
    employee_asks_owner_changes_the_time,
);
