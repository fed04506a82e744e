//! What a flow handler gets: the person, their chat and language, the parsed input, and short
//! ways to answer them.

use crate::keyboards;
use crate::messenger::{Messenger, SendError};
use crate::state::State;
use crate::texts::Texts;
use app::{AppError, BotStateStore, StaffPro};
use domain::{Language, LocationFix, User};
use fluent_bundle::FluentArgs;
use std::sync::{Arc, Mutex};
use teloxide::types::{CallbackQueryId, InlineKeyboardMarkup, Message, MessageId, ReplyMarkup};

/// What the bot shares among all chats.
pub struct Deps {
    pub app: StaffPro,
    /// Dialogue states and update claims (the bot's own state, not the domain's).
    pub bot_state: Arc<dyn BotStateStore>,
    /// Marks handled updates finished, in batches.
    pub finisher: crate::finisher::Finisher,
    pub texts: Texts,
    pub messenger: Messenger,
    /// The bot's @username, for join links.
    pub username: String,
    /// Menu labels in both languages → their action (a reply keyboard sends labels as text).
    pub labels: std::collections::HashMap<String, MenuAction>,
}

/// Every menu label, in both languages, with its action.
pub fn menu_labels(texts: &Texts) -> std::collections::HashMap<String, MenuAction> {
    MenuAction::ALL
        .into_iter()
        .flat_map(|a| [Language::Ru, Language::En].map(|l| (texts.get(l, a.text_id()), a)))
        .collect()
}

/// What a person sent, reduced to what the flows need.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Text(String),
    Command {
        name: String,
        payload: Option<String>,
    },
    /// A location; `live_update` for an edit of a live location.
    Location {
        fix: LocationFix,
        live_update: bool,
    },
    Callback {
        id: CallbackQueryId,
        data: String,
        message: Option<MessageId>,
    },
    /// Stickers, files, photos, voice…: anything the bot does not read.
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error("{0}")]
    Other(String),
}

impl From<app::StoreError> for BotError {
    fn from(e: app::StoreError) -> Self {
        BotError::App(e.into())
    }
}

/// A handler answers with the chat's next state.
pub type HandlerResult = Result<State, BotError>;

pub struct Ctx<'a> {
    pub deps: &'a Deps,
    pub user: User,
    pub chat: i64,
    /// Set by a handler to answer the button tap with a toast (or an alert).
    notice: Mutex<Option<(String, bool)>>,
    /// Whether the person manages any site, asked once per update (menus ask it often).
    manages: tokio::sync::OnceCell<bool>,
    /// Messages with inline buttons sent or edited during this update (see `Asked`).
    asked: Mutex<Asked>,
}

/// What this update did to messages with inline buttons: the last one that asks something
/// (sent or edited with buttons), and those whose buttons were taken away.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Asked {
    pub last: Option<MessageId>,
    pub cleared: Vec<MessageId>,
}

impl<'a> Ctx<'a> {
    pub fn new(deps: &'a Deps, user: User, chat: i64) -> Self {
        Self {
            deps,
            user,
            chat,
            notice: Mutex::new(None),
            manages: tokio::sync::OnceCell::new(),
            asked: Mutex::new(Asked::default()),
        }
    }

    pub fn app(&self) -> &StaffPro {
        &self.deps.app
    }

    pub fn lang(&self) -> Language {
        self.user.language
    }

    /// A text in the person's language.
    pub fn t(&self, id: &str) -> String {
        self.deps.texts.get(self.lang(), id)
    }

    /// A text with arguments (`crate::args![…]`).
    pub fn tf(&self, id: &str, args: FluentArgs) -> String {
        self.deps.texts.format(self.lang(), id, Some(&args))
    }

    pub async fn send(&self, text: &str, markup: Option<ReplyMarkup>) -> Result<Message, BotError> {
        let asks = matches!(&markup, Some(ReplyMarkup::InlineKeyboard(k)) if !k.inline_keyboard.is_empty());
        let sent = self.deps.messenger.send(self.chat, text, markup).await?;
        if asks {
            self.record(sent.id, true);
        }
        Ok(sent)
    }

    /// Sends a text with inline buttons.
    pub async fn send_inline(
        &self,
        text: &str,
        markup: InlineKeyboardMarkup,
    ) -> Result<Message, BotError> {
        self.send(text, Some(ReplyMarkup::InlineKeyboard(markup)))
            .await
    }

    /// Sends a text and puts the main menu (reply keyboard) under it.
    pub async fn send_with_menu(&self, text: &str) -> Result<Message, BotError> {
        let menu = keyboards::main_menu(self).await?;
        self.send(text, Some(menu)).await
    }

    /// Replaces the text and buttons of a message the bot sent (after a button tap).
    pub async fn edit(
        &self,
        message: MessageId,
        text: &str,
        markup: Option<InlineKeyboardMarkup>,
    ) -> Result<(), BotError> {
        let asks = markup
            .as_ref()
            .is_some_and(|k| !k.inline_keyboard.is_empty());
        self.deps
            .messenger
            .edit(self.chat, message, text, markup)
            .await?;
        self.record(message, asks);
        Ok(())
    }

    /// Takes the inline buttons off a message the bot sent. Best effort: a message that is gone
    /// or already without buttons is fine, and a failure only logs.
    pub async fn remove_buttons(&self, message: MessageId) {
        match self.deps.messenger.remove_buttons(self.chat, message).await {
            Ok(()) => self.record(message, false),
            Err(e) => {
                tracing::info!(chat = self.chat, error = %e, "could not take buttons away");
            }
        }
    }

    fn record(&self, message: MessageId, asks: bool) {
        if let Ok(mut a) = self.asked.lock() {
            if asks {
                a.last = Some(message);
                a.cleared.retain(|m| *m != message);
            } else {
                if a.last == Some(message) {
                    a.last = None;
                }
                a.cleared.push(message);
            }
        }
    }

    /// What this update did to messages with inline buttons.
    pub fn asked(&self) -> Asked {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// Shows `text` as the answer to the current button tap (a toast, or an alert).
    pub fn notice(&self, text: impl Into<String>, alert: bool) {
        if let Ok(mut n) = self.notice.lock() {
            *n = Some((text.into(), alert));
        }
    }

    pub fn has_notice(&self) -> bool {
        self.notice.lock().is_ok_and(|n| n.is_some())
    }

    pub(crate) fn take_notice(&self) -> Option<(String, bool)> {
        self.notice.lock().ok().and_then(|mut n| n.take())
    }

    /// Whether the person owns or manages any site (shows the owner menu).
    pub async fn manages_sites(&self) -> Result<bool, BotError> {
        if self.user.is_owner {
            return Ok(true);
        }
        // Asked on nearly every answer (the menu's owner half depends on it); the store's
        // cache answers it from memory, and drops it when a manager grant changes.
        let manages = self
            .manages
            .get_or_try_init(|| async {
                Ok::<_, BotError>(!self.app().sites_for(&self.user).await?.is_empty())
            })
            .await?;
        Ok(*manages)
    }
}

/// Buttons of the main menu (a reply keyboard: its labels arrive back as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuAction {
    OpenShift,
    CloseShift,
    Status,
    Plan,
    MyPlans,
    Earnings,
    Help,
    MySites,
    Now,
    Reports,
    NewSite,
}

impl MenuAction {
    pub const ALL: [MenuAction; 11] = [
        MenuAction::OpenShift,
        MenuAction::CloseShift,
        MenuAction::Status,
        MenuAction::Plan,
        MenuAction::MyPlans,
        MenuAction::Earnings,
        MenuAction::Help,
        MenuAction::MySites,
        MenuAction::Now,
        MenuAction::Reports,
        MenuAction::NewSite,
    ];

    pub fn text_id(&self) -> &'static str {
        match self {
            MenuAction::OpenShift => "menu-open-shift",
            MenuAction::CloseShift => "menu-close-shift",
            MenuAction::Status => "menu-status",
            MenuAction::Plan => "menu-plan",
            MenuAction::MyPlans => "menu-my-plans",
            MenuAction::Earnings => "menu-earnings",
            MenuAction::Help => "menu-help",
            MenuAction::MySites => "menu-my-sites",
            MenuAction::Now => "menu-now",
            MenuAction::Reports => "menu-reports",
            MenuAction::NewSite => "menu-new-site",
        }
    }
}
