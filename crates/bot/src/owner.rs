//! Owner (and manager) flows: creating and editing sites, join links and QR codes, join
//! requests, employees, who is on shift now, reports, API tokens. The handlers parse what the
//! person sent, call the use-cases and render the answer; the rules live in `app` and `domain`.

mod create;
mod fields;
mod live;
mod reports;
mod review;
mod sites;

pub use create::{Draft, Step};
pub use fields::Field;
pub use reports::{PeriodChoice, Scope};
pub(crate) use review::review_request;

use crate::callback::{CallbackCodec, button, fields as split};
use crate::ctx::{BotError, Ctx, Deps, HandlerResult, Input, MenuAction};
use crate::format::html;
use crate::messenger::SendError;
use crate::state::State;
use crate::{args, common};
use app::AppError;
use app::joining::{JoinAsked, JoinError};
use domain::join::JoinRequestId;
use domain::{ShiftId, Site, SiteId, User, UserId, ValueError};
use serde::{Deserialize, Serialize};
use teloxide::types::{InlineKeyboardMarkup, MessageId};

/// Buttons of the owner flows. Each encodes as a letter and `:`-separated numbers (see
/// `crate::callback`); ids are decimal, so even `i64::MAX` ids fit Telegram's 64 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerCb {
    /// Approve or decline a join request.
    Join {
        request: JoinRequestId,
        approve: bool,
    },
    /// Start the new-site dialogue.
    NewSite,
    /// A radius button (metres) in the site dialogues.
    Radius(u32),
    /// "24/7" for opening hours.
    AroundTheClock,
    /// A time zone by its index in `fields::ZONES`.
    Zone(u8),
    /// Leave the address empty ("No address").
    Skip,
    /// Create the site as summarised.
    Create,
    /// The list of the person's sites.
    Sites,
    /// A site's card.
    Site(SiteId),
    /// Which field of the site to edit.
    EditMenu(SiteId),
    /// Edit one field.
    Edit {
        site: SiteId,
        field: Field,
    },
    SetActive {
        site: SiteId,
        active: bool,
    },
    /// Owner notifications about shifts opening and closing at the site.
    SetNotify {
        site: SiteId,
        on: bool,
    },
    /// The join link and its QR code.
    JoinLink(SiteId),
    /// The employees with access.
    Employees(SiteId),
    /// Take an employee's access away; asked first, done when `confirmed`.
    Revoke {
        site: SiteId,
        employee: UserId,
        confirmed: bool,
    },
    /// Refresh "who is on shift now".
    Now,
    /// Reports: choose what the report is about.
    Reports,
    /// Reports: choose an employee.
    ReportEmployees,
    /// Reports: choose the period for a scope.
    ReportScope(Scope),
    Report {
        scope: Scope,
        period: PeriodChoice,
    },
    /// Close someone's running shift ("On shift now"): ask when they left.
    CloseShift(ShiftId),
    /// Close it as of now: confirm first.
    CloseNow(ShiftId),
    /// Close it at `at` (Unix seconds), as confirmed.
    CloseConfirm {
        shift: ShiftId,
        at: i64,
    },
    /// Approve the end of a shift waiting for review.
    ReviewApprove(ShiftId),
    /// Set another end for a shift waiting for review: ask the time.
    ReviewChange(ShiftId),
    /// Set its end to `at` (Unix seconds), as confirmed.
    ReviewConfirm {
        shift: ShiftId,
        at: i64,
    },
    /// The shifts waiting for review.
    ReviewList,
}

fn flag(b: bool) -> u8 {
    u8::from(b)
}

fn parse_flag(s: Option<&str>) -> Option<bool> {
    match s? {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

fn parse_id(s: Option<&str>) -> Option<i64> {
    s?.parse().ok()
}

impl CallbackCodec for OwnerCb {
    fn encode_body(&self) -> String {
        match *self {
            OwnerCb::Join { request, approve } => format!("j:{}:{}", request.0, flag(approve)),
            OwnerCb::NewSite => "n".into(),
            OwnerCb::Radius(m) => format!("r:{m}"),
            OwnerCb::AroundTheClock => "h".into(),
            OwnerCb::Zone(i) => format!("z:{i}"),
            OwnerCb::Skip => "k".into(),
            OwnerCb::Create => "c".into(),
            OwnerCb::Sites => "l".into(),
            OwnerCb::Site(s) => format!("s:{}", s.0),
            OwnerCb::EditMenu(s) => format!("e:{}", s.0),
            OwnerCb::Edit { site, field } => format!("f:{}:{}", site.0, field.code()),
            OwnerCb::SetActive { site, active } => format!("a:{}:{}", site.0, flag(active)),
            OwnerCb::SetNotify { site, on } => format!("b:{}:{}", site.0, flag(on)),
            OwnerCb::JoinLink(s) => format!("q:{}", s.0),
            OwnerCb::Employees(s) => format!("m:{}", s.0),
            OwnerCb::Revoke {
                site,
                employee,
                confirmed,
            } => format!("v:{}:{}:{}", site.0, employee.0, flag(confirmed)),
            OwnerCb::Now => "w".into(),
            OwnerCb::Reports => "p".into(),
            OwnerCb::ReportEmployees => "u".into(),
            OwnerCb::ReportScope(scope) => format!("o:{}", scope.encode()),
            OwnerCb::Report { scope, period } => {
                format!("t:{}:{}", scope.encode(), period.code())
            }
            OwnerCb::CloseShift(s) => format!("d:{}", s.0),
            OwnerCb::CloseNow(s) => format!("g:{}", s.0),
            OwnerCb::CloseConfirm { shift, at } => format!("i:{}:{at}", shift.0),
            OwnerCb::ReviewApprove(s) => format!("y:{}", s.0),
            OwnerCb::ReviewChange(s) => format!("rc:{}", s.0),
            OwnerCb::ReviewConfirm { shift, at } => format!("rk:{}:{at}", shift.0),
            OwnerCb::ReviewList => "rl".into(),
        }
    }

    fn decode_body(body: &str) -> Option<Self> {
        let mut f = split(body);
        let cb = match f.next()? {
            "j" => OwnerCb::Join {
                request: JoinRequestId(parse_id(f.next())?),
                approve: parse_flag(f.next())?,
            },
            "n" => OwnerCb::NewSite,
            "r" => OwnerCb::Radius(f.next()?.parse().ok()?),
            "h" => OwnerCb::AroundTheClock,
            "z" => OwnerCb::Zone(f.next()?.parse().ok()?),
            "k" => OwnerCb::Skip,
            "c" => OwnerCb::Create,
            "l" => OwnerCb::Sites,
            "s" => OwnerCb::Site(SiteId(parse_id(f.next())?)),
            "e" => OwnerCb::EditMenu(SiteId(parse_id(f.next())?)),
            "f" => OwnerCb::Edit {
                site: SiteId(parse_id(f.next())?),
                field: Field::from_code(f.next()?)?,
            },
            "a" => OwnerCb::SetActive {
                site: SiteId(parse_id(f.next())?),
                active: parse_flag(f.next())?,
            },
            "b" => OwnerCb::SetNotify {
                site: SiteId(parse_id(f.next())?),
                on: parse_flag(f.next())?,
            },
            "q" => OwnerCb::JoinLink(SiteId(parse_id(f.next())?)),
            "m" => OwnerCb::Employees(SiteId(parse_id(f.next())?)),
            "v" => OwnerCb::Revoke {
                site: SiteId(parse_id(f.next())?),
                employee: UserId(parse_id(f.next())?),
                confirmed: parse_flag(f.next())?,
            },
            "w" => OwnerCb::Now,
            "p" => OwnerCb::Reports,
            "u" => OwnerCb::ReportEmployees,
            "o" => OwnerCb::ReportScope(Scope::decode(f.next()?)?),
            "t" => OwnerCb::Report {
                scope: Scope::decode(f.next()?)?,
                period: PeriodChoice::from_code(f.next()?)?,
            },
            "d" => OwnerCb::CloseShift(ShiftId(parse_id(f.next())?)),
            "g" => OwnerCb::CloseNow(ShiftId(parse_id(f.next())?)),
            "i" => OwnerCb::CloseConfirm {
                shift: ShiftId(parse_id(f.next())?),
                at: parse_id(f.next())?,
            },
            "y" => OwnerCb::ReviewApprove(ShiftId(parse_id(f.next())?)),
            "rc" => OwnerCb::ReviewChange(ShiftId(parse_id(f.next())?)),
            "rk" => OwnerCb::ReviewConfirm {
                shift: ShiftId(parse_id(f.next())?),
                at: parse_id(f.next())?,
            },
            "rl" => OwnerCb::ReviewList,
            _ => return None,
        };
        f.next().is_none().then_some(cb)
    }
}

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
        OwnerCb::NewSite => create::start(ctx).await,
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
    match e {
        ValueError::SiteNameLength { len } => ctx.tf("site-err-name-length", args!["len" => *len]),
        ValueError::ControlCharacter { .. } => ctx.t("site-err-control-character"),
        ValueError::AddressTooLong { len } => {
            ctx.tf("site-err-address-length", args!["len" => *len])
        }
        ValueError::Latitude { value } => {
            ctx.tf("site-err-latitude", args!["value" => value.to_string()])
        }
        ValueError::Longitude { value } => {
            ctx.tf("site-err-longitude", args!["value" => value.to_string()])
        }
        ValueError::GeofenceRadius { value } => {
            ctx.tf("site-err-radius", args!["value" => value.to_string()])
        }
        ValueError::TimeOfDay { value, .. } => {
            ctx.tf("site-err-time-of-day", args!["value" => html(value)])
        }
        ValueError::TimeZone { value } => {
            ctx.tf("site-err-time-zone", args!["value" => html(value)])
        }
        ValueError::HourlyRate { max, .. } => {
            let max = domain::Money::new(*max, domain::Currency::RUB);
            ctx.tf(
                "site-err-rate",
                args!["max" => crate::format::money(ctx.lang(), max)],
            )
        }
        other => ctx.tf(
            "site-err-other",
            args!["message" => html(&other.to_string())],
        ),
    }
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
    use crate::callback::{Callback, MAX_LEN};
    use proptest::prelude::*;

    fn scopes(id: i64) -> [Scope; 3] {
        [
            Scope::All,
            Scope::Site(SiteId(id)),
            Scope::Employee(UserId(id)),
        ]
    }

    /// Every variant, with the longest numbers each field can hold.
    fn every_variant() -> Vec<OwnerCb> {
        let mut all = Vec::new();
        for id in [i64::MIN, -1, 0, 1, i64::MAX] {
            let (site, user) = (SiteId(id), UserId(id));
            for b in [true, false] {
                all.push(OwnerCb::Join {
                    request: JoinRequestId(id),
                    approve: b,
                });
                all.push(OwnerCb::SetActive { site, active: b });
                all.push(OwnerCb::SetNotify { site, on: b });
                all.push(OwnerCb::Revoke {
                    site,
                    employee: user,
                    confirmed: b,
                });
            }
            all.extend([
                OwnerCb::CloseShift(ShiftId(id)),
                OwnerCb::CloseNow(ShiftId(id)),
                OwnerCb::ReviewApprove(ShiftId(id)),
                OwnerCb::ReviewChange(ShiftId(id)),
            ]);
            for at in [i64::MIN, 0, i64::MAX] {
                all.push(OwnerCb::CloseConfirm {
                    shift: ShiftId(id),
                    at,
                });
                all.push(OwnerCb::ReviewConfirm {
                    shift: ShiftId(id),
                    at,
                });
            }
            all.extend([
                OwnerCb::Site(site),
                OwnerCb::EditMenu(site),
                OwnerCb::JoinLink(site),
                OwnerCb::Employees(site),
            ]);
            for field in Field::ALL {
                all.push(OwnerCb::Edit { site, field });
            }
            for scope in scopes(id) {
                all.push(OwnerCb::ReportScope(scope));
                for period in PeriodChoice::ALL {
                    all.push(OwnerCb::Report { scope, period });
                }
            }
        }
        for m in [0, 1, u32::MAX] {
            all.push(OwnerCb::Radius(m));
        }
        for i in [0, u8::MAX] {
            all.push(OwnerCb::Zone(i));
        }
        all.extend([
            OwnerCb::NewSite,
            OwnerCb::AroundTheClock,
            OwnerCb::Skip,
            OwnerCb::Create,
            OwnerCb::Sites,
            OwnerCb::Now,
            OwnerCb::Reports,
            OwnerCb::ReportEmployees,
            OwnerCb::ReviewList,
        ]);
        all
    }

    /// Numbers the variants; a new variant does not compile until it is numbered here, and the
    /// test below fails until `every_variant` lists it.
    fn variant_no(cb: &OwnerCb) -> usize {
        match cb {
            OwnerCb::Join { .. } => 0,
            OwnerCb::NewSite => 1,
            OwnerCb::Radius(_) => 2,
            OwnerCb::AroundTheClock => 3,
            OwnerCb::Zone(_) => 4,
            OwnerCb::Skip => 5,
            OwnerCb::Create => 6,
            OwnerCb::Sites => 7,
            OwnerCb::Site(_) => 8,
            OwnerCb::EditMenu(_) => 9,
            OwnerCb::Edit { .. } => 10,
            OwnerCb::SetActive { .. } => 11,
            OwnerCb::SetNotify { .. } => 12,
            OwnerCb::JoinLink(_) => 13,
            OwnerCb::Employees(_) => 14,
            OwnerCb::Revoke { .. } => 15,
            OwnerCb::Now => 16,
            OwnerCb::Reports => 17,
            OwnerCb::ReportEmployees => 18,
            OwnerCb::ReportScope(_) => 19,
            OwnerCb::Report { .. } => 20,
            OwnerCb::CloseShift(_) => 21,
            OwnerCb::CloseNow(_) => 22,
            OwnerCb::CloseConfirm { .. } => 23,
            OwnerCb::ReviewApprove(_) => 24,
            OwnerCb::ReviewChange(_) => 25,
            OwnerCb::ReviewConfirm { .. } => 26,
            OwnerCb::ReviewList => 27,
        }
    }
    const VARIANTS: usize = 28;

    #[test]
    fn every_button_fits_and_round_trips() {
        let all = every_variant();
        let listed: std::collections::BTreeSet<usize> = all.iter().map(variant_no).collect();
        assert_eq!(listed.len(), VARIANTS, "every variant is checked");
        for cb in all {
            let data = Callback::Owner(cb).encode();
            assert!(
                data.len() <= MAX_LEN,
                "{cb:?} encodes to {} bytes",
                data.len()
            );
            assert_eq!(Callback::decode(&data), Some(Callback::Owner(cb)), "{data}");
        }
    }

    #[test]
    fn malformed_owner_data_does_not_decode() {
        for bad in [
            "1o",
            "1ox",
            "1os",
            "1os:",
            "1os:abc",
            "1os:1:2",
            "1oj:1",
            "1oj:1:2",
            "1of:1:x",
            "1ov:1:2",
            "1ov:1:2:3",
            "1oo:x1",
            "1ot:a",
            "1ot:a:y",
            "1or:-1",
            "1oz:256",
            "1on:1",
            "1os:99999999999999999999",
            "1od:",
            "1oi:1",
            "1oi:1:x",
            "1ork:1",
            "1orc:1:2",
            "1orl:1",
        ] {
            assert_eq!(Callback::decode(bad), None, "{bad}");
        }
    }

    fn any_scope() -> impl Strategy<Value = Scope> {
        prop_oneof![
            Just(Scope::All),
            any::<i64>().prop_map(|i| Scope::Site(SiteId(i))),
            any::<i64>().prop_map(|i| Scope::Employee(UserId(i))),
        ]
    }

    fn any_cb() -> impl Strategy<Value = OwnerCb> {
        let site = any::<i64>().prop_map(SiteId);
        prop_oneof![
            (any::<i64>(), any::<bool>()).prop_map(|(r, approve)| OwnerCb::Join {
                request: JoinRequestId(r),
                approve
            }),
            any::<u32>().prop_map(OwnerCb::Radius),
            any::<u8>().prop_map(OwnerCb::Zone),
            site.clone().prop_map(OwnerCb::Site),
            site.clone().prop_map(OwnerCb::EditMenu),
            site.clone().prop_map(OwnerCb::JoinLink),
            site.clone().prop_map(OwnerCb::Employees),
            (site.clone(), 0..Field::ALL.len()).prop_map(|(site, i)| OwnerCb::Edit {
                site,
                field: Field::ALL[i]
            }),
            (site.clone(), any::<bool>())
                .prop_map(|(site, active)| OwnerCb::SetActive { site, active }),
            (site.clone(), any::<bool>()).prop_map(|(site, on)| OwnerCb::SetNotify { site, on }),
            (site, any::<i64>(), any::<bool>()).prop_map(|(site, e, confirmed)| {
                OwnerCb::Revoke {
                    site,
                    employee: UserId(e),
                    confirmed,
                }
            }),
            any_scope().prop_map(OwnerCb::ReportScope),
            (any_scope(), 0..PeriodChoice::ALL.len()).prop_map(|(scope, i)| OwnerCb::Report {
                scope,
                period: PeriodChoice::ALL[i]
            }),
            Just(OwnerCb::NewSite),
            Just(OwnerCb::Create),
            Just(OwnerCb::Now),
            (any::<i64>(), any::<i64>()).prop_map(|(s, at)| OwnerCb::CloseConfirm {
                shift: ShiftId(s),
                at
            }),
            (any::<i64>(), any::<i64>()).prop_map(|(s, at)| OwnerCb::ReviewConfirm {
                shift: ShiftId(s),
                at
            }),
            any::<i64>().prop_map(|s| OwnerCb::ReviewChange(ShiftId(s))),
        ]
    }

    proptest! {
        #[test]
        fn callback_data_round_trips(cb in any_cb()) {
            let data = Callback::Owner(cb).encode();
            prop_assert!(data.len() <= MAX_LEN);
            prop_assert_eq!(Callback::decode(&data), Some(Callback::Owner(cb)));
        }

        #[test]
        fn arbitrary_data_never_panics(data in "1o[a-z:0-9-]{0,62}") {
            let _ = Callback::decode(&data);
        }
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
                scope: Scope::Employee(UserId(3)),
            },
            OwnerState::CloseTime { shift: ShiftId(9) },
            OwnerState::ReviewTime { shift: ShiftId(9) },
        ];
        for s in states {
            let state = State::Owner(s);
            let json = serde_json::to_string(&state).unwrap();
            let back: State = serde_json::from_str(&json).unwrap();
            assert_eq!(back, state, "{json}");
        }
    }
}
