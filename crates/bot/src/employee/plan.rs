//! Planning a shift: site → a calendar of the site's local dates → start time → end time →
//! summary and Confirm. Nothing is stored before Confirm. The times offered are those the
//! domain's plan rules accept (`PlannedWindow::validate`), so the buttons never offer what
//! Confirm would refuse; typed times go through the same rules and are explained when refused.

use super::{EmployeeCb, EmployeeState, leave_if, show};
use crate::args;
use crate::callback::{CommonCb, button};
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::format::{date, duration_long, html};
use crate::keyboards::{cancel_row, inline};
use crate::state::State;
use app::PlanShiftError;
use app::service::PlanRequest;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use domain::site::{format_time_of_day, parse_time_of_day};
use domain::{OpeningHours, PlanRuleError, PlannedWindow, Site, SiteId};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

/// How far ahead the calendar reaches, in days after the site's today.
pub const HORIZON_DAYS: i64 = 60;
/// The step between offered times.
const STEP_MINUTES: i64 = 30;
/// Time buttons per row.
const TIMES_PER_ROW: usize = 4;

/// "Plan" from the menu.
pub(super) async fn start(ctx: &Ctx<'_>) -> HandlerResult {
    let sites = ctx.app().workplaces(&ctx.user).await?;
    match sites.as_slice() {
        [] => {
            ctx.send_with_menu(&ctx.t("no-sites")).await?;
            Ok(State::Idle)
        }
        [only] => {
            let (text, markup) = calendar(ctx, only, None);
            ctx.send_inline(&text, markup).await?;
            Ok(State::Employee(EmployeeState::PlanDate { site: only.id }))
        }
        _ => {
            let (text, markup) = site_picker(ctx, &sites, None);
            ctx.send_inline(&text, markup).await?;
            Ok(State::Employee(EmployeeState::PlanSite))
        }
    }
}

pub(super) async fn on_callback(
    ctx: &Ctx<'_>,
    cb: EmployeeCb,
    state: State,
    message: Option<MessageId>,
) -> HandlerResult {
    if let EmployeeCb::PlanConfirm {
        site,
        date,
        start,
        end,
    } = cb
    {
        return confirm(ctx, site, date, start, end, state, message).await;
    }
    let site_id = match cb {
        EmployeeCb::PlanAt { site }
        | EmployeeCb::PlanMonth { site, .. }
        | EmployeeCb::PlanDay { site, .. }
        | EmployeeCb::PlanStart { site, .. }
        | EmployeeCb::PlanEnd { site, .. } => site,
        _ => return Ok(state),
    };
    let site = match plannable_site(ctx, site_id).await? {
        Ok(site) => site,
        Err(reason) => {
            ctx.notice(ctx.t(reason), true);
            return Ok(leave_if(state, EmployeeState::is_plan));
        }
    };
    let now = ctx.app().now();
    let next = match cb {
        EmployeeCb::PlanAt { .. } => {
            let (text, markup) = calendar(ctx, &site, None);
            show(ctx, message, &text, Some(markup)).await?;
            EmployeeState::PlanDate { site: site.id }
        }
        EmployeeCb::PlanMonth { year, month, .. } => {
            let (text, markup) = calendar(ctx, &site, NaiveDate::from_ymd_opt(year, month, 1));
            show(ctx, message, &text, Some(markup)).await?;
            EmployeeState::PlanDate { site: site.id }
        }
        EmployeeCb::PlanDay { date, .. } => {
            if !in_range(&site, date, now) {
                ctx.notice(range_text(ctx, &site, now), true);
                let (text, markup) = calendar(ctx, &site, None);
                show(ctx, message, &text, Some(markup)).await?;
                EmployeeState::PlanDate { site: site.id }
            } else {
                let (text, markup) = start_step(ctx, &site, date, now);
                show(ctx, message, &text, Some(markup)).await?;
                EmployeeState::PlanStart {
                    site: site.id,
                    date,
                }
            }
        }
        EmployeeCb::PlanStart { date, start, .. } => {
            // The offered time may have passed since the buttons were drawn.
            if let Err(e) = check_start(&site, date, start, now) {
                ctx.notice(rule_text(ctx, &site, &e), true);
                let (text, markup) = start_step(ctx, &site, date, now);
                show(ctx, message, &text, Some(markup)).await?;
                EmployeeState::PlanStart {
                    site: site.id,
                    date,
                }
            } else {
                let (text, markup) = end_step(ctx, &site, date, start, now);
                show(ctx, message, &text, Some(markup)).await?;
                EmployeeState::PlanEnd {
                    site: site.id,
                    date,
                    start,
                }
            }
        }
        EmployeeCb::PlanEnd {
            date, start, end, ..
        } => match check_window(&site, date, start, end, now) {
            Ok(window) => {
                let (text, markup) = confirm_step(ctx, &site, date, start, end, &window);
                show(ctx, message, &text, Some(markup)).await?;
                EmployeeState::PlanConfirm {
                    site: site.id,
                    date,
                    start,
                    end,
                }
            }
            Err(e) => {
                ctx.notice(rule_text(ctx, &site, &e), true);
                let (text, markup) = end_step(ctx, &site, date, start, now);
                show(ctx, message, &text, Some(markup)).await?;
                EmployeeState::PlanEnd {
                    site: site.id,
                    date,
                    start,
                }
            }
        },
        _ => return Ok(state),
    };
    Ok(State::Employee(next))
}

/// Typed input while the plan dialogue waits: dates and times are read, anything else re-asks.
pub(super) async fn on_input(ctx: &Ctx<'_>, state: EmployeeState, input: &Input) -> HandlerResult {
    let text = match input {
        Input::Text(t) => Some(t.trim()),
        _ => None,
    };
    let site_id = match &state {
        EmployeeState::PlanDate { site }
        | EmployeeState::PlanStart { site, .. }
        | EmployeeState::PlanEnd { site, .. }
        | EmployeeState::PlanConfirm { site, .. } => *site,
        EmployeeState::PlanSite => {
            let sites = ctx.app().workplaces(&ctx.user).await?;
            if sites.is_empty() {
                ctx.send_with_menu(&ctx.t("no-sites")).await?;
                return Ok(State::Idle);
            }
            let (text, markup) = site_picker(ctx, &sites, Some("plan-use-buttons"));
            ctx.send_inline(&text, markup).await?;
            return Ok(State::Employee(state));
        }
        _ => return Ok(State::Employee(state)),
    };
    let site = match plannable_site(ctx, site_id).await? {
        Ok(site) => site,
        Err(reason) => {
            ctx.send_with_menu(&ctx.t(reason)).await?;
            return Ok(State::Idle);
        }
    };
    let now = ctx.app().now();
    let next = match state {
        EmployeeState::PlanDate { .. } => match text.and_then(domain::period::parse_date) {
            Some(day) if in_range(&site, day, now) => {
                let (text, markup) = start_step(ctx, &site, day, now);
                ctx.send_inline(&text, markup).await?;
                EmployeeState::PlanStart {
                    site: site.id,
                    date: day,
                }
            }
            Some(_) => {
                let (body, markup) = calendar(ctx, &site, None);
                let reason = range_text(ctx, &site, now);
                ctx.send_inline(&format!("{reason}\n\n{body}"), markup)
                    .await?;
                EmployeeState::PlanDate { site: site.id }
            }
            None => {
                let (body, markup) = calendar(ctx, &site, None);
                ctx.send_inline(&format!("{}\n\n{body}", ctx.t("plan-bad-date")), markup)
                    .await?;
                EmployeeState::PlanDate { site: site.id }
            }
        },
        EmployeeState::PlanStart { date, .. } => {
            let reason = match text.map(read_time) {
                Some(Some(start)) => match check_start(&site, date, start, now) {
                    Ok(()) => {
                        let (text, markup) = end_step(ctx, &site, date, start, now);
                        ctx.send_inline(&text, markup).await?;
                        return Ok(State::Employee(EmployeeState::PlanEnd {
                            site: site.id,
                            date,
                            start,
                        }));
                    }
                    Err(e) => rule_text(ctx, &site, &e),
                },
                Some(None) => bad_time_text(ctx, text.unwrap_or_default()),
                None => ctx.t("plan-time-expected"),
            };
            let (body, markup) = start_step(ctx, &site, date, now);
            ctx.send_inline(&format!("{reason}\n\n{body}"), markup)
                .await?;
            EmployeeState::PlanStart {
                site: site.id,
                date,
            }
        }
        EmployeeState::PlanEnd { date, start, .. } => {
            let reason = match text.map(read_time) {
                Some(Some(end)) => match check_window(&site, date, start, end, now) {
                    Ok(window) => {
                        let (text, markup) = confirm_step(ctx, &site, date, start, end, &window);
                        ctx.send_inline(&text, markup).await?;
                        return Ok(State::Employee(EmployeeState::PlanConfirm {
                            site: site.id,
                            date,
                            start,
                            end,
                        }));
                    }
                    Err(e) => rule_text(ctx, &site, &e),
                },
                Some(None) => bad_time_text(ctx, text.unwrap_or_default()),
                None => ctx.t("plan-time-expected"),
            };
            let (body, markup) = end_step(ctx, &site, date, start, now);
            ctx.send_inline(&format!("{reason}\n\n{body}"), markup)
                .await?;
            EmployeeState::PlanEnd {
                site: site.id,
                date,
                start,
            }
        }
        EmployeeState::PlanConfirm {
            date, start, end, ..
        } => {
            // Re-show the summary (recomputed: the rules may refuse it by now).
            match check_window(&site, date, start, end, now) {
                Ok(window) => {
                    let (body, markup) = confirm_step(ctx, &site, date, start, end, &window);
                    ctx.send_inline(
                        &format!("{}\n\n{body}", ctx.t("plan-confirm-use-buttons")),
                        markup,
                    )
                    .await?;
                    EmployeeState::PlanConfirm {
                        site: site.id,
                        date,
                        start,
                        end,
                    }
                }
                Err(e) => {
                    let (body, markup) = start_step(ctx, &site, date, now);
                    let reason = rule_text(ctx, &site, &e);
                    ctx.send_inline(&format!("{reason}\n\n{body}"), markup)
                        .await?;
                    EmployeeState::PlanStart {
                        site: site.id,
                        date,
                    }
                }
            }
        }
        other => other,
    };
    Ok(State::Employee(next))
}

/// Confirm: the only step that stores anything. A second tap (double tap, or an old summary)
/// meets the store's overlap check and is told the shift is already planned.
async fn confirm(
    ctx: &Ctx<'_>,
    site_id: SiteId,
    date: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
    state: State,
    message: Option<MessageId>,
) -> HandlerResult {
    let request = PlanRequest {
        employee_id: ctx.user.id,
        site_id,
        date,
        start,
        end,
    };
    let refusal = match ctx.app().plan_shift(&ctx.user, request).await {
        Ok(plan) => {
            let site = ctx.app().store().site(plan.site_id).await?;
            let text = match &site {
                Some(site) => ctx.tf(
                    "plan-done",
                    args!["summary" => summary(ctx, site, plan.starts_at, plan.ends_at)],
                ),
                None => ctx.t("plan-done-short"),
            };
            show(ctx, message, &text, None).await?;
            return Ok(leave_if(state, EmployeeState::is_plan));
        }
        Err(e) => e,
    };
    let site = match plannable_site(ctx, site_id).await? {
        Ok(site) => site,
        Err(reason) => {
            ctx.notice(ctx.t(reason), true);
            if let Some(m) = message {
                ctx.edit(m, &ctx.t(reason), None).await?;
            }
            return Ok(leave_if(state, EmployeeState::is_plan));
        }
    };
    let now = ctx.app().now();
    let reason = match refusal {
        PlanShiftError::Overlap => {
            let window = PlannedWindow::from_local(date, start, end, &site.settings.time_zone).ok();
            let plans = ctx.app().my_plans(&ctx.user).await?;
            let same = plans.iter().any(|p| {
                p.site_id == site.id
                    && window.is_some_and(|w| w.starts_at == p.starts_at && w.ends_at == p.ends_at)
            });
            if same {
                // Already stored by the first tap: say so and leave the message as it is.
                ctx.notice(ctx.t("plan-already"), false);
                return Ok(leave_if(state, EmployeeState::is_plan));
            }
            let other = window.and_then(|w| {
                plans
                    .iter()
                    .find(|p| p.starts_at < w.ends_at && w.starts_at < p.ends_at)
            });
            match other {
                Some(p) => {
                    let sites = ctx.app().store().sites_of_employee(ctx.user.id).await?;
                    match sites.iter().find(|s| s.id == p.site_id) {
                        Some(s) => ctx.tf(
                            "plan-err-overlap",
                            args!["plan" => plan_line(ctx, s, p.starts_at, p.ends_at)],
                        ),
                        None => ctx.t("plan-err-overlap-other"),
                    }
                }
                None => ctx.t("plan-err-overlap-other"),
            }
        }
        PlanShiftError::Rule(e) => rule_text(ctx, &site, &e),
        PlanShiftError::SiteInactive => ctx.t("plan-site-inactive"),
        PlanShiftError::SiteNotFound
        | PlanShiftError::NoAccess
        | PlanShiftError::EmployeeNotFound
        | PlanShiftError::PlanNotFound => ctx.t("no-access-site"),
        PlanShiftError::Store(e) => return Err(e.into()),
    };
    // Refused: say why and offer the start times of that day again.
    let (body, markup) = start_step(ctx, &site, date, now);
    show(ctx, message, &format!("{reason}\n\n{body}"), Some(markup)).await?;
    Ok(State::Employee(EmployeeState::PlanStart {
        site: site.id,
        date,
    }))
}

/// The site if the person may plan there now; otherwise the id of the text that says why.
async fn plannable_site(
    ctx: &Ctx<'_>,
    site: SiteId,
) -> Result<Result<Site, &'static str>, BotError> {
    let sites = ctx.app().store().sites_of_employee(ctx.user.id).await?;
    Ok(match sites.into_iter().find(|s| s.id == site) {
        Some(s) if s.active => Ok(s),
        Some(_) => Err("plan-site-inactive"),
        None => Err("no-access-site"),
    })
}

fn today(site: &Site, now: DateTime<Utc>) -> NaiveDate {
    site.settings.time_zone.local_date(now)
}

fn last_day(site: &Site, now: DateTime<Utc>) -> NaiveDate {
    today(site, now) + Duration::days(HORIZON_DAYS)
}

fn in_range(site: &Site, day: NaiveDate, now: DateTime<Utc>) -> bool {
    (today(site, now)..=last_day(site, now)).contains(&day)
}

fn range_text(ctx: &Ctx<'_>, site: &Site, now: DateTime<Utc>) -> String {
    ctx.tf(
        "plan-date-out-of-range",
        args!["from" => date(today(site, now)), "to" => date(last_day(site, now))],
    )
}

/// "9:30", "09:30", "9.30" and "24:00" (midnight) are read as times of day.
pub(crate) fn read_time(text: &str) -> Option<NaiveTime> {
    parse_time_of_day("time", &text.trim().replace('.', ":")).ok()
}

fn bad_time_text(ctx: &Ctx<'_>, input: &str) -> String {
    let shown: String = input.chars().take(20).collect();
    ctx.tf("plan-bad-time", args!["input" => html(&shown)])
}

/// The window from the local date and times, checked by the domain's plan rules.
fn check_window(
    site: &Site,
    date: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
    now: DateTime<Utc>,
) -> Result<PlannedWindow, PlanRuleError> {
    let tz = site.settings.time_zone;
    let window = PlannedWindow::from_local(date, start, end, &tz)?;
    window.validate(&site.settings.hours, &tz, now)?;
    Ok(window)
}

/// Whether a plan can start at `start`: every plan is at least the minimum length, so when the
/// shortest one from there is refused (past, outside the hours, a skipped hour), all are.
fn check_start(
    site: &Site,
    date: NaiveDate,
    start: NaiveTime,
    now: DateTime<Utc>,
) -> Result<(), PlanRuleError> {
    check_window(site, date, start, start + PlannedWindow::MIN_LENGTH, now).map(|_| ())
}

/// Start times in 30-minute steps from the opening time, those a plan could start at.
fn start_options(site: &Site, date: NaiveDate, now: DateTime<Utc>) -> Vec<NaiveTime> {
    let first = site.settings.hours.opens_at();
    (0..(24 * 60 / STEP_MINUTES))
        .map(|i| first + Duration::minutes(i * STEP_MINUTES))
        .filter(|&s| check_start(site, date, s, now).is_ok())
        .collect()
}

/// End times in 30-minute steps after the start (up to 24 hours), those the rules accept.
fn end_options(
    site: &Site,
    date: NaiveDate,
    start: NaiveTime,
    now: DateTime<Utc>,
) -> Vec<NaiveTime> {
    let shortest = PlannedWindow::MIN_LENGTH.num_minutes() / STEP_MINUTES;
    let longest = PlannedWindow::MAX_LENGTH.num_minutes() / STEP_MINUTES;
    (shortest..=longest)
        .map(|i| start + Duration::minutes(i * STEP_MINUTES))
        .filter(|&e| check_window(site, date, start, e, now).is_ok())
        .collect()
}

fn hm(t: NaiveTime) -> String {
    format_time_of_day(t)
}

/// "01.12.2026 (Tue)".
fn day_label(ctx: &Ctx<'_>, d: NaiveDate) -> String {
    let names = ctx.t("calendar-weekdays");
    let index = d.weekday().num_days_from_monday() as usize;
    match names.split_whitespace().nth(index) {
        Some(name) => format!("{} ({name})", date(d)),
        None => date(d),
    }
}

/// "09:00–21:00" or "around the clock".
fn hours_text(ctx: &Ctx<'_>, hours: &OpeningHours) -> String {
    match hours {
        OpeningHours::AroundTheClock => ctx.t("plan-hours-always"),
        OpeningHours::Daily { opens, closes } => ctx.tf(
            "plan-hours",
            args!["opens" => hm(*opens), "closes" => hm(*closes)],
        ),
    }
}

/// The local times of a window as "09:00", "17:00" (or "06:00 next day").
fn local_times(
    ctx: &Ctx<'_>,
    site: &Site,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> (NaiveDate, String, String) {
    let tz = site.settings.time_zone;
    let (s, e) = (tz.local(starts_at), tz.local(ends_at));
    let to = if e.date() != s.date() {
        ctx.tf("plan-next-day", args!["time" => hm(e.time())])
    } else {
        hm(e.time())
    };
    (s.date(), hm(s.time()), to)
}

/// One line about a plan: "«Site», 01.12.2026 (Tue) 09:00–17:00".
pub(super) fn plan_line(
    ctx: &Ctx<'_>,
    site: &Site,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> String {
    let (day, from, to) = local_times(ctx, site, starts_at, ends_at);
    ctx.tf(
        "plan-line",
        args![
            "site" => html(site.settings.name.as_str()),
            "date" => day_label(ctx, day),
            "from" => from,
            "to" => to,
        ],
    )
}

/// The multi-line summary: site, date, from–to, length.
fn summary(ctx: &Ctx<'_>, site: &Site, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> String {
    let (day, from, to) = local_times(ctx, site, starts_at, ends_at);
    let minutes = (ends_at - starts_at).num_minutes();
    ctx.tf(
        "plan-summary",
        args![
            "site" => html(site.settings.name.as_str()),
            "date" => day_label(ctx, day),
            "from" => from,
            "to" => to,
            "length" => duration_long(&ctx.deps.texts, ctx.lang(), minutes),
        ],
    )
}

/// Why a plan is refused, with the numbers.
fn rule_text(ctx: &Ctx<'_>, site: &Site, e: &PlanRuleError) -> String {
    let lang = ctx.lang();
    let texts = &ctx.deps.texts;
    match e {
        PlanRuleError::NonexistentLocalTime { local, .. } => ctx.tf(
            "plan-err-nonexistent",
            args!["time" => hm(local.time()), "date" => date(local.date())],
        ),
        PlanRuleError::TooShort { minutes } => ctx.tf(
            "plan-err-too-short",
            args![
                "length" => duration_long(texts, lang, *minutes),
                "min" => duration_long(texts, lang, PlannedWindow::MIN_LENGTH.num_minutes()),
            ],
        ),
        PlanRuleError::TooLong { minutes } => ctx.tf(
            "plan-err-too-long",
            args![
                "length" => duration_long(texts, lang, *minutes),
                "max" => duration_long(texts, lang, PlannedWindow::MAX_LENGTH.num_minutes()),
            ],
        ),
        PlanRuleError::InThePast => ctx.t("plan-err-past"),
        PlanRuleError::OutsideOpeningHours { .. } => ctx.tf(
            "plan-err-hours",
            args!["hours" => hours_text(ctx, &site.settings.hours)],
        ),
        // Cancelling rules do not apply to a new plan; said plainly all the same.
        PlanRuleError::CancelTooLate { .. } | PlanRuleError::NotCancellable { .. } => {
            ctx.t("plan-err-other")
        }
    }
}

fn time_rows(
    times: &[NaiveTime],
    cb: impl Fn(NaiveTime) -> EmployeeCb,
) -> Vec<Vec<InlineKeyboardButton>> {
    times
        .chunks(TIMES_PER_ROW)
        .map(|row| row.iter().map(|&t| button(hm(t), cb(t))).collect())
        .collect()
}

fn back_and_cancel(ctx: &Ctx<'_>, back: EmployeeCb) -> Vec<InlineKeyboardButton> {
    let mut row = vec![button(ctx.t("button-back"), back)];
    row.extend(cancel_row(ctx));
    row
}

/// The site buttons; `hint` is put before the question (typed text instead of a tap).
fn site_picker(
    ctx: &Ctx<'_>,
    sites: &[Site],
    hint: Option<&str>,
) -> (String, InlineKeyboardMarkup) {
    let mut rows: Vec<_> = sites
        .iter()
        .map(|s| {
            vec![button(
                s.settings.name.as_str(),
                EmployeeCb::PlanAt { site: s.id },
            )]
        })
        .collect();
    rows.push(cancel_row(ctx));
    let mut text = String::new();
    if let Some(h) = hint {
        text.push_str(&ctx.t(h));
        text.push_str("\n\n");
    }
    text.push_str(&ctx.t("plan-pick-site"));
    (text, inline(rows))
}

/// The month calendar of `month` (today's month when None), limited to the plannable days.
fn calendar(
    ctx: &Ctx<'_>,
    site: &Site,
    month: Option<NaiveDate>,
) -> (String, InlineKeyboardMarkup) {
    let now = ctx.app().now();
    let (first_day, last) = (today(site, now), last_day(site, now));
    let month_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let shown = month
        .map(month_of)
        .unwrap_or(month_of(first_day))
        .clamp(month_of(first_day), month_of(last));
    let noop = |text: &str| button(text, CommonCb::Noop);
    let blank = || noop(" ");

    let prev = shown.pred_opt().map(month_of);
    let next = shown
        .checked_add_months(chrono::Months::new(1))
        .filter(|m| *m <= last);
    let nav = |target: Option<NaiveDate>, label: &str| match target {
        Some(m) if m >= month_of(first_day) && m <= month_of(last) => button(
            label,
            EmployeeCb::PlanMonth {
                site: site.id,
                year: m.year(),
                month: m.month(),
            },
        ),
        _ => blank(),
    };
    let title = ctx.tf(
        "calendar-month",
        args!["month" => shown.month(), "year" => shown.year().to_string()],
    );
    let mut rows = vec![vec![nav(prev, "‹"), noop(&title), nav(next, "›")]];
    rows.push(
        ctx.t("calendar-weekdays")
            .split_whitespace()
            .map(noop)
            .collect(),
    );
    // Weeks with no day to pick (before today, after the horizon) are left out entirely.
    let mut week = vec![blank(); shown.weekday().num_days_from_monday() as usize];
    let mut pickable = false;
    let mut day = shown;
    while day.month() == shown.month() {
        if (first_day..=last).contains(&day) {
            pickable = true;
            week.push(button(
                day.day().to_string(),
                EmployeeCb::PlanDay {
                    site: site.id,
                    date: day,
                },
            ));
        } else {
            week.push(blank());
        }
        if week.len() == 7 {
            let full = std::mem::take(&mut week);
            if std::mem::take(&mut pickable) {
                rows.push(full);
            }
        }
        match day.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    if pickable {
        week.resize_with(7, blank);
        rows.push(week);
    }
    rows.push(cancel_row(ctx));
    let text = ctx.tf(
        "plan-pick-date",
        args![
            "site" => html(site.settings.name.as_str()),
            "from" => date(first_day),
            "to" => date(last),
        ],
    );
    (text, inline(rows))
}

fn start_step(
    ctx: &Ctx<'_>,
    site: &Site,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> (String, InlineKeyboardMarkup) {
    let options = start_options(site, day, now);
    let back = EmployeeCb::PlanMonth {
        site: site.id,
        year: day.year(),
        month: day.month(),
    };
    let site_name = html(site.settings.name.as_str());
    let text = if options.is_empty() {
        ctx.tf(
            "plan-no-times",
            args!["site" => site_name, "date" => day_label(ctx, day)],
        )
    } else {
        ctx.tf(
            "plan-pick-start",
            args![
                "site" => site_name,
                "date" => day_label(ctx, day),
                "hours" => hours_text(ctx, &site.settings.hours),
            ],
        )
    };
    let mut rows = time_rows(&options, |start| EmployeeCb::PlanStart {
        site: site.id,
        date: day,
        start,
    });
    rows.push(back_and_cancel(ctx, back));
    (text, inline(rows))
}

fn end_step(
    ctx: &Ctx<'_>,
    site: &Site,
    day: NaiveDate,
    start: NaiveTime,
    now: DateTime<Utc>,
) -> (String, InlineKeyboardMarkup) {
    let options = end_options(site, day, start, now);
    let text = ctx.tf(
        "plan-pick-end",
        args![
            "site" => html(site.settings.name.as_str()),
            "date" => day_label(ctx, day),
            "start" => hm(start),
            "hours" => hours_text(ctx, &site.settings.hours),
        ],
    );
    let mut rows = time_rows(&options, |end| EmployeeCb::PlanEnd {
        site: site.id,
        date: day,
        start,
        end,
    });
    rows.push(back_and_cancel(
        ctx,
        EmployeeCb::PlanDay {
            site: site.id,
            date: day,
        },
    ));
    (text, inline(rows))
}

fn confirm_step(
    ctx: &Ctx<'_>,
    site: &Site,
    day: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
    window: &PlannedWindow,
) -> (String, InlineKeyboardMarkup) {
    let text = ctx.tf(
        "plan-confirm",
        args!["summary" => summary(ctx, site, window.starts_at, window.ends_at)],
    );
    let rows = vec![
        vec![button(
            ctx.t("plan-button-confirm"),
            EmployeeCb::PlanConfirm {
                site: site.id,
                date: day,
                start,
                end,
            },
        )],
        back_and_cancel(
            ctx,
            EmployeeCb::PlanStart {
                site: site.id,
                date: day,
                start,
            },
        ),
    ];
    (text, inline(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::{
        Address, Coordinates, Currency, GeofenceRadius, Money, SiteName, SiteSettings,
        SiteTimeZone, UserId,
    };

    fn site(opens: &str, closes: &str, zone: &str) -> Site {
        Site {
            id: SiteId(1),
            owner_id: UserId(1),
            settings: SiteSettings {
                name: SiteName::new("Кофейня").unwrap(),
                address: Address::default(),
                location: Coordinates::new(55.75, 37.62).unwrap(),
                radius: GeofenceRadius::DEFAULT,
                hours: OpeningHours::parse(opens, closes).unwrap(),
                time_zone: SiteTimeZone::parse(zone).unwrap(),
                hourly_rate: Money::new(35_000, Currency::RUB),
            },
            active: true,
            notify_owner: true,
            join_code: "x".into(),
            created_at: Utc::now(),
        }
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// 2026-11-25 12:00 UTC = 15:00 in Moscow.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    #[test]
    fn start_times_fit_the_opening_hours() {
        let s = site("09:00", "21:00", "Europe/Moscow");
        let starts = start_options(&s, d(2026, 12, 1), now());
        assert_eq!(starts.first(), Some(&t(9, 0)));
        assert_eq!(starts.last(), Some(&t(20, 0)));
        assert_eq!(starts.len(), 23);
        // Today: only what is still ahead.
        let today = start_options(&s, d(2026, 11, 25), now());
        assert_eq!(today.first(), Some(&t(15, 30)));
    }

    #[test]
    fn overnight_sites_offer_times_across_midnight() {
        let s = site("20:00", "06:00", "Asia/Vladivostok");
        let starts = start_options(&s, d(2026, 12, 1), now());
        assert_eq!(starts.first(), Some(&t(20, 0)));
        assert_eq!(starts.last(), Some(&t(5, 0)));
        let ends = end_options(&s, d(2026, 12, 1), t(22, 0), now());
        assert_eq!(ends.first(), Some(&t(23, 0)));
        assert_eq!(ends.last(), Some(&t(6, 0)));
    }

    #[test]
    fn around_the_clock_ends_reach_a_full_day() {
        let s = site("00:00", "00:00", "Europe/Moscow");
        let ends = end_options(&s, d(2026, 12, 1), t(8, 0), now());
        assert_eq!(ends.len(), 47);
        assert_eq!(ends.last(), Some(&t(8, 0)));
    }

    #[test]
    fn skipped_local_times_are_not_offered() {
        let s = site("00:00", "00:00", "Europe/Berlin");
        let starts = start_options(&s, d(2027, 3, 28), now());
        assert!(!starts.contains(&t(2, 0)) && !starts.contains(&t(2, 30)));
        assert!(starts.contains(&t(3, 0)));
    }

    #[test]
    fn month_names_in_both_languages() {
        let texts = crate::texts::Texts::load().unwrap();
        let month = |lang, m: u32| {
            texts.format(
                lang,
                "calendar-month",
                Some(&args!["month" => m, "year" => "2026"]),
            )
        };
        assert_eq!(month(domain::Language::Ru, 1), "Январь 2026");
        assert_eq!(month(domain::Language::Ru, 11), "Ноябрь 2026");
        assert_eq!(month(domain::Language::En, 3), "March 2026");
        assert_eq!(month(domain::Language::En, 12), "December 2026");
        for lang in [domain::Language::Ru, domain::Language::En] {
            let names: std::collections::BTreeSet<_> = (1..=12).map(|m| month(lang, m)).collect();
            assert_eq!(names.len(), 12);
            let days = texts.get(lang, "calendar-weekdays");
            assert_eq!(days.split_whitespace().count(), 7);
        }
    }

    #[test]
    fn typed_times() {
        assert_eq!(read_time("9:30"), Some(t(9, 30)));
        assert_eq!(read_time("09.30"), Some(t(9, 30)));
        assert_eq!(read_time("24:00"), Some(t(0, 0)));
        assert_eq!(read_time(" 9:30 "), Some(t(9, 30)));
        assert_eq!(read_time("+9:30"), None);
        assert_eq!(read_time("25:00"), None);
        assert_eq!(read_time("утром"), None);
        assert_eq!(read_time(""), None);
    }
}
