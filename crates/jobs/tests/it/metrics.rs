//! The jobs' metric families appear with the catalog's names and labels after the matching
//! action, read back from the rendered Prometheus text: a job through the embedded queue on
//! SQLite (enqueued, started, succeeded, duplicate, retried, dead-lettered), the queue depth
//! after a refresh, the outbox depth and relay, a scheduler pass — and a publish to RabbitMQ.
//!
//! The recorder is the process's (testkit installs it); counters are labelled with job kinds
//! no other test uses, and gauges are read right after the action that sets them (nextest runs
//! each test in a process of its own).

use std::sync::Arc;
use std::time::Duration;

use app::background::{BackgroundStore, OutboxJob, OutboxStore};
use app::{Area, Clock, SetClock};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jobs::measures;
use jobs::{
    Backoff, DbConfig, DbQueue, Entry, Handler, Handlers, Job, JobQueue, Outcome, Relay,
    RelayConfig, Scheduler, SchedulerConfig, Worker, WorkerConfig,
};
use testkit::metrics::{recorder, scrape};

/// 2026-11-30T00:00:07Z: just after a tick of every entry below.
fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_996_800 + 7, 0).unwrap_or_default()
}

struct Answer(Outcome);

#[async_trait]
impl Handler for Answer {
    async fn handle(&self, _job: &Job) -> Outcome {
        self.0.clone()
    }
}

const OK: &str = "metrics.ok";
const FLAKY: &str = "metrics.flaky";
const BROKEN: &str = "metrics.broken";

fn handlers() -> Handlers {
    let mut handlers = Handlers::new();
    handlers
        .add(OK, Area::Shifts, Arc::new(Answer(Outcome::Done)))
        .add(
            FLAKY,
            Area::Shifts,
            Arc::new(Answer(Outcome::Retry("down for now".into()))),
        )
        .add(
            BROKEN,
            Area::Shifts,
            Arc::new(Answer(Outcome::Fail("bad payload".into()))),
        );
    handlers
}

fn counter(name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape().value(name, labels).unwrap_or(0.0)
}

fn processed(kind: &str, outcome: &str) -> f64 {
    counter(
        measures::JOBS_PROCESSED,
        &[("kind", kind), ("outcome", outcome)],
    )
}

async fn publish(queue: &DbQueue, id: &str, kind: &str, at: DateTime<Utc>) {
    let job = Job::new(id, kind, serde_json::json!({}), at);
    queue
        .publish(Area::Shifts, &job)
        .await
        .unwrap_or_else(|e| panic!("publish {id}: {e}"));
}

#[tokio::test]
async fn a_job_is_counted_at_each_step_through_the_embedded_queue() {
    recorder();
    let store = Arc::new(crate::embedded_sqlite::sqlite_store().await);
    let clock = Arc::new(SetClock::new(start()));
    let queue = DbQueue::new(
        store.clone(),
        clock.clone(),
        DbConfig {
            max_attempts: 2,
            poll_interval: Duration::from_millis(20),
            ..DbConfig::default()
        },
    );
    let worker = Worker::new(
        Arc::new(queue.clone()),
        handlers(),
        store.clone(),
        clock.clone(),
        WorkerConfig {
            concurrency: 1,
            backoff: Backoff {
                base: Duration::from_secs(1),
                factor: 1,
                max: Duration::from_secs(1),
            },
        },
    );
    let work_off = || async {
        worker
            .work_off_ready()
            .await
            .unwrap_or_else(|e| panic!("work off: {e}"))
    };

    publish(&queue, "ok:1", OK, start()).await;
    publish(&queue, "flaky:1", FLAKY, start()).await;
    publish(&queue, "broken:1", BROKEN, start()).await;
    assert_eq!(counter(measures::JOBS_ENQUEUED, &[("kind", OK)]), 1.0);
    assert_eq!(counter(measures::JOBS_ENQUEUED, &[("kind", FLAKY)]), 1.0);
    assert_eq!(work_off().await, 3);
    for kind in [OK, FLAKY, BROKEN] {
        assert_eq!(
            counter(measures::JOBS_STARTED, &[("kind", kind)]),
            1.0,
            "{kind}"
        );
    }
    assert_eq!(processed(OK, "succeeded"), 1.0);
    assert_eq!(processed(FLAKY, "retried"), 1.0);
    // A job that can never succeed goes to the dead letters at once.
    assert_eq!(processed(BROKEN, "dead_lettered"), 1.0);

    // The same key again (a redelivery): acked without running.
    publish(&queue, "ok:1", OK, start()).await;
    assert_eq!(work_off().await, 1);
    assert_eq!(processed(OK, "duplicate"), 1.0);
    assert_eq!(processed(OK, "succeeded"), 1.0);

    // Its delay over, the flaky job uses its last attempt: dead-lettered, not "retried".
    clock.advance(chrono::Duration::seconds(2));
    assert_eq!(work_off().await, 1);
    assert_eq!(processed(FLAKY, "retried"), 1.0);
    assert_eq!(processed(FLAKY, "dead_lettered"), 1.0);
    assert_eq!(counter(measures::JOBS_STARTED, &[("kind", FLAKY)]), 2.0);

    // One job waiting out a retry delay, one ready, two dead.
    publish(&queue, "flaky:2", FLAKY, clock.now()).await;
    assert_eq!(work_off().await, 1);
    publish(&queue, "ok:2", OK, clock.now()).await;
    worker
        .refresh_queue_depth()
        .await
        .unwrap_or_else(|e| panic!("depth: {e}"));

    let scraped = scrape();
    let depth = |area: &str, state: &str| {
        scraped.value(measures::QUEUE_DEPTH, &[("area", area), ("state", state)])
    };
    assert_eq!(depth("shifts", "ready"), Some(1.0), "{}", scraped.text);
    assert_eq!(depth("shifts", "delayed"), Some(1.0));
    assert_eq!(depth("shifts", "dead"), Some(2.0));
    for area in ["notifications", "analytics"] {
        for state in ["ready", "delayed", "dead"] {
            assert_eq!(depth(area, state), Some(0.0), "{area} {state}");
        }
    }
    assert_eq!(scraped.kind(measures::QUEUE_DEPTH), Some("gauge"));
    assert_eq!(
        scraped.label_names(measures::QUEUE_DEPTH),
        [["area", "state"]]
    );
    for (family, labels) in [
        (measures::JOBS_ENQUEUED, vec!["kind"]),
        (measures::JOBS_STARTED, vec!["kind"]),
        (measures::JOBS_PROCESSED, vec!["kind", "outcome"]),
    ] {
        assert_eq!(scraped.kind(family), Some("counter"), "{family}");
        assert_eq!(scraped.label_names(family), [labels], "{family}");
    }
    let outcomes: std::collections::BTreeSet<&str> = scraped
        .matching(measures::JOBS_PROCESSED, &[])
        .filter_map(|s| s.labels.get("outcome").map(String::as_str))
        .collect();
    assert_eq!(
        outcomes,
        ["dead_lettered", "duplicate", "retried", "succeeded"].into()
    );
    // Every handled delivery has its duration: ok:1 twice (once a duplicate), ok:2 not yet.
    let duration = format!("{}_count", measures::JOB_DURATION);
    assert_eq!(scraped.value(&duration, &[("kind", OK)]), Some(2.0));
    assert_eq!(scraped.kind(measures::JOB_DURATION), Some("histogram"));
    assert!(
        scraped
            .value(
                &format!("{}_bucket", measures::JOB_DURATION),
                &[("kind", OK), ("le", "0.0005")]
            )
            .is_some(),
        "the catalog's first bucket: {}",
        scraped.text
    );
}

#[tokio::test]
async fn the_relay_counts_what_it_moves_and_the_outbox_depth() {
    recorder();
    let store = Arc::new(crate::embedded_sqlite::sqlite_store().await);
    let clock = Arc::new(SetClock::new(start()));
    let queue = Arc::new(DbQueue::new(
        store.clone(),
        clock.clone(),
        DbConfig::default(),
    ));
    let relay = Relay::new(store.clone(), queue, clock.clone(), RelayConfig::default());
    let jobs: Vec<OutboxJob> = (0..3)
        .map(|i| OutboxJob {
            id: format!("relayed:{i}"),
            area: Area::Analytics,
            kind: "metrics.relayed".to_owned(),
            payload: serde_json::json!({}),
        })
        .collect();
    store
        .add_to_outbox(&jobs, clock.now())
        .await
        .unwrap_or_else(|e| panic!("outbox: {e}"));

    relay
        .refresh_outbox_depth()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let before = scrape();
    assert_eq!(before.value(measures::OUTBOX_DEPTH, &[]), Some(3.0));
    assert_eq!(before.kind(measures::OUTBOX_DEPTH), Some("gauge"));
    let relayed_before = before.value(measures::OUTBOX_RELAYED, &[]).unwrap_or(0.0);

    assert_eq!(
        relay.relay_once().await.unwrap_or_else(|e| panic!("{e}")),
        3
    );
    relay
        .refresh_outbox_depth()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let after = scrape();
    assert_eq!(after.value(measures::OUTBOX_DEPTH, &[]), Some(0.0));
    assert_eq!(
        after.value(measures::OUTBOX_RELAYED, &[]),
        Some(relayed_before + 3.0)
    );
    // A relayed job is enqueued once the queue confirmed it.
    assert_eq!(
        after.value(measures::JOBS_ENQUEUED, &[("kind", "metrics.relayed")]),
        Some(3.0)
    );
    assert_eq!(store.outbox_len().await.unwrap_or(u64::MAX), 0);
}

#[tokio::test]
async fn a_scheduler_pass_sets_its_gauges() {
    recorder();
    let store: Arc<dyn BackgroundStore> = Arc::new(crate::embedded_sqlite::sqlite_store().await);
    let clock = Arc::new(SetClock::new(start()));
    let entries = vec![
        Entry {
            name: "metrics-minute",
            every: chrono::Duration::minutes(1),
            area: Area::Notifications,
            kind: "scan.test",
        },
        Entry {
            name: "metrics-five",
            every: chrono::Duration::minutes(5),
            area: Area::Shifts,
            kind: "scan.test",
        },
    ];
    let scheduler = |holder: &str| {
        Scheduler::new(
            store.clone(),
            entries.clone(),
            clock.clone(),
            holder,
            SchedulerConfig::default(),
        )
    };
    let active = scheduler("a");
    let pass = active.pass().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(pass.active);
    let tick = start().timestamp() - 7;

    let scraped = scrape();
    let gauge = |name: &str, entry: &str| scraped.value(name, &[("entry", entry)]);
    assert_eq!(scraped.value(measures::SCHEDULER_LEADER, &[]), Some(1.0));
    assert_eq!(gauge(measures::SCHEDULE_TICKS, "metrics-minute"), Some(1.0));
    assert_eq!(
        gauge(measures::SCHEDULE_LAST_TICK, "metrics-minute"),
        Some(tick as f64)
    );
    assert_eq!(
        gauge(measures::SCHEDULE_LAST_TICK, "metrics-five"),
        Some(tick as f64)
    );
    assert_eq!(
        gauge(measures::SCHEDULE_PERIOD, "metrics-minute"),
        Some(60.0)
    );
    assert_eq!(
        gauge(measures::SCHEDULE_PERIOD, "metrics-five"),
        Some(300.0)
    );
    for family in [
        measures::SCHEDULE_LAST_TICK,
        measures::SCHEDULE_PERIOD,
        measures::SCHEDULER_LEADER,
    ] {
        assert_eq!(scraped.kind(family), Some("gauge"), "{family}");
    }
    assert_eq!(scraped.kind(measures::SCHEDULE_TICKS), Some("counter"));

    // A minute on: the minute entry ticks again; the five-minute one keeps its last tick.
    clock.advance(chrono::Duration::minutes(1));
    active.pass().await.unwrap_or_else(|e| panic!("{e}"));
    let scraped = scrape();
    let gauge = |name: &str, entry: &str| scraped.value(name, &[("entry", entry)]);
    assert_eq!(gauge(measures::SCHEDULE_TICKS, "metrics-minute"), Some(2.0));
    assert_eq!(
        gauge(measures::SCHEDULE_LAST_TICK, "metrics-minute"),
        Some((tick + 60) as f64)
    );
    assert_eq!(
        gauge(measures::SCHEDULE_LAST_TICK, "metrics-five"),
        Some(tick as f64)
    );

    // A scheduler standing by says so; one that gave the lease up too.
    let standby = scheduler("b");
    assert!(
        !standby
            .pass()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .active
    );
    assert_eq!(scrape().value(measures::SCHEDULER_LEADER, &[]), Some(0.0));
    active.pass().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scrape().value(measures::SCHEDULER_LEADER, &[]), Some(1.0));
    active.release().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scrape().value(measures::SCHEDULER_LEADER, &[]), Some(0.0));
}

/// RabbitMQ counts a publish once the broker confirmed it, and its depths (passive declares of
/// the work, delay and dead queues) reach the same gauge.
#[tokio::test]
async fn rabbitmq_counts_confirmed_publishes_and_reports_depth() {
    recorder();
    let queue = jobs::RabbitQueue::connect(crate::rabbit::test_config())
        .await
        .unwrap_or_else(|e| panic!("RabbitMQ at {}: {e}", crate::rabbit::url()));
    let store = Arc::new(crate::embedded_sqlite::sqlite_store().await);
    let clock = Arc::new(SetClock::new(start()));
    for i in 0..2 {
        let job = Job::new(
            format!("amqp:{i}"),
            "metrics.amqp",
            serde_json::json!({}),
            start(),
        );
        queue
            .publish(Area::Notifications, &job)
            .await
            .unwrap_or_else(|e| panic!("publish: {e}"));
    }
    let worker = Worker::new(
        Arc::new(queue.clone()),
        handlers(),
        store,
        clock,
        WorkerConfig::default(),
    );
    let refreshed = worker.refresh_queue_depth().await;
    let scraped = scrape();
    if let Err(error) = queue.delete_all().await {
        eprintln!("could not delete the test queues: {error}");
    }
    refreshed.unwrap_or_else(|e| panic!("depth: {e}"));
    assert_eq!(
        scraped.value(measures::JOBS_ENQUEUED, &[("kind", "metrics.amqp")]),
        Some(2.0)
    );
    assert_eq!(
        scraped.value(
            measures::QUEUE_DEPTH,
            &[("area", "notifications"), ("state", "ready")]
        ),
        Some(2.0),
        "{}",
        scraped.text
    );
}
