//! "I forgot to close the shift": an employee whose shift still runs after they left the site
//! says when they left (a typed time of the site, or "now"); the shift ends then at once, flagged
//! for the owner's review (`StaffPro::report_forgotten_close`), and the owner and managers are
//! asked to approve it (the notifier). Offered in the status of a running shift and when a close
//! location is refused as outside the site.

use super::plan_steps::read_time;
use super::{EmployeeCb, EmployeeState};
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::format::{duration, html, local_date_time, local_time, money};
use crate::keyboards::{cancel_row, inline};
use crate::state::{Dialogue, State};
use app::review::{ManualCloseError, StatedEnd};
use domain::{EndTimeError, Money, SiteTimeZone};
use teloxide::types::InlineKeyboardButton;

/// The button that starts the dialogue.
pub(crate) fn offer_button(ctx: &Ctx<'_>) -> InlineKeyboardButton {
    button(ctx.t("forgot-button"), EmployeeCb::Forgot)
}

/// Asks when they left (their running shift's site and start are shown).
pub(super) async fn start(ctx: &Ctx<'_>) -> HandlerResult {
    let status = ctx.app().employee_status(&ctx.user).await?;
    let Some(running) = status.active else {
        ctx.send_with_menu(&ctx.t("forgot-no-active")).await?;
        return Ok(State::Idle);
    };
    let tz = running.site.settings.time_zone;
    let text = ctx.tf(
        "forgot-ask",
        args![
            "site" => html(running.site.settings.name.as_str()),
            "since" => local_date_time(ctx.lang(), &tz, running.shift.started_at),
            "zone" => tz.name(),
        ],
    );
    let rows = vec![
        vec![button(ctx.t("forgot-button-now"), EmployeeCb::ForgotNow)],
        cancel_row(ctx, Dialogue::ForgotClose),
    ];
    // A new message: the status (or the refusal) it was offered under stays readable.
    ctx.send_inline(&text, inline(rows)).await?;
    Ok(State::Employee(EmployeeState::ForgotTime))
}

/// "I'm leaving now".
pub(super) async fn now(ctx: &Ctx<'_>) -> HandlerResult {
    report(ctx, StatedEnd::Now).await
}

/// A typed time while the question is open.
pub(super) async fn on_input(ctx: &Ctx<'_>, input: &Input) -> HandlerResult {
    let typed = match input {
        Input::Text(t) => t.trim(),
        _ => "",
    };
    let Some(time) = read_time(typed) else {
        let shown: String = typed.chars().take(20).collect();
        ctx.send(
            &ctx.tf("stated-bad-time", args!["input" => html(&shown)]),
            None,
        )
        .await?;
        return Ok(State::Employee(EmployeeState::ForgotTime));
    };
    report(ctx, StatedEnd::LocalTime(time)).await
}

async fn report(ctx: &Ctx<'_>, end: StatedEnd) -> HandlerResult {
    match ctx.app().report_forgotten_close(&ctx.user, end).await {
        Ok(notice) => {
            let shift = &notice.record.shift;
            let tz = notice.record.site.settings.time_zone;
            let lang = ctx.lang();
            let pay = Money::new(shift.pay_minor.unwrap_or(0), shift.hourly_rate.currency);
            let text = ctx.tf(
                "forgot-done",
                args![
                    "site" => html(notice.record.site.settings.name.as_str()),
                    "ended" => shift.ended_at.map(|t| local_time(&tz, t)).unwrap_or_default(),
                    "worked" => duration(&ctx.deps.texts, lang, shift.worked_minutes.unwrap_or(0)),
                    "pay" => money(lang, pay),
                ],
            );
            ctx.send_with_menu(&text).await?;
            Ok(State::Idle)
        }
        Err(ManualCloseError::NoActiveShift) => {
            ctx.send_with_menu(&ctx.t("forgot-no-active")).await?;
            Ok(State::Idle)
        }
        Err(ManualCloseError::BadTime(bad)) => {
            // The shift still runs (nothing was changed): its site gives the zone to show.
            let tz = ctx
                .app()
                .employee_status(&ctx.user)
                .await?
                .active
                .map(|r| r.site.settings.time_zone)
                .unwrap_or_default();
            ctx.send_inline(
                &out_of_range(ctx, bad, &tz),
                inline(vec![cancel_row(ctx, Dialogue::ForgotClose)]),
            )
            .await?;
            Ok(State::Employee(EmployeeState::ForgotTime))
        }
        Err(e) => Err(BotError::Other(e.to_string())),
    }
}

/// Why a stated end was refused, with the bound it broke in the site's time.
pub(crate) fn out_of_range(ctx: &Ctx<'_>, bad: EndTimeError, tz: &SiteTimeZone) -> String {
    match bad {
        EndTimeError::BeforeStart { started_at } => ctx.tf(
            "stated-before-start",
            args!["started" => local_date_time(ctx.lang(), tz, started_at)],
        ),
        EndTimeError::InFuture { now } => ctx.tf(
            "stated-in-future",
            args!["now" => local_date_time(ctx.lang(), tz, now)],
        ),
    }
}
