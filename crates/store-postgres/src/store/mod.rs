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

// After the macro: its scope is textual.
mod joins;
mod people;
mod plans;
mod shifts;
mod sites;

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
