//! Keyboards shared by the flows: the main menu, the location request, inline rows.

use crate::callback::{Callback, CommonCb, button};
use crate::ctx::{BotError, Ctx, MenuAction};
use crate::state::Dialogue;
use teloxide::types::{
    ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup,
    ReplyMarkup,
};

/// The main menu: employee actions for everyone, owner actions for owners and managers.
pub async fn main_menu(ctx: &Ctx<'_>) -> Result<ReplyMarkup, BotError> {
    let label = |a: MenuAction| KeyboardButton::new(ctx.t(a.text_id()));
    let mut rows = vec![
        vec![label(MenuAction::OpenShift), label(MenuAction::CloseShift)],
        vec![label(MenuAction::Status), label(MenuAction::Earnings)],
        vec![label(MenuAction::Plan), label(MenuAction::MyPlans)],
    ];
    if ctx.manages_sites().await? {
        rows.push(vec![label(MenuAction::MySites), label(MenuAction::Now)]);
        // Only owners create sites; managers work on the ones they were given.
        if ctx.user.is_owner {
            rows.push(vec![label(MenuAction::Reports), label(MenuAction::NewSite)]);
        } else {
            rows.push(vec![label(MenuAction::Reports)]);
        }
    }
    rows.push(vec![label(MenuAction::Help)]);
    Ok(ReplyMarkup::Keyboard(
        KeyboardMarkup::new(rows).resize_keyboard(),
    ))
}

/// A one-button keyboard that asks the phone for its location, plus Cancel.
pub fn location_request(ctx: &Ctx<'_>, button_text_id: &str) -> ReplyMarkup {
    let send = KeyboardButton::new(ctx.t(button_text_id)).request(ButtonRequest::Location);
    let cancel = KeyboardButton::new(ctx.t("button-cancel"));
    ReplyMarkup::Keyboard(
        KeyboardMarkup::new(vec![vec![send], vec![cancel]])
            .resize_keyboard()
            .one_time_keyboard(),
    )
}

/// An inline keyboard from rows of buttons.
pub fn inline(rows: Vec<Vec<InlineKeyboardButton>>) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows)
}

/// A single "Cancel" inline button row for a question of `dialogue` (a Cancel of a dialogue
/// that has ended, or of another one, only says it has expired).
pub fn cancel_row(ctx: &Ctx<'_>, dialogue: Dialogue) -> Vec<InlineKeyboardButton> {
    vec![button(
        ctx.t("button-cancel"),
        Callback::Common(CommonCb::Cancel(Some(dialogue))),
    )]
}
