//! Planning a shift: site → a calendar of the site's local dates → start time → end time →
//! summary and Confirm. Nothing is stored before Confirm. The times offered are those the
//! domain's plan rules accept (`PlannedWindow::validate`), so the buttons never offer what
//! Confirm would refuse; typed times go through the same rules and are explained when refused.

use super::plan_steps::{
    bad_time_text, calendar, check_start, check_window, confirm_step, end_step, in_range,
    plan_line, range_text, read_time, rule_text, site_picker, start_step, summary,
};
use super::{EmployeeCb, EmployeeState, leave_if, show};
use crate::args;
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::state::State;
use app::service::PlanRequest;
use app::{AppError, PlanShiftError};
use chrono::{NaiveDate, NaiveTime};
use domain::{PlannedWindow, Site, SiteId};
use teloxide::types::MessageId;

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
            let text = match ctx.app().site_of_plan(&ctx.user, &plan).await {
                Ok(site) => ctx.tf(
                    "plan-done",
                    args!["summary" => summary(ctx, &site, plan.starts_at, plan.ends_at)],
                ),
                Err(AppError::NotFound(_)) => ctx.t("plan-done-short"),
                Err(e) => return Err(e.into()),
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
                    let sites = ctx.app().employee_sites(&ctx.user).await?;
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
    Ok(match ctx.app().plannable_site(&ctx.user, site).await {
        Ok(s) => Ok(s),
        Err(PlanShiftError::SiteInactive) => Err("plan-site-inactive"),
        Err(PlanShiftError::Store(e)) => return Err(e.into()),
        Err(_) => Err("no-access-site"),
    })
}
