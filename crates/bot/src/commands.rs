//! The command list Telegram shows, per role and language (setMyCommands).

use crate::ctx::Ctx;
use crate::texts::Texts;
use domain::Language;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};

const EMPLOYEE: [(&str, &str); 5] = [
    ("start", "cmd-start"),
    ("menu", "cmd-menu"),
    ("help", "cmd-help"),
    ("cancel", "cmd-cancel"),
    ("language", "cmd-language"),
];
const OWNER_EXTRA: [(&str, &str); 2] = [("broadcast", "cmd-broadcast"), ("token", "cmd-token")];

fn list(texts: &Texts, lang: Language, owner: bool) -> Vec<BotCommand> {
    let extra: &[(&str, &str)] = if owner { &OWNER_EXTRA } else { &[] };
    EMPLOYEE
        .iter()
        .chain(extra.iter())
        .map(|(cmd, id)| BotCommand::new(*cmd, texts.get(lang, id)))
        .collect()
}

/// Default commands (employees') for Russian and English clients.
pub async fn set_defaults(bot: &Bot, texts: &Texts) -> Result<(), teloxide::RequestError> {
    bot.set_my_commands(list(texts, Language::Ru, false))
        .await?;
    bot.set_my_commands(list(texts, Language::En, false))
        .language_code("en")
        .await?;
    Ok(())
}

/// The commands of this person's chat: their role and language. Employees see the defaults
/// (set per Telegram language at start), so unless they picked a language themselves
/// (`language_chosen`) nothing is sent for them. Failures only log: a missing command list never
/// stops a flow.
pub async fn set_for(ctx: &Ctx<'_>, language_chosen: bool) {
    let owner = ctx.manages_sites().await.unwrap_or(false);
    if !owner && !language_chosen {
        return;
    }
    let scope = BotCommandScope::Chat {
        chat_id: Recipient::Id(ChatId(ctx.chat)),
    };
    let req = ctx
        .deps
        .messenger
        .bot()
        .set_my_commands(list(&ctx.deps.texts, ctx.lang(), owner))
        .scope(scope);
    if let Err(e) = req.await {
        tracing::warn!(chat = ctx.chat, error = %e, "could not set the chat's commands");
    }
}
