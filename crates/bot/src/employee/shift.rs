//! Opening and closing a shift by location, and joining a site from its link.

use super::{EmployeeCb, EmployeeState};
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::format::{duration, html, local_time};
use crate::keyboards::{cancel_row, inline, location_request};
use crate::state::{Dialogue, State};
use app::joining::JoinError;
use app::status::LocationIntent;
use app::{CloseShiftError, OpenShiftError};
use domain::{LocationFix, LocationRejection, Site, SiteId};
use teloxide::types::MessageId;

/// The site-picker button of "Open shift".
pub(super) async fn on_open_at(
    ctx: &Ctx<'_>,
    site: SiteId,
    state: State,
    message: Option<MessageId>,
) -> HandlerResult {
    let sites = ctx.app().workplaces(&ctx.user).await?;
    let Some(site) = sites.into_iter().find(|s| s.id == site) else {
        ctx.notice(ctx.t("no-access-site"), true);
        return Ok(state);
    };
    if let Some(m) = message {
        ctx.edit(
            m,
            &ctx.tf(
                "open-site-chosen",
                args!["site" => html(site.settings.name.as_str())],
            ),
            None,
        )
        .await?;
    }
    ask_open_location(ctx, site.id).await
}

/// Input while a location is awaited.
pub(super) async fn on_input(ctx: &Ctx<'_>, state: EmployeeState, input: &Input) -> HandlerResult {
    match (&state, input) {
        (
            EmployeeState::OpenAwaitLocation { site },
            Input::Location {
                fix,
                live_update: false,
            },
        ) => open_at(ctx, *site, *fix).await,
        (
            EmployeeState::CloseAwaitLocation,
            Input::Location {
                fix,
                live_update: false,
            },
        ) => close_with(ctx, *fix).await,
        // A location instead of a tap on a site: open where the person is.
        (
            EmployeeState::OpenPickSite,
            Input::Location {
                fix,
                live_update: false,
            },
        ) => on_idle_location(ctx, *fix).await,
        // A live location keeps updating: the first fix already answered the request.
        (
            _,
            Input::Location {
                live_update: true, ..
            },
        ) => Ok(State::Employee(state)),
        (EmployeeState::OpenPickSite, _) => start_open(ctx, Some("open-use-buttons")).await,
        (_, _) => {
            // Text or a file instead of a location: explain (Desktop and Web cannot send one).
            ctx.send(
                &ctx.t("location-expected"),
                Some(location_request(ctx, "button-send-location")),
            )
            .await?;
            Ok(State::Employee(state))
        }
    }
}

/// A location sent outside a dialogue: the use-case says whether it opens (at the nearest
/// workplace) or closes a shift, or is a repeated tap.
pub async fn on_idle_location(ctx: &Ctx<'_>, fix: LocationFix) -> HandlerResult {
    match ctx.app().intent_of_location(&ctx.user, &fix).await? {
        LocationIntent::Open { site_id } => open_at(ctx, site_id, fix).await,
        LocationIntent::Close => close_with(ctx, fix).await,
        LocationIntent::AlreadyOpen { shift, site } => {
            let name = html(site.settings.name.as_str());
            let time = local_time(&site.settings.time_zone, shift.started_at);
            ctx.send_with_menu(
                &ctx.tf("shift-already-open", args!["site" => name, "time" => time]),
            )
            .await?;
            Ok(State::Idle)
        }
        LocationIntent::NoWorkplace => {
            ctx.send_with_menu(&ctx.t("no-sites")).await?;
            Ok(State::Idle)
        }
    }
}

/// Joining a site from its link or QR code (`/start j<code>`): the owner is asked to decide.
pub async fn join(ctx: &Ctx<'_>, code: &str) -> HandlerResult {
    let text = match ctx.app().request_join(&ctx.user, code).await {
        Ok(asked) => {
            crate::owner::send_join_request(ctx.deps, &asked, &ctx.user).await?;
            ctx.tf(
                "join-requested",
                args!["site" => html(asked.site.settings.name.as_str())],
            )
        }
        Err(JoinError::UnknownCode) => ctx.t("join-unknown-code"),
        Err(JoinError::SiteInactive) => ctx.t("open-site-inactive"),
        Err(JoinError::AlreadyMember { site }) => ctx.tf(
            "join-already-member",
            args!["site" => html(site.settings.name.as_str())],
        ),
        Err(JoinError::AlreadyRequested { site }) => ctx.tf(
            "join-already-requested",
            args!["site" => html(site.settings.name.as_str())],
        ),
        Err(e) => return Err(BotError::Other(e.to_string())),
    };
    ctx.send_with_menu(&text).await?;
    Ok(State::Idle)
}

/// "Open shift": the only site's location question, or a site picker (`hint` first, when the
/// person typed instead of tapping).
pub(super) async fn start_open(ctx: &Ctx<'_>, hint: Option<&str>) -> HandlerResult {
    if let Some(running) = ctx.app().running_shift(&ctx.user).await? {
        already_open(ctx, &running.site).await?;
        return Ok(State::Idle);
    }
    let sites = ctx.app().workplaces(&ctx.user).await?;
    match sites.as_slice() {
        [] => {
            ctx.send_with_menu(&ctx.t("no-sites")).await?;
            Ok(State::Idle)
        }
        [only] => ask_open_location(ctx, only.id).await,
        _ => {
            let mut rows: Vec<_> = sites
                .iter()
                .map(|s| {
                    vec![button(
                        s.settings.name.as_str(),
                        EmployeeCb::OpenAt { site: s.id },
                    )]
                })
                .collect();
            rows.push(cancel_row(ctx, Dialogue::OpenShift));
            let mut text = hint
                .map(|h| format!("{}\n\n", ctx.t(h)))
                .unwrap_or_default();
            text.push_str(&ctx.t("open-pick-site"));
            ctx.send_inline(&text, inline(rows)).await?;
            Ok(State::Employee(EmployeeState::OpenPickSite))
        }
    }
}

async fn ask_open_location(ctx: &Ctx<'_>, site: SiteId) -> HandlerResult {
    ctx.send(
        &ctx.t("open-send-location"),
        Some(location_request(ctx, "button-send-location")),
    )
    .await?;
    Ok(State::Employee(EmployeeState::OpenAwaitLocation { site }))
}

pub(super) async fn start_close(ctx: &Ctx<'_>) -> HandlerResult {
    if !ctx.app().has_running_shift(&ctx.user).await? {
        ctx.send_with_menu(&ctx.t("close-no-active")).await?;
        return Ok(State::Idle);
    }
    ctx.send(
        &ctx.t("close-send-location"),
        Some(location_request(ctx, "button-send-location")),
    )
    .await?;
    Ok(State::Employee(EmployeeState::CloseAwaitLocation))
}

async fn open_at(ctx: &Ctx<'_>, site_id: SiteId, fix: LocationFix) -> HandlerResult {
    match ctx.app().open_shift_at(&ctx.user, site_id, fix).await {
        Ok((shift, site)) => {
            let name = html(site.settings.name.as_str());
            let time = local_time(&site.settings.time_zone, shift.started_at);
            ctx.send_with_menu(&ctx.tf("open-done", args!["time" => time, "site" => name]))
                .await?;
            Ok(State::Idle)
        }
        Err(OpenShiftError::Location(rejection)) => {
            let text = rejection_text(ctx, &rejection);
            ctx.send(&text, Some(location_request(ctx, "button-retry-location")))
                .await?;
            Ok(State::Employee(EmployeeState::OpenAwaitLocation {
                site: site_id,
            }))
        }
        Err(OpenShiftError::AlreadyActive { .. }) => {
            match ctx.app().running_shift(&ctx.user).await? {
                Some(running) => already_open(ctx, &running.site).await?,
                // Closed meanwhile: the person can simply try again.
                None => ctx
                    .send_with_menu(&ctx.t("close-no-active"))
                    .await
                    .map(|_| ())?,
            }
            Ok(State::Idle)
        }
        Err(OpenShiftError::NoAccess | OpenShiftError::SiteNotFound) => {
            ctx.send_with_menu(&ctx.t("no-access-site")).await?;
            Ok(State::Idle)
        }
        Err(OpenShiftError::SiteInactive) => {
            ctx.send_with_menu(&ctx.t("open-site-inactive")).await?;
            Ok(State::Idle)
        }
        Err(OpenShiftError::Store(e)) => Err(e.into()),
    }
}

async fn close_with(ctx: &Ctx<'_>, fix: LocationFix) -> HandlerResult {
    match ctx.app().close_shift(&ctx.user, fix).await {
        Ok(shift) => {
            let receipt = ctx.app().pay_receipt(&ctx.user, &shift).await?;
            let text = crate::receipt::text(&ctx.deps.texts, ctx.lang(), "close-done", &receipt);
            ctx.send_with_menu(&text).await?;
            Ok(State::Idle)
        }
        Err(CloseShiftError::NoActiveShift) => {
            ctx.send_with_menu(&ctx.t("close-no-active")).await?;
            Ok(State::Idle)
        }
        Err(CloseShiftError::Location(rejection)) => {
            let text = rejection_text(ctx, &rejection);
            ctx.send(&text, Some(location_request(ctx, "button-retry-location")))
                .await?;
            if matches!(rejection, LocationRejection::OutsideGeofence { .. }) {
                // Far from the site: maybe they left long ago and forgot to close.
                ctx.send_inline(
                    &ctx.t("forgot-offer"),
                    inline(vec![vec![super::forgot::offer_button(ctx)]]),
                )
                .await?;
            }
            Ok(State::Employee(EmployeeState::CloseAwaitLocation))
        }
        Err(CloseShiftError::Store(e)) => Err(e.into()),
    }
}

/// "You already have an open shift at …".
async fn already_open(ctx: &Ctx<'_>, site: &Site) -> Result<(), BotError> {
    let name = html(site.settings.name.as_str());
    ctx.send_with_menu(&ctx.tf("open-already-active", args!["site" => name]))
        .await?;
    Ok(())
}

/// Why a location was refused, with the numbers and what to do.
fn rejection_text(ctx: &Ctx<'_>, r: &LocationRejection) -> String {
    match *r {
        LocationRejection::OutsideGeofence {
            distance_m,
            radius_m,
        } => ctx.tf(
            "location-outside",
            args!["distance" => distance_m.round() as i64, "radius" => i64::from(radius_m)],
        ),
        LocationRejection::PoorAccuracy {
            accuracy_m,
            max_accuracy_m,
        } => ctx.tf(
            "location-inaccurate",
            args!["accuracy" => accuracy_m.round() as i64, "max" => max_accuracy_m.round() as i64],
        ),
        LocationRejection::Stale { age_s, max_age_s } => ctx.tf(
            "location-stale",
            args![
                "age" => duration(&ctx.deps.texts, ctx.lang(), age_s / 60),
                "max" => duration(&ctx.deps.texts, ctx.lang(), max_age_s / 60),
            ],
        ),
        LocationRejection::Forwarded => ctx.t("location-forwarded"),
    }
}
