//! Pay statements: at the end of each pay period (the calendar month in the site's zone) a fixed
//! statement per employee and site is stored and sent to the employee, and the owner gets the
//! site's payroll. `scan_pay_statements` (a daily schedule entry) adds up the periods that ended
//! with the report totals (`ShiftStore::shift_totals`) and stores a new version for every
//! statement that is new or changed — a later correction never edits an old version. The store
//! writes the sending jobs in the same transaction as the statements (`jobs_after_storing`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::statement::{PayPeriod, PayStatement, StatementLine, next_version};
use domain::{Currency, Money, Site, SiteId, User, UserId};
use std::collections::BTreeMap;

use crate::background::{Area, OutboxJob};
use crate::ports::StoreResult;
use crate::service::local_range;
use crate::{AppError, SiteRange, StaffPro};

/// Job kinds of the statements.
pub mod kinds {
    /// Send one statement version to its employee. Payload: `{"site_id", "employee_id",
    /// "period_from", "version"}`.
    pub const SEND_STATEMENT: &str = "notify.statement";
    /// Send the site's payroll for a period to its owner. Payload: `{"site_id", "period_from",
    /// "correction"}` (a correction: sent again because a statement changed).
    pub const SEND_PAYROLL: &str = "notify.payroll";
}

/// Stored statements (both stores; table `pay_statements`).
#[async_trait]
pub trait StatementStore: Send + Sync + 'static {
    /// Every site, active or not (a deactivated site still owes last month's pay), by id.
    async fn every_site(&self) -> StoreResult<Vec<Site>>;
    /// The latest version of each employee's statement of the site for the period starting
    /// `period_from`, by employee id.
    async fn latest_statements(
        &self,
        site: SiteId,
        period_from: NaiveDate,
    ) -> StoreResult<Vec<PayStatement>>;
    /// One version of a statement.
    async fn statement(
        &self,
        site: SiteId,
        employee: UserId,
        period_from: NaiveDate,
        version: u32,
    ) -> StoreResult<Option<PayStatement>>;
    /// Stores the statements whose version is not stored yet (another scan may have stored it
    /// meanwhile: that one is skipped), with the jobs that send them (`jobs_after_storing` of the
    /// stored ones), in one transaction. Returns the stored ones.
    async fn add_statements(
        &self,
        statements: &[PayStatement],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<PayStatement>>;
}

/// The jobs that follow storing statements: each is sent to its employee, and each site and
/// period with a stored statement sends its owner the payroll as it now stands — the first
/// time, and again after a correction (marked as one). A payroll job's key names the first
/// statement version stored with it, so each batch sends it once.
pub fn jobs_after_storing(stored: &[PayStatement]) -> Vec<OutboxJob> {
    let mut jobs: Vec<OutboxJob> = stored
        .iter()
        .map(|s| OutboxJob {
            id: s.key(),
            area: Area::Notifications,
            kind: kinds::SEND_STATEMENT.into(),
            payload: serde_json::json!({
                "site_id": s.site_id.0,
                "employee_id": s.employee_id.0,
                "period_from": s.period.from,
                "version": s.version,
            }),
        })
        .collect();
    // Per site and period: the first statement stored, and whether any is a correction.
    let mut payrolls: BTreeMap<(SiteId, PayPeriod), (&PayStatement, bool)> = BTreeMap::new();
    for s in stored {
        let entry = payrolls.entry((s.site_id, s.period)).or_insert((s, false));
        entry.1 |= s.is_correction();
    }
    jobs.extend(
        payrolls
            .into_iter()
            .map(|((site, period), (first, correction))| OutboxJob {
                id: format!(
                    "payroll:{}:{}:{}:v{}",
                    site.0,
                    period.key(),
                    first.employee_id.0,
                    first.version
                ),
                area: Area::Notifications,
                kind: kinds::SEND_PAYROLL.into(),
                payload: serde_json::json!({
                    "site_id": site.0,
                    "period_from": period.from,
                    "correction": correction,
                }),
            }),
    );
    jobs
}

/// The lines as the stores keep them: JSON text, one object per currency with the amounts in
/// minor units, so both stores read back exactly what was written.
pub fn lines_to_json(lines: &[StatementLine]) -> String {
    let list: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            serde_json::json!({
                "currency": l.currency.code(),
                "shifts": l.shifts,
                "worked_minutes": l.worked_minutes,
                "pay_minor": l.pay_minor,
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// Reads what [`lines_to_json`] wrote; the error names what is wrong.
pub fn lines_from_json(text: &str) -> Result<Vec<StatementLine>, String> {
    let list: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    list.iter()
        .map(|v| {
            let int = |k: &str| v[k].as_i64().ok_or_else(|| format!("{k} in {v}"));
            let code = v["currency"]
                .as_str()
                .ok_or_else(|| format!("currency in {v}"))?;
            Ok(StatementLine {
                currency: Currency::from_stored(code).map_err(|e| e.to_string())?,
                shifts: int("shifts")?,
                worked_minutes: int("worked_minutes")?,
                pay_minor: int("pay_minor")?,
            })
        })
        .collect()
}

/// A statement with its site and employee, to send.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementNotice {
    pub statement: PayStatement,
    pub site: Site,
    pub employee: User,
}

/// A site's payroll for a period: every employee's latest statement.
#[derive(Debug, Clone, PartialEq)]
pub struct PayrollNotice {
    /// Sent again because a statement of the period changed.
    pub correction: bool,
    pub site: Site,
    pub owner: User,
    pub period: PayPeriod,
    /// By employee name.
    pub rows: Vec<(User, PayStatement)>,
    pub worked_minutes: i64,
    /// One amount per currency, by code: amounts in different currencies are never added.
    pub pay: Vec<Money>,
}

impl StaffPro {
    /// Stores a statement version for every employee and site whose statement of one of the
    /// `months` latest ended periods is new or changed; returns what was stored.
    pub async fn scan_pay_statements(
        &self,
        statements: &dyn StatementStore,
        months: u32,
    ) -> Result<Vec<PayStatement>, AppError> {
        let now = self.now();
        let sites = statements.every_site().await?;
        // Sites in different zones may be in different periods right after midnight somewhere:
        // the ranges are grouped by period, one totals query each.
        let mut by_period: BTreeMap<PayPeriod, Vec<SiteRange>> = BTreeMap::new();
        for site in &sites {
            let tz = &site.settings.time_zone;
            for period in PayPeriod::ended_before(tz.local_date(now), months) {
                if let (Some(from), Some(to)) = local_range(tz, Some(period.from), Some(period.to))?
                {
                    by_period.entry(period).or_default().push(SiteRange {
                        site_id: site.id,
                        from,
                        to,
                    });
                }
            }
        }
        let mut stored = Vec::new();
        for (period, ranges) in by_period {
            let rows = self.store().shift_totals(&ranges, None).await?;
            let mut current: BTreeMap<(SiteId, UserId), Vec<StatementLine>> = BTreeMap::new();
            for r in rows {
                current
                    .entry((r.site_id, r.employee_id))
                    .or_default()
                    .push(StatementLine {
                        currency: r.currency,
                        shifts: r.shifts,
                        worked_minutes: r.worked_minutes,
                        pay_minor: r.pay_minor,
                    });
            }
            for range in &ranges {
                let latest = statements
                    .latest_statements(range.site_id, period.from)
                    .await?;
                let mut employees: Vec<UserId> = current
                    .keys()
                    .filter(|(site, _)| *site == range.site_id)
                    .map(|(_, e)| *e)
                    .collect();
                employees.extend(latest.iter().map(|s| s.employee_id));
                employees.sort();
                employees.dedup();
                let mut fresh = Vec::new();
                for employee in employees {
                    let mut lines = current
                        .remove(&(range.site_id, employee))
                        .unwrap_or_default();
                    lines.sort();
                    let before = latest.iter().find(|s| s.employee_id == employee);
                    if let Some(version) =
                        next_version(before.map(|s| (s.version, &s.lines[..])), &lines)
                    {
                        fresh.push(PayStatement {
                            site_id: range.site_id,
                            employee_id: employee,
                            period,
                            version,
                            lines,
                            created_at: now,
                        });
                    }
                }
                if !fresh.is_empty() {
                    // One transaction per site and period: its payroll job sees all of them.
                    stored.extend(statements.add_statements(&fresh, now).await?);
                }
            }
        }
        if !stored.is_empty() {
            tracing::info!(count = stored.len(), "pay statements stored");
        }
        Ok(stored)
    }

    /// One statement version with its site and employee; None when any is gone.
    pub async fn statement_notice(
        &self,
        statements: &dyn StatementStore,
        site: SiteId,
        employee: UserId,
        period_from: NaiveDate,
        version: u32,
    ) -> Result<Option<StatementNotice>, AppError> {
        let Some(statement) = statements
            .statement(site, employee, period_from, version)
            .await?
        else {
            return Ok(None);
        };
        let (Some(site), Some(employee)) = (
            self.store().site(site).await?,
            self.store().user(employee).await?,
        ) else {
            return Ok(None);
        };
        Ok(Some(StatementNotice {
            statement,
            site,
            employee,
        }))
    }

    /// The site's payroll for the period starting `period_from`: every employee's latest
    /// statement, with the totals. None when the site or its owner is gone, or nothing is stated.
    pub async fn payroll_notice(
        &self,
        statements: &dyn StatementStore,
        site: SiteId,
        period_from: NaiveDate,
        correction: bool,
    ) -> Result<Option<PayrollNotice>, AppError> {
        let Some(site) = self.store().site(site).await? else {
            return Ok(None);
        };
        let Some(owner) = self.store().user(site.owner_id).await? else {
            return Ok(None);
        };
        let latest = statements.latest_statements(site.id, period_from).await?;
        let Some(period) = latest.first().map(|s| s.period) else {
            return Ok(None);
        };
        let ids: Vec<UserId> = latest.iter().map(|s| s.employee_id).collect();
        let people = self.store().users(&ids).await?;
        let mut pay: BTreeMap<Currency, i64> = BTreeMap::new();
        let mut worked_minutes = 0;
        let mut rows = Vec::new();
        for s in latest {
            let Some(person) = people.iter().find(|u| u.id == s.employee_id) else {
                continue;
            };
            worked_minutes += s.worked_minutes();
            for l in &s.lines {
                *pay.entry(l.currency).or_default() += l.pay_minor;
            }
            rows.push((person.clone(), s));
        }
        rows.sort_by(|a, b| {
            a.0.name
                .as_str()
                .cmp(b.0.name.as_str())
                .then(a.0.id.cmp(&b.0.id))
        });
        Ok(Some(PayrollNotice {
            correction,
            site,
            owner,
            period,
            rows,
            worked_minutes,
            pay: pay
                .into_iter()
                .map(|(currency, minor)| Money::new(minor, currency))
                .collect(),
        }))
    }
}
