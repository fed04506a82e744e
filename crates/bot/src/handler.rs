//! One update, start to end: claim it (dropping redeliveries), find or register the person, load
//! the chat's dialogue state, route to the flow, save the next state, answer the tap, and mark the
//! update finished. A failing flow is logged and the person told to try again (the update counts
//! as handled); everyone else is served as usual. An update whose handling never reaches the end
//! (a panic, a crash) stays unfinished, so a redelivery after `app::UPDATE_CLAIM_LEASE` is
//! handled again: at-least-once.

use crate::callback::Callback;
use crate::ctx::{BotError, Ctx, Deps, HandlerResult, Input, MenuAction};
use crate::state::{Saved, State};
use crate::{common, employee, measures, owner};
use domain::{Coordinates, LocationFix};
use teloxide::types::{CallbackQueryId, ChatKind, Message, Update, UpdateKind};

/// The person and private chat an update comes from, with what they sent.
struct Incoming {
    telegram_id: i64,
    name: String,
    language_code: Option<String>,
    chat: i64,
    input: Input,
}

pub async fn handle_update(deps: &Deps, update: Update) {
    let update_id = i64::from(update.id.0);
    match deps.bot_state.claim_update(update_id, deps.app.now()).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::debug!(update_id, "duplicate delivery ignored");
            return;
        }
        // The database is down: handle it anyway (at worst twice) rather than drop it.
        Err(e) => tracing::warn!(update_id, error = %e, "could not record the update id"),
    }
    handle_claimed(deps, update).await;
    // Reached only when the update was handled (or failed and the person was told); a panic
    // leaves the claim unfinished. Written in batches, off the update's path.
    deps.finisher.finish(update_id);
}

async fn handle_claimed(deps: &Deps, update: Update) {
    let update_id = i64::from(update.id.0);
    let Some(incoming) = parse(update) else {
        measures::Handling::start(None).succeeded();
        return;
    };
    // Counted now; an error too should the handling never end (a panic).
    let handling = measures::Handling::start(Some(&incoming.input));
    let (chat, language_code) = (incoming.chat, incoming.language_code.clone());
    let callback = match &incoming.input {
        Input::Callback { id, .. } => Some(id.clone()),
        _ => None,
    };
    match handle(deps, incoming).await {
        Ok(()) => handling.succeeded(),
        Err(Failure::Told(e)) => {
            handling.failed();
            tracing::error!(update_id, error = %e, "update failed");
        }
        Err(Failure::Untold(e)) => {
            handling.failed();
            // Failed before the person was even known (the database is down, say): still
            // answer, in the language their Telegram uses.
            tracing::error!(update_id, error = %e, "update failed before its flow");
            apologize(deps, chat, language_code.as_deref(), callback.as_ref()).await;
        }
    }
}

/// The generic apology, in the language the person's Telegram uses: for an update that failed
/// before the person was known, or whose handling panicked.
pub(crate) async fn apologize(
    deps: &Deps,
    chat: i64,
    language_code: Option<&str>,
    callback: Option<&CallbackQueryId>,
) {
    let lang = domain::Language::from_telegram(language_code);
    let text = deps.texts.get(lang, "error-generic");
    let sent = match callback {
        Some(id) => deps.messenger.answer(chat, id, Some(&text), true).await,
        None => deps.messenger.send(chat, &text, None).await.map(|_| ()),
    };
    if let Err(e) = sent {
        tracing::warn!(chat, error = %e, "could not tell the person about the failure");
    }
}

/// A failed update, and whether the person was already told.
enum Failure {
    Told(BotError),
    Untold(BotError),
}

async fn handle(deps: &Deps, incoming: Incoming) -> Result<(), Failure> {
    let (ctx, saved) = prepare(deps, &incoming).await.map_err(Failure::Untold)?;
    respond(&ctx, saved, &incoming.input)
        .await
        .map_err(Failure::Told)
}

/// The person (registered on first contact) and their chat's dialogue state.
async fn prepare<'a>(deps: &'a Deps, incoming: &Incoming) -> Result<(Ctx<'a>, Saved), BotError> {
    let user = deps
        .app
        .ensure_user(
            incoming.telegram_id,
            &incoming.name,
            incoming.language_code.as_deref(),
        )
        .await?;
    if !user.reachable {
        deps.app.set_reachable(&user, true).await?;
    }
    let ctx = Ctx::new(deps, user, incoming.chat);
    let saved = Saved::load(deps.bot_state.as_ref(), ctx.chat).await?;
    Ok((ctx, saved))
}

/// Routes the input, saves the next state, answers the tap; a failing flow tells the person.
async fn respond(ctx: &Ctx<'_>, saved: Saved, input: &Input) -> Result<(), BotError> {
    let deps = ctx.deps;
    let store = deps.bot_state.as_ref();
    let callback_id = match input {
        Input::Callback { id, .. } => Some(id.clone()),
        _ => None,
    };
    let outcome = match route(ctx, saved.state.clone(), input).await {
        Ok(state) => {
            let question = common::settle_question(ctx, saved.question(), &state, input).await;
            let next = Saved {
                state,
                question: question.map(|m| m.0),
            };
            if next != saved {
                next.save(store, ctx.chat).await?;
            }
            Ok(())
        }
        Err(e) => {
            tracing::error!(chat = ctx.chat, error = %e, "flow failed");
            if callback_id.is_none() {
                // Best effort: the person must not be left without an answer.
                let _ = ctx.send_with_menu(&ctx.t("error-generic")).await;
            } else {
                ctx.notice(ctx.t("error-generic"), true);
            }
            Err(e)
        }
    };
    if let Some(id) = callback_id {
        let notice = ctx.take_notice();
        let (text, alert) = match &notice {
            Some((t, a)) => (Some(t.as_str()), *a),
            None => (None, false),
        };
        if let Err(e) = deps.messenger.answer(ctx.chat, &id, text, alert).await {
            tracing::warn!(chat = ctx.chat, error = %e, "could not answer a button tap");
        }
    }
    outcome
}

async fn route(ctx: &Ctx<'_>, state: State, input: &Input) -> HandlerResult {
    match input {
        Input::Command { name, .. } if name == "cancel" => common::cancel(ctx, &state).await,
        // Any other command, like a menu button, ends a dialogue and says so first.
        Input::Command { name, payload } => {
            common::leave(ctx, &state).await?;
            match name.as_str() {
                "start" => common::start(ctx, payload.as_deref()).await,
                "menu" => common::menu(ctx).await,
                "help" => common::help(ctx).await,
                "language" => common::language(ctx).await,
                "token" => owner::token(ctx).await,
                _ => common::unknown(ctx).await,
            }
        }
        Input::Text(text) if is_cancel_label(ctx, text) => common::cancel(ctx, &state).await,
        Input::Text(text) if ctx.deps.labels.contains_key(text.trim()) => {
            let Some(action) = ctx.deps.labels.get(text.trim()).copied() else {
                return common::unknown(ctx).await;
            };
            common::leave(ctx, &state).await?;
            on_menu(ctx, action).await
        }
        Input::Callback { data, message, .. } => {
            let before = state.dialogue();
            let next = match Callback::decode(data) {
                None => {
                    ctx.notice(ctx.t("button-expired"), true);
                    Ok(state)
                }
                Some(Callback::Common(cb)) => common::on_callback(ctx, cb, state, *message).await,
                Some(Callback::Employee(cb)) => {
                    employee::on_callback(ctx, cb, state, *message).await
                }
                Some(Callback::Owner(cb)) => owner::on_callback(ctx, cb, state, *message).await,
            }?;
            common::note_replaced(ctx, before, &next);
            Ok(next)
        }
        _ => match state {
            State::Employee(s) => employee::on_input(ctx, s, input).await,
            State::Owner(s) => owner::on_input(ctx, s, input).await,
            State::Idle => match input {
                Input::Location {
                    fix,
                    live_update: false,
                } => employee::on_idle_location(ctx, *fix).await,
                // Live-location edits outside a dialogue carry no request.
                Input::Location {
                    live_update: true, ..
                } => Ok(State::Idle),
                _ => common::unknown(ctx).await,
            },
        },
    }
}

async fn on_menu(ctx: &Ctx<'_>, action: MenuAction) -> HandlerResult {
    match action {
        MenuAction::Help => common::help(ctx).await,
        MenuAction::OpenShift
        | MenuAction::CloseShift
        | MenuAction::Status
        | MenuAction::Plan
        | MenuAction::MyPlans
        | MenuAction::Earnings => employee::on_menu(ctx, action).await,
        MenuAction::MySites | MenuAction::Now | MenuAction::Reports | MenuAction::NewSite => {
            owner::on_menu(ctx, action).await
        }
    }
}

fn is_cancel_label(ctx: &Ctx<'_>, text: &str) -> bool {
    let t = text.trim();
    [domain::Language::Ru, domain::Language::En]
        .into_iter()
        .any(|l| ctx.deps.texts.get(l, "button-cancel") == t)
}

fn parse(update: Update) -> Option<Incoming> {
    match update.kind {
        UpdateKind::Message(msg) => from_message(&msg, false),
        UpdateKind::EditedMessage(msg) => from_message(&msg, true),
        UpdateKind::CallbackQuery(q) => {
            let chat = q
                .message
                .as_ref()
                .map(|m| m.chat().id.0)
                .unwrap_or(q.from.id.0 as i64);
            Some(Incoming {
                telegram_id: i64::try_from(q.from.id.0).ok()?,
                name: q.from.full_name(),
                language_code: q.from.language_code.clone(),
                chat,
                input: Input::Callback {
                    id: q.id.clone(),
                    data: q.data.clone().unwrap_or_default(),
                    message: q.message.as_ref().map(|m| m.id()),
                },
            })
        }
        _ => None,
    }
}

fn from_message(msg: &Message, edited: bool) -> Option<Incoming> {
    // Groups and channels are not served: StaffProBot talks to people one to one.
    if !matches!(msg.chat.kind, ChatKind::Private(_)) {
        return None;
    }
    let from = msg.from.as_ref()?;
    let input = if let Some(loc) = msg.location() {
        let coordinates = Coordinates::new(loc.latitude, loc.longitude).ok()?;
        let taken_at = if edited {
            msg.edit_date().copied().unwrap_or(msg.date)
        } else {
            msg.date
        };
        Input::Location {
            fix: LocationFix {
                coordinates,
                accuracy_m: loc.horizontal_accuracy,
                taken_at,
                forwarded: msg.forward_origin().is_some(),
            },
            live_update: edited,
        }
    } else if edited {
        // Edited texts are not new requests.
        return None;
    } else if let Some(text) = msg.text() {
        match text.strip_prefix('/') {
            Some(cmd) => {
                let (head, payload) = match cmd.split_once(char::is_whitespace) {
                    Some((h, p)) => (h, Some(p.trim().to_owned()).filter(|p| !p.is_empty())),
                    None => (cmd, None),
                };
                // "/start@StaffProBot" in clients that add the bot's name.
                let name = head.split('@').next().unwrap_or(head).to_ascii_lowercase();
                Input::Command { name, payload }
            }
            None => Input::Text(text.to_owned()),
        }
    } else {
        Input::Other
    };
    Some(Incoming {
        telegram_id: i64::try_from(from.id.0).ok()?,
        name: from.full_name(),
        language_code: from.language_code.clone(),
        chat: msg.chat.id.0,
        input,
    })
}
