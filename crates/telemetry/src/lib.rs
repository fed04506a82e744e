//! Tracing and metrics set-up shared by every process (api, bot, worker, scheduler, run), and
//! the one way we print an error with its causes. Metrics: [`install`] the Prometheus recorder
//! once, render it with [`Metrics::render`]; the database's come from the stores' spans
//! ([`store_timings`]), which is why the log filter applies to the log output only.

mod metrics;
mod process;
pub mod store_timings;

pub use metrics::{COMMIT, CONTENT_TYPE, LATENCY_BUCKETS, Metrics, install, names};

use std::error::Error;
use std::fmt;
use std::io::IsTerminal;
use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// What is logged when `RUST_LOG` is not set: our crates at info (the bot's included), libraries
/// at warn.
pub const DEFAULT_FILTER: &str = "warn,staffprobot=info,api=info,app=info,bot=info,cache=info,demo=info,jobs=info,\
                                  store_postgres=info,store_sqlite=info,telemetry=info";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl LogFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }
}

/// Installs the global subscriber, writing to stderr. The level comes from `RUST_LOG` (default:
/// [`DEFAULT_FILTER`]). Colours only when stderr is a terminal and `NO_COLOR` is not set, so a
/// file, a pipe or a log collector gets plain text. Calling it twice is harmless (the second
/// call does nothing).
pub fn init(format: LogFormat) {
    init_with(format, true);
}

/// [`init`], with the database timings only when `database_metrics` (`METRICS_ENABLED`).
pub fn init_with(format: LogFormat, database_metrics: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let ansi = colours_wanted(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    );
    let _ = tracing::subscriber::set_global_default(subscriber(
        format,
        filter,
        ansi,
        std::io::stderr,
        database_metrics,
    ));
}

/// Whether log lines get ANSI colour codes.
fn colours_wanted(stderr_is_terminal: bool, no_color: bool) -> bool {
    stderr_is_terminal && !no_color
}

/// The subscriber [`init`] installs, writing to `writer` (a buffer in tests): the log output,
/// filtered by `filter` (`RUST_LOG`), and beside it the database timings, which see the stores'
/// spans whatever the log level.
fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    ansi: bool,
    writer: W,
    database_metrics: bool,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let log = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi);
    let log: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Text => Box::new(log.with_filter(filter)),
        LogFormat::Json => Box::new(log.json().flatten_event(true).with_filter(filter)),
    };
    Box::new(
        tracing_subscriber::registry()
            .with(log)
            .with(database_metrics.then(store_timings::layer)),
    )
}

/// Shows an error and every cause under it, `outer: inner: root`, so a log line says why and
/// not only what (`{:#}` does the same for `anyhow::Error`). A cause whose text the error above
/// it already shows (`"A network error: {0}"` with `#[source]` on the same value) is not
/// repeated.
#[derive(Clone, Copy)]
pub struct ErrorChain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut cause = self.0.source();
        while let Some(e) = cause {
            let text = e.to_string();
            if !shown.contains(&text) {
                write!(f, ": {text}")?;
            }
            shown = text;
            cause = e.source();
        }
        Ok(())
    }
}

impl fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn formats() {
        assert_eq!(LogFormat::parse("JSON"), Some(LogFormat::Json));
        assert_eq!(LogFormat::parse("text"), Some(LogFormat::Text));
        assert_eq!(LogFormat::parse("xml"), None);
    }

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'w self) -> Buffer {
            self.clone()
        }
    }

    /// What the default filter lets through when each crate logs at info, with colours on or off.
    fn logged(format: LogFormat, ansi: bool) -> String {
        let buffer = Buffer::default();
        let sub = subscriber(
            format,
            EnvFilter::new(DEFAULT_FILTER),
            ansi,
            buffer.clone(),
            true,
        );
        tracing::subscriber::with_default(sub, || {
            // Targets must be constants.
            tracing::info!(target: "bot::dispatch", "line from bot::dispatch");
            tracing::info!(target: "api::access", "line from api::access");
            tracing::info!(target: "app::service", "line from app::service");
            tracing::info!(target: "staffprobot::cli", "line from staffprobot::cli");
            tracing::info!(target: "store_postgres::store", "line from store_postgres::store");
            tracing::info!(target: "sqlx::query", "line from sqlx");
            tracing::debug!(target: "bot::dispatch", "debug line");
        });
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn the_default_filter_shows_our_crates_info_lines_the_bots_included() {
        let out = logged(LogFormat::Text, false);
        for target in [
            "bot::dispatch",
            "api::access",
            "app::service",
            "staffprobot::cli",
            "store_postgres::store",
        ] {
            assert!(
                out.contains(&format!("line from {target}")),
                "{target}:\n{out}"
            );
        }
        assert!(!out.contains("line from sqlx"), "{out}");
        assert!(!out.contains("debug line"), "{out}");
    }

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        assert!(colours_wanted(true, false));
        assert!(!colours_wanted(false, false));
        assert!(!colours_wanted(true, true));
        assert!(!logged(LogFormat::Text, false).contains('\x1b'));
        assert!(logged(LogFormat::Text, true).contains('\x1b'));
        let json = logged(LogFormat::Json, false);
        assert!(!json.contains('\x1b'));
        let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
        assert_eq!(first["message"], "line from bot::dispatch");
    }

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("cannot load the settings")
        }
    }

    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn an_error_is_shown_with_every_cause() {
        let e = Outer(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "settings.toml is missing",
        ));
        assert_eq!(
            ErrorChain(&e).to_string(),
            "cannot load the settings: settings.toml is missing"
        );
        assert_eq!(
            format!("{:?}", ErrorChain(&e)),
            "cannot load the settings: settings.toml is missing"
        );
    }

    /// `#[error("A network error: {0}")] Network(#[source] E)`: the source's own text is shown
    /// once, its causes after it.
    #[derive(Debug)]
    struct Quoting(Outer);

    impl fmt::Display for Quoting {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a request failed: {}", self.0)
        }
    }

    impl Error for Quoting {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_cause_already_quoted_is_not_repeated() {
        let e = Quoting(Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        )));
        assert_eq!(
            ErrorChain(&e).to_string(),
            "a request failed: cannot load the settings: connection refused"
        );
    }
}
