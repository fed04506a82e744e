//! The cache's settings from the environment: `CACHE_ENABLED`, `REDIS_URL` and `REDIS_DB`, the
//! Redis key prefix and time-out, the in-process size, and each kind's TTL and codec.

use cache::{CacheConfig, Codec, Kind, RedisConfig};
use std::time::Duration;

/// What the processes cache; `None` when `CACHE_ENABLED=false` (diagnosis, benchmarks).
pub type CacheSettings = Option<CacheConfig>;

/// Reads the cache's variables through `value`, reporting each bad one through `bad`.
pub fn from_lookup(
    value: &dyn Fn(&str) -> Option<String>,
    bad: &mut dyn FnMut(&'static str, String),
) -> CacheSettings {
    let enabled = match value("CACHE_ENABLED").map(|v| v.trim().to_ascii_lowercase()) {
        None => true,
        Some(v) if matches!(v.as_str(), "true" | "1" | "yes" | "on") => true,
        Some(v) if matches!(v.as_str(), "false" | "0" | "no" | "off") => false,
        Some(v) => {
            bad(
                "CACHE_ENABLED",
                format!("expected true or false, got {v:?}"),
            );
            true
        }
    };
    let mut config = CacheConfig::default();
    let mut number = |name: &'static str, default: u64, min: u64, max: u64| -> u64 {
        match value(name) {
            None => default,
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                _ => {
                    bad(
                        name,
                        format!("expected a whole number from {min} to {max}, got {raw:?}"),
                    );
                    default
                }
            },
        }
    };
    for (kind, ttl_var) in [
        (Kind::People, "CACHE_TTL_PEOPLE_SECONDS"),
        (Kind::Sites, "CACHE_TTL_SITES_SECONDS"),
        (Kind::ActiveShifts, "CACHE_TTL_ACTIVE_SHIFTS_SECONDS"),
        (Kind::Analytics, "CACHE_TTL_ANALYTICS_SECONDS"),
    ] {
        let default = config.kind(kind).ttl.as_secs();
        config.kind_mut(kind).ttl = Duration::from_secs(number(ttl_var, default, 1, 7 * 86_400));
    }
    config.negative_ttl = Duration::from_secs(number("CACHE_NEGATIVE_TTL_SECONDS", 30, 1, 3_600));
    config.l1_capacity = number("CACHE_L1_CAPACITY", config.l1_capacity, 0, 100_000_000);
    let redis_timeout = number("CACHE_REDIS_TIMEOUT_MS", 100, 1, 10_000);
    for (kind, codec_var) in [
        (Kind::People, "CACHE_CODEC_PEOPLE"),
        (Kind::Sites, "CACHE_CODEC_SITES"),
        (Kind::ActiveShifts, "CACHE_CODEC_ACTIVE_SHIFTS"),
        (Kind::Analytics, "CACHE_CODEC_ANALYTICS"),
    ] {
        if let Some(raw) = value(codec_var) {
            match raw.trim().parse::<Codec>() {
                Ok(codec) => config.kind_mut(kind).codec = codec,
                Err(_) => bad(codec_var, format!("expected json or binary, got {raw:?}")),
            }
        }
    }
    let db = value("REDIS_DB").map(|raw| match raw.trim().parse::<u8>() {
        Ok(n) if n < 16 => n,
        _ => {
            bad(
                "REDIS_DB",
                format!("expected a database number from 0 to 15, got {raw:?}"),
            );
            0
        }
    });
    config.redis = match value("REDIS_URL") {
        None => {
            if db.is_some() {
                bad("REDIS_DB", "is set but REDIS_URL is not".into());
            }
            None
        }
        Some(raw) => match redis_url(raw.trim(), db) {
            Ok(url) => {
                let mut redis = RedisConfig::new(url);
                if let Some(prefix) = value("CACHE_REDIS_PREFIX") {
                    redis.prefix = prefix.trim().to_owned();
                }
                redis.timeout = Duration::from_millis(redis_timeout);
                Some(redis)
            }
            Err(message) => {
                bad("REDIS_URL", message);
                None
            }
        },
    };
    if config.l1_capacity == 0 && config.redis.is_none() {
        bad(
            "CACHE_L1_CAPACITY",
            "0 (no in-process cache) needs REDIS_URL; to run without a cache set CACHE_ENABLED=false"
                .into(),
        );
    }
    if let Some(redis) = &config.redis {
        let prefix_ok = !redis.prefix.is_empty()
            && redis
                .prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !prefix_ok {
            bad(
                "CACHE_REDIS_PREFIX",
                "expected letters, digits, '_', '-' or '.' (one namespace per deployment)".into(),
            );
        }
    }
    // Whatever else the cache itself cannot work with (already-reported values aside).
    for problem in config.problems() {
        match problem {
            cache::ConfigProblem::RedisUrl(message) => bad("REDIS_URL", message),
            cache::ConfigProblem::ZeroCapacity | cache::ConfigProblem::EmptyPrefix => {}
            other => bad("CACHE", other.to_string()),
        }
    }
    enabled.then_some(config)
}

/// `REDIS_URL` with `REDIS_DB` applied as its path (`redis://host:6379/2`).
pub(super) fn redis_url(raw: &str, db: Option<u8>) -> Result<String, String> {
    let mut url = url::Url::parse(raw)
        .ok()
        .filter(|u| u.scheme() == "redis" && u.host_str().is_some())
        .ok_or_else(|| {
            let scheme = raw.split_once(':').map_or("", |(s, _)| s);
            format!(
                "expected redis://[user:password@]host[:port][/db], got a value starting with {:?}",
                scheme.chars().take(20).collect::<String>()
            )
        })?;
    if let Some(db) = db {
        url.set_path(&format!("/{db}"));
    } else {
        let path = url.path().trim_start_matches('/');
        if !path.is_empty() && !path.parse::<u8>().is_ok_and(|n| n < 16) {
            return Err(format!(
                "its path must be a database number from 0 to 15 (or use REDIS_DB), got /{path}"
            ));
        }
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> (CacheSettings, Vec<String>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut errors = Vec::new();
        let settings = from_lookup(&|k| map.get(k).cloned(), &mut |var, msg| {
            errors.push(format!("{var}: {msg}"))
        });
        (settings, errors)
    }

    #[test]
    fn the_default_is_the_in_process_cache_with_the_original_ttls() {
        let (settings, errors) = read(&[]);
        assert!(errors.is_empty());
        let c = settings.unwrap();
        assert_eq!(c, CacheConfig::default());
        assert_eq!(c.people.ttl, Duration::from_secs(900));
        assert_eq!(c.active_shifts.ttl, Duration::from_secs(300));
        assert_eq!(c.analytics.ttl, Duration::from_secs(3600));
        assert!(c.redis.is_none());
    }

    #[test]
    fn redis_db_goes_into_the_url_and_values_are_read() {
        let (settings, errors) = read(&[
            ("REDIS_URL", "redis://:secret@cache.internal:6380"),
            ("REDIS_DB", "3"),
            ("CACHE_TTL_SITES_SECONDS", "60"),
            ("CACHE_CODEC_ANALYTICS", "binary"),
            ("CACHE_REDIS_PREFIX", "spb-prod"),
            ("CACHE_L1_CAPACITY", "0"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        let c = settings.unwrap();
        let redis = c.redis.unwrap();
        assert_eq!(redis.url, "redis://:secret@cache.internal:6380/3");
        assert_eq!(redis.prefix, "spb-prod");
        assert_eq!(c.sites.ttl, Duration::from_secs(60));
        assert_eq!(c.analytics.codec, Codec::Binary);
        assert_eq!(c.l1_capacity, 0);
    }

    #[test]
    fn bad_values_are_reported_one_line_each() {
        let (_, errors) = read(&[
            ("REDIS_URL", "http://localhost"),
            ("REDIS_DB", "16"),
            ("CACHE_TTL_PEOPLE_SECONDS", "0"),
            ("CACHE_CODEC_SITES", "xml"),
            ("CACHE_ENABLED", "maybe"),
        ]);
        let vars: Vec<&str> = errors
            .iter()
            .map(|e| e.split(':').next().unwrap())
            .collect();
        assert_eq!(
            vars,
            [
                "CACHE_ENABLED",
                "CACHE_TTL_PEOPLE_SECONDS",
                "CACHE_CODEC_SITES",
                "REDIS_DB",
                "REDIS_URL"
            ]
        );
        let (_, errors) = read(&[("CACHE_L1_CAPACITY", "0")]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("CACHE_L1_CAPACITY"));
        let (settings, errors) = read(&[("CACHE_ENABLED", "false")]);
        assert!(errors.is_empty());
        assert!(settings.is_none());
    }
}
