//! The windows shared through Redis: one sorted set per key, decided by Lua scripts on Redis's
//! clock.

use super::{CONNECT_TIMEOUT, Key, REDIS_TIMEOUT, Rule};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The windows in Redis: KEYS[1] is the pause key, KEYS[2] a counter that names each send, then
/// per limit a sorted set (scores: send times) and its spacing's theoretical arrival time;
/// ARGV[1] is 1 to force, then per limit its count, window, interval and burst, in
/// microseconds. Redis's clock decides, so processes on machines with different clocks agree.
/// Returns {microseconds to wait, 0}, or {0, the places' name} when they were taken.
const WINDOW_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return {paused * 1000, 0} end
local n = (#KEYS - 2) / 2
local wait = 0
local tats = {}
for i = 1, n do
  local set = KEYS[1 + 2 * i]
  local count = tonumber(ARGV[4 * i - 2])
  local window = tonumber(ARGV[4 * i - 1])
  local burst = tonumber(ARGV[4 * i + 1])
  redis.call('ZREMRANGEBYSCORE', set, '-inf', now - window)
  local k = redis.call('ZCARD', set)
  if k >= count then
    local oldest = redis.call('ZRANGE', set, k - count, k - count, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
  local tat = tonumber(redis.call('GET', KEYS[2 + 2 * i]) or '0')
  tats[i] = tat
  if tat - burst - now > wait then wait = tat - burst - now end
end
if wait > 0 and ARGV[1] == '0' then return {wait, 0} end
local name = redis.call('INCR', KEYS[2])
for i = 1, n do
  local window = tonumber(ARGV[4 * i - 1])
  local interval = tonumber(ARGV[4 * i])
  redis.call('ZADD', KEYS[1 + 2 * i], now, name)
  redis.call('PEXPIRE', KEYS[1 + 2 * i], math.floor(window / 1000) + 1000)
  local tat = math.max(tats[i], now) + interval
  redis.call('SET', KEYS[2 + 2 * i], string.format('%d', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
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

pub(super) struct Shared {
    pub(super) conn: redis::aio::ConnectionManager,
    pub(super) prefix: String,
    /// Whether the last call failed (logged once per outage, not per send).
    pub(super) down: AtomicBool,
    /// Whether a call has ever succeeded: the first one also connects (lazily), so it gets the
    /// connection timeout on top of the answer's; otherwise a worker's first sends, on a loaded
    /// machine, would fall back to a fresh local budget that the other processes already spent.
    pub(super) connected: AtomicBool,
}

impl Shared {
    fn key(&self, key: Key) -> String {
        match key {
            Key::Bot => format!("{}:tg:bot", self.prefix),
            Key::Chat(id) => format!("{}:tg:chat:{id}", self.prefix),
        }
    }

    /// Ok(Ok(name)) when the places were taken, Ok(Err(wait)) when not yet.
    pub(super) async fn take(
        &self,
        keys: &[(Key, Rule)],
        force: bool,
    ) -> Result<Result<i64, Duration>, redis::RedisError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(WINDOW_SCRIPT)
            .arg(2 * keys.len() + 2)
            .arg(format!("{}:tg:pause", self.prefix))
            .arg(format!("{}:tg:seq", self.prefix));
        for (key, _) in keys {
            // The sorted set, then its spacing's key.
            let set = self.key(*key);
            let tat = format!("{set}:tat");
            cmd.arg(set).arg(tat);
        }
        cmd.arg(if force { 1 } else { 0 });
        for (_, rule) in keys {
            cmd.arg(rule.count)
                .arg(rule.window)
                .arg(rule.interval)
                .arg(rule.burst);
        }
        let mut conn = self.conn.clone();
        let (wait, name): (i64, i64) = cmd.query_async(&mut conn).await?;
        Ok(if wait > 0 {
            Err(Duration::from_micros(wait.unsigned_abs()))
        } else {
            Ok(name)
        })
    }

    pub(super) async fn restamp(
        &self,
        keys: &[(Key, Rule)],
        name: i64,
    ) -> Result<(), redis::RedisError> {
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

    pub(super) async fn pause(&self, d: Duration) -> Result<(), redis::RedisError> {
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
    pub(super) fn budget(&self) -> Duration {
        if self.connected.load(Ordering::Relaxed) || self.down.load(Ordering::Relaxed) {
            REDIS_TIMEOUT
        } else {
            CONNECT_TIMEOUT + REDIS_TIMEOUT
        }
    }

    pub(super) fn went_down(&self, e: &dyn std::fmt::Display) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = %e, "the shared Telegram limiter (Redis) is not answering; limiting in this process");
        }
    }

    pub(super) fn came_back(&self) {
        self.connected.store(true, Ordering::Relaxed);
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("the shared Telegram limiter (Redis) answers again");
        }
    }
}
