//! "My sites": the list, a site's card, editing a field, (de)activating, notifications, the join
//! link with its QR code, and the employees with access (revoke).

use super::fields::{self, Field, Value};
use super::questions;
use super::{OwnerCb, OwnerState, managed_site_or_notice, show};
use crate::args;
use crate::callback::button;
use crate::common::JOIN_PREFIX;
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::format::{html, money};
use crate::keyboards::inline;
use crate::state::{Dialogue, State};
use app::AppError;
use domain::{Currency, Site, SiteId, SitePatch, UserId};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

/// Telegram allows 100 buttons per message; long lists are cut with a note.
const MAX_LISTED: usize = 80;

/// The sites the person owns or manages, as buttons.
pub async fn list(ctx: &Ctx<'_>, message: Option<MessageId>) -> Result<(), BotError> {
    let sites = ctx.app().sites_for(&ctx.user).await?;
    let mut rows: Vec<Vec<InlineKeyboardButton>> = sites
        .iter()
        .take(MAX_LISTED)
        .map(|s| {
            let mark = if s.active { "🏢" } else { "⏸" };
            vec![button(
                format!("{mark} {}", s.settings.name.as_str()),
                OwnerCb::Site(s.id),
            )]
        })
        .collect();
    if ctx.user.is_owner {
        rows.push(vec![button(ctx.t("menu-new-site"), OwnerCb::NewSite)]);
    }
    let mut text = if sites.is_empty() {
        if ctx.user.is_owner {
            ctx.t("owner-sites-none-owner")
        } else {
            ctx.t("owner-sites-none")
        }
    } else {
        ctx.tf("owner-sites-title", args!["n" => sites.len()])
    };
    if sites.len() > MAX_LISTED {
        text.push_str("\n\n");
        text.push_str(&ctx.tf("owner-list-cut", args!["n" => MAX_LISTED]));
    }
    show(ctx, message, &text, inline(rows)).await
}

fn card_text(ctx: &Ctx<'_>, site: &Site) -> String {
    let status = if site.active {
        "site-status-active"
    } else {
        "site-status-inactive"
    };
    let notify = if site.notify_owner {
        "site-notify-on"
    } else {
        "site-notify-off"
    };
    format!(
        "{}\n\n{}\n{}",
        questions::settings_text(ctx, &site.settings),
        ctx.t(status),
        ctx.t(notify)
    )
}

fn card_markup(ctx: &Ctx<'_>, site: &Site) -> InlineKeyboardMarkup {
    let id = site.id;
    let notify = if site.notify_owner {
        button(
            ctx.t("site-button-notify-on"),
            OwnerCb::SetNotify {
                site: id,
                on: false,
            },
        )
    } else {
        button(
            ctx.t("site-button-notify-off"),
            OwnerCb::SetNotify { site: id, on: true },
        )
    };
    let active = if site.active {
        button(
            ctx.t("site-button-deactivate"),
            OwnerCb::SetActive {
                site: id,
                active: false,
            },
        )
    } else {
        button(
            ctx.t("site-button-activate"),
            OwnerCb::SetActive {
                site: id,
                active: true,
            },
        )
    };
    inline(vec![
        vec![
            button(ctx.t("site-button-edit"), OwnerCb::EditMenu(id)),
            button(ctx.t("site-button-join-link"), OwnerCb::JoinLink(id)),
        ],
        vec![
            button(ctx.t("site-button-employees"), OwnerCb::Employees(id)),
            notify,
        ],
        vec![active],
        vec![button(ctx.t("site-button-all-sites"), OwnerCb::Sites)],
    ])
}

/// A site's card as a new message (after creating or editing it).
pub async fn send_card(ctx: &Ctx<'_>, site: &Site) -> Result<(), BotError> {
    ctx.send_inline(&card_text(ctx, site), card_markup(ctx, site))
        .await?;
    Ok(())
}

pub async fn card(ctx: &Ctx<'_>, id: SiteId, message: Option<MessageId>) -> Result<(), BotError> {
    let Some(site) = managed_site_or_notice(ctx, id).await? else {
        return Ok(());
    };
    show(
        ctx,
        message,
        &card_text(ctx, &site),
        card_markup(ctx, &site),
    )
    .await
}

pub async fn edit_menu(
    ctx: &Ctx<'_>,
    id: SiteId,
    message: Option<MessageId>,
) -> Result<(), BotError> {
    let Some(site) = managed_site_or_notice(ctx, id).await? else {
        return Ok(());
    };
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Field::ALL
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .map(|f| {
                    button(
                        ctx.t(f.label_id()),
                        OwnerCb::Edit {
                            site: id,
                            field: *f,
                        },
                    )
                })
                .collect()
        })
        .collect();
    rows.push(vec![button(ctx.t("button-back"), OwnerCb::Site(id))]);
    let text = ctx.tf(
        "site-edit-pick",
        args!["name" => html(site.settings.name.as_str())],
    );
    show(ctx, message, &text, inline(rows)).await
}

/// Asks for the new value of a field.
pub async fn start_edit(ctx: &Ctx<'_>, id: SiteId, field: Field, state: State) -> HandlerResult {
    let Some(site) = managed_site_or_notice(ctx, id).await? else {
        return Ok(state);
    };
    ask_edit(ctx, &site, field, None).await?;
    Ok(State::Owner(OwnerState::Edit { site: id, field }))
}

async fn ask_edit(
    ctx: &Ctx<'_>,
    site: &Site,
    field: Field,
    reason: Option<String>,
) -> Result<(), BotError> {
    let header = ctx.tf(
        "site-edit-header",
        args![
            "name" => html(site.settings.name.as_str()),
            "field" => ctx.t(field.label_id()),
        ],
    );
    let current = questions::current_value(ctx, &site.settings, field);
    let longitude = site.settings.location.longitude();
    questions::ask(
        ctx,
        Dialogue::EditSite,
        field,
        &header,
        Some(current),
        Some(longitude),
        reason,
    )
    .await
}

pub async fn on_edit_input(
    ctx: &Ctx<'_>,
    id: SiteId,
    field: Field,
    input: &Input,
) -> HandlerResult {
    let waiting = State::Owner(OwnerState::Edit { site: id, field });
    // A rate is typed in the site's own currency (yen have no kopecks).
    let currency = if field == Field::Rate {
        match ctx.app().managed_site(&ctx.user, id).await {
            Ok(site) => site.settings.hourly_rate.currency,
            Err(AppError::NotFound(_)) => return lost_access(ctx).await,
            Err(e) => return Err(e.into()),
        }
    } else {
        Currency::RUB
    };
    match fields::parse_in(field, input, &ctx.deps.texts, currency) {
        Ok(Some(value)) => save(ctx, id, field, value).await,
        Ok(None) => Ok(waiting),
        Err(invalid) => match ctx.app().managed_site(&ctx.user, id).await {
            Ok(site) => {
                ask_edit(ctx, &site, field, Some(invalid.text(ctx))).await?;
                Ok(waiting)
            }
            Err(AppError::NotFound(_)) => lost_access(ctx).await,
            Err(e) => Err(e.into()),
        },
    }
}

pub async fn on_edit_button(
    ctx: &Ctx<'_>,
    id: SiteId,
    field: Field,
    cb: OwnerCb,
    message: Option<MessageId>,
) -> HandlerResult {
    match fields::button_value(field, cb) {
        Some(value) => {
            if let Some(m) = message {
                let echo = questions::answered(ctx, field, &value);
                super::best_effort(ctx.edit(m, &echo, None).await, "echo an answer");
            }
            save(ctx, id, field, value).await
        }
        None => {
            ctx.notice(ctx.t("button-expired"), true);
            Ok(State::Owner(OwnerState::Edit { site: id, field }))
        }
    }
}

async fn save(ctx: &Ctx<'_>, id: SiteId, field: Field, value: Value) -> HandlerResult {
    match ctx
        .app()
        .update_site(&ctx.user, id, value.patch(), None, None)
        .await
    {
        Ok(site) => {
            // The rate as stored, in the site's own currency.
            let shown = match field {
                Field::Rate => money(ctx.lang(), site.settings.hourly_rate),
                _ => value.display(ctx),
            };
            let mut text = ctx.tf(
                "site-edit-saved",
                args!["field" => ctx.t(field.label_id()), "value" => shown],
            );
            if field == Field::Rate {
                // Shifts copy the rate and currency when they open.
                text.push('\n');
                text.push_str(&ctx.t("site-edit-rate-new-shifts"));
            }
            // With the menu: a location keyboard may have to go away. The change is stored, so
            // the dialogue ends even if these messages fail.
            let shown = match ctx.send_with_menu(&text).await {
                Ok(_) => send_card(ctx, &site).await,
                Err(e) => Err(e),
            };
            super::best_effort(shown, "show a saved site");
            Ok(State::Idle)
        }
        Err(AppError::Invalid(e)) => match ctx.app().managed_site(&ctx.user, id).await {
            Ok(site) => {
                let reason = super::value_error_text(ctx, &e);
                ask_edit(ctx, &site, field, Some(reason)).await?;
                Ok(State::Owner(OwnerState::Edit { site: id, field }))
            }
            Err(AppError::NotFound(_)) => lost_access(ctx).await,
            Err(e) => Err(e.into()),
        },
        Err(AppError::NotFound(_)) => lost_access(ctx).await,
        Err(e) => Err(e.into()),
    }
}

async fn lost_access(ctx: &Ctx<'_>) -> HandlerResult {
    ctx.send_with_menu(&ctx.t("no-access-site")).await?;
    Ok(State::Idle)
}

/// Activates/deactivates the site or switches the owner's notifications, then shows the card.
pub async fn set_flags(
    ctx: &Ctx<'_>,
    id: SiteId,
    active: Option<bool>,
    notify: Option<bool>,
    message: Option<MessageId>,
) -> Result<(), BotError> {
    if managed_site_or_notice(ctx, id).await?.is_none() {
        return Ok(());
    }
    let site = match ctx
        .app()
        .update_site(&ctx.user, id, SitePatch::default(), active, notify)
        .await
    {
        Ok(site) => site,
        Err(AppError::NotFound(_)) => {
            ctx.notice(ctx.t("no-access-site"), true);
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let notice = match (active, notify) {
        (Some(true), _) => "site-activated",
        (Some(false), _) => "site-deactivated",
        (None, Some(true)) => "site-notify-turned-on",
        _ => "site-notify-turned-off",
    };
    ctx.notice(ctx.t(notice), false);
    show(
        ctx,
        message,
        &card_text(ctx, &site),
        card_markup(ctx, &site),
    )
    .await
}

/// The deep link that starts the join flow for this site.
pub fn join_link(bot_username: &str, site: &Site) -> String {
    format!(
        "https://t.me/{bot_username}?start={JOIN_PREFIX}{}",
        site.join_code
    )
}

/// Sends the join link and its QR code as a picture to print or show on a screen.
pub async fn join_link_and_qr(ctx: &Ctx<'_>, id: SiteId) -> Result<(), BotError> {
    let Some(site) = managed_site_or_notice(ctx, id).await? else {
        return Ok(());
    };
    let link = join_link(&ctx.deps.username, &site);
    let name = html(site.settings.name.as_str());
    let mut text = ctx.tf(
        "site-join-link",
        args!["site" => name.as_str(), "link" => html(&link)],
    );
    if !site.active {
        text.push_str("\n\n");
        text.push_str(&ctx.t("site-join-link-inactive"));
    }
    ctx.send_inline(
        &text,
        inline(vec![vec![button(ctx.t("button-back"), OwnerCb::Site(id))]]),
    )
    .await?;
    match crate::qr::png(&link) {
        Ok(png) => {
            let caption = ctx.tf("site-join-qr-caption", args!["site" => name]);
            let file = format!("join-{}.png", site.id.0);
            ctx.deps
                .messenger
                .send_photo(ctx.chat, png, &file, &caption)
                .await?;
        }
        // A join link is far below a QR code's capacity; the text link still works.
        Err(e) => tracing::error!(error = %e, "could not draw the join QR code"),
    }
    Ok(())
}

pub async fn employees(
    ctx: &Ctx<'_>,
    id: SiteId,
    message: Option<MessageId>,
) -> Result<(), BotError> {
    let Some(site) = managed_site_or_notice(ctx, id).await? else {
        return Ok(());
    };
    let people = ctx.app().employees_for(&ctx.user, Some(id)).await?;
    let name = html(site.settings.name.as_str());
    let mut text = if people.is_empty() {
        ctx.tf("site-employees-none", args!["site" => name.as_str()])
    } else {
        ctx.tf(
            "site-employees-title",
            args!["site" => name.as_str(), "n" => people.len()],
        )
    };
    let mut rows = Vec::new();
    for e in people.iter().take(MAX_LISTED) {
        text.push_str("\n• ");
        text.push_str(&html(e.user.name.as_str()));
        rows.push(vec![button(
            ctx.tf("site-button-revoke", args!["name" => e.user.name.as_str()]),
            OwnerCb::Revoke {
                site: id,
                employee: e.user.id,
                confirmed: false,
            },
        )]);
    }
    if people.len() > MAX_LISTED {
        text.push_str("\n\n");
        text.push_str(&ctx.tf("owner-list-cut", args!["n" => MAX_LISTED]));
    }
    if !people.is_empty() {
        text.push_str("\n\n");
        text.push_str(&ctx.t("site-employees-hint"));
    }
    rows.push(vec![button(ctx.t("button-back"), OwnerCb::Site(id))]);
    show(ctx, message, &text, inline(rows)).await
}

/// Asks before taking an employee's access away; on confirmation revokes it and tells them.
pub async fn revoke(
    ctx: &Ctx<'_>,
    id: SiteId,
    employee: UserId,
    confirmed: bool,
    message: Option<MessageId>,
) -> Result<(), BotError> {
    let Some(site) = managed_site_or_notice(ctx, id).await? else {
        return Ok(());
    };
    let person = ctx
        .app()
        .employees_for(&ctx.user, Some(id))
        .await?
        .into_iter()
        .find(|e| e.user.id == employee);
    let Some(person) = person else {
        ctx.notice(ctx.t("site-revoke-gone"), true);
        return employees(ctx, id, message).await;
    };
    let site_name = html(site.settings.name.as_str());
    let who = html(person.user.name.as_str());
    if !confirmed {
        let text = ctx.tf(
            "site-revoke-confirm",
            args!["employee" => who, "site" => site_name],
        );
        let rows = vec![vec![
            button(
                ctx.t("site-button-revoke-yes"),
                OwnerCb::Revoke {
                    site: id,
                    employee,
                    confirmed: true,
                },
            ),
            button(ctx.t("site-button-no"), OwnerCb::Employees(id)),
        ]];
        return show(ctx, message, &text, inline(rows)).await;
    }
    match ctx.app().revoke_employee(&ctx.user, id, employee).await {
        Ok(()) => {
            ctx.notice(
                ctx.tf(
                    "site-revoke-done",
                    args!["employee" => person.user.name.as_str(), "site" => site.settings.name.as_str()],
                ),
                false,
            );
            if person.user.reachable {
                let told = ctx.deps.texts.format(
                    person.user.language,
                    "site-revoke-employee-told",
                    Some(&args!["site" => site_name.as_str()]),
                );
                let to = Ctx::new(ctx.deps, person.user.clone(), person.user.telegram_id);
                if let Err(e) = to.send_with_menu(&told).await {
                    tracing::warn!(error = %e, "could not tell the employee their access ended");
                }
            }
        }
        Err(AppError::NotFound(_)) => ctx.notice(ctx.t("site-revoke-gone"), true),
        Err(e) => return Err(e.into()),
    }
    employees(ctx, id, message).await
}
