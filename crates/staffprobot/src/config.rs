//! Configuration from environment variables, checked at start: every bad value is reported on
//! its own line naming the variable, and nothing starts until all are right.

use app::Policy;
use chrono::Duration;
use std::net::SocketAddr;
use telemetry::LogFormat;

/// The embedded default: a SQLite file next to where StaffProBot runs.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/staffprobot.db";
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8000";

/// Where data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Some(DatabaseUrl::Postgres(raw.to_owned()))
        } else if raw.starts_with("sqlite:") {
            Some(DatabaseUrl::Sqlite(raw.to_owned()))
        } else {
            None
        }
    }

    /// The URL without a password, for logs and the start-up lines.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(u) => u.clone(),
            DatabaseUrl::Postgres(u) => match (u.find("://"), u.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    let creds = &u[scheme_end + 3..at];
                    let user = creds.split(':').next().unwrap_or("");
                    format!("{}{}:***{}", &u[..scheme_end + 3], user, &u[at..])
                }
                _ => u.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub database_max_connections: u32,
    pub http_addr: SocketAddr,
    pub log_format: LogFormat,
    pub policy: Policy,
    pub telegram_bot_token: Option<String>,
}

/// A bad environment value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

impl Config {
    pub fn from_env() -> Result<Self, Vec<ConfigError>> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut bad = |variable: &'static str, message: String| errors.push(ConfigError { variable, message });
        let value = |name: &str| get(name).filter(|v| !v.trim().is_empty());

        let database_url = match value("DATABASE_URL") {
            None => DatabaseUrl::Sqlite(DEFAULT_DATABASE_URL.to_owned()),
            Some(raw) => DatabaseUrl::parse(&raw).unwrap_or_else(|| {
                bad(
                    "DATABASE_URL",
                    format!("expected postgres://… or sqlite://path/to/file.db, got {raw:?}"),
                );
                DatabaseUrl::Sqlite(DEFAULT_DATABASE_URL.to_owned())
            }),
        };
        let http_raw = value("HTTP_ADDR").unwrap_or_else(|| DEFAULT_HTTP_ADDR.to_owned());
        let http_addr = http_raw.trim().parse::<SocketAddr>().unwrap_or_else(|_| {
            bad("HTTP_ADDR", format!("expected host:port such as {DEFAULT_HTTP_ADDR}, got {http_raw:?}"));
            SocketAddr::from(([127, 0, 0, 1], 8000))
        });
        let log_format = match value("LOG_FORMAT") {
            None => LogFormat::Text,
            Some(raw) => LogFormat::parse(&raw).unwrap_or_else(|| {
                bad("LOG_FORMAT", format!("expected text or json, got {raw:?}"));
                LogFormat::Text
            }),
        };
        let mut number = |name: &'static str, default: i64, min: i64, max: i64| -> i64 {
            match value(name) {
                None => default,
                Some(raw) => match raw.trim().parse::<i64>() {
                    Ok(n) if (min..=max).contains(&n) => n,
                    _ => {
                        bad(name, format!("expected a whole number from {min} to {max}, got {raw:?}"));
                        default
                    }
                },
            }
        };
        let database_max_connections = number("DATABASE_MAX_CONNECTIONS", 32, 1, 1000) as u32;
        let defaults = Policy::default();
        let mut policy = defaults;
        policy.location.max_accuracy_m = number("LOCATION_MAX_ACCURACY_M", 100, 1, 10_000) as f64;
        policy.location.max_age = Duration::seconds(number("LOCATION_MAX_AGE_SECONDS", 120, 5, 86_400));
        policy.auto_close.grace = Duration::minutes(number("AUTO_CLOSE_GRACE_MINUTES", 60, 0, 24 * 60));
        policy.auto_close.max_length = Duration::hours(number("SHIFT_MAX_HOURS", 16, 1, 48));
        policy.plan_cancel_cutoff = Duration::minutes(number("PLAN_CANCEL_CUTOFF_MINUTES", 60, 0, 7 * 24 * 60));
        let telegram_bot_token = value("TELEGRAM_BOT_TOKEN");

        if errors.is_empty() {
            Ok(Config {
                database_url,
                database_max_connections,
                http_addr,
                log_format,
                policy,
                telegram_bot_token,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, Vec<ConfigError>> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_nothing() {
        let c = with(&[]).unwrap();
        assert_eq!(c.database_url, DatabaseUrl::Sqlite(DEFAULT_DATABASE_URL.into()));
        assert_eq!(c.http_addr.to_string(), DEFAULT_HTTP_ADDR);
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.policy, Policy::default());
        assert_eq!(c.telegram_bot_token, None);
    }

    #[test]
    fn every_bad_value_is_named() {
        let errs = with(&[
            ("DATABASE_URL", "mysql://x"),
            ("HTTP_ADDR", "localhost"),
            ("LOG_FORMAT", "xml"),
            ("PLAN_CANCEL_CUTOFF_MINUTES", "-5"),
        ])
        .unwrap_err();
        let names: Vec<_> = errs.iter().map(|e| e.variable).collect();
        assert_eq!(names, ["DATABASE_URL", "HTTP_ADDR", "LOG_FORMAT", "PLAN_CANCEL_CUTOFF_MINUTES"]);
        assert!(errs[1].to_string().starts_with("HTTP_ADDR: expected host:port"));
    }

    #[test]
    fn postgres_and_policy_values() {
        let c = with(&[
            ("DATABASE_URL", "postgres://app:secret@db:5432/spb"),
            ("PLAN_CANCEL_CUTOFF_MINUTES", "120"),
            ("LOG_FORMAT", "json"),
        ])
        .unwrap();
        assert_eq!(c.database_url.redacted(), "postgres://app:***@db:5432/spb");
        assert_eq!(c.policy.plan_cancel_cutoff, Duration::minutes(120));
        assert_eq!(c.log_format, LogFormat::Json);
    }
}
