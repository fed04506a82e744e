//! Notices background jobs send: the port the bot implements (`Notices`) and the use-case rules
//! of who is told about a planned shift — its reminder, a no-show, an employee running late.

use async_trait::async_trait;
use domain::{PlanStatus, PlannedShift, PlannedShiftId, ShiftChangeKind, ShiftId, Site, SiteId};
use domain::{User, UserId};

use crate::broadcasts::{Broadcast, Outcome};
use crate::{AppError, StaffPro};

/// Why a notice was not sent.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// Worth trying again later (Telegram or the database unreachable, a flood wait).
    #[error("try again later: {0}")]
    Transient(String),
    /// Will never succeed (the records it names are broken).
    #[error("{0}")]
    Permanent(String),
}

impl From<AppError> for NoticeError {
    fn from(e: AppError) -> Self {
        NoticeError::Transient(e.to_string())
    }
}

/// Sends what background jobs have to tell people. `key` is the job's idempotency key: an
/// implementation remembers per recipient what it sent under it, so a job done again (after a
/// crash before its ack) does not message anyone twice.
#[async_trait]
pub trait Notices: Send + Sync + 'static {
    /// A shift opened (`closed: None`) or closed (`Some(automatically)`).
    async fn shift_news(
        &self,
        key: &str,
        shift_id: ShiftId,
        site_id: SiteId,
        closed: Option<bool>,
    ) -> Result<(), NoticeError>;
    /// Someone stated a shift's end, or reviewed it.
    async fn stated_end(
        &self,
        key: &str,
        shift_id: ShiftId,
        change: ShiftChangeKind,
        by: UserId,
    ) -> Result<(), NoticeError>;
    /// The planned shift starts soon.
    async fn plan_reminder(&self, key: &str, notice: &PlanNotice) -> Result<(), NoticeError>;
    /// Nobody opened the planned shift.
    async fn no_show(&self, key: &str, notice: &PlanNotice) -> Result<(), NoticeError>;
    /// Sends a broadcast's text from `author` to one recipient, once under `key`; what became
    /// of it. (A sender that cannot send broadcasts refuses them for good.)
    async fn broadcast_to(
        &self,
        key: &str,
        broadcast: &Broadcast,
        author: &User,
        to: &User,
    ) -> Result<Outcome, NoticeError> {
        let _ = (key, broadcast, author, to);
        Err(NoticeError::Permanent(
            "this sender cannot send broadcasts".into(),
        ))
    }
    /// Shows the author how far the broadcast got (its final summary once it is done).
    async fn broadcast_progress(
        &self,
        broadcast: &Broadcast,
        author: &User,
    ) -> Result<(), NoticeError> {
        let _ = (broadcast, author);
        Ok(())
    }
    /// Makes the report file `request` asks for and sends it to whoever asked, editing its
    /// progress message as it goes; sent once under `key`. (A sender that cannot send files
    /// refuses them for good.)
    async fn report_file(
        &self,
        key: &str,
        request: &crate::reports::ReportFileRequest,
    ) -> Result<(), NoticeError> {
        let _ = (key, request);
        Err(NoticeError::Permanent(
            "this sender cannot send report files".into(),
        ))
    }
    /// The geolocation audit flagged a shift: its owner and managers are asked to review it.
    async fn shift_audit(
        &self,
        key: &str,
        notice: &crate::audit::AuditNotice,
    ) -> Result<(), NoticeError>;
    /// A pay statement (or its correction) for its employee.
    async fn pay_statement(
        &self,
        key: &str,
        notice: &crate::statements::StatementNotice,
    ) -> Result<(), NoticeError>;
    /// A site's payroll for a period, for its owner.
    async fn payroll(
        &self,
        key: &str,
        notice: &crate::statements::PayrollNotice,
    ) -> Result<(), NoticeError>;
}

/// A planned shift with its site and the people concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanNotice {
    pub plan: PlannedShift,
    pub site: Site,
    pub employee: User,
    /// The site's owner and managers, without the employee.
    pub managers: Vec<User>,
}

impl StaffPro {
    /// A reminder is due for the plan: it is still planned and starts after now. None when it
    /// is not (cancelled, fulfilled, started) or its records are gone.
    pub async fn reminder_notice(
        &self,
        plan_id: PlannedShiftId,
    ) -> Result<Option<PlanNotice>, AppError> {
        let Some(notice) = self.plan_notice(plan_id).await? else {
            return Ok(None);
        };
        if notice.plan.starts_at <= self.now() {
            return Ok(None);
        }
        Ok(Some(notice))
    }

    /// The plan's start passed at least `grace` ago and no shift was opened for it: the owner and
    /// managers are to be told. None otherwise.
    pub async fn no_show_notice(
        &self,
        plan_id: PlannedShiftId,
        grace: chrono::Duration,
    ) -> Result<Option<PlanNotice>, AppError> {
        let Some(notice) = self.plan_notice(plan_id).await? else {
            return Ok(None);
        };
        if notice.plan.starts_at + grace > self.now() {
            return Ok(None);
        }
        // A shift opened at the site since the scan (not linked to the plan) is no no-show.
        if let Some(shift) = self.store().active_shift(notice.employee.id).await?
            && shift.site_id == notice.plan.site_id
        {
            return Ok(None);
        }
        Ok(Some(notice))
    }

    /// The employee says they will be late for their plan: who is to be told. Refused for
    /// someone else's plan, and for one that is no longer planned or already over.
    pub async fn late_notice(
        &self,
        actor: &User,
        plan_id: PlannedShiftId,
    ) -> Result<Option<PlanNotice>, AppError> {
        let Some(notice) = self.plan_notice(plan_id).await? else {
            return Ok(None);
        };
        if notice.employee.id != actor.id || notice.plan.ends_at <= self.now() {
            return Ok(None);
        }
        Ok(Some(notice))
    }

    /// A still-planned plan with its site, employee and managers.
    async fn plan_notice(&self, plan_id: PlannedShiftId) -> Result<Option<PlanNotice>, AppError> {
        let store = self.store();
        let Some(plan) = store.planned_shift(plan_id).await? else {
            return Ok(None);
        };
        if plan.status != PlanStatus::Planned {
            return Ok(None);
        }
        let Some(site) = store.site(plan.site_id).await? else {
            return Ok(None);
        };
        let mut ids = vec![plan.employee_id, site.owner_id];
        let site_managers = store.managers_of(site.id).await?;
        ids.extend(site_managers.iter().map(|m| m.id));
        ids.sort_unstable_by_key(|id| id.0);
        ids.dedup();
        let people = store.users(&ids).await?;
        let Some(employee) = people.iter().find(|u| u.id == plan.employee_id).cloned() else {
            return Ok(None);
        };
        let managers = people.into_iter().filter(|u| u.id != employee.id).collect();
        Ok(Some(PlanNotice {
            plan,
            site,
            employee,
            managers,
        }))
    }
}
