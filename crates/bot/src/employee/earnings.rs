//! "Earnings": today, this week, this month or a typed period; per site (shifts, hours, pay) and
//! the total. Only finished shifts count, each site's days in its own time zone.

use super::{EarningsChoice, EmployeeCb, EmployeeState, leave_if, show};
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::format::{date, duration, html, money_list, typed_date};
use crate::keyboards::{cancel_row, inline};
use crate::state::{Dialogue, State};
use chrono::{Datelike, Duration, NaiveDate};
use domain::SiteTimeZone;
use domain::period::{Period, parse_date_range};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

pub(super) async fn start(ctx: &Ctx<'_>) -> HandlerResult {
    ctx.send_inline(&ctx.t("earn-choose"), period_buttons(ctx))
        .await?;
    Ok(State::Idle)
}

pub(super) async fn on_choice(
    ctx: &Ctx<'_>,
    choice: EarningsChoice,
    state: State,
    message: Option<MessageId>,
) -> HandlerResult {
    let period = match choice {
        EarningsChoice::Today => Period::Today,
        EarningsChoice::Week => Period::ThisWeek,
        EarningsChoice::Month => Period::ThisMonth,
        EarningsChoice::Custom => {
            let text = ctx.tf("earn-ask-period", args!["example" => example(ctx)]);
            ctx.send_inline(&text, inline(vec![cancel_row(ctx, Dialogue::Earnings)]))
                .await?;
            return Ok(State::Employee(EmployeeState::EarningsPeriod));
        }
    };
    let (text, files) = report(ctx, period).await?;
    // The answer replaces the question and keeps the buttons, to switch the period.
    show(ctx, message, &text, Some(answer_buttons(ctx, files))).await?;
    Ok(leave_if(state, |s| *s == EmployeeState::EarningsPeriod))
}

/// The typed period.
pub(super) async fn on_input(ctx: &Ctx<'_>, input: &Input) -> HandlerResult {
    let range = match input {
        Input::Text(t) => parse_date_range(t),
        _ => None,
    };
    let Some((from, to)) = range else {
        let text = ctx.tf("earn-bad-period", args!["example" => example(ctx)]);
        ctx.send_inline(&text, inline(vec![cancel_row(ctx, Dialogue::Earnings)]))
            .await?;
        return Ok(State::Employee(EmployeeState::EarningsPeriod));
    };
    let (text, files) = report(ctx, Period::Custom { from, to }).await?;
    ctx.send_inline(&text, answer_buttons(ctx, files)).await?;
    Ok(State::Idle)
}

/// Under an answer: the files of my shifts in its period (when there were any), then the periods.
fn answer_buttons(ctx: &Ctx<'_>, files: Option<(NaiveDate, NaiveDate)>) -> InlineKeyboardMarkup {
    let mut rows = Vec::new();
    if let Some((from, to)) = files {
        rows.push(crate::report_files::buttons(
            &ctx.deps.texts,
            ctx.lang(),
            |format| EmployeeCb::OwnFile { from, to, format }.into(),
        ));
    }
    rows.extend(period_rows(ctx));
    inline(rows)
}

fn period_buttons(ctx: &Ctx<'_>) -> InlineKeyboardMarkup {
    inline(period_rows(ctx))
}

fn period_rows(ctx: &Ctx<'_>) -> Vec<Vec<InlineKeyboardButton>> {
    let b = |id: &str, c: EarningsChoice| button(ctx.t(id), EmployeeCb::Earnings(c));
    vec![
        vec![
            b("earn-button-today", EarningsChoice::Today),
            b("earn-button-week", EarningsChoice::Week),
        ],
        vec![
            b("earn-button-month", EarningsChoice::Month),
            b("earn-button-period", EarningsChoice::Custom),
        ],
    ]
}

/// The whole of last month, as a range to type ("01.10.2026-31.10.2026").
fn example(ctx: &Ctx<'_>) -> String {
    let today = SiteTimeZone::default().local_date(ctx.app().now());
    let first_this = today.with_day(1).unwrap_or(today);
    let last_prev = first_this - Duration::days(1);
    let first_prev = last_prev.with_day(1).unwrap_or(last_prev);
    format!("{}-{}", typed_date(first_prev), typed_date(last_prev))
}

/// The earnings text, and the period its files cover (None without shifts).
async fn report(
    ctx: &Ctx<'_>,
    period: Period,
) -> Result<(String, Option<(NaiveDate, NaiveDate)>), BotError> {
    let earnings = ctx.app().earnings(&ctx.user, period).await?;
    let lang = ctx.lang();
    let texts = &ctx.deps.texts;
    let title = match period {
        Period::Today => ctx.t("earn-title-today"),
        Period::ThisWeek => ctx.t("earn-title-week"),
        Period::ThisMonth => ctx.t("earn-title-month"),
        Period::Custom { from, to } => {
            let (from, to): (NaiveDate, NaiveDate) = (from.min(to), from.max(to));
            ctx.tf(
                "earn-title-period",
                args!["from" => date(lang, from), "to" => date(lang, to)],
            )
        }
    };
    if earnings.per_site.is_empty() {
        return Ok((format!("{title}\n{}", ctx.t("earn-none")), None));
    }
    let mut lines = vec![title];
    for s in &earnings.per_site {
        lines.push(ctx.tf(
            "earn-site-line",
            args![
                "site" => html(s.site.settings.name.as_str()),
                "shifts" => ctx.tf("earn-shifts", args!["n" => s.shifts]),
                "hours" => duration(texts, lang, s.worked_minutes),
                "pay" => money_list(lang, &s.pay),
            ],
        ));
    }
    lines.push(ctx.tf(
        "earn-total",
        args![
            "shifts" => ctx.tf("earn-shifts", args!["n" => earnings.shifts]),
            "hours" => duration(texts, lang, earnings.worked_minutes),
            "pay" => money_list(lang, &earnings.totals),
        ],
    ));
    let dates = ctx.app().own_period_dates(&ctx.user, period).await?;
    Ok((lines.join("\n"), Some(dates)))
}
