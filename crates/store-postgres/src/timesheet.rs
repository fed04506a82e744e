//! The timesheet's pages: finished shifts of per-site ranges in start order, after a keyset
//! cursor (`ShiftStore::finished_shifts_page`).

use crate::PgStore;
use crate::error::map;
use crate::rows::{ShiftRow, convert, shift_columns};
use app::{Cursor, SiteRange, StoreResult};
use chrono::{DateTime, Utc};
use domain::{Shift, UserId};

/// One ordered walk of `shifts_by_site_start` (site, start, id) per range (LATERAL), from the
/// later of the range's start and the cursor, each cut at the page size, then merged: a page
/// costs the page size per site however deep into the period it is. `$4` (NULL for everyone)
/// keeps one employee; `$5`/`$6` are the cursor (NULL for the first page), `$7` the page size.
const PAGE: &str = concat!(
    "SELECT page.* FROM UNNEST($1::bigint[], $2::timestamptz[], $3::timestamptz[]) \
         AS r(site_id, from_at, to_at) \
     CROSS JOIN LATERAL (SELECT ",
    shift_columns!(),
    " FROM shifts \
       WHERE shifts.site_id = r.site_id \
         AND shifts.started_at >= GREATEST(r.from_at, COALESCE($5::timestamptz, r.from_at)) \
         AND shifts.started_at < r.to_at \
         AND shifts.status IN ('closed', 'auto_closed') \
         AND ($4::bigint IS NULL OR shifts.employee_id = $4) \
         AND ($5::timestamptz IS NULL OR (shifts.started_at, shifts.id) > ($5, $6::bigint)) \
       ORDER BY shifts.started_at, shifts.id LIMIT $7) AS page \
     ORDER BY page.started_at, page.id LIMIT $7"
);

pub(crate) async fn finished_shifts_page(
    store: &PgStore,
    ranges: &[SiteRange],
    employee_id: Option<UserId>,
    after: Option<Cursor>,
    limit: u32,
) -> StoreResult<Vec<Shift>> {
    if ranges.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let site_ids: Vec<i64> = ranges.iter().map(|r| r.site_id.0).collect();
    let from: Vec<DateTime<Utc>> = ranges.iter().map(|r| r.from).collect();
    let to: Vec<DateTime<Utc>> = ranges.iter().map(|r| r.to).collect();
    let rows: Vec<ShiftRow> = sqlx::query_as(PAGE)
        .bind(site_ids)
        .bind(from)
        .bind(to)
        .bind(employee_id.map(|e| e.0))
        .bind(after.map(|c| c.at))
        .bind(after.map(|c| c.id))
        .bind(i64::from(limit))
        .fetch_all(store.pool())
        .await
        .map_err(map)?;
    convert(rows)
}
