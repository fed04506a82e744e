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
//! Why a window and not a paced schedule (a GCRA): a paced sender loses for good every moment a
//! timer wakes it late, one send after another; in a window only that one send's place comes
//! back later, once per window. Thirty sends may leave together, as Telegram allows.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Our windows are Telegram's divided by this: 1 % longer, room for clocks that do not tick
/// alike (ours, Redis's, Telegram's).
const SAFETY: f64 = 0.99;
/// Redis calls give up after this; the in-process limiter decides instead.
const REDIS_TIMEOUT: Duration = Duration::from_millis(100);
/// How long connecting to Redis may take: the first call waits this long on top of the answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Chat entries are swept when the map grows past this (entries whose sends all left their
/// window mean nothing).
const SWEEP_AT: usize = 10_000;

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
    /// Keys are `{prefix}:tg:bot`, `{prefix}:tg:chat:{id}`, `{prefix}:tg:pause` and
    /// `{prefix}:tg:seq`.
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
/// `SAFETY` longer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    count: u32,
    window: i64,
}

impl Rule {
    fn new(count: u32, period_us: i64) -> Self {
        Self {
            count,
            window: (period_us as f64 / SAFETY).ceil() as i64,
        }
    }
}

/// The in-process windows: each key's recent send times (microseconds on the limiter's clock),
/// oldest first, and the end of a pause Telegram asked for. Pure: the caller says what time it
/// is.
#[derive(Debug, Default)]
struct Windows {
    sends: HashMap<Key, Sends>,
    paused_until: i64,
}

/// One key's sends still in its window, oldest first, and the window's length.
#[derive(Debug)]
struct Sends {
    window: i64,
    times: VecDeque<i64>,
}

impl Windows {
    /// Takes a place in every key's window at `now`, or says how long to wait. `force` takes
    /// the places anyway (an interactive reply): the background sends then wait for them to
    /// leave; a pause holds every send.
    fn take(&mut self, keys: &[(Key, Rule)], now: i64, force: bool) -> Result<(), i64> {
        if self.paused_until > now {
            return Err(self.paused_until - now);
        }
        let mut wait = 0;
        for (key, rule) in keys {
            if let Some(sends) = self.sends.get_mut(key) {
                wait = wait.max(room_in(&mut sends.times, *rule, now));
            }
        }
        if wait > 0 && !force {
            return Err(wait);
        }
        for (key, rule) in keys {
            let sends = self.sends.entry(*key).or_insert_with(|| Sends {
                window: rule.window,
                times: VecDeque::with_capacity(rule.count as usize),
            });
            sends.window = rule.window;
            sends.times.push_back(now);
        }
        if self.sends.len() > SWEEP_AT {
            self.sends
                .retain(|_, s| s.times.back().is_some_and(|t| now - t < s.window));
        }
        Ok(())
    }

    /// Moves the places taken at `taken` to `answered` (the send's answer came back then).
    fn restamp(&mut self, keys: &[(Key, Rule)], taken: i64, answered: i64) {
        for (key, rule) in keys {
            let sends = self.sends.entry(*key).or_insert_with(|| Sends {
                window: rule.window,
                times: VecDeque::new(),
            });
            if let Some(at) = sends.times.iter().rposition(|t| *t == taken) {
                sends.times.remove(at);
            }
            // Times stay in order: the answer is usually the latest thing that happened.
            let at = sends.times.partition_point(|t| *t <= answered);
            sends.times.insert(at, answered);
        }
    }

    fn pause(&mut self, until: i64) {
        self.paused_until = self.paused_until.max(until);
    }
}

/// Forgets the sends that left `rule`'s window by `now`, and says how long until one more fits
/// (0: it fits now).
fn room_in(times: &mut VecDeque<i64>, rule: Rule, now: i64) -> i64 {
    while times.front().is_some_and(|t| now - t >= rule.window) {
        times.pop_front();
    }
    let count = rule.count as usize;
    if times.len() < count {
        return 0;
    }
    // The send whose leaving makes room: with more than `count` in (replies that did not
    // wait), the later ones must leave too.
    times
        .get(times.len() - count)
        .map_or(0, |t| t + rule.window - now)
}

/// The windows in Redis: KEYS[1] is the pause key, KEYS[2] a counter that names each send, then
/// one sorted set per limit (scores: send times); ARGV[1] is 1 to force, then the count and the
/// window of each limit key, in microseconds. Redis's clock decides, so processes on machines
/// with different clocks agree. Returns {microseconds to wait, 0}, or {0, the places' name}
/// when they were taken.
const WINDOW_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return {paused * 1000, 0} end
local wait = 0
for i = 3, #KEYS do
  local count = tonumber(ARGV[2 * i - 4])
  local window = tonumber(ARGV[2 * i - 3])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[i])
  if n >= count then
    local oldest = redis.call('ZRANGE', KEYS[i], n - count, n - count, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 and ARGV[1] == '0' then return {wait, 0} end
local name = redis.call('INCR', KEYS[2])
for i = 3, #KEYS do
  local window = tonumber(ARGV[2 * i - 3])
  redis.call('ZADD', KEYS[i], now, name)
  redis.call('PEXPIRE', KEYS[i], math.floor(window / 1000) + 1000)
end
return {0, name}
";

/// Moves places to Redis's now: KEYS are the limit keys, ARGV[1] the places' name, then each
/// key's window in microseconds.
const RESTAMP_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 1, #KEYS do
  local window = tonumber(ARGV[i + 1])
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], math.floor(window / 1000) + 1000)
end
return 0
";

struct Shared {
    conn: redis::aio::ConnectionManager,
    prefix: String,
    /// Whether the last call failed (logged once per outage, not per send).
    down: AtomicBool,
    /// Whether a call has ever succeeded: the first one also connects (lazily), so it gets the
    /// connection timeout on top of the answer's; otherwise a worker's first sends, on a loaded
    /// machine, would fall back to a fresh local budget that the other processes already spent.
    connected: AtomicBool,
}

impl Shared {
    fn key(&self, key: Key) -> String {
        match key {
            Key::Bot => format!("{}:tg:bot", self.prefix),
            Key::Chat(id) => format!("{}:tg:chat:{id}", self.prefix),
        }
    }

    /// Ok(Ok(name)) when the places were taken, Ok(Err(wait)) when not yet.
    async fn take(
        &self,
        keys: &[(Key, Rule)],
        force: bool,
    ) -> Result<Result<i64, Duration>, redis::RedisError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(WINDOW_SCRIPT)
            .arg(keys.len() + 2)
            .arg(format!("{}:tg:pause", self.prefix))
            .arg(format!("{}:tg:seq", self.prefix));
        for (key, _) in keys {
            cmd.arg(self.key(*key));
        }
        cmd.arg(if force { 1 } else { 0 });
        for (_, rule) in keys {
            cmd.arg(rule.count).arg(rule.window);
        }
        let mut conn = self.conn.clone();
        let (wait, name): (i64, i64) = cmd.query_async(&mut conn).await?;
        Ok(if wait > 0 {
            Err(Duration::from_micros(wait.unsigned_abs()))
        } else {
            Ok(name)
        })
    }

    async fn restamp(&self, keys: &[(Key, Rule)], name: i64) -> Result<(), redis::RedisError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(RESTAMP_SCRIPT).arg(keys.len());
        for (key, _) in keys {
            cmd.arg(self.key(*key));
        }
        cmd.arg(name);
        for (_, rule) in keys {
            cmd.arg(rule.window);
        }
        let mut conn = self.conn.clone();
        cmd.query_async::<()>(&mut conn).await
    }

    async fn pause(&self, d: Duration) -> Result<(), redis::RedisError> {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut conn = self.conn.clone();
        redis::cmd("SET")
            .arg(format!("{}:tg:pause", self.prefix))
            .arg(1)
            .arg("PX")
            .arg(ms)
            .query_async::<()>(&mut conn)
            .await
    }

    /// How long to wait for Redis's answer.
    fn budget(&self) -> Duration {
        if self.connected.load(Ordering::Relaxed) || self.down.load(Ordering::Relaxed) {
            REDIS_TIMEOUT
        } else {
            CONNECT_TIMEOUT + REDIS_TIMEOUT
        }
    }

    fn went_down(&self, e: &dyn std::fmt::Display) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = %e, "the shared Telegram limiter (Redis) is not answering; limiting in this process");
        }
    }

    fn came_back(&self) {
        self.connected.store(true, Ordering::Relaxed);
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("the shared Telegram limiter (Redis) answers again");
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
    use super::*;

    const S: i64 = 1_000_000;

    fn keys(limits: &SendLimits, chat: i64) -> Vec<(Key, Rule)> {
        limits.keys(chat)
    }

    /// Sends `n` background messages to distinct chats as early as the windows let them, each
    /// wait overslept by `late` microseconds (a timer's granularity), and returns their times.
    fn schedule_late(limits: &SendLimits, n: usize, late: i64) -> Vec<i64> {
        let mut w = Windows::default();
        let mut now = 0;
        let mut times = Vec::new();
        for chat in 0..n {
            let k = keys(limits, chat as i64 + 1);
            loop {
                match w.take(&k, now, false) {
                    Ok(()) => break,
                    Err(wait) => now += wait + late,
                }
            }
            times.push(now);
        }
        times
    }

    fn schedule(limits: &SendLimits, n: usize) -> Vec<i64> {
        schedule_late(limits, n, 0)
    }

    /// The most sends in any window of `window` microseconds (Telegram's sliding count).
    fn most_in_window(times: &[i64], window: i64) -> usize {
        let mut most = 0;
        let mut start = 0;
        for end in 0..times.len() {
            while times[end] - times[start] >= window {
                start += 1;
            }
            most = most.max(end - start + 1);
        }
        most
    }

    /// Sends per second over the run: `times.len()` sends in the windows they filled.
    fn rate(times: &[i64], window: i64) -> f64 {
        let last = times.last().copied().unwrap_or(0);
        times.len() as f64 / ((last - times[0] + window) as f64 / S as f64)
    }

    #[test]
    fn the_bot_sends_at_most_thirty_in_any_second_and_nearly_thirty() {
        let times = schedule(&SendLimits::TELEGRAM, 300);
        assert_eq!(most_in_window(&times, S), 30);
        let rate = rate(&times, S);
        assert!((29.25..=30.0).contains(&rate), "{rate} a second");
    }

    #[test]
    fn faster_limits_keep_the_ratios() {
        let times = schedule(&SendLimits::TELEGRAM.faster(20), 2_010);
        assert_eq!(most_in_window(&times, S / 20), 30);
        let rate = rate(&times, S / 20);
        assert!((585.0..=600.0).contains(&rate), "{rate} a second");
    }

    #[test]
    fn a_late_wake_up_costs_only_its_own_place_once() {
        // Ten times Telegram's speed (a window of about 102 ms), every wait overslept by a
        // millisecond, as tokio's timer does: the rate stays near the limit (a paced sender
        // would lose the millisecond on every send: 3.4 ms a send instead of 3.4 + 1).
        let limits = SendLimits::TELEGRAM.faster(10);
        let times = schedule_late(&limits, 3_000, 1_000);
        assert!(most_in_window(&times, S / 10) <= 30);
        let rate = rate(&times, S / 10);
        assert!(rate >= 0.965 * 300.0, "{rate} a second of 300");
    }

    #[test]
    fn one_message_a_second_per_chat_and_twenty_a_minute_per_group() {
        let limits = SendLimits {
            per_second: 0,
            ..SendLimits::TELEGRAM
        };
        let mut w = Windows::default();
        let chat = keys(&limits, 42);
        assert_eq!(w.take(&chat, 0, false), Ok(()));
        let wait = w.take(&chat, S / 2, false).unwrap_err();
        assert!(wait > S / 2 && wait < S / 2 + S / 25, "{wait}");
        // Another chat is not held back.
        assert_eq!(w.take(&keys(&limits, 43), S / 2, false), Ok(()));

        let group = keys(&limits, -100);
        let mut now = 0;
        let mut times = Vec::new();
        for _ in 0..40 {
            loop {
                match w.take(&group, now, false) {
                    Ok(()) => break,
                    Err(wait) => now += wait,
                }
            }
            times.push(now);
        }
        assert_eq!(most_in_window(&times, 60 * S), 20);
        assert!(times[20] - times[0] <= 62 * S, "{}", times[20]);
    }

    #[test]
    fn an_interactive_reply_never_waits_and_background_sends_wait_for_it_to_leave() {
        let limits = SendLimits::TELEGRAM;
        let window = keys(&limits, 1)[0].1.window;
        let mut w = Windows::default();
        // 35 replies a millisecond apart, to 35 people: none waits, though 30 fill the window.
        for i in 0..35 {
            assert_eq!(w.take(&keys(&limits, 100 + i), i * 1_000, true), Ok(()));
        }
        // The next background send waits until the sixth reply has left the window: then the
        // window holds 29.
        let now = 35_000;
        assert_eq!(
            w.take(&keys(&limits, 2), now, false),
            Err(5_000 + window - now)
        );
        assert_eq!(w.take(&keys(&limits, 2), 5_000 + window, false), Ok(()));
    }

    #[test]
    fn a_place_counts_from_the_answer_not_from_the_decision() {
        let limits = SendLimits::TELEGRAM;
        let chat = keys(&limits, 42);
        let window = chat[1].1.window;
        let mut w = Windows::default();
        assert_eq!(w.take(&chat, 0, false), Ok(()));
        // Telegram answered 80 ms later: it counted the message somewhere in between.
        w.restamp(&chat, 0, 80_000);
        assert_eq!(w.take(&chat, window, false), Err(80_000));
        assert_eq!(w.take(&chat, 80_000 + window, false), Ok(()));
        // Out-of-order answers keep the times in order.
        let bot = &chat[..1];
        let mut w = Windows::default();
        for t in [10, 20, 30] {
            assert_eq!(w.take(bot, t, false), Ok(()));
        }
        w.restamp(bot, 10, 500);
        w.restamp(bot, 30, 400);
        let times: Vec<i64> = w.sends[&Key::Bot].times.iter().copied().collect();
        assert_eq!(times, [20, 400, 500]);
    }

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

    #[test]
    fn a_pause_holds_every_send_even_a_reply() {
        let mut w = Windows::default();
        let k = keys(&SendLimits::TELEGRAM, 1);
        w.pause(3 * S);
        assert_eq!(w.take(&k, S, false), Err(2 * S));
        assert_eq!(w.take(&k, S, true), Err(2 * S));
        assert_eq!(w.take(&k, 3 * S, false), Ok(()));
    }

    #[test]
    fn zero_is_unlimited() {
        assert!(SendLimits::UNLIMITED.keys(5).is_empty());
        assert!(SendLimits::UNLIMITED.keys(-5).is_empty());
        let mut w = Windows::default();
        for _ in 0..1000 {
            assert_eq!(w.take(&[], 0, false), Ok(()));
        }
    }

    #[test]
    fn old_chats_are_forgotten() {
        let limits = SendLimits::TELEGRAM.faster(1000);
        let mut w = Windows::default();
        let mut now = 0;
        for chat in 0..(SWEEP_AT as i64 + 10) {
            while let Err(wait) = w.take(&keys(&limits, chat + 1), now, false) {
                now += wait;
            }
        }
        assert!(w.sends.len() <= SWEEP_AT, "{}", w.sends.len());
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
