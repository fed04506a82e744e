//! Report files asked for in the chat: whose shifts a file covers (`ReportScope`: the sites an
//! owner or manager runs, or an employee's own shifts wherever they worked), and whether it is
//! made at once or, above `Policy::report_job_shifts` shifts, by a `report.file` job written
//! to the outbox (the adapter renders it; the rule of when is here).

use super::{DailyHours, Payroll, ReportFilter, Timesheet, check_period, site_ranges};
use crate::background::{Area, OutboxJob, OutboxStore};
use crate::{AppError, SiteRange, StaffPro};
use chrono::NaiveDate;
use domain::period::Period;
use domain::{Site, SiteId, User, UserId};
use serde::{Deserialize, Serialize};

/// The job kind that makes a big report file and sends it to whoever asked.
pub const REPORT_FILE_KIND: &str = "report.file";

/// What file is asked for: the timesheet and payroll workbook, the payroll statement, the
/// timesheet as CSV, or the chart of hours per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Xlsx,
    Pdf,
    Csv,
    Chart,
}

impl FileFormat {
    pub const ALL: [FileFormat; 4] = [
        FileFormat::Xlsx,
        FileFormat::Pdf,
        FileFormat::Csv,
        FileFormat::Chart,
    ];
}

/// Whose shifts a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportScope {
    /// The sites the actor owns or manages (or one of them), everyone or one employee: the
    /// summary's scope and checks.
    Managed {
        site_id: Option<SiteId>,
        employee_id: Option<UserId>,
    },
    /// The actor's own finished shifts, at every site they worked at in the period (access
    /// revoked since or not).
    Own,
}

impl ReportScope {
    pub fn managed(filter: ReportFilter) -> Self {
        ReportScope::Managed {
            site_id: filter.site_id,
            employee_id: filter.employee_id,
        }
    }
}

/// The chat message that shows a background report's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportProgress {
    pub chat_id: i64,
    pub message_id: i32,
}

/// A report file someone asked for: the job's payload when it is made in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFileRequest {
    /// Who asked; the file goes to them, in their language.
    pub actor: UserId,
    pub scope: ReportScope,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub format: FileFormat,
    /// The message edited as a background report is made (none when made at once).
    pub progress: Option<ReportProgress>,
}

impl ReportFileRequest {
    /// The job's idempotency key: one job per progress message (each request has its own).
    pub fn job_id(&self) -> String {
        let (chat, message) = self
            .progress
            .map(|p| (p.chat_id, p.message_id))
            .unwrap_or_default();
        format!("report:{}:{chat}:{message}", self.actor.0)
    }
}

/// How a report file will be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFilePlan {
    /// Finished shifts in the scope (the summary's count): the rows of the timesheet.
    pub shifts: i64,
    /// Too big to make while the person waits: a `report.file` job makes it.
    pub in_background: bool,
}

impl StaffPro {
    /// Where background report files are asked for (not part of `Store`: the cache has nothing to
    /// do with it). Without it every file is made at once.
    #[must_use]
    pub fn with_report_jobs(mut self, outbox: std::sync::Arc<dyn OutboxStore>) -> Self {
        self.set_report_jobs(outbox);
        self
    }

    /// The sites, their periods as instants and the employee a report of `scope` covers, with
    /// the summary's checks (a site that is not the actor's is `NotFound`).
    async fn file_scope(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        scope: ReportScope,
    ) -> Result<(Vec<Site>, Vec<SiteRange>, Option<UserId>), AppError> {
        match scope {
            ReportScope::Managed {
                site_id,
                employee_id,
            } => {
                let filter = ReportFilter {
                    site_id,
                    employee_id,
                };
                let (sites, ranges) = self.report_scope(actor, from, to, filter).await?;
                Ok((sites, ranges, employee_id))
            }
            ReportScope::Own => {
                check_period(from, to)?;
                // Where they may work now, and anywhere they worked since two days before the
                // period (the widest time-zone difference before its first local day).
                let mut sites = self.store().sites_of_employee(actor.id).await?;
                let since = from
                    .pred_opt()
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(from)
                    .and_time(chrono::NaiveTime::MIN)
                    .and_utc();
                for site in self.store().sites_worked_at(actor.id, since).await? {
                    if !sites.iter().any(|s| s.id == site.id) {
                        sites.push(site);
                    }
                }
                sites.sort_by(|a, b| {
                    a.settings
                        .name
                        .as_str()
                        .cmp(b.settings.name.as_str())
                        .then(a.id.cmp(&b.id))
                });
                let ranges = site_ranges(&sites, from, to)?;
                Ok((sites, ranges, Some(actor.id)))
            }
        }
    }

    /// The timesheet of `scope`: for `ReportScope::Managed` the same as `timesheet`.
    pub async fn timesheet_in(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        scope: ReportScope,
    ) -> Result<Timesheet, AppError> {
        let (sites, ranges, employee_id) = self.file_scope(actor, from, to, scope).await?;
        Ok(Timesheet::over(
            self.clone(),
            from,
            to,
            sites,
            ranges,
            employee_id,
        ))
    }

    /// The payroll of `scope`: for `ReportScope::Managed` the same as `payroll`.
    pub async fn payroll_in(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        scope: ReportScope,
    ) -> Result<Payroll, AppError> {
        let (sites, ranges, employee_id) = self.file_scope(actor, from, to, scope).await?;
        self.payroll_over(actor, from, to, &sites, &ranges, employee_id)
            .await
    }

    /// Hours per day of `scope`: for `ReportScope::Managed` the same as `hours_per_day`.
    pub async fn hours_per_day_in(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        scope: ReportScope,
    ) -> Result<Vec<DailyHours>, AppError> {
        let sheet = self.timesheet_in(actor, from, to, scope).await?;
        super::timesheet::daily_hours(sheet).await
    }

    /// Finished shifts in `scope` (the summary's count, from the same totals), without reading
    /// the shifts themselves.
    pub async fn report_shift_count(
        &self,
        actor: &User,
        from: NaiveDate,
        to: NaiveDate,
        scope: ReportScope,
    ) -> Result<i64, AppError> {
        let (_, ranges, employee_id) = self.file_scope(actor, from, to, scope).await?;
        if ranges.is_empty() {
            return Ok(0);
        }
        let rows = self.store().shift_totals(&ranges, employee_id).await?;
        Ok(rows.iter().map(|r| r.shifts).sum())
    }

    /// Whether the file `request` asks for is made at once or in the background: more than
    /// `Policy::report_job_shifts` shifts go to a job (when report jobs are configured).
    /// Refuses what `actor` may not see, like the summary.
    pub async fn plan_report_file(
        &self,
        actor: &User,
        request: &ReportFileRequest,
    ) -> Result<ReportFilePlan, AppError> {
        let shifts = self
            .report_shift_count(actor, request.from, request.to, request.scope)
            .await?;
        Ok(ReportFilePlan {
            shifts,
            in_background: self.report_jobs().is_some() && shifts > self.policy().report_job_shifts,
        })
    }

    /// Asks for the file to be made in the background: checks the scope again and writes the
    /// `report.file` job (keyed by its progress message, so it is made once). Returns the job's
    /// key.
    pub async fn request_report_file(
        &self,
        actor: &User,
        request: &ReportFileRequest,
    ) -> Result<String, AppError> {
        if request.actor != actor.id {
            return Err(AppError::NotFound("report"));
        }
        if request.progress.is_none() {
            return Err(AppError::BadRequest {
                field: "progress",
                message: "a background report needs its progress message".into(),
            });
        }
        let Some(outbox) = self.report_jobs() else {
            return Err(AppError::Conflict(
                "background reports are not configured".into(),
            ));
        };
        // Refused now rather than in the job: a scope that is not theirs writes nothing.
        self.file_scope(actor, request.from, request.to, request.scope)
            .await?;
        let payload = serde_json::to_value(request)
            .map_err(|e| AppError::Conflict(format!("the report request: {e}")))?;
        let job = OutboxJob {
            id: request.job_id(),
            area: Area::Analytics,
            kind: REPORT_FILE_KIND.into(),
            payload,
        };
        outbox
            .add_to_outbox(std::slice::from_ref(&job), self.now())
            .await?;
        Ok(job.id)
    }

    /// The local dates a named period covers in an employee's own report: read in the zone of
    /// their first workplace (the default zone without one).
    pub async fn own_period_dates(
        &self,
        employee: &User,
        period: Period,
    ) -> Result<(NaiveDate, NaiveDate), AppError> {
        let zone = self
            .store()
            .sites_of_employee(employee.id)
            .await?
            .first()
            .map(|s| s.settings.time_zone)
            .unwrap_or_default();
        Ok(period.dates(zone.local_date(self.now())))
    }

    /// The person a background report is for; None when they are gone.
    pub async fn report_file_actor(
        &self,
        request: &ReportFileRequest,
    ) -> Result<Option<User>, AppError> {
        Ok(self.store().user(request.actor).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_as_a_job_payload() {
        let request = ReportFileRequest {
            actor: UserId(7),
            scope: ReportScope::Managed {
                site_id: Some(SiteId(3)),
                employee_id: None,
            },
            from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            format: FileFormat::Xlsx,
            progress: Some(ReportProgress {
                chat_id: 70,
                message_id: 12,
            }),
        };
        let json = serde_json::to_value(request).unwrap();
        assert_eq!(
            serde_json::from_value::<ReportFileRequest>(json).unwrap(),
            request
        );
        assert_eq!(request.job_id(), "report:7:70:12");
        let own = ReportFileRequest {
            scope: ReportScope::Own,
            format: FileFormat::Chart,
            ..request
        };
        let json = serde_json::to_value(own).unwrap();
        assert_eq!(json["scope"], "own");
        assert_eq!(json["format"], "chart");
    }
}
