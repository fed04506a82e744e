//! What the cache is told: the kinds of data, their codecs and lifetimes, the optional Redis tier.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A kind of cached data. Each kind has its own in-process cache (so its own TTL and size
/// bound), its own codec, and its own part of the Redis key space (`{prefix}:v1:{kind}:…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// People: by id, by Telegram id, API token hash → person, manager flags.
    People,
    /// Sites: by id, the sites an owner owns or a manager manages, an employee's sites.
    Sites,
    /// Running shifts: an employee's, a site's people on shift now.
    ActiveShifts,
    /// Report summaries per scope and period.
    Analytics,
}

impl Kind {
    /// Every kind, in the order tables and counters list them.
    pub const ALL: [Kind; 4] = [
        Kind::People,
        Kind::Sites,
        Kind::ActiveShifts,
        Kind::Analytics,
    ];

    /// The name used in Redis keys, metric labels, the channel and the CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::People => "people",
            Kind::Sites => "sites",
            Kind::ActiveShifts => "active_shifts",
            Kind::Analytics => "analytics",
        }
    }

    /// Position in [`Kind::ALL`]; indexes the per-kind arrays.
    pub(crate) const fn index(self) -> usize {
        match self {
            Kind::People => 0,
            Kind::Sites => 1,
            Kind::ActiveShifts => 2,
            Kind::Analytics => 3,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is none of [`Kind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown cache kind {0:?} (expected people, sites, active_shifts or analytics)")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    /// Takes the names [`Kind::as_str`] gives, in any case, with `-` for `_` too (so
    /// `--kind active-shifts` reads as well as `active_shifts`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

/// How values of a kind are written to Redis. The in-process tier holds decoded values, so the
/// codec only costs on the Redis path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// serde_json: readable with `redis-cli`, larger.
    Json,
    /// postcard: compact and fast; needs types serde can describe without `deserialize_any`
    /// (no `#[serde(flatten)]`, untagged enums or `skip_serializing_if`).
    Binary,
}

impl Codec {
    /// The name used in configuration (`json`, `binary`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Codec::Json => "json",
            Codec::Binary => "binary",
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A codec name that is neither `json` nor `binary`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown cache codec {0:?} (expected json or binary)")]
pub struct UnknownCodec(pub String);

impl FromStr for Codec {
    type Err = UnknownCodec;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Codec::Json),
            "binary" => Ok(Codec::Binary),
            _ => Err(UnknownCodec(s.to_owned())),
        }
    }
}

/// Lifetime and codec of one kind (the same TTL in both tiers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindConfig {
    pub ttl: Duration,
    pub codec: Codec,
}

/// Everything the cache needs. Build it with struct update syntax over [`Default`], so fields
/// added later keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// Default 15 min, binary.
    pub people: KindConfig,
    /// Default 15 min, binary.
    pub sites: KindConfig,
    /// Default 5 min, binary.
    pub active_shifts: KindConfig,
    /// Default 1 h, JSON.
    pub analytics: KindConfig,
    /// How long "not found" is remembered, in both tiers. Default 30 s.
    pub negative_ttl: Duration,
    /// In-process entries per kind. Default 100,000; 0 keeps nothing in the process (Redis
    /// alone: every read is a Redis round trip), which needs `redis`.
    pub l1_capacity: u64,
    /// The shared tier; `None` runs on the in-process tier alone.
    pub redis: Option<RedisConfig>,
    /// While the invalidation channel is lost (Redis pub/sub, or the feed when there is no
    /// Redis), in-process entries live at most this long. Default 1 s.
    pub degraded_l1_ttl: Duration,
    /// How often the [`InvalidationFeed`](crate::InvalidationFeed) is read when there is no
    /// Redis. Default 250 ms.
    pub feed_poll_interval: Duration,
    /// How long an invalidated key stays blocked in Redis, so that a load that started before
    /// the invalidation cannot write its old value back. Default 5 s.
    pub tombstone_ttl: Duration,
}

impl CacheConfig {
    /// The lifetime and codec of `kind`.
    pub fn kind(&self, kind: Kind) -> &KindConfig {
        match kind {
            Kind::People => &self.people,
            Kind::Sites => &self.sites,
            Kind::ActiveShifts => &self.active_shifts,
            Kind::Analytics => &self.analytics,
        }
    }

    /// The lifetime and codec of `kind`, to change.
    pub fn kind_mut(&mut self, kind: Kind) -> &mut KindConfig {
        match kind {
            Kind::People => &mut self.people,
            Kind::Sites => &mut self.sites,
            Kind::ActiveShifts => &mut self.active_shifts,
            Kind::Analytics => &mut self.analytics,
        }
    }

    /// Every value that cannot work, one problem each (empty when the configuration is fine),
    /// so that the binary can stop its start with one line per bad value.
    pub fn problems(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        for kind in Kind::ALL {
            if self.kind(kind).ttl < Duration::from_millis(1) {
                problems.push(ConfigProblem::ZeroTtl(kind));
            }
        }
        let durations = [
            ("negative_ttl", self.negative_ttl),
            ("degraded_l1_ttl", self.degraded_l1_ttl),
            ("feed_poll_interval", self.feed_poll_interval),
            ("tombstone_ttl", self.tombstone_ttl),
        ];
        for (name, value) in durations {
            if value < Duration::from_millis(1) {
                problems.push(ConfigProblem::ZeroDuration(name));
            }
        }
        // 0 keeps nothing in the process: Redis alone, which needs a Redis.
        if self.l1_capacity == 0 && self.redis.is_none() {
            problems.push(ConfigProblem::ZeroCapacity);
        }
        if let Some(redis) = &self.redis {
            if let Err(e) = redis::Client::open(redis.url.as_str()) {
                problems.push(ConfigProblem::RedisUrl(e.to_string()));
            }
            if redis.prefix.is_empty() {
                problems.push(ConfigProblem::EmptyPrefix);
            }
            if redis.timeout < Duration::from_millis(1) {
                problems.push(ConfigProblem::ZeroDuration("redis timeout"));
            }
        }
        problems
    }
}

impl Default for CacheConfig {
    fn default() -> Self {
        const MINUTE: Duration = Duration::from_secs(60);
        CacheConfig {
            people: KindConfig {
                ttl: 15 * MINUTE,
                codec: Codec::Binary,
            },
            sites: KindConfig {
                ttl: 15 * MINUTE,
                codec: Codec::Binary,
            },
            active_shifts: KindConfig {
                ttl: 5 * MINUTE,
                codec: Codec::Binary,
            },
            analytics: KindConfig {
                ttl: 60 * MINUTE,
                codec: Codec::Json,
            },
            negative_ttl: Duration::from_secs(30),
            l1_capacity: 100_000,
            redis: None,
            degraded_l1_ttl: Duration::from_secs(1),
            feed_poll_interval: Duration::from_millis(250),
            tombstone_ttl: Duration::from_secs(5),
        }
    }
}

/// A configuration value the cache cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    #[error("the {0} TTL must be at least 1 ms")]
    ZeroTtl(Kind),
    #[error("{0} must be at least 1 ms")]
    ZeroDuration(&'static str),
    #[error("the in-process cache must hold at least one entry per kind when there is no Redis")]
    ZeroCapacity,
    #[error("the Redis URL is not usable: {0}")]
    RedisUrl(String),
    #[error("the Redis key prefix must not be empty")]
    EmptyPrefix,
}

/// The shared tier. Its `Debug` hides the password in the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// `redis://[user:password@]host[:port][/db]` (`REDIS_URL`, with `REDIS_DB` applied).
    pub url: String,
    /// Keys are `{prefix}:v1:{kind}:{key}`. Default `staffprobot`. Pub/sub channels are
    /// server-wide (not per database), so deployments sharing a Redis server need distinct
    /// prefixes even with distinct `REDIS_DB`s.
    pub prefix: String,
    /// Every Redis call gives up after this long (and counts as a miss). Default 100 ms.
    pub timeout: Duration,
}

impl RedisConfig {
    /// The default prefix and timeout for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            prefix: "staffprobot".to_owned(),
            timeout: Duration::from_millis(100),
        }
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// `url` with the password (if any) replaced by `***`, for logs and `Debug`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    match userinfo.find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &userinfo[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_names() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
            assert_eq!(kind.as_str().to_uppercase().parse::<Kind>(), Ok(kind));
            assert_eq!(Kind::ALL[kind.index()], kind);
        }
        assert_eq!("active-shifts".parse::<Kind>(), Ok(Kind::ActiveShifts));
        assert_eq!(
            "shifts".parse::<Kind>(),
            Err(UnknownKind("shifts".to_owned()))
        );
    }

    #[test]
    fn kinds_serialize_as_their_names() {
        for kind in Kind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn codecs_read_back_from_their_names() {
        assert_eq!("json".parse::<Codec>(), Ok(Codec::Json));
        assert_eq!(" Binary ".parse::<Codec>(), Ok(Codec::Binary));
        assert!("msgpack".parse::<Codec>().is_err());
        assert_eq!(Codec::Binary.to_string(), "binary");
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = CacheConfig::default();
        assert_eq!(c.people.ttl, Duration::from_secs(900));
        assert_eq!(c.sites.ttl, Duration::from_secs(900));
        assert_eq!(c.active_shifts.ttl, Duration::from_secs(300));
        assert_eq!(c.analytics.ttl, Duration::from_secs(3600));
        assert_eq!(c.analytics.codec, Codec::Json);
        assert_eq!(c.people.codec, Codec::Binary);
        assert_eq!(c.negative_ttl, Duration::from_secs(30));
        assert_eq!(c.l1_capacity, 100_000);
        assert_eq!(c.redis, None);
        assert!(c.problems().is_empty());
        let r = RedisConfig::new("redis://127.0.0.1/");
        assert_eq!(r.prefix, "staffprobot");
        assert_eq!(r.timeout, Duration::from_millis(100));
    }

    #[test]
    fn problems_name_each_bad_value() {
        let mut c = CacheConfig {
            l1_capacity: 0,
            negative_ttl: Duration::ZERO,
            redis: Some(RedisConfig {
                prefix: String::new(),
                ..RedisConfig::new("http://nope")
            }),
            ..CacheConfig::default()
        };
        c.kind_mut(Kind::Sites).ttl = Duration::ZERO;
        let problems = c.problems();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems.contains(&ConfigProblem::ZeroTtl(Kind::Sites)));
        assert!(problems.contains(&ConfigProblem::ZeroDuration("negative_ttl")));
        // No in-process tier is fine with Redis (Redis only), not without it.
        assert!(!problems.contains(&ConfigProblem::ZeroCapacity));
        assert!(problems.contains(&ConfigProblem::EmptyPrefix));
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, ConfigProblem::RedisUrl(_)))
        );
        c.redis = None;
        assert!(c.problems().contains(&ConfigProblem::ZeroCapacity));
    }

    #[test]
    fn debug_hides_the_password() {
        let r = RedisConfig::new("redis://user:s3cret@host:6379/2");
        let shown = format!("{r:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("redis://user:***@host:6379/2"), "{shown}");
        assert_eq!(redact_url("redis://:pw@h/0"), "redis://:***@h/0");
        assert_eq!(redact_url("redis://h:6379/0"), "redis://h:6379/0");
        assert_eq!(redact_url("redis://user@h"), "redis://user@h");
        assert_eq!(redact_url("unix:///tmp/r.sock"), "unix:///tmp/r.sock");
    }
}
