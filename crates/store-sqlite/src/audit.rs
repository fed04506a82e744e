//! `app::audit::AuditStore` for `SqliteStore`: the person's previous shift (on
//! `shifts_by_employee_start`), how many earlier shifts share a point to six decimals (on the
//! expression indexes `shifts_start_point` and `shifts_end_point`, migration 0011) and the
//! conditional flag for review.

use crate::SqliteStore;
use crate::error::from_sqlx;
use crate::rows::{self, micros, shift_columns};
use app::StoreResult;
use app::audit::AuditStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Coordinates, ReviewReason, Shift, ShiftId, SiteId, UserId};
use tracing::instrument;

/// Earlier shifts of a person or a site opened (first branch) or closed (second) at a point.
/// Each branch repeats its index's expressions, so SQLite looks the point up in the index and
/// reads only the shifts there; `UNION` counts a shift opened and closed there once.
pub(crate) const SHIFTS_AT_POINT: &str = "SELECT count(*) FROM ( \
     SELECT id FROM shifts \
     WHERE round(start_latitude * 1000000.0) = round(?1 * 1000000.0) \
       AND round(start_longitude * 1000000.0) = round(?2 * 1000000.0) \
       AND (employee_id = ?3 OR site_id = ?4) AND started_at < ?5 AND id <> ?6 \
     UNION \
     SELECT id FROM shifts \
     WHERE end_latitude IS NOT NULL \
       AND round(end_latitude * 1000000.0) = round(?1 * 1000000.0) \
       AND round(end_longitude * 1000000.0) = round(?2 * 1000000.0) \
       AND (employee_id = ?3 OR site_id = ?4) AND started_at < ?5 AND id <> ?6)";

#[async_trait]
impl AuditStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn previous_shift(
        &self,
        employee: UserId,
        before: DateTime<Utc>,
        except: ShiftId,
    ) -> StoreResult<Option<Shift>> {
        sqlx::query(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE employee_id = ? AND started_at < ? AND id <> ? \
             ORDER BY started_at DESC, id DESC LIMIT 1"
        ))
        .bind(employee.0)
        .bind(micros(before))
        .bind(except.0)
        .fetch_optional(self.pool())
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::shift)
        .transpose()
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
            .bind(micros(before))
            .bind(except.0)
            .fetch_one(self.pool())
            .await
            .map_err(from_sqlx)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn flag_for_review(&self, id: ShiftId, reason: ReviewReason) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE shifts SET needs_review = 1, review_reason = ? \
             WHERE id = ? AND status <> 'active' AND needs_review = 0 \
             AND NOT EXISTS (SELECT 1 FROM shift_changes c WHERE c.shift_id = shifts.id \
                             AND c.kind IN ('approved', 'end_changed'))",
        )
        .bind(reason.as_str())
        .bind(id.0)
        .execute(tx.conn())
        .await
        .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Both branches of the point count look the point up in its index.
    #[tokio::test]
    async fn the_point_count_reads_the_point_indexes() {
        let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "EXPLAIN QUERY PLAN {SHIFTS_AT_POINT}"
        )))
        .bind(55.0)
        .bind(37.0)
        .bind(1)
        .bind(1)
        .bind(0)
        .bind(0)
        .fetch_all(store.pool())
        .await
        .unwrap();
        let details: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
        assert!(
            details.iter().any(|d| d.contains("shifts_start_point")),
            "{details:?}"
        );
        assert!(
            details.iter().any(|d| d.contains("shifts_end_point")),
            "{details:?}"
        );
    }
}
