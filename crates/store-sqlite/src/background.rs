//! `app::background`'s ports for `SqliteStore`: the outbox, the scheduler's lease and ticks, the
//! effects already had, the reminder and no-show scans, and clean-up. Every write goes through
//! `SqliteStore::write` (gate + `BEGIN IMMEDIATE`), so claims, leases and ticks are decided one
//! at a time: two relays or two schedulers in this process or another never both win.

use crate::error::{bad_row, from_sqlx};
use crate::rows::{self, json_ids, micros, plan_columns};
use crate::{SqliteStore, WriteTx};
use app::StoreResult;
use app::background::{
    Area, BusinessFigures, CleanupStore, EffectStore, FiguresStore, OutboxEntry, OutboxJob,
    OutboxStore, PlanScanStore, ReportScanStore, ScheduleStore,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{PlannedShift, PlannedShiftId};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use tracing::instrument;

/// Rows per multi-row INSERT into the outbox: 5 parameters each, far below SQLite's limit.
const OUTBOX_CHUNK: usize = 1_000;

/// The reminder scan: plans still waiting, not reminded, starting in `(?1, ?2]`. The predicate
/// repeats the partial index `planned_shifts_to_remind`'s, so SQLite reads only that index's
/// range (a unit test checks the plan).
const PLANS_TO_REMIND: &str = concat!(
    "SELECT ",
    plan_columns!(),
    " FROM planned_shifts WHERE status = 'planned' AND reminded_at IS NULL \
     AND starts_at > ?1 AND starts_at <= ?2 ORDER BY starts_at, id LIMIT ?3"
);

/// The no-show scan: plans still waiting (no shift opened for them) that started by `?1` and
/// were not reported, on the partial index `planned_shifts_not_started`.
const PLANS_NOT_STARTED: &str = concat!(
    "SELECT ",
    plan_columns!(),
    " FROM planned_shifts WHERE status = 'planned' AND no_show_reported_at IS NULL \
     AND starts_at <= ?1 ORDER BY starts_at, id LIMIT ?2"
);

/// Writes `jobs` into the outbox on the caller's transaction, so they are stored exactly when
/// the change they follow is (the shift writes call it before they commit).
pub(crate) async fn write_outbox(
    conn: &mut SqliteConnection,
    jobs: &[OutboxJob],
    created_at: DateTime<Utc>,
) -> StoreResult<()> {
    for chunk in jobs.chunks(OUTBOX_CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO outbox (id, area, kind, payload, created_at) ",
        );
        q.push_values(chunk, |mut b, job| {
            b.push_bind(job.id.clone())
                .push_bind(job.area.as_str())
                .push_bind(job.kind.clone())
                .push_bind(job.payload.to_string())
                .push_bind(micros(created_at));
        });
        q.build().execute(&mut *conn).await.map_err(from_sqlx)?;
    }
    Ok(())
}

fn instant(table: &str, column: &str, v: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(v)
        .ok_or_else(|| bad_row(table, format!("{column} = {v} is not an instant")))
}

fn outbox_entry(row: &SqliteRow) -> StoreResult<OutboxEntry> {
    const T: &str = "outbox";
    let get_text = |c: &str| -> StoreResult<String> {
        row.try_get(c).map_err(|e| bad_row(T, format!("{c}: {e}")))
    };
    let seq: i64 = row.try_get("seq").map_err(|e| bad_row(T, e))?;
    let area = get_text("area")?;
    let payload = get_text("payload")?;
    let created_at: i64 = row.try_get("created_at").map_err(|e| bad_row(T, e))?;
    Ok(OutboxEntry {
        seq,
        job: OutboxJob {
            id: get_text("id")?,
            area: Area::parse(&area)
                .ok_or_else(|| bad_row(T, format!("seq {seq}: unknown area {area:?}")))?,
            kind: get_text("kind")?,
            payload: serde_json::from_str(&payload)
                .map_err(|e| bad_row(T, format!("seq {seq}: payload: {e}")))?,
        },
        created_at: instant(T, "created_at", created_at)?,
    })
}

impl SqliteStore {
    /// Runs one conditional write (`UPDATE … WHERE …` or an upsert) and says whether it changed
    /// a row.
    async fn changed_one(
        &self,
        q: sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> StoreResult<bool> {
        let mut tx: WriteTx<'_> = self.write().await?;
        let done = q.execute(tx.conn()).await.map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Runs one `DELETE` and says how many rows went.
    async fn deleted(
        &self,
        q: sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> StoreResult<u64> {
        let mut tx = self.write().await?;
        let done = q.execute(tx.conn()).await.map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl OutboxStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn add_to_outbox(&self, jobs: &[OutboxJob], now: DateTime<Utc>) -> StoreResult<()> {
        if jobs.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        write_outbox(tx.conn(), jobs, now).await?;
        tx.commit().await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn claim_outbox(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> StoreResult<Vec<OutboxEntry>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Relays poll: look without the write lock first (see `lease_jobs`).
        let waiting: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE held_until IS NULL OR held_until <= ?)",
        )
        .bind(micros(now))
        .fetch_one(&self.pool)
        .await
        .map_err(from_sqlx)?;
        if !waiting {
            return Ok(Vec::new());
        }
        let mut tx = self.write().await?;
        let found = sqlx::query(
            "UPDATE outbox SET held_until = ?1 WHERE seq IN ( \
                 SELECT seq FROM outbox WHERE held_until IS NULL OR held_until <= ?2 \
                 ORDER BY seq LIMIT ?3) \
             RETURNING seq, id, area, kind, payload, created_at",
        )
        .bind(micros(hold_until))
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await
        .map_err(from_sqlx)?;
        let mut entries = found
            .iter()
            .map(outbox_entry)
            .collect::<StoreResult<Vec<_>>>()?;
        tx.commit().await?;
        // SQLite does not order RETURNING rows.
        entries.sort_by_key(|e| e.seq);
        Ok(entries)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn remove_from_outbox(&self, seqs: &[i64]) -> StoreResult<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        self.deleted(
            sqlx::query("DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?))")
                .bind(json_ids(seqs.iter().copied())),
        )
        .await?;
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn outbox_len(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
            .fetch_one(self.pool())
            .await
            .map_err(from_sqlx)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl ScheduleStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // One upsert: taken when free, renewed by its holder, taken over once it ran out.
        self.changed_one(
            sqlx::query(
                "INSERT INTO scheduler_leases (name, holder, held_until) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
                     held_until = excluded.held_until \
                 WHERE scheduler_leases.holder = excluded.holder \
                    OR scheduler_leases.held_until <= ?4",
            )
            .bind(name)
            .bind(holder)
            .bind(micros(until))
            .bind(micros(now)),
        )
        .await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        self.deleted(
            sqlx::query("DELETE FROM scheduler_leases WHERE name = ? AND holder = ?")
                .bind(name)
                .bind(holder),
        )
        .await?;
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn last_tick(&self, entry: &str) -> StoreResult<Option<DateTime<Utc>>> {
        let last: Option<i64> =
            sqlx::query_scalar("SELECT max(fire_at) FROM scheduler_ticks WHERE entry = ?")
                .bind(entry)
                .fetch_one(self.pool())
                .await
                .map_err(from_sqlx)?;
        last.map(|v| instant("scheduler_ticks", "fire_at", v))
            .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn fire_tick(
        &self,
        entry: &str,
        at: DateTime<Utc>,
        job: &OutboxJob,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let fired = sqlx::query(
            "INSERT INTO scheduler_ticks (entry, fire_at, fired_at) VALUES (?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(entry)
        .bind(micros(at))
        .bind(micros(now))
        .execute(tx.conn())
        .await
        .map_err(from_sqlx)?;
        if fired.rows_affected() == 0 {
            // Fired already: dropping the transaction writes nothing.
            return Ok(false);
        }
        write_outbox(tx.conn(), std::slice::from_ref(job), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_ticks_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        // The latest tick of each entry stays: it is where the entry's next tick is counted from.
        self.deleted(
            sqlx::query(
                "DELETE FROM scheduler_ticks WHERE fire_at < ?1 AND fire_at < ( \
                     SELECT max(l.fire_at) FROM scheduler_ticks AS l \
                     WHERE l.entry = scheduler_ticks.entry)",
            )
            .bind(micros(before)),
        )
        .await
    }
}

#[async_trait]
impl EffectStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn effect_done(&self, key: &str) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM job_effects WHERE key = ?)")
            .bind(key)
            .fetch_one(self.pool())
            .await
            .map_err(from_sqlx)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn record_effect(&self, key: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        self.changed_one(
            sqlx::query(
                "INSERT INTO job_effects (key, done_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(key)
            .bind(micros(at)),
        )
        .await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_effects_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.deleted(sqlx::query("DELETE FROM job_effects WHERE done_at < ?").bind(micros(before)))
            .await
    }
}

#[async_trait]
impl PlanScanStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn plans_to_remind(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PlannedShift>> {
        let found = sqlx::query(PLANS_TO_REMIND)
            .bind(micros(now))
            .bind(micros(until))
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await
            .map_err(from_sqlx)?;
        found.iter().map(rows::plan).collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn mark_plan_reminded(&self, id: PlannedShiftId, at: DateTime<Utc>) -> StoreResult<bool> {
        self.changed_one(
            sqlx::query(
                "UPDATE planned_shifts SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
            )
            .bind(micros(at))
            .bind(id.0),
        )
        .await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn plans_not_started(
        &self,
        started_by: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PlannedShift>> {
        let found = sqlx::query(PLANS_NOT_STARTED)
            .bind(micros(started_by))
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await
            .map_err(from_sqlx)?;
        found.iter().map(rows::plan).collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn mark_no_show_reported(
        &self,
        id: PlannedShiftId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.changed_one(
            sqlx::query(
                "UPDATE planned_shifts SET no_show_reported_at = ? \
                 WHERE id = ? AND no_show_reported_at IS NULL",
            )
            .bind(micros(at))
            .bind(id.0),
        )
        .await
    }
}

#[async_trait]
impl CleanupStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_idle_dialogues(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.deleted(sqlx::query("DELETE FROM dialogues WHERE updated_at < ?").bind(micros(before)))
            .await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn coarsen_locations_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.deleted(
            sqlx::query(
                "UPDATE shifts SET \
                   start_latitude = round(start_latitude, 2), \
                   start_longitude = round(start_longitude, 2), \
                   end_latitude = round(end_latitude, 2), \
                   end_longitude = round(end_longitude, 2) \
                 WHERE ended_at < ?1 AND (start_latitude <> round(start_latitude, 2) \
                   OR start_longitude <> round(start_longitude, 2) \
                   OR end_latitude <> round(end_latitude, 2) \
                   OR end_longitude <> round(end_longitude, 2))",
            )
            .bind(micros(before)),
        )
        .await
    }
}

#[async_trait]
impl FiguresStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn business_figures(&self) -> StoreResult<BusinessFigures> {
        let (running, employees, sites, owners): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM shifts WHERE status = 'active'), \
                    (SELECT count(DISTINCT a.user_id) FROM site_access a \
                       JOIN sites s ON s.id = a.site_id WHERE s.active = 1), \
                    (SELECT count(*) FROM sites WHERE active = 1), \
                    (SELECT count(DISTINCT owner_id) FROM sites WHERE active = 1)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(from_sqlx)?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(BusinessFigures {
            shifts_running: n(running),
            active_employees: n(employees),
            active_sites: n(sites),
            active_owners: n(owners),
        })
    }
}

#[async_trait]
impl ReportScanStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn owners_active_since(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<domain::UserId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT s.owner_id FROM sites s WHERE s.active = 1 AND EXISTS \
             (SELECT 1 FROM shifts sh WHERE sh.site_id = s.id AND sh.started_at >= ?) \
             ORDER BY s.owner_id LIMIT ?",
        )
        .bind(micros(since))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        Ok(ids.into_iter().map(domain::UserId).collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    async fn plan_of(store: &SqliteStore, sql: &str, binds: usize) -> Vec<String> {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(explain));
        for i in 0..binds {
            q = q.bind(i64::try_from(i).unwrap());
        }
        q.fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("detail"))
            .collect()
    }

    #[tokio::test]
    async fn the_scans_read_their_partial_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("scan.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let remind = plan_of(&store, PLANS_TO_REMIND, 3).await;
        assert!(
            remind.iter().any(|d| d
                .contains("USING INDEX planned_shifts_to_remind (starts_at>? AND starts_at<?)")),
            "{remind:?}"
        );
        let late = plan_of(&store, PLANS_NOT_STARTED, 2).await;
        assert!(
            late.iter()
                .any(|d| d.contains("USING INDEX planned_shifts_not_started (starts_at<?)")),
            "{late:?}"
        );
        for plan in [remind, late] {
            assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{plan:?}");
        }
    }
}
