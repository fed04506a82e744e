//! The reports: the summary (finished shifts, hours and pay per site and per employee over a
//! period of local dates, each site's days counted in its own time zone), the timesheet (one row
//! per finished shift, read in pages), the payroll (per employee and site) and hours per day.
//! All of them cover the same shifts (`report_scope`), so their figures agree.

mod files;
mod payroll;
mod timesheet;

pub use files::{
    FileFormat, REPORT_FILE_KIND, ReportFilePlan, ReportFileRequest, ReportProgress, ReportScope,
};
pub use payroll::{Payroll, PayrollLine, PayrollTotal};
pub use timesheet::{DailyHours, TIMESHEET_PAGE, Timesheet, TimesheetLine};

use crate::service::local_range;
use crate::{AppError, SiteRange, StaffPro};
use chrono::NaiveDate;
use domain::{Currency, Money, Site, SiteId, User, UserId};
use std::collections::BTreeMap;

/// The longest period one report covers.
pub const MAX_REPORT_DAYS: i64 = 366;

#[derive(Debug, Clone, PartialEq)]
pub struct SiteSummary {
    pub site_id: SiteId,
    pub name: String,
    pub shifts: i64,
    pub worked_minutes: i64,
    /// One amount per currency the site's shifts were paid in (none without shifts; two after
    /// the site's currency changed within the period), ordered by currency code.
    pub pay: Vec<Money>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeSummary {
    pub employee_id: UserId,
    pub name: String,
    pub shifts: i64,
    pub worked_minutes: i64,
    /// One amount per currency the employee was paid in (usually one), by currency code.
    pub pay: Vec<Money>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub sites: Vec<SiteSummary>,
    pub employees: Vec<EmployeeSummary>,
    pub shifts: i64,
    pub worked_minutes: i64,
    /// One amount per currency, by currency code: amounts in different currencies are never
    /// added together.
    pub pay: Vec<Money>,
}

/// What a report covers: all the actor's sites or one, all employees or one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub site_id: Option<SiteId>,
    pub employee_id: Option<UserId>,
}

impl StaffPro {
    /// The summary of every site the actor owns or manages (or one of them) from `from` to `to`
    /// inclusive.
    pub async fn summary(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        site_id: Option<SiteId>,
    ) -> Result<Summary, AppError> {
        self.summary_filtered(
            actor,
            from,
            to,
            ReportFilter {
                site_id,
                employee_id: None,
            },
        )
        .await
    }

    /// The summary narrowed to one site and/or one employee (their shifts only).
    pub async fn summary_filtered(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        filter: ReportFilter,
    ) -> Result<Summary, AppError> {
        let (sites, ranges) = self.report_scope(actor, from, to, filter).await?;
        let rows = if ranges.is_empty() {
            Vec::new()
        } else {
            self.store()
                .shift_totals(&ranges, filter.employee_id)
                .await?
        };

        // Each shift is counted in the currency it was paid in (the store groups by it), never
        // in the site's current one: a site that switched currency has two separate amounts.
        let mut per_site: BTreeMap<SiteId, Tally> = BTreeMap::new();
        let mut per_employee: BTreeMap<UserId, Tally> = BTreeMap::new();
        let mut all = Tally::default();
        for r in &rows {
            for t in [
                per_site.entry(r.site_id).or_default(),
                per_employee.entry(r.employee_id).or_default(),
                &mut all,
            ] {
                t.add(
                    r.shifts,
                    r.worked_minutes,
                    Money::new(r.pay_minor, r.currency),
                );
            }
        }

        let site_summaries = sites
            .iter()
            .map(|s| {
                let t = per_site.remove(&s.id).unwrap_or_default();
                SiteSummary {
                    site_id: s.id,
                    name: s.settings.name.as_str().to_owned(),
                    shifts: t.shifts,
                    worked_minutes: t.worked_minutes,
                    pay: t.pay(),
                }
            })
            .collect();
        let ids: Vec<UserId> = per_employee.keys().copied().collect();
        let names: BTreeMap<UserId, String> = self
            .store()
            .users(&ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name.as_str().to_owned()))
            .collect();
        let mut employees: Vec<EmployeeSummary> = per_employee
            .into_iter()
            .map(|(id, t)| EmployeeSummary {
                employee_id: id,
                name: names.get(&id).cloned().unwrap_or_default(),
                shifts: t.shifts,
                worked_minutes: t.worked_minutes,
                pay: t.pay(),
            })
            .collect();
        employees.sort_by(|a, b| a.name.cmp(&b.name).then(a.employee_id.cmp(&b.employee_id)));
        Ok(Summary {
            from,
            to,
            sites: site_summaries,
            employees,
            shifts: all.shifts,
            worked_minutes: all.worked_minutes,
            pay: all.pay(),
        })
    }

    /// What a report of the actor covers: the sites (all they own or manage, or the one asked
    /// for, `NotFound` when it is not theirs) and each site's period as instants of its own
    /// zone. Refuses a period that ends before it starts or is longer than `MAX_REPORT_DAYS`.
    /// Every report (summary, timesheet, payroll, hours per day) starts here, so they cover the
    /// same shifts.
    pub(crate) async fn report_scope(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        filter: ReportFilter,
    ) -> Result<(Vec<Site>, Vec<SiteRange>), AppError> {
        check_period(from, to)?;
        let sites = match filter.site_id {
            Some(id) => vec![self.managed_site(actor, id).await?],
            None => self.sites_for(actor).await?,
        };
        let ranges = site_ranges(&sites, from, to)?;
        Ok((sites, ranges))
    }
}

/// Refuses a period that ends before it starts or is longer than `MAX_REPORT_DAYS`.
pub(crate) fn check_period(from: NaiveDate, to: NaiveDate) -> Result<(), AppError> {
    if to < from {
        return Err(AppError::BadRequest {
            field: "to",
            message: "`to` is before `from`".into(),
        });
    }
    if (to - from).num_days() >= MAX_REPORT_DAYS {
        return Err(AppError::BadRequest {
            field: "to",
            message: format!("a report covers at most {MAX_REPORT_DAYS} days"),
        });
    }
    Ok(())
}

/// Each site's period from `from` to `to` (local dates) as instants of its own zone.
pub(crate) fn site_ranges(
    sites: &[Site],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SiteRange>, AppError> {
    let mut ranges = Vec::with_capacity(sites.len());
    for s in sites {
        if let (Some(start), Some(end)) = local_range(&s.settings.time_zone, Some(from), Some(to))?
        {
            ranges.push(SiteRange {
                site_id: s.id,
                from: start,
                to: end,
            });
        }
    }
    Ok(ranges)
}

/// Shifts, minutes and pay added up, pay kept apart per currency.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub(crate) shifts: i64,
    pub(crate) worked_minutes: i64,
    pay: BTreeMap<Currency, i64>,
}

impl Tally {
    pub(crate) fn add(&mut self, shifts: i64, worked_minutes: i64, pay: Money) {
        self.shifts += shifts;
        self.worked_minutes += worked_minutes;
        *self.pay.entry(pay.currency).or_default() += pay.minor;
    }

    /// One amount per currency, by currency code.
    pub(crate) fn pay(&self) -> Vec<Money> {
        self.pay
            .iter()
            .map(|(currency, minor)| Money::new(*minor, *currency))
            .collect()
    }
}
