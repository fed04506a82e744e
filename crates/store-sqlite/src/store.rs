//! The domain's role traits (together `app::Store`) for `SqliteStore`: every port method as one
//! statement or one write transaction. Reads go straight to the pool (each statement sees one
//! WAL snapshot); writes go through `SqliteStore::write` (gate + `BEGIN IMMEDIATE`). The bot's
//! state is in `bot_state`.

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

#[async_trait]
impl PeopleStore for SqliteStore {
    // ---- people ------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn upsert_user(&self, user: &NewUser) -> StoreResult<User> {
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO users (telegram_id, name, language, is_owner, created_at) \
             VALUES (?, ?, ?, 0, ?) \
             ON CONFLICT (telegram_id) DO UPDATE SET name = excluded.name, \
             language = excluded.language RETURNING ",
            user_columns!("")
        ))
        .bind(user.telegram_id)
        .bind(user.name.as_str())
        .bind(user.language.as_str())
        .bind(now_micros())
        .fetch_one(tx.conn())
        .await
        .map_err(from_sqlx)?;
        let user = rows::user(&row)?;
        tx.commit().await?;
        Ok(user)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::user)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn users(&self, ids: &[UserId]) -> StoreResult<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
        ))
        .bind(json_ids(ids.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::user)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user_by_telegram_id(&self, telegram_id: i64) -> StoreResult<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE telegram_id = ?"
        ))
        .bind(telegram_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::user)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_owner(&self, id: UserId, is_owner: bool) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE users SET is_owner = ? WHERE id = ?")
            .bind(is_owner)
            .bind(id.0)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        tx.commit().await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_user_language(&self, id: UserId, language: Language) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE users SET language = ? WHERE id = ?")
            .bind(language.as_str())
            .bind(id.0)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        tx.commit().await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_user_reachable(&self, id: UserId, reachable: bool) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE users SET reachable = ? WHERE id = ?")
            .bind(reachable)
            .bind(id.0)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        tx.commit().await
    }

    // ---- API tokens --------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_api_token(
        &self,
        user_id: UserId,
        token_hash: &str,
        label: &str,
    ) -> StoreResult<i64> {
        let mut tx = self.write().await?;
        let id: Result<i64, _> = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at) \
             VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(user_id.0)
        .bind(token_hash)
        .bind(label)
        .bind(now_micros())
        .fetch_one(tx.conn())
        .await;
        let id = match id {
            Ok(id) => id,
            Err(e) => return Err(write_error(tx.conn(), e, &[Ref::User(user_id)]).await),
        };
        tx.commit().await?;
        Ok(id)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE id = (SELECT user_id FROM api_tokens \
             WHERE token_hash = ? AND revoked_at IS NULL)"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::user)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<String>> {
        let mut tx = self.write().await?;
        let revoked: Vec<String> = sqlx::query_scalar(
            "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL \
             RETURNING token_hash",
        )
        .bind(now_micros())
        .bind(user_id.0)
        .fetch_all(tx.conn())
        .await
        .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(revoked)
    }
}

#[async_trait]
impl SiteStore for SqliteStore {
    // ---- sites -------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_site(
        &self,
        owner_id: UserId,
        settings: &SiteSettings,
        join_code: &str,
    ) -> StoreResult<Site> {
        let mut tx = self.write().await?;
        let q = sqlx::query(concat!(
            "INSERT INTO sites (owner_id, name, address, latitude, longitude, geofence_radius_m, \
             opens_at, closes_at, time_zone, hourly_rate_minor, currency, active, notify_owner, \
             join_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?) \
             RETURNING ",
            site_columns!()
        ))
        .bind(owner_id.0);
        let row = match bind_settings(q, settings)
            .bind(join_code.to_owned())
            .bind(now_micros())
            .fetch_one(tx.conn())
            .await
        {
            Ok(row) => row,
            Err(e) => return Err(write_error(tx.conn(), e, &[Ref::User(owner_id)]).await),
        };
        let site = rows::site(&row)?;
        tx.commit().await?;
        Ok(site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn site(&self, id: SiteId) -> StoreResult<Option<Site>> {
        sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::site)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn site_by_join_code(&self, join_code: &str) -> StoreResult<Option<Site>> {
        sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE join_code = ?"
        ))
        .bind(join_code)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::site)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn update_site(
        &self,
        id: SiteId,
        settings: &SiteSettings,
        active: bool,
        notify_owner: bool,
    ) -> StoreResult<Site> {
        let mut tx = self.write().await?;
        let q = sqlx::query(concat!(
            "UPDATE sites SET name = ?, address = ?, latitude = ?, longitude = ?, \
             geofence_radius_m = ?, opens_at = ?, closes_at = ?, time_zone = ?, \
             hourly_rate_minor = ?, currency = ?, active = ?, notify_owner = ? \
             WHERE id = ? RETURNING ",
            site_columns!()
        ));
        let row = bind_settings(q, settings)
            .bind(active)
            .bind(notify_owner)
            .bind(id.0)
            .fetch_optional(tx.conn())
            .await
            .map_err(from_sqlx)?
            .ok_or(StoreError::NotFound("site"))?;
        let site = rows::site(&row)?;
        tx.commit().await?;
        Ok(site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_managed_by(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE owner_id = ?1 \
             OR id IN (SELECT site_id FROM site_managers WHERE user_id = ?1) ORDER BY id"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn is_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM site_managers WHERE site_id = ? AND user_id = ?)",
        )
        .bind(site_id.0)
        .bind(user_id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(from_sqlx)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn grant_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.grant(Grant::Manager, site_id, user_id).await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.revoke(Grant::Manager, site_id, user_id).await
    }

    // ---- employee access ---------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn grant_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.grant(Grant::Access, site_id, user_id).await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.revoke(Grant::Access, site_id, user_id).await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn has_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM site_access WHERE site_id = ? AND user_id = ?)",
        )
        .bind(site_id.0)
        .bind(user_id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(from_sqlx)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_of_employee(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id IN (SELECT site_id FROM site_access WHERE user_id = ?) \
             ORDER BY id"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_worked_at(
        &self,
        user_id: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Site>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id IN (SELECT DISTINCT site_id FROM shifts \
             WHERE employee_id = ? AND started_at >= ?) ORDER BY id"
        ))
        .bind(user_id.0)
        .bind(micros(since))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn employees_of(&self, site_ids: &[SiteId]) -> StoreResult<Vec<Employee>> {
        if site_ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = sqlx::query(concat!(
            "SELECT a.site_id AS access_site_id, ",
            user_columns!("u."),
            " FROM site_access AS a JOIN users AS u ON u.id = a.user_id \
             WHERE a.site_id IN (SELECT value FROM json_each(?)) \
             ORDER BY u.name, u.id, a.site_id"
        ))
        .bind(json_ids(site_ids.iter().map(|s| s.0)))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        let mut out: Vec<Employee> = Vec::new();
        for row in &found {
            let site_id: i64 = row
                .try_get("access_site_id")
                .map_err(|e| error::bad_row("site_access", e))?;
            let user = rows::user(row)?;
            match out.last_mut() {
                Some(last) if last.user.id == user.id => last.site_ids.push(SiteId(site_id)),
                _ => out.push(Employee {
                    user,
                    site_ids: vec![SiteId(site_id)],
                }),
            }
        }
        Ok(out)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn managers_of(&self, site_id: SiteId) -> StoreResult<Vec<User>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE id IN (SELECT user_id FROM site_managers WHERE site_id = ?) \
             ORDER BY id"
        ))
        .bind(site_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        found.iter().map(rows::user).collect()
    }
}

#[async_trait]
impl ShiftStore for SqliteStore {
    // ---- shifts ------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_shift(&self, shift: &NewShift) -> StoreResult<Shift> {
        let mut tx = self.write().await?;
        let plan = linkable_plan(&mut tx, shift).await?;
        let loc = &shift.start_location;
        let row = sqlx::query(concat!(
            "INSERT INTO shifts (employee_id, site_id, status, started_at, start_latitude, \
             start_longitude, start_accuracy_m, start_distance_m, hourly_rate_minor, currency, \
             needs_review, planned_shift_id) VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, 0, ?) \
             RETURNING ",
            shift_columns!()
        ))
        .bind(shift.employee_id.0)
        .bind(shift.site_id.0)
        .bind(micros(shift.started_at))
        .bind(loc.coordinates.latitude())
        .bind(loc.coordinates.longitude())
        .bind(loc.accuracy_m)
        .bind(loc.distance_m)
        .bind(shift.hourly_rate.minor)
        .bind(shift.hourly_rate.currency.code())
        .bind(plan.map(|p| p.0))
        .fetch_one(tx.conn())
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let refs = [Ref::User(shift.employee_id), Ref::Site(shift.site_id)];
                return Err(write_error(tx.conn(), e, &refs).await);
            }
        };
        let stored = rows::shift(&row)?;
        if let Some(plan) = plan {
            complete_plan(&mut tx, plan, stored.id.0).await?;
        }
        let notifies = site_notifies(tx.conn(), stored.site_id).await?;
        let jobs = app::background::after_shift_opened(&stored, notifies);
        write_outbox(tx.conn(), &jobs, stored.started_at).await?;
        tx.commit().await?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shift(&self, id: ShiftId) -> StoreResult<Option<Shift>> {
        sqlx::query(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::shift)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn active_shift(&self, employee_id: UserId) -> StoreResult<Option<Shift>> {
        sqlx::query(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE employee_id = ? AND status = 'active'"
        ))
        .bind(employee_id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::shift)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn active_shifts(&self) -> StoreResult<Vec<Shift>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE status = 'active' ORDER BY started_at, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::shift)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn running_shift_starts(&self) -> StoreResult<Vec<app::ShiftStart>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT id, site_id, started_at FROM shifts WHERE status = 'active' \
             ORDER BY started_at, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        rows.into_iter()
            .map(|(id, site, started_at)| {
                Ok(app::ShiftStart {
                    id: ShiftId(id),
                    site_id: SiteId(site),
                    started_at: rows::instant("shifts", "started_at", started_at)?,
                })
            })
            .collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn close_shift(&self, id: ShiftId, end: &ShiftEnd) -> StoreResult<Shift> {
        if end.status == ShiftStatus::Active {
            return Err(StoreError::Other(
                "a shift cannot be closed with the status active".into(),
            ));
        }
        let loc = end.end_location.as_ref();
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "UPDATE shifts SET status = ?, ended_at = ?, end_latitude = ?, end_longitude = ?, \
             end_accuracy_m = ?, end_distance_m = ?, worked_minutes = ?, pay_minor = ?, \
             needs_review = ? WHERE id = ? AND status = 'active' RETURNING ",
            shift_columns!()
        ))
        .bind(end.status.as_str())
        .bind(micros(end.ended_at))
        .bind(loc.map(|l| l.coordinates.latitude()))
        .bind(loc.map(|l| l.coordinates.longitude()))
        .bind(loc.and_then(|l| l.accuracy_m))
        .bind(loc.map(|l| l.distance_m))
        .bind(end.worked_minutes)
        .bind(end.pay_minor)
        .bind(end.needs_review)
        .bind(id.0)
        .fetch_optional(tx.conn())
        .await
        .map_err(from_sqlx)?
        .ok_or(StoreError::NotFound("active shift"))?;
        let closed = rows::shift(&row)?;
        let notifies = site_notifies(tx.conn(), closed.site_id).await?;
        let jobs = app::background::after_shift_closed(&closed, notifies);
        write_outbox(tx.conn(), &jobs, end.ended_at).await?;
        tx.commit().await?;
        Ok(closed)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn list_shifts(&self, filter: &ShiftFilter) -> StoreResult<Vec<Shift>> {
        if filter.site_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE site_id IN (SELECT value FROM json_each("
        ));
        q.push_bind(json_ids(filter.site_ids.iter().map(|s| s.0)))
            .push("))");
        if let Some(employee) = filter.employee_id {
            q.push(" AND employee_id = ").push_bind(employee.0);
        }
        if let Some(status) = filter.status {
            q.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(from) = filter.started_from {
            q.push(" AND started_at >= ").push_bind(micros(from));
        }
        if let Some(before) = filter.started_before {
            q.push(" AND started_at < ").push_bind(micros(before));
        }
        if let Some(after) = filter.after {
            q.push(" AND (started_at, id) < (")
                .push_bind(micros(after.at))
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        q.push(" ORDER BY started_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        let found = q.build().fetch_all(&self.pool).await.map_err(from_sqlx)?;
        all(found, rows::shift)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn import_finished_shifts(&self, shifts: &[FinishedShift]) -> StoreResult<u64> {
        if shifts.is_empty() {
            return Ok(0);
        }
        if let Some(bad) = shifts.iter().find(|s| s.end.status == ShiftStatus::Active) {
            return Err(StoreError::Other(format!(
                "cannot import an active shift as finished (employee {}, started {})",
                bad.shift.employee_id, bad.shift.started_at
            )));
        }
        let (linked, plain): (Vec<&FinishedShift>, Vec<&FinishedShift>) = shifts
            .iter()
            .partition(|f| f.shift.planned_shift_id.is_some());
        let mut tx = self.write().await?;
        let mut stored = 0u64;
        for chunk in plain.chunks(IMPORT_CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(INSERT_FINISHED);
            q.push_values(chunk, |mut b, f| push_finished(&mut b, f, None));
            let done = match q.build().execute(tx.conn()).await {
                Ok(done) => done,
                Err(e) => {
                    return Err(write_error(tx.conn(), e, &refs_of(chunk.iter().copied())).await);
                }
            };
            stored += done.rows_affected();
        }
        // Rare (imports of history seldom carry plans): one row at a time, so each plan gets
        // the id of its own shift, with the same linking rule as `insert_shift`.
        for f in linked {
            let plan = linkable_plan(&mut tx, &f.shift).await?;
            let mut q = QueryBuilder::<Sqlite>::new(INSERT_FINISHED);
            q.push_values([f], |mut b, f| push_finished(&mut b, f, plan.map(|p| p.0)));
            q.push(" RETURNING id");
            let row = match q.build().fetch_one(tx.conn()).await {
                Ok(row) => row,
                Err(e) => return Err(write_error(tx.conn(), e, &refs_of([f])).await),
            };
            let id: i64 = row.try_get("id").map_err(from_sqlx)?;
            if let Some(plan) = plan {
                complete_plan(&mut tx, plan, id).await?;
            }
            stored += 1;
        }
        tx.commit().await?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shift_totals(
        &self,
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
    ) -> StoreResult<Vec<ShiftTotals>> {
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        let json = format!(
            "[{}]",
            ranges
                .iter()
                .map(|r| format!("[{},{},{}]", r.site_id.0, micros(r.from), micros(r.to)))
                .collect::<Vec<_>>()
                .join(",")
        );
        let found = sqlx::query(SHIFT_TOTALS)
            .bind(json)
            .bind(employee_id.map(|e| e.0))
            .fetch_all(&self.pool)
            .await
            .map_err(from_sqlx)?;
        found
            .iter()
            .map(|row| {
                let get = |c: &str| -> StoreResult<i64> {
                    row.try_get(c).map_err(|e| error::bad_row("shifts", e))
                };
                let currency: String = row
                    .try_get("currency")
                    .map_err(|e| error::bad_row("shifts", e))?;
                Ok(ShiftTotals {
                    site_id: SiteId(get("site_id")?),
                    employee_id: UserId(get("employee_id")?),
                    currency: Currency::from_stored(&currency)
                        .map_err(|e| error::bad_row("shifts", e))?,
                    shifts: get("shifts")?,
                    worked_minutes: get("worked_minutes")?,
                    pay_minor: get("pay_minor")?,
                })
            })
            .collect()
    }

    async fn finished_shifts_page(
        &self,
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
        after: Option<app::Cursor>,
        limit: u32,
    ) -> StoreResult<Vec<Shift>> {
        crate::timesheet::finished_shifts_page(self, ranges, employee_id, after, limit).await
    }
}

#[async_trait]
impl PlanStore for SqliteStore {
    // ---- planned shifts ----------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_planned_shift(&self, plan: &NewPlannedShift) -> StoreResult<PlannedShift> {
        let w = &plan.window;
        let mut tx = self.write().await?;
        if overlaps(&mut tx, plan.employee_id, w.starts_at, w.ends_at, None).await? {
            return Err(StoreError::PlanOverlap);
        }
        let row = sqlx::query(concat!(
            "INSERT INTO planned_shifts (employee_id, site_id, starts_at, ends_at, status, \
             created_at) VALUES (?, ?, ?, ?, 'planned', ?) RETURNING ",
            plan_columns!()
        ))
        .bind(plan.employee_id.0)
        .bind(plan.site_id.0)
        .bind(micros(w.starts_at))
        .bind(micros(w.ends_at))
        .bind(now_micros())
        .fetch_one(tx.conn())
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let refs = [Ref::User(plan.employee_id), Ref::Site(plan.site_id)];
                return Err(write_error(tx.conn(), e, &refs).await);
            }
        };
        let stored = rows::plan(&row)?;
        tx.commit().await?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn planned_shift(&self, id: PlannedShiftId) -> StoreResult<Option<PlannedShift>> {
        sqlx::query(concat!(
            "SELECT ",
            plan_columns!(),
            " FROM planned_shifts WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::plan)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_plan_status(
        &self,
        id: PlannedShiftId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> StoreResult<PlannedShift> {
        let counts = |s: PlanStatus| matches!(s, PlanStatus::Planned | PlanStatus::Done);
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "UPDATE planned_shifts SET status = ? WHERE id = ? AND status = ? RETURNING ",
            plan_columns!()
        ))
        .bind(to.as_str())
        .bind(id.0)
        .bind(from.as_str())
        .fetch_optional(tx.conn())
        .await
        .map_err(from_sqlx)?
        .ok_or(StoreError::NotFound("planned shift"))?;
        let plan = rows::plan(&row)?;
        // Reviving a cancelled or missed plan must keep "no overlapping plans" true as well.
        if counts(to)
            && !counts(from)
            && overlaps(
                &mut tx,
                plan.employee_id,
                plan.starts_at,
                plan.ends_at,
                Some(id),
            )
            .await?
        {
            return Err(StoreError::PlanOverlap);
        }
        tx.commit().await?;
        Ok(plan)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn list_planned(&self, filter: &PlanFilter) -> StoreResult<Vec<PlannedShift>> {
        if filter.site_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            plan_columns!(),
            " FROM planned_shifts WHERE site_id IN (SELECT value FROM json_each("
        ));
        q.push_bind(json_ids(filter.site_ids.iter().map(|s| s.0)))
            .push("))");
        if let Some(employee) = filter.employee_id {
            q.push(" AND employee_id = ").push_bind(employee.0);
        }
        if let Some(status) = filter.status {
            q.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(from) = filter.starts_from {
            q.push(" AND starts_at >= ").push_bind(micros(from));
        }
        if let Some(before) = filter.starts_before {
            q.push(" AND starts_at < ").push_bind(micros(before));
        }
        if let Some(after) = filter.ends_after {
            q.push(" AND ends_at > ").push_bind(micros(after));
        }
        if let Some(after) = filter.after {
            q.push(" AND (starts_at, id) > (")
                .push_bind(micros(after.at))
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        q.push(" ORDER BY starts_at, id LIMIT ")
            .push_bind(i64::from(filter.limit));
        let found = q.build().fetch_all(&self.pool).await.map_err(from_sqlx)?;
        all(found, rows::plan)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn mark_missed_plans(&self, before: DateTime<Utc>) -> StoreResult<Vec<PlannedShift>> {
        let before = micros(before);
        let mut tx = self.write().await?;
        // SQLite does not order RETURNING rows (and cannot wrap an UPDATE in a CTE): sort here.
        let found = sqlx::query(concat!(
            "UPDATE planned_shifts SET status = 'missed' \
             WHERE status = 'planned' AND ends_at < ? RETURNING ",
            plan_columns!()
        ))
        .bind(before)
        .fetch_all(tx.conn())
        .await
        .map_err(from_sqlx)?;
        let mut missed = all(found, rows::plan)?;
        tx.commit().await?;
        missed.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then(a.id.cmp(&b.id)));
        Ok(missed)
    }
}

#[async_trait]
impl JoinStore for SqliteStore {
    // ---- joining sites -----------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_join_request(
        &self,
        site_id: SiteId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        // The partial unique index `join_requests_one_pending` refuses a second waiting request
        // for the pair (`Duplicate("join request")`).
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO join_requests (site_id, user_id, status, created_at) \
             VALUES (?, ?, 'pending', ?) RETURNING ",
            join_request_columns!()
        ))
        .bind(site_id.0)
        .bind(user_id.0)
        .bind(micros(now))
        .fetch_one(tx.conn())
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let refs = [Ref::Site(site_id), Ref::User(user_id)];
                return Err(write_error(tx.conn(), e, &refs).await);
            }
        };
        let request = rows::join_request(&row)?;
        tx.commit().await?;
        Ok(request)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn join_request(&self, id: JoinRequestId) -> StoreResult<Option<JoinRequest>> {
        sqlx::query(concat!(
            "SELECT ",
            join_request_columns!(),
            " FROM join_requests WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::join_request)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn decide_join_request(
        &self,
        id: JoinRequestId,
        approve: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        // Deciding and granting in one write transaction: both are stored or neither. Only a
        // request still pending is taken, so a second decision finds nothing.
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "UPDATE join_requests SET status = ?, decided_at = ? \
             WHERE id = ? AND status = 'pending' RETURNING ",
            join_request_columns!()
        ))
        .bind(if approve { "approved" } else { "declined" })
        .bind(micros(now))
        .bind(id.0)
        .fetch_optional(tx.conn())
        .await
        .map_err(from_sqlx)?
        .ok_or(StoreError::NotFound("join request"))?;
        let request = rows::join_request(&row)?;
        if approve {
            sqlx::query(
                "INSERT INTO site_access (site_id, user_id, created_at) VALUES (?, ?, ?) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(request.site_id.0)
            .bind(request.user_id.0)
            .bind(now_micros())
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        }
        tx.commit().await?;
        Ok(request)
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
