//! What people ask the bot most: an employee's status and earnings, the owner's live view of who
//! is on shift (and who is late), and reports for a named period.

use crate::paging::{Cursor, every_page};
use crate::reports::{ReportFilter, Summary, Tally};
use crate::service::local_range;
use crate::{AppError, PlanFilter, ShiftFilter, SiteRange, StaffPro};
use chrono::Duration;
use domain::period::Period;
use domain::{Money, PlanStatus, PlannedShift, Shift, ShiftStatus, Site, SiteId, User, UserId};
use std::collections::BTreeMap;

/// A plan counts as late this long after its start without a shift.
pub const LATE_AFTER: Duration = Duration::minutes(10);

/// The running shift of an employee, settled as if it ended now.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningShift {
    pub shift: Shift,
    pub site: Site,
    pub worked_minutes: i64,
    pub earned_minor: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeStatus {
    pub active: Option<RunningShift>,
    pub next_plan: Option<(PlannedShift, Site)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SiteEarnings {
    pub site: Site,
    pub shifts: i64,
    pub worked_minutes: i64,
    /// One amount per currency the shifts were paid in (each shift keeps the currency it was
    /// opened in), by currency code.
    pub pay: Vec<Money>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Earnings {
    pub per_site: Vec<SiteEarnings>,
    pub shifts: i64,
    pub worked_minutes: i64,
    /// One amount per currency, by currency code.
    pub totals: Vec<Money>,
}

/// Who is on shift at a site and who is late for a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteLive {
    pub site: Site,
    pub on_shift: Vec<(User, Shift)>,
    pub late: Vec<(User, PlannedShift)>,
}

impl StaffPro {
    /// Active sites the employee may open a shift at.
    pub async fn workplaces(&self, employee: &User) -> Result<Vec<Site>, AppError> {
        let mut sites = self.store().sites_of_employee(employee.id).await?;
        sites.retain(|s| s.active);
        Ok(sites)
    }

    pub async fn employee_status(&self, employee: &User) -> Result<EmployeeStatus, AppError> {
        let now = self.now();
        let active = self.running_shift(employee).await?;
        let next_plan = match self
            .my_plans(employee)
            .await?
            .into_iter()
            .find(|p| p.starts_at > now)
        {
            Some(plan) => {
                let site = self
                    .store()
                    .site(plan.site_id)
                    .await?
                    .ok_or(AppError::NotFound("site"))?;
                Some((plan, site))
            }
            None => None,
        };
        Ok(EmployeeStatus { active, next_plan })
    }

    /// Finished shifts of the employee in the period, per site; each site's dates in its zone.
    pub async fn earnings(&self, employee: &User, period: Period) -> Result<Earnings, AppError> {
        let now = self.now();
        // Current workplaces, and any site worked at in the period even if access was revoked
        // since: money earned does not disappear with the access. Two days of slack cover the
        // widest time-zone difference before the period's first local day.
        let mut sites = self.store().sites_of_employee(employee.id).await?;
        let (earliest, _) = period.dates(now.date_naive());
        let since = earliest
            .pred_opt()
            .and_then(|d| d.pred_opt())
            .unwrap_or(earliest)
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        for site in self.store().sites_worked_at(employee.id, since).await? {
            if !sites.iter().any(|s| s.id == site.id) {
                sites.push(site);
            }
        }
        let mut ranges = Vec::with_capacity(sites.len());
        for s in &sites {
            let tz = s.settings.time_zone;
            let (from, to) = period.dates(tz.local_date(now));
            if let (Some(start), Some(end)) = local_range(&tz, Some(from), Some(to))? {
                ranges.push(SiteRange {
                    site_id: s.id,
                    from: start,
                    to: end,
                });
            }
        }
        let rows = if ranges.is_empty() {
            Vec::new()
        } else {
            self.store()
                .shift_totals(&ranges, Some(employee.id))
                .await?
        };
        let mut per_site = Vec::new();
        let mut all = Tally::default();
        for s in sites {
            let mut site = Tally::default();
            for r in rows.iter().filter(|r| r.site_id == s.id) {
                let pay = Money::new(r.pay_minor, r.currency);
                site.add(r.shifts, r.worked_minutes, pay);
                all.add(r.shifts, r.worked_minutes, pay);
            }
            if site.shifts == 0 {
                continue;
            }
            per_site.push(SiteEarnings {
                site: s,
                shifts: site.shifts,
                worked_minutes: site.worked_minutes,
                pay: site.pay(),
            });
        }
        Ok(Earnings {
            per_site,
            shifts: all.shifts,
            worked_minutes: all.worked_minutes,
            totals: all.pay(),
        })
    }

    /// For each site the actor owns or manages: who is on shift and who is late.
    pub async fn live_status(&self, actor: &User) -> Result<Vec<SiteLive>, AppError> {
        let now = self.now();
        let sites = self.sites_for(actor).await?;
        let ids: Vec<SiteId> = sites.iter().map(|s| s.id).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Everyone on shift and everyone late, however many: read page by page.
        let store = self.store();
        let ids = &ids;
        let active = every_page(
            |after, limit| async move {
                store
                    .list_shifts(&ShiftFilter {
                        site_ids: ids.clone(),
                        status: Some(ShiftStatus::Active),
                        limit,
                        after,
                        ..ShiftFilter::default()
                    })
                    .await
            },
            |s| Cursor::new(s.started_at, s.id.0),
        )
        .await?;
        let late = every_page(
            |after, limit| async move {
                store
                    .list_planned(&PlanFilter {
                        site_ids: ids.clone(),
                        status: Some(PlanStatus::Planned),
                        starts_before: Some(now - LATE_AFTER),
                        ends_after: Some(now),
                        limit,
                        after,
                        ..PlanFilter::default()
                    })
                    .await
            },
            |p| Cursor::new(p.starts_at, p.id.0),
        )
        .await?;
        let mut people: Vec<UserId> = active.iter().map(|s| s.employee_id).collect();
        people.extend(late.iter().map(|p| p.employee_id));
        let users: BTreeMap<UserId, User> = self
            .store()
            .users(&people)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        Ok(sites
            .into_iter()
            .map(|site| {
                let on_shift = active
                    .iter()
                    .filter(|s| s.site_id == site.id)
                    .filter_map(|s| users.get(&s.employee_id).map(|u| (u.clone(), s.clone())))
                    .collect();
                let late = late
                    .iter()
                    .filter(|p| p.site_id == site.id)
                    // Someone already working (a shift opened well before the plan is not linked
                    // to it) is not late.
                    .filter(|p| !active.iter().any(|s| s.employee_id == p.employee_id))
                    .filter_map(|p| users.get(&p.employee_id).map(|u| (u.clone(), p.clone())))
                    .collect();
                SiteLive {
                    site,
                    on_shift,
                    late,
                }
            })
            .collect())
    }

    /// The summary for a named period; dates are read in the time zone of the chosen site, or
    /// of the actor's first site.
    pub async fn summary_for(
        &self,
        actor: &User,
        period: Period,
        filter: ReportFilter,
    ) -> Result<Summary, AppError> {
        let zone = match filter.site_id {
            Some(id) => self.managed_site(actor, id).await?.settings.time_zone,
            None => self
                .sites_for(actor)
                .await?
                .first()
                .map(|s| s.settings.time_zone)
                .unwrap_or_default(),
        };
        let (from, to) = period.dates(zone.local_date(self.now()));
        self.summary_filtered(actor, from, to, filter).await
    }
}

/// A location sent outside any dialogue within this long of opening a shift is a double tap,
/// not a request to close the shift that just started.
pub const DOUBLE_TAP_WINDOW: Duration = Duration::minutes(2);

/// What a location sent without a request means for its employee.
#[derive(Debug, Clone, PartialEq)]
pub enum LocationIntent {
    /// No shift running: open one at this site (the only one, or the nearest).
    Open { site_id: SiteId },
    /// Close the running shift.
    Close,
    /// The shift was opened moments ago: a repeated tap; nothing to do.
    AlreadyOpen { shift: Box<Shift>, site: Box<Site> },
    /// The employee works nowhere yet.
    NoWorkplace,
}

impl StaffPro {
    /// Reads a bare location: close the running shift, or open one where the employee is.
    pub async fn intent_of_location(
        &self,
        employee: &User,
        fix: &domain::LocationFix,
    ) -> Result<LocationIntent, AppError> {
        if let Some(shift) = self.store().active_shift(employee.id).await? {
            if self.now() - shift.started_at < DOUBLE_TAP_WINDOW {
                let site = self
                    .store()
                    .site(shift.site_id)
                    .await?
                    .ok_or(AppError::NotFound("site"))?;
                return Ok(LocationIntent::AlreadyOpen {
                    shift: Box::new(shift),
                    site: Box::new(site),
                });
            }
            return Ok(LocationIntent::Close);
        }
        let nearest = self.workplaces(employee).await?.into_iter().min_by(|a, b| {
            let da = a.settings.location.distance_m(&fix.coordinates);
            let db = b.settings.location.distance_m(&fix.coordinates);
            da.total_cmp(&db)
        });
        Ok(match nearest {
            Some(site) => LocationIntent::Open { site_id: site.id },
            None => LocationIntent::NoWorkplace,
        })
    }
}
