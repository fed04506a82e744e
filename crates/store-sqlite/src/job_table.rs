//! `impl app::JobTable for SqliteStore`: the embedded job queue's table (migration 0007).
//!
//! Every write goes through `write()`, so leases of this process queue on the write gate and
//! SQLite's single writer guarantees no job is leased twice at once. Leasing is one UPDATE over
//! the first `limit` ready rows of the `job_queue_ready` index: O(batch), however long the queue.

use crate::SqliteStore;
use crate::error::{bad_row, from_sqlx};
use crate::rows::micros;
use app::StoreResult;
use app::background::Area;
use app::job_table::{
    DeadTableJob, JobTable, LeaseBatch, LeasedJob, NewTableJob, TableCounts, TableSettlement,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use tracing::instrument;

const TABLE: &str = "job_queue";

/// One statement leases the batch and dead-letters the rows past the delivery limit: the SET
/// expressions all see the row as it was. `?1` limit of deliveries, `?2` now, `?3` lease
/// deadline, `?4` area, `?5` batch size.
const LEASE: &str = "UPDATE job_queue SET \
       leases = leases + 1, \
       lease_token = CASE WHEN deliveries >= ?1 THEN NULL ELSE leases + 1 END, \
       deliveries = CASE WHEN deliveries >= ?1 THEN deliveries ELSE deliveries + 1 END, \
       available_at = CASE WHEN deliveries >= ?1 THEN available_at ELSE ?3 END, \
       dead_at = CASE WHEN deliveries >= ?1 THEN ?2 END, \
       dead_reason = CASE WHEN deliveries >= ?1 THEN 'handed out ' || deliveries || \
           ' times and never settled: its worker died or lost the lease each time' END \
     WHERE seq IN (SELECT seq FROM job_queue \
                   WHERE area = ?4 AND dead_at IS NULL AND available_at <= ?2 \
                   ORDER BY available_at, seq LIMIT ?5) \
     RETURNING seq, lease_token, id, kind, payload, attempt, enqueued_at, deliveries, \
               dead_at IS NOT NULL AS dead";

/// The longest-dead job `?2` of area `?1`, as a subquery of the two statements below.
macro_rules! dead_by_id {
    () => {
        "(SELECT seq FROM job_queue \
          WHERE area = ?1 AND id = ?2 AND dead_at IS NOT NULL ORDER BY dead_at, seq LIMIT 1)"
    };
}
const REVIVE: &str = concat!(
    "UPDATE job_queue SET dead_at = NULL, dead_reason = NULL, attempt = 0, deliveries = 0, \
     lease_token = NULL, available_at = ?3 WHERE seq = ",
    dead_by_id!()
);
const DROP_DEAD: &str = concat!("DELETE FROM job_queue WHERE seq = ", dead_by_id!());

fn instant(column: &str, v: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(v)
        .ok_or_else(|| bad_row(TABLE, format!("{column} = {v} is not an instant")))
}

fn count(column: &str, v: i64) -> StoreResult<u32> {
    u32::try_from(v).map_err(|_| bad_row(TABLE, format!("{column} = {v} is out of range")))
}

fn leased(row: &SqliteRow) -> StoreResult<LeasedJob> {
    let get = |e: sqlx::Error| bad_row(TABLE, e);
    Ok(LeasedJob {
        seq: row.try_get("seq").map_err(get)?,
        token: row.try_get("lease_token").map_err(get)?,
        id: row.try_get("id").map_err(get)?,
        kind: row.try_get("kind").map_err(get)?,
        payload: row.try_get("payload").map_err(get)?,
        attempt: count("attempt", row.try_get("attempt").map_err(get)?)?,
        enqueued_at: instant("enqueued_at", row.try_get("enqueued_at").map_err(get)?)?,
        deliveries: count("deliveries", row.try_get("deliveries").map_err(get)?)?,
    })
}

fn dead(row: &SqliteRow) -> StoreResult<DeadTableJob> {
    let get = |e: sqlx::Error| bad_row(TABLE, e);
    Ok(DeadTableJob {
        seq: row.try_get("seq").map_err(get)?,
        id: row.try_get("id").map_err(get)?,
        kind: row.try_get("kind").map_err(get)?,
        payload: row.try_get("payload").map_err(get)?,
        attempt: count("attempt", row.try_get("attempt").map_err(get)?)?,
        enqueued_at: instant("enqueued_at", row.try_get("enqueued_at").map_err(get)?)?,
        dead_at: instant("dead_at", row.try_get("dead_at").map_err(get)?)?,
        reason: row
            .try_get::<Option<String>, _>("dead_reason")
            .map_err(get)?
            .unwrap_or_default(),
        last_error: row.try_get("last_error").map_err(get)?,
    })
}

fn area_of(text: &str) -> StoreResult<Area> {
    Area::parse(text).ok_or_else(|| bad_row(TABLE, format!("unknown area {text:?}")))
}

#[async_trait]
impl JobTable for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_jobs(&self, jobs: &[NewTableJob]) -> StoreResult<()> {
        if jobs.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        for job in jobs {
            sqlx::query(
                "INSERT INTO job_queue (area, id, kind, payload, attempt, enqueued_at, available_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(job.area.as_str())
            .bind(&job.id)
            .bind(&job.kind)
            .bind(&job.payload)
            .bind(i64::from(job.attempt))
            .bind(micros(job.enqueued_at))
            .bind(micros(job.available_at))
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        }
        tx.commit().await
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
        // Idle consumers poll: look without the write lock first, so polling never queues
        // behind (or delays) the writes people wait for.
        let ready: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM job_queue \
             WHERE area = ?1 AND dead_at IS NULL AND available_at <= ?2)",
        )
        .bind(area.as_str())
        .bind(micros(now))
        .fetch_one(&self.pool)
        .await
        .map_err(from_sqlx)?;
        if !ready {
            return Ok(LeaseBatch::default());
        }
        let mut tx = self.write().await?;
        let rows = sqlx::query(LEASE)
            .bind(i64::from(max_deliveries))
            .bind(micros(now))
            .bind(micros(until))
            .bind(area.as_str())
            .bind(i64::from(limit))
            .fetch_all(tx.conn())
            .await
            .map_err(from_sqlx)?;
        tx.commit().await?;
        let mut batch = LeaseBatch::default();
        for row in &rows {
            if row
                .try_get::<bool, _>("dead")
                .map_err(|e| bad_row(TABLE, e))?
            {
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
        let mut tx = self.write().await?;
        let done = match settlement {
            TableSettlement::Ack => {
                sqlx::query("DELETE FROM job_queue WHERE seq = ? AND lease_token = ?")
                    .bind(seq)
                    .bind(token)
                    .execute(tx.conn())
                    .await
            }
            TableSettlement::Retry {
                attempt,
                available_at,
                error,
            } => {
                sqlx::query(
                    "UPDATE job_queue SET attempt = ?, available_at = ?, deliveries = 0, \
                     lease_token = NULL, last_error = coalesce(?, last_error) \
                     WHERE seq = ? AND lease_token = ?",
                )
                .bind(i64::from(attempt))
                .bind(micros(available_at))
                .bind(error)
                .bind(seq)
                .bind(token)
                .execute(tx.conn())
                .await
            }
            TableSettlement::DeadLetter { attempt, reason } => {
                sqlx::query(
                    "UPDATE job_queue SET attempt = ?, dead_at = ?, dead_reason = ?, \
                     lease_token = NULL WHERE seq = ? AND lease_token = ?",
                )
                .bind(i64::from(attempt))
                .bind(micros(now))
                .bind(reason)
                .bind(seq)
                .bind(token)
                .execute(tx.conn())
                .await
            }
            TableSettlement::Release { delivered } => {
                sqlx::query(
                    "UPDATE job_queue SET available_at = ?, lease_token = NULL, \
                     deliveries = CASE WHEN ? THEN deliveries ELSE max(deliveries - 1, 0) END \
                     WHERE seq = ? AND lease_token = ?",
                )
                .bind(micros(now))
                .bind(delivered)
                .bind(seq)
                .bind(token)
                .execute(tx.conn())
                .await
            }
        }
        .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn job_counts(&self, now: DateTime<Utc>) -> StoreResult<Vec<(Area, TableCounts)>> {
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT area, \
                    coalesce(sum(dead_at IS NULL AND available_at <= ?1), 0), \
                    coalesce(sum(dead_at IS NULL AND available_at > ?1 AND lease_token IS NULL), 0), \
                    coalesce(sum(dead_at IS NULL AND available_at > ?1 AND lease_token IS NOT NULL), 0), \
                    coalesce(sum(dead_at IS NOT NULL), 0) \
             FROM job_queue GROUP BY area",
        )
        .bind(micros(now))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        let mut counts: Vec<(Area, TableCounts)> = Area::ALL
            .into_iter()
            .map(|area| (area, TableCounts::default()))
            .collect();
        let as_u64 = |v: i64| u64::try_from(v).unwrap_or(0);
        for (area, ready, delayed, in_flight, dead) in rows {
            let area = area_of(&area)?;
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
            "SELECT seq, id, kind, payload, attempt, enqueued_at, dead_at, dead_reason, last_error \
             FROM job_queue WHERE area = ? AND dead_at IS NOT NULL \
             ORDER BY dead_at, seq LIMIT ?",
        )
        .bind(area.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        rows.iter().map(dead).collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revive_dead_job(&self, area: Area, id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query(REVIVE)
            .bind(area.as_str())
            .bind(id)
            .bind(micros(now))
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn drop_dead_job(&self, area: Area, id: &str) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query(DROP_DEAD)
            .bind(area.as_str())
            .bind(id)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}
