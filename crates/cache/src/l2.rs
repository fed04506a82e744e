//! The shared tier (L2): the Redis calls the cache makes, each under the configured timeout,
//! on one multiplexed connection that reconnects by itself; plus the pub/sub connection.
//!
//! Keys: `{prefix}:v1:{kind}:{key}` for values, `{prefix}:v1:stats` for the counters summed over
//! processes; the invalidation channel is `{prefix}:v1:invalidate`.

use crate::config::{Kind, RedisConfig};
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubSink, PubSubStream};
use redis::{Client, RedisError, Value};
use std::future::Future;
use std::time::Duration;

/// Version of the key layout; bumped with the layout so that old and new builds never read each
/// other's keys.
const KEY_VERSION: &str = "v1";

/// Bulk calls (flush's SCAN and UNLINK, the stats hash) serve an operator or a background
/// task, not a request: they may take longer than the request timeout.
const BULK_TIMEOUT: Duration = Duration::from_secs(2);

/// Connecting (the subscription, or the first command) may take longer than a command.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Keys per SCAN step and per UNLINK.
const SCAN_BATCH: usize = 500;
/// How long the shared statistics outlive the last process that added to them.
const STATS_KEPT_SECONDS: u64 = 30 * 86_400;

/// Writes a fill over a value that could not be read (another build's, or garbage), only if
/// that value is still there: a tombstone written meanwhile must win. A key that is gone is
/// filled as SET NX would.
const REPLACE_SCRIPT: &str = r"
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return false
";

/// Why a Redis call gave nothing.
#[derive(Debug, thiserror::Error)]
pub(crate) enum L2Error {
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("Redis answered with an error")]
    Redis(#[from] RedisError),
    #[error("no Redis is configured")]
    NotConfigured,
}

/// The Redis side of one cache.
pub(crate) struct RedisTier {
    client: Client,
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
    channel: String,
    stats_key: String,
}

impl RedisTier {
    /// Builds the tier without connecting: the connection is made on first use and remade
    /// whenever it drops, so an unreachable Redis at start is only a miss.
    pub(crate) fn new(config: &RedisConfig) -> Result<Self, L2Error> {
        let client = Client::open(config.url.as_str())?;
        let manager_config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(config.timeout))
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            // Few, short retries: our calls give up after `timeout` anyway, and the next call
            // after a failure starts a new reconnection.
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = client.get_connection_manager_lazy(manager_config)?;
        Ok(RedisTier {
            client,
            conn,
            channel: format!("{}:{KEY_VERSION}:invalidate", config.prefix),
            stats_key: format!("{}:{KEY_VERSION}:stats", config.prefix),
            prefix: config.prefix.clone(),
            timeout: config.timeout,
        })
    }

    pub(crate) fn key(&self, kind: Kind, key: &str) -> String {
        let mut k = String::with_capacity(self.prefix.len() + kind.as_str().len() + key.len() + 6);
        k.push_str(&self.prefix);
        k.push(':');
        k.push_str(KEY_VERSION);
        k.push(':');
        k.push_str(kind.as_str());
        k.push(':');
        k.push_str(key);
        k
    }

    async fn within<T>(
        &self,
        limit: Duration,
        call: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, L2Error> {
        match tokio::time::timeout(limit, call).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(L2Error::Timeout(limit)),
        }
    }

    pub(crate) async fn get(&self, kind: Kind, key: &str) -> Result<Option<Vec<u8>>, L2Error> {
        let mut conn = self.conn.clone();
        let cmd = redis::cmd("GET").arg(self.key(kind, key)).clone();
        self.within(self.timeout, cmd.query_async(&mut conn)).await
    }

    /// Writes a loaded value (or "not found") unless the key holds something: above all a
    /// tombstone, which must outlive any load that started before it. With `replacing`, the
    /// unreadable value read before the load is overwritten, if it is still the one there.
    /// Returns whether the value was written.
    pub(crate) async fn fill(
        &self,
        kind: Kind,
        key: &str,
        bytes: &[u8],
        ttl: Duration,
        replacing: Option<&[u8]>,
    ) -> Result<bool, L2Error> {
        let mut conn = self.conn.clone();
        let ms = millis(ttl);
        let cmd = match replacing {
            None => redis::cmd("SET")
                .arg(self.key(kind, key))
                .arg(bytes)
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .clone(),
            Some(old) => redis::cmd("EVAL")
                .arg(REPLACE_SCRIPT)
                .arg(1)
                .arg(self.key(kind, key))
                .arg(old)
                .arg(bytes)
                .arg(ms)
                .clone(),
        };
        let answer: Value = self
            .within(self.timeout, cmd.query_async(&mut conn))
            .await?;
        Ok(!matches!(answer, Value::Nil | Value::Boolean(false)))
    }

    /// Puts a tombstone on every key (so no load that started before can write back) and then
    /// publishes `message`, in one round trip: by the time another process hears of the
    /// invalidation, its keys are already blocked.
    pub(crate) async fn invalidate(
        &self,
        keys: &[(Kind, String)],
        tombstone: &[u8],
        ttl: Duration,
        message: &[u8],
    ) -> Result<(), L2Error> {
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        let ms = millis(ttl);
        for (kind, key) in keys {
            pipe.cmd("SET")
                .arg(self.key(*kind, key))
                .arg(tombstone)
                .arg("PX")
                .arg(ms)
                .ignore();
        }
        pipe.cmd("PUBLISH").arg(&self.channel).arg(message).ignore();
        self.within(self.timeout, pipe.exec_async(&mut conn)).await
    }

    /// Tells every process on the channel, without touching keys.
    pub(crate) async fn publish(&self, message: &[u8]) -> Result<(), L2Error> {
        let mut conn = self.conn.clone();
        let cmd = redis::cmd("PUBLISH")
            .arg(&self.channel)
            .arg(message)
            .clone();
        self.within(self.timeout, cmd.exec_async(&mut conn)).await
    }

    /// Removes every key of `kind` (all kinds with `None`) under the prefix: SCAN and UNLINK in
    /// batches, never KEYS, so Redis keeps serving meanwhile. Returns how many keys went.
    pub(crate) async fn flush(&self, kind: Option<Kind>) -> Result<u64, L2Error> {
        let pattern = match kind {
            Some(kind) => format!("{}:{KEY_VERSION}:{}:*", glob_escape(&self.prefix), kind),
            None => format!("{}:{KEY_VERSION}:*", glob_escape(&self.prefix)),
        };
        let mut conn = self.conn.clone();
        let mut cursor: u64 = 0;
        let mut removed = 0;
        loop {
            let scan = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(SCAN_BATCH)
                .clone();
            let (next, keys): (u64, Vec<String>) = self
                .within(BULK_TIMEOUT, scan.query_async(&mut conn))
                .await?;
            // The stats hash shares the prefix but is not cached data.
            let keys: Vec<String> = keys.into_iter().filter(|k| *k != self.stats_key).collect();
            if !keys.is_empty() {
                let unlink = redis::cmd("UNLINK").arg(&keys).clone();
                let n: u64 = self
                    .within(BULK_TIMEOUT, unlink.query_async(&mut conn))
                    .await?;
                removed += n;
            }
            if next == 0 {
                return Ok(removed);
            }
            cursor = next;
        }
    }

    /// Adds this process's counter increments to the shared stats hash (kept 30 days after the
    /// last increment).
    pub(crate) async fn add_stats(&self, deltas: &[(String, u64)]) -> Result<(), L2Error> {
        if deltas.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn.clone();
        // All or nothing: a batch that failed half-way is sent again whole.
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (field, n) in deltas {
            pipe.cmd("HINCRBY")
                .arg(&self.stats_key)
                .arg(field)
                .arg(*n)
                .ignore();
        }
        // The counts of a deployment nobody runs any more (or a test's prefix) go by themselves.
        pipe.cmd("EXPIRE")
            .arg(&self.stats_key)
            .arg(STATS_KEPT_SECONDS)
            .ignore();
        self.within(BULK_TIMEOUT, pipe.exec_async(&mut conn)).await
    }

    /// The shared stats hash, as `(field, value)`.
    pub(crate) async fn read_stats(&self) -> Result<Vec<(String, u64)>, L2Error> {
        let mut conn = self.conn.clone();
        let cmd = redis::cmd("HGETALL").arg(&self.stats_key).clone();
        self.within(BULK_TIMEOUT, cmd.query_async(&mut conn)).await
    }

    /// Whether the command connection answers (it reconnects if it was dead).
    pub(crate) async fn ping(&self) -> Result<(), L2Error> {
        let mut conn = self.conn.clone();
        self.within(CONNECT_TIMEOUT, redis::cmd("PING").exec_async(&mut conn))
            .await
    }

    /// A new pub/sub connection subscribed to the invalidation channel.
    pub(crate) async fn subscribe(&self) -> Result<(PubSubSink, PubSubStream), L2Error> {
        let subscribe = async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(&self.channel).await?;
            Ok(pubsub.split())
        };
        self.within(CONNECT_TIMEOUT, subscribe).await
    }

    /// The limit a ping of the subscription gets.
    pub(crate) fn ping_timeout(&self) -> Duration {
        self.timeout.max(Duration::from_millis(500))
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// `s` with the glob characters of SCAN MATCH escaped, so a prefix is taken literally.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_carry_prefix_version_and_kind() {
        let tier = RedisTier::new(&RedisConfig::new("redis://127.0.0.1:1/")).unwrap();
        assert_eq!(
            tier.key(Kind::ActiveShifts, "employee:7"),
            "staffprobot:v1:active_shifts:employee:7"
        );
        assert_eq!(tier.channel, "staffprobot:v1:invalidate");
        assert_eq!(tier.stats_key, "staffprobot:v1:stats");
    }

    #[test]
    fn prefixes_are_matched_literally() {
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
        assert_eq!(glob_escape("staffprobot"), "staffprobot");
    }

    #[test]
    fn durations_become_whole_milliseconds() {
        assert_eq!(millis(Duration::from_secs(5)), 5000);
        assert_eq!(millis(Duration::from_micros(10)), 1);
    }

    #[tokio::test]
    async fn an_unreachable_redis_is_an_error_within_the_limit() {
        // Port 1 refuses at once; the point is that nothing hangs and nothing panics.
        let tier = RedisTier::new(&RedisConfig::new("redis://127.0.0.1:1/")).unwrap();
        assert!(tier.get(Kind::People, "a").await.is_err());
    }
}
