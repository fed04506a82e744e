//! Telegram's flood limits for every message the bot sends (about 30 a second per bot, one a
//! second per private chat, 20 a minute per group), kept the way Telegram counts them: a sliding
//! window per key (the bot, each chat) holding the times of the sends in it. In this process by
//! default; shared by every process through Redis when it is configured (a sorted set per key
//! under a prefix, decided by one Lua script). Background sends wait for room in every window
//! they fall in; an interactive reply takes its place at once, and the background sends wait for
//! it to leave. A 429's `retry_after` pauses every send. A Redis failure never fails a send: the
//! in-process limiter takes over until Redis answers again.
//!
//! A send's place is taken before the request leaves and moved to the moment its answer comes
//! back (`Permit::sent`): Telegram counted the message somewhere in between, so a place that
//! frees one window after the answer can never meet the counted message in one of Telegram's
//! windows, however long the request took on its way or waited in a busy server. (Places kept
//! at the moment of the decision let a burst whose requests were slow to arrive overlap the
//! next burst's fast ones: 429s.)
//!
//! The window alone would let thirty sends leave at once; a counter that is not a sliding window
//! (a token bucket, say) could refuse such a burst. So sends are also spread out, one per
//! thirtieth of the period (a GCRA), with a little catching up allowed: a send woken a little
//! late keeps its place instead of losing it for good. The window keeps the count exact; the
//! spacing keeps the shape even.

mod shared;
mod windows;

use shared::Shared;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use windows::Windows;

/// Our windows are Telegram's divided by this: 1 % longer, room for clocks that do not tick
/// alike (ours, Redis's, Telegram's).
const SAFETY: f64 = 0.99;
/// Redis calls give up after this; the in-process limiter decides instead.
const REDIS_TIMEOUT: Duration = Duration::from_millis(100);
/// How long connecting to Redis may take: the first call waits this long on top of the answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The limits, each a number of messages per period; 0 is unlimited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendLimits {
    /// Messages a second for the whole bot (Telegram: about 30).
    pub per_second: u32,
    /// Messages a second to one private chat (Telegram: 1).
    pub per_chat_per_second: u32,
    /// Messages a minute to one group, a chat with a negative id (Telegram: 20).
    pub per_group_per_minute: u32,
    /// Every period divided by this (1 for Telegram; tests and benchmarks speed the fake Bot
    /// API up the same way, keeping the ratios: `faster`).
    pub speed_up: u32,
    /// Shares the limits with other processes through Redis.
    pub redis: Option<RedisLimits>,
}

/// Where the shared limiter keeps its keys.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisLimits {
    pub url: String,
    /// Keys are `{prefix}:tg:bot`, `{prefix}:tg:chat:{id}` (each with `…:tat`),
    /// `{prefix}:tg:pause` and `{prefix}:tg:seq`.
    pub prefix: String,
}

impl std::fmt::Debug for RedisLimits {
    // The URL may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimits")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Default for SendLimits {
    fn default() -> Self {
        Self::TELEGRAM
    }
}

impl SendLimits {
    /// Telegram's published limits.
    pub const TELEGRAM: SendLimits = SendLimits {
        per_second: 30,
        per_chat_per_second: 1,
        per_group_per_minute: 20,
        speed_up: 1,
        redis: None,
    };

    /// No limit at all (a Bot API server that has none, or a benchmark of the bot alone).
    pub const UNLIMITED: SendLimits = SendLimits {
        per_second: 0,
        per_chat_per_second: 0,
        per_group_per_minute: 0,
        speed_up: 1,
        redis: None,
    };

    /// Every period `factor` times shorter (the fake Bot API's `RateLimits::faster`): 30 a
    /// second becomes 30 in 1/`factor` of a second.
    #[must_use]
    pub fn faster(self, factor: u32) -> Self {
        Self {
            speed_up: factor.max(1),
            ..self
        }
    }

    /// The same limits shared through Redis.
    #[must_use]
    pub fn shared(self, redis: RedisLimits) -> Self {
        Self {
            redis: Some(redis),
            ..self
        }
    }

    /// The rule for `count` sends per `period_us` (None: unlimited).
    fn rule(count: u32, period_us: i64) -> Option<Rule> {
        (count > 0).then(|| Rule::new(count, period_us))
    }

    /// The windows a send to `chat` falls in.
    fn keys(&self, chat: i64) -> Vec<(Key, Rule)> {
        let second = 1_000_000 / i64::from(self.speed_up.max(1));
        let mut keys = Vec::with_capacity(2);
        if let Some(rule) = Self::rule(self.per_second, second) {
            keys.push((Key::Bot, rule));
        }
        let chat_rule = if chat < 0 {
            Self::rule(self.per_group_per_minute, 60 * second)
        } else {
            Self::rule(self.per_chat_per_second, second)
        };
        if let Some(rule) = chat_rule {
            keys.push((Key::Chat(chat), rule));
        }
        keys
    }
}

/// Whose send it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// A reply to a person's own update: takes its slot without waiting.
    Interactive,
    /// Notices and broadcasts: wait for a slot.
    Background,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Bot,
    Chat(i64),
}

/// One key's limit: at most `count` sends in any `window` microseconds (Telegram's period made
/// `SAFETY` longer), spread out one per `interval` (the period over the count) with up to
/// `burst` microseconds of catching up after a late wake-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    count: u32,
    window: i64,
    interval: i64,
    burst: i64,
}

/// Sends a late key may catch up at once (a late timer costs nothing up to this many intervals).
const CATCH_UP: u32 = 2;

impl Rule {
    fn new(count: u32, period_us: i64) -> Self {
        let interval = period_us / i64::from(count.max(1));
        Self {
            count,
            window: (period_us as f64 / SAFETY).ceil() as i64,
            interval,
            burst: interval * i64::from(CATCH_UP.min(count.saturating_sub(1))),
        }
    }
}

/// The limiter every send goes through. Cheap to clone; clones share the state.
#[derive(Clone)]
pub struct Limiter {
    limits: Arc<SendLimits>,
    local: Arc<Mutex<Windows>>,
    shared: Option<Arc<Shared>>,
    origin: tokio::time::Instant,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Limiter {
    /// A limiter for `limits`; with Redis configured it connects lazily, so a Redis that is
    /// down at start only means limiting in this process for now. Fails only on a malformed
    /// Redis URL.
    pub fn new(limits: SendLimits) -> Result<Self, redis::RedisError> {
        let shared = match &limits.redis {
            Some(r) => {
                let client = redis::Client::open(r.url.as_str())?;
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_response_timeout(Some(REDIS_TIMEOUT))
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_number_of_retries(1);
                Some(Arc::new(Shared {
                    conn: client.get_connection_manager_lazy(config)?,
                    prefix: r.prefix.clone(),
                    down: AtomicBool::new(false),
                    connected: AtomicBool::new(false),
                }))
            }
            None => None,
        };
        Ok(Self {
            limits: Arc::new(limits),
            local: Arc::new(Mutex::new(Windows::default())),
            shared,
            origin: tokio::time::Instant::now(),
        })
    }

    /// A limiter with no limits (tests and tools that talk to no real Telegram).
    pub fn unlimited() -> Self {
        Self {
            limits: Arc::new(SendLimits::UNLIMITED),
            local: Arc::new(Mutex::new(Windows::default())),
            shared: None,
            origin: tokio::time::Instant::now(),
        }
    }

    pub fn limits(&self) -> &SendLimits {
        &self.limits
    }

    fn now_us(&self) -> i64 {
        i64::try_from(self.origin.elapsed().as_micros()).unwrap_or(i64::MAX)
    }

    /// Waits for a place to send one message to `chat` (an interactive send waits only for a
    /// pause Telegram asked for). Call `Permit::sent` when Telegram's answer is back.
    pub async fn acquire(&self, chat: i64, priority: Priority) -> Permit {
        let keys = self.limits.keys(chat);
        let force = priority == Priority::Interactive;
        loop {
            let wait = match self.try_take(&keys, force).await {
                Ok(taken) => {
                    return Permit {
                        limiter: self.clone(),
                        keys,
                        taken,
                    };
                }
                Err(wait) => wait,
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: the places when taken, else how long to wait before asking again.
    async fn try_take(&self, keys: &[(Key, Rule)], force: bool) -> Result<Taken, Duration> {
        if let Some(shared) = &self.shared {
            match tokio::time::timeout(shared.budget(), shared.take(keys, force)).await {
                Ok(Ok(taken)) => {
                    shared.came_back();
                    return taken.map(Taken::Shared);
                }
                Ok(Err(e)) => shared.went_down(&e),
                Err(_) => shared.went_down(&"timed out"),
            }
        }
        if keys.is_empty() && !self.paused_locally() {
            return Ok(Taken::Nothing);
        }
        let now = self.now_us();
        let mut windows = self.local.lock().unwrap_or_else(|p| p.into_inner());
        windows
            .take(keys, now, force)
            .map(|()| Taken::Local(now))
            .map_err(|us| Duration::from_micros(us.max(1).unsigned_abs()))
    }

    fn restamp_locally(&self, keys: &[(Key, Rule)], taken: i64) {
        let now = self.now_us();
        self.local
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .restamp(keys, taken, now);
    }

    fn paused_locally(&self) -> bool {
        let now = self.now_us();
        self.local
            .lock()
            .map(|g| g.paused_until > now)
            .unwrap_or(false)
    }

    /// Telegram said to wait `retry_after`: every send (of every process sharing the limiter)
    /// holds that long.
    pub async fn pause(&self, retry_after: Duration) {
        let until = self
            .now_us()
            .saturating_add(i64::try_from(retry_after.as_micros()).unwrap_or(i64::MAX));
        self.local
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pause(until);
        if let Some(shared) = &self.shared {
            match tokio::time::timeout(shared.budget(), shared.pause(retry_after)).await {
                Ok(Ok(())) => shared.came_back(),
                Ok(Err(e)) => shared.went_down(&e),
                Err(_) => shared.went_down(&"timed out"),
            }
        }
    }
}

/// Where a send's places were taken.
#[derive(Debug)]
enum Taken {
    /// No limit applies.
    Nothing,
    /// In this process, at this time.
    Local(i64),
    /// In Redis, under this name.
    Shared(i64),
}

/// A send's place in the windows. `sent` moves it to the moment Telegram's answer came back;
/// dropped without that (the send was abandoned), it moves to the moment of the drop.
#[must_use = "a permit's place must move to when the answer came back: call `sent`"]
#[derive(Debug)]
pub struct Permit {
    limiter: Limiter,
    keys: Vec<(Key, Rule)>,
    taken: Taken,
}

impl Permit {
    /// The answer to the send came back (or it failed): its places count from now.
    pub async fn sent(mut self) {
        match std::mem::replace(&mut self.taken, Taken::Nothing) {
            Taken::Nothing => {}
            Taken::Local(at) => self.limiter.restamp_locally(&self.keys, at),
            Taken::Shared(name) => restamp_shared(&self.limiter, &self.keys, name).await,
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.taken, Taken::Nothing) {
            Taken::Nothing => {}
            Taken::Local(at) => self.limiter.restamp_locally(&self.keys, at),
            Taken::Shared(name) => {
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let limiter = self.limiter.clone();
                    let keys = std::mem::take(&mut self.keys);
                    runtime.spawn(async move { restamp_shared(&limiter, &keys, name).await });
                }
            }
        }
    }
}

/// Moves shared places to Redis's now; when Redis does not answer, they stay where they were
/// taken (and the process's own windows carry on).
async fn restamp_shared(limiter: &Limiter, keys: &[(Key, Rule)], name: i64) {
    let Some(shared) = &limiter.shared else {
        return;
    };
    match tokio::time::timeout(REDIS_TIMEOUT, shared.restamp(keys, name)).await {
        Ok(Ok(())) => shared.came_back(),
        Ok(Err(e)) => shared.went_down(&e),
        Err(_) => shared.went_down(&"timed out"),
    }
}

#[cfg(test)]
mod tests {
    use super::windows::tests::most_in_window;
    use super::*;
    use std::sync::atomic::Ordering;

    const S: i64 = 1_000_000;

    #[tokio::test(start_paused = true)]
    async fn an_abandoned_permit_counts_from_when_it_was_dropped() {
        let limiter = Limiter::new(SendLimits::TELEGRAM).unwrap();
        let permit = limiter.acquire(9, Priority::Background).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(permit);
        let start = tokio::time::Instant::now();
        limiter.acquire(9, Priority::Background).await.sent().await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(1_000) && waited < Duration::from_millis(1_100),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn background_sends_wait_on_the_tokio_clock() {
        let limiter = Limiter::new(SendLimits::TELEGRAM).unwrap();
        let start = tokio::time::Instant::now();
        for chat in 1..=31 {
            limiter
                .acquire(chat, Priority::Background)
                .await
                .sent()
                .await;
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(990) && took < Duration::from_millis(1100),
            "{took:?}"
        );
        // A reply right now does not wait.
        let before = tokio::time::Instant::now();
        limiter
            .acquire(500, Priority::Interactive)
            .await
            .sent()
            .await;
        assert_eq!(before.elapsed(), Duration::ZERO);
        // A pause holds the next one.
        limiter.pause(Duration::from_secs(2)).await;
        let before = tokio::time::Instant::now();
        limiter
            .acquire(600, Priority::Background)
            .await
            .sent()
            .await;
        assert!(before.elapsed() >= Duration::from_secs(2));
    }

    /// A key prefix of this test's own on the shared Redis (127.0.0.1:6379).
    fn shared(limits: SendLimits, prefix: &str) -> Limiter {
        Limiter::new(limits.shared(RedisLimits {
            url: "redis://127.0.0.1:6379".into(),
            prefix: prefix.into(),
        }))
        .unwrap()
    }

    /// Per test and process; the keys expire about a second after their last use.
    fn unique_prefix(name: &str) -> String {
        format!("test-limits-{name}-{}", std::process::id())
    }

    #[tokio::test]
    async fn two_limiters_share_the_rate_through_redis() {
        // 30 a second, ten times faster: 30 per 100 ms for the two together.
        let limits = SendLimits {
            per_chat_per_second: 0,
            ..SendLimits::TELEGRAM.faster(10)
        };
        let prefix = unique_prefix("shared");
        let a = shared(limits.clone(), &prefix);
        let b = shared(limits, &prefix);
        let start = std::time::Instant::now();
        let mut times = Vec::new();
        for chat in 0..90 {
            let l = if chat % 2 == 0 { &a } else { &b };
            l.acquire(chat, Priority::Background).await.sent().await;
            times.push(i64::try_from(start.elapsed().as_micros()).unwrap());
        }
        assert!(!a.shared.as_ref().unwrap().down.load(Ordering::Relaxed));
        // 90 sends at 30 per 100 ms fill three windows: the last leaves two windows after the
        // first, and no 100 ms holds more than 30.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(200), "{took:?}");
        assert!(most_in_window(&times, S / 10) <= 31, "{times:?}");
        // A pause asked through one holds the other.
        a.pause(Duration::from_millis(300)).await;
        let before = std::time::Instant::now();
        b.acquire(1_000, Priority::Interactive).await.sent().await;
        assert!(
            before.elapsed() >= Duration::from_millis(250),
            "{:?}",
            before.elapsed()
        );
    }

    #[tokio::test]
    async fn an_interactive_reply_through_one_holds_back_the_others_background() {
        let limits = SendLimits {
            per_second: 0,
            ..SendLimits::TELEGRAM.faster(5)
        };
        let prefix = unique_prefix("reply");
        let a = shared(limits.clone(), &prefix);
        let b = shared(limits, &prefix);
        let start = std::time::Instant::now();
        a.acquire(7, Priority::Interactive).await.sent().await;
        a.acquire(7, Priority::Interactive).await.sent().await;
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "a reply never waits"
        );
        // Chat 7 had two sends in the same instant: the next background one waits until both
        // have left the window (about 204 ms at five times Telegram's speed).
        b.acquire(7, Priority::Background).await.sent().await;
        assert!(
            start.elapsed() >= Duration::from_millis(195),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn a_shared_place_counts_from_the_answer() {
        let limits = SendLimits {
            per_second: 0,
            ..SendLimits::TELEGRAM.faster(10)
        };
        let prefix = unique_prefix("answer");
        let a = shared(limits.clone(), &prefix);
        let b = shared(limits, &prefix);
        let permit = a.acquire(7, Priority::Background).await;
        // The answer takes 150 ms, longer than the 100 ms window.
        tokio::time::sleep(Duration::from_millis(150)).await;
        permit.sent().await;
        let answered = std::time::Instant::now();
        b.acquire(7, Priority::Background).await.sent().await;
        assert!(
            answered.elapsed() >= Duration::from_millis(95),
            "{:?}",
            answered.elapsed()
        );
        assert!(!b.shared.as_ref().unwrap().down.load(Ordering::Relaxed));
    }

    #[tokio::test]
    async fn without_redis_the_process_limits_on_its_own() {
        let limits = SendLimits::TELEGRAM.faster(10).shared(RedisLimits {
            // Nothing listens there.
            url: "redis://127.0.0.1:1".into(),
            prefix: "nobody".into(),
        });
        let l = Limiter::new(limits).unwrap();
        let start = std::time::Instant::now();
        for _ in 0..3 {
            l.acquire(5, Priority::Background).await.sent().await;
        }
        // One a second per chat at ten times the speed: two waits of about 100 ms.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(190), "{took:?}");
        assert!(l.shared.as_ref().unwrap().down.load(Ordering::Relaxed));
    }
}
