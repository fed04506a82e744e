//! The schedule end to end on the harness clock, through the fake Bot API: reminders of planned
//! shifts (once, in the reader's language, never after the start, with working buttons),
//! no-show alerts (once, to the owner and managers; the plan marked missed after its end),
//! forgotten shifts closed automatically (both people told), clean-up (exactly the old records),
//! and a job done again after a crash before its ack (nobody is messaged twice).

use crate::support::{Backend, Harness, Jobs, SITE_LAT, SITE_LON, WAIT, joined};
use app::service::PlanRequest;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use domain::{Coordinates, LocationFix, PlanStatus, PlannedShift, ShiftStatus, Site, User};
use futures_util::StreamExt;
use testkit::telegram::FakeUser;

fn here(h: &Harness) -> LocationFix {
    LocationFix {
        coordinates: Coordinates::new(SITE_LAT, SITE_LON).unwrap(),
        accuracy_m: Some(5.0),
        taken_at: h.now(),
        forwarded: false,
    }
}

fn count(texts: &[String], needle: &str) -> usize {
    texts.iter().filter(|t| t.contains(needle)).count()
}

/// A plan for `who` today (Moscow) from `start` to `end` local time.
async fn plan(
    h: &Harness,
    who: &User,
    site: &Site,
    start: (u32, u32),
    end: (u32, u32),
) -> PlannedShift {
    let tz = site.settings.time_zone;
    let t = |(hh, mm): (u32, u32)| NaiveTime::from_hms_opt(hh, mm, 0).unwrap();
    h.app
        .plan_shift(
            who,
            PlanRequest {
                employee_id: who.id,
                site_id: site.id,
                date: tz.local(h.now()).date(),
                start: t(start),
                end: t(end),
            },
        )
        .await
        .unwrap()
}

fn at(h: &Harness, minutes: i64) -> DateTime<Utc> {
    h.now() + Duration::minutes(minutes)
}

#[tokio::test]
async fn a_reminder_arrives_once_in_the_readers_language_and_never_after_the_start() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let start = h.now();
    let anna_tg = FakeUser::ru(5100);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let ivan_tg = FakeUser::ru(5101);
    let ivan = h.employee(&ivan_tg, "Иван", &anna, &site).await;
    let tom_tg = FakeUser::en(5102);
    let tom = h.employee(&tom_tg, "Tom", &anna, &site).await;
    let olga_tg = FakeUser::ru(5103);
    let olga = h.employee(&olga_tg, "Ольга", &anna, &site).await;
    // Now is 10:00 in Moscow: Ivan starts at 11:00, Tom at 11:30, Olga at 10:20.
    plan(&h, &ivan, &site, (11, 0), (15, 0)).await;
    plan(&h, &tom, &site, (11, 30), (15, 0)).await;
    plan(&h, &olga, &site, (10, 20), (14, 0)).await;
    // Far off: not reminded today.
    plan(&h, &ivan, &site, (20, 0), (23, 0)).await;

    // Olga's start passes before any scan: she gets no reminder after the fact.
    h.set_now(start + Duration::minutes(25));
    let scheduler = h.scheduler("a");
    let pass = h.run_schedule(&scheduler).await;
    assert!(pass.active);
    assert!(pass.fired.iter().any(|(name, _)| *name == "reminders"));

    let ivan_texts = h.tg.texts(ivan_tg.id);
    assert_eq!(count(&ivan_texts, "⏰ Напоминание"), 1, "{ivan_texts:#?}");
    let reminder =
        h.tg.messages(ivan_tg.id)
            .into_iter()
            .find(|m| m.text().contains("⏰ Напоминание"))
            .unwrap();
    assert!(reminder.text().contains("«Кофейня»"), "{}", reminder.text());
    assert!(reminder.text().contains("11:00"), "{}", reminder.text());
    assert_eq!(
        reminder.inline_texts(),
        vec![vec!["🟢 Открыть смену".to_owned(), "⏳ Опоздаю".to_owned()]]
    );
    assert_eq!(count(&h.tg.texts(tom_tg.id), "⏰ Reminder"), 1);
    assert_eq!(count(&h.tg.texts(olga_tg.id), "Напоминание"), 0);

    // The next scans remind nobody again.
    for minutes in [30, 60] {
        h.set_now(start + Duration::minutes(25 + minutes));
        h.run_schedule(&scheduler).await;
    }
    assert_eq!(count(&h.tg.texts(ivan_tg.id), "⏰ Напоминание"), 1);
    assert_eq!(count(&h.tg.texts(tom_tg.id), "⏰ Reminder"), 1);

    // "I'll be late" tells the owner; "Open shift" asks for the location at that site.
    let before = h.tg.texts(anna_tg.id).len();
    h.tap(&ivan_tg, &reminder, "⏳ Опоздаю").await;
    h.tg.wait_until(WAIT, |tg| tg.texts(anna_tg.id).len() > before)
        .await
        .unwrap();
    let told = h.tg.texts(anna_tg.id);
    assert!(
        told.last().unwrap().contains("Иван сообщает, что опоздает"),
        "{told:#?}"
    );
    let reply = joined(&h.tap(&ivan_tg, &reminder, "🟢 Открыть смену").await);
    assert!(reply.contains("геопозицию"), "{reply}");
    h.shutdown().await;
}

#[tokio::test]
async fn a_no_show_is_told_once_to_the_owner_and_managers_and_the_plan_is_missed_after_its_end() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let anna_tg = FakeUser::ru(5200);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let masha_tg = FakeUser::en(5201);
    h.tg.add_user(&masha_tg);
    h.app
        .register_user(masha_tg.id, "Masha", domain::Language::En)
        .await
        .unwrap();
    h.app
        .grant_manager(&anna, site.id, masha_tg.id)
        .await
        .unwrap();
    let ivan_tg = FakeUser::ru(5202);
    let ivan = h.employee(&ivan_tg, "Иван", &anna, &site).await;
    let petr_tg = FakeUser::ru(5203);
    let petr = h.employee(&petr_tg, "Пётр", &anna, &site).await;
    let ivans = plan(&h, &ivan, &site, (11, 0), (15, 0)).await;
    let petrs = plan(&h, &petr, &site, (11, 0), (15, 0)).await;
    let scheduler = h.scheduler("a");

    // 11:10: within the grace. Пётр opens his shift at 11:12.
    h.set_now(at(&h, 70));
    h.run_schedule(&scheduler).await;
    assert_eq!(count(&h.tg.texts(anna_tg.id), "не открыл(а)"), 0);
    h.set_now(at(&h, 2));
    h.app.open_shift(&petr, site.id, here(&h)).await.unwrap();
    // 11:20 and later: Иван is a no-show, told once to each of them in their language.
    for step in [8, 5, 30] {
        h.set_now(at(&h, step));
        h.run_schedule(&scheduler).await;
    }
    let anna_texts = h.tg.texts(anna_tg.id);
    assert_eq!(
        count(&anna_texts, "Иван не открыл(а) запланированную смену"),
        1,
        "{anna_texts:#?}"
    );
    assert_eq!(count(&anna_texts, "Пётр не открыл"), 0, "{anna_texts:#?}");
    let masha_texts = h.tg.texts(masha_tg.id);
    assert_eq!(
        count(&masha_texts, "Иван has not opened the planned shift"),
        1,
        "{masha_texts:#?}"
    );
    assert!(
        h.tg.texts(ivan_tg.id)
            .iter()
            .all(|t| !t.contains("не открыл"))
    );
    assert_eq!(
        h.store
            .planned_shift(ivans.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Planned
    );

    // After 15:00 the plan is missed; Пётр's was fulfilled by his shift.
    h.set_now(at(&h, 4 * 60));
    h.run_schedule(&scheduler).await;
    assert_eq!(
        h.store
            .planned_shift(ivans.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Missed
    );
    assert_eq!(
        h.store
            .planned_shift(petrs.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Done
    );
    assert_eq!(count(&h.tg.texts(anna_tg.id), "не открыл(а)"), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn a_forgotten_shift_is_closed_automatically_and_both_people_are_told_once() {
    let h = Harness::start_with(Backend::Postgres, Jobs::Manual).await;
    let anna_tg = FakeUser::ru(5300);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let tom_tg = FakeUser::en(5301);
    let tom = h.employee(&tom_tg, "Tom", &anna, &site).await;
    let shift = h.app.open_shift(&tom, site.id, here(&h)).await.unwrap();
    let scheduler = h.scheduler("a");
    h.run_schedule(&scheduler).await;
    assert_eq!(
        h.store.shift(shift.id).await.unwrap().unwrap().status,
        ShiftStatus::Active
    );

    // A day later the hourly scan finds it.
    h.set_now(at(&h, 24 * 60));
    h.run_schedule(&scheduler).await;
    let closed = h.store.shift(shift.id).await.unwrap().unwrap();
    assert_eq!(closed.status, ShiftStatus::AutoClosed);
    assert!(closed.needs_review);
    h.set_now(at(&h, 60));
    h.run_schedule(&scheduler).await;
    let tom_texts = h.tg.texts(tom_tg.id);
    assert_eq!(
        count(&tom_texts, "was closed automatically"),
        1,
        "{tom_texts:#?}"
    );
    let anna_texts = h.tg.texts(anna_tg.id);
    assert_eq!(
        count(&anna_texts, "закрыта автоматически"),
        1,
        "{anna_texts:#?}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn clean_up_removes_exactly_the_old_records() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let now = h.now();
    let old = now - Duration::days(31);
    let recent = now - Duration::days(29);
    let effects = &h.background;
    effects.record_effect("old-effect", old).await.unwrap();
    effects
        .record_effect("recent-effect", recent)
        .await
        .unwrap();
    // Handled updates, one past the 48 hours they are remembered for.
    for (id, hours) in [(1, 49), (2, 47)] {
        h.bot_state
            .finish_update(id, now - Duration::hours(hours))
            .await
            .unwrap();
    }
    let scheduler = h.scheduler("a");
    let pass = h.run_schedule(&scheduler).await;
    assert!(pass.fired.iter().any(|(name, _)| *name == "cleanup"));
    assert!(!effects.effect_done("old-effect").await.unwrap());
    assert!(effects.effect_done("recent-effect").await.unwrap());
    // A forgotten update id can be claimed again; a remembered one cannot.
    assert!(h.bot_state.claim_update(1, now).await.unwrap());
    assert!(!h.bot_state.claim_update(2, now).await.unwrap());
    // The ticks it fired are kept (the latest of each entry always is).
    assert!(effects.last_tick("cleanup").await.unwrap().is_some());
    h.shutdown().await;
}

#[tokio::test]
async fn a_job_done_again_after_a_crash_before_its_ack_messages_nobody_twice() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let anna_tg = FakeUser::ru(5400);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let ivan = h.employee(&FakeUser::ru(5401), "Иван", &anna, &site).await;
    h.app.open_shift(&ivan, site.id, here(&h)).await.unwrap();

    // A worker takes the notice, sends it, and dies before the ack.
    let work = h.work.as_ref().unwrap();
    assert_eq!(work.relay.relay_once().await.unwrap(), 1);
    let mut deliveries = work
        .queue
        .consume(app::Area::Notifications, 1)
        .await
        .unwrap();
    let delivery = tokio::time::timeout(WAIT, deliveries.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let job = delivery.job().clone();
    let outcome = work.handlers.get(&job.kind).unwrap().handle(&job).await;
    assert_eq!(outcome, jobs::Outcome::Done);
    drop(delivery);
    drop(deliveries);
    assert_eq!(count(&h.tg.texts(anna_tg.id), "открыл(а) смену"), 1);

    // The job comes back and is done again: the owner was told already.
    let mut redone = 0;
    for _ in 0..50 {
        redone += h.work_off_jobs().await;
        if redone > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(redone, 1, "the job was handed out again");
    assert_eq!(count(&h.tg.texts(anna_tg.id), "открыл(а) смену"), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn the_cache_refresh_computes_the_month_report_ahead() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    let anna_tg = FakeUser::ru(5500);
    let anna = h.owner(&anna_tg, "Анна").await;
    let site = h.site(&anna, "Кофейня").await;
    let ivan = h.employee(&FakeUser::ru(5501), "Иван", &anna, &site).await;
    h.app.open_shift(&ivan, site.id, here(&h)).await.unwrap();
    h.set_now(at(&h, 90));
    h.app.close_shift(&ivan, here(&h)).await.unwrap();

    let analytics = |h: &Harness| *h.cache.stats().kind(cache::Kind::Analytics);
    let before = analytics(&h);
    let pass = h.run_schedule(&h.scheduler("a")).await;
    assert!(pass.fired.iter().any(|(name, _)| *name == "cache-refresh"));
    let warmed = analytics(&h);
    assert!(
        warmed.loads > before.loads,
        "the month's totals were loaded"
    );
    // The owner's month report is then answered from memory.
    let report = h
        .app
        .summary_for(
            &anna,
            domain::period::Period::ThisMonth,
            app::reports::ReportFilter::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.worked_minutes, 90);
    let after = analytics(&h);
    assert_eq!(after.loads, warmed.loads, "no load");
    assert!(after.l1.hits > warmed.l1.hits);
    h.shutdown().await;
}

#[tokio::test]
async fn a_notice_to_someone_who_never_opened_the_bot_is_skipped_not_retried() {
    let h = Harness::start_with(Backend::Sqlite, Jobs::Manual).await;
    // Registered by an operator (`staffprobot owner add`), never wrote to the bot.
    let anna = h
        .app
        .add_owner(5600, "Анна", domain::Language::Ru)
        .await
        .unwrap();
    let site = h.site(&anna, "Кофейня").await;
    let ivan = h.employee(&FakeUser::ru(5601), "Иван", &anna, &site).await;
    let shift = h.app.open_shift(&ivan, site.id, here(&h)).await.unwrap();
    assert_eq!(h.work_off_jobs().await, 1);
    assert!(
        h.background
            .effect_done(&format!("shift:{}:opened", shift.id.0))
            .await
            .unwrap(),
        "done, not waiting for a retry"
    );
    // Marked unreachable, like someone who blocked the bot, until they write to it.
    assert!(!h.store.user(anna.id).await.unwrap().unwrap().reachable);
    let depths = h.work.as_ref().unwrap().queue.depths().await.unwrap();
    assert!(
        depths.iter().all(|d| d.delayed == 0 && d.dead == 0),
        "{depths:?}"
    );
    h.shutdown().await;
}
