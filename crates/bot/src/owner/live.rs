//! "On shift now": per site, who is working and since when (the site's local time), and who is
//! late for a planned shift (`StaffPro::live_status`); a Close button per running shift (someone
//! who forgot to close it) and the shifts waiting for review.

use super::{OwnerCb, show};
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx};
use crate::format::{duration, html, local_date_time, local_time};
use crate::keyboards::inline;
use chrono::{DateTime, Utc};
use domain::SiteTimeZone;
use teloxide::types::MessageId;

/// Telegram's limit is 4096 characters; the rest of a long list is summarised.
const MAX_TEXT: usize = 3500;
/// Close buttons shown at most (Telegram allows 100 buttons; a long list stays usable).
const MAX_CLOSE_BUTTONS: usize = 30;

pub async fn show_now(ctx: &Ctx<'_>, message: Option<MessageId>) -> Result<(), BotError> {
    let live = ctx.app().live_status(&ctx.user).await?;
    let now = ctx.app().now();
    let (on_shift, late): (usize, usize) = live
        .iter()
        .fold((0, 0), |(a, b), s| (a + s.on_shift.len(), b + s.late.len()));
    let mut text = if live.is_empty() {
        ctx.t("now-no-sites")
    } else {
        ctx.tf("now-title", args!["working" => on_shift, "late" => late])
    };
    let mut hidden: usize = 0;
    // A Close button per running shift shown (someone who forgot to close it).
    let mut close_rows = Vec::new();
    for site in &live {
        // A deactivated site with nobody on it is not news.
        if !site.site.active && site.on_shift.is_empty() && site.late.is_empty() {
            continue;
        }
        let tz = site.site.settings.time_zone;
        let mut block = format!(
            "\n\n{}",
            ctx.tf(
                "now-site",
                args!["site" => html(site.site.settings.name.as_str())]
            )
        );
        for (user, shift) in &site.on_shift {
            let minutes = (now - shift.started_at).num_minutes().max(0);
            block.push('\n');
            block.push_str(&ctx.tf(
                "now-on-shift",
                args![
                    "employee" => html(user.name.as_str()),
                    "since" => since(ctx, &tz, shift.started_at, now),
                    "elapsed" => duration(&ctx.deps.texts, ctx.lang(), minutes),
                ],
            ));
        }
        for (user, plan) in &site.late {
            let minutes = (now - plan.starts_at).num_minutes().max(0);
            block.push('\n');
            block.push_str(&ctx.tf(
                "now-late",
                args![
                    "employee" => html(user.name.as_str()),
                    "start" => local_time(&tz, plan.starts_at),
                    "end" => local_time(&tz, plan.ends_at),
                    "late" => duration(&ctx.deps.texts, ctx.lang(), minutes),
                ],
            ));
        }
        if site.on_shift.is_empty() && site.late.is_empty() {
            block.push('\n');
            block.push_str(&ctx.t("now-nobody"));
        }
        if text.len() + block.len() > MAX_TEXT {
            hidden += 1;
            continue;
        }
        text.push_str(&block);
        for (user, shift) in &site.on_shift {
            if close_rows.len() < MAX_CLOSE_BUTTONS {
                close_rows.push(vec![button(
                    ctx.tf("now-button-close", args!["employee" => user.name.as_str()]),
                    OwnerCb::CloseShift(shift.id),
                )]);
            }
        }
    }
    if hidden > 0 {
        text.push_str("\n\n");
        text.push_str(&ctx.tf("now-more-sites", args!["n" => hidden]));
    }
    let pending = super::review::pending_count(ctx).await?;
    if pending > 0 {
        text.push_str("\n\n");
        text.push_str(&ctx.tf("review-pending", args!["n" => pending]));
        close_rows.push(vec![button(
            ctx.tf("review-button-list", args!["n" => pending]),
            OwnerCb::ReviewList,
        )]);
    }
    close_rows.push(vec![button(ctx.t("now-button-refresh"), OwnerCb::Now)]);
    show(ctx, message, &text, inline(close_rows)).await
}

/// "09:02" when the shift began today (site-local), "24.11.2026 22:00" otherwise.
fn since(ctx: &Ctx<'_>, tz: &SiteTimeZone, start: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if tz.local_date(start) == tz.local_date(now) {
        local_time(tz, start)
    } else {
        local_date_time(ctx.lang(), tz, start)
    }
}
