//! `/broadcast`: an owner (or manager) writes to the employees of one of their sites or of all
//! of them. Whom → the text → a preview with Send / Cancel → the preview turns into the progress
//! message, which the background job edits as it goes ("Sending: 340 of 1,000…") and finally
//! into the summary. The rules (who receives, what text is allowed) live in `app::broadcasts`.

use super::{OwnerCb, OwnerState, managed_site_or_notice, show};
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::format::count;
use crate::format::html;
use crate::keyboards::{cancel_row, inline};
use crate::state::{Dialogue, State};
use app::AppError;
use app::broadcasts::{BroadcastError, MAX_TEXT_CHARS, ProgressMessage, check_text};
use domain::SiteId;
use teloxide::types::{InlineKeyboardButton, MessageId};

/// Buttons per message are limited; an owner with more sites writes to all of them at once.
const MAX_LISTED: usize = 80;

/// Step 1 (`/broadcast`): whom to write to. With one site there is nothing to choose.
pub async fn start(ctx: &Ctx<'_>) -> HandlerResult {
    if !ctx.manages_sites().await? {
        ctx.send_with_menu(&ctx.t("owner-section-only")).await?;
        return Ok(State::Idle);
    }
    let sites = ctx.app().sites_for(&ctx.user).await?;
    match sites.as_slice() {
        [] => {
            ctx.send_with_menu(&ctx.t("broadcast-no-sites")).await?;
            Ok(State::Idle)
        }
        [only] => ask_text(ctx, Some(only.id), None).await,
        _ => {
            let mut rows: Vec<Vec<InlineKeyboardButton>> = sites
                .iter()
                .take(MAX_LISTED)
                .map(|s| {
                    vec![button(
                        s.settings.name.as_str(),
                        OwnerCb::BroadcastTo(Some(s.id)),
                    )]
                })
                .collect();
            rows.push(vec![button(
                ctx.t("broadcast-all-sites"),
                OwnerCb::BroadcastTo(None),
            )]);
            rows.push(cancel_row(ctx, Dialogue::Broadcast));
            ctx.send_inline(&ctx.t("broadcast-pick-site"), inline(rows))
                .await?;
            Ok(State::Owner(OwnerState::BroadcastWhom))
        }
    }
}

/// Step 2: a site (or all) was picked; ask for the text in the same message.
pub async fn on_pick(
    ctx: &Ctx<'_>,
    site: Option<SiteId>,
    state: State,
    message: Option<MessageId>,
) -> HandlerResult {
    if !matches!(state, State::Owner(OwnerState::BroadcastWhom)) {
        ctx.notice(ctx.t("button-expired"), true);
        return Ok(state);
    }
    if let Some(id) = site
        && managed_site_or_notice(ctx, id).await?.is_none()
    {
        return Ok(state);
    }
    ask_text(ctx, site, message).await
}

async fn ask_text(
    ctx: &Ctx<'_>,
    site: Option<SiteId>,
    message: Option<MessageId>,
) -> HandlerResult {
    let Some(whom) = whom(ctx, site).await? else {
        return Ok(State::Idle);
    };
    let text = ctx.tf(
        "broadcast-ask-text",
        args!["whom" => whom, "max" => count(ctx.lang(), MAX_TEXT_CHARS as u64)],
    );
    show(
        ctx,
        message,
        &text,
        inline(vec![cancel_row(ctx, Dialogue::Broadcast)]),
    )
    .await?;
    Ok(State::Owner(OwnerState::BroadcastText { site }))
}

/// "the employees of Кофейня" / "the employees of all your sites"; None (after telling the
/// person) when the site is no longer theirs.
async fn whom(ctx: &Ctx<'_>, site: Option<SiteId>) -> Result<Option<String>, BotError> {
    Ok(match site {
        None => Some(ctx.t("broadcast-whom-all")),
        Some(id) => match ctx.app().managed_site(&ctx.user, id).await {
            Ok(s) => Some(ctx.tf(
                "broadcast-whom-site",
                args!["site" => html(s.settings.name.as_str())],
            )),
            Err(AppError::NotFound(_)) => {
                ctx.send_with_menu(&ctx.t("no-access-site")).await?;
                None
            }
            Err(e) => return Err(e.into()),
        },
    })
}

/// Anything typed while the site buttons wait: ask again.
pub async fn on_whom_input(ctx: &Ctx<'_>, input: &Input) -> HandlerResult {
    if let Input::Location {
        live_update: true, ..
    } = input
    {
        return Ok(State::Owner(OwnerState::BroadcastWhom));
    }
    start(ctx).await
}

/// Step 3: the text. Refused texts are explained and asked again; a good one is previewed with
/// the number of people it reaches.
pub async fn on_text(ctx: &Ctx<'_>, site: Option<SiteId>, input: &Input) -> HandlerResult {
    let waiting = State::Owner(OwnerState::BroadcastText { site });
    let typed = match input {
        Input::Text(t) => t.as_str(),
        Input::Location {
            live_update: true, ..
        } => return Ok(waiting),
        _ => "",
    };
    let text = match check_text(typed) {
        Ok(text) => text,
        Err(e) => {
            let why = match e {
                BroadcastError::TooLong { chars, max } => ctx.tf(
                    "broadcast-too-long",
                    args![
                        "chars" => count(ctx.lang(), chars as u64),
                        "max" => count(ctx.lang(), max as u64),
                    ],
                ),
                BroadcastError::ControlCharacter => ctx.t("broadcast-bad-text"),
                _ => ctx.t("broadcast-empty"),
            };
            ctx.send_inline(&why, inline(vec![cancel_row(ctx, Dialogue::Broadcast)]))
                .await?;
            return Ok(waiting);
        }
    };
    let recipients = match ctx.app().broadcast_recipients(&ctx.user, site).await {
        Ok(people) => people.len(),
        Err(AppError::NotFound(_)) => {
            ctx.send_with_menu(&ctx.t("no-access-site")).await?;
            return Ok(State::Idle);
        }
        Err(e) => return Err(e.into()),
    };
    if recipients == 0 {
        ctx.send_with_menu(&ctx.t("broadcast-no-recipients"))
            .await?;
        return Ok(State::Idle);
    }
    let preview = ctx.tf(
        "broadcast-preview",
        args!["count" => recipients, "text" => html(&text)],
    );
    let markup = inline(vec![vec![
        button(ctx.t("broadcast-send"), OwnerCb::BroadcastSend),
        button(
            ctx.t("broadcast-cancel"),
            crate::callback::Callback::Common(crate::callback::CommonCb::Cancel(Some(
                Dialogue::Broadcast,
            ))),
        ),
    ]]);
    ctx.send_inline(&preview, markup).await?;
    Ok(State::Owner(OwnerState::BroadcastConfirm { site, text }))
}

/// Step 4: Send. The preview becomes the progress message first (so the job's later edits are
/// never overwritten by this one), then the broadcast is stored with its job.
pub async fn on_send(ctx: &Ctx<'_>, state: State, message: Option<MessageId>) -> HandlerResult {
    let State::Owner(OwnerState::BroadcastConfirm { site, text }) = state else {
        ctx.notice(ctx.t("button-expired"), true);
        return Ok(state);
    };
    let recipients = match ctx.app().broadcast_recipients(&ctx.user, site).await {
        Ok(people) => people.len(),
        Err(AppError::NotFound(_)) => {
            ctx.notice(ctx.t("no-access-site"), true);
            return Ok(State::Idle);
        }
        Err(e) => return Err(e.into()),
    };
    let starting = ctx.tf(
        "broadcast-progress",
        args![
            "sent" => count(ctx.lang(), 0),
            "total" => count(ctx.lang(), recipients as u64),
        ],
    );
    // The message the job edits: the preview itself, or a new one when it cannot be edited.
    let progress = match message {
        Some(m) if ctx.edit(m, &starting, None).await.is_ok() => m,
        _ => ctx.send(&starting, None).await?.id,
    };
    let progress = ProgressMessage {
        chat_id: ctx.chat,
        message_id: progress.0,
    };
    match ctx
        .app()
        .start_broadcast(&ctx.user, site, &text, Some(progress))
        .await
    {
        Ok(_) => Ok(State::Idle),
        Err(e) => {
            let why = match e {
                BroadcastError::NoRecipients => ctx.t("broadcast-no-recipients"),
                BroadcastError::App(AppError::NotFound(_)) => ctx.t("no-access-site"),
                BroadcastError::App(e) => return Err(e.into()),
                // This process is the bot: it is the sender, so this is a wiring mistake.
                e @ BroadcastError::NoSender => {
                    return Err(AppError::Conflict(e.to_string()).into());
                }
                // The text was checked before the preview; a refusal now is still explained.
                BroadcastError::EmptyText
                | BroadcastError::TooLong { .. }
                | BroadcastError::ControlCharacter => ctx.t("broadcast-bad-text"),
            };
            super::best_effort(
                ctx.edit(MessageId(progress.message_id), &why, None).await,
                "say why the broadcast did not start",
            );
            Ok(State::Idle)
        }
    }
}
