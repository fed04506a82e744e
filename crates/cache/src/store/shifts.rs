//! Shifts through the cache: an employee's running shift, each site's running shifts ("who is on
//! shift now", answered for any set of sites and any page of it), and report totals keyed by
//! each site's version of its finished shifts.

use super::CachingStore;
use crate::Kind;
use crate::records::{ActiveShiftRecord, ShiftList, ShiftRecord, TotalsList, TotalsRecord, all};
use app::paging::every_page;
use app::{
    Cursor, FinishedShift, NewShift, ShiftEnd, ShiftFilter, ShiftReviewStore, ShiftRevision,
    ShiftStore, ShiftTotals, SiteRange, StoreError, StoreResult,
};
use async_trait::async_trait;
use domain::{Shift, ShiftChange, ShiftId, ShiftStatus, SiteId, UserId};
use sha2::{Digest, Sha256};
use std::fmt::Write;

fn active_key(employee: UserId) -> (Kind, String) {
    (Kind::ActiveShifts, format!("active:{}", employee.0))
}

fn on_shift_key(site: SiteId) -> (Kind, String) {
    (Kind::ActiveShifts, format!("onshift:{}", site.0))
}

fn version_key(site: SiteId) -> (Kind, String) {
    (Kind::Analytics, format!("ver:{}", site.0))
}

/// Keys a changed shift makes stale: its employee's running shift, its site's list of running
/// shifts and, once it is finished, its site's report version.
fn shift_keys(employee: UserId, site: SiteId) -> Vec<(Kind, String)> {
    vec![active_key(employee), on_shift_key(site), version_key(site)]
}

/// Whether a listing asks for exactly "the running shifts of these sites" (any page of it).
fn asks_on_shift(filter: &ShiftFilter) -> bool {
    filter.status == Some(ShiftStatus::Active)
        && filter.employee_id.is_none()
        && filter.started_from.is_none()
        && filter.started_before.is_none()
}

/// Whether `s` comes after `cursor` in the listing's order (newest first, then larger id first).
fn after_cursor(s: &Shift, cursor: &Cursor) -> bool {
    (s.started_at, s.id.0) < (cursor.at, cursor.id)
}

impl CachingStore {
    /// Every running shift of one site, from the wrapped store.
    async fn load_on_shift(&self, site: SiteId) -> StoreResult<Vec<Shift>> {
        let inner = &self.inner;
        every_page(
            |after, limit| async move {
                inner
                    .list_shifts(&ShiftFilter {
                        site_ids: vec![site],
                        status: Some(ShiftStatus::Active),
                        limit,
                        after,
                        ..ShiftFilter::default()
                    })
                    .await
            },
            |s| Cursor::new(s.started_at, s.id.0),
        )
        .await
    }

    async fn on_shift_at(&self, site: SiteId) -> StoreResult<Vec<Shift>> {
        let key = on_shift_key(site);
        let list = self
            .cache
            .get_or_load(key.0, &key.1, || async {
                let shifts = self.load_on_shift(site).await?;
                Ok::<_, StoreError>(Some(ShiftList(
                    shifts.iter().map(ShiftRecord::from).collect(),
                )))
            })
            .await?;
        let records = list.map(|l| l.0).unwrap_or_default();
        match all(&records, ShiftRecord::to_shift) {
            Some(shifts) => Ok(shifts),
            None => {
                self.drop_keys(vec![key]).await;
                self.load_on_shift(site).await
            }
        }
    }

    /// The running shifts of the filter's sites, merged into the listing's order and paged as
    /// the wrapped store pages them.
    async fn on_shift(&self, filter: &ShiftFilter) -> StoreResult<Vec<Shift>> {
        let mut sites = filter.site_ids.clone();
        sites.sort();
        sites.dedup();
        let mut shifts = Vec::new();
        for site in sites {
            shifts.extend(self.on_shift_at(site).await?);
        }
        shifts.sort_by_key(|s| std::cmp::Reverse((s.started_at, s.id.0)));
        Ok(shifts
            .into_iter()
            .filter(|s| filter.after.as_ref().is_none_or(|c| after_cursor(s, c)))
            .take(filter.limit as usize)
            .collect())
    }

    /// A random version of a site's finished shifts: it changes (the key is dropped and a new
    /// one drawn) whenever one of them does, so report keys that carry it go stale at once.
    async fn site_version(&self, site: SiteId) -> StoreResult<u64> {
        let key = version_key(site);
        let version = self
            .cache
            .get_or_load(key.0, &key.1, || async {
                Ok::<_, StoreError>(Some(random_version()))
            })
            .await?;
        Ok(version.unwrap_or(0))
    }

    async fn totals_key(
        &self,
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
    ) -> StoreResult<String> {
        let mut text = String::new();
        let _ = write!(text, "{}", employee_id.map_or(0, |e| e.0));
        for r in ranges {
            let version = self.site_version(r.site_id).await?;
            let _ = write!(
                text,
                "|{}:{}:{}:{}",
                r.site_id.0,
                version,
                r.from.timestamp_micros(),
                r.to.timestamp_micros()
            );
        }
        let digest = Sha256::digest(text.as_bytes());
        Ok(format!("totals:{}", hex::encode(&digest[..16])))
    }
}

fn random_version() -> u64 {
    static FALLBACK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let mut bytes = [0u8; 8];
    // Without OS randomness, a process-wide count mixed with a per-process random state still
    // differs from the version it replaces.
    if getrandom::fill(&mut bytes).is_err() {
        let n = FALLBACK.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), n);
    }
    u64::from_le_bytes(bytes)
}

#[async_trait]
impl ShiftStore for CachingStore {
    async fn insert_shift(&self, shift: &NewShift) -> StoreResult<Shift> {
        let result = self.inner.insert_shift(shift).await;
        // A running shift is in no report total: the site's version stays.
        self.drop_keys(vec![
            active_key(shift.employee_id),
            on_shift_key(shift.site_id),
        ])
        .await;
        result
    }

    async fn shift(&self, id: ShiftId) -> StoreResult<Option<Shift>> {
        self.inner.shift(id).await
    }

    async fn active_shift(&self, employee_id: UserId) -> StoreResult<Option<Shift>> {
        let key = active_key(employee_id);
        let got = self
            .cache
            .get_or_load(key.0, &key.1, || async {
                let shift = self.inner.active_shift(employee_id).await?;
                Ok::<_, StoreError>(Some(ActiveShiftRecord(
                    shift.as_ref().map(ShiftRecord::from),
                )))
            })
            .await?;
        match got.and_then(|r| r.0) {
            None => Ok(None),
            Some(record) => match record.to_shift() {
                Some(shift) => Ok(Some(shift)),
                None => {
                    self.drop_keys(vec![key]).await;
                    self.inner.active_shift(employee_id).await
                }
            },
        }
    }

    async fn active_shifts(&self) -> StoreResult<Vec<Shift>> {
        self.inner.active_shifts().await
    }

    async fn running_shift_starts(&self) -> StoreResult<Vec<app::ShiftStart>> {
        self.inner.running_shift_starts().await
    }

    async fn close_shift(&self, id: ShiftId, end: &ShiftEnd) -> StoreResult<Shift> {
        let closed = self.inner.close_shift(id, end).await?;
        self.drop_keys(shift_keys(closed.employee_id, closed.site_id))
            .await;
        Ok(closed)
    }

    async fn list_shifts(&self, filter: &ShiftFilter) -> StoreResult<Vec<Shift>> {
        if asks_on_shift(filter) {
            return self.on_shift(filter).await;
        }
        self.inner.list_shifts(filter).await
    }

    async fn import_finished_shifts(&self, shifts: &[FinishedShift]) -> StoreResult<u64> {
        let result = self.inner.import_finished_shifts(shifts).await;
        let mut sites: Vec<SiteId> = shifts.iter().map(|s| s.shift.site_id).collect();
        sites.sort();
        sites.dedup();
        self.drop_keys(sites.into_iter().map(version_key).collect())
            .await;
        result
    }

    /// Not cached: a timesheet is read once, page by page, and would only crowd the cache.
    async fn finished_shifts_page(
        &self,
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
        after: Option<app::Cursor>,
        limit: u32,
    ) -> StoreResult<Vec<Shift>> {
        self.inner
            .finished_shifts_page(ranges, employee_id, after, limit)
            .await
    }

    async fn shift_totals(
        &self,
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
    ) -> StoreResult<Vec<ShiftTotals>> {
        if ranges.is_empty() {
            return self.inner.shift_totals(ranges, employee_id).await;
        }
        let key = self.totals_key(ranges, employee_id).await?;
        let got = self
            .cache
            .get_or_load(Kind::Analytics, &key, || async {
                let rows = self.inner.shift_totals(ranges, employee_id).await?;
                Ok::<_, StoreError>(Some(TotalsList(
                    rows.iter().map(TotalsRecord::from).collect(),
                )))
            })
            .await?;
        let records = got.map(|l| l.0).unwrap_or_default();
        match all(&records, TotalsRecord::to_totals) {
            Some(rows) => Ok(rows),
            None => {
                self.drop_keys(vec![(Kind::Analytics, key)]).await;
                self.inner.shift_totals(ranges, employee_id).await
            }
        }
    }
}

#[async_trait]
impl ShiftReviewStore for CachingStore {
    async fn revise_shift(&self, id: ShiftId, revision: &ShiftRevision) -> StoreResult<Shift> {
        let revised = self.inner.revise_shift(id, revision).await?;
        self.drop_keys(shift_keys(revised.employee_id, revised.site_id))
            .await;
        Ok(revised)
    }

    async fn shift_history(&self, id: ShiftId) -> StoreResult<Vec<ShiftChange>> {
        self.inner.shift_history(id).await
    }

    async fn shifts_to_review(&self, site_ids: &[SiteId], limit: u32) -> StoreResult<Vec<Shift>> {
        self.inner.shifts_to_review(site_ids, limit).await
    }
}
