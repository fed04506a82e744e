//! Flows every person has: /start, the menu, /help, /cancel, /language, and the hint for input
//! the bot does not understand.

use crate::callback::{CommonCb, button};
use crate::ctx::{Ctx, HandlerResult};
use crate::keyboards::inline;
use crate::state::State;
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
    text.push_str("\n\n");
    if ctx.manages_sites().await? {
        text.push_str(&ctx.t("welcome-owner"));
    } else {
        text.push_str(&ctx.t("welcome-employee"));
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
    if ctx.manages_sites().await? {
        text.push_str("\n\n");
        text.push_str(&ctx.t("help-owner"));
    }
    ctx.send_with_menu(&text).await?;
    Ok(State::Idle)
}

pub async fn cancel(ctx: &Ctx<'_>, state: &State) -> HandlerResult {
    let id = if *state == State::Idle {
        "nothing-to-cancel"
    } else {
        "cancelled"
    };
    ctx.send_with_menu(&ctx.t(id)).await?;
    Ok(State::Idle)
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
        CommonCb::Cancel => {
            if let Some(m) = message {
                ctx.edit(m, &ctx.t("cancelled"), None).await?;
            }
            menu(ctx).await
        }
        CommonCb::Menu => menu(ctx).await,
        CommonCb::Noop => Ok(state),
    }
}
