//! The harness for bot end-to-end tests: the real bot, on a real database (SQLite or
//! PostgreSQL), talking HTTP to the fake Telegram Bot API server. Tests act as people through
//! the fake and assert what those people see and what is stored.
//!
//! Background work runs as `staffprobot run` runs it: a worker and the outbox relay on the
//! embedded queue in the same database, sending notices through the bot (`Jobs::Running`); tests
//! about the schedule drive it themselves, step by step (`Jobs::Manual`).
//!
//! Everything runs on one settable clock (the use-cases, the bot and the fake's message dates),
//! standing at [`DEFAULT_NOW`] unless a test moves it, so no test depends on the day it runs.

use app::background::BackgroundStore;
use app::broadcasts::BroadcastStore;
use app::job_table::JobTable;
use app::{BotStateStore, Clock, EventBus, Policy, SetClock, StaffPro, Store};
use bot::{BotConfig, TelegramBot};
use chrono::{DateTime, TimeZone, Utc};
use domain::{Language, Site, SitePatch, User};
use std::sync::Arc;
use std::time::Duration;
use testkit::telegram::{BotMessage, CallbackAnswer, FakeTelegram, FakeUser, Incoming};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const WAIT: Duration = Duration::from_secs(10);

/// Where the harness clock stands: Wednesday 18 November 2026, 10:00 in Moscow (07:00 UTC).
/// Chosen away from every edge (mid-month, mid-week, mid-day, no clock change within the plan
/// calendar's 60 days); tests about an edge set the clock there themselves.
pub fn default_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, 7, 0, 0).unwrap()
}
/// The site every fixture uses: Red Square, Moscow.
pub const SITE_LAT: f64 = 55.7539;
pub const SITE_LON: f64 = 37.6208;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The running bot: `Err` when it stopped on a fatal error.
type BotTask = JoinHandle<Result<(), bot::ctx::BotError>>;

/// Whether background work runs on its own beside the bot, or the test drives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jobs {
    Running,
    Manual,
}

/// Background work the way `run` wires it, on the harness clock.
pub struct Background {
    pub worker: Arc<jobs::Worker>,
    pub relay: Arc<jobs::Relay>,
    pub queue: Arc<dyn jobs::JobQueue>,
    pub handlers: jobs::Handlers,
}

pub struct Harness {
    pub tg: FakeTelegram,
    pub app: StaffPro,
    pub store: Arc<dyn Store>,
    pub bot_state: Arc<dyn BotStateStore>,
    pub background: Arc<dyn BackgroundStore>,
    pub job_table: Arc<dyn JobTable>,
    /// The clock of the use-cases, the bot and the fake Telegram.
    pub clock: Arc<SetClock>,
    pub jobs: Jobs,
    /// The cache the use-cases read through (its statistics show what was loaded).
    pub cache: cache::Cache,
    /// The running bot's background work (its worker runs on its own with `Jobs::Running`).
    pub work: Option<Background>,
    /// How long a stopping bot drains (below `WAIT`, which `stop_bot` allows it).
    pub shutdown_deadline: Duration,
    /// The bot's flood limits: none, unless the test asked for them (`start_limited`), like the
    /// fake Telegram's.
    pub send_limits: bot::limits::SendLimits,
    running: Option<(CancellationToken, BotTask, Arc<bot::dispatch::Progress>)>,
    /// The worker and relay tasks of `Jobs::Running`, stopped with the bot.
    working: Vec<JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// One database seen through its ports: the domain's `Store`, the bot's own state, background
/// work's records and the embedded queue's table.
#[derive(Clone)]
pub struct TestStores {
    pub store: Arc<dyn Store>,
    pub bot_state: Arc<dyn BotStateStore>,
    pub background: Arc<dyn BackgroundStore>,
    pub job_table: Arc<dyn JobTable>,
    pub broadcasts: Arc<dyn BroadcastStore>,
}

impl TestStores {
    pub fn of<S: Store + BotStateStore + BackgroundStore + JobTable + BroadcastStore>(
        store: S,
    ) -> TestStores {
        let store = Arc::new(store);
        TestStores {
            store: store.clone(),
            bot_state: store.clone(),
            background: store.clone(),
            broadcasts: store.clone(),
            job_table: store,
        }
    }
}

pub async fn store(backend: Backend) -> (TestStores, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let s = store_sqlite::SqliteStore::connect(&format!(
                "sqlite://{}/bot.db",
                dir.path().display()
            ))
            .await
            .unwrap();
            s.migrate().await.unwrap();
            (TestStores::of(s), Some(dir))
        }
        Backend::Postgres => {
            let url = store_postgres::test_support::fresh_database()
                .await
                .unwrap();
            let s = store_postgres::PgStore::connect(&url).await.unwrap();
            s.migrate().await.unwrap();
            (TestStores::of(s), None)
        }
    }
}

impl Harness {
    pub async fn start(backend: Backend) -> Harness {
        Self::start_with(backend, Jobs::Running).await
    }

    pub async fn start_with(backend: Backend, jobs: Jobs) -> Harness {
        let (store, dir) = store(backend).await;
        Self::start_on_with(store, dir, jobs).await
    }

    /// The bot keeping `send` limits, and the fake Telegram enforcing `fake` limits.
    pub async fn start_limited(
        backend: Backend,
        jobs: Jobs,
        fake: testkit::telegram::RateLimits,
        send: bot::limits::SendLimits,
    ) -> Harness {
        let (stores, dir) = store(backend).await;
        Self::start_full(stores, dir, jobs, Some(fake), send).await
    }

    /// The bot on a store the test made itself.
    pub async fn start_on(stores: TestStores, dir: Option<tempfile::TempDir>) -> Harness {
        Self::start_on_with(stores, dir, Jobs::Running).await
    }

    async fn start_on_with(
        stores: TestStores,
        dir: Option<tempfile::TempDir>,
        jobs: Jobs,
    ) -> Harness {
        Self::start_full(stores, dir, jobs, None, bot::limits::SendLimits::UNLIMITED).await
    }

    /// The bot with other rules than the defaults (e.g. a lower threshold for background report
    /// files).
    pub async fn start_with_policy(backend: Backend, jobs: Jobs, policy: Policy) -> Harness {
        let (stores, dir) = store(backend).await;
        Self::start_custom(
            stores,
            dir,
            jobs,
            None,
            bot::limits::SendLimits::UNLIMITED,
            policy,
        )
        .await
    }

    async fn start_full(
        stores: TestStores,
        dir: Option<tempfile::TempDir>,
        jobs: Jobs,
        fake_limits: Option<testkit::telegram::RateLimits>,
        send_limits: bot::limits::SendLimits,
    ) -> Harness {
        Self::start_custom(
            stores,
            dir,
            jobs,
            fake_limits,
            send_limits,
            Policy::default(),
        )
        .await
    }

    async fn start_custom(
        stores: TestStores,
        dir: Option<tempfile::TempDir>,
        jobs: Jobs,
        fake_limits: Option<testkit::telegram::RateLimits>,
        send_limits: bot::limits::SendLimits,
        policy: Policy,
    ) -> Harness {
        let TestStores {
            store,
            bot_state,
            background,
            job_table,
            broadcasts,
        } = stores;
        // As the binary runs it: behind the cache (the in-process tier).
        let cache = cache::Cache::local(cache::CacheConfig::default());
        let store: Arc<dyn Store> = Arc::new(cache::CachingStore::new(store, cache.clone()));
        let clock = Arc::new(SetClock::new(default_now()));
        let mut builder = FakeTelegram::builder().clock(clock.clone());
        if let Some(limits) = fake_limits {
            builder = builder.telegram_limits(limits);
        }
        let tg = builder.start().await.unwrap();
        let bus = Arc::new(EventBus::new());
        let app = StaffPro::new(store.clone(), clock.clone(), bus, policy)
            .with_broadcasts(broadcasts)
            .with_report_jobs(background.clone());
        let mut h = Harness {
            tg,
            app,
            store,
            bot_state,
            background,
            job_table,
            clock,
            jobs,
            cache,
            work: None,
            shutdown_deadline: Duration::from_secs(5),
            send_limits,
            running: None,
            working: Vec::new(),
            _dir: dir,
        };
        h.start_bot().await;
        h
    }

    /// Now, by the harness clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Moves the harness clock (the bot and the fake Telegram follow it).
    pub fn set_now(&self, at: DateTime<Utc>) {
        self.clock.set(at);
    }

    /// Starts the bot (long polling) and waits until it polls.
    pub async fn start_bot(&mut self) {
        let config = BotConfig {
            token: self.tg.token().to_owned(),
            api_url: Some(self.tg.api_url().parse().unwrap()),
            webhook: None,
            limits: self.send_limits.clone(),
        };
        let polls = self.tg.request_count("getUpdates");
        let bot = TelegramBot::connect(self.app.clone(), self.bot_state.clone(), config)
            .await
            .unwrap()
            .with_shutdown_deadline(self.shutdown_deadline);
        let progress = bot.progress();
        let stop = CancellationToken::new();
        let work = self.background_of(&bot);
        if self.jobs == Jobs::Running {
            let worker = work.worker.clone();
            let token = stop.clone();
            self.working.push(tokio::spawn(async move {
                worker.run(token).await.unwrap();
            }));
            self.working
                .push(tokio::spawn(work.relay.clone().run(stop.clone())));
        }
        self.work = Some(work);
        let task = tokio::spawn(bot.run(stop.clone()));
        self.running = Some((stop, task, progress));
        self.tg
            .wait_for_requests("getUpdates", polls + 1, WAIT)
            .await
            .unwrap();
    }

    /// The worker, relay and queue `run` would start beside this bot, on the harness clock.
    fn background_of(&self, bot: &TelegramBot) -> Background {
        let clock: Arc<dyn Clock> = self.clock.clone();
        let queue: Arc<dyn jobs::JobQueue> = Arc::new(jobs::embedded::DbQueue::new(
            self.job_table.clone(),
            clock.clone(),
            jobs::embedded::DbConfig {
                poll_interval: Duration::from_millis(50),
                ..jobs::embedded::DbConfig::default()
            },
        ));
        let notices = Arc::new(bot::notices::BotNotices::of_bot(
            bot,
            self.background.clone(),
        ));
        let handlers = jobs::tasks::handlers(jobs::tasks::Context {
            app: self.app.clone(),
            store: self.background.clone(),
            bot_state: self.bot_state.clone(),
            notices: Some(notices),
            settings: jobs::tasks::Settings::default(),
        });
        let worker = Arc::new(jobs::Worker::new(
            queue.clone(),
            handlers.clone(),
            self.background.clone(),
            clock.clone(),
            jobs::WorkerConfig::default(),
        ));
        let relay = Arc::new(jobs::Relay::new(
            self.background.clone(),
            queue.clone(),
            clock,
            jobs::RelayConfig {
                idle: Duration::from_millis(20),
                ..jobs::RelayConfig::default()
            },
        ));
        Background {
            worker,
            relay,
            queue,
            handlers,
        }
    }

    /// A scheduler with the default schedule on the harness clock, named `holder`.
    pub fn scheduler(&self, holder: &str) -> jobs::Scheduler {
        jobs::Scheduler::new(
            self.background.clone(),
            jobs::tasks::Schedule::default().entries(),
            self.clock.clone(),
            holder,
            jobs::SchedulerConfig::default(),
        )
    }

    /// One scheduler pass at the harness clock's now, then the work it led to (`Jobs::Manual`).
    pub async fn run_schedule(&self, scheduler: &jobs::Scheduler) -> jobs::Pass {
        let pass = scheduler.pass().await.unwrap();
        self.work_off_jobs().await;
        pass
    }

    /// Waits until the background job with this key is done (with `Jobs::Running`), so what it
    /// sends does not land in the middle of what a test reads next.
    pub async fn job_done(&self, key: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.background.effect_done(key).await.unwrap() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "job {key} was not done in time"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// With `Jobs::Manual`: relays the outbox and does every ready job, until none is left.
    pub async fn work_off_jobs(&self) -> u64 {
        let work = self.work.as_ref().expect("the bot is running");
        let mut done = 0;
        loop {
            let relayed = work.relay.relay_once().await.unwrap();
            let worked = work.worker.work_off_ready().await.unwrap();
            done += worked;
            if relayed == 0 && worked == 0 {
                return done;
            }
        }
    }

    /// Stops the bot gracefully (it finishes what it took), and the background work with it.
    pub async fn stop_bot(&mut self) {
        if let Some((stop, task, _)) = self.running.take() {
            stop.cancel();
            tokio::time::timeout(WAIT, task)
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            for task in self.working.drain(..) {
                tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
            }
        }
    }

    /// Stops and starts the bot on the same database, as after a deploy.
    pub async fn restart_bot(&mut self) {
        self.stop_bot().await;
        self.start_bot().await;
    }

    /// Which updates the running bot has handled.
    pub fn progress(&self) -> Arc<bot::dispatch::Progress> {
        let (_, _, progress) = self.running.as_ref().expect("the bot is running");
        progress.clone()
    }

    /// Waits until the bot has handled the update.
    pub async fn processed(&self, update_id: i64) {
        let (_, _, progress) = self.running.as_ref().expect("the bot is running");
        assert!(
            progress.wait_for(update_id, WAIT).await,
            "update {update_id} was not handled in time"
        );
    }

    /// Sends what a person sends and waits until the bot has handled it; returns the messages the
    /// bot sent to that chat meanwhile (edits of earlier ones are visible through `tg`).
    pub async fn act(&self, user: &FakeUser, incoming: Incoming) -> Vec<BotMessage> {
        let before = self.tg.messages(user.id).len();
        let id = self.tg.send(user, incoming);
        self.processed(id).await;
        self.tg.messages(user.id).split_off(before)
    }

    pub async fn text(&self, user: &FakeUser, text: &str) -> Vec<BotMessage> {
        self.act(user, Incoming::text(text)).await
    }

    pub async fn command(
        &self,
        user: &FakeUser,
        name: &str,
        payload: Option<&str>,
    ) -> Vec<BotMessage> {
        self.act(user, Incoming::command(name, payload)).await
    }

    /// A location `metres_north` of the site with the given accuracy.
    pub async fn location(
        &self,
        user: &FakeUser,
        metres_north: f64,
        accuracy: f64,
    ) -> Vec<BotMessage> {
        let lat = SITE_LAT + metres_north / 111_195.0;
        self.act(user, Incoming::location(lat, SITE_LON).accuracy(accuracy))
            .await
    }

    /// Taps an inline button (by its text) on a message and waits until handled.
    pub async fn tap(
        &self,
        user: &FakeUser,
        message: &BotMessage,
        button: &str,
    ) -> Vec<BotMessage> {
        let before = self.tg.messages(user.id).len();
        let id = self
            .tg
            .tap_button(user, message.message_id, button)
            .unwrap();
        self.processed(id).await;
        self.tg.messages(user.id).split_off(before)
    }

    /// Taps an inline button (by its text); the new messages and how the tap was answered.
    pub async fn tap_answered(
        &self,
        user: &FakeUser,
        message: &BotMessage,
        button: &str,
    ) -> (Vec<BotMessage>, CallbackAnswer) {
        let before = self.tg.messages(user.id).len();
        let id = self
            .tg
            .tap_button(user, message.message_id, button)
            .unwrap();
        self.answered(user, before, id).await
    }

    /// Sends raw callback data on a message (a second tap on a button, or a forged one); the
    /// new messages and how it was answered.
    pub async fn send_data(
        &self,
        user: &FakeUser,
        message_id: i32,
        data: &str,
    ) -> (Vec<BotMessage>, CallbackAnswer) {
        let before = self.tg.messages(user.id).len();
        let id = self.tg.send_callback(user, message_id, data);
        self.answered(user, before, id).await
    }

    /// Waits for callback `update` to be handled and answered; the messages after `before`.
    async fn answered(
        &self,
        user: &FakeUser,
        before: usize,
        update: i64,
    ) -> (Vec<BotMessage>, CallbackAnswer) {
        self.processed(update).await;
        let answer = self
            .tg
            .wait_for_callback_answer(update, WAIT)
            .await
            .unwrap();
        (self.tg.messages(user.id).split_off(before), answer)
    }

    /// Taps a reply-keyboard (menu) button by its text. When the chat shows a keyboard the
    /// button must be on it; a chat that never got one (the person typed) sends the text.
    pub async fn press(&self, user: &FakeUser, button: &str) -> Vec<BotMessage> {
        let before = self.tg.messages(user.id).len();
        let id = if self.tg.reply_keyboard(user.id).is_some() {
            self.tg.tap_reply_button(user, button).unwrap()
        } else {
            self.tg.send_text(user, button)
        };
        self.processed(id).await;
        self.tg.messages(user.id).split_off(before)
    }

    // ---- fixtures (through the use-cases, as an owner would via the bot or the API) ----

    pub async fn owner(&self, who: &FakeUser, name: &str) -> User {
        let lang = if who.language_code.as_deref() == Some("en") {
            Language::En
        } else {
            Language::Ru
        };
        self.tg.add_user(who);
        self.app.add_owner(who.id, name, lang).await.unwrap()
    }

    /// A site open around the clock at the fixture point, 35,000 kopecks per hour.
    pub async fn site(&self, owner: &User, name: &str) -> Site {
        self.app
            .create_site(
                owner,
                SitePatch {
                    name: Some(name.into()),
                    address: Some("Красная площадь, 1".into()),
                    latitude: Some(SITE_LAT),
                    longitude: Some(SITE_LON),
                    geofence_radius_m: Some(100),
                    opens_at: Some("00:00".into()),
                    closes_at: Some("00:00".into()),
                    hourly_rate_minor: Some(35_000),
                    ..SitePatch::default()
                },
            )
            .await
            .unwrap()
    }

    pub async fn employee(&self, who: &FakeUser, name: &str, owner: &User, site: &Site) -> User {
        let lang = if who.language_code.as_deref() == Some("en") {
            Language::En
        } else {
            Language::Ru
        };
        self.tg.add_user(who);
        let user = self.app.register_user(who.id, name, lang).await.unwrap();
        self.app
            .add_employee(owner, site.id, who.id, None)
            .await
            .unwrap();
        user
    }

    pub async fn shutdown(mut self) {
        self.stop_bot().await;
        self.tg.shutdown();
    }
}

/// Every text of the messages, joined (for `contains` checks).
pub fn joined(messages: &[BotMessage]) -> String {
    messages
        .iter()
        .map(|m| m.text().to_owned())
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// A finished shift at 09:00 local time on `day`, paid at the rate given.
pub fn finished(
    employee: &User,
    site: &Site,
    day: &str,
    minutes: i64,
    rate: domain::Money,
) -> app::FinishedShift {
    let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    let started_at = site.settings.time_zone.start_of_day(day) + chrono::Duration::hours(9);
    let at = domain::RecordedLocation {
        coordinates: site.settings.location,
        accuracy_m: Some(5.0),
        distance_m: 3.0,
    };
    app::FinishedShift {
        shift: app::NewShift {
            employee_id: employee.id,
            site_id: site.id,
            started_at,
            start_location: at,
            hourly_rate: rate,
            planned_shift_id: None,
        },
        end: app::ShiftEnd {
            status: domain::ShiftStatus::Closed,
            ended_at: started_at + chrono::Duration::minutes(minutes),
            end_location: Some(at),
            worked_minutes: minutes,
            pay_minor: domain::money::pay_minor(minutes, rate.minor),
            needs_review: false,
        },
    }
}
