//! Tells people about things that happened elsewhere, run by background jobs (the jobs crate
//! calls [`BotNotices`] through `app::notices::Notices`): the owner when an employee opens or
//! closes a shift (if the site wants it), both sides when a forgotten shift was closed
//! automatically, stated ends and their review (`stated`), reminders of planned shifts and
//! no-shows (`plans`), broadcasts and their progress (`broadcast`), big report files
//! (`report_file`). Each message is sent once per job key and recipient: a job done again after
//! a crash skips the people it already reached.

use crate::args;
use crate::ctx::{BotError, Deps};
use crate::format::{duration, html, local_time, money};
use crate::messenger::SendError;
use app::background::EffectStore;
use app::broadcasts::{Broadcast, Outcome as BroadcastOutcome};
use app::notices::{NoticeError, Notices, PlanNotice};
use app::{BotStateStore, StaffPro};
use async_trait::async_trait;
use domain::{Money, ShiftChangeKind, ShiftId, SiteId, User, UserId};
use std::sync::Arc;
use teloxide::prelude::*;
use teloxide::types::ReplyMarkup;
use tokio_util::task::TaskTracker;

mod audit;
pub mod broadcast;
mod plans;
mod report_file;
mod stated;
mod statements;

pub use plans::late;

/// Sends background notices through the bot's messenger, in each reader's language.
pub struct BotNotices {
    deps: Arc<Deps>,
    effects: Arc<dyn EffectStore>,
    /// The finisher's task (unused by notices, but `Deps` carries one).
    _tracker: TaskTracker,
}

impl BotNotices {
    /// Notices on the same Telegram bot as `config` (checked with getMe), for a process that
    /// runs jobs without serving the bot.
    pub async fn connect(
        app: StaffPro,
        bot_state: Arc<dyn BotStateStore>,
        effects: Arc<dyn EffectStore>,
        config: &crate::BotConfig,
    ) -> Result<Self, BotError> {
        let mut bot = Bot::new(config.token.clone());
        if let Some(url) = &config.api_url {
            bot = bot.set_api_url(url.clone());
        }
        let me = crate::measures::request("getMe", bot.get_me().await)
            .map_err(|e| BotError::Other(format!("Telegram did not accept the bot token: {e}")))?;
        let texts = crate::texts::Texts::load().map_err(|e| BotError::Other(e.to_string()))?;
        let tracker = TaskTracker::new();
        let finisher = crate::finisher::Finisher::start(bot_state.clone(), app.clone(), &tracker);
        let deps = Arc::new(Deps {
            finisher,
            labels: crate::ctx::menu_labels(&texts),
            messenger: crate::messenger::Messenger::new(bot, app.clone(), config.limiter()?),
            app,
            bot_state,
            texts,
            username: me.username.clone().unwrap_or_default(),
        });
        Ok(Self {
            deps,
            effects,
            _tracker: tracker,
        })
    }

    /// Notices sharing a connected bot's messenger and texts (one process runs both).
    pub fn of_bot(bot: &crate::TelegramBot, effects: Arc<dyn EffectStore>) -> Self {
        Self {
            deps: bot.deps(),
            effects,
            _tracker: TaskTracker::new(),
        }
    }
}

/// Sends one job's messages, each recipient at most once under the job's key.
pub(crate) struct Once<'a> {
    pub deps: &'a Deps,
    pub(crate) effects: &'a dyn EffectStore,
    pub(crate) key: &'a str,
}

impl Once<'_> {
    pub async fn send(
        &self,
        to: &User,
        text: &str,
        markup: Option<ReplyMarkup>,
    ) -> Result<(), NoticeError> {
        if !to.reachable {
            return Ok(());
        }
        let key = format!("{}:to:{}", self.key, to.id.0);
        if self.effects.effect_done(&key).await.map_err(transient)? {
            return Ok(());
        }
        let messenger = self.deps.messenger.background();
        match messenger.send(to.telegram_id, text, markup).await {
            Ok(_) => {
                let now = self.deps.app.now();
                if let Err(e) = self.effects.record_effect(&key, now).await {
                    tracing::warn!(error = %e, "a notice was sent but could not be recorded");
                }
                Ok(())
            }
            // Marked unreachable by the messenger; nothing more to do for them.
            Err(SendError::Unreachable) => Ok(()),
            Err(e) => Err(NoticeError::Transient(e.to_string())),
        }
    }
}

fn transient(e: impl std::fmt::Display) -> NoticeError {
    NoticeError::Transient(e.to_string())
}

#[async_trait]
impl Notices for BotNotices {
    async fn shift_news(
        &self,
        key: &str,
        shift_id: ShiftId,
        site_id: SiteId,
        closed: Option<bool>,
    ) -> Result<(), NoticeError> {
        let once = self.once(key);
        notify(&once, shift_id, site_id, closed).await
    }

    async fn stated_end(
        &self,
        key: &str,
        shift_id: ShiftId,
        change: ShiftChangeKind,
        by: UserId,
    ) -> Result<(), NoticeError> {
        stated::notify(&self.once(key), shift_id, change, by).await
    }

    async fn plan_reminder(&self, key: &str, notice: &PlanNotice) -> Result<(), NoticeError> {
        plans::remind(&self.once(key), notice).await
    }

    async fn no_show(&self, key: &str, notice: &PlanNotice) -> Result<(), NoticeError> {
        plans::no_show(&self.once(key), notice).await
    }

    async fn broadcast_to(
        &self,
        key: &str,
        broadcast: &Broadcast,
        author: &User,
        to: &User,
    ) -> Result<BroadcastOutcome, NoticeError> {
        broadcast::send(&self.once(key), broadcast, author, to).await
    }

    async fn broadcast_progress(
        &self,
        broadcast: &Broadcast,
        author: &User,
    ) -> Result<(), NoticeError> {
        broadcast::progress(&self.once(""), broadcast, author).await
    }

    async fn report_file(
        &self,
        key: &str,
        request: &app::reports::ReportFileRequest,
    ) -> Result<(), NoticeError> {
        report_file::make(&self.once(key), request).await
    }

    async fn shift_audit(
        &self,
        key: &str,
        notice: &app::audit::AuditNotice,
    ) -> Result<(), NoticeError> {
        audit::notify(&self.once(key), notice).await
    }

    async fn pay_statement(
        &self,
        key: &str,
        notice: &app::statements::StatementNotice,
    ) -> Result<(), NoticeError> {
        statements::statement(&self.once(key), notice).await
    }

    async fn payroll(
        &self,
        key: &str,
        notice: &app::statements::PayrollNotice,
    ) -> Result<(), NoticeError> {
        statements::payroll(&self.once(key), notice).await
    }
}

impl BotNotices {
    fn once<'a>(&'a self, key: &'a str) -> Once<'a> {
        Once {
            deps: &self.deps,
            effects: self.effects.as_ref(),
            key,
        }
    }
}

/// A notice to an employee that their shift was closed without them (automatically, by an owner
/// or manager, or on review), followed by the pay receipt they would have had closing it.
async fn with_receipt(
    deps: &Deps,
    employee: &User,
    shift: &domain::Shift,
    notice: String,
) -> Result<String, NoticeError> {
    let receipt = deps
        .app
        .pay_receipt(employee, shift)
        .await
        .map_err(transient)?;
    let lines = crate::receipt::text(&deps.texts, employee.language, "receipt-lines", &receipt);
    Ok(format!("{notice}\n\n{lines}"))
}

async fn notify(
    once: &Once<'_>,
    shift_id: ShiftId,
    site_id: SiteId,
    closed: Option<bool>,
) -> Result<(), NoticeError> {
    let deps = once.deps;
    // Who is told is the use-case's rule; this only writes the messages.
    let Some(notice) = deps
        .app
        .open_close_notice(shift_id, site_id, closed)
        .await
        .map_err(transient)?
    else {
        return Ok(());
    };
    let app::workplaces::OpenCloseNotice {
        shift,
        site,
        employee,
        owner,
        tell_owner,
        tell_employee,
    } = notice;
    let tz = site.settings.time_zone;
    let site_name = html(site.settings.name.as_str());
    let employee_name = html(employee.name.as_str());
    let text_for = |to: &User, id: &str| {
        let lang = to.language;
        let minutes = shift.worked_minutes.unwrap_or(0);
        let pay = Money::new(shift.pay_minor.unwrap_or(0), shift.hourly_rate.currency);
        deps.texts.format(
            lang,
            id,
            Some(&args![
                "employee" => employee_name.as_str(),
                "site" => site_name.as_str(),
                "started" => local_time(&tz, shift.started_at),
                "ended" => shift.ended_at.map(|t| local_time(&tz, t)).unwrap_or_default(),
                "worked" => duration(&deps.texts, lang, minutes),
                "pay" => money(lang, pay),
            ]),
        )
    };
    let (to_owner, to_employee) = match closed {
        None => ("notify-shift-opened", None),
        Some(false) => ("notify-shift-closed", None),
        Some(true) => (
            "notify-auto-closed-owner",
            Some("notify-auto-closed-employee"),
        ),
    };
    let mut messages: Vec<(&User, String)> = Vec::new();
    if let (true, Some(id)) = (tell_employee, to_employee) {
        let text = with_receipt(deps, &employee, &shift, text_for(&employee, id)).await?;
        messages.push((&employee, text));
    }
    if tell_owner {
        messages.push((&owner, text_for(&owner, to_owner)));
    }
    for (to, text) in messages {
        once.send(to, &text, None).await?;
    }
    Ok(())
}
