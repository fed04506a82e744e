//! Every request to Telegram goes through here: each message waits for its slot under
//! Telegram's flood limits (`limits`), 429 pauses every send for `retry_after` and retries,
//! network errors retry with backoff, and "blocked by the user" (or no chat with them at all: they
//! never opened the bot) marks the person unreachable so nothing more is sent to them until they
//! write again.

use crate::limits::{Limiter, Priority};
use crate::measures;
use app::StaffPro;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, CallbackQueryId, ChatId, InlineKeyboardMarkup, InputFile,
    MessageId, ParseMode, Recipient, ReplyMarkup,
};
use teloxide::{ApiError, RequestError};

/// Attempts per request (the first try included).
const ATTEMPTS: u32 = 4;
/// The longest `retry_after` we wait in line; longer ones give up (Telegram flood ban).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The person blocked the bot (or deleted their account); they are marked unreachable.
    #[error("the person cannot be reached")]
    Unreachable,
    #[error("telegram: {0}")]
    Telegram(#[from] RequestError),
}

/// Whether a request sends a message (what Telegram's flood limits count; edits and answers to
/// button taps are not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    Message,
    Other,
}

/// Sends as the bot. Clones share the limiter; `background()` gives a clone whose messages wait
/// for their slot instead of taking it at once.
#[derive(Clone)]
pub struct Messenger {
    bot: Bot,
    app: StaffPro,
    limiter: Limiter,
    priority: Priority,
}

impl Messenger {
    /// A messenger for interactive replies.
    pub fn new(bot: Bot, app: StaffPro, limiter: Limiter) -> Self {
        Self {
            bot,
            app,
            limiter,
            priority: Priority::Interactive,
        }
    }

    /// The same messenger for background work (notices, broadcasts): each message waits for its
    /// slot, so replies to people go first.
    #[must_use]
    pub fn background(&self) -> Self {
        Self {
            priority: Priority::Background,
            ..self.clone()
        }
    }

    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// Runs a request with the limits and the retry rules. `chat` is the chat (for a person, their
    /// Telegram id) the request is about: its limit, and whom to mark unreachable. `method` (as
    /// the Bot API spells it) labels its metrics: each attempt is counted with its outcome, each
    /// attempt after the first as a retry.
    async fn call<T, F, Fut>(
        &self,
        method: &'static str,
        chat: i64,
        counted: Counted,
        mut request: F,
    ) -> Result<T, SendError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, RequestError>>,
    {
        let mut backoff = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            if attempt > 1 {
                measures::retried();
            }
            let permit = match counted {
                Counted::Message => Some(self.limiter.acquire(chat, self.priority).await),
                Counted::Other => None,
            };
            let answer = request().await;
            if let Some(permit) = permit {
                permit.sent().await;
            }
            match measures::request(method, answer) {
                Ok(v) => return Ok(v),
                Err(RequestError::RetryAfter(s))
                    if attempt < ATTEMPTS && s.duration() <= MAX_RETRY_AFTER =>
                {
                    tracing::info!(
                        chat,
                        retry_after = s.seconds(),
                        "telegram asked to slow down"
                    );
                    // Every send holds, not only this one: Telegram counts them all.
                    self.limiter.pause(s.duration()).await;
                    if counted == Counted::Other {
                        tokio::time::sleep(s.duration()).await;
                    }
                }
                Err(RequestError::Network(e)) if attempt < ATTEMPTS => {
                    tracing::warn!(chat, error = %e, "telegram network error, retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Err(RequestError::Io(e)) if attempt < ATTEMPTS => {
                    tracing::warn!(chat, error = %e, "telegram i/o error, retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Err(RequestError::Api(
                    ApiError::BotBlocked
                    | ApiError::UserDeactivated
                    | ApiError::CantInitiateConversation
                    // A private chat that does not exist: they never opened the bot.
                    | ApiError::ChatNotFound,
                )) => {
                    self.mark_unreachable(chat).await;
                    return Err(SendError::Unreachable);
                }
                Err(e) => return Err(SendError::Telegram(e)),
            }
            attempt += 1;
        }
    }

    async fn mark_unreachable(&self, chat: i64) {
        match self.app.mark_unreachable(chat).await {
            Ok(true) => tracing::info!(
                chat,
                "the person blocked the bot; not writing to them any more"
            ),
            Ok(false) => {}
            Err(e) => tracing::warn!(chat, error = %e, "could not mark the person unreachable"),
        }
    }

    /// Sends an HTML message.
    pub async fn send(
        &self,
        chat: i64,
        text: &str,
        markup: Option<ReplyMarkup>,
    ) -> Result<Message, SendError> {
        self.call("sendMessage", chat, Counted::Message, || {
            let mut req = self
                .bot
                .send_message(ChatId(chat), text)
                .parse_mode(ParseMode::Html);
            if let Some(m) = markup.clone() {
                req = req.reply_markup(m);
            }
            async move { req.await }
        })
        .await
    }

    /// Replaces a message's text and inline keyboard; "not modified" counts as done.
    pub async fn edit(
        &self,
        chat: i64,
        message: MessageId,
        text: &str,
        markup: Option<InlineKeyboardMarkup>,
    ) -> Result<(), SendError> {
        let result = self
            .call("editMessageText", chat, Counted::Other, || {
                let mut req = self
                    .bot
                    .edit_message_text(ChatId(chat), message, text)
                    .parse_mode(ParseMode::Html);
                if let Some(m) = markup.clone() {
                    req = req.reply_markup(m);
                }
                async move { req.await }
            })
            .await;
        match result {
            Ok(_) | Err(SendError::Telegram(RequestError::Api(ApiError::MessageNotModified))) => {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Takes the inline keyboard off a message; "not modified" (it has none) counts as done.
    pub async fn remove_buttons(&self, chat: i64, message: MessageId) -> Result<(), SendError> {
        let result = self
            .call("editMessageReplyMarkup", chat, Counted::Other, || {
                let req = self.bot.edit_message_reply_markup(ChatId(chat), message);
                async move { req.await }
            })
            .await;
        match result {
            Ok(_) | Err(SendError::Telegram(RequestError::Api(ApiError::MessageNotModified))) => {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Answers a button tap (stops the spinner); `alert` shows a dialog instead of a toast.
    pub async fn answer(
        &self,
        chat: i64,
        id: &CallbackQueryId,
        text: Option<&str>,
        alert: bool,
    ) -> Result<(), SendError> {
        self.call("answerCallbackQuery", chat, Counted::Other, || {
            let mut req = self.bot.answer_callback_query(id.clone());
            if let Some(t) = text {
                req = req.text(t).show_alert(alert);
            }
            async move { req.await }
        })
        .await
        .map(|_| ())
    }

    /// Sends a PNG image with a caption.
    pub async fn send_photo(
        &self,
        chat: i64,
        png: Vec<u8>,
        file_name: &str,
        caption: &str,
    ) -> Result<Message, SendError> {
        self.call("sendPhoto", chat, Counted::Message, || {
            let req = self
                .bot
                .send_photo(
                    ChatId(chat),
                    InputFile::memory(png.clone()).file_name(file_name.to_owned()),
                )
                .caption(caption)
                .parse_mode(ParseMode::Html);
            async move { req.await }
        })
        .await
    }

    /// The command list of one chat (its person's role and language).
    pub async fn set_commands(
        &self,
        chat: i64,
        commands: Vec<BotCommand>,
    ) -> Result<(), SendError> {
        self.call("setMyCommands", chat, Counted::Other, || {
            let req = self
                .bot
                .set_my_commands(commands.clone())
                .scope(BotCommandScope::Chat {
                    chat_id: Recipient::Id(ChatId(chat)),
                });
            async move { req.await }
        })
        .await
        .map(|_| ())
    }

    /// Sends a file as a document with a caption; Telegram takes its type from the file name.
    pub async fn send_document(
        &self,
        chat: i64,
        bytes: Vec<u8>,
        file_name: &str,
        caption: &str,
    ) -> Result<Message, SendError> {
        self.call("sendDocument", chat, Counted::Message, || {
            let req = self
                .bot
                .send_document(
                    ChatId(chat),
                    InputFile::memory(bytes.clone()).file_name(file_name.to_owned()),
                )
                .caption(caption)
                .parse_mode(ParseMode::Html);
            async move { req.await }
        })
        .await
    }
}
