//! The domain's role traits (together `app::Store`) for `PgStore`: each port method is one
//! statement or one transaction; the rules the database must guarantee under concurrency (one
//! active shift, no overlapping plans, closing only once) are constraints and conditional
//! updates, not read-then-write checks. The bot's state is in `bot_state`.

use crate::PgStore;
use crate::background::write_outbox;
use crate::error::map;
use crate::rows::{
    EmployeeRow, JoinRequestRow, PlanRow, ShiftRow, SiteRow, TotalsRow, UserRow, convert,
    join_request_columns, plan_columns, shift_columns, site_columns, user_columns,
};
use app::{
    Employee, FinishedShift, NewPlannedShift, NewShift, NewUser, PlanFilter, ShiftEnd, ShiftFilter,
    ShiftTotals, SiteRange, StoreError, StoreResult,
};
use app::{JoinStore, PeopleStore, PlanStore, ShiftStore, SiteStore, StoreHealth};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::join::{JoinRequest, JoinRequestId};
use domain::{
    Language, PlanStatus, PlannedShift, PlannedShiftId, Shift, ShiftId, ShiftStatus, Site, SiteId,
    SiteSettings, User, UserId,
};
use sqlx::{Postgres, QueryBuilder};
use tracing::instrument;

/// Rows per INSERT when importing: large enough to amortise round trips, small enough to keep
/// each message to the server a few megabytes.
const IMPORT_CHUNK: usize = 10_000;

/// Finished shifts per site, employee and currency over per-site ranges, in one query. Each range
/// is aggregated on its own (LATERAL) from an index-only range scan of `shifts_by_site_start`,
/// which carries every column the sums need; grouping per site keeps each hash table small and
/// avoids sorting every shift of the period (twice as fast as one big join and GROUP BY at 40k
/// shifts). `$4` (NULL for everyone) keeps one employee; `employee_id` is carried by the index, so
/// the filter does not leave it. Each shift counts in its own currency (copied at open), never
/// the site's current one.
const SHIFT_TOTALS: &str = "SELECT r.site_id, t.employee_id, t.currency, t.shifts, t.worked_minutes, \
            t.pay_minor \
     FROM UNNEST($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS r(site_id, from_at, to_at) \
     CROSS JOIN LATERAL ( \
         SELECT s.employee_id, s.currency::text AS currency, count(*) AS shifts, \
                coalesce(sum(s.worked_minutes), 0)::bigint AS worked_minutes, \
                coalesce(sum(s.pay_minor), 0)::bigint AS pay_minor \
         FROM shifts s \
         WHERE s.site_id = r.site_id AND s.started_at >= r.from_at AND s.started_at < r.to_at \
           AND s.status IN ('closed', 'auto_closed') \
           AND ($4::bigint IS NULL OR s.employee_id = $4) \
         GROUP BY s.employee_id, s.currency \
     ) AS t \
     ORDER BY r.site_id, t.employee_id, t.currency";

fn ids<T: Copy>(items: &[T], id: impl Fn(T) -> i64) -> Vec<i64> {
    let mut v: Vec<i64> = items.iter().map(|x| id(*x)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn user(row: Option<UserRow>) -> StoreResult<Option<User>> {
    row.map(User::try_from).transpose()
}

/// Binds a site's settings as $n.. in the column order of `insert_site` / `update_site`.
macro_rules! bind_settings {
    ($query:expr, $s:expr) => {
        $query
            .bind($s.name.as_str())
            .bind($s.address.as_str())
            .bind($s.location.latitude())
            .bind($s.location.longitude())
            .bind(i32::try_from($s.radius.metres()).unwrap_or(i32::MAX))
            .bind($s.hours.opens_at())
            .bind($s.hours.closes_at())
            .bind($s.time_zone.name())
            .bind($s.hourly_rate.minor)
            .bind($s.hourly_rate.currency.code())
    };
}

#[async_trait]
impl StoreHealth for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(())
    }
}

#[async_trait]
impl PeopleStore for PgStore {
    // ---- people --------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn upsert_user(&self, u: &NewUser) -> StoreResult<User> {
        let row: UserRow = sqlx::query_as(concat!(
            "INSERT INTO users (telegram_id, name, language) VALUES ($1, $2, $3) \
             ON CONFLICT (telegram_id) DO UPDATE \
             SET name = excluded.name, language = excluded.language \
             RETURNING ",
            user_columns!()
        ))
        .bind(u.telegram_id)
        .bind(u.name.as_str())
        .bind(u.language.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(map)?;
        row.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        user(row)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn users(&self, user_ids: &[UserId]) -> StoreResult<Vec<User>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = ANY($1) ORDER BY id"
        ))
        .bind(ids(user_ids, |u| u.0))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user_by_telegram_id(&self, telegram_id: i64) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE telegram_id = $1"
        ))
        .bind(telegram_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        user(row)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_owner(&self, id: UserId, is_owner: bool) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET is_owner = $2 WHERE id = $1")
            .bind(id.0)
            .bind(is_owner)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_user_language(&self, id: UserId, language: Language) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET language = $2 WHERE id = $1")
            .bind(id.0)
            .bind(language.as_str())
            .execute(&self.pool)
            .await
            .map_err(map)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_user_reachable(&self, id: UserId, reachable: bool) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET reachable = $2 WHERE id = $1")
            .bind(id.0)
            .bind(reachable)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    // ---- API tokens ----------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_api_token(
        &self,
        user_id: UserId,
        token_hash: &str,
        label: &str,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(user_id.0)
        .bind(token_hash)
        .bind(label)
        .fetch_one(&self.pool)
        .await
        .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = \
             (SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL)"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        user(row)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL \
             RETURNING token_hash",
        )
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)
    }
}

#[async_trait]
impl SiteStore for PgStore {
    // ---- sites ---------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_site(
        &self,
        owner_id: UserId,
        settings: &SiteSettings,
        join_code: &str,
    ) -> StoreResult<Site> {
        let query = sqlx::query_as(concat!(
            "INSERT INTO sites (name, address, latitude, longitude, geofence_radius_m, opens_at, \
             closes_at, time_zone, hourly_rate_minor, currency, owner_id, join_code) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ",
            site_columns!()
        ));
        let row: SiteRow = bind_settings!(query, settings)
            .bind(owner_id.0)
            .bind(join_code)
            .fetch_one(&self.pool)
            .await
            .map_err(map)?;
        row.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn site(&self, id: SiteId) -> StoreResult<Option<Site>> {
        let row: Option<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(Site::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn site_by_join_code(&self, join_code: &str) -> StoreResult<Option<Site>> {
        let row: Option<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE join_code = $1"
        ))
        .bind(join_code)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(Site::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn update_site(
        &self,
        id: SiteId,
        settings: &SiteSettings,
        active: bool,
        notify_owner: bool,
    ) -> StoreResult<Site> {
        let query = sqlx::query_as(concat!(
            "UPDATE sites SET name = $1, address = $2, latitude = $3, longitude = $4, \
             geofence_radius_m = $5, opens_at = $6, closes_at = $7, time_zone = $8, \
             hourly_rate_minor = $9, currency = $10, active = $11, notify_owner = $12 \
             WHERE id = $13 RETURNING ",
            site_columns!()
        ));
        let row: Option<SiteRow> = bind_settings!(query, settings)
            .bind(active)
            .bind(notify_owner)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map)?;
        row.ok_or(StoreError::NotFound("site"))?.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_managed_by(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let rows: Vec<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE owner_id = $1 \
             OR id IN (SELECT site_id FROM site_managers WHERE user_id = $1) ORDER BY id"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn is_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM site_managers WHERE site_id = $1 AND user_id = $2)",
        )
        .bind(site_id.0)
        .bind(user_id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn grant_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.grant(Grant::Manager, site_id, user_id).await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.revoke(Grant::Manager, site_id, user_id).await
    }

    // ---- employee access -----------------------------------------------------------------------

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
            "SELECT EXISTS (SELECT 1 FROM site_access WHERE site_id = $1 AND user_id = $2)",
        )
        .bind(site_id.0)
        .bind(user_id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_of_employee(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let rows: Vec<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id IN (SELECT site_id FROM site_access WHERE user_id = $1) \
             ORDER BY id"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_worked_at(
        &self,
        user_id: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Site>> {
        let rows: Vec<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id IN (SELECT DISTINCT site_id FROM shifts \
             WHERE employee_id = $1 AND started_at >= $2) ORDER BY id"
        ))
        .bind(user_id.0)
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn employees_of(&self, site_ids: &[SiteId]) -> StoreResult<Vec<Employee>> {
        if site_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Names sort by code point (COLLATE "C"), the order Rust's `str::cmp` and SQLite give,
        // so every backend and the app's own sorting agree.
        let rows: Vec<EmployeeRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            ", granted.site_ids FROM users JOIN ( \
                 SELECT user_id, array_agg(site_id ORDER BY site_id) AS site_ids \
                 FROM site_access WHERE site_id = ANY($1) GROUP BY user_id \
             ) AS granted ON granted.user_id = users.id \
             ORDER BY name COLLATE \"C\", id"
        ))
        .bind(ids(site_ids, |s| s.0))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        rows.into_iter()
            .map(|r| {
                Ok(Employee {
                    user: r.user.try_into()?,
                    site_ids: r.site_ids.into_iter().map(SiteId).collect(),
                })
            })
            .collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn managers_of(&self, site_id: SiteId) -> StoreResult<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id IN (SELECT user_id FROM site_managers WHERE site_id = $1) \
             ORDER BY id"
        ))
        .bind(site_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }
}

#[async_trait]
impl ShiftStore for PgStore {
    // ---- shifts --------------------------------------------------------------------------------

    /// A linked plan that is no longer `planned` (cancelled or taken meanwhile), or belongs to
    /// another employee or site, is not linked: the shift still opens, because the employee is
    /// at the site now, and `planned_shift_id` of the result says whether the link was made.
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_shift(&self, s: &NewShift) -> StoreResult<Shift> {
        // The shift, the plan it fulfils and the jobs that follow the open: all or nothing.
        let mut tx = self.pool.begin().await.map_err(map)?;
        let plan_id: Option<i64> = match s.planned_shift_id {
            Some(plan) => sqlx::query_scalar(
                "UPDATE planned_shifts SET status = 'done' \
                 WHERE id = $1 AND employee_id = $2 AND site_id = $3 AND status = 'planned' \
                 RETURNING id",
            )
            .bind(plan.0)
            .bind(s.employee_id.0)
            .bind(s.site_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?,
            None => None,
        };
        let row: ShiftRow = bind_new_shift(sqlx::query_as(INSERT_SHIFT), s, plan_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
        if let Some(plan) = plan_id {
            sqlx::query("UPDATE planned_shifts SET shift_id = $1 WHERE id = $2")
                .bind(row.id())
                .bind(plan)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
        }
        let stored = Shift::try_from(row)?;
        let notifies = site_notifies(&mut tx, stored.site_id).await?;
        let jobs = app::background::after_shift_opened(&stored, notifies);
        write_outbox(&mut tx, &jobs, stored.started_at).await?;
        tx.commit().await.map_err(map)?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shift(&self, id: ShiftId) -> StoreResult<Option<Shift>> {
        let row: Option<ShiftRow> = sqlx::query_as(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(Shift::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn active_shift(&self, employee_id: UserId) -> StoreResult<Option<Shift>> {
        let row: Option<ShiftRow> = sqlx::query_as(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE employee_id = $1 AND status = 'active'"
        ))
        .bind(employee_id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(Shift::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn active_shifts(&self) -> StoreResult<Vec<Shift>> {
        let rows: Vec<ShiftRow> = sqlx::query_as(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE status = 'active' ORDER BY started_at, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn running_shift_starts(&self) -> StoreResult<Vec<app::ShiftStart>> {
        let rows: Vec<(i64, i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, site_id, started_at FROM shifts WHERE status = 'active' \
             ORDER BY started_at, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        Ok(rows
            .into_iter()
            .map(|(id, site, started_at)| app::ShiftStart {
                id: ShiftId(id),
                site_id: SiteId(site),
                started_at,
            })
            .collect())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn close_shift(&self, id: ShiftId, end: &ShiftEnd) -> StoreResult<Shift> {
        if end.status == ShiftStatus::Active {
            return Err(StoreError::Other(
                "a shift cannot be closed into the active status".into(),
            ));
        }
        let loc = end.end_location;
        // The close and the jobs that follow it: all or nothing.
        let mut tx = self.pool.begin().await.map_err(map)?;
        let row: Option<ShiftRow> = sqlx::query_as(concat!(
            "UPDATE shifts SET status = $2, ended_at = $3, end_latitude = $4, \
             end_longitude = $5, end_accuracy_m = $6, end_distance_m = $7, worked_minutes = $8, \
             pay_minor = $9, needs_review = $10 \
             WHERE id = $1 AND status = 'active' RETURNING ",
            shift_columns!()
        ))
        .bind(id.0)
        .bind(end.status.as_str())
        .bind(end.ended_at)
        .bind(loc.map(|l| l.coordinates.latitude()))
        .bind(loc.map(|l| l.coordinates.longitude()))
        .bind(loc.and_then(|l| l.accuracy_m))
        .bind(loc.map(|l| l.distance_m))
        .bind(end.worked_minutes)
        .bind(end.pay_minor)
        .bind(end.needs_review)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        let closed = Shift::try_from(row.ok_or(StoreError::NotFound("active shift"))?)?;
        let notifies = site_notifies(&mut tx, closed.site_id).await?;
        let jobs = app::background::after_shift_closed(&closed, notifies);
        write_outbox(&mut tx, &jobs, end.ended_at).await?;
        tx.commit().await.map_err(map)?;
        Ok(closed)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn list_shifts(&self, f: &ShiftFilter) -> StoreResult<Vec<Shift>> {
        if f.site_ids.is_empty() || f.limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::from(f.limit);
        // One ordered index walk per site (LATERAL, on `shifts_by_site_start`, keyed by site,
        // start and id), each cut at the page size after the cursor, then merged: a page costs
        // the page size per site, however deep into the listing it is.
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new("SELECT page.* FROM UNNEST(");
        q.push_bind(ids(&f.site_ids, |s| s.0));
        q.push(concat!(
            "::bigint[]) AS scope(site_id) CROSS JOIN LATERAL (SELECT ",
            shift_columns!(),
            " FROM shifts WHERE shifts.site_id = scope.site_id"
        ));
        if let Some(e) = f.employee_id {
            q.push(" AND shifts.employee_id = ").push_bind(e.0);
        }
        if let Some(st) = f.status {
            q.push(" AND shifts.status = ").push_bind(st.as_str());
        }
        if let Some(from) = f.started_from {
            q.push(" AND shifts.started_at >= ").push_bind(from);
        }
        if let Some(before) = f.started_before {
            q.push(" AND shifts.started_at < ").push_bind(before);
        }
        if let Some(after) = f.after {
            q.push(" AND (shifts.started_at, shifts.id) < (")
                .push_bind(after.at)
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        q.push(" ORDER BY shifts.started_at DESC, shifts.id DESC LIMIT ")
            .push_bind(limit);
        q.push(") AS page ORDER BY page.started_at DESC, page.id DESC LIMIT ")
            .push_bind(limit);
        let rows: Vec<ShiftRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn import_finished_shifts(&self, shifts: &[FinishedShift]) -> StoreResult<u64> {
        if let Some(bad) = shifts.iter().find(|s| s.end.status == ShiftStatus::Active) {
            return Err(StoreError::Other(format!(
                "cannot import an active shift as finished (employee {}, started {})",
                bad.shift.employee_id, bad.shift.started_at
            )));
        }
        let mut tx = self.pool.begin().await.map_err(map)?;
        let mut stored: u64 = 0;
        for chunk in shifts.chunks(IMPORT_CHUNK) {
            let n: i64 = import_chunk(chunk).fetch_one(&mut *tx).await.map_err(map)?;
            stored += u64::try_from(n).unwrap_or(0);
        }
        tx.commit().await.map_err(map)?;
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
        let site_ids: Vec<i64> = ranges.iter().map(|r| r.site_id.0).collect();
        let from: Vec<DateTime<Utc>> = ranges.iter().map(|r| r.from).collect();
        let to: Vec<DateTime<Utc>> = ranges.iter().map(|r| r.to).collect();
        let rows: Vec<TotalsRow> = sqlx::query_as(SHIFT_TOTALS)
            .bind(site_ids)
            .bind(from)
            .bind(to)
            .bind(employee_id.map(|e| e.0))
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                Ok(ShiftTotals {
                    site_id: SiteId(r.site_id),
                    employee_id: UserId(r.employee_id),
                    currency: crate::rows::currency(&r.currency)?,
                    shifts: r.shifts,
                    worked_minutes: r.worked_minutes,
                    pay_minor: r.pay_minor,
                })
            })
            .collect::<StoreResult<_>>()?)
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
impl PlanStore for PgStore {
    // ---- planned shifts ------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_planned_shift(&self, plan: &NewPlannedShift) -> StoreResult<PlannedShift> {
        let mut tx = self.pool.begin().await.map_err(map)?;
        lock_plans_of(&mut tx, plan.employee_id).await?;
        let row: PlanRow = sqlx::query_as(concat!(
            "INSERT INTO planned_shifts (employee_id, site_id, starts_at, ends_at) \
             VALUES ($1, $2, $3, $4) RETURNING ",
            plan_columns!()
        ))
        .bind(plan.employee_id.0)
        .bind(plan.site_id.0)
        .bind(plan.window.starts_at)
        .bind(plan.window.ends_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map)?;
        tx.commit().await.map_err(map)?;
        row.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn planned_shift(&self, id: PlannedShiftId) -> StoreResult<Option<PlannedShift>> {
        let row: Option<PlanRow> = sqlx::query_as(concat!(
            "SELECT ",
            plan_columns!(),
            " FROM planned_shifts WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(PlannedShift::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_plan_status(
        &self,
        id: PlannedShiftId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> StoreResult<PlannedShift> {
        // Back to planned is checked by the exclusion constraint too (see `lock_plans_of`).
        let mut tx = self.pool.begin().await.map_err(map)?;
        let employee: Option<i64> =
            sqlx::query_scalar("SELECT employee_id FROM planned_shifts WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map)?;
        if let Some(employee) = employee {
            lock_plans_of(&mut tx, UserId(employee)).await?;
        }
        let row: Option<PlanRow> = sqlx::query_as(concat!(
            "UPDATE planned_shifts SET status = $3 WHERE id = $1 AND status = $2 RETURNING ",
            plan_columns!()
        ))
        .bind(id.0)
        .bind(from.as_str())
        .bind(to.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        tx.commit().await.map_err(map)?;
        row.ok_or(StoreError::NotFound("planned shift"))?.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn list_planned(&self, f: &PlanFilter) -> StoreResult<Vec<PlannedShift>> {
        if f.site_ids.is_empty() || f.limit == 0 {
            return Ok(Vec::new());
        }
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(concat!(
            "SELECT ",
            plan_columns!(),
            " FROM planned_shifts WHERE site_id = ANY("
        ));
        q.push_bind(ids(&f.site_ids, |s| s.0)).push(")");
        if let Some(e) = f.employee_id {
            q.push(" AND employee_id = ").push_bind(e.0);
        }
        if let Some(st) = f.status {
            q.push(" AND status = ").push_bind(st.as_str());
        }
        if let Some(from) = f.starts_from {
            q.push(" AND starts_at >= ").push_bind(from);
        }
        if let Some(before) = f.starts_before {
            q.push(" AND starts_at < ").push_bind(before);
        }
        if let Some(after) = f.ends_after {
            q.push(" AND ends_at > ").push_bind(after);
        }
        if let Some(after) = f.after {
            q.push(" AND (starts_at, id) > (")
                .push_bind(after.at)
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        q.push(" ORDER BY starts_at, id LIMIT ")
            .push_bind(i64::from(f.limit));
        let rows: Vec<PlanRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn mark_missed_plans(&self, before: DateTime<Utc>) -> StoreResult<Vec<PlannedShift>> {
        let rows: Vec<PlanRow> = sqlx::query_as(concat!(
            "WITH missed AS (UPDATE planned_shifts SET status = 'missed' \
             WHERE status = 'planned' AND ends_at < $1 RETURNING ",
            plan_columns!(),
            ") SELECT ",
            plan_columns!(),
            " FROM missed ORDER BY starts_at, id"
        ))
        .bind(before)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }
}

#[async_trait]
impl JoinStore for PgStore {
    // ---- joining sites -------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_join_request(
        &self,
        site_id: SiteId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        // The partial unique index `join_requests_one_pending` refuses a second waiting request
        // for the pair, also when two arrive at once.
        let row: JoinRequestRow = sqlx::query_as(concat!(
            "INSERT INTO join_requests (site_id, user_id, status, created_at) \
             VALUES ($1, $2, 'pending', $3) RETURNING ",
            join_request_columns!()
        ))
        .bind(site_id.0)
        .bind(user_id.0)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(map)?;
        row.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn join_request(&self, id: JoinRequestId) -> StoreResult<Option<JoinRequest>> {
        let row: Option<JoinRequestRow> = sqlx::query_as(concat!(
            "SELECT ",
            join_request_columns!(),
            " FROM join_requests WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(JoinRequest::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn decide_join_request(
        &self,
        id: JoinRequestId,
        approve: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        // One statement, so deciding and granting commit together. The update only takes a
        // request still pending: a concurrent second decision waits for the first one's row lock,
        // then finds it decided and returns nothing.
        let row: Option<JoinRequestRow> = sqlx::query_as(concat!(
            "WITH decided AS ( \
                 UPDATE join_requests SET status = $2, decided_at = $3 \
                 WHERE id = $1 AND status = 'pending' RETURNING ",
            join_request_columns!(),
            " ), granted AS ( \
                 INSERT INTO site_access (site_id, user_id) \
                 SELECT site_id, user_id FROM decided WHERE status = 'approved' \
                 ON CONFLICT DO NOTHING \
             ) SELECT ",
            join_request_columns!(),
            " FROM decided"
        ))
        .bind(id.0)
        .bind(if approve { "approved" } else { "declined" })
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.ok_or(StoreError::NotFound("join request"))?.try_into()
    }
}

/// One INSERT of a chunk of finished shifts as parallel arrays (UNNEST): one statement and one
/// round trip per chunk however many rows it has. Plans the shifts fulfil are marked done in
/// the same statement. Answers how many shifts were inserted.
fn import_chunk(
    chunk: &[FinishedShift],
) -> sqlx::query::QueryScalar<'static, Postgres, i64, sqlx::postgres::PgArguments> {
    let col = |f: &dyn Fn(&FinishedShift) -> i64| chunk.iter().map(f).collect::<Vec<i64>>();
    let float = |f: &dyn Fn(&FinishedShift) -> f64| chunk.iter().map(f).collect::<Vec<f64>>();
    let opt_float =
        |f: &dyn Fn(&FinishedShift) -> Option<f64>| chunk.iter().map(f).collect::<Vec<_>>();
    let end_loc = |s: &FinishedShift| s.end.end_location;
    sqlx::query_scalar(
        "WITH inserted AS ( \
             INSERT INTO shifts (employee_id, site_id, status, started_at, start_latitude, \
                 start_longitude, start_accuracy_m, start_distance_m, ended_at, end_latitude, \
                 end_longitude, end_accuracy_m, end_distance_m, hourly_rate_minor, currency, \
                 worked_minutes, pay_minor, needs_review, planned_shift_id) \
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], \
                 $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::timestamptz[], \
                 $10::float8[], $11::float8[], $12::float8[], $13::float8[], $14::bigint[], \
                 $15::text[], $16::bigint[], $17::bigint[], $18::bool[], $19::bigint[]) \
             RETURNING id, planned_shift_id \
         ), linked AS ( \
             UPDATE planned_shifts p SET status = 'done', shift_id = inserted.id \
             FROM inserted WHERE p.id = inserted.planned_shift_id AND p.status = 'planned' \
         ) \
         SELECT count(*) FROM inserted",
    )
    .bind(col(&|s| s.shift.employee_id.0))
    .bind(col(&|s| s.shift.site_id.0))
    .bind(
        chunk
            .iter()
            .map(|s| s.end.status.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(chunk.iter().map(|s| s.shift.started_at).collect::<Vec<_>>())
    .bind(float(&|s| s.shift.start_location.coordinates.latitude()))
    .bind(float(&|s| s.shift.start_location.coordinates.longitude()))
    .bind(opt_float(&|s| s.shift.start_location.accuracy_m))
    .bind(float(&|s| s.shift.start_location.distance_m))
    .bind(chunk.iter().map(|s| s.end.ended_at).collect::<Vec<_>>())
    .bind(opt_float(&|s| end_loc(s).map(|l| l.coordinates.latitude())))
    .bind(opt_float(&|s| {
        end_loc(s).map(|l| l.coordinates.longitude())
    }))
    .bind(opt_float(&|s| end_loc(s).and_then(|l| l.accuracy_m)))
    .bind(opt_float(&|s| end_loc(s).map(|l| l.distance_m)))
    .bind(col(&|s| s.shift.hourly_rate.minor))
    .bind(
        chunk
            .iter()
            .map(|s| s.shift.hourly_rate.currency.code().to_owned())
            .collect::<Vec<_>>(),
    )
    .bind(col(&|s| s.end.worked_minutes))
    .bind(col(&|s| s.end.pay_minor))
    .bind(chunk.iter().map(|s| s.end.needs_review).collect::<Vec<_>>())
    .bind(
        chunk
            .iter()
            .map(|s| s.shift.planned_shift_id.map(|p| p.0))
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::test_support::fresh_database;
    use app::NewUser;
    use chrono::{Duration, TimeZone};
    use domain::{Coordinates, Currency, Language, Money, PersonName, RecordedLocation, SitePatch};
    use sqlx::Row;

    /// The report query must read only the covering index, never the table, whatever the
    /// number of shifts; checked on its plan over a realistic spread of data.
    #[tokio::test]
    async fn shift_totals_is_an_index_only_scan() {
        let store = PgStore::connect(&fresh_database().await.unwrap())
            .await
            .unwrap();
        let owner = store
            .upsert_user(&NewUser {
                telegram_id: 1,
                name: PersonName::new("Владелец").unwrap(),
                language: Language::Ru,
            })
            .await
            .unwrap();
        let settings = SitePatch {
            name: Some("Склад".into()),
            latitude: Some(55.75),
            longitude: Some(37.62),
            opens_at: Some("09:00".into()),
            closes_at: Some("21:00".into()),
            hourly_rate_minor: Some(35_000),
            ..SitePatch::default()
        }
        .create()
        .unwrap();
        let mut sites = Vec::new();
        for i in 0..20u8 {
            let code = domain::join::JoinCode::from_random([i; 10]);
            sites.push(
                store
                    .insert_site(owner.id, &settings, code.as_str())
                    .await
                    .unwrap()
                    .id,
            );
        }
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 6, 0, 0).unwrap();
        let batch: Vec<FinishedShift> = (0..40_000i64)
            .map(|i| {
                let started = start + Duration::minutes(i * 13);
                FinishedShift {
                    shift: NewShift {
                        employee_id: owner.id,
                        site_id: sites[(i % 20) as usize],
                        started_at: started,
                        start_location: RecordedLocation {
                            coordinates: Coordinates::new(55.75, 37.62).unwrap(),
                            accuracy_m: None,
                            distance_m: 0.0,
                        },
                        hourly_rate: Money::new(35_000, Currency::RUB),
                        planned_shift_id: None,
                    },
                    end: ShiftEnd {
                        status: ShiftStatus::Closed,
                        ended_at: started + Duration::minutes(480),
                        end_location: None,
                        worked_minutes: 480,
                        pay_minor: 280_000,
                        needs_review: false,
                    },
                }
            })
            .collect();
        store.import_finished_shifts(&batch).await.unwrap();
        sqlx::query("VACUUM (ANALYZE) shifts")
            .execute(store.pool())
            .await
            .unwrap();
        let from = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
        // Everyone's totals (the owner's report) and one employee's (their earnings).
        for employee in [None, Some(owner.id.0)] {
            let plan: Vec<String> =
                sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {SHIFT_TOTALS}")))
                    .bind(sites[..3].iter().map(|s| s.0).collect::<Vec<_>>())
                    .bind(vec![from; 3])
                    .bind(vec![to; 3])
                    .bind(employee)
                    .fetch_all(store.pool())
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get::<String, _>(0))
                    .collect();
            assert!(
                plan.iter()
                    .any(|l| l.contains("Index Only Scan using shifts_by_site_start")),
                "{plan:#?}"
            );
            assert!(
                !plan.iter().any(|l| l.contains("Seq Scan on shifts")),
                "{plan:#?}"
            );
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
                "INSERT INTO site_managers (site_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            }
            Grant::Access => {
                "INSERT INTO site_access (site_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            }
        }
    }

    fn delete_sql(self) -> &'static str {
        match self {
            Grant::Manager => "DELETE FROM site_managers WHERE site_id = $1 AND user_id = $2",
            Grant::Access => "DELETE FROM site_access WHERE site_id = $1 AND user_id = $2",
        }
    }
}

impl PgStore {
    /// Returns false when the grant already existed.
    async fn grant(&self, kind: Grant, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        let done = sqlx::query(kind.insert_sql())
            .bind(site_id.0)
            .bind(user_id.0)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }

    /// Returns false when there was no grant.
    async fn revoke(&self, kind: Grant, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        let done = sqlx::query(kind.delete_sql())
            .bind(site_id.0)
            .bind(user_id.0)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }
}

/// Inserts an active shift; `$10` is the plan it fulfils (or NULL).
const INSERT_SHIFT: &str = concat!(
    "INSERT INTO shifts (employee_id, site_id, status, started_at, start_latitude, \
     start_longitude, start_accuracy_m, start_distance_m, hourly_rate_minor, currency, \
     planned_shift_id) VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9, $10) \
     RETURNING ",
    shift_columns!()
);

fn bind_new_shift<'q>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, ShiftRow, sqlx::postgres::PgArguments>,
    s: &NewShift,
    plan_id: Option<i64>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, ShiftRow, sqlx::postgres::PgArguments> {
    q.bind(s.employee_id.0)
        .bind(s.site_id.0)
        .bind(s.started_at)
        .bind(s.start_location.coordinates.latitude())
        .bind(s.start_location.coordinates.longitude())
        .bind(s.start_location.accuracy_m)
        .bind(s.start_location.distance_m)
        .bind(s.hourly_rate.minor)
        .bind(s.hourly_rate.currency.code().to_owned())
        .bind(plan_id)
}

/// The site's "tell the owner" setting, read in the change's transaction (which jobs follow it).
async fn site_notifies(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    site: SiteId,
) -> StoreResult<bool> {
    let notifies: Option<bool> = sqlx::query_scalar("SELECT notify_owner FROM sites WHERE id = $1")
        .bind(site.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map)?;
    Ok(notifies.unwrap_or(true))
}

/// The advisory-lock class of "the plans of one employee" ("PLAN" in ASCII).
const PLANS_OF_EMPLOYEE: i32 = 0x504C_414E;

/// Serialises the writes that the no-overlap exclusion constraint checks, per employee, for the
/// rest of the transaction. Without it, concurrent plans of one person can wait on each other
/// inside the constraint's check until PostgreSQL breaks the deadlock (after a second) or the
/// statement times out; with it, the second simply finds the first's row (PlanOverlap). Ids past
/// 2³¹ share a lock with another id: harmless, they only wait for each other.
async fn lock_plans_of(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    employee: UserId,
) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(PLANS_OF_EMPLOYEE)
        .bind(employee.0 as i32)
        .execute(&mut **tx)
        .await
        .map_err(map)?;
    Ok(())
}
