//! What each step of planning shows and offers: the site picker, the calendar of the site's
//! local dates, the start and end times the domain's plan rules accept (`PlannedWindow`), the
//! summary, and the texts for plans and refusals. The dialogue itself is in `plan`.

use super::EmployeeCb;
use crate::args;
use crate::callback::{CommonCb, button};
use crate::ctx::Ctx;
use crate::format::{date, duration, html};
use crate::keyboards::{cancel_row, inline};
use crate::state::Dialogue;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use domain::site::{format_time_of_day, parse_time_of_day};
use domain::{OpeningHours, PlanRuleError, PlannedWindow, Site};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// How far ahead the calendar reaches, in days after the site's today.
const HORIZON_DAYS: i64 = 60;
/// The step between offered times.
const STEP_MINUTES: i64 = 30;
/// Time buttons per row.
const TIMES_PER_ROW: usize = 4;

fn today(site: &Site, now: DateTime<Utc>) -> NaiveDate {
    site.settings.time_zone.local_date(now)
}

fn last_day(site: &Site, now: DateTime<Utc>) -> NaiveDate {
    today(site, now) + Duration::days(HORIZON_DAYS)
}

pub(super) fn in_range(site: &Site, day: NaiveDate, now: DateTime<Utc>) -> bool {
    (today(site, now)..=last_day(site, now)).contains(&day)
}

pub(super) fn range_text(ctx: &Ctx<'_>, site: &Site, now: DateTime<Utc>) -> String {
    ctx.tf(
        "plan-date-out-of-range",
        args![
            "from" => date(ctx.lang(), today(site, now)),
            "to" => date(ctx.lang(), last_day(site, now)),
        ],
    )
}

/// "9:30", "09:30", "9.30" and "24:00" (midnight) are read as times of day.
pub(crate) fn read_time(text: &str) -> Option<NaiveTime> {
    parse_time_of_day("time", &text.trim().replace('.', ":")).ok()
}

pub(super) fn bad_time_text(ctx: &Ctx<'_>, input: &str) -> String {
    let shown: String = input.chars().take(20).collect();
    ctx.tf("plan-bad-time", args!["input" => html(&shown)])
}

/// The window from the local date and times, checked by the domain's plan rules.
pub(super) fn check_window(
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
pub(super) fn check_start(
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
        Some(name) => format!("{} ({name})", date(ctx.lang(), d)),
        None => date(ctx.lang(), d),
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
pub(super) fn summary(
    ctx: &Ctx<'_>,
    site: &Site,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> String {
    let (day, from, to) = local_times(ctx, site, starts_at, ends_at);
    let minutes = (ends_at - starts_at).num_minutes();
    ctx.tf(
        "plan-summary",
        args![
            "site" => html(site.settings.name.as_str()),
            "date" => day_label(ctx, day),
            "from" => from,
            "to" => to,
            "length" => duration(&ctx.deps.texts, ctx.lang(), minutes),
        ],
    )
}

/// Why a plan is refused, with the numbers.
pub(super) fn rule_text(ctx: &Ctx<'_>, site: &Site, e: &PlanRuleError) -> String {
    let lang = ctx.lang();
    let texts = &ctx.deps.texts;
    match e {
        PlanRuleError::NonexistentLocalTime { local, .. } => ctx.tf(
            "plan-err-nonexistent",
            args!["time" => hm(local.time()), "date" => date(lang, local.date())],
        ),
        PlanRuleError::TooShort { minutes } => ctx.tf(
            "plan-err-too-short",
            args![
                "length" => duration(texts, lang, *minutes),
                "min" => duration(texts, lang, PlannedWindow::MIN_LENGTH.num_minutes()),
            ],
        ),
        PlanRuleError::TooLong { minutes } => ctx.tf(
            "plan-err-too-long",
            args![
                "length" => duration(texts, lang, *minutes),
                "max" => duration(texts, lang, PlannedWindow::MAX_LENGTH.num_minutes()),
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
    row.extend(cancel_row(ctx, Dialogue::Plan));
    row
}

/// The site buttons; `hint` is put before the question (typed text instead of a tap).
pub(super) fn site_picker(
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
    rows.push(cancel_row(ctx, Dialogue::Plan));
    let mut text = String::new();
    if let Some(h) = hint {
        text.push_str(&ctx.t(h));
        text.push_str("\n\n");
    }
    text.push_str(&ctx.t("plan-pick-site"));
    (text, inline(rows))
}

/// The month calendar of `month` (today's month when None), limited to the plannable days.
pub(super) fn calendar(
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
    rows.push(cancel_row(ctx, Dialogue::Plan));
    let text = ctx.tf(
        "plan-pick-date",
        args![
            "site" => html(site.settings.name.as_str()),
            "from" => date(ctx.lang(), first_day),
            "to" => date(ctx.lang(), last),
        ],
    );
    (text, inline(rows))
}

pub(super) fn start_step(
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

pub(super) fn end_step(
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

pub(super) fn confirm_step(
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
        Address, Coordinates, Currency, GeofenceRadius, Money, SiteId, SiteName, SiteSettings,
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
            created_at: now(),
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
