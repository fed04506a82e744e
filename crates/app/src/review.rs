//! Nobody stuck in a forgotten shift: an owner or manager closes a running shift of their site at
//! a stated time; an employee who forgot to close theirs says when they left (the shift ends then,
//! at once, flagged for review) and the owner or a manager approves that end or changes it. Every
//! such change is kept in the shift's history (`ShiftReviewStore`).
//!
//! If nobody answers a review, the shift simply stays flagged (`needs_review`): its pay counts as
//! stated, and `shifts_to_review` (the bot's reports, the API) keeps showing it.

use crate::{AppError, DomainEvent, ShiftExpectation, ShiftRevision, StaffPro, StoreError};
use chrono::{DateTime, NaiveTime, SubsecRound, Utc};
use domain::review::{check_stated_end, end_at_local_time};
use domain::{
    EndTimeError, ReviewReason, Shift, ShiftChange, ShiftChangeKind, ShiftId, ShiftStatus, Site,
    User, UserId,
};
use thiserror::Error;

/// Shifts waiting for review that one listing shows at most.
pub const MAX_TO_REVIEW: u32 = 100;

/// The end time a person states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatedEnd {
    /// Now, as the clock says.
    Now,
    /// An exact instant (kept to the microsecond, the stores' precision).
    At(DateTime<Utc>),
    /// A wall-clock time of the shift's site: the latest such time that is not in the future
    /// (today's, or yesterday's when today's has not come yet).
    LocalTime(NaiveTime),
}

/// What a reviewer decides about a shift flagged for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    /// The end stays as it is.
    Approve,
    /// The shift ended at another time; pay is settled again.
    ChangeEnd(StatedEnd),
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ManualCloseError {
    /// No such shift, or not one of the actor's sites: the same answer, to reveal nothing.
    #[error("shift not found")]
    NotFound,
    #[error("the shift is already closed")]
    AlreadyClosed,
    #[error("the shift is not waiting for review")]
    NotUnderReview,
    #[error("you have no running shift")]
    NoActiveShift,
    #[error(transparent)]
    BadTime(#[from] EndTimeError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ManualCloseError {
    fn from(e: StoreError) -> Self {
        ManualCloseError::Store(e)
    }
}

impl From<AppError> for ManualCloseError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(_) => ManualCloseError::NotFound,
            AppError::Store(s) => ManualCloseError::Store(s),
            other => ManualCloseError::Store(StoreError::Other(other.to_string())),
        }
    }
}

/// A shift with its site, its employee and its history of stated ends.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftRecord {
    pub shift: Shift,
    pub site: Site,
    pub employee: User,
    /// Oldest first.
    pub history: Vec<ShiftChange>,
}

/// A shift and the people who review it: the site's owner, then its managers (never the
/// shift's own employee).
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftNotice {
    pub record: ShiftRecord,
    pub reviewers: Vec<User>,
}

/// A shift waiting for review, with what a list of them shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingReview {
    pub shift: Shift,
    pub site: Site,
    pub employee: User,
}

/// What ending a shift at a stated time would give, checked as the change itself would be,
/// with nothing changed (the bot shows it to confirm).
#[derive(Debug, Clone, PartialEq)]
pub struct EndPreview {
    pub shift: Shift,
    pub site: Site,
    pub employee: User,
    pub ended_at: DateTime<Utc>,
    pub worked_minutes: i64,
    pub pay_minor: i64,
}

fn expectation(shift: &Shift) -> ShiftExpectation {
    ShiftExpectation {
        status: shift.status,
        ended_at: shift.ended_at,
        needs_review: shift.needs_review,
    }
}

/// The instant a stated end means for this shift, checked against its start and now.
fn resolve(
    shift: &Shift,
    site: &Site,
    end: StatedEnd,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, EndTimeError> {
    match end {
        StatedEnd::Now => {
            check_stated_end(shift.started_at, now, now)?;
            Ok(now)
        }
        StatedEnd::At(at) => {
            let at = at.trunc_subsecs(6);
            check_stated_end(shift.started_at, at, now)?;
            Ok(at)
        }
        StatedEnd::LocalTime(time) => {
            end_at_local_time(time, shift.started_at, now, &site.settings.time_zone)
        }
    }
}

impl StaffPro {
    /// An owner or manager closes a running shift of their site at a stated time, paid to that
    /// time; the shift is marked closed by them.
    pub async fn close_shift_for(
        &self,
        actor: &User,
        id: ShiftId,
        end: StatedEnd,
    ) -> Result<ShiftRecord, ManualCloseError> {
        let (shift, site) = self.managed_shift(actor, id).await?;
        if shift.status != ShiftStatus::Active {
            return Err(ManualCloseError::AlreadyClosed);
        }
        let now = self.now();
        let ended_at = resolve(&shift, &site, end, now)?;
        let (worked_minutes, pay_minor) = shift.settle_at(ended_at);
        let revision = ShiftRevision {
            expect: expectation(&shift),
            status: ShiftStatus::Closed,
            ended_at,
            worked_minutes,
            pay_minor,
            review_reason: None,
            closed_by: Some(actor.id),
            kind: ShiftChangeKind::ClosedByManager,
            changed_by: actor.id,
            changed_at: now,
        };
        let closed = match self.store().revise_shift(id, &revision).await {
            Ok(s) => s,
            // Closed meanwhile (by its employee, another manager, the auto-close).
            Err(StoreError::NotFound(_)) => return Err(ManualCloseError::AlreadyClosed),
            Err(e) => return Err(e.into()),
        };
        self.stated(&closed, ShiftChangeKind::ClosedByManager, actor.id)
            .await;
        self.record(closed, site).await
    }

    /// An employee who forgot to close their running shift says when they left: the shift ends
    /// then at once (they can open another one anywhere), flagged for review. Returns it with
    /// the people who review it.
    pub async fn report_forgotten_close(
        &self,
        employee: &User,
        end: StatedEnd,
    ) -> Result<ShiftNotice, ManualCloseError> {
        let shift = self
            .store()
            .active_shift(employee.id)
            .await?
            .ok_or(ManualCloseError::NoActiveShift)?;
        let site = self
            .store()
            .site(shift.site_id)
            .await?
            .ok_or(ManualCloseError::Store(StoreError::NotFound("site")))?;
        let now = self.now();
        let ended_at = resolve(&shift, &site, end, now)?;
        let (worked_minutes, pay_minor) = shift.settle_at(ended_at);
        let revision = ShiftRevision {
            expect: expectation(&shift),
            status: ShiftStatus::Closed,
            ended_at,
            worked_minutes,
            pay_minor,
            review_reason: Some(ReviewReason::ForgottenClose),
            closed_by: Some(employee.id),
            kind: ShiftChangeKind::ForgottenReported,
            changed_by: employee.id,
            changed_at: now,
        };
        let closed = match self.store().revise_shift(shift.id, &revision).await {
            Ok(s) => s,
            Err(StoreError::NotFound(_)) => return Err(ManualCloseError::NoActiveShift),
            Err(e) => return Err(e.into()),
        };
        self.stated(&closed, ShiftChangeKind::ForgottenReported, employee.id)
            .await;
        let record = self.record(closed, site).await?;
        let reviewers = self.reviewers(&record).await?;
        Ok(ShiftNotice { record, reviewers })
    }

    /// The owner or a manager of the shift's site approves the end of a shift flagged for review,
    /// or changes it (pay settled again at the new end). Either clears the flag.
    pub async fn review_shift(
        &self,
        actor: &User,
        id: ShiftId,
        decision: ReviewDecision,
    ) -> Result<ShiftRecord, ManualCloseError> {
        let (shift, site) = self.managed_shift(actor, id).await?;
        let Some(current_end) = shift.ended_at.filter(|_| shift.needs_review) else {
            return Err(ManualCloseError::NotUnderReview);
        };
        let now = self.now();
        let (kind, ended_at) = match decision {
            ReviewDecision::Approve => (ShiftChangeKind::Approved, current_end),
            ReviewDecision::ChangeEnd(end) => (
                ShiftChangeKind::EndChanged,
                resolve(&shift, &site, end, now)?,
            ),
        };
        let (worked_minutes, pay_minor) = match (kind, shift.worked_minutes, shift.pay_minor) {
            (ShiftChangeKind::Approved, Some(m), Some(p)) => (m, p),
            _ => shift.settle_at(ended_at),
        };
        let revision = ShiftRevision {
            expect: expectation(&shift),
            status: shift.status,
            ended_at,
            worked_minutes,
            pay_minor,
            review_reason: None,
            closed_by: shift.closed_by,
            kind,
            changed_by: actor.id,
            changed_at: now,
        };
        let reviewed = match self.store().revise_shift(id, &revision).await {
            Ok(s) => s,
            // Reviewed meanwhile by someone else.
            Err(StoreError::NotFound(_)) => return Err(ManualCloseError::NotUnderReview),
            Err(e) => return Err(e.into()),
        };
        self.stated(&reviewed, kind, actor.id).await;
        self.record(reviewed, site).await
    }

    /// What `close_shift_for` with this end would give (same checks, nothing changed).
    pub async fn preview_close_for(
        &self,
        actor: &User,
        id: ShiftId,
        end: StatedEnd,
    ) -> Result<EndPreview, ManualCloseError> {
        let (shift, site) = self.managed_shift(actor, id).await?;
        if shift.status != ShiftStatus::Active {
            return Err(ManualCloseError::AlreadyClosed);
        }
        self.preview(shift, site, end).await
    }

    /// What `review_shift` moving the end to this time would give (same checks, nothing
    /// changed).
    pub async fn preview_review_change(
        &self,
        actor: &User,
        id: ShiftId,
        end: StatedEnd,
    ) -> Result<EndPreview, ManualCloseError> {
        let (shift, site) = self.managed_shift(actor, id).await?;
        if !shift.needs_review || shift.status == ShiftStatus::Active {
            return Err(ManualCloseError::NotUnderReview);
        }
        self.preview(shift, site, end).await
    }

    async fn managed_shift(
        &self,
        actor: &User,
        id: ShiftId,
    ) -> Result<(Shift, Site), ManualCloseError> {
        let shift = self
            .store()
            .shift(id)
            .await?
            .ok_or(ManualCloseError::NotFound)?;
        let site = self.managed_site(actor, shift.site_id).await?;
        Ok((shift, site))
    }

    async fn preview(
        &self,
        shift: Shift,
        site: Site,
        end: StatedEnd,
    ) -> Result<EndPreview, ManualCloseError> {
        let ended_at = resolve(&shift, &site, end, self.now())?;
        let (worked_minutes, pay_minor) = shift.settle_at(ended_at);
        let employee = self
            .store()
            .user(shift.employee_id)
            .await?
            .ok_or(ManualCloseError::Store(StoreError::NotFound("user")))?;
        Ok(EndPreview {
            shift,
            site,
            employee,
            ended_at,
            worked_minutes,
            pay_minor,
        })
    }

    /// A shift of the actor's sites with its history.
    pub async fn shift_record(
        &self,
        actor: &User,
        id: ShiftId,
    ) -> Result<ShiftRecord, ManualCloseError> {
        let (shift, site) = self.managed_shift(actor, id).await?;
        self.record(shift, site).await
    }

    /// A shift with its history and reviewers, for telling people about a change (no actor:
    /// the notifier calls it after the change). None when the shift is gone.
    pub async fn shift_notice(&self, id: ShiftId) -> Result<Option<ShiftNotice>, AppError> {
        let Some(shift) = self.store().shift(id).await? else {
            return Ok(None);
        };
        let Some(site) = self.store().site(shift.site_id).await? else {
            return Ok(None);
        };
        let record = match self.record(shift, site).await {
            Ok(r) => r,
            Err(ManualCloseError::Store(e)) => return Err(e.into()),
            Err(_) => return Ok(None),
        };
        let reviewers = self.reviewers(&record).await.map_err(|e| match e {
            ManualCloseError::Store(s) => AppError::from(s),
            other => AppError::Store(StoreError::Other(other.to_string())),
        })?;
        Ok(Some(ShiftNotice { record, reviewers }))
    }

    /// Finished shifts of the actor's sites still waiting for review, oldest first.
    pub async fn shifts_to_review(&self, actor: &User) -> Result<Vec<PendingReview>, AppError> {
        let sites = self.sites_for(actor).await?;
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<_> = sites.iter().map(|s| s.id).collect();
        let shifts = self.store().shifts_to_review(&ids, MAX_TO_REVIEW).await?;
        let people: Vec<UserId> = shifts.iter().map(|s| s.employee_id).collect();
        let users = self.store().users(&people).await?;
        Ok(shifts
            .into_iter()
            .filter_map(|shift| {
                let site = sites.iter().find(|s| s.id == shift.site_id)?.clone();
                let employee = users.iter().find(|u| u.id == shift.employee_id)?.clone();
                Some(PendingReview {
                    shift,
                    site,
                    employee,
                })
            })
            .collect())
    }

    async fn record(&self, shift: Shift, site: Site) -> Result<ShiftRecord, ManualCloseError> {
        let employee = self
            .store()
            .user(shift.employee_id)
            .await?
            .ok_or(ManualCloseError::Store(StoreError::NotFound("user")))?;
        let history = self.store().shift_history(shift.id).await?;
        Ok(ShiftRecord {
            shift,
            site,
            employee,
            history,
        })
    }

    /// The site's owner, then its managers, without the shift's own employee.
    async fn reviewers(&self, record: &ShiftRecord) -> Result<Vec<User>, ManualCloseError> {
        let mut people = Vec::new();
        if let Some(owner) = self.store().user(record.site.owner_id).await? {
            people.push(owner);
        }
        for manager in self.store().managers_of(record.site.id).await? {
            if !people.iter().any(|p: &User| p.id == manager.id) {
                people.push(manager);
            }
        }
        people.retain(|p| p.id != record.employee.id);
        Ok(people)
    }

    async fn stated(&self, shift: &Shift, change: ShiftChangeKind, by: UserId) {
        self.publish(DomainEvent::ShiftEndStated {
            shift_id: shift.id,
            site_id: shift.site_id,
            employee_id: shift.employee_id,
            change,
            by,
        })
        .await;
    }
}
