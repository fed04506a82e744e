//! Flows every person has: /start, the menu, /help, /cancel, /language, and the hint for input
//! the bot does not understand. Also the one rule for leaving a dialogue: a command or a menu
//! button in the middle of one ends it and says so (`leave`), Cancel names what it cancelled,
//! and the buttons of a question go away once it is answered or dropped (`settle_question`).

use crate::callback::{CommonCb, button};
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::format::html;
use crate::keyboards::inline;
use crate::state::{Dialogue, State};
use crate::{args, employee};
use domain::Language;
use teloxide::types::MessageId;

/// Deep-link payloads: `j<code>` joins a site.
pub const JOIN_PREFIX: &str = "j";

pub async fn start(ctx: &Ctx<'_>, payload: Option<&str>) -> HandlerResult {
    if let Some(code) = payload.and_then(|p| p.strip_prefix(JOIN_PREFIX)) {
        return employee::join(ctx, code).await;
    }
    let mut text = ctx.tf("welcome", args!["name" => ctx.user.name.as_str()]);
    let sites = ctx.app().employee_sites(&ctx.user).await?;
    let manages = ctx.manages_sites().await?;
    if !sites.is_empty() {
        // Already approved somewhere: where they work, and the menu to open a shift.
        let list: Vec<String> = sites
            .iter()
            .map(|s| {
                let name = html(s.settings.name.as_str());
                if s.active {
                    ctx.tf("welcome-site", args!["site" => name])
                } else {
                    ctx.tf("welcome-site-inactive", args!["site" => name])
                }
            })
            .collect();
        text.push_str("\n\n");
        text.push_str(&ctx.tf(
            "welcome-employee-sites",
            args!["n" => sites.len(), "sites" => list.join("\n")],
        ));
    } else if !manages {
        text.push_str("\n\n");
        text.push_str(&ctx.t("welcome-employee"));
    }
    if manages {
        text.push_str("\n\n");
        text.push_str(&ctx.t("welcome-owner"));
    }
    crate::commands::set_for(ctx, false).await;
    ctx.send_with_menu(&text).await?;
    Ok(State::Idle)
}

pub async fn menu(ctx: &Ctx<'_>) -> HandlerResult {
    ctx.send_with_menu(&ctx.t("menu-title")).await?;
    Ok(State::Idle)
}

pub async fn help(ctx: &Ctx<'_>) -> HandlerResult {
    let mut text = ctx.t("help");
    text.push_str("\n\n");
    let days = ctx.app().policy().location_retention.num_days();
    text.push_str(&ctx.tf("help-privacy", crate::args!["days" => days]));
    if ctx.manages_sites().await? {
        text.push_str("\n\n");
        text.push_str(&ctx.t("help-owner"));
    }
    ctx.send_with_menu(&text).await?;
    Ok(State::Idle)
}

/// /cancel (or the Cancel of a location keyboard): "Creating the site was cancelled.".
pub async fn cancel(ctx: &Ctx<'_>, state: &State) -> HandlerResult {
    let id = state
        .dialogue()
        .map_or("nothing-to-cancel", Dialogue::cancelled_text_id);
    ctx.send_with_menu(&ctx.t(id)).await?;
    Ok(State::Idle)
}

/// A command or menu button arrived in the middle of a dialogue: the dialogue ends, and the
/// person is told which one before the command is answered.
pub async fn leave(ctx: &Ctx<'_>, state: &State) -> Result<(), BotError> {
    if let Some(d) = state.dialogue() {
        ctx.send_with_menu(&ctx.t(d.cancelled_text_id())).await?;
    }
    Ok(())
}

/// A button tap that started another dialogue ended the one the chat was in: the tap's answer
/// says so (unless the flow already answered it).
pub fn note_replaced(ctx: &Ctx<'_>, before: Option<Dialogue>, after: &State) {
    if let (Some(old), Some(new)) = (before, after.dialogue())
        && old != new
        && !ctx.has_notice()
    {
        ctx.notice(ctx.t(old.cancelled_text_id()), false);
    }
}

/// After an update: the message that asks the dialogue's question now. The buttons of the one
/// that asked before are taken away when it no longer asks: the question was answered by
/// typing (or anything but a tap), another message asks now, or the dialogue ended.
pub async fn settle_question(
    ctx: &Ctx<'_>,
    before: Option<MessageId>,
    next: &State,
    input: &Input,
) -> Option<MessageId> {
    let asked = ctx.asked();
    // A tap elsewhere, or a live location moving on, leaves the question as it was.
    let still_asks = matches!(
        input,
        Input::Callback { .. }
            | Input::Location {
                live_update: true,
                ..
            }
    );
    let before = before.filter(|m| !asked.cleared.contains(m));
    let now = match next {
        State::Idle => None,
        _ => asked.last.or(before.filter(|_| still_asks)),
    };
    if let Some(old) = before
        && Some(old) != now
        && asked.last != Some(old)
    {
        ctx.remove_buttons(old).await;
    }
    now
}

pub async fn language(ctx: &Ctx<'_>) -> HandlerResult {
    let rows = vec![vec![
        button("Русский", CommonCb::Language(Language::Ru)),
        button("English", CommonCb::Language(Language::En)),
    ]];
    ctx.send_inline(&ctx.t("language-choose"), inline(rows))
        .await?;
    Ok(State::Idle)
}

pub async fn unknown(ctx: &Ctx<'_>) -> HandlerResult {
    ctx.send_with_menu(&ctx.t("unknown-input")).await?;
    Ok(State::Idle)
}

pub async fn on_callback(
    ctx: &Ctx<'_>,
    cb: CommonCb,
    state: State,
    message: Option<MessageId>,
) -> HandlerResult {
    match cb {
        CommonCb::Language(lang) => {
            let user = ctx.app().set_language(&ctx.user, lang).await?;
            let ctx = Ctx::new(ctx.deps, user, ctx.chat);
            if let Some(m) = message {
                ctx.edit(m, &ctx.t("language-set"), None).await?;
            }
            crate::commands::set_for(&ctx, true).await;
            ctx.send_with_menu(&ctx.t("menu-title")).await?;
            Ok(state)
        }
        CommonCb::Cancel(of) => {
            let current = state.dialogue();
            let Some(dialogue) = current.filter(|d| of.is_none_or(|of| of == *d)) else {
                // The dialogue of this button has ended (or another one is going on).
                ctx.notice(ctx.t("button-expired"), true);
                if let Some(m) = message {
                    ctx.remove_buttons(m).await;
                }
                return Ok(state);
            };
            let text = ctx.t(dialogue.cancelled_text_id());
            let edited = match message {
                Some(m) => ctx.edit(m, &text, None).await.is_ok(),
                None => false,
            };
            let follow = if edited { ctx.t("menu-title") } else { text };
            ctx.send_with_menu(&follow).await?;
            Ok(State::Idle)
        }
        CommonCb::Menu => menu(ctx).await,
        CommonCb::Noop => Ok(state),
    }
}
