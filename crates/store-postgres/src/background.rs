//! `app::background`'s ports for `PgStore`: the outbox, the scheduler's lease and ticks, the
//! effects already had, the reminder and no-show scans, and clean-up. What must hold under
//! concurrency is one statement or one transaction each: relays claim with `FOR UPDATE SKIP
//! LOCKED` (never the same rows, never waiting for each other), the lease is one conditional
//! upsert, and a tick is a primary key that a second firing cannot insert again.

use crate::PgStore;
use crate::error::map;
use crate::rows::{PlanRow, convert, plan_columns};
use app::background::{
    Area, BusinessFigures, CleanupStore, EffectStore, FiguresStore, OutboxEntry, OutboxJob,
    OutboxStore, PlanScanStore, ReportScanStore, ScheduleStore,
};
use app::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{PlannedShift, PlannedShiftId};
use sqlx::PgConnection;
use tracing::instrument;

/// The reminder scan: plans still waiting, not reminded, starting in `($1, $2]`, on the partial
/// index `planned_shifts_to_remind` (its predicate repeated, so the planner can use it).
pub(crate) const PLANS_TO_REMIND: &str = concat!(
    "SELECT ",
    plan_columns!(),
    " FROM planned_shifts WHERE status = 'planned' AND reminded_at IS NULL \
     AND starts_at > $1 AND starts_at <= $2 ORDER BY starts_at, id LIMIT $3"
);

/// The no-show scan: plans still waiting (no shift opened for them) that started by `$1` and
/// were not reported, on the partial index `planned_shifts_not_started`.
pub(crate) const PLANS_NOT_STARTED: &str = concat!(
    "SELECT ",
    plan_columns!(),
    " FROM planned_shifts WHERE status = 'planned' AND no_show_reported_at IS NULL \
     AND starts_at <= $1 ORDER BY starts_at, id LIMIT $2"
);

/// Writes `jobs` into the outbox on the caller's transaction, so they are stored exactly when
/// the change they follow is (the shift writes call it before they commit). One statement for
/// any number of jobs; `seq` follows their order.
pub(crate) async fn write_outbox(
    conn: &mut PgConnection,
    jobs: &[OutboxJob],
    created_at: DateTime<Utc>,
) -> StoreResult<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    let areas: Vec<&str> = jobs.iter().map(|j| j.area.as_str()).collect();
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
    let payloads: Vec<String> = jobs.iter().map(|j| j.payload.to_string()).collect();
    sqlx::query(
        "INSERT INTO outbox (id, area, kind, payload, created_at) \
         SELECT i, a, k, p, $5 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY \
             AS t(i, a, k, p, n) \
         ORDER BY n",
    )
    .bind(&ids[..])
    .bind(&areas[..])
    .bind(&kinds[..])
    .bind(&payloads[..])
    .bind(created_at)
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct OutboxRow {
    seq: i64,
    id: String,
    area: String,
    kind: String,
    payload: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<OutboxRow> for OutboxEntry {
    type Error = StoreError;

    fn try_from(r: OutboxRow) -> Result<Self, StoreError> {
        let bad = |what: String| StoreError::Other(format!("unreadable row in outbox: {what}"));
        Ok(OutboxEntry {
            seq: r.seq,
            job: OutboxJob {
                area: Area::parse(&r.area)
                    .ok_or_else(|| bad(format!("seq {}: unknown area {:?}", r.seq, r.area)))?,
                payload: serde_json::from_str(&r.payload)
                    .map_err(|e| bad(format!("seq {}: payload: {e}", r.seq)))?,
                id: r.id,
                kind: r.kind,
            },
            created_at: r.created_at,
        })
    }
}

#[async_trait]
impl OutboxStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn add_to_outbox(&self, jobs: &[OutboxJob], now: DateTime<Utc>) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(map)?;
        write_outbox(&mut conn, jobs, now).await
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
        // Rows another relay is claiming right now are skipped, not waited for; once it has
        // committed, their `held_until` keeps them out until it passes.
        let mut rows: Vec<OutboxRow> = sqlx::query_as(
            "WITH picked AS ( \
                 SELECT seq FROM outbox WHERE held_until IS NULL OR held_until <= $2 \
                 ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED) \
             UPDATE outbox AS o SET held_until = $1 FROM picked WHERE o.seq = picked.seq \
             RETURNING o.seq, o.id, o.area, o.kind, o.payload, o.created_at",
        )
        .bind(hold_until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        // RETURNING rows come in no promised order.
        rows.sort_by_key(|r| r.seq);
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn remove_from_outbox(&self, seqs: &[i64]) -> StoreResult<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        sqlx::query("DELETE FROM outbox WHERE seq = ANY($1)")
            .bind(seqs)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn outbox_len(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
            .fetch_one(&self.pool)
            .await
            .map_err(map)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl ScheduleStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // One atomic upsert: taken when free, renewed by its holder, taken over once it ran
        // out. Two schedulers racing for a free lease: the second's insert waits for the
        // first's row and then finds it held.
        let done = sqlx::query(
            "INSERT INTO scheduler_leases (name, holder, held_until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
                 held_until = excluded.held_until \
             WHERE scheduler_leases.holder = excluded.holder \
                OR scheduler_leases.held_until <= $4",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM scheduler_leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn last_tick(&self, entry: &str) -> StoreResult<Option<DateTime<Utc>>> {
        sqlx::query_scalar("SELECT max(fire_at) FROM scheduler_ticks WHERE entry = $1")
            .bind(entry)
            .fetch_one(&self.pool)
            .await
            .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn fire_tick(
        &self,
        entry: &str,
        at: DateTime<Utc>,
        job: &OutboxJob,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map)?;
        // A concurrent firing of the same tick waits here for ours and then inserts nothing.
        let fired = sqlx::query(
            "INSERT INTO scheduler_ticks (entry, fire_at, fired_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(entry)
        .bind(at)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        if fired.rows_affected() == 0 {
            // Fired already: dropping the transaction writes nothing.
            return Ok(false);
        }
        write_outbox(&mut tx, std::slice::from_ref(job), now).await?;
        tx.commit().await.map_err(map)?;
        Ok(true)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_ticks_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        // The latest tick of each entry stays: it is where the entry's next tick is counted from.
        let done = sqlx::query(
            "DELETE FROM scheduler_ticks AS t WHERE t.fire_at < $1 AND t.fire_at < ( \
                 SELECT max(l.fire_at) FROM scheduler_ticks AS l WHERE l.entry = t.entry)",
        )
        .bind(before)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl EffectStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn effect_done(&self, key: &str) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM job_effects WHERE key = $1)")
            .bind(key)
            .fetch_one(&self.pool)
            .await
            .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn record_effect(&self, key: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO job_effects (key, done_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_effects_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM job_effects WHERE done_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl PlanScanStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn plans_to_remind(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PlannedShift>> {
        // Planned with these bounds each time, as `plans_not_started` (see there).
        let rows: Vec<PlanRow> = sqlx::query_as(PLANS_TO_REMIND)
            .persistent(false)
            .bind(now)
            .bind(until)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn mark_plan_reminded(&self, id: PlannedShiftId, at: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE planned_shifts SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL",
        )
        .bind(id.0)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn plans_not_started(
        &self,
        started_by: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PlannedShift>> {
        // Planned with this boundary each time (an unnamed statement), never with a cached
        // generic plan: not knowing the boundary, PostgreSQL walks `planned_shifts_by_start`
        // from the oldest plan, filtering out every finished one (0.4 s over a million plans
        // instead of 0.2 ms on the partial index).
        let rows: Vec<PlanRow> = sqlx::query_as(PLANS_NOT_STARTED)
            .persistent(false)
            .bind(started_by)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn mark_no_show_reported(
        &self,
        id: PlannedShiftId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE planned_shifts SET no_show_reported_at = $2 \
             WHERE id = $1 AND no_show_reported_at IS NULL",
        )
        .bind(id.0)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait]
impl ReportScanStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn owners_active_since(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<domain::UserId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT s.owner_id FROM sites s WHERE s.active AND EXISTS \
             (SELECT 1 FROM shifts sh WHERE sh.site_id = s.id AND sh.started_at >= $1) \
             ORDER BY s.owner_id LIMIT $2",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        Ok(ids.into_iter().map(domain::UserId).collect())
    }
}

#[async_trait]
impl FiguresStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn business_figures(&self) -> StoreResult<BusinessFigures> {
        // Running shifts through the partial index of active shifts; sites and access grants are
        // small next to the shifts.
        let (running, employees, sites, owners): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM shifts WHERE status = 'active'), \
                    (SELECT count(DISTINCT a.user_id) FROM site_access a \
                       JOIN sites s ON s.id = a.site_id WHERE s.active), \
                    (SELECT count(*) FROM sites WHERE active), \
                    (SELECT count(DISTINCT owner_id) FROM sites WHERE active)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(map)?;
        Ok(figures(running, employees, sites, owners))
    }
}

fn figures(running: i64, employees: i64, sites: i64, owners: i64) -> BusinessFigures {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    BusinessFigures {
        shifts_running: n(running),
        active_employees: n(employees),
        active_sites: n(sites),
        active_owners: n(owners),
    }
}

#[async_trait]
impl CleanupStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_idle_dialogues(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM dialogues WHERE updated_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(done.rows_affected())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn coarsen_locations_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        // Rounded in numeric (exact to 2 places), stored back as double precision.
        let done = sqlx::query(
            "UPDATE shifts SET \
               start_latitude = round(start_latitude::numeric, 2)::float8, \
               start_longitude = round(start_longitude::numeric, 2)::float8, \
               end_latitude = round(end_latitude::numeric, 2)::float8, \
               end_longitude = round(end_longitude::numeric, 2)::float8 \
             WHERE ended_at < $1 AND ( \
               start_latitude <> round(start_latitude::numeric, 2)::float8 \
               OR start_longitude <> round(start_longitude::numeric, 2)::float8 \
               OR end_latitude <> round(end_latitude::numeric, 2)::float8 \
               OR end_longitude <> round(end_longitude::numeric, 2)::float8)",
        )
        .bind(before)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(done.rows_affected())
    }
}
