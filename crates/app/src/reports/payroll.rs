//! The payroll: per employee and site, shifts, worked time and pay, with totals per currency —
//! the summary's own totals (`ShiftStore::shift_totals`) arranged for paying people, so every
//! figure equals the summary's for the same scope.

use super::{ReportFilter, Tally};
use crate::{AppError, SiteRange, StaffPro};
use chrono::NaiveDate;
use domain::{Currency, Money, Site, SiteId, User, UserId};
use std::collections::BTreeMap;

/// What one employee earned at one site in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct PayrollLine {
    pub employee_id: UserId,
    pub employee_name: String,
    pub site_id: SiteId,
    pub site_name: String,
    pub shifts: i64,
    pub worked_minutes: i64,
    pub pay: Money,
}

/// Everything in one currency (amounts in different currencies are never added together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayrollTotal {
    pub currency: Currency,
    pub shifts: i64,
    pub worked_minutes: i64,
    pub pay: Money,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Payroll {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Who asked for it (the owner or a manager).
    pub prepared_for: String,
    /// The sites in scope, by name.
    pub sites: Vec<(SiteId, String)>,
    /// By employee name, employee id, site name, site id, currency.
    pub lines: Vec<PayrollLine>,
    /// One per currency, by currency code.
    pub totals: Vec<PayrollTotal>,
    pub shifts: i64,
    pub worked_minutes: i64,
}

impl Payroll {
    /// The total pay, one amount per currency, by currency code (the summary's `pay`).
    pub fn pay(&self) -> Vec<Money> {
        self.totals.iter().map(|t| t.pay).collect()
    }
}

impl StaffPro {
    /// The payroll of the actor's sites (or one), of everyone or one employee, from `from` to
    /// `to` inclusive: the same shifts and checks as `summary_filtered`.
    pub async fn payroll(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        filter: ReportFilter,
    ) -> Result<Payroll, AppError> {
        let (sites, ranges) = self.report_scope(actor, from, to, filter).await?;
        self.payroll_over(actor, from, to, &sites, &ranges, filter.employee_id)
            .await
    }

    /// The payroll of the shifts in `ranges` (of `employee_id` when given), `sites` naming them.
    pub(crate) async fn payroll_over(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        sites: &[Site],
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
    ) -> Result<Payroll, AppError> {
        let rows = if ranges.is_empty() {
            Vec::new()
        } else {
            self.store().shift_totals(ranges, employee_id).await?
        };
        let site_names: BTreeMap<SiteId, String> = sites
            .iter()
            .map(|s| (s.id, s.settings.name.as_str().to_owned()))
            .collect();
        let mut ids: Vec<UserId> = rows.iter().map(|r| r.employee_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let names: BTreeMap<UserId, String> = self
            .store()
            .users(&ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name.as_str().to_owned()))
            .collect();

        let mut per_currency: BTreeMap<Currency, Tally> = BTreeMap::new();
        let mut all = Tally::default();
        let mut lines = Vec::with_capacity(rows.len());
        for r in &rows {
            let pay = Money::new(r.pay_minor, r.currency);
            per_currency
                .entry(r.currency)
                .or_default()
                .add(r.shifts, r.worked_minutes, pay);
            all.add(r.shifts, r.worked_minutes, pay);
            lines.push(PayrollLine {
                employee_id: r.employee_id,
                employee_name: names.get(&r.employee_id).cloned().unwrap_or_default(),
                site_id: r.site_id,
                site_name: site_names.get(&r.site_id).cloned().unwrap_or_default(),
                shifts: r.shifts,
                worked_minutes: r.worked_minutes,
                pay,
            });
        }
        lines.sort_by(|a, b| {
            (&a.employee_name, a.employee_id, &a.site_name, a.site_id)
                .cmp(&(&b.employee_name, b.employee_id, &b.site_name, b.site_id))
                .then(a.pay.currency.code().cmp(b.pay.currency.code()))
        });
        let totals = per_currency
            .into_iter()
            .map(|(currency, t)| PayrollTotal {
                currency,
                shifts: t.shifts,
                worked_minutes: t.worked_minutes,
                pay: Money::new(
                    t.pay().first().map(|m| m.minor).unwrap_or_default(),
                    currency,
                ),
            })
            .collect();
        let mut sites: Vec<(SiteId, String)> = site_names.into_iter().collect();
        sites.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        Ok(Payroll {
            from,
            to,
            prepared_for: actor.name.as_str().to_owned(),
            sites,
            lines,
            totals,
            shifts: all.shifts,
            worked_minutes: all.worked_minutes,
        })
    }
}
