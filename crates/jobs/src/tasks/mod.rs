//! StaffProBot's own jobs: the handlers of every job kind and the schedule that fires the scans.
//! Each handler is a plain async function over [`Context`]; `handlers` registers them.

use std::future::Future;
use std::sync::Arc;

use app::background::{BackgroundStore, kinds as change_kinds};
use app::notices::Notices;
use app::statements::kinds::{SEND_PAYROLL, SEND_STATEMENT};
use app::{Area, BotStateStore, StaffPro};
use async_trait::async_trait;
use serde::de::DeserializeOwned;

use crate::queue::Job;
use crate::scheduler::Entry;
use crate::worker::{Handler, Handlers, Outcome};

mod audit;
mod broadcast;
mod cleanup;
mod notify;
mod plans;
mod report_file;
mod reports;
mod shifts;
mod statements;

/// The kinds of the scheduled scans and of the per-item jobs they enqueue.
pub mod kinds {
    pub const SCAN_REMINDERS: &str = "scan.reminders";
    pub const REMINDER: &str = "notify.reminder";
    pub const SCAN_NO_SHOWS: &str = "scan.no_shows";
    pub const NO_SHOW: &str = "notify.no_show";
    pub const AUTO_CLOSE: &str = "scan.auto_close";
    pub const CLEANUP: &str = "cleanup";
    pub const CACHE_REFRESH: &str = "cache.refresh";
    pub const SCAN_PAY_STATEMENTS: &str = "scan.pay_statements";
}

/// The rules the jobs follow; each one an environment variable in the binary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// A planned shift is reminded this long before it starts.
    pub reminder_lead: chrono::Duration,
    /// A plan whose start passed this long ago without a shift is a no-show.
    pub no_show_grace: chrono::Duration,
    /// Plans one scan takes at most (the next scan takes the rest).
    pub scan_limit: u32,
    /// Records of finished jobs (done keys, fired ticks) are kept this long.
    pub keep_job_records: chrono::Duration,
    /// Telegram update ids are remembered this long (de-duplication of redeliveries).
    pub keep_update_ids: chrono::Duration,
    /// A dialogue nobody touched for this long is forgotten.
    pub keep_idle_dialogues: chrono::Duration,
    /// The geolocation audit's thresholds.
    pub audit: domain::audit::AuditRules,
    /// Pay periods (months) the statement scan looks back at: later corrections within them
    /// produce new versions.
    pub statement_months: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            reminder_lead: chrono::Duration::hours(2),
            no_show_grace: chrono::Duration::minutes(15),
            scan_limit: 1000,
            keep_job_records: chrono::Duration::days(30),
            keep_update_ids: chrono::Duration::hours(48),
            keep_idle_dialogues: chrono::Duration::days(30),
            audit: domain::audit::AuditRules::default(),
            statement_months: 2,
        }
    }
}

/// How often each scan runs; `None` turns an entry off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub reminders: Option<chrono::Duration>,
    pub no_shows: Option<chrono::Duration>,
    pub auto_close: Option<chrono::Duration>,
    pub cleanup: Option<chrono::Duration>,
    /// Warming the current month's reports (about the analytics cache's TTL).
    pub cache_refresh: Option<chrono::Duration>,
    pub pay_statements: Option<chrono::Duration>,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            reminders: Some(chrono::Duration::minutes(30)),
            no_shows: Some(chrono::Duration::minutes(5)),
            auto_close: Some(chrono::Duration::hours(1)),
            cleanup: Some(chrono::Duration::days(1)),
            cache_refresh: Some(chrono::Duration::hours(1)),
            pay_statements: Some(chrono::Duration::days(1)),
        }
    }
}

impl Schedule {
    /// The scheduler's entries.
    pub fn entries(&self) -> Vec<Entry> {
        let all = [
            (
                "reminders",
                self.reminders,
                Area::Notifications,
                kinds::SCAN_REMINDERS,
            ),
            (
                "no-shows",
                self.no_shows,
                Area::Notifications,
                kinds::SCAN_NO_SHOWS,
            ),
            (
                "auto-close",
                self.auto_close,
                Area::Shifts,
                kinds::AUTO_CLOSE,
            ),
            ("cleanup", self.cleanup, Area::Analytics, kinds::CLEANUP),
            (
                "cache-refresh",
                self.cache_refresh,
                Area::Analytics,
                kinds::CACHE_REFRESH,
            ),
            (
                "pay-statements",
                self.pay_statements,
                Area::Analytics,
                kinds::SCAN_PAY_STATEMENTS,
            ),
        ];
        all.into_iter()
            .filter_map(|(name, every, area, kind)| {
                every
                    .filter(|e| *e > chrono::Duration::zero())
                    .map(|every| Entry {
                        name,
                        every,
                        area,
                        kind,
                    })
            })
            .collect()
    }
}

/// What the handlers work with.
#[derive(Clone)]
pub struct Context {
    pub app: StaffPro,
    pub store: Arc<dyn BackgroundStore>,
    pub bot_state: Arc<dyn BotStateStore>,
    /// None when no Telegram bot is configured: notices are then skipped (and logged).
    pub notices: Option<Arc<dyn Notices>>,
    pub settings: Settings,
}

/// Every handler of StaffProBot's job kinds.
pub fn handlers(ctx: Context) -> Handlers {
    let mut h = Handlers::new();
    let ctx = Arc::new(ctx);
    add(
        &mut h,
        &ctx,
        change_kinds::SHIFT_NEWS,
        Area::Notifications,
        notify::shift_news,
    );
    add(
        &mut h,
        &ctx,
        change_kinds::STATED_END,
        Area::Notifications,
        notify::stated_end,
    );
    add(
        &mut h,
        &ctx,
        kinds::SCAN_REMINDERS,
        Area::Notifications,
        plans::scan_reminders,
    );
    add(
        &mut h,
        &ctx,
        kinds::REMINDER,
        Area::Notifications,
        plans::remind,
    );
    add(
        &mut h,
        &ctx,
        kinds::SCAN_NO_SHOWS,
        Area::Notifications,
        plans::scan_no_shows,
    );
    add(
        &mut h,
        &ctx,
        kinds::NO_SHOW,
        Area::Notifications,
        plans::no_show,
    );
    add(
        &mut h,
        &ctx,
        kinds::AUTO_CLOSE,
        Area::Shifts,
        shifts::auto_close,
    );
    add(
        &mut h,
        &ctx,
        change_kinds::SHIFT_AUDIT,
        Area::Shifts,
        audit::audit,
    );
    add(
        &mut h,
        &ctx,
        kinds::SCAN_PAY_STATEMENTS,
        Area::Analytics,
        statements::scan,
    );
    add(
        &mut h,
        &ctx,
        SEND_STATEMENT,
        Area::Notifications,
        statements::send_statement,
    );
    add(
        &mut h,
        &ctx,
        SEND_PAYROLL,
        Area::Notifications,
        statements::send_payroll,
    );
    add(
        &mut h,
        &ctx,
        kinds::CLEANUP,
        Area::Analytics,
        cleanup::clean_up,
    );
    add(
        &mut h,
        &ctx,
        kinds::CACHE_REFRESH,
        Area::Analytics,
        reports::refresh,
    );
    add(
        &mut h,
        &ctx,
        app::reports::REPORT_FILE_KIND,
        Area::Analytics,
        report_file::make,
    );
    add(
        &mut h,
        &ctx,
        app::broadcasts::SEND_KIND,
        Area::Notifications,
        broadcast::send,
    );
    h
}

fn add<F, Fut>(h: &mut Handlers, ctx: &Arc<Context>, kind: &str, area: Area, run: F)
where
    F: Fn(Arc<Context>, Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    h.add(
        kind,
        area,
        Arc::new(Task {
            ctx: ctx.clone(),
            run,
        }),
    );
}

/// A handler made of a function.
struct Task<F> {
    ctx: Arc<Context>,
    run: F,
}

#[async_trait]
impl<F, Fut> Handler for Task<F>
where
    F: Fn(Arc<Context>, Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    async fn handle(&self, job: &Job) -> Outcome {
        (self.run)(self.ctx.clone(), job.clone()).await
    }
}

/// The job's payload, or the outcome that dead-letters a job nobody can read.
fn payload<T: DeserializeOwned>(job: &Job) -> Result<T, Outcome> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| Outcome::Fail(format!("unreadable payload of a {} job: {e}", job.kind)))
}

/// A store or use-case error: worth another try.
fn retry(e: impl std::fmt::Display) -> Outcome {
    Outcome::Retry(e.to_string())
}

fn notice_outcome(result: Result<(), app::notices::NoticeError>) -> Outcome {
    match result {
        Ok(()) => Outcome::Done,
        Err(app::notices::NoticeError::Transient(e)) => Outcome::Retry(e),
        Err(app::notices::NoticeError::Permanent(e)) => Outcome::Fail(e),
    }
}
