//! Conformance cases of the job queue table (`app::JobTable`), run on both stores through
//! [`job_table_tests!`](crate::job_table_tests): leases and their fencing tokens, the delivery
//! limit, settling, counting and the dead letters. Fixed instants, no wall clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::background::Area;
use app::job_table::{JobTable, LeasedJob, NewTableJob, TableCounts, TableSettlement};
use chrono::{DateTime, Duration, Utc};

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_996_800, 0).unwrap() + Duration::minutes(minutes)
}

fn job(area: Area, id: &str, available_at: DateTime<Utc>) -> NewTableJob {
    NewTableJob {
        area,
        id: id.into(),
        kind: "test".into(),
        payload: format!("{{\"id\":\"{id}\"}}"),
        attempt: 0,
        enqueued_at: at(0),
        available_at,
    }
}

/// Leases up to `limit` jobs of `area` at minute `now` for 10 minutes, at most 3 hand-outs.
async fn lease(table: &dyn JobTable, area: Area, limit: u32, now: i64) -> Vec<LeasedJob> {
    let batch = table
        .lease_jobs(area, limit, at(now), at(now + 10), 3)
        .await
        .unwrap();
    assert_eq!(batch.dead_lettered, 0);
    batch.jobs
}

fn ids(jobs: &[LeasedJob]) -> Vec<&str> {
    jobs.iter().map(|j| j.id.as_str()).collect()
}

async fn counts(table: &dyn JobTable, area: Area, now: i64) -> TableCounts {
    let all = table.job_counts(at(now)).await.unwrap();
    assert_eq!(all.len(), Area::ALL.len());
    all.into_iter().find(|(a, _)| *a == area).unwrap().1
}

pub async fn a_late_settle_of_a_lease_taken_over_does_nothing(table: &dyn JobTable) {
    table
        .insert_jobs(&[job(Area::Shifts, "slow", at(0))])
        .await
        .unwrap();
    let first = lease(table, Area::Shifts, 1, 0).await;
    assert_eq!(ids(&first), ["slow"]);
    assert_eq!(first[0].deliveries, 1);
    // While the lease runs nobody else gets it.
    assert!(lease(table, Area::Shifts, 1, 5).await.is_empty());
    // It ran out: another consumer takes it, with a new token.
    let second = lease(table, Area::Shifts, 1, 11).await;
    assert_eq!(ids(&second), ["slow"]);
    assert_eq!(second[0].seq, first[0].seq);
    assert_ne!(second[0].token, first[0].token);
    assert_eq!(second[0].deliveries, 2);

    let (seq, old) = (first[0].seq, first[0].token);
    for late in [
        TableSettlement::Ack,
        TableSettlement::Retry {
            attempt: 1,
            available_at: at(100),
            error: Some("late".into()),
        },
        TableSettlement::DeadLetter {
            attempt: 1,
            reason: "late".into(),
        },
        TableSettlement::Release { delivered: true },
    ] {
        let settled = table.settle_job(seq, old, late.clone(), at(12)).await;
        assert_eq!(settled, Ok(false), "{late:?} with the old token");
    }
    let c = counts(table, Area::Shifts, 12).await;
    assert_eq!((c.ready, c.delayed, c.in_flight, c.dead), (0, 0, 1, 0));

    // The holder of the running lease settles; then that token is spent too.
    let token = second[0].token;
    let acked = table
        .settle_job(seq, token, TableSettlement::Ack, at(12))
        .await;
    assert_eq!(acked, Ok(true));
    let again = table
        .settle_job(seq, token, TableSettlement::Ack, at(12))
        .await;
    assert_eq!(again, Ok(false));
    assert_eq!(
        counts(table, Area::Shifts, 12).await,
        TableCounts::default()
    );
}

pub async fn a_late_settle_before_anyone_took_over_still_counts(table: &dyn JobTable) {
    table
        .insert_jobs(&[job(Area::Notifications, "n", at(0))])
        .await
        .unwrap();
    let leased = lease(table, Area::Notifications, 1, 0).await;
    // The lease ran out at minute 10, but nobody took the job: the ack still holds.
    let acked = table
        .settle_job(leased[0].seq, leased[0].token, TableSettlement::Ack, at(30))
        .await;
    assert_eq!(acked, Ok(true));
    assert!(lease(table, Area::Notifications, 1, 31).await.is_empty());
}

pub async fn leases_take_the_earliest_ready_in_batches(table: &dyn JobTable) {
    let area = Area::Analytics;
    table
        .insert_jobs(&[
            job(area, "a", at(0)),
            job(area, "b", at(0)),
            job(area, "later", at(30)),
            job(area, "c", at(1)),
            job(Area::Shifts, "elsewhere", at(0)),
        ])
        .await
        .unwrap();
    let first = lease(table, area, 2, 5).await;
    assert_eq!(ids(&first), ["a", "b"]);
    let second = lease(table, area, 2, 5).await;
    assert_eq!(ids(&second), ["c"]);
    assert!(lease(table, area, 2, 5).await.is_empty());
    let c = counts(table, area, 5).await;
    assert_eq!((c.ready, c.delayed, c.in_flight, c.dead), (0, 1, 3, 0));
    for leased in first.iter().chain(&second) {
        let acked = table
            .settle_job(leased.seq, leased.token, TableSettlement::Ack, at(6))
            .await;
        assert_eq!(acked, Ok(true));
    }
    assert_eq!(ids(&lease(table, area, 2, 30).await), ["later"]);
    assert!(
        table
            .lease_jobs(area, 0, at(30), at(40), 3)
            .await
            .unwrap()
            .jobs
            .is_empty()
    );
}

pub async fn a_job_handed_out_too_often_goes_to_the_dead_letters(table: &dyn JobTable) {
    table
        .insert_jobs(&[job(Area::Shifts, "poison", at(0))])
        .await
        .unwrap();
    // A dropped delivery goes back at once and counts; a lease that runs out counts too.
    let first = lease(table, Area::Shifts, 1, 0).await;
    let release = TableSettlement::Release { delivered: true };
    let released = table
        .settle_job(first[0].seq, first[0].token, release, at(1))
        .await;
    assert_eq!(released, Ok(true));
    assert_eq!(lease(table, Area::Shifts, 1, 1).await[0].deliveries, 2);
    assert_eq!(lease(table, Area::Shifts, 1, 12).await[0].deliveries, 3);
    let batch = table
        .lease_jobs(Area::Shifts, 5, at(23), at(33), 3)
        .await
        .unwrap();
    assert!(batch.jobs.is_empty());
    assert_eq!(batch.dead_lettered, 1);
    let dead = table.dead_jobs(Area::Shifts, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, "poison");
    assert_eq!(dead[0].dead_at, at(23));
    assert!(dead[0].reason.contains("3 times"), "{}", dead[0].reason);
    let c = counts(table, Area::Shifts, 23).await;
    assert_eq!((c.ready, c.delayed, c.in_flight, c.dead), (0, 0, 0, 1));
}

pub async fn a_release_of_an_undelivered_job_gives_the_delivery_back(table: &dyn JobTable) {
    table
        .insert_jobs(&[job(Area::Shifts, "kept", at(0))])
        .await
        .unwrap();
    for minute in 0..5 {
        let leased = lease(table, Area::Shifts, 1, minute).await;
        assert_eq!(leased[0].deliveries, 1, "at minute {minute}");
        let release = TableSettlement::Release { delivered: false };
        let settled = table
            .settle_job(leased[0].seq, leased[0].token, release, at(minute))
            .await;
        assert_eq!(settled, Ok(true));
    }
}

pub async fn retries_wait_and_dead_letters_keep_their_story(table: &dyn JobTable) {
    let area = Area::Notifications;
    table
        .insert_jobs(&[job(area, "flaky", at(0)), job(area, "other", at(0))])
        .await
        .unwrap();
    let leased = lease(table, area, 2, 0).await;
    let (flaky, other) = (&leased[0], &leased[1]);
    let retry = TableSettlement::Retry {
        attempt: 1,
        available_at: at(5),
        error: Some("timeout".into()),
    };
    let retried = table.settle_job(flaky.seq, flaky.token, retry, at(1)).await;
    assert_eq!(retried, Ok(true));
    let dead = TableSettlement::DeadLetter {
        attempt: 0,
        reason: "unknown kind".into(),
    };
    let buried = table.settle_job(other.seq, other.token, dead, at(2)).await;
    assert_eq!(buried, Ok(true));
    let c = counts(table, area, 2).await;
    assert_eq!((c.ready, c.delayed, c.in_flight, c.dead), (0, 1, 0, 1));
    assert!(lease(table, area, 5, 4).await.is_empty());

    let back = lease(table, area, 5, 5).await;
    assert_eq!(ids(&back), ["flaky"]);
    assert_eq!((back[0].attempt, back[0].deliveries), (1, 1));
    let dead = TableSettlement::DeadLetter {
        attempt: 2,
        reason: "gave up after 2 attempts".into(),
    };
    let buried = table
        .settle_job(back[0].seq, back[0].token, dead, at(6))
        .await;
    assert_eq!(buried, Ok(true));

    let letters = table.dead_jobs(area, 10).await.unwrap();
    let story: Vec<_> = letters
        .iter()
        .map(|d| {
            (
                d.id.as_str(),
                d.attempt,
                d.reason.as_str(),
                d.last_error.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        story,
        [
            ("other", 0, "unknown kind", None),
            ("flaky", 2, "gave up after 2 attempts", Some("timeout")),
        ]
    );
    // PostgreSQL keeps it as jsonb, which spaces it its own way.
    assert_eq!(letters[1].payload.replace(' ', ""), "{\"id\":\"flaky\"}");
    assert_eq!(table.dead_jobs(area, 1).await.unwrap().len(), 1);
    assert!(table.dead_jobs(Area::Shifts, 10).await.unwrap().is_empty());

    // Revived: ready at once with its attempts reset; dropped: gone.
    assert_eq!(table.revive_dead_job(area, "flaky", at(7)).await, Ok(true));
    assert_eq!(table.revive_dead_job(area, "flaky", at(7)).await, Ok(false));
    assert_eq!(
        table.revive_dead_job(Area::Shifts, "other", at(7)).await,
        Ok(false)
    );
    let revived = lease(table, area, 5, 7).await;
    assert_eq!(ids(&revived), ["flaky"]);
    assert_eq!((revived[0].attempt, revived[0].deliveries), (0, 1));
    assert_eq!(table.drop_dead_job(area, "other").await, Ok(true));
    assert_eq!(table.drop_dead_job(area, "other").await, Ok(false));
    assert!(table.dead_jobs(area, 10).await.unwrap().is_empty());
}

/// Every case above, as tests of the store `$make` gives (an `async fn() -> Arc<Store>`).
#[macro_export]
macro_rules! job_table_tests {
    ($make:path) => {
        $crate::job_table_tests!(@cases $make;
            a_late_settle_of_a_lease_taken_over_does_nothing,
            a_late_settle_before_anyone_took_over_still_counts,
            leases_take_the_earliest_ready_in_batches,
            a_job_handed_out_too_often_goes_to_the_dead_letters,
            a_release_of_an_undelivered_job_gives_the_delivery_back,
            retries_wait_and_dead_letters_keep_their_story,
        );
    };
    (@cases $make:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let table = $make().await;
                $crate::job_table::$case(&*table).await;
            }
        )+
    };
}
