//! "My plans": the employee's upcoming plans with a Cancel button each; the list is redrawn in
//! place after a cancel, and a refused cancel says why with the numbers.

use super::EmployeeCb;
use super::plan_steps::plan_line;
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx, HandlerResult};
use crate::format::{date, duration};
use crate::keyboards::inline;
use crate::state::State;
use app::{AppError, PlanShiftError};
use domain::{PlanRuleError, PlannedShiftId, Site};
use std::collections::BTreeMap;
use teloxide::types::{InlineKeyboardMarkup, MessageId};

/// Plans listed in one message (Telegram caps a message's length and buttons).
const SHOWN: usize = 20;

pub(super) async fn show(ctx: &Ctx<'_>) -> HandlerResult {
    let (text, markup) = render(ctx).await?;
    match markup {
        Some(m) => ctx.send_inline(&text, m).await?,
        None => ctx.send_with_menu(&text).await?,
    };
    Ok(State::Idle)
}

pub(super) async fn cancel(
    ctx: &Ctx<'_>,
    plan: PlannedShiftId,
    state: State,
    message: Option<MessageId>,
) -> HandlerResult {
    match ctx.app().cancel_plan(&ctx.user, plan).await {
        Ok(cancelled) => {
            let text = match ctx.app().site_of_plan(&ctx.user, &cancelled).await {
                Ok(s) => ctx.tf(
                    "plans-cancelled",
                    args!["plan" => plan_line(ctx, &s, cancelled.starts_at, cancelled.ends_at)],
                ),
                Err(AppError::NotFound(_)) => ctx.t("plans-cancelled-short"),
                Err(e) => return Err(e.into()),
            };
            ctx.notice(toast(&text), false);
        }
        Err(PlanShiftError::Rule(PlanRuleError::CancelTooLate {
            minutes_left,
            cutoff_minutes,
        })) => {
            let (texts, lang) = (&ctx.deps.texts, ctx.lang());
            ctx.notice(
                ctx.tf(
                    "plans-cancel-too-late",
                    args![
                        "cutoff" => duration(texts, lang, cutoff_minutes),
                        "left" => duration(texts, lang, minutes_left),
                    ],
                ),
                true,
            );
            // Nothing changed: the list stays as it is.
            return Ok(state);
        }
        Err(PlanShiftError::Store(e)) => return Err(e.into()),
        // Gone meanwhile: done, cancelled, missed, or never this person's.
        Err(_) => ctx.notice(ctx.t("plans-gone"), true),
    }
    let (text, markup) = render(ctx).await?;
    super::show(ctx, message, &text, markup).await?;
    Ok(state)
}

/// The list and its buttons (None when there is nothing to cancel).
async fn render(ctx: &Ctx<'_>) -> Result<(String, Option<InlineKeyboardMarkup>), BotError> {
    let plans = ctx.app().my_plans(&ctx.user).await?;
    if plans.is_empty() {
        return Ok((ctx.t("plans-none"), None));
    }
    let sites: BTreeMap<_, Site> = ctx
        .app()
        .employee_sites(&ctx.user)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut lines = vec![ctx.t("plans-title")];
    let mut rows = Vec::new();
    let mut n = 0usize;
    for plan in &plans {
        let Some(site) = sites.get(&plan.site_id) else {
            continue;
        };
        n += 1;
        if n > SHOWN {
            continue;
        }
        lines.push(format!(
            "{n}. {}",
            plan_line(ctx, site, plan.starts_at, plan.ends_at)
        ));
        let local = site.settings.time_zone.local(plan.starts_at);
        rows.push(vec![button(
            ctx.tf(
                "plans-cancel-button",
                args![
                    "n" => n,
                    "date" => date(ctx.lang(), local.date()),
                    "time" => local.format("%H:%M").to_string(),
                ],
            ),
            EmployeeCb::CancelPlan { plan: plan.id },
        )]);
    }
    if n > SHOWN {
        lines.push(ctx.tf("plans-more", args!["n" => n - SHOWN]));
    }
    if rows.is_empty() {
        return Ok((ctx.t("plans-none"), None));
    }
    Ok((lines.join("\n"), Some(inline(rows))))
}

/// Telegram's limit for the text of a button-tap answer.
const TOAST_MAX_CHARS: usize = 200;

/// A text for a button-tap answer: Telegram shows it unparsed (so HTML entities are turned back
/// into characters) and refuses it over 200 characters (a long site name could get there).
fn toast(html: &str) -> String {
    let plain = html
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    if plain.chars().count() <= TOAST_MAX_CHARS {
        return plain;
    }
    let mut cut: String = plain.chars().take(TOAST_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toasts_are_plain_and_short() {
        assert_eq!(toast("«Tom &amp; Jerry &lt;3»"), "«Tom & Jerry <3»");
        let long = toast(&"я".repeat(500));
        assert_eq!(long.chars().count(), TOAST_MAX_CHARS);
        assert!(long.ends_with('…'));
    }
}
