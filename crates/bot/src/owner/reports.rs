//! Reports for owners and managers: all sites, one site or one employee, for today, this week,
//! this month or a typed period: finished shifts, hours and pay, per site and per employee
//! (`StaffPro::summary_for`); under a shown report, its files (`crate::report_files`).

use super::{OwnerCb, OwnerState, PeriodChoice, Scope, show};
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::format::{date, duration, html, money_list};
use crate::keyboards::{cancel_row, inline};
use crate::state::{Dialogue, State};
use app::AppError;
use app::reports::{MAX_REPORT_DAYS, ReportFilter};
use chrono::NaiveDate;
use domain::period::{Period, parse_date_range};
use domain::{Money, SiteId, UserId};
use teloxide::types::{InlineKeyboardButton, MessageId};

/// Telegram allows 4096 characters; longer lists end with "…and N more".
const MAX_TEXT: usize = 3500;
/// Buttons per message are limited too.
const MAX_LISTED: usize = 80;

/// What the report is about, as a title; or the text explaining the scope is gone.
async fn scope_title(ctx: &Ctx<'_>, scope: Scope) -> Result<Result<String, String>, BotError> {
    Ok(match scope {
        Scope::All => Ok(ctx.t("report-scope-all")),
        Scope::Site(id) => match ctx.app().managed_site(&ctx.user, id).await {
            Ok(site) => Ok(ctx.tf(
                "report-scope-site",
                args!["site" => html(site.settings.name.as_str())],
            )),
            Err(AppError::NotFound(_)) => Err(ctx.t("no-access-site")),
            Err(e) => return Err(e.into()),
        },
        Scope::Employee(id) => match ctx
            .app()
            .employees_for(&ctx.user, None)
            .await?
            .into_iter()
            .find(|e| e.user.id == id)
        {
            Some(e) => Ok(ctx.tf(
                "report-scope-employee",
                args!["employee" => html(e.user.name.as_str())],
            )),
            None => Err(ctx.t("report-employee-gone")),
        },
    })
}

/// Step 1: all sites, one site, or an employee.
pub async fn pick_scope(ctx: &Ctx<'_>, message: Option<MessageId>) -> Result<(), BotError> {
    let sites = ctx.app().sites_for(&ctx.user).await?;
    if sites.is_empty() {
        let text = ctx.t("now-no-sites");
        return match message {
            Some(m) => ctx.edit(m, &text, None).await,
            None => ctx.send_with_menu(&text).await.map(|_| ()),
        };
    }
    let mut rows = Vec::new();
    if sites.len() > 1 {
        rows.push(vec![button(
            ctx.t("report-button-all"),
            OwnerCb::ReportScope(Scope::All),
        )]);
    }
    for s in sites.iter().take(MAX_LISTED) {
        rows.push(vec![button(
            format!("🏢 {}", s.settings.name.as_str()),
            OwnerCb::ReportScope(Scope::Site(s.id)),
        )]);
    }
    rows.push(vec![button(
        ctx.t("report-button-by-employee"),
        OwnerCb::ReportEmployees,
    )]);
    // Shifts nobody reviewed yet stay flagged; the reports show them until someone does.
    let mut text = ctx.t("report-pick-scope");
    let pending = super::review::pending_count(ctx).await?;
    if pending > 0 {
        text = format!(
            "{}\n\n{text}",
            ctx.tf("review-pending", args!["n" => pending])
        );
        rows.push(vec![button(
            ctx.tf("review-button-list", args!["n" => pending]),
            OwnerCb::ReviewList,
        )]);
    }
    show(ctx, message, &text, inline(rows)).await
}

pub async fn pick_employee(ctx: &Ctx<'_>, message: Option<MessageId>) -> Result<(), BotError> {
    let people = ctx.app().employees_for(&ctx.user, None).await?;
    let back = vec![button(ctx.t("button-back"), OwnerCb::Reports)];
    if people.is_empty() {
        return show(
            ctx,
            message,
            &ctx.t("report-no-employees"),
            inline(vec![back]),
        )
        .await;
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = people
        .iter()
        .take(MAX_LISTED)
        .map(|e| {
            vec![button(
                format!("👤 {}", e.user.name.as_str()),
                OwnerCb::ReportScope(Scope::Employee(e.user.id)),
            )]
        })
        .collect();
    rows.push(back);
    show(ctx, message, &ctx.t("report-pick-employee"), inline(rows)).await
}

fn period_rows(ctx: &Ctx<'_>, scope: Scope) -> Vec<Vec<InlineKeyboardButton>> {
    let b = |id: &str, period| button(ctx.t(id), OwnerCb::Report { scope, period });
    vec![
        vec![
            b("report-button-today", PeriodChoice::Today),
            b("report-button-week", PeriodChoice::Week),
            b("report-button-month", PeriodChoice::Month),
        ],
        vec![b("report-button-period", PeriodChoice::Custom)],
        vec![button(ctx.t("button-back"), OwnerCb::Reports)],
    ]
}

/// The buttons under a shown report: its files (when it has shifts), then the periods.
fn shown_rows(ctx: &Ctx<'_>, scope: Scope, shown: &Shown) -> Vec<Vec<InlineKeyboardButton>> {
    let mut rows = Vec::new();
    if shown.shifts > 0 {
        let (from, to) = (shown.from, shown.to);
        rows.push(crate::report_files::buttons(
            &ctx.deps.texts,
            ctx.lang(),
            |format| {
                OwnerCb::ReportFile {
                    scope,
                    from,
                    to,
                    format,
                }
                .into()
            },
        ));
    }
    rows.extend(period_rows(ctx, scope));
    rows
}

pub async fn pick_period(
    ctx: &Ctx<'_>,
    scope: Scope,
    message: Option<MessageId>,
) -> Result<(), BotError> {
    match scope_title(ctx, scope).await? {
        Ok(title) => {
            let text = ctx.tf("report-pick-period", args!["scope" => title]);
            show(ctx, message, &text, inline(period_rows(ctx, scope))).await
        }
        Err(why) => {
            ctx.notice(why, true);
            Ok(())
        }
    }
}

pub async fn run(
    ctx: &Ctx<'_>,
    scope: Scope,
    choice: PeriodChoice,
    message: Option<MessageId>,
    state: State,
) -> HandlerResult {
    let period = match choice {
        PeriodChoice::Today => Period::Today,
        PeriodChoice::Week => Period::ThisWeek,
        PeriodChoice::Month => Period::ThisMonth,
        PeriodChoice::Custom => {
            if let Err(why) = scope_title(ctx, scope).await? {
                ctx.notice(why, true);
                return Ok(state);
            }
            ctx.send_inline(
                &ctx.t("report-ask-range"),
                inline(vec![cancel_row(ctx, Dialogue::Report)]),
            )
            .await?;
            return Ok(State::Owner(OwnerState::ReportRange { scope }));
        }
    };
    match report(ctx, scope, period).await? {
        Ok(shown) => {
            let rows = shown_rows(ctx, scope, &shown);
            show(ctx, message, &shown.text, inline(rows)).await?
        }
        Err(why) => ctx.notice(why, true),
    }
    // A period button ends a pending "type the period" question.
    Ok(match state {
        State::Owner(OwnerState::ReportRange { .. }) => State::Idle,
        other => other,
    })
}

/// The typed period for a custom report.
pub async fn on_range(ctx: &Ctx<'_>, scope: Scope, input: &Input) -> HandlerResult {
    let waiting = State::Owner(OwnerState::ReportRange { scope });
    let typed = match input {
        Input::Text(t) => t.as_str(),
        Input::Location {
            live_update: true, ..
        } => return Ok(waiting),
        _ => "",
    };
    let Some((from, to)) = parse_date_range(typed) else {
        let reason = ctx.tf("report-range-invalid", args!["text" => html(typed.trim())]);
        ctx.send_inline(
            &format!("{reason}\n\n{}", ctx.t("report-ask-range")),
            inline(vec![cancel_row(ctx, Dialogue::Report)]),
        )
        .await?;
        return Ok(waiting);
    };
    match report(ctx, scope, Period::Custom { from, to }).await? {
        Ok(shown) => {
            ctx.send_inline(&shown.text, inline(shown_rows(ctx, scope, &shown)))
                .await?;
            Ok(State::Idle)
        }
        Err(why) => {
            let text = format!("{why}\n\n{}", ctx.t("report-ask-range"));
            ctx.send_inline(&text, inline(vec![cancel_row(ctx, Dialogue::Report)]))
                .await?;
            // The scope itself may be gone; then there is nothing to wait for.
            Ok(match scope_title(ctx, scope).await? {
                Ok(_) => waiting,
                Err(_) => State::Idle,
            })
        }
    }
}

/// One line of a report: a site or an employee.
struct Line {
    name: String,
    shifts: i64,
    minutes: i64,
    pay: Vec<Money>,
}

/// A report as shown: its text, the period it was resolved to and its shifts.
struct Shown {
    text: String,
    from: NaiveDate,
    to: NaiveDate,
    shifts: i64,
}

/// The report, or why there is none (no access any more, a period too long).
async fn report(
    ctx: &Ctx<'_>,
    scope: Scope,
    period: Period,
) -> Result<Result<Shown, String>, BotError> {
    let title = match scope_title(ctx, scope).await? {
        Ok(t) => t,
        Err(why) => return Ok(Err(why)),
    };
    let summary = |site_id: Option<SiteId>, employee_id: Option<UserId>| {
        ctx.app().summary_for(
            &ctx.user,
            period,
            ReportFilter {
                site_id,
                employee_id,
            },
        )
    };
    // The totals are the use-case's (pay kept apart per currency), not added up here.
    let (s, by_site, by_employee) = match scope {
        Scope::All | Scope::Site(_) => {
            let site = match scope {
                Scope::Site(id) => Some(id),
                _ => None,
            };
            let s = match summary(site, None).await {
                Ok(s) => s,
                Err(e) => return refusal(ctx, e),
            };
            let sites = s
                .sites
                .iter()
                .map(|l| Line {
                    name: l.name.clone(),
                    shifts: l.shifts,
                    minutes: l.worked_minutes,
                    pay: l.pay.clone(),
                })
                .collect();
            let employees = s
                .employees
                .iter()
                .map(|l| Line {
                    name: l.name.clone(),
                    shifts: l.shifts,
                    minutes: l.worked_minutes,
                    pay: l.pay.clone(),
                })
                .collect();
            (s, sites, employees)
        }
        Scope::Employee(id) => {
            // Their shifts only, per site: one query over all the owner's sites.
            let s = match summary(None, Some(id)).await {
                Ok(s) => s,
                Err(e) => return refusal(ctx, e),
            };
            let lines: Vec<Line> = s
                .sites
                .iter()
                .filter(|l| l.shifts > 0)
                .map(|l| Line {
                    name: l.name.clone(),
                    shifts: l.shifts,
                    minutes: l.worked_minutes,
                    pay: l.pay.clone(),
                })
                .collect();
            (s, lines, Vec::new())
        }
    };
    let (from, to, shifts, minutes, pay) = (s.from, s.to, s.shifts, s.worked_minutes, s.pay);
    let period_text = if from == to {
        date(ctx.lang(), from)
    } else {
        format!("{} – {}", date(ctx.lang(), from), date(ctx.lang(), to))
    };
    let mut text = ctx.tf(
        "report-header",
        args!["scope" => title, "period" => period_text],
    );
    text.push_str("\n\n");
    let shown = |text| {
        Ok(Ok(Shown {
            text,
            from,
            to,
            shifts,
        }))
    };
    if shifts == 0 {
        text.push_str(&ctx.t("report-empty"));
        return shown(text);
    }
    text.push_str(&ctx.tf(
        "report-total",
        args![
            "shifts" => ctx.tf("report-shifts", args!["n" => shifts]),
            "hours" => duration(&ctx.deps.texts, ctx.lang(), minutes),
            "pay" => money_list(ctx.lang(), &pay),
        ],
    ));
    let mut sections = Vec::new();
    if matches!(scope, Scope::All | Scope::Employee(_)) {
        sections.push(("report-by-site", by_site));
    }
    sections.push(("report-by-employee", by_employee));
    for (heading, lines) in sections {
        let lines: Vec<Line> = lines.into_iter().filter(|l| l.shifts > 0).collect();
        // One line repeating the total says nothing new (one site in "all sites").
        if lines.is_empty()
            || (lines.len() == 1 && heading == "report-by-site" && matches!(scope, Scope::All))
        {
            continue;
        }
        text.push_str("\n\n");
        text.push_str(&ctx.t(heading));
        for (i, l) in lines.iter().enumerate() {
            let line = ctx.tf(
                "report-line",
                args![
                    "name" => html(&l.name),
                    "shifts" => ctx.tf("report-shifts", args!["n" => l.shifts]),
                    "hours" => duration(&ctx.deps.texts, ctx.lang(), l.minutes),
                    "pay" => money_list(ctx.lang(), &l.pay),
                ],
            );
            if text.len() + line.len() > MAX_TEXT {
                text.push('\n');
                text.push_str(&ctx.tf("report-more", args!["n" => lines.len() - i]));
                break;
            }
            text.push('\n');
            text.push_str(&line);
        }
    }
    shown(text)
}

/// A refusal of the report use-case as a text for the person, or a real failure.
fn refusal<T>(ctx: &Ctx<'_>, e: AppError) -> Result<Result<T, String>, BotError> {
    match e {
        AppError::BadRequest { .. } => Ok(Err(
            ctx.tf("report-too-long", args!["days" => MAX_REPORT_DAYS])
        )),
        AppError::NotFound(_) => Ok(Err(ctx.t("no-access-site"))),
        other => Err(other.into()),
    }
}
