//! Owner (and manager) flows: sites, join requests, who is on shift now, reports, API tokens.

use crate::callback::{CallbackCodec, button, fields};
use crate::ctx::{BotError, Ctx, Deps, HandlerResult, Input, MenuAction};
use crate::format::html;
use crate::state::State;
use crate::{args, common};
use app::joining::{JoinAsked, JoinError};
use domain::User;
use domain::join::JoinRequestId;
use serde::{Deserialize, Serialize};
use teloxide::types::{InlineKeyboardMarkup, MessageId};

/// Buttons of the owner flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerCb {
    /// Approve or decline a join request.
    Join {
        request: JoinRequestId,
        approve: bool,
    },
}

impl CallbackCodec for OwnerCb {
    fn encode_body(&self) -> String {
        match self {
            OwnerCb::Join { request, approve } => format!("j:{}:{}", request.0, u8::from(*approve)),
        }
    }

    fn decode_body(body: &str) -> Option<Self> {
        let mut f = fields(body);
        let cb = match f.next()? {
            "j" => OwnerCb::Join {
                request: JoinRequestId(f.next()?.parse().ok()?),
                approve: match f.next()? {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                },
            },
            _ => return None,
        };
        f.next().is_none().then_some(cb)
    }
}

/// Where an owner dialogue stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OwnerState {
    /// Nothing asked yet (placeholder for the site dialogues).
    Browsing,
}

pub async fn on_menu(ctx: &Ctx<'_>, _action: MenuAction) -> HandlerResult {
    common::unknown(ctx).await
}

pub async fn on_callback(
    ctx: &Ctx<'_>,
    cb: OwnerCb,
    state: State,
    message: Option<MessageId>,
) -> HandlerResult {
    match cb {
        OwnerCb::Join { request, approve } => decide_join(ctx, request, approve, message)
            .await
            .map(|()| state),
    }
}

pub async fn on_input(ctx: &Ctx<'_>, _state: OwnerState, _input: &Input) -> HandlerResult {
    common::unknown(ctx).await
}

/// `/token`: a new HTTP API token, shown once.
pub async fn token(ctx: &Ctx<'_>) -> HandlerResult {
    if !ctx.manages_sites().await? {
        ctx.send_with_menu(&ctx.t("token-owners-only")).await?;
        return Ok(State::Idle);
    }
    let (_, token) = ctx
        .app()
        .issue_api_token(ctx.user.telegram_id, "telegram")
        .await?;
    ctx.send_with_menu(&ctx.tf("token-issued", args!["token" => token]))
        .await?;
    Ok(State::Idle)
}

/// Sends the owner a new join request with Approve / Decline buttons.
pub async fn send_join_request(
    deps: &Deps,
    asked: &JoinAsked,
    employee: &User,
) -> Result<(), BotError> {
    let owner = &asked.owner;
    let lang = owner.language;
    let text = deps.texts.format(
        lang,
        "join-request",
        Some(&args![
            "employee" => html(employee.name.as_str()),
            "site" => html(asked.site.settings.name.as_str()),
        ]),
    );
    let markup = InlineKeyboardMarkup::new(vec![vec![
        button(
            deps.texts.get(lang, "button-approve"),
            OwnerCb::Join {
                request: asked.request.id,
                approve: true,
            },
        ),
        button(
            deps.texts.get(lang, "button-decline"),
            OwnerCb::Join {
                request: asked.request.id,
                approve: false,
            },
        ),
    ]]);
    deps.messenger
        .send(
            owner.telegram_id,
            &text,
            Some(teloxide::types::ReplyMarkup::InlineKeyboard(markup)),
        )
        .await?;
    Ok(())
}

async fn decide_join(
    ctx: &Ctx<'_>,
    id: JoinRequestId,
    approve: bool,
    message: Option<MessageId>,
) -> Result<(), BotError> {
    match ctx.app().decide_join(&ctx.user, id, approve).await {
        Ok(decided) => {
            let site = html(decided.site.settings.name.as_str());
            let who = html(decided.employee.name.as_str());
            let (owner_text, employee_text) = if approve {
                ("join-approved-owner", "join-approved-employee")
            } else {
                ("join-declined-owner", "join-declined-employee")
            };
            if let Some(m) = message {
                ctx.edit(
                    m,
                    &ctx.tf(
                        owner_text,
                        args!["employee" => who, "site" => site.as_str()],
                    ),
                    None,
                )
                .await?;
            }
            let employee = &decided.employee;
            if employee.reachable {
                let text = ctx.deps.texts.format(
                    employee.language,
                    employee_text,
                    Some(&args!["site" => site.as_str()]),
                );
                // The employee's menu gains the shift buttons once they have a site.
                let to = Ctx::new(ctx.deps, employee.clone(), employee.telegram_id);
                if let Err(e) = to.send_with_menu(&text).await {
                    tracing::warn!(error = %e, "could not tell the employee about the decision");
                }
            }
            Ok(())
        }
        Err(JoinError::AlreadyDecided) => {
            ctx.notice(ctx.t("join-already-decided"), true);
            Ok(())
        }
        Err(JoinError::NotFound) => {
            ctx.notice(ctx.t("button-expired"), true);
            Ok(())
        }
        Err(e) => Err(BotError::Other(e.to_string())),
    }
}
