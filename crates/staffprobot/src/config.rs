//! Configuration from environment variables, checked at start: every bad value is reported on
//! its own line naming the variable, and nothing starts until all are right.

mod background;
mod caching;
#[cfg(test)]
mod deploy_files;
mod telegram_limits;

use app::Policy;
pub use background::JobsSettings;
pub use caching::CacheSettings;
use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::net::SocketAddr;
use telemetry::LogFormat;

/// The embedded default: a SQLite file next to where StaffProBot runs.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/staffprobot.db";
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8000";

/// Where data lives. A PostgreSQL URL may carry a password, so it is kept as a secret: `Debug`
/// and [`DatabaseUrl::redacted`] show it without the password.
#[derive(Clone)]
pub enum DatabaseUrl {
    Postgres(SecretString),
    Sqlite(String),
}

impl DatabaseUrl {
    /// A PostgreSQL URL (checked to be a URL) or a SQLite one; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw)
                .ok()
                .map(|_| DatabaseUrl::Postgres(raw.into()))
        } else if raw.starts_with("sqlite:") {
            Some(DatabaseUrl::Sqlite(raw.to_owned()))
        } else {
            None
        }
    }

    /// The URL without its password (in the user part or a `password=` parameter), for logs
    /// and the start-up lines.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(u) => u.clone(),
            DatabaseUrl::Postgres(secret) => match url::Url::parse(secret.expose_secret()) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        // Only fails for URLs that cannot have a password, and this one has.
                        let _ = url.set_password(Some("***"));
                    }
                    if url.query_pairs().any(|(k, _)| k == "password") {
                        let pairs: Vec<(String, String)> = url
                            .query_pairs()
                            .map(|(k, v)| {
                                let v = if k == "password" { "***".into() } else { v };
                                (k.into_owned(), v.into_owned())
                            })
                            .collect();
                        url.query_pairs_mut().clear().extend_pairs(pairs);
                    }
                    url.to_string()
                }
                Err(_) => "postgres://(not a valid URL)".to_owned(),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            DatabaseUrl::Postgres(_) => "Postgres",
            DatabaseUrl::Sqlite(_) => "Sqlite",
        };
        f.debug_tuple(kind).field(&self.redacted()).finish()
    }
}

impl PartialEq for DatabaseUrl {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (DatabaseUrl::Postgres(a), DatabaseUrl::Postgres(b)) => {
                a.expose_secret() == b.expose_secret()
            }
            (DatabaseUrl::Sqlite(a), DatabaseUrl::Sqlite(b)) => a == b,
            _ => false,
        }
    }
}

/// Everything the processes are configured with. `Debug` never shows a secret (the database
/// password, the bot token, the webhook secret).
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub database_max_connections: u32,
    /// `DATABASE_STATEMENT_TIMEOUT_MS` (PostgreSQL): `None` when set to 0 (no limit).
    pub database_statement_timeout: Option<std::time::Duration>,
    pub http_addr: SocketAddr,
    /// `PROMETHEUS_PORT`: a listener of its own for `/metrics` (on `HTTP_ADDR`'s address), for
    /// the processes without an HTTP server; `Some(0)` takes any free port.
    pub prometheus_port: Option<u16>,
    /// `METRICS_ENABLED`: `false` records and serves no metrics (to measure what they cost).
    pub metrics_enabled: bool,
    pub log_format: LogFormat,
    pub policy: Policy,
    pub telegram: Option<TelegramConfig>,
    /// `SHUTDOWN_TIMEOUT_SECONDS`: how long a stopping process waits for requests and updates in
    /// flight before it exits anyway.
    pub shutdown_timeout: std::time::Duration,
    /// The cache (`CACHE_*`, `REDIS_URL`, `REDIS_DB`); `None` with `CACHE_ENABLED=false`.
    pub cache: CacheSettings,
    /// Background jobs: the queue, the worker and the schedule.
    pub jobs: JobsSettings,
    /// `TELEGRAM_*_RATE_*`: Telegram's flood limits for every message sent.
    pub telegram_limits: bot::limits::SendLimits,
}

/// The bot, when `TELEGRAM_BOT_TOKEN` is set.
#[derive(Debug, Clone)]
pub struct TelegramConfig {
    pub token: SecretString,
    /// `TELEGRAM_API_URL`: another Bot API server (self-hosted, or a fake in tests).
    pub api_url: Option<url::Url>,
    /// `TELEGRAM_WEBHOOK_URL`: webhook mode instead of long polling.
    pub webhook_url: Option<url::Url>,
    /// `TELEGRAM_WEBHOOK_SECRET`, or one derived from the token (the same on every replica).
    pub webhook_secret: SecretString,
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
        let mut bad = |variable: &'static str, message: String| {
            errors.push(ConfigError { variable, message })
        };
        let value = |name: &str| get(name).filter(|v| !v.trim().is_empty());

        let database_url = match value("DATABASE_URL") {
            None => DatabaseUrl::Sqlite(DEFAULT_DATABASE_URL.to_owned()),
            Some(raw) => DatabaseUrl::parse(&raw).unwrap_or_else(|| {
                // Only the scheme is repeated: the rest may hold a password.
                let scheme = raw.trim().split_once(':').map_or("", |(s, _)| s);
                bad(
                    "DATABASE_URL",
                    format!(
                        "expected postgres://user:password@host/database or sqlite://path/to/file.db, got a value starting with {:?}",
                        scheme.chars().take(20).collect::<String>()
                    ),
                );
                DatabaseUrl::Sqlite(DEFAULT_DATABASE_URL.to_owned())
            }),
        };
        let http_raw = value("HTTP_ADDR").unwrap_or_else(|| DEFAULT_HTTP_ADDR.to_owned());
        let http_addr = http_raw.trim().parse::<SocketAddr>().unwrap_or_else(|_| {
            bad(
                "HTTP_ADDR",
                format!("expected host:port such as {DEFAULT_HTTP_ADDR}, got {http_raw:?}"),
            );
            SocketAddr::from(([127, 0, 0, 1], 8000))
        });
        let prometheus_port = value("PROMETHEUS_PORT").and_then(|raw| {
            raw.trim().parse::<u16>().ok().or_else(|| {
                bad(
                    "PROMETHEUS_PORT",
                    format!("expected a port from 0 to 65535 (0 = any free port), got {raw:?}"),
                );
                None
            })
        });
        let metrics_enabled = match value("METRICS_ENABLED").map(|v| v.trim().to_ascii_lowercase())
        {
            None => true,
            Some(v) if matches!(v.as_str(), "true" | "1" | "yes" | "on") => true,
            Some(v) if matches!(v.as_str(), "false" | "0" | "no" | "off") => false,
            Some(v) => {
                bad(
                    "METRICS_ENABLED",
                    format!("expected true or false, got {v:?}"),
                );
                true
            }
        };
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
                        bad(
                            name,
                            format!("expected a whole number from {min} to {max}, got {raw:?}"),
                        );
                        default
                    }
                },
            }
        };
        let database_max_connections = number("DATABASE_MAX_CONNECTIONS", 10, 1, 1000) as u32;
        let database_statement_timeout =
            match number("DATABASE_STATEMENT_TIMEOUT_MS", 5_000, 0, 3_600_000) {
                0 => None,
                ms => Some(std::time::Duration::from_millis(ms as u64)),
            };
        let shutdown_timeout =
            std::time::Duration::from_secs(number("SHUTDOWN_TIMEOUT_SECONDS", 25, 1, 600) as u64);
        let defaults = Policy::default();
        let mut policy = defaults;
        policy.location.max_accuracy_m = number("LOCATION_MAX_ACCURACY_M", 100, 1, 10_000) as f64;
        policy.location.max_age =
            Duration::seconds(number("LOCATION_MAX_AGE_SECONDS", 120, 5, 86_400));
        policy.auto_close.grace =
            Duration::minutes(number("AUTO_CLOSE_GRACE_MINUTES", 60, 0, 24 * 60));
        policy.auto_close.max_length = Duration::hours(number("SHIFT_MAX_HOURS", 16, 1, 48));
        policy.plan_cancel_cutoff =
            Duration::minutes(number("PLAN_CANCEL_CUTOFF_MINUTES", 60, 0, 7 * 24 * 60));
        policy.location_retention = Duration::days(number("LOCATION_RETENTION_DAYS", 90, 1, 3650));
        policy.report_job_shifts = number("REPORT_JOB_SHIFTS", 5_000, 0, 10_000_000);
        let url_of =
            |name: &'static str, bad: &mut dyn FnMut(&'static str, String)| -> Option<url::Url> {
                let raw = value(name)?;
                match url::Url::parse(raw.trim()) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => Some(u),
                    _ => {
                        bad(name, format!("expected an http(s) URL, got {raw:?}"));
                        None
                    }
                }
            };
        let api_url = url_of("TELEGRAM_API_URL", &mut bad);
        let webhook_url = url_of("TELEGRAM_WEBHOOK_URL", &mut bad).filter(|u| {
            // The webhook shares the HTTP server with the API: its path must be its own.
            let path = u.path();
            let taken = ["/api", "/health", "/ready", "/docs", "/openapi.json", "/metrics"]
                .iter()
                .any(|p| path == *p || path.starts_with(&format!("{p}/")));
            if path == "/" || taken {
                bad(
                    "TELEGRAM_WEBHOOK_URL",
                    format!("its path {path:?} is taken by the HTTP API; use one such as /telegram/webhook"),
                );
                return false;
            }
            true
        });
        let telegram = match value("TELEGRAM_BOT_TOKEN") {
            None => None,
            Some(token) => {
                let token = token.trim().to_owned();
                // Telegram tokens look like 123456:ABC-DEF…; catch a pasted wrong value early.
                let well_formed = token.split_once(':').is_some_and(|(id, rest)| {
                    !id.is_empty()
                        && id.bytes().all(|b| b.is_ascii_digit())
                        && !rest.is_empty()
                        // It becomes part of every request URL.
                        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                });
                if !well_formed {
                    bad(
                        "TELEGRAM_BOT_TOKEN",
                        "expected a token from @BotFather such as 123456789:AA…".into(),
                    );
                }
                let webhook_secret = match value("TELEGRAM_WEBHOOK_SECRET") {
                    Some(s) => {
                        let s = s.trim().to_owned();
                        let ok = (1..=256).contains(&s.len())
                            && s.bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                        if !ok {
                            bad(
                                "TELEGRAM_WEBHOOK_SECRET",
                                "expected 1-256 characters A-Z, a-z, 0-9, _ or -".into(),
                            );
                        }
                        s
                    }
                    None => derived_secret(&token),
                };
                Some(TelegramConfig {
                    token: token.into(),
                    api_url,
                    webhook_url,
                    webhook_secret: webhook_secret.into(),
                })
            }
        };
        let cache = caching::from_lookup(&value, &mut bad);
        let jobs = background::from_lookup(&value, &mut bad);
        let telegram_limits = telegram_limits::from_lookup(&value, &mut bad);

        if errors.is_empty() {
            Ok(Config {
                database_url,
                database_max_connections,
                database_statement_timeout,
                http_addr,
                prometheus_port,
                metrics_enabled,
                log_format,
                policy,
                telegram,
                shutdown_timeout,
                cache,
                jobs,
                telegram_limits,
            })
        } else {
            Err(errors)
        }
    }
}

/// A webhook secret derived from the bot token, so replicas agree without more configuration.
fn derived_secret(token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("staffprobot-webhook:{token}").as_bytes());
    digest.iter().take(24).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, Vec<ConfigError>> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_nothing() {
        let c = with(&[]).unwrap();
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite(DEFAULT_DATABASE_URL.into())
        );
        assert_eq!(c.http_addr.to_string(), DEFAULT_HTTP_ADDR);
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.prometheus_port, None);
        assert!(c.metrics_enabled);
        assert!(
            !with(&[("METRICS_ENABLED", "false")])
                .unwrap()
                .metrics_enabled
        );
        assert_eq!(
            with(&[("PROMETHEUS_PORT", "9100")])
                .unwrap()
                .prometheus_port,
            Some(9100)
        );
        assert_eq!(
            with(&[("PROMETHEUS_PORT", "0")]).unwrap().prometheus_port,
            Some(0)
        );
        assert_eq!(
            with(&[("PROMETHEUS_PORT", "70000")]).unwrap_err()[0].variable,
            "PROMETHEUS_PORT"
        );
        assert_eq!(c.policy, Policy::default());
        assert!(c.telegram.is_none());
        assert_eq!(c.shutdown_timeout, std::time::Duration::from_secs(25));
        assert_eq!(
            c.database_statement_timeout,
            Some(std::time::Duration::from_secs(5))
        );
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
        assert_eq!(
            names,
            [
                "DATABASE_URL",
                "HTTP_ADDR",
                "LOG_FORMAT",
                "PLAN_CANCEL_CUTOFF_MINUTES"
            ]
        );
        assert!(
            errs[1]
                .to_string()
                .starts_with("HTTP_ADDR: expected host:port")
        );
    }

    #[test]
    fn postgres_and_policy_values() {
        let c = with(&[
            ("DATABASE_URL", "postgres://app:secret@db:5432/spb"),
            ("PLAN_CANCEL_CUTOFF_MINUTES", "120"),
            ("LOG_FORMAT", "json"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "0"),
            ("REPORT_JOB_SHIFTS", "20000"),
        ])
        .unwrap();
        assert_eq!(c.policy.report_job_shifts, 20_000);
        assert!(with(&[("REPORT_JOB_SHIFTS", "-1")]).is_err());
        assert_eq!(c.database_statement_timeout, None);
        assert_eq!(c.database_url.redacted(), "postgres://app:***@db:5432/spb");
        assert_eq!(
            DatabaseUrl::parse("postgres://app@db/spb?sslmode=require&password=p%40ss")
                .unwrap()
                .redacted(),
            "postgres://app@db/spb?sslmode=require&password=***"
        );
        assert_eq!(c.policy.plan_cancel_cutoff, Duration::minutes(120));
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn telegram_settings() {
        let c = with(&[
            ("TELEGRAM_BOT_TOKEN", "123:abc"),
            ("TELEGRAM_API_URL", "http://127.0.0.1:8081/"),
        ])
        .unwrap();
        let t = c.telegram.unwrap();
        assert_eq!(t.api_url.unwrap().as_str(), "http://127.0.0.1:8081/");
        assert_eq!(t.webhook_url, None);
        assert_eq!(t.webhook_secret.expose_secret().len(), 48);
        let errs = with(&[
            ("TELEGRAM_BOT_TOKEN", "nonsense"),
            ("TELEGRAM_WEBHOOK_URL", "ftp://x"),
            ("TELEGRAM_WEBHOOK_SECRET", "has space"),
        ])
        .unwrap_err();
        let names: Vec<_> = errs.iter().map(|e| e.variable).collect();
        assert_eq!(
            names,
            [
                "TELEGRAM_WEBHOOK_URL",
                "TELEGRAM_BOT_TOKEN",
                "TELEGRAM_WEBHOOK_SECRET"
            ]
        );
        for taken in [
            "https://bot.example.com/",
            "https://bot.example.com/api/v1/hook",
            "https://x.org/health",
        ] {
            let errs = with(&[
                ("TELEGRAM_BOT_TOKEN", "123:abc"),
                ("TELEGRAM_WEBHOOK_URL", taken),
            ])
            .unwrap_err();
            assert_eq!(errs[0].variable, "TELEGRAM_WEBHOOK_URL", "{taken}");
        }
        let ok = with(&[
            ("TELEGRAM_BOT_TOKEN", "123:abc"),
            ("TELEGRAM_WEBHOOK_URL", "https://x.org/telegram/webhook"),
        ]);
        assert!(ok.is_ok());
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let c = with(&[
            (
                "DATABASE_URL",
                "postgres://app:Pa55word@db:5432/spb?password=Qu3rySecret",
            ),
            ("TELEGRAM_BOT_TOKEN", "123456:Tok3nSecret"),
            ("TELEGRAM_WEBHOOK_SECRET", "H00kSecret"),
            ("TELEGRAM_WEBHOOK_URL", "https://x.org/telegram/webhook"),
        ])
        .unwrap();
        let derived = with(&[("TELEGRAM_BOT_TOKEN", "123456:Tok3nSecret")]).unwrap();
        let derived_secret = derived
            .telegram
            .as_ref()
            .unwrap()
            .webhook_secret
            .expose_secret()
            .to_owned();
        for shown in [format!("{c:?}"), format!("{c:#?}"), format!("{derived:?}")] {
            for secret in [
                "Pa55word",
                "Qu3rySecret",
                "Tok3nSecret",
                "H00kSecret",
                derived_secret.as_str(),
            ] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
        // What is not secret still helps whoever reads the output.
        let shown = format!("{c:?}");
        assert!(shown.contains("postgres://app:***@db:5432/spb"), "{shown}");
        assert!(shown.contains("/telegram/webhook"), "{shown}");
    }

    #[test]
    fn a_bad_database_url_is_not_echoed() {
        let errs = with(&[("DATABASE_URL", "mysql://app:Pa55word@db/spb")]).unwrap_err();
        assert_eq!(errs[0].variable, "DATABASE_URL");
        assert!(!errs[0].message.contains("Pa55word"), "{}", errs[0]);
        assert!(errs[0].message.contains("\"mysql\""), "{}", errs[0]);
        let errs = with(&[("DATABASE_URL", "postgres://app:Pa55word@[db/spb")]).unwrap_err();
        assert!(!errs[0].message.contains("Pa55word"), "{}", errs[0]);
    }

    /// Every variable the configuration reads (the webhook secret only with a token).
    pub(super) fn variables_read() -> Vec<String> {
        let seen = std::cell::RefCell::new(Vec::<String>::new());
        for token in [None, Some("123:abc")] {
            let _ = Config::from_lookup(|name| {
                seen.borrow_mut().push(name.to_owned());
                (name == "TELEGRAM_BOT_TOKEN").then(|| token.map(str::to_owned))?
            });
        }
        let mut names = seen.into_inner();
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn every_variable_is_in_the_readme_table_and_the_help() {
        use clap::CommandFactory;
        let names = variables_read();
        assert!(names.len() >= 15, "{names:?}");
        let readme = include_str!("../../../README.md");
        let help = crate::cli::Cli::command().render_long_help().to_string();
        for name in &names {
            assert!(
                readme.contains(&format!("| `{name}` |")),
                "README's configuration table lacks {name}"
            );
            assert!(help.contains(name.as_str()), "--help does not name {name}");
        }
    }
}
