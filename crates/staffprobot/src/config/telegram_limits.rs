//! Telegram's flood limits from the environment (`TELEGRAM_RATE_PER_SECOND`,
//! `TELEGRAM_CHAT_RATE_PER_SECOND`, `TELEGRAM_GROUP_RATE_PER_MINUTE`; 0 = unlimited), shared by
//! every process through Redis when `REDIS_URL` is set.

use bot::limits::{RedisLimits, SendLimits};

/// Reads the variables through `value`, reporting each bad one through `bad`. A bad `REDIS_URL`
/// is reported by the cache's settings; here it only means no shared limiter.
pub fn from_lookup(
    value: &dyn Fn(&str) -> Option<String>,
    bad: &mut dyn FnMut(&'static str, String),
) -> SendLimits {
    let mut number = |name: &'static str, default: u32| -> u32 {
        match value(name) {
            None => default,
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(n) if n <= 1_000_000 => n,
                _ => {
                    bad(
                        name,
                        format!(
                            "expected a whole number from 0 (unlimited) to 1000000, got {raw:?}"
                        ),
                    );
                    default
                }
            },
        }
    };
    let t = SendLimits::TELEGRAM;
    let limits = SendLimits {
        per_second: number("TELEGRAM_RATE_PER_SECOND", t.per_second),
        per_chat_per_second: number("TELEGRAM_CHAT_RATE_PER_SECOND", t.per_chat_per_second),
        per_group_per_minute: number("TELEGRAM_GROUP_RATE_PER_MINUTE", t.per_group_per_minute),
        speed_up: 1,
        redis: None,
    };
    let db = value("REDIS_DB").and_then(|raw| raw.trim().parse::<u8>().ok());
    let redis = value("REDIS_URL")
        .and_then(|raw| super::caching::redis_url(raw.trim(), db).ok())
        .map(|url| RedisLimits {
            url,
            prefix: value("CACHE_REDIS_PREFIX")
                .map_or_else(|| "staffprobot".to_owned(), |p| p.trim().to_owned()),
        });
    match redis {
        Some(r) => limits.shared(r),
        None => limits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> (SendLimits, Vec<&'static str>) {
        let mut errors = Vec::new();
        let value = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        let limits = from_lookup(&value, &mut |name, _| errors.push(name));
        (limits, errors)
    }

    #[test]
    fn defaults_are_telegrams_and_zero_is_unlimited() {
        let (l, errors) = read(&[]);
        assert_eq!(l, SendLimits::TELEGRAM);
        assert!(errors.is_empty());
        let (l, _) = read(&[
            ("TELEGRAM_RATE_PER_SECOND", "0"),
            ("TELEGRAM_CHAT_RATE_PER_SECOND", "0"),
            ("TELEGRAM_GROUP_RATE_PER_MINUTE", "0"),
        ]);
        assert_eq!(l, SendLimits::UNLIMITED);
    }

    #[test]
    fn bad_values_are_named_and_redis_shares_the_limits() {
        let (_, errors) = read(&[
            ("TELEGRAM_RATE_PER_SECOND", "fast"),
            ("TELEGRAM_GROUP_RATE_PER_MINUTE", "-1"),
        ]);
        assert_eq!(
            errors,
            ["TELEGRAM_RATE_PER_SECOND", "TELEGRAM_GROUP_RATE_PER_MINUTE"]
        );
        let (l, _) = read(&[
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("CACHE_REDIS_PREFIX", "spb1"),
        ]);
        let r = l.redis.unwrap();
        assert_eq!(r.prefix, "spb1");
        assert!(r.url.starts_with("redis://127.0.0.1:6379"), "{}", r.url);
    }
}
