//! Planned shifts: the employee's reminder (with Open shift / I'll be late buttons), the
//! owner's and managers' no-show alert, and what "I'll be late" tells them.

use super::{Once, transient};
use crate::args;
use crate::callback::button;
use crate::ctx::{Ctx, HandlerResult};
use crate::employee::EmployeeCb;
use crate::format::{html, local_date_time, local_time};
use crate::keyboards::inline;
use crate::state::State;
use app::notices::{NoticeError, PlanNotice};
use domain::{Language, PlannedShiftId};
use teloxide::types::ReplyMarkup;

/// The arguments every plan text takes, in `lang`.
fn plan_args(lang: Language, n: &PlanNotice) -> fluent_bundle::FluentArgs<'static> {
    let tz = n.site.settings.time_zone;
    args![
        "employee" => html(n.employee.name.as_str()),
        "site" => html(n.site.settings.name.as_str()),
        "start" => local_date_time(lang, &tz, n.plan.starts_at),
        "end" => local_time(&tz, n.plan.ends_at),
    ]
}

pub(super) async fn remind(once: &Once<'_>, n: &PlanNotice) -> Result<(), NoticeError> {
    let deps = once.deps;
    let lang = n.employee.language;
    let text = deps
        .texts
        .format(lang, "reminder-text", Some(&plan_args(lang, n)));
    let markup = inline(vec![vec![
        button(
            deps.texts.get(lang, "reminder-button-open"),
            EmployeeCb::OpenAt { site: n.site.id },
        ),
        button(
            deps.texts.get(lang, "reminder-button-late"),
            EmployeeCb::Late { plan: n.plan.id },
        ),
    ]]);
    once.send(
        &n.employee,
        &text,
        Some(ReplyMarkup::InlineKeyboard(markup)),
    )
    .await
}

pub(super) async fn no_show(once: &Once<'_>, n: &PlanNotice) -> Result<(), NoticeError> {
    let deps = once.deps;
    for to in &n.managers {
        let text = deps.texts.format(
            to.language,
            "no-show-text",
            Some(&plan_args(to.language, n)),
        );
        once.send(to, &text, None).await?;
    }
    Ok(())
}

/// "I'll be late" on a reminder: the owner and managers are told at once (each in their
/// language); the employee sees a toast saying so. A plan no longer planned says it is gone.
pub async fn late(ctx: &Ctx<'_>, plan: PlannedShiftId) -> HandlerResult {
    let Some(n) = ctx.app().late_notice(&ctx.user, plan).await? else {
        ctx.notice(ctx.t("late-gone"), true);
        return Ok(State::Idle);
    };
    let deps = ctx.deps;
    for to in n.managers.iter().filter(|u| u.reachable) {
        let text = deps
            .texts
            .format(to.language, "late-text", Some(&plan_args(to.language, &n)));
        if let Err(e) = deps.messenger.send(to.telegram_id, &text, None).await {
            tracing::warn!(to = to.telegram_id, error = %transient(e), "late notice not sent");
        }
    }
    ctx.notice(ctx.t("late-told"), false);
    Ok(State::Idle)
}
