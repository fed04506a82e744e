//! The summary report: finished shifts, hours and pay per site and per employee over a period of
//! local dates, each site's days counted in its own time zone.

use crate::service::local_range;
use crate::{AppError, SiteRange, StaffPro};
use chrono::NaiveDate;
use domain::{Currency, Money, SiteId, User, UserId};
use std::collections::BTreeMap;

/// The longest period one report covers.
pub const MAX_REPORT_DAYS: i64 = 366;

#[derive(Debug, Clone, PartialEq)]
pub struct SiteSummary {
    pub site_id: SiteId,
    pub name: String,
    pub shifts: i64,
    pub worked_minutes: i64,
    pub pay: Money,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeSummary {
    pub employee_id: UserId,
    pub name: String,
    pub shifts: i64,
    pub worked_minutes: i64,
    /// One amount per currency the employee was paid in (usually one).
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
        let site_id = filter.site_id;
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
        let sites = match site_id {
            Some(id) => vec![self.managed_site(actor, id).await?],
            None => self.sites_for(actor).await?,
        };
        let mut ranges = Vec::with_capacity(sites.len());
        for s in &sites {
            if let (Some(start), Some(end)) =
                local_range(&s.settings.time_zone, Some(from), Some(to))?
            {
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
                .shift_totals(&ranges, filter.employee_id)
                .await?
        };

        let currency_of: BTreeMap<SiteId, Currency> = sites
            .iter()
            .map(|s| (s.id, s.settings.hourly_rate.currency))
            .collect();
        let mut per_site: BTreeMap<SiteId, (i64, i64, i64)> = BTreeMap::new();
        let mut per_employee: BTreeMap<UserId, (i64, i64, BTreeMap<Currency, Money>)> =
            BTreeMap::new();
        let mut totals: BTreeMap<Currency, Money> = BTreeMap::new();
        let (mut all_shifts, mut all_minutes) = (0, 0);
        for r in &rows {
            let currency = currency_of
                .get(&r.site_id)
                .copied()
                .unwrap_or(Currency::RUB);
            let s = per_site.entry(r.site_id).or_default();
            s.0 += r.shifts;
            s.1 += r.worked_minutes;
            s.2 += r.pay_minor;
            let e = per_employee.entry(r.employee_id).or_default();
            e.0 += r.shifts;
            e.1 += r.worked_minutes;
            add(&mut e.2, currency, r.pay_minor);
            add(&mut totals, currency, r.pay_minor);
            all_shifts += r.shifts;
            all_minutes += r.worked_minutes;
        }

        let site_summaries = sites
            .iter()
            .map(|s| {
                let (shifts, worked_minutes, pay) =
                    per_site.get(&s.id).copied().unwrap_or_default();
                SiteSummary {
                    site_id: s.id,
                    name: s.settings.name.as_str().to_owned(),
                    shifts,
                    worked_minutes,
                    pay: Money::new(pay, s.settings.hourly_rate.currency),
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
            .map(|(id, (shifts, worked_minutes, pay))| EmployeeSummary {
                employee_id: id,
                name: names.get(&id).cloned().unwrap_or_default(),
                shifts,
                worked_minutes,
                pay: pay.into_values().collect(),
            })
            .collect();
        employees.sort_by(|a, b| a.name.cmp(&b.name).then(a.employee_id.cmp(&b.employee_id)));
        Ok(Summary {
            from,
            to,
            sites: site_summaries,
            employees,
            shifts: all_shifts,
            worked_minutes: all_minutes,
            pay: totals.into_values().collect(),
        })
    }
}

fn add(m: &mut BTreeMap<Currency, Money>, currency: Currency, minor: i64) {
    m.entry(currency).or_insert(Money::new(0, currency)).minor += minor;
}
