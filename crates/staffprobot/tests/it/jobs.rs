//! Background work through the binary: `scheduler --once` on the embedded queue, the `jobs`
//! commands, and `worker` and `scheduler` as their own processes on PostgreSQL and RabbitMQ.

use crate::{fresh_postgres, ok, staffprobot, start};
use std::time::{Duration, Instant};

#[test]
fn scheduler_once_fires_what_is_due_once_and_does_the_work_itself() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(staffprobot(dir.path(), &[])
        .args(["scheduler", "--once"])
        .output()
        .unwrap());
    for entry in [
        "reminders",
        "no-shows",
        "auto-close",
        "cleanup",
        "cache-refresh",
    ] {
        assert!(out.contains(entry), "{entry} fired:\n{out}");
    }
    assert!(out.contains("embedded"), "{out}");
    let worked = out
        .lines()
        .find_map(|l| l.split("did ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("how much was done:\n{out}"));
    assert!(worked >= 4, "the four scans ran here:\n{out}");
    // The same instant again: every entry already fired.
    let again = ok(staffprobot(dir.path(), &[])
        .args(["scheduler", "--once"])
        .output()
        .unwrap());
    assert!(again.contains("Nothing was due"), "{again}");

    let status = ok(staffprobot(dir.path(), &[])
        .args(["jobs", "status"])
        .output()
        .unwrap());
    for area in ["notifications", "shifts", "analytics", "Outbox"] {
        assert!(status.contains(area), "{area}:\n{status}");
    }
}

#[test]
fn jobs_commands_explain_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = staffprobot(dir.path(), &[])
        .args(["jobs", "dead", "--area", "payroll"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("expected notifications, shifts or analytics"),
        "{err}"
    );
    // Migrations first, then a retry of a job that is not dead.
    ok(staffprobot(dir.path(), &[])
        .arg("migrate")
        .output()
        .unwrap());
    let out = staffprobot(dir.path(), &[])
        .args(["jobs", "retry", "--area", "shifts", "--id", "nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no dead job \"nope\" in shifts"), "{err}");
    let dead = ok(staffprobot(dir.path(), &[])
        .args(["jobs", "dead", "--area", "shifts"])
        .output()
        .unwrap());
    assert!(dead.contains("No dead letters in shifts"), "{dead}");
}

/// Production's shape: PostgreSQL, RabbitMQ, and the worker and scheduler as processes of their
/// own. The scheduler fires at start; the worker does the jobs; both stop cleanly on SIGTERM.
#[test]
fn worker_and_scheduler_run_as_their_own_processes_on_rabbitmq() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_postgres();
    let prefix = format!("test.cli.{}.{:x}", std::process::id(), random());
    let rabbit = std::env::var("RABBITMQ_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());
    let env = [
        ("DATABASE_URL", db.as_str()),
        ("RABBITMQ_URL", rabbit.as_str()),
        ("RABBITMQ_PREFIX", prefix.as_str()),
    ];
    ok(staffprobot(dir.path(), &env)
        .arg("migrate")
        .output()
        .unwrap());
    let worker = start(dir.path(), &["worker"], &env);
    assert!(
        worker
            .lines
            .join("\n")
            .contains("worker on the RabbitMQ queue"),
        "{:?}",
        worker.lines
    );
    let scheduler = start(dir.path(), &["scheduler"], &env);
    assert!(
        scheduler.lines.join("\n").contains("Schedule: reminders"),
        "{:?}",
        scheduler.lines
    );
    // The four scans fired at start go through RabbitMQ and are done by the worker.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let status = ok(staffprobot(dir.path(), &env)
            .args(["jobs", "status"])
            .output()
            .unwrap());
        let idle = status.contains("Outbox (waiting to be relayed): 0")
            && status
                .lines()
                .filter(|l| {
                    ["notifications", "shifts", "analytics"]
                        .iter()
                        .any(|a| l.starts_with(a))
                })
                .all(|l| l.split_whitespace().nth(1) == Some("0"));
        if idle && worker.stderr().matches("clean-up done").count() == 1 {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the jobs were not done:\n{status}\n{}",
            worker.stderr()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.contains("Queue: RabbitMQ"), "{status}");
    assert!(
        scheduler.stderr().contains("schedule entry fired"),
        "{}",
        scheduler.stderr()
    );
    let log = worker.stop();
    assert!(log.contains("worker stopped"), "{log}");
    scheduler.stop();
}

fn random() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now())
}
