//! The StaffProBot Telegram bot: owner and employee flows on the shared use-cases. Long polling
//! by default; webhook mode serves updates from our own HTTP server.

pub mod callback;
pub mod commands;
pub mod common;
pub mod ctx;
pub mod dispatch;
pub mod employee;
pub mod finisher;
pub mod format;
pub mod handler;
pub mod keyboards;
pub mod limits;
pub mod measures;
pub mod messenger;
pub mod notices;
pub mod owner;
pub mod qr;
pub mod receipt;
pub mod report_files;
pub mod state;
pub mod texts;
pub mod webhook;

use crate::ctx::{BotError, Deps};
use crate::dispatch::{DispatchOptions, Dispatcher, Origin, UpdateHandler};
use app::{BotStateStore, StaffPro};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use telemetry::ErrorChain;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Long-poll wait; below the HTTP client's 17 s timeout.
const POLL_TIMEOUT_S: u32 = 10;
/// Update ids are remembered this long for de-duplication.
const REMEMBER_UPDATES: chrono::Duration = chrono::Duration::hours(48);
/// How long a stopping bot keeps handling what it has taken and sending queued notifications
/// (below the 30 s most supervisors wait before killing a process).
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);

/// `Debug` leaves the token and the webhook secret out: configs end up in logs.
#[derive(Clone)]
pub struct BotConfig {
    pub token: String,
    /// Another Bot API server (self-hosted, or a fake in tests).
    pub api_url: Option<url::Url>,
    pub webhook: Option<WebhookConfig>,
    /// Telegram's flood limits for every message sent (shared through Redis when configured).
    pub limits: limits::SendLimits,
}

#[derive(Clone)]
pub struct WebhookConfig {
    /// The public URL Telegram posts to; its path is served by our HTTP server.
    pub url: url::Url,
    /// Checked against `X-Telegram-Bot-Api-Secret-Token`.
    pub secret: String,
}

impl std::fmt::Debug for BotConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotConfig")
            .field("token", &"[redacted]")
            .field("api_url", &self.api_url)
            .field("webhook", &self.webhook)
            .field("limits", &self.limits)
            .finish()
    }
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url.as_str())
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl BotConfig {
    /// The limiter for `limits`.
    pub(crate) fn limiter(&self) -> Result<limits::Limiter, BotError> {
        limits::Limiter::new(self.limits.clone())
            .map_err(|e| BotError::Other(format!("bad Redis URL for the Telegram limits: {e}")))
    }
}

fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![
        AllowedUpdate::Message,
        AllowedUpdate::EditedMessage,
        AllowedUpdate::CallbackQuery,
    ]
}

pub struct TelegramBot {
    deps: Arc<Deps>,
    dispatcher: Arc<Dispatcher>,
    /// The maintenance task.
    tracker: TaskTracker,
    shutdown_deadline: Duration,
    config: BotConfig,
}

/// The dispatcher's handler: the bot's own update handling.
struct BotHandler(Arc<Deps>);

#[async_trait]
impl UpdateHandler for BotHandler {
    async fn handle(&self, update: teloxide::types::Update) {
        handler::handle_update(&self.0, update).await;
    }

    async fn apologize(&self, origin: &Origin) {
        if let Some(chat) = origin.chat {
            handler::apologize(
                &self.0,
                chat,
                origin.language_code.as_deref(),
                origin.callback.as_ref(),
            )
            .await;
        }
    }
}

impl TelegramBot {
    /// Checks the token (getMe) and registers the command lists. `bot_state` keeps dialogue
    /// states and update claims. Notices about what happened elsewhere are sent by background
    /// jobs ([`notices::BotNotices`]), not by the bot.
    pub async fn connect(
        app: StaffPro,
        bot_state: Arc<dyn BotStateStore>,
        config: BotConfig,
    ) -> Result<Self, BotError> {
        let mut bot = Bot::new(config.token.clone());
        if let Some(url) = &config.api_url {
            bot = bot.set_api_url(url.clone());
        }
        let me = measures::request("getMe", bot.get_me().await)
            .map_err(|e| BotError::Other(format!("Telegram did not accept the bot token: {e}")))?;
        let texts = texts::Texts::load().map_err(|e| BotError::Other(e.to_string()))?;
        if let Err(e) = commands::set_defaults(&bot, &texts).await {
            tracing::warn!(error = %e, "could not register the command list");
        }
        let tracker = TaskTracker::new();
        let finisher = finisher::Finisher::start(bot_state.clone(), app.clone(), &tracker);
        let deps = Arc::new(Deps {
            finisher,
            labels: ctx::menu_labels(&texts),
            messenger: messenger::Messenger::new(bot, app.clone(), config.limiter()?),
            app,
            bot_state,
            texts,
            username: me.username.clone().unwrap_or_default(),
        });
        let dispatcher = Arc::new(Dispatcher::new(
            Arc::new(BotHandler(deps.clone())),
            DispatchOptions::default(),
        ));
        tracing::info!(username = %deps.username, "telegram bot connected");
        Ok(Self {
            deps,
            dispatcher,
            tracker,
            shutdown_deadline: SHUTDOWN_DEADLINE,
            config,
        })
    }

    /// How long `run` keeps draining after it is told to stop ([`SHUTDOWN_DEADLINE`] unless
    /// set): updates still queued then are left for Telegram to deliver again.
    #[must_use]
    pub fn with_shutdown_deadline(mut self, deadline: Duration) -> Self {
        self.shutdown_deadline = deadline;
        self
    }

    /// Which updates have been handled (tests wait on it).
    pub fn progress(&self) -> Arc<dispatch::Progress> {
        self.dispatcher.progress()
    }

    pub(crate) fn deps(&self) -> Arc<Deps> {
        self.deps.clone()
    }

    pub fn username(&self) -> &str {
        &self.deps.username
    }

    /// In webhook mode, the route to merge into the HTTP server.
    pub fn webhook_router(&self) -> Option<axum::Router> {
        self.config
            .webhook
            .as_ref()
            .map(|w| webhook::router(w.url.path(), &w.secret, self.dispatcher.clone()))
    }

    /// Serves until `shutdown`, then stops taking updates (the webhook answers 503), handles
    /// what it took and sends the queued notifications, within the shutdown deadline. Returns an
    /// error when the bot cannot go on at all (Telegram no longer accepts its token): the process
    /// that runs it stops, rather than looking alive while serving nobody.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), BotError> {
        let bot = self.deps.messenger.bot().clone();
        // The clean-up stops with the bot, also when the bot stops on its own (a revoked token)
        // and nobody cancels `shutdown`: the drain below waits for it.
        let upkeep = shutdown.child_token();
        self.tracker
            .spawn(forget_old_updates(self.deps.clone(), upkeep.clone()));
        let taken = match &self.config.webhook {
            Some(w) => {
                let set = bot
                    .set_webhook(w.url.clone())
                    .secret_token(w.secret.clone())
                    .allowed_updates(allowed_updates())
                    .await;
                let set = measures::request("setWebhook", set);
                match set {
                    Ok(_) => tracing::info!(url = %w.url, "telegram webhook registered"),
                    Err(e) => {
                        tracing::error!(error = %ErrorChain(&e), "could not register the telegram webhook")
                    }
                }
                shutdown.cancelled().await;
                Ok(None)
            }
            None => poll(&bot, &self.dispatcher, &shutdown).await.map(Some),
        };
        let deadline = tokio::time::Instant::now() + self.shutdown_deadline;
        self.dispatcher.shutdown(self.shutdown_deadline).await;
        if let Ok(Some(offset)) = taken {
            confirm_taken(&bot, &self.dispatcher, offset).await;
        }
        upkeep.cancel();
        self.deps.finisher.close();
        self.tracker.close();
        if tokio::time::timeout_at(deadline, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("shutdown deadline passed with update bookkeeping still running");
        }
        tracing::info!("telegram bot stopped");
        taken.map(|_| ())
    }
}

/// Tells Telegram which updates were taken, so they are not delivered again after a restart:
/// those before the first one still unhandled (left by the shutdown deadline).
async fn confirm_taken(bot: &Bot, dispatcher: &Dispatcher, offset: i32) {
    let offset = match dispatcher.first_pending() {
        Some(first) => offset.min(i32::try_from(first).unwrap_or(i32::MAX)),
        None => offset,
    };
    if offset != 0 {
        let confirmed = bot.get_updates().offset(offset).limit(1).timeout(0).await;
        let _ = measures::request("getUpdates", confirmed);
    }
}

/// Long polling: hands each update to the dispatcher until shutdown; returns the offset after the
/// last update taken (0 when none was), or an error only when Telegram refuses the token.
async fn poll(
    bot: &Bot,
    dispatcher: &Dispatcher,
    shutdown: &CancellationToken,
) -> Result<i32, BotError> {
    match measures::request("getWebhookInfo", bot.get_webhook_info().await) {
        Ok(info) if info.url.is_some() => {
            if let Err(e) = measures::request("deleteWebhook", bot.delete_webhook().await) {
                tracing::warn!(error = %e, "could not remove the old webhook");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not read the webhook state"),
    }
    let mut offset: i32 = 0;
    let mut backoff = Duration::from_millis(500);
    loop {
        let request = bot
            .get_updates()
            .offset(offset)
            .timeout(POLL_TIMEOUT_S)
            .allowed_updates(allowed_updates());
        let result = tokio::select! {
            () = shutdown.cancelled() => break,
            r = request.send() => measures::request("getUpdates", r),
        };
        match result {
            Ok(updates) => {
                backoff = Duration::from_millis(500);
                for update in updates {
                    offset = i32::try_from(update.id.0)
                        .unwrap_or(i32::MAX)
                        .saturating_add(1);
                    if let Err(refused) = dispatcher.submit(update).await {
                        tracing::warn!(reason = %refused, "update not queued");
                    }
                }
            }
            Err(teloxide::RequestError::RetryAfter(s)) => {
                tokio::select! { () = shutdown.cancelled() => break, () = tokio::time::sleep(s.duration()) => {} }
            }
            // The token was revoked or replaced in @BotFather: retrying cannot help.
            Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)) => {
                return Err(BotError::Other(
                    "Telegram no longer accepts the bot token (revoked or replaced in @BotFather?)"
                        .into(),
                ));
            }
            Err(e) => {
                tracing::warn!(error = %ErrorChain(&e), "getUpdates failed; retrying");
                tokio::select! { () = shutdown.cancelled() => break, () = tokio::time::sleep(backoff) => {} }
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
    Ok(offset)
}

async fn forget_old_updates(deps: Arc<Deps>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let before = deps.app.now() - REMEMBER_UPDATES;
        if let Err(e) = deps.bot_state.forget_updates_before(before).await {
            tracing::warn!(error = %e, "could not forget old update ids");
        }
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token_or_the_webhook_secret() {
        let config = BotConfig {
            token: "123456:SECRET-TOKEN".into(),
            api_url: None,
            webhook: Some(WebhookConfig {
                url: url::Url::parse("https://example.org/hook").unwrap(),
                secret: "hook-secret-value".into(),
            }),
            limits: limits::SendLimits::default(),
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("SECRET-TOKEN"), "{shown}");
        assert!(!shown.contains("hook-secret-value"), "{shown}");
        assert!(shown.contains("https://example.org/hook"), "{shown}");
    }
}
