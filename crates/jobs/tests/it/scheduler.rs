//! Several schedulers on one database (SQLite and PostgreSQL): only the lease holder fires, each
//! tick fires once even when they race, and when the active one dies another takes over within
//! the lease time, firing the ticks that passed meanwhile — none lost, none doubled.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use app::background::BackgroundStore;
use app::{Area, Clock, SetClock};
use chrono::{DateTime, Duration, Utc};
use jobs::{Entry, Scheduler, SchedulerConfig};

/// 2026-11-30T00:00:00Z plus a bit, away from any tick.
fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_996_800 + 7, 0).unwrap_or_default()
}

fn entries() -> Vec<Entry> {
    vec![
        Entry {
            name: "every-minute",
            every: Duration::minutes(1),
            area: Area::Notifications,
            kind: "scan.test",
        },
        Entry {
            name: "every-five",
            every: Duration::minutes(5),
            area: Area::Shifts,
            kind: "scan.test",
        },
    ]
}

fn scheduler(store: &Arc<dyn BackgroundStore>, clock: &Arc<SetClock>, holder: &str) -> Scheduler {
    Scheduler::new(
        store.clone(),
        entries(),
        clock.clone(),
        holder,
        SchedulerConfig {
            lease: StdDuration::from_secs(30),
            poll: StdDuration::from_secs(5),
        },
    )
}

/// Every tick each scheduler fired, by entry: the union must hold each instant once.
type Fired = BTreeMap<&'static str, Vec<DateTime<Utc>>>;

fn record(fired: &mut Fired, pass: &jobs::Pass) {
    for (name, at) in &pass.fired {
        fired.entry(name).or_default().push(*at);
    }
}

fn assert_each_tick_once(fired: &Fired, from: DateTime<Utc>, to: DateTime<Utc>) {
    for entry in entries() {
        let mut got = fired.get(entry.name).cloned().unwrap_or_default();
        got.sort();
        let mut want = Vec::new();
        let mut at = entry.due(from);
        while at <= to {
            want.push(at);
            at += entry.every;
        }
        assert_eq!(got, want, "ticks of {}", entry.name);
    }
}

async fn failover(store: Arc<dyn BackgroundStore>) {
    let clock = Arc::new(SetClock::new(start()));
    let a = scheduler(&store, &clock, "a");
    let b = scheduler(&store, &clock, "b");
    let mut fired = Fired::new();

    let pass = a.pass().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(pass.active);
    record(&mut fired, &pass);
    let pass = b.pass().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!pass.active, "the lease is a's");
    assert!(pass.fired.is_empty());

    // Both pass every 5 s for 3 minutes: a renews, b stands by.
    for _ in 0..36 {
        clock.advance(Duration::seconds(5));
        record(
            &mut fired,
            &a.pass().await.unwrap_or_else(|e| panic!("{e}")),
        );
        let pass = b.pass().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(!pass.active);
    }
    // a dies without giving the lease up. b takes over once the lease ran out (≤ 30 s), then
    // fires the minute ticks that passed in between.
    let died = clock.now();
    let mut took_over = None;
    for _ in 0..20 {
        clock.advance(Duration::seconds(5));
        let pass = b.pass().await.unwrap_or_else(|e| panic!("{e}"));
        record(&mut fired, &pass);
        if pass.active {
            took_over = Some(clock.now());
            break;
        }
    }
    let took_over = took_over.unwrap_or_else(|| panic!("b never took over"));
    assert!(
        took_over - died <= Duration::seconds(35),
        "{}",
        took_over - died
    );
    for _ in 0..24 {
        clock.advance(Duration::seconds(5));
        record(
            &mut fired,
            &b.pass().await.unwrap_or_else(|e| panic!("{e}")),
        );
    }
    // a comes back (a paused process): it no longer holds the lease and fires nothing.
    let pass = a.pass().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!pass.active && pass.fired.is_empty());
    assert_each_tick_once(&fired, start(), clock.now());

    // b stops cleanly: a takes over at once.
    b.release().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(a.pass().await.unwrap_or_else(|e| panic!("{e}")).active);
}

async fn racing(store: Arc<dyn BackgroundStore>) {
    // New schedulers start together each time the last holder's lease has run out: they race
    // for the lease and for the same ticks at the same instant.
    let clock = Arc::new(SetClock::new(start()));
    let mut fired = Fired::new();
    for step in 0..30 {
        clock.advance(Duration::seconds(40));
        let racers: Vec<_> = (0..4)
            .map(|i| {
                let s = scheduler(&store, &clock, &format!("r{step}-{i}"));
                tokio::spawn(async move { s.pass().await })
            })
            .collect();
        let mut active = 0;
        for racer in racers {
            let pass = racer
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{e}"));
            active += usize::from(pass.active);
            record(&mut fired, &pass);
        }
        assert_eq!(active, 1, "one holder at step {step}");
    }
    // The first pass fires the tick due at the start; the rest follow.
    assert_each_tick_once(&fired, start() + Duration::seconds(40), clock.now());
}

#[tokio::test]
async fn failover_on_sqlite() {
    failover(Arc::new(crate::embedded_sqlite::sqlite_store().await)).await;
}

#[tokio::test]
async fn failover_on_postgres() {
    failover(Arc::new(crate::support::pg_store().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_schedulers_fire_each_tick_once_on_sqlite() {
    racing(Arc::new(crate::embedded_sqlite::sqlite_store().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_schedulers_fire_each_tick_once_on_postgres() {
    racing(Arc::new(crate::support::pg_store().await)).await;
}
