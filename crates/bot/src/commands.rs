//! The command list Telegram shows, per role and language (setMyCommands).

use crate::ctx::Ctx;
use crate::measures;
use crate::texts::Texts;
use domain::Language;
use teloxide::prelude::*;
use teloxide::types::BotCommand;

const EMPLOYEE: [(&str, &str); 5] = [
    ("start", "cmd-start"),
    ("menu", "cmd-menu"),
    ("help", "cmd-help"),
    ("cancel", "cmd-cancel"),
    ("language", "cmd-language"),
];
const OWNER_EXTRA: [(&str, &str); 1] = [("token", "cmd-token")];

/// The command as `staffprobot_bot_commands_total` labels it: one of the bot's own commands,
/// else "other" (anyone can type any `/word`; the label set stays bounded).
pub(crate) fn label(name: &str) -> &'static str {
    EMPLOYEE
        .iter()
        .chain(OWNER_EXTRA.iter())
        .map(|(cmd, _)| *cmd)
        .find(|cmd| *cmd == name)
        .unwrap_or("other")
}

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
    let ru = bot.set_my_commands(list(texts, Language::Ru, false)).await;
    measures::request("setMyCommands", ru)?;
    let en = bot
        .set_my_commands(list(texts, Language::En, false))
        .language_code("en")
        .await;
    measures::request("setMyCommands", en)?;
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
    let commands = list(&ctx.deps.texts, ctx.lang(), owner);
    if let Err(e) = ctx.deps.messenger.set_commands(ctx.chat, commands).await {
        tracing::warn!(chat = ctx.chat, error = %e, "could not set the chat's commands");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bots_own_commands_are_labels() {
        for (cmd, _) in EMPLOYEE.iter().chain(OWNER_EXTRA.iter()) {
            assert_eq!(label(cmd), *cmd);
        }
        assert_eq!(label("drop_table"), "other");
        assert_eq!(label(""), "other");
    }
}
