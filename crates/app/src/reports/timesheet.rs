//! The timesheet: one row per finished shift of a report's scope, read from the store a page at
//! a time (keyset pages in start order), so a year of a big business never sits in memory; and
//! hours per day over the same rows (for the chart).

use super::ReportFilter;
use crate::paging::Cursor;
use crate::{AppError, SiteRange, StaffPro};
use chrono::{NaiveDate, NaiveDateTime};
use domain::{
    Money, ReviewReason, Shift, ShiftId, ShiftStatus, Site, SiteId, SiteTimeZone, User, UserId,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How many shifts one page of a timesheet reads from the store.
pub const TIMESHEET_PAGE: u32 = 5_000;

/// One finished shift as a timesheet shows it: times in the site's zone, the shift on the local
/// day it started (an overnight shift sits on its start day), pay in the currency it was paid in.
#[derive(Debug, Clone, PartialEq)]
pub struct TimesheetLine {
    pub shift_id: ShiftId,
    /// The local date the shift started on, in the site's zone.
    pub date: NaiveDate,
    pub site_id: SiteId,
    pub site_name: Arc<str>,
    pub employee_id: UserId,
    pub employee_name: Arc<str>,
    /// Start and end as the site's wall clock shows them.
    pub started: NaiveDateTime,
    pub ended: NaiveDateTime,
    pub worked_minutes: i64,
    /// The hourly rate the shift was opened with.
    pub rate: Money,
    pub pay: Money,
    /// Closed by the automatic close (nobody closed it).
    pub auto_closed: bool,
    /// Why it waits for the owner's review; None when it does not.
    pub review_reason: Option<ReviewReason>,
}

impl TimesheetLine {
    pub fn needs_review(&self) -> bool {
        self.review_reason.is_some()
    }
}

/// Worked minutes on one local date (shifts counted on the day they started).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyHours {
    pub date: NaiveDate,
    pub worked_minutes: i64,
    pub shifts: i64,
}

struct SiteInfo {
    name: Arc<str>,
    zone: SiteTimeZone,
}

/// A timesheet being read: `next_page` gives the rows in start order until it gives `None`. It
/// owns what it needs (a clone of `StaffPro`), so it can be moved into a stream or a task.
pub struct Timesheet {
    app: StaffPro,
    from: NaiveDate,
    to: NaiveDate,
    sites: BTreeMap<SiteId, SiteInfo>,
    ranges: Vec<SiteRange>,
    employee_id: Option<UserId>,
    after: Option<Cursor>,
    names: HashMap<UserId, Arc<str>>,
    page: u32,
    done: bool,
}

impl std::fmt::Debug for Timesheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timesheet")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("sites", &self.sites.len())
            .field("after", &self.after)
            .finish_non_exhaustive()
    }
}

impl Timesheet {
    /// A timesheet of the shifts in `ranges` (of `employee_id` when given), `sites` naming them.
    pub(crate) fn over(
        app: StaffPro,
        from: NaiveDate,
        to: NaiveDate,
        sites: Vec<Site>,
        ranges: Vec<SiteRange>,
        employee_id: Option<UserId>,
    ) -> Timesheet {
        let done = ranges.is_empty();
        Timesheet {
            app,
            from,
            to,
            sites: sites
                .into_iter()
                .map(|s| {
                    (
                        s.id,
                        SiteInfo {
                            name: Arc::from(s.settings.name.as_str()),
                            zone: s.settings.time_zone,
                        },
                    )
                })
                .collect(),
            ranges,
            employee_id,
            after: None,
            names: HashMap::new(),
            page: TIMESHEET_PAGE,
            done,
        }
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The names of the sites in scope, by id.
    pub fn site_names(&self) -> Vec<(SiteId, Arc<str>)> {
        self.sites
            .iter()
            .map(|(id, s)| (*id, s.name.clone()))
            .collect()
    }

    /// Reads `size` shifts per page instead of `TIMESHEET_PAGE` (at least 1).
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page = size.max(1);
        self
    }

    /// The next rows in start order (by start instant, then shift id), or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Vec<TimesheetLine>>, AppError> {
        if self.done {
            return Ok(None);
        }
        let shifts = self
            .app
            .store()
            .finished_shifts_page(&self.ranges, self.employee_id, self.after, self.page)
            .await?;
        if shifts.len() < self.page as usize {
            self.done = true;
        }
        let Some(last) = shifts.last() else {
            return Ok(None);
        };
        self.after = Some(Cursor::new(last.started_at, last.id.0));
        let mut missing: Vec<UserId> = shifts
            .iter()
            .map(|s| s.employee_id)
            .filter(|id| !self.names.contains_key(id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            for u in self.app.store().users(&missing).await? {
                self.names.insert(u.id, Arc::from(u.name.as_str()));
            }
        }
        let mut lines = Vec::with_capacity(shifts.len());
        for s in shifts {
            if let Some(line) = self.line(s) {
                lines.push(line);
            }
        }
        Ok(Some(lines))
    }

    fn line(&self, s: Shift) -> Option<TimesheetLine> {
        // The store answers only for the ranges' sites and finished shifts; anything else would
        // be a store bug, and is left out rather than shown under the wrong site.
        let site = self.sites.get(&s.site_id)?;
        let ended_at = s.ended_at?;
        if s.status == ShiftStatus::Active {
            return None;
        }
        let started = site.zone.local(s.started_at);
        Some(TimesheetLine {
            shift_id: s.id,
            date: started.date(),
            site_id: s.site_id,
            site_name: site.name.clone(),
            employee_id: s.employee_id,
            employee_name: self
                .names
                .get(&s.employee_id)
                .cloned()
                .unwrap_or_else(|| Arc::from("")),
            started,
            ended: site.zone.local(ended_at),
            worked_minutes: s.worked_minutes.unwrap_or(0),
            rate: s.hourly_rate,
            pay: Money::new(s.pay_minor.unwrap_or(0), s.hourly_rate.currency),
            auto_closed: s.status == ShiftStatus::AutoClosed,
            review_reason: if s.needs_review {
                s.review_reason
            } else {
                None
            },
        })
    }
}

impl StaffPro {
    /// The timesheet of the actor's sites (or one), of everyone or one employee, from `from` to
    /// `to` inclusive: the same shifts as `summary_filtered` with the same checks. Nothing is
    /// read until `next_page`.
    pub async fn timesheet(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        filter: ReportFilter,
    ) -> Result<Timesheet, AppError> {
        let (sites, ranges) = self.report_scope(actor, from, to, filter).await?;
        Ok(Timesheet::over(
            self.clone(),
            from,
            to,
            sites,
            ranges,
            filter.employee_id,
        ))
    }

    /// Worked time per local date of the period (every date, zero where nobody worked), each
    /// shift on the day it started in its site's zone: the timesheet's rows added up a page at a
    /// time.
    pub async fn hours_per_day(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        filter: ReportFilter,
    ) -> Result<Vec<DailyHours>, AppError> {
        let sheet = self.timesheet(actor, from, to, filter).await?;
        daily_hours(sheet).await
    }
}

/// The timesheet's rows added up per local date of its period (every date, zero where nobody
/// worked), a page at a time.
pub(crate) async fn daily_hours(mut sheet: Timesheet) -> Result<Vec<DailyHours>, AppError> {
    let (from, to) = (sheet.from, sheet.to);
    let mut days: BTreeMap<NaiveDate, DailyHours> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|date| {
            (
                date,
                DailyHours {
                    date,
                    worked_minutes: 0,
                    shifts: 0,
                },
            )
        })
        .collect();
    while let Some(page) = sheet.next_page().await? {
        for line in page {
            if let Some(day) = days.get_mut(&line.date) {
                day.worked_minutes += line.worked_minutes;
                day.shifts += 1;
            }
        }
    }
    Ok(days.into_values().collect())
}
