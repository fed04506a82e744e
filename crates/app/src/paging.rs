//! Keyset paging of listings. A page ends with a cursor naming its last row (the instant the
//! listing is ordered by and the row's id); the next page is what comes strictly after that row
//! in the listing's order, so a store reads only the page, never the rows before it, and a row
//! added or removed meanwhile does not shift the pages.

use crate::AppError;
use chrono::{DateTime, Utc};
use std::future::Future;

/// Largest page a listing returns.
pub const MAX_PAGE: u32 = 500;

/// Page size when none is asked.
pub const DEFAULT_PAGE: u32 = 100;

/// Where a page ends: the ordering instant (a shift's start, a plan's start) and the id of its
/// last row. Which side of it the next page lies on is the listing's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    pub fn new(at: DateTime<Utc>, id: i64) -> Self {
        Self { at, id }
    }

    /// The cursor as handed out: `<microseconds since 1970-01-01 UTC>_<id>`, e.g.
    /// `1793516400000000_42`. Clients pass it back as is.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.at.timestamp_micros(), self.id)
    }

    /// Reads a cursor handed out by `encode`; anything else (another spelling of the same
    /// numbers included) is refused as a bad `after`.
    pub fn parse(text: &str) -> Result<Cursor, AppError> {
        let bad = || AppError::BadRequest {
            field: "after",
            message: format!(
                "`{text}` is not a page cursor: pass back the `after` of the previous page's \
                 next link as is"
            ),
        };
        let (micros, id) = text.split_once('_').ok_or_else(bad)?;
        let micros: i64 = micros.parse().map_err(|_| bad())?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        let cursor = Cursor { at, id };
        if id <= 0 || cursor.encode() != text {
            return Err(bad());
        }
        Ok(cursor)
    }
}

/// One page of a listing, and the cursor of the next page (`None` on the last one).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

/// The page size asked, checked: 1 to `MAX_PAGE`, `DEFAULT_PAGE` when not given. Out of range
/// is refused rather than clamped, so a client never silently gets less than it asked for.
pub fn page_size(limit: Option<u32>) -> Result<u32, AppError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(n) => Err(AppError::BadRequest {
            field: "limit",
            message: format!("`limit` is {n}: a page holds 1 to {MAX_PAGE} rows"),
        }),
    }
}

/// Every row of a listing, read page by page (`MAX_PAGE` rows at a time) with the cursor of each
/// page's last row: for the views that must show all rows ("who is on shift now"), without
/// asking the store for an unbounded result at once.
pub async fn every_page<T, E, F, Fut>(mut fetch: F, key: impl Fn(&T) -> Cursor) -> Result<Vec<T>, E>
where
    F: FnMut(Option<Cursor>, u32) -> Fut,
    Fut: Future<Output = Result<Vec<T>, E>>,
{
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = fetch(after, MAX_PAGE).await?;
        let full = page.len() >= MAX_PAGE as usize;
        after = page.last().map(&key);
        all.extend(page);
        if !full || after.is_none() {
            return Ok(all);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_other_spellings() {
        let at = DateTime::from_timestamp_micros(1_793_516_400_123_456).unwrap();
        let c = Cursor::new(at, 42);
        assert_eq!(c.encode(), "1793516400123456_42");
        assert_eq!(Cursor::parse("1793516400123456_42").ok(), Some(c));
        // Before 1970 is still an instant.
        let old = Cursor::new(DateTime::from_timestamp_micros(-5).unwrap(), 7);
        assert_eq!(Cursor::parse(&old.encode()).ok(), Some(old));
        for bad in [
            "",
            "_",
            "42",
            "1793516400123456",
            "1793516400123456_",
            "_42",
            "1793516400123456_0",
            "1793516400123456_-3",
            "+1793516400123456_42",
            "01793516400123456_42",
            "1793516400123456_+42",
            "1793516400123456_42_1",
            "1793516400123456.42",
            "abc_42",
            "99999999999999999999_42",
            "9223372036854775807_42",
        ] {
            match Cursor::parse(bad) {
                Err(AppError::BadRequest { field, .. }) => assert_eq!(field, "after", "{bad}"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn page_sizes_out_of_range_are_refused() {
        assert_eq!(page_size(None).ok(), Some(100));
        assert_eq!(page_size(Some(1)).ok(), Some(1));
        assert_eq!(page_size(Some(500)).ok(), Some(500));
        for bad in [0, 501, u32::MAX] {
            match page_size(Some(bad)) {
                Err(AppError::BadRequest { field, .. }) => assert_eq!(field, "limit"),
                other => panic!("{bad} gave {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn every_page_reads_until_a_short_page() {
        // 1 201 rows, ids 1..=1201, "ordered" by id: three pages of 500, 500 and 201.
        let rows: Vec<i64> = (1..=1201).collect();
        let at = DateTime::from_timestamp_micros(0).unwrap();
        let mut asked = Vec::new();
        let all = every_page(
            |after: Option<Cursor>, limit| {
                asked.push(after.map(|c| c.id));
                let from = after.map_or(0, |c| c.id) as usize;
                let page: Vec<i64> = rows
                    .iter()
                    .skip(from)
                    .take(limit as usize)
                    .copied()
                    .collect();
                async move { Ok::<_, AppError>(page) }
            },
            |id| Cursor::new(at, *id),
        )
        .await
        .unwrap();
        assert_eq!(all, rows);
        assert_eq!(asked, vec![None, Some(500), Some(1000)]);
    }
}
