//! "Status": the running shift (where, since when, how long, earned so far, and "I forgot to
//! close") and the next plan.

use super::plan_steps::plan_line;
use crate::args;
use crate::ctx::{Ctx, HandlerResult};
use crate::format::{duration, html, local_date_time, local_time, money};
use crate::keyboards::inline;
use crate::state::State;
use domain::Money;

pub(super) async fn show(ctx: &Ctx<'_>) -> HandlerResult {
    let status = ctx.app().employee_status(&ctx.user).await?;
    let now = ctx.app().now();
    let lang = ctx.lang();
    let active = match &status.active {
        Some(running) => {
            let tz = running.site.settings.time_zone;
            // A shift that began on an earlier local day (a night shift) shows its date too.
            let since = if tz.local_date(running.shift.started_at) == tz.local_date(now) {
                local_time(&tz, running.shift.started_at)
            } else {
                local_date_time(lang, &tz, running.shift.started_at)
            };
            let earned = Money::new(running.earned_minor, running.shift.hourly_rate.currency);
            ctx.tf(
                "status-active",
                args![
                    "site" => html(running.site.settings.name.as_str()),
                    "since" => since,
                    "elapsed" => duration(&ctx.deps.texts, lang, running.worked_minutes),
                    "earned" => money(lang, earned),
                ],
            )
        }
        None => ctx.t("status-no-active"),
    };
    let next = match &status.next_plan {
        Some((plan, site)) => ctx.tf(
            "status-next-plan",
            args!["plan" => plan_line(ctx, site, plan.starts_at, plan.ends_at)],
        ),
        None => ctx.t("status-no-plan"),
    };
    let text = format!("{active}\n\n{next}");
    if status.active.is_some() {
        // A running shift: offer "I forgot to close" under it (the menu stays from before).
        ctx.send_inline(&text, inline(vec![vec![super::forgot::offer_button(ctx)]]))
            .await?;
    } else {
        ctx.send_with_menu(&text).await?;
    }
    Ok(State::Idle)
}
