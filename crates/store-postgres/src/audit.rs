//! `app::audit::AuditStore` for `PgStore`: the person's previous shift (on
//! `shifts_by_employee_start`), how many earlier shifts share a point to six decimals (on the
//! expression indexes `shifts_start_point` and `shifts_end_point`, migration 20261202000005) and
//! the conditional flag for review (one `UPDATE`, so a concurrent review and the flag never both
//! apply to a shift not yet reviewed).

use crate::PgStore;
use crate::error::map;
use crate::rows::{ShiftRow, shift_columns};
use app::StoreResult;
use app::audit::AuditStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Coordinates, ReviewReason, Shift, ShiftId, SiteId, UserId};
use tracing::instrument;

/// Earlier shifts of a person or a site opened (first branch) or closed (second) at a point.
/// Each branch repeats its index's expressions, so the planner looks the point up in the index;
/// `UNION` counts a shift opened and closed there once.
pub(crate) const SHIFTS_AT_POINT: &str = "SELECT count(*) FROM ( \
     SELECT id FROM shifts \
     WHERE round(start_latitude * 1000000.0::float8) = round($1 * 1000000.0::float8) \
       AND round(start_longitude * 1000000.0::float8) = round($2 * 1000000.0::float8) \
       AND (employee_id = $3 OR site_id = $4) AND started_at < $5 AND id <> $6 \
     UNION \
     SELECT id FROM shifts \
     WHERE end_latitude IS NOT NULL \
       AND round(end_latitude * 1000000.0::float8) = round($1 * 1000000.0::float8) \
       AND round(end_longitude * 1000000.0::float8) = round($2 * 1000000.0::float8) \
       AND (employee_id = $3 OR site_id = $4) AND started_at < $5 AND id <> $6) AS at_point";

#[async_trait]
impl AuditStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn previous_shift(
        &self,
        employee: UserId,
        before: DateTime<Utc>,
        except: ShiftId,
    ) -> StoreResult<Option<Shift>> {
        let row: Option<ShiftRow> = sqlx::query_as(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE employee_id = $1 AND started_at < $2 AND id <> $3 \
             ORDER BY started_at DESC, id DESC LIMIT 1"
        ))
        .bind(employee.0)
        .bind(before)
        .bind(except.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(Shift::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shifts_at_point(
        &self,
        point: Coordinates,
        employee: UserId,
        site: SiteId,
        before: DateTime<Utc>,
        except: ShiftId,
    ) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(SHIFTS_AT_POINT)
            .bind(point.latitude())
            .bind(point.longitude())
            .bind(employee.0)
            .bind(site.0)
            .bind(before)
            .bind(except.0)
            .fetch_one(&self.pool)
            .await
            .map_err(map)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn flag_for_review(&self, id: ShiftId, reason: ReviewReason) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE shifts SET needs_review = true, review_reason = $1 \
             WHERE id = $2 AND status <> 'active' AND NOT needs_review \
             AND NOT EXISTS (SELECT 1 FROM shift_changes c WHERE c.shift_id = shifts.id \
                             AND c.kind IN ('approved', 'end_changed'))",
        )
        .bind(reason.as_str())
        .bind(id.0)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::test_support::fresh_database;

    /// Both branches of the point count can look the point up in its index: the expressions in
    /// the query are the indexes' own (a tiny table is read whole unless sequential scans are
    /// off, so they are, on this one connection).
    #[tokio::test]
    async fn the_point_count_can_use_the_point_indexes() {
        let store = PgStore::connect(&fresh_database().await.unwrap())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .unwrap();
        let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "EXPLAIN (COSTS OFF) {SHIFTS_AT_POINT}"
        )))
        .bind(55.75_f64)
        .bind(37.62_f64)
        .bind(1_i64)
        .bind(1_i64)
        .bind(DateTime::<Utc>::from_timestamp(1_795_000_000, 0).unwrap())
        .bind(0_i64)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("shifts_start_point"), "{plan}");
        assert!(plan.contains("shifts_end_point"), "{plan}");
    }
}
