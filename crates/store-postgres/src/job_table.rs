//! `impl app::JobTable for PgStore`: the embedded job queue's table (migration
//! 20261202000001) when PostgreSQL runs without RabbitMQ.
//!
//! Leasing picks the first `limit` ready rows of the `job_queue_ready` index with
//! `FOR UPDATE SKIP LOCKED` and updates them in the same statement: consumers in any number of
//! processes take disjoint batches without waiting for each other, in O(batch).

use crate::PgStore;
use crate::error::map;
use app::background::Area;
use app::job_table::{
    DeadTableJob, JobTable, LeaseBatch, LeasedJob, NewTableJob, TableCounts, TableSettlement,
};
use app::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;
use tracing::instrument;

/// The SET expressions all see the row as it was, so one statement leases the batch and
/// dead-letters the rows past the delivery limit. `$1` limit of deliveries, `$2` now, `$3` lease
/// deadline, `$4` area, `$5` batch size.
const LEASE: &str = "WITH picked AS ( \
       SELECT seq FROM job_queue \
       WHERE area = $4 AND dead_at IS NULL AND available_at <= $2 \
       ORDER BY available_at, seq LIMIT $5 \
       FOR UPDATE SKIP LOCKED) \
     UPDATE job_queue j SET \
       leases = j.leases + 1, \
       lease_token = CASE WHEN j.deliveries >= $1 THEN NULL ELSE j.leases + 1 END, \
       deliveries = CASE WHEN j.deliveries >= $1 THEN j.deliveries ELSE j.deliveries + 1 END, \
       available_at = CASE WHEN j.deliveries >= $1 THEN j.available_at ELSE $3 END, \
       dead_at = CASE WHEN j.deliveries >= $1 THEN $2 END, \
       dead_reason = CASE WHEN j.deliveries >= $1 THEN 'handed out ' || j.deliveries || \
           ' times and never settled: its worker died or lost the lease each time' END \
     FROM picked WHERE j.seq = picked.seq \
     RETURNING j.seq, j.lease_token, j.id, j.kind, j.payload::text AS payload, j.attempt, \
               j.enqueued_at, j.deliveries, j.dead_at IS NOT NULL AS dead";

/// The longest-dead job `$2` of area `$1`, as a subquery of the two statements below.
macro_rules! dead_by_id {
    () => {
        "(SELECT seq FROM job_queue \
          WHERE area = $1 AND id = $2 AND dead_at IS NOT NULL ORDER BY dead_at, seq LIMIT 1)"
    };
}
const REVIVE: &str = concat!(
    "UPDATE job_queue SET dead_at = NULL, dead_reason = NULL, attempt = 0, deliveries = 0, \
     lease_token = NULL, available_at = $3 WHERE seq = ",
    dead_by_id!()
);
const DROP_DEAD: &str = concat!("DELETE FROM job_queue WHERE seq = ", dead_by_id!());

fn bad_row(detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("unreadable row in job_queue: {detail}"))
}

/// Counts are u32 in the port and INTEGER here; none comes near the limit.
fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn count(column: &str, v: i32) -> StoreResult<u32> {
    u32::try_from(v).map_err(|_| bad_row(format!("{column} = {v} is negative")))
}

fn leased(row: &PgRow) -> StoreResult<LeasedJob> {
    Ok(LeasedJob {
        seq: row.try_get("seq").map_err(bad_row)?,
        token: row.try_get("lease_token").map_err(bad_row)?,
        id: row.try_get("id").map_err(bad_row)?,
        kind: row.try_get("kind").map_err(bad_row)?,
        payload: row.try_get("payload").map_err(bad_row)?,
        attempt: count("attempt", row.try_get("attempt").map_err(bad_row)?)?,
        enqueued_at: row.try_get("enqueued_at").map_err(bad_row)?,
        deliveries: count("deliveries", row.try_get("deliveries").map_err(bad_row)?)?,
    })
}

fn dead(row: &PgRow) -> StoreResult<DeadTableJob> {
    Ok(DeadTableJob {
        seq: row.try_get("seq").map_err(bad_row)?,
        id: row.try_get("id").map_err(bad_row)?,
        kind: row.try_get("kind").map_err(bad_row)?,
        payload: row.try_get("payload").map_err(bad_row)?,
        attempt: count("attempt", row.try_get("attempt").map_err(bad_row)?)?,
        enqueued_at: row.try_get("enqueued_at").map_err(bad_row)?,
        dead_at: row.try_get("dead_at").map_err(bad_row)?,
        reason: row
            .try_get::<Option<String>, _>("dead_reason")
            .map_err(bad_row)?
            .unwrap_or_default(),
        last_error: row.try_get("last_error").map_err(bad_row)?,
    })
}

#[async_trait]
impl JobTable for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_jobs(&self, jobs: &[NewTableJob]) -> StoreResult<()> {
        match jobs {
            [] => Ok(()),
            // The common case (one publish) skips the arrays.
            [job] => {
                sqlx::query(
                    "INSERT INTO job_queue \
                       (area, id, kind, payload, attempt, enqueued_at, available_at) \
                     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)",
                )
                .bind(job.area.as_str())
                .bind(&job.id)
                .bind(&job.kind)
                .bind(&job.payload)
                .bind(int(job.attempt))
                .bind(job.enqueued_at)
                .bind(job.available_at)
                .execute(&self.pool)
                .await
                .map_err(map)?;
                Ok(())
            }
            _ => {
                let areas: Vec<&str> = jobs.iter().map(|j| j.area.as_str()).collect();
                let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
                let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
                let payloads: Vec<&str> = jobs.iter().map(|j| j.payload.as_str()).collect();
                let attempts: Vec<i32> = jobs.iter().map(|j| int(j.attempt)).collect();
                let enqueued: Vec<DateTime<Utc>> = jobs.iter().map(|j| j.enqueued_at).collect();
                let available: Vec<DateTime<Utc>> = jobs.iter().map(|j| j.available_at).collect();
                // WITH ORDINALITY keeps the caller's order in `seq`.
                sqlx::query(
                    "INSERT INTO job_queue \
                       (area, id, kind, payload, attempt, enqueued_at, available_at) \
                     SELECT area, id, kind, payload::jsonb, attempt, enqueued_at, available_at \
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], \
                                 $6::timestamptz[], $7::timestamptz[]) WITH ORDINALITY \
                       AS t(area, id, kind, payload, attempt, enqueued_at, available_at, n) \
                     ORDER BY n",
                )
                .bind(&areas[..])
                .bind(&ids[..])
                .bind(&kinds[..])
                .bind(&payloads[..])
                .bind(&attempts[..])
                .bind(&enqueued[..])
                .bind(&available[..])
                .execute(&self.pool)
                .await
                .map_err(map)?;
                Ok(())
            }
        }
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn lease_jobs(
        &self,
        area: Area,
        limit: u32,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        max_deliveries: u32,
    ) -> StoreResult<LeaseBatch> {
        if limit == 0 {
            return Ok(LeaseBatch::default());
        }
        let rows = sqlx::query(LEASE)
            .bind(int(max_deliveries))
            .bind(now)
            .bind(until)
            .bind(area.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        let mut batch = LeaseBatch::default();
        for row in &rows {
            if row.try_get::<bool, _>("dead").map_err(bad_row)? {
                batch.dead_lettered += 1;
            } else {
                batch.jobs.push(leased(row)?);
            }
        }
        // RETURNING follows no promised order; seq is the order of insertion.
        batch.jobs.sort_by_key(|job| job.seq);
        Ok(batch)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn settle_job(
        &self,
        seq: i64,
        token: i64,
        settlement: TableSettlement,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = match settlement {
            TableSettlement::Ack => {
                sqlx::query("DELETE FROM job_queue WHERE seq = $1 AND lease_token = $2")
                    .bind(seq)
                    .bind(token)
                    .execute(&self.pool)
                    .await
            }
            TableSettlement::Retry {
                attempt,
                available_at,
                error,
            } => {
                sqlx::query(
                    "UPDATE job_queue SET attempt = $3, available_at = $4, deliveries = 0, \
                     lease_token = NULL, last_error = coalesce($5, last_error) \
                     WHERE seq = $1 AND lease_token = $2",
                )
                .bind(seq)
                .bind(token)
                .bind(int(attempt))
                .bind(available_at)
                .bind(error)
                .execute(&self.pool)
                .await
            }
            TableSettlement::DeadLetter { attempt, reason } => {
                sqlx::query(
                    "UPDATE job_queue SET attempt = $3, dead_at = $4, dead_reason = $5, \
                     lease_token = NULL WHERE seq = $1 AND lease_token = $2",
                )
                .bind(seq)
                .bind(token)
                .bind(int(attempt))
                .bind(now)
                .bind(reason)
                .execute(&self.pool)
                .await
            }
            TableSettlement::Release { delivered } => {
                sqlx::query(
                    "UPDATE job_queue SET available_at = $3, lease_token = NULL, \
                     deliveries = CASE WHEN $4 THEN deliveries ELSE greatest(deliveries - 1, 0) END \
                     WHERE seq = $1 AND lease_token = $2",
                )
                .bind(seq)
                .bind(token)
                .bind(now)
                .bind(delivered)
                .execute(&self.pool)
                .await
            }
        }
        .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn job_counts(&self, now: DateTime<Utc>) -> StoreResult<Vec<(Area, TableCounts)>> {
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT area, \
                    count(*) FILTER (WHERE dead_at IS NULL AND available_at <= $1), \
                    count(*) FILTER (WHERE dead_at IS NULL AND available_at > $1 \
                                       AND lease_token IS NULL), \
                    count(*) FILTER (WHERE dead_at IS NULL AND available_at > $1 \
                                       AND lease_token IS NOT NULL), \
                    count(*) FILTER (WHERE dead_at IS NOT NULL) \
             FROM job_queue GROUP BY area",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        let mut counts: Vec<(Area, TableCounts)> = Area::ALL
            .into_iter()
            .map(|area| (area, TableCounts::default()))
            .collect();
        let as_u64 = |v: i64| u64::try_from(v).unwrap_or(0);
        for (area, ready, delayed, in_flight, dead) in rows {
            let area =
                Area::parse(&area).ok_or_else(|| bad_row(format!("unknown area {area:?}")))?;
            if let Some((_, c)) = counts.iter_mut().find(|(a, _)| *a == area) {
                *c = TableCounts {
                    ready: as_u64(ready),
                    delayed: as_u64(delayed),
                    in_flight: as_u64(in_flight),
                    dead: as_u64(dead),
                };
            }
        }
        Ok(counts)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn dead_jobs(&self, area: Area, limit: u32) -> StoreResult<Vec<DeadTableJob>> {
        let rows = sqlx::query(
            "SELECT seq, id, kind, payload::text AS payload, attempt, enqueued_at, dead_at, \
                    dead_reason, last_error \
             FROM job_queue WHERE area = $1 AND dead_at IS NOT NULL \
             ORDER BY dead_at, seq LIMIT $2",
        )
        .bind(area.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        rows.iter().map(dead).collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revive_dead_job(&self, area: Area, id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(REVIVE)
            .bind(area.as_str())
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn drop_dead_job(&self, area: Area, id: &str) -> StoreResult<bool> {
        let done = sqlx::query(DROP_DEAD)
            .bind(area.as_str())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }
}
