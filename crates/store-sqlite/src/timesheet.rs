//! The timesheet's pages: finished shifts of per-site ranges in start order, after a keyset
//! cursor (`ShiftStore::finished_shifts_page`).

use crate::SqliteStore;
use crate::error::from_sqlx;
use crate::rows::{self, micros, shift_columns};
use app::{Cursor, SiteRange, StoreResult};
use domain::{Shift, UserId};

/// `?1` the ranges as JSON `[[site_id, from, to], ...]`, `?2` one employee or NULL, `?3`/`?4`
/// the cursor's start and id (NULL for the first page), `?5` the page size. The ranges' columns
/// are named apart from the shifts' so the shift columns stay unqualified. Each range is a seek
/// into `shifts_by_site_start` (site, start, id) from the later of its start and the cursor, so
/// a page never reads the rows of earlier pages; SQLite has no LATERAL to cut each range at the
/// page size, so a page reads the rest of the period after the cursor and keeps the first
/// `?5` in start order (a top-N sort).
const PAGE: &str = concat!(
    "WITH ranges (r_site, r_from, r_to) AS ( \
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), \
                json_extract(value, '$[2]') \
         FROM json_each(?1)) \
     SELECT ",
    shift_columns!(),
    " FROM ranges CROSS JOIN shifts \
     WHERE site_id = r_site AND started_at >= max(r_from, coalesce(?3, r_from)) \
       AND started_at < r_to AND status IN ('closed', 'auto_closed') \
       AND (?2 IS NULL OR employee_id = ?2) \
       AND (?3 IS NULL OR started_at > ?3 OR id > ?4) \
     ORDER BY started_at, id LIMIT ?5"
);

pub(crate) async fn finished_shifts_page(
    store: &SqliteStore,
    ranges: &[SiteRange],
    employee_id: Option<UserId>,
    after: Option<Cursor>,
    limit: u32,
) -> StoreResult<Vec<Shift>> {
    if ranges.is_empty() || limit == 0 {
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
    let found = sqlx::query(PAGE)
        .bind(json)
        .bind(employee_id.map(|e| e.0))
        .bind(after.map(|c| micros(c.at)))
        .bind(after.map(|c| c.id))
        .bind(i64::from(limit))
        .fetch_all(&store.pool)
        .await
        .map_err(from_sqlx)?;
    found.iter().map(rows::shift).collect()
}
