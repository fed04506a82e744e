//! Telegram's flood limits for every message the bot sends (about 30 a second per bot, one a
//! second per private chat, 20 a minute per group), kept by a GCRA limiter: in this process by
//! default, shared by every process through Redis when it is configured (one key per bot and per
//! chat under a prefix, decided by one Lua script). Background sends wait for their slot; an
//! interactive reply takes its slot at once, pushing the background sends back. A 429's
//! `retry_after` pauses every send. A Redis failure never fails a send: the in-process limiter
//! takes over until Redis answers again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The limiter keeps this share of each limit, so the small delays between our clock and the
/// moment Telegram counts a message (scheduling, the network) never add up to a burst over it.
const SAFETY: f64 = 0.98;
/// Redis calls give up after this; the in-process limiter decides instead.
const REDIS_TIMEOUT: Duration = Duration::from_millis(100);
/// How long connecting to Redis may take: the first call waits this long on top of the answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Chat entries are swept when the map grows past this (entries in the past mean nothing).
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
    /// Keys are `{prefix}:tg:bot`, `{prefix}:tg:chat:{id}` and `{prefix}:tg:pause`.
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
    fn interval(count: u32, period_us: i64) -> Option<Rule> {
        (count > 0).then(|| Rule::new(count, period_us))
    }

    /// The GCRA keys a send to `chat` takes, with their emission intervals.
    fn keys(&self, chat: i64) -> Vec<(Key, Rule)> {
        let second = 1_000_000 / i64::from(self.speed_up.max(1));
        let mut keys = Vec::with_capacity(2);
        if let Some(rule) = Self::interval(self.per_second, second) {
            keys.push((Key::Bot, rule));
        }
        let chat_rule = if chat < 0 {
            Self::interval(self.per_group_per_minute, 60 * second)
        } else {
            Self::interval(self.per_chat_per_second, second)
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

/// One key's emission interval and how late a send may be and still keep its place in the
/// schedule (timers wake a little late; without it every late wake-up would be lost for good).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    interval: i64,
    catch_up: i64,
}

impl Rule {
    fn new(count: u32, period_us: i64) -> Self {
        let period = period_us as f64;
        let interval = (period / (f64::from(count) * SAFETY)).ceil() as i64;
        // Half the slack SAFETY leaves over one period (count × interval − period): a send late
        // by less keeps its place, and a period still never holds more than `count` (the other
        // half absorbs the delay between our clock and Telegram's count).
        let slack = (period * (1.0 / SAFETY - 1.0) / 2.0) as i64;
        Self {
            interval,
            catch_up: slack.clamp(0, interval),
        }
    }
}

/// The GCRA state: each key's theoretical arrival time (microseconds on the limiter's clock),
/// and the end of a pause Telegram asked for. Pure: the caller says what time it is.
#[derive(Debug, Default)]
struct Gcra {
    tats: HashMap<Key, i64>,
    paused_until: i64,
}

impl Gcra {
    /// Takes a slot on every key at `now`, or says how long to wait. `force` takes the slots
    /// anyway (an interactive reply), moving the keys' schedule later for everyone else; a
    /// pause holds every send.
    fn take(&mut self, keys: &[(Key, Rule)], now: i64, force: bool) -> Result<(), i64> {
        if self.paused_until > now {
            return Err(self.paused_until - now);
        }
        let wait = keys
            .iter()
            .map(|(k, _)| {
                self.tats
                    .get(k)
                    .map_or(i64::MIN, |tat| tat.saturating_sub(now))
            })
            .max()
            .unwrap_or(0);
        if wait > 0 && !force {
            return Err(wait);
        }
        for (key, rule) in keys {
            let tat = self.tats.get(key).copied().unwrap_or(i64::MIN);
            let start = tat.max(now.saturating_sub(rule.catch_up));
            self.tats.insert(*key, start.saturating_add(rule.interval));
        }
        if self.tats.len() > SWEEP_AT {
            self.tats.retain(|_, tat| *tat > now);
        }
        Ok(())
    }

    fn pause(&mut self, until: i64) {
        self.paused_until = self.paused_until.max(until);
    }
}

/// The GCRA in Redis: KEYS[1] is the pause key, then one key per limit; ARGV[1] is 1 to force,
/// then the interval and catch-up of each limit key, in microseconds. Redis's clock decides, so
/// processes on machines with different clocks agree. Returns the microseconds to wait, 0 when
/// the slots were taken.
const GCRA_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused * 1000 end
local wait = 0
local tats = {}
for i = 2, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  tats[i] = tat
  if tat - now > wait then wait = tat - now end
end
if wait > 0 and ARGV[1] == '0' then return wait end
for i = 2, #KEYS do
  local interval = tonumber(ARGV[2 * i - 2])
  local catch_up = tonumber(ARGV[2 * i - 1])
  local tat = math.max(tats[i], now - catch_up) + interval
  redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
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

    async fn take(&self, keys: &[(Key, Rule)], force: bool) -> Result<Duration, redis::RedisError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(GCRA_SCRIPT)
            .arg(keys.len() + 1)
            .arg(format!("{}:tg:pause", self.prefix));
        for (key, _) in keys {
            cmd.arg(self.key(*key));
        }
        cmd.arg(if force { 1 } else { 0 });
        for (_, rule) in keys {
            cmd.arg(rule.interval).arg(rule.catch_up);
        }
        let mut conn = self.conn.clone();
        let wait: i64 = cmd.query_async(&mut conn).await?;
        Ok(Duration::from_micros(wait.max(0).unsigned_abs()))
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
    local: Arc<Mutex<Gcra>>,
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
            local: Arc::new(Mutex::new(Gcra::default())),
            shared,
            origin: tokio::time::Instant::now(),
        })
    }

    /// A limiter with no limits (tests and tools that talk to no real Telegram).
    pub fn unlimited() -> Self {
        Self {
            limits: Arc::new(SendLimits::UNLIMITED),
            local: Arc::new(Mutex::new(Gcra::default())),
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

    /// Waits for a slot to send one message to `chat` (an interactive send waits only for a
    /// pause Telegram asked for).
    pub async fn acquire(&self, chat: i64, priority: Priority) {
        let keys = self.limits.keys(chat);
        let force = priority == Priority::Interactive;
        loop {
            let wait = match self.try_take(&keys, force).await {
                Ok(()) => return,
                Err(wait) => wait,
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: Ok when the slot is taken, else how long to wait before asking again.
    async fn try_take(&self, keys: &[(Key, Rule)], force: bool) -> Result<(), Duration> {
        if let Some(shared) = &self.shared {
            match tokio::time::timeout(shared.budget(), shared.take(keys, force)).await {
                Ok(Ok(wait)) => {
                    shared.came_back();
                    return if wait.is_zero() { Ok(()) } else { Err(wait) };
                }
                Ok(Err(e)) => shared.went_down(&e),
                Err(_) => shared.went_down(&"timed out"),
            }
        }
        if keys.is_empty() && !self.paused_locally() {
            return Ok(());
        }
        let now = self.now_us();
        let mut gcra = self.local.lock().unwrap_or_else(|p| p.into_inner());
        gcra.take(keys, now, force)
            .map_err(|us| Duration::from_micros(us.max(1).unsigned_abs()))
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

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;

    fn keys(limits: &SendLimits, chat: i64) -> Vec<(Key, Rule)> {
        limits.keys(chat)
    }

    /// Sends `n` background messages to distinct chats as early as the GCRA lets them, and
    /// returns their times.
    fn schedule(limits: &SendLimits, n: usize) -> Vec<i64> {
        let mut g = Gcra::default();
        let mut now = 0;
        let mut times = Vec::new();
        for chat in 0..n {
            let k = keys(limits, chat as i64 + 1);
            loop {
                match g.take(&k, now, false) {
                    Ok(()) => break,
                    Err(wait) => now += wait,
                }
            }
            times.push(now);
        }
        times
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

    #[test]
    fn the_bot_sends_at_most_thirty_in_any_second_and_nearly_thirty() {
        let times = schedule(&SendLimits::TELEGRAM, 300);
        assert!(most_in_window(&times, S) <= 30);
        let span = (times[299] - times[0]) as f64 / S as f64;
        let rate = 299.0 / span;
        assert!((29.25..=30.0).contains(&rate), "{rate} a second");
    }

    #[test]
    fn faster_limits_keep_the_ratios() {
        let times = schedule(&SendLimits::TELEGRAM.faster(20), 2_000);
        assert!(most_in_window(&times, S / 20) <= 30);
        let rate = 1_999.0 / ((times[1_999] - times[0]) as f64 / S as f64);
        assert!((585.0..=600.0).contains(&rate), "{rate} a second");
    }

    #[test]
    fn late_wake_ups_keep_their_place_within_the_catch_up() {
        let limits = SendLimits::TELEGRAM;
        let k = keys(&limits, 5);
        let interval = k[0].1.interval;
        let mut g = Gcra::default();
        let mut g2 = Gcra::default();
        assert_eq!(g.take(&k, 0, false), Ok(()));
        // A chat key of its own each time, so only the bot's key counts.
        let other = |c| keys(&limits, c);
        assert_eq!(g2.take(&other(1), 0, false), Ok(()));
        // Woken 200 µs late: the next slot is still one interval after the first.
        assert_eq!(g2.take(&other(2), interval + 200, false), Ok(()));
        assert_eq!(
            g2.take(&other(3), 2 * interval, false),
            Ok(()),
            "the late wake-up did not push the schedule"
        );
    }

    #[test]
    fn one_message_a_second_per_chat_and_twenty_a_minute_per_group() {
        let limits = SendLimits {
            per_second: 0,
            ..SendLimits::TELEGRAM
        };
        let mut g = Gcra::default();
        let chat = keys(&limits, 42);
        assert_eq!(g.take(&chat, 0, false), Ok(()));
        let wait = g.take(&chat, S / 2, false).unwrap_err();
        assert!(wait > S / 2 && wait < S / 2 + S / 50, "{wait}");
        // Another chat is not held back.
        assert_eq!(g.take(&keys(&limits, 43), S / 2, false), Ok(()));

        let group = keys(&limits, -100);
        let mut now = 0;
        let mut times = Vec::new();
        for _ in 0..40 {
            loop {
                match g.take(&group, now, false) {
                    Ok(()) => break,
                    Err(w) => now += w,
                }
            }
            times.push(now);
        }
        assert!(most_in_window(&times, 60 * S) <= 20);
        assert!(times[20] - times[0] <= 62 * S, "{}", times[20]);
    }

    #[test]
    fn an_interactive_reply_never_waits_and_background_sends_make_room() {
        let limits = SendLimits::TELEGRAM;
        let mut g = Gcra::default();
        let interval = keys(&limits, 1)[0].1.interval;
        assert_eq!(g.take(&keys(&limits, 1), 0, false), Ok(()));
        // Ten replies at the same instant: none waits.
        for chat in 100..110 {
            assert_eq!(g.take(&keys(&limits, chat), 0, true), Ok(()));
        }
        // The next background send waits for the slots the replies took.
        let wait = g.take(&keys(&limits, 2), 0, false).unwrap_err();
        assert!(wait >= 10 * interval, "{wait} < {}", 11 * interval);
    }

    #[test]
    fn a_pause_holds_every_send_even_a_reply() {
        let mut g = Gcra::default();
        let k = keys(&SendLimits::TELEGRAM, 1);
        g.pause(3 * S);
        assert_eq!(g.take(&k, S, false), Err(2 * S));
        assert_eq!(g.take(&k, S, true), Err(2 * S));
        assert_eq!(g.take(&k, 3 * S, false), Ok(()));
    }

    #[test]
    fn zero_is_unlimited() {
        assert!(SendLimits::UNLIMITED.keys(5).is_empty());
        assert!(SendLimits::UNLIMITED.keys(-5).is_empty());
        let mut g = Gcra::default();
        for _ in 0..1000 {
            assert_eq!(g.take(&[], 0, false), Ok(()));
        }
    }

    #[test]
    fn old_chats_are_forgotten() {
        let limits = SendLimits::TELEGRAM.faster(1000);
        let mut g = Gcra::default();
        let mut now = 0;
        for chat in 0..(SWEEP_AT as i64 + 10) {
            while let Err(w) = g.take(&keys(&limits, chat + 1), now, false) {
                now += w;
            }
        }
        assert!(g.tats.len() <= SWEEP_AT, "{}", g.tats.len());
    }

    #[tokio::test(start_paused = true)]
    async fn background_sends_wait_on_the_tokio_clock() {
        let limiter = Limiter::new(SendLimits::TELEGRAM).unwrap();
        let start = tokio::time::Instant::now();
        for chat in 1..=31 {
            limiter.acquire(chat, Priority::Background).await;
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(990) && took < Duration::from_millis(1100),
            "{took:?}"
        );
        // A reply right now does not wait.
        let before = tokio::time::Instant::now();
        limiter.acquire(500, Priority::Interactive).await;
        assert_eq!(before.elapsed(), Duration::ZERO);
        // A pause holds the next one.
        limiter.pause(Duration::from_secs(2)).await;
        let before = tokio::time::Instant::now();
        limiter.acquire(600, Priority::Background).await;
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
            l.acquire(chat, Priority::Background).await;
            times.push(i64::try_from(start.elapsed().as_micros()).unwrap());
        }
        assert!(!a.shared.as_ref().unwrap().down.load(Ordering::Relaxed));
        // 90 sends at 30 per 100 ms take at least about 300 ms, and no 100 ms holds more than 30.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(290), "{took:?}");
        assert!(most_in_window(&times, S / 10) <= 31, "{times:?}");
        // A pause asked through one holds the other.
        a.pause(Duration::from_millis(300)).await;
        let before = std::time::Instant::now();
        b.acquire(1_000, Priority::Interactive).await;
        assert!(
            before.elapsed() >= Duration::from_millis(250),
            "{:?}",
            before.elapsed()
        );
    }

    #[tokio::test]
    async fn an_interactive_reply_through_one_pushes_back_the_others_background() {
        let limits = SendLimits {
            per_second: 0,
            ..SendLimits::TELEGRAM.faster(5)
        };
        let prefix = unique_prefix("reply");
        let a = shared(limits.clone(), &prefix);
        let b = shared(limits, &prefix);
        let start = std::time::Instant::now();
        a.acquire(7, Priority::Interactive).await;
        a.acquire(7, Priority::Interactive).await;
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "a reply never waits"
        );
        // Chat 7 had two sends in the same instant: the next background one waits two slots
        // (200 ms each at five times Telegram's speed).
        b.acquire(7, Priority::Background).await;
        assert!(
            start.elapsed() >= Duration::from_millis(350),
            "{:?}",
            start.elapsed()
        );
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
            l.acquire(5, Priority::Background).await;
        }
        // One a second per chat at ten times the speed: two waits of about 100 ms.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(190), "{took:?}");
        assert!(l.shared.as_ref().unwrap().down.load(Ordering::Relaxed));
    }
}
