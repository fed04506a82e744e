//! The process's metrics wiring: business counters from the use-cases' events (an `EventSink`,
//! not code in the handlers), the business gauges refreshed once a minute by one cheap query,
//! the database pool gauges read at scrape time, and the `/metrics` listener on
//! `PROMETHEUS_PORT` for processes without an HTTP server.

use app::background::{BusinessFigures, FiguresStore};
use app::{DomainEvent, EventSink, PoolStatus};
use async_trait::async_trait;
use domain::ShiftChangeKind;
use metrics::{Counter, counter, gauge};
use std::sync::Arc;
use std::time::Duration;
use telemetry::{Metrics, names};
use tokio_util::sync::CancellationToken;

/// How often the business gauges are counted again.
pub const FIGURES_EVERY: Duration = Duration::from_secs(60);

/// Counts shifts opened and closed (by how) as the use-cases of this process publish them.
/// The handles are registered once, so every series exists (at 0) from the start.
pub struct ShiftCounters {
    opened: Counter,
    by_employee: Counter,
    automatic: Counter,
    by_owner: Counter,
}

impl ShiftCounters {
    pub fn new() -> Self {
        let closed = |how: &'static str| counter!(names::SHIFTS_CLOSED, "how" => how);
        let counters = ShiftCounters {
            opened: counter!(names::SHIFTS_OPENED),
            by_employee: closed("employee"),
            automatic: closed("automatic"),
            by_owner: closed("owner"),
        };
        for c in [
            &counters.opened,
            &counters.by_employee,
            &counters.automatic,
            &counters.by_owner,
        ] {
            c.increment(0);
        }
        counters
    }
}

#[async_trait]
impl EventSink for ShiftCounters {
    async fn publish(&self, event: DomainEvent) {
        match event {
            DomainEvent::ShiftOpened { .. } => self.opened.increment(1),
            DomainEvent::ShiftClosed { automatically, .. } => {
                if automatically {
                    self.automatic.increment(1);
                } else {
                    self.by_employee.increment(1);
                }
            }
            // An owner or manager closed a running shift; an employee said when they left a
            // shift they forgot to close (it ends then). Reviews change an end, not a count.
            DomainEvent::ShiftEndStated { change, .. } => match change {
                ShiftChangeKind::ClosedByManager => self.by_owner.increment(1),
                ShiftChangeKind::ForgottenReported => self.by_employee.increment(1),
                ShiftChangeKind::Approved | ShiftChangeKind::EndChanged => {}
            },
            _ => {}
        }
    }
}

/// Sets the business gauges from the store's counts.
pub fn set_figures(f: BusinessFigures) {
    gauge!(names::SHIFTS_RUNNING).set(f.shifts_running as f64);
    gauge!(names::ACTIVE_EMPLOYEES).set(f.active_employees as f64);
    gauge!(names::ACTIVE_SITES).set(f.active_sites as f64);
    gauge!(names::ACTIVE_OWNERS).set(f.active_owners as f64);
}

/// Counts the business figures now and then every [`FIGURES_EVERY`] until `stop`; a failed count
/// keeps the last values (and logs why).
pub async fn refresh_figures(store: Arc<dyn FiguresStore>, stop: CancellationToken) {
    let mut every = tokio::time::interval(FIGURES_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = every.tick() => match store.business_figures().await {
                Ok(f) => set_figures(f),
                Err(e) => tracing::warn!(error = %e, "cannot count the business figures for the metrics"),
            },
        }
    }
}

/// Reads the pool's connections at every scrape into the pool gauges.
pub fn watch_pool(
    metrics: &Metrics,
    store: &'static str,
    status: Arc<dyn Fn() -> PoolStatus + Send + Sync>,
) {
    metrics.on_scrape(move || {
        let p = status();
        let connections = |state: &'static str| {
            gauge!(names::DB_POOL_CONNECTIONS, "store" => store, "state" => state)
        };
        connections("idle").set(f64::from(p.idle));
        connections("in_use").set(f64::from(p.size.saturating_sub(p.idle)));
        gauge!(names::DB_POOL_MAX_CONNECTIONS, "store" => store).set(f64::from(p.max));
    });
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use app::background::FiguresStore;
    use domain::{ShiftId, SiteId, UserId};
    use testkit::metrics::value;

    fn closed(automatically: bool) -> DomainEvent {
        DomainEvent::ShiftClosed {
            shift_id: ShiftId(1),
            site_id: SiteId(1),
            employee_id: UserId(2),
            automatically,
        }
    }

    fn stated(change: ShiftChangeKind) -> DomainEvent {
        DomainEvent::ShiftEndStated {
            shift_id: ShiftId(1),
            site_id: SiteId(1),
            employee_id: UserId(2),
            change,
            by: UserId(3),
        }
    }

    #[tokio::test]
    async fn shift_events_are_counted_by_how_they_closed() {
        let metrics = telemetry::install("test");
        let before = metrics.render();
        let at = |text: &str, series: &str| value(text, series).unwrap_or(0.0);
        let sink = ShiftCounters::new();
        let zeroed = metrics.render();
        assert!(zeroed.contains("staffprobot_shifts_closed_total{how=\"owner\"}"));
        sink.publish(DomainEvent::ShiftOpened {
            shift_id: ShiftId(1),
            site_id: SiteId(1),
            employee_id: UserId(2),
        })
        .await;
        sink.publish(closed(false)).await;
        sink.publish(closed(true)).await;
        sink.publish(stated(ShiftChangeKind::ClosedByManager)).await;
        sink.publish(stated(ShiftChangeKind::ForgottenReported))
            .await;
        sink.publish(stated(ShiftChangeKind::Approved)).await;
        sink.publish(DomainEvent::UserChanged { user_id: UserId(2) })
            .await;
        let text = metrics.render();
        let added = |series: &str| at(&text, series) - at(&before, series);
        assert_eq!(added("staffprobot_shifts_opened_total"), 1.0, "{text}");
        assert_eq!(
            added(r#"staffprobot_shifts_closed_total{how="employee"}"#),
            2.0
        );
        assert_eq!(
            added(r#"staffprobot_shifts_closed_total{how="automatic"}"#),
            1.0
        );
        assert_eq!(
            added(r#"staffprobot_shifts_closed_total{how="owner"}"#),
            1.0
        );
    }

    #[tokio::test]
    async fn figures_and_pool_gauges_come_from_the_store() {
        let metrics = telemetry::install("test");
        let dir = tempfile::tempdir().unwrap();
        let store = store_sqlite::SqliteStore::connect(&format!(
            "sqlite://{}",
            dir.path().join("m.db").display()
        ))
        .await
        .unwrap();
        store.migrate().await.unwrap();
        let pool = store.clone();
        watch_pool(&metrics, "sqlite", Arc::new(move || pool.pool_status()));
        let store: Arc<dyn FiguresStore> = Arc::new(store);
        set_figures(store.business_figures().await.unwrap());
        let text = metrics.render();
        for gauge in [
            "staffprobot_shifts_running",
            "staffprobot_active_employees",
            "staffprobot_active_sites",
            "staffprobot_active_owners",
        ] {
            assert_eq!(value(&text, gauge), Some(0.0), "{gauge}: {text}");
        }
        assert_eq!(
            value(
                &text,
                r#"staffprobot_db_pool_max_connections{store="sqlite"}"#
            ),
            Some(8.0),
            "{text}"
        );
        assert!(
            value(
                &text,
                r#"staffprobot_db_pool_connections{store="sqlite",state="idle"}"#
            )
            .is_some()
        );
        assert!(
            value(
                &text,
                r#"staffprobot_db_pool_connections{store="sqlite",state="in_use"}"#
            )
            .is_some()
        );
    }
}
