//! Every request to Telegram goes through here: 429 waits `retry_after` and retries, network
//! errors retry with backoff, and "blocked by the user" marks the person unreachable so nothing
//! more is sent to them until they write again.

use app::StaffPro;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQueryId, ChatId, InlineKeyboardMarkup, InputFile, MessageId, ParseMode, ReplyMarkup,
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

#[derive(Clone)]
pub struct Messenger {
    bot: Bot,
    app: StaffPro,
}

impl Messenger {
    pub fn new(bot: Bot, app: StaffPro) -> Self {
        Self { bot, app }
    }

    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// Runs a request with the retry rules. `chat` is the private chat (= the person's Telegram
    /// id) the request is about, used to mark them unreachable.
    async fn call<T, F, Fut>(&self, chat: i64, mut request: F) -> Result<T, SendError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, RequestError>>,
    {
        let mut backoff = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            match request().await {
                Ok(v) => return Ok(v),
                Err(RequestError::RetryAfter(s))
                    if attempt < ATTEMPTS && s.duration() <= MAX_RETRY_AFTER =>
                {
                    tracing::info!(
                        chat,
                        retry_after = s.seconds(),
                        "telegram asked to slow down"
                    );
                    tokio::time::sleep(s.duration()).await;
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
                    | ApiError::CantInitiateConversation,
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
        self.call(chat, || {
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
            .call(chat, || {
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
            .call(chat, || {
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
        self.call(chat, || {
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
        self.call(chat, || {
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
}
