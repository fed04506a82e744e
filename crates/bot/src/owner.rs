//! Owner (and manager) flows: creating and editing sites, join links and QR codes, join
//! requests, employees, who is on shift now, reports, API tokens. The handlers parse what the
//! person sent, call the use-cases and render the answer; the rules live in `app` and `domain`.

mod broadcast;
mod buttons;
mod create;
mod fields;
mod live;
mod questions;
mod report_scope;
mod reports;
mod review;
mod sites;
mod typed;

pub use buttons::OwnerCb;
pub use create::{Draft, Step};
pub use fields::Field;
pub use report_scope::{PeriodChoice, Scope};
pub(crate) use review::review_request;

use crate::callback::button;
use crate::ctx::{BotError, Ctx, Deps, HandlerResult, Input, MenuAction};
use crate::format::html;
use crate::messenger::SendError;
use crate::state::{Dialogue, State};
use crate::{args, common};
use app::AppError;
use app::joining::{JoinAsked, JoinError};
use domain::join::JoinRequestId;
use domain::{ShiftId, Site, SiteId, User, ValueError};
use serde::{Deserialize, Serialize};
use teloxide::types::{InlineKeyboardMarkup, MessageId};

/// Where an owner dialogue stands (saved between updates, so a restart continues it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OwnerState {
    /// Creating a site: the answers so far and the step asked.
    NewSite(Draft),
    /// Waiting for the new value of one field of a site.
    Edit { site: SiteId, field: Field },
    /// Waiting for a typed period for a report.
    ReportRange { scope: Scope },
    /// Waiting for the time someone left, to close their running shift.
    CloseTime { shift: ShiftId },
    /// Waiting for the right end of a shift waiting for review.
    ReviewTime { shift: ShiftId },
    /// A broadcast: waiting for the site (or all) to write to.
    BroadcastWhom,
    /// A broadcast: waiting for the text for the employees of `site` (None: all sites).
    BroadcastText { site: Option<SiteId> },
    /// A broadcast: the preview is shown, waiting for Send or Cancel.
    BroadcastConfirm { site: Option<SiteId>, text: String },
}

impl OwnerState {
    pub fn dialogue(&self) -> Dialogue {
        match self {
            OwnerState::NewSite(_) => Dialogue::NewSite,
            OwnerState::Edit { .. } => Dialogue::EditSite,
            OwnerState::ReportRange { .. } => Dialogue::Report,
            OwnerState::CloseTime { .. } => Dialogue::CloseFor,
            OwnerState::ReviewTime { .. } => Dialogue::Review,
            OwnerState::BroadcastWhom
            | OwnerState::BroadcastText { .. }
            | OwnerState::BroadcastConfirm { .. } => Dialogue::Broadcast,
        }
    }
}

pub async fn on_menu(ctx: &Ctx<'_>, action: MenuAction) -> HandlerResult {
    match action {
        MenuAction::NewSite => create::start(ctx).await,
        MenuAction::MySites | MenuAction::Now | MenuAction::Reports => {
            if !ctx.manages_sites().await? {
                ctx.send_with_menu(&ctx.t("owner-section-only")).await?;
                return Ok(State::Idle);
            }
            match action {
                MenuAction::MySites => sites::list(ctx, None).await?,
                MenuAction::Now => live::show_now(ctx, None).await?,
                _ => reports::pick_scope(ctx, None).await?,
            }
            Ok(State::Idle)
        }
        _ => common::unknown(ctx).await,
    }
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
        OwnerCb::NewSite => {
            // Starting over drops the draft: say so, as for any dialogue left midway.
            if let State::Owner(OwnerState::NewSite(_)) = state {
                ctx.notice(ctx.t(Dialogue::NewSite.cancelled_text_id()), false);
            }
            create::start(ctx).await
        }
        OwnerCb::Radius(_)
        | OwnerCb::AroundTheClock
        | OwnerCb::Zone(_)
        | OwnerCb::Skip
        | OwnerCb::Create => match state {
            State::Owner(OwnerState::NewSite(draft)) => {
                create::on_button(ctx, draft, cb, message).await
            }
            State::Owner(OwnerState::Edit { site, field }) => {
                sites::on_edit_button(ctx, site, field, cb, message).await
            }
            // A value button of a dialogue that has ended (or another one's).
            other => {
                ctx.notice(ctx.t("button-expired"), true);
                Ok(other)
            }
        },
        OwnerCb::Sites => sites::list(ctx, message).await.map(|()| state),
        OwnerCb::Site(site) => sites::card(ctx, site, message).await.map(|()| state),
        OwnerCb::EditMenu(site) => sites::edit_menu(ctx, site, message).await.map(|()| state),
        OwnerCb::Edit { site, field } => sites::start_edit(ctx, site, field, state).await,
        OwnerCb::SetActive { site, active } => {
            sites::set_flags(ctx, site, Some(active), None, message)
                .await
                .map(|()| state)
        }
        OwnerCb::SetNotify { site, on } => sites::set_flags(ctx, site, None, Some(on), message)
            .await
            .map(|()| state),
        OwnerCb::JoinLink(site) => sites::join_link_and_qr(ctx, site).await.map(|()| state),
        OwnerCb::Employees(site) => sites::employees(ctx, site, message).await.map(|()| state),
        OwnerCb::Revoke {
            site,
            employee,
            confirmed,
        } => sites::revoke(ctx, site, employee, confirmed, message)
            .await
            .map(|()| state),
        OwnerCb::Now => live::show_now(ctx, message).await.map(|()| state),
        OwnerCb::Reports => reports::pick_scope(ctx, message).await.map(|()| state),
        OwnerCb::ReportEmployees => reports::pick_employee(ctx, message).await.map(|()| state),
        OwnerCb::ReportScope(scope) => reports::pick_period(ctx, scope, message)
            .await
            .map(|()| state),
        OwnerCb::Report { scope, period } => reports::run(ctx, scope, period, message, state).await,
        OwnerCb::ReportFile {
            scope,
            from,
            to,
            format,
        } => crate::report_files::on_request(ctx, scope.report_scope(), from, to, format)
            .await
            .map(|()| state),
        OwnerCb::CloseShift(shift) => review::ask_close_time(ctx, shift, state).await,
        OwnerCb::CloseNow(shift) => review::close_now(ctx, shift, message).await,
        OwnerCb::CloseConfirm { shift, at } => {
            review::close_confirmed(ctx, shift, at, message).await
        }
        OwnerCb::ReviewApprove(shift) => review::approve(ctx, shift, message, state).await,
        OwnerCb::ReviewChange(shift) => review::ask_review_time(ctx, shift, state).await,
        OwnerCb::ReviewConfirm { shift, at } => {
            review::change_confirmed(ctx, shift, at, message).await
        }
        OwnerCb::ReviewList => review::list(ctx).await.map(|()| state),
        OwnerCb::BroadcastTo(site) => broadcast::on_pick(ctx, site, state, message).await,
        OwnerCb::BroadcastSend => broadcast::on_send(ctx, state, message).await,
    }
}

pub async fn on_input(ctx: &Ctx<'_>, state: OwnerState, input: &Input) -> HandlerResult {
    match state {
        OwnerState::NewSite(draft) => create::on_input(ctx, draft, input).await,
        OwnerState::Edit { site, field } => sites::on_edit_input(ctx, site, field, input).await,
        OwnerState::ReportRange { scope } => reports::on_range(ctx, scope, input).await,
        OwnerState::CloseTime { .. } | OwnerState::ReviewTime { .. } => {
            review::on_time(ctx, state, input).await
        }
        OwnerState::BroadcastWhom => broadcast::on_whom_input(ctx, input).await,
        OwnerState::BroadcastText { site } => broadcast::on_text(ctx, site, input).await,
        // The preview waits for a tap; anything typed is taken as a new text to preview.
        OwnerState::BroadcastConfirm { site, .. } => broadcast::on_text(ctx, site, input).await,
    }
}

/// Shows `text` in the tapped message (edited in place), or as a new message when there is none
/// or it cannot be edited any more.
pub(crate) async fn show(
    ctx: &Ctx<'_>,
    message: Option<MessageId>,
    text: &str,
    markup: InlineKeyboardMarkup,
) -> Result<(), BotError> {
    if let Some(m) = message {
        match ctx.edit(m, text, Some(markup.clone())).await {
            Ok(()) => return Ok(()),
            Err(BotError::Send(SendError::Telegram(e))) => {
                tracing::info!(chat = ctx.chat, error = %e, "could not edit; sending anew");
            }
            Err(e) => return Err(e),
        }
    }
    ctx.send_inline(text, markup).await?;
    Ok(())
}

/// Logs a failed message that must not undo what was already stored (the state moves on).
pub(crate) fn best_effort(result: Result<(), BotError>, what: &str) {
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not {what}");
    }
}

/// A site the person owns or manages; otherwise the tap is answered with a notice and `None`.
pub(crate) async fn managed_site_or_notice(
    ctx: &Ctx<'_>,
    id: SiteId,
) -> Result<Option<Site>, BotError> {
    match ctx.app().managed_site(&ctx.user, id).await {
        Ok(site) => Ok(Some(site)),
        Err(AppError::NotFound(_)) => {
            ctx.notice(ctx.t("no-access-site"), true);
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Why a value was refused, in the person's language, with the same limits the HTTP API names.
pub(crate) fn value_error_text(ctx: &Ctx<'_>, e: &ValueError) -> String {
    value_error_in(&ctx.deps.texts, ctx.lang(), e)
}

fn value_error_in(texts: &crate::texts::Texts, lang: domain::Language, e: &ValueError) -> String {
    let tf = |id: &str, args: fluent_bundle::FluentArgs| texts.format(lang, id, Some(&args));
    match e {
        // Names are trimmed first: one made of spaces is simply empty.
        ValueError::SiteNameLength { len: 0 } => texts.get(lang, "site-err-name-empty"),
        ValueError::PersonNameLength { len: 0 } => texts.get(lang, "person-err-name-empty"),
        ValueError::SiteNameLength { len } => tf("site-err-name-length", args!["len" => *len]),
        ValueError::PersonNameLength { len } => tf("person-err-name-length", args!["len" => *len]),
        ValueError::ControlCharacter { .. } => texts.get(lang, "site-err-control-character"),
        ValueError::AddressTooLong { len } => tf("site-err-address-length", args!["len" => *len]),
        ValueError::Latitude { value } => {
            tf("site-err-latitude", args!["value" => value.to_string()])
        }
        ValueError::Longitude { value } => {
            tf("site-err-longitude", args!["value" => value.to_string()])
        }
        ValueError::GeofenceRadius { value } => {
            tf("site-err-radius", args!["value" => value.to_string()])
        }
        ValueError::TimeOfDay { value, .. } => {
            tf("site-err-time-of-day", args!["value" => html(value)])
        }
        ValueError::TimeZone { value } => tf("site-err-time-zone", args!["value" => html(value)]),
        ValueError::HourlyRate { max, .. } => {
            let max = domain::Money::new(*max, domain::Currency::RUB);
            tf(
                "site-err-rate",
                args!["max" => crate::format::money(lang, max)],
            )
        }
        other => tf(
            "site-err-other",
            args!["message" => html(&other.to_string())],
        ),
    }
}

/// `/broadcast`: write to the employees of one or all sites.
pub async fn start_broadcast(ctx: &Ctx<'_>) -> HandlerResult {
    broadcast::start(ctx).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_of_spaces_is_said_to_be_empty() {
        let texts = crate::texts::Texts::load().unwrap();
        let text = |lang, e| value_error_in(&texts, lang, &e);
        let (ru, en) = (domain::Language::Ru, domain::Language::En);
        let (site, person) = (
            || ValueError::SiteNameLength { len: 0 },
            || ValueError::PersonNameLength { len: 0 },
        );
        assert_eq!(
            text(ru, site()),
            "Название пустое: напишите его буквами или цифрами."
        );
        assert_eq!(
            text(ru, person()),
            "Имя пустое: напишите его буквами или цифрами."
        );
        for e in [site(), person()] {
            assert_eq!(
                text(en, e),
                "The name is empty: type it in letters or digits."
            );
        }
        assert_eq!(
            value_error_in(
                &texts,
                domain::Language::En,
                &ValueError::PersonNameLength { len: 129 }
            ),
            "A person's name must be 1 to 128 characters; this one has 129."
        );
    }

    #[test]
    fn dialogue_states_survive_serialisation() {
        let states = [
            OwnerState::NewSite(Draft::default()),
            OwnerState::Edit {
                site: SiteId(7),
                field: Field::Hours,
            },
            OwnerState::ReportRange {
                scope: Scope::Employee(domain::UserId(3)),
            },
            OwnerState::CloseTime { shift: ShiftId(9) },
            OwnerState::ReviewTime { shift: ShiftId(9) },
            OwnerState::BroadcastWhom,
            OwnerState::BroadcastText { site: None },
            OwnerState::BroadcastConfirm {
                site: Some(SiteId(4)),
                text: "Завтра <собрание>\nв 9:00".into(),
            },
        ];
        for s in states {
            let state = State::Owner(s);
            let json = serde_json::to_string(&state).unwrap();
            let back: State = serde_json::from_str(&json).unwrap();
            assert_eq!(back, state, "{json}");
        }
    }
}
