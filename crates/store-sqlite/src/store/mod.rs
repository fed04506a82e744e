//! The domain's role traits (together `app::Store`) for `SqliteStore`: every port method as one
//! statement or one write transaction. Reads go straight to the pool (each statement sees one
//! WAL snapshot); writes go through `SqliteStore::write` (gate + `BEGIN IMMEDIATE`). The bot's
//! state is in `bot_state`.

mod joins;
mod people;
mod plans;
mod shifts;
mod sites;

use crate::background::write_outbox;
use crate::error::{self, from_sqlx};
use crate::rows::{
    self, join_request_columns, json_ids, micros, now_micros, plan_columns, shift_columns,
    site_columns, user_columns,
};
use crate::{SqliteStore, WriteTx};
use app::{
    Employee, FinishedShift, NewPlannedShift, NewShift, NewUser, PlanFilter, ShiftEnd, ShiftFilter,
    ShiftTotals, SiteRange, StoreError, StoreResult,
};
use app::{JoinStore, PeopleStore, PlanStore, ShiftStore, SiteStore, StoreHealth};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::join::{JoinRequest, JoinRequestId};
use domain::site::format_time_of_day;
use domain::{
    Currency, Language, PlanStatus, PlannedShift, PlannedShiftId, RecordedLocation, Shift, ShiftId,
    ShiftStatus, Site, SiteId, SiteSettings, User, UserId,
};
use sqlx::sqlite::{Sqlite, SqliteConnection, SqliteRow};
use sqlx::{QueryBuilder, Row};
use tracing::instrument;

/// Rows per multi-row INSERT in a bulk import: 19 parameters each stays far below SQLite's
/// 32,766-parameter limit, and one statement text for every full chunk keeps it prepared.
const IMPORT_CHUNK: usize = 500;

/// Finished shifts per site, employee and currency over per-site ranges, bound as one JSON
/// parameter `[[site_id, from, to], ...]`, and `?2`, one employee or NULL for everyone. CROSS JOIN
/// keeps the ranges as the outer loop (SQLite does not reorder it), so each range is one seek into
/// the covering index `shifts_by_site_start` (which carries `employee_id` for the filter and
/// `currency` for the grouping too) and the table itself is never read. Each shift counts in its
/// own currency (copied at open), never the site's current one.
const SHIFT_TOTALS: &str = "WITH ranges (site_id, t_from, t_to) AS ( \
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), \
                json_extract(value, '$[2]') \
         FROM json_each(?1)) \
     SELECT s.site_id, s.employee_id, s.currency, COUNT(*) AS shifts, \
            COALESCE(SUM(s.worked_minutes), 0) AS worked_minutes, \
            COALESCE(SUM(s.pay_minor), 0) AS pay_minor \
     FROM ranges AS r CROSS JOIN shifts AS s \
     WHERE s.site_id = r.site_id AND s.started_at >= r.t_from \
       AND s.started_at < r.t_to AND s.status IN ('closed', 'auto_closed') \
       AND (?2 IS NULL OR s.employee_id = ?2) \
     GROUP BY s.site_id, s.employee_id, s.currency \
     ORDER BY s.site_id, s.employee_id, s.currency";

/// A row a new row points at.
#[derive(Debug, Clone, Copy)]
enum Ref {
    User(UserId),
    Site(SiteId),
}

/// Maps a failed write. A foreign key pointing nowhere means the caller named something that
/// does not exist; SQLite does not say which key failed, so the references are looked up in the
/// order the PostgreSQL schema declares its keys, and the first missing one is named.
async fn write_error(conn: &mut SqliteConnection, e: sqlx::Error, refs: &[Ref]) -> StoreError {
    let fk = matches!(&e, sqlx::Error::Database(db) if db.is_foreign_key_violation());
    if !fk {
        return from_sqlx(e);
    }
    for r in refs {
        let (sql, id, what) = match *r {
            Ref::User(u) => (
                "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)",
                u.0,
                "user",
            ),
            Ref::Site(s) => (
                "SELECT EXISTS (SELECT 1 FROM sites WHERE id = ?)",
                s.0,
                "site",
            ),
        };
        match sqlx::query_scalar::<_, bool>(sql)
            .bind(id)
            .fetch_one(&mut *conn)
            .await
        {
            Ok(true) => {}
            Ok(false) => return StoreError::NotFound(what),
            Err(e) => return from_sqlx(e),
        }
    }
    StoreError::NotFound("record")
}

/// The people and sites a batch of shifts points at, each once, people first.
fn refs_of<'a>(shifts: impl IntoIterator<Item = &'a FinishedShift>) -> Vec<Ref> {
    let mut users = Vec::new();
    let mut sites = Vec::new();
    for f in shifts {
        users.push(f.shift.employee_id);
        sites.push(f.shift.site_id);
    }
    users.sort_unstable();
    users.dedup();
    sites.sort_unstable();
    sites.dedup();
    users
        .into_iter()
        .map(Ref::User)
        .chain(sites.into_iter().map(Ref::Site))
        .collect()
}

fn all<T>(rows: Vec<SqliteRow>, map: fn(&SqliteRow) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    rows.iter().map(map).collect()
}

/// Whether a plan of the employee in status planned or done shares time with [starts, ends)
/// (touching windows do not), ignoring the plan `except`.
async fn overlaps(
    tx: &mut WriteTx<'_>,
    employee_id: UserId,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<PlannedShiftId>,
) -> StoreResult<bool> {
    let hit: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM planned_shifts \
         WHERE employee_id = ? AND starts_at < ? AND ends_at > ? \
           AND status IN ('planned', 'done') AND id IS NOT ? \
         LIMIT 1",
    )
    .bind(employee_id.0)
    .bind(micros(ends_at))
    .bind(micros(starts_at))
    .bind(except.map(|p| p.0))
    .fetch_optional(tx.conn())
    .await
    .map_err(from_sqlx)?;
    Ok(hit.is_some())
}

/// Binds the four columns of an optional location.
fn push_location(
    b: &mut sqlx::query_builder::Separated<'_, Sqlite, &'static str>,
    loc: Option<&RecordedLocation>,
) {
    b.push_bind(loc.map(|l| l.coordinates.latitude()))
        .push_bind(loc.map(|l| l.coordinates.longitude()))
        .push_bind(loc.and_then(|l| l.accuracy_m))
        .push_bind(loc.map(|l| l.distance_m));
}

fn push_finished(
    b: &mut sqlx::query_builder::Separated<'_, Sqlite, &'static str>,
    f: &FinishedShift,
    planned_shift_id: Option<i64>,
) {
    let s = &f.shift;
    b.push_bind(s.employee_id.0)
        .push_bind(s.site_id.0)
        .push_bind(f.end.status.as_str())
        .push_bind(micros(s.started_at));
    push_location(b, Some(&s.start_location));
    b.push_bind(micros(f.end.ended_at));
    push_location(b, f.end.end_location.as_ref());
    b.push_bind(s.hourly_rate.minor)
        .push_bind(s.hourly_rate.currency.code().to_owned())
        .push_bind(f.end.worked_minutes)
        .push_bind(f.end.pay_minor)
        .push_bind(f.end.needs_review)
        .push_bind(planned_shift_id);
}

const INSERT_FINISHED: &str = "INSERT INTO shifts (employee_id, site_id, status, started_at, \
     start_latitude, start_longitude, start_accuracy_m, start_distance_m, ended_at, \
     end_latitude, end_longitude, end_accuracy_m, end_distance_m, hourly_rate_minor, currency, \
     worked_minutes, pay_minor, needs_review, planned_shift_id) ";

/// Marks a plan done by `shift_id`.
async fn complete_plan(
    tx: &mut WriteTx<'_>,
    plan_id: PlannedShiftId,
    shift_id: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE planned_shifts SET status = 'done', shift_id = ? WHERE id = ?")
        .bind(shift_id)
        .bind(plan_id.0)
        .execute(tx.conn())
        .await
        .map_err(from_sqlx)?;
    Ok(())
}

/// The plan a new shift may fulfil: it must exist, be of the same employee and site, and still be
/// planned. Anything else (cancelled a moment ago, taken by another shift) opens the shift
/// without a link rather than refusing it: the employee is at the site now. The stored shift's
/// `planned_shift_id` says whether the link was made (as in the PostgreSQL store).
async fn linkable_plan(
    tx: &mut WriteTx<'_>,
    shift: &NewShift,
) -> StoreResult<Option<PlannedShiftId>> {
    let Some(plan_id) = shift.planned_shift_id else {
        return Ok(None);
    };
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM planned_shifts \
         WHERE id = ? AND employee_id = ? AND site_id = ? AND status = 'planned'",
    )
    .bind(plan_id.0)
    .bind(shift.employee_id.0)
    .bind(shift.site_id.0)
    .fetch_optional(tx.conn())
    .await
    .map_err(from_sqlx)?;
    Ok(found.map(PlannedShiftId))
}

fn bind_settings<'q>(
    q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>,
    s: &SiteSettings,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments> {
    q.bind(s.name.as_str().to_owned())
        .bind(s.address.as_str().to_owned())
        .bind(s.location.latitude())
        .bind(s.location.longitude())
        .bind(i64::from(s.radius.metres()))
        .bind(format_time_of_day(s.hours.opens_at()))
        .bind(format_time_of_day(s.hours.closes_at()))
        .bind(s.time_zone.name())
        .bind(s.hourly_rate.minor)
        .bind(s.hourly_rate.currency.code().to_owned())
}

#[async_trait]
impl StoreHealth for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(from_sqlx)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_report_reads_only_the_covering_index() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        // Everyone's totals (the owner's report) and one employee's (their earnings).
        for employee in [None, Some(7i64)] {
            let explain = format!("EXPLAIN QUERY PLAN {SHIFT_TOTALS}");
            let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(explain))
                .bind("[[1,0,10],[2,0,10]]")
                .bind(employee)
                .fetch_all(store.pool())
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("detail"))
                .collect();
            assert!(
                plan.iter().any(|d| d.contains(
                    "USING COVERING INDEX shifts_by_site_start \
                     (site_id=? AND started_at>? AND started_at<?)"
                )),
                "{plan:?}"
            );
            assert!(!plan.iter().any(|d| d.starts_with("SCAN s")), "{plan:?}");
        }
    }
}

/// The two grant tables: who may manage a site, and who may work at it.
#[derive(Debug, Clone, Copy)]
enum Grant {
    Manager,
    Access,
}

impl Grant {
    fn insert_sql(self) -> &'static str {
        match self {
            Grant::Manager => {
                "INSERT INTO site_managers (site_id, user_id, created_at) VALUES (?, ?, ?) \
                 ON CONFLICT DO NOTHING"
            }
            Grant::Access => {
                "INSERT INTO site_access (site_id, user_id, created_at) VALUES (?, ?, ?) \
                 ON CONFLICT DO NOTHING"
            }
        }
    }

    fn delete_sql(self) -> &'static str {
        match self {
            Grant::Manager => "DELETE FROM site_managers WHERE site_id = ? AND user_id = ?",
            Grant::Access => "DELETE FROM site_access WHERE site_id = ? AND user_id = ?",
        }
    }
}

impl SqliteStore {
    /// Returns false when the grant already existed.
    async fn grant(&self, kind: Grant, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query(kind.insert_sql())
            .bind(site_id.0)
            .bind(user_id.0)
            .bind(now_micros())
            .execute(tx.conn())
            .await;
        let done = match done {
            Ok(done) => done,
            Err(e) => {
                let refs = [Ref::Site(site_id), Ref::User(user_id)];
                return Err(write_error(tx.conn(), e, &refs).await);
            }
        };
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Returns false when there was no grant.
    async fn revoke(&self, kind: Grant, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query(kind.delete_sql())
            .bind(site_id.0)
            .bind(user_id.0)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

/// The site's "tell the owner" setting, read in the change's transaction (which jobs follow it).
async fn site_notifies(conn: &mut sqlx::SqliteConnection, site: SiteId) -> StoreResult<bool> {
    let notifies: Option<bool> = sqlx::query_scalar("SELECT notify_owner FROM sites WHERE id = ?")
        .bind(site.0)
        .fetch_optional(conn)
        .await
        .map_err(from_sqlx)?;
    Ok(notifies.unwrap_or(true))
}
