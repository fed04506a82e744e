//! Background work's settings from the environment: the queue (`RABBITMQ_URL`, or the embedded
//! one in the database), the worker, and the schedule with its rules (`REMINDER_*`,
//! `NO_SHOW_*`, `AUTO_CLOSE_SCAN_MINUTES`, `CLEANUP_*`, `AUDIT_*`, `PAY_STATEMENT_MONTHS`). Each
//! scan's period 0 turns it off.

use jobs::tasks::{Schedule, Settings};
use secrecy::SecretString;

/// Where jobs wait.
#[derive(Debug, Clone)]
pub struct JobsSettings {
    /// `RABBITMQ_URL`; None: the embedded queue in the database.
    pub rabbitmq_url: Option<SecretString>,
    /// `RABBITMQ_PREFIX`: queue names start with it (one namespace per deployment).
    pub rabbitmq_prefix: String,
    /// `JOBS_MAX_ATTEMPTS`: attempts before a failing job is dead-lettered.
    pub max_attempts: u32,
    /// `WORKER_CONCURRENCY`: jobs one worker runs at once per area.
    pub concurrency: u16,
    pub schedule: Schedule,
    pub settings: Settings,
}

/// Reads the variables through `value`, reporting each bad one through `bad`.
pub fn from_lookup(
    value: &dyn Fn(&str) -> Option<String>,
    bad: &mut dyn FnMut(&'static str, String),
) -> JobsSettings {
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
    let minutes = |n: u64| chrono::Duration::minutes(i64::try_from(n).unwrap_or(i64::MAX / 60_000));
    let every = |n: u64| (n > 0).then(|| minutes(n));
    let defaults = Settings::default();
    let max_attempts = number("JOBS_MAX_ATTEMPTS", 5, 1, 100) as u32;
    let concurrency = number("WORKER_CONCURRENCY", 8, 1, 1000) as u16;
    let reminder_lead = number("REMINDER_LEAD_MINUTES", 120, 1, 7 * 24 * 60);
    let reminders = number("REMINDER_SCAN_MINUTES", 30, 0, 24 * 60);
    let no_show_grace = number("NO_SHOW_GRACE_MINUTES", 15, 0, 24 * 60);
    let no_shows = number("NO_SHOW_SCAN_MINUTES", 5, 0, 24 * 60);
    let auto_close = number("AUTO_CLOSE_SCAN_MINUTES", 60, 0, 24 * 60);
    let cleanup = number("CLEANUP_EVERY_HOURS", 24, 0, 24 * 7);
    let cache_refresh = number("CACHE_REFRESH_MINUTES", 60, 0, 24 * 60);
    let keep_records = number("KEEP_JOB_RECORDS_DAYS", 30, 1, 3650);
    let keep_dialogues = number("KEEP_IDLE_DIALOGUES_DAYS", 30, 1, 3650);
    let repeated_points = number("AUDIT_REPEATED_POINTS", 3, 0, 1000);
    let max_speed = number("AUDIT_MAX_SPEED_KMH", 200, 0, 100_000);
    let statement_months = number("PAY_STATEMENT_MONTHS", 2, 1, 24) as u32;
    let rabbitmq_prefix = value("RABBITMQ_PREFIX")
        .map(|p| p.trim().to_owned())
        .unwrap_or_else(|| "staffprobot".to_owned());
    let prefix_ok = !rabbitmq_prefix.is_empty()
        && rabbitmq_prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !prefix_ok {
        bad(
            "RABBITMQ_PREFIX",
            "expected letters, digits, '_', '-' or '.'".into(),
        );
    }
    let rabbitmq_url = value("RABBITMQ_URL").and_then(|raw| {
        let raw = raw.trim().to_owned();
        match url::Url::parse(&raw) {
            Ok(u) if matches!(u.scheme(), "amqp" | "amqps") && u.host_str().is_some() => {
                Some(SecretString::from(raw))
            }
            _ => {
                let scheme = raw.split_once(':').map_or("", |(s, _)| s);
                bad(
                    "RABBITMQ_URL",
                    format!(
                        "expected amqp://user:password@host:5672/vhost, got a value starting with {:?}",
                        scheme.chars().take(20).collect::<String>()
                    ),
                );
                None
            }
        }
    });
    JobsSettings {
        rabbitmq_url,
        rabbitmq_prefix,
        max_attempts,
        concurrency,
        schedule: Schedule {
            reminders: every(reminders),
            no_shows: every(no_shows),
            auto_close: every(auto_close),
            cleanup: every(cleanup * 60),
            cache_refresh: every(cache_refresh),
            pay_statements: Schedule::default().pay_statements,
        },
        settings: Settings {
            reminder_lead: minutes(reminder_lead),
            no_show_grace: minutes(no_show_grace),
            keep_job_records: chrono::Duration::days(keep_records as i64),
            keep_idle_dialogues: chrono::Duration::days(keep_dialogues as i64),
            audit: domain::audit::AuditRules {
                repeated_after: repeated_points,
                // 0 turns the travel check off: no speed is over infinity.
                max_speed_kmh: if max_speed == 0 {
                    f64::INFINITY
                } else {
                    max_speed as f64
                },
                ..defaults.audit
            },
            statement_months,
            ..defaults
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> (JobsSettings, Vec<&'static str>) {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut errors = Vec::new();
        let s = from_lookup(&|name| map.get(name).cloned(), &mut |v, _| errors.push(v));
        (s, errors)
    }

    #[test]
    fn defaults_follow_the_original_request() {
        let (s, errors) = read(&[]);
        assert!(errors.is_empty());
        assert!(s.rabbitmq_url.is_none());
        assert_eq!(s.schedule.reminders, Some(chrono::Duration::minutes(30)));
        assert_eq!(s.schedule.auto_close, Some(chrono::Duration::hours(1)));
        assert_eq!(s.schedule.cleanup, Some(chrono::Duration::days(1)));
        assert_eq!(s.settings.reminder_lead, chrono::Duration::hours(2));
        assert_eq!(s.settings.no_show_grace, chrono::Duration::minutes(15));
        assert_eq!(s.settings.audit, domain::audit::AuditRules::default());
        assert_eq!(s.settings.statement_months, 2);
    }

    #[test]
    fn the_audit_and_the_statements_are_set_and_zero_turns_a_check_off() {
        let (s, errors) = read(&[
            ("AUDIT_REPEATED_POINTS", "5"),
            ("AUDIT_MAX_SPEED_KMH", "900"),
            ("PAY_STATEMENT_MONTHS", "6"),
        ]);
        assert!(errors.is_empty());
        assert_eq!(s.settings.audit.repeated_after, 5);
        assert_eq!(s.settings.audit.max_speed_kmh, 900.0);
        assert_eq!(s.settings.statement_months, 6);
        let (s, errors) = read(&[("AUDIT_REPEATED_POINTS", "0"), ("AUDIT_MAX_SPEED_KMH", "0")]);
        assert!(errors.is_empty());
        assert_eq!(s.settings.audit.repeated_after, 0);
        assert_eq!(s.settings.audit.max_speed_kmh, f64::INFINITY);
        let (_, errors) = read(&[
            ("PAY_STATEMENT_MONTHS", "0"),
            ("AUDIT_MAX_SPEED_KMH", "fast"),
        ]);
        assert_eq!(errors, ["AUDIT_MAX_SPEED_KMH", "PAY_STATEMENT_MONTHS"]);
    }

    #[test]
    fn zero_turns_a_scan_off_and_bad_values_are_named() {
        let (s, errors) = read(&[
            ("REMINDER_SCAN_MINUTES", "0"),
            ("RABBITMQ_URL", "http://localhost"),
            ("WORKER_CONCURRENCY", "0"),
            ("RABBITMQ_PREFIX", "a b"),
        ]);
        assert_eq!(s.schedule.reminders, None);
        assert_eq!(
            errors,
            ["WORKER_CONCURRENCY", "RABBITMQ_PREFIX", "RABBITMQ_URL"]
        );
        let (s, errors) = read(&[("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")]);
        assert!(errors.is_empty());
        assert_eq!(
            s.rabbitmq_url.unwrap().expose_secret(),
            "amqp://guest:guest@127.0.0.1:5672/%2f"
        );
    }
}
