//! The StaffProBot Telegram bot: owner and employee flows on the shared use-cases. Long polling
//! by default; webhook mode serves updates from our own HTTP server.

pub mod callback;
pub mod commands;
pub mod common;
pub mod ctx;
pub mod dispatch;
pub mod employee;
pub mod format;
pub mod handler;
pub mod keyboards;
pub mod messenger;
pub mod notifier;
pub mod owner;
pub mod qr;
pub mod state;
pub mod texts;
pub mod webhook;

use crate::ctx::{BotError, Deps};
use crate::dispatch::Dispatcher;
use app::{BotStateStore, EventBus, StaffPro};
use std::sync::Arc;
use std::time::Duration;
use telemetry::ErrorChain;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;
use tokio_util::sync::CancellationToken;

/// Long-poll wait; below the HTTP client's 17 s timeout.
const POLL_TIMEOUT_S: u32 = 10;
/// Update ids are remembered this long for de-duplication.
const REMEMBER_UPDATES: chrono::Duration = chrono::Duration::hours(48);

#[derive(Debug, Clone)]
pub struct BotConfig {
    pub token: String,
    /// Another Bot API server (self-hosted, or a fake in tests).
    pub api_url: Option<url::Url>,
    pub webhook: Option<WebhookConfig>,
}

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// The public URL Telegram posts to; its path is served by our HTTP server.
    pub url: url::Url,
    /// Checked against `X-Telegram-Bot-Api-Secret-Token`.
    pub secret: String,
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
    config: BotConfig,
}

impl TelegramBot {
    /// Checks the token (getMe), registers the command lists and subscribes the notifier to the
    /// use-cases' events. `bot_state` keeps dialogue states and update claims.
    pub async fn connect(
        app: StaffPro,
        bot_state: Arc<dyn BotStateStore>,
        events: &EventBus,
        config: BotConfig,
    ) -> Result<Self, BotError> {
        let mut bot = Bot::new(config.token.clone());
        if let Some(url) = &config.api_url {
            bot = bot.set_api_url(url.clone());
        }
        let me = bot
            .get_me()
            .await
            .map_err(|e| BotError::Other(format!("Telegram did not accept the bot token: {e}")))?;
        let texts = texts::Texts::load().map_err(|e| BotError::Other(e.to_string()))?;
        if let Err(e) = commands::set_defaults(&bot, &texts).await {
            tracing::warn!(error = %e, "could not register the command list");
        }
        let deps = Arc::new(Deps {
            labels: ctx::menu_labels(&texts),
            manager_flags: std::sync::Mutex::new(std::collections::HashMap::new()),
            messenger: messenger::Messenger::new(bot, app.clone()),
            app,
            bot_state,
            texts,
            username: me.username.clone().unwrap_or_default(),
        });
        events.subscribe(Arc::new(notifier::Notifier::new(deps.clone())));
        let dispatcher = Arc::new(Dispatcher::new(deps.clone()));
        tracing::info!(username = %deps.username, "telegram bot connected");
        Ok(Self {
            deps,
            dispatcher,
            config,
        })
    }

    /// Which updates have been handled (tests wait on it).
    pub fn progress(&self) -> Arc<dispatch::Progress> {
        self.dispatcher.progress()
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

    /// Serves until `shutdown`, then finishes the updates already taken. Returns an error when
    /// the bot cannot go on at all (Telegram no longer accepts its token): the process that runs
    /// it stops, rather than looking alive while serving nobody.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), BotError> {
        let bot = self.deps.messenger.bot().clone();
        let maintenance = tokio::spawn(forget_old_updates(self.deps.clone(), shutdown.clone()));
        let result = match &self.config.webhook {
            Some(w) => {
                let set = bot
                    .set_webhook(w.url.clone())
                    .secret_token(w.secret.clone())
                    .allowed_updates(allowed_updates())
                    .await;
                match set {
                    Ok(_) => tracing::info!(url = %w.url, "telegram webhook registered"),
                    Err(e) => {
                        tracing::error!(error = %ErrorChain(&e), "could not register the telegram webhook")
                    }
                }
                shutdown.cancelled().await;
                Ok(())
            }
            None => poll(&bot, &self.dispatcher, &shutdown).await,
        };
        self.dispatcher.shutdown().await;
        maintenance.abort();
        tracing::info!("telegram bot stopped");
        result
    }
}

/// Long polling until `shutdown`; an error only when Telegram refuses the token.
async fn poll(
    bot: &Bot,
    dispatcher: &Dispatcher,
    shutdown: &CancellationToken,
) -> Result<(), BotError> {
    match bot.get_webhook_info().await {
        Ok(info) if info.url.is_some() => {
            if let Err(e) = bot.delete_webhook().await {
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
            r = request.send() => r,
        };
        match result {
            Ok(updates) => {
                backoff = Duration::from_millis(500);
                for update in updates {
                    offset = i32::try_from(update.id.0)
                        .unwrap_or(i32::MAX)
                        .saturating_add(1);
                    dispatcher.submit(update).await;
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
    if offset != 0 {
        let _ = bot.get_updates().offset(offset).limit(1).timeout(0).await;
    }
    Ok(())
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
