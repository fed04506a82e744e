//! The geolocation audit after a shift is closed from the site (`audit_shift`, run by the
//! `shift.audit` job the store writes with the close): the store finds the facts (the person's
//! previous shift, how many earlier shifts share the point), `domain::audit` judges them, and a
//! shift found suspicious is flagged for review with a reason an owner can read — never one
//! already flagged for another reason, never one already reviewed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::audit::{AuditFacts, AuditFinding, AuditRules, PreviousEnd, audit};
use domain::{Coordinates, ReviewReason, Shift, ShiftId, ShiftStatus, Site, SiteId, User, UserId};

use crate::ports::StoreResult;
use crate::{AppError, StaffPro};

/// What the audit needs from the database (both stores; each query on an index).
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// The employee's shift that started last before `before`, other than `except`.
    async fn previous_shift(
        &self,
        employee: UserId,
        before: DateTime<Utc>,
        except: ShiftId,
    ) -> StoreResult<Option<Shift>>;
    /// How many shifts of the employee or of the site, started before `before` and other than
    /// `except`, were opened or closed at `point` to six decimal places
    /// (`domain::audit::same_point`).
    async fn shifts_at_point(
        &self,
        point: Coordinates,
        employee: UserId,
        site: SiteId,
        before: DateTime<Utc>,
        except: ShiftId,
    ) -> StoreResult<u64>;
    /// Flags a finished shift for review with `reason`, unless it is flagged already (for
    /// whatever reason) or was reviewed before (its history holds an approval or a moved end);
    /// true when this call flagged it.
    async fn flag_for_review(&self, id: ShiftId, reason: ReviewReason) -> StoreResult<bool>;
}

/// A shift the audit flagged, with what it found and who is told.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditNotice {
    pub shift: Shift,
    pub site: Site,
    pub employee: User,
    /// The site's owner, then its managers (never the shift's own employee).
    pub reviewers: Vec<User>,
    /// The strongest first; the shift is flagged with the first one's reason.
    pub findings: Vec<AuditFinding>,
}

impl StaffPro {
    /// Audits a shift closed from the site. Returns the notice for the owner and managers when
    /// the shift is flagged for an audit reason now (by this call, or by an earlier run of the
    /// same job that died before telling them), None when nothing was found, the shift is not
    /// one to audit, or it was flagged for another reason or reviewed already.
    pub async fn audit_shift(
        &self,
        audits: &dyn AuditStore,
        rules: &AuditRules,
        id: ShiftId,
    ) -> Result<Option<AuditNotice>, AppError> {
        let store = self.store();
        let Some(shift) = store.shift(id).await? else {
            return Ok(None);
        };
        let Some(end) = shift
            .end_location
            .filter(|_| shift.status != ShiftStatus::Active)
        else {
            return Ok(None);
        };
        let Some(site) = store.site(shift.site_id).await? else {
            return Ok(None);
        };
        let start = shift.start_location;
        let mut identical_earlier = 0;
        for point in [start.coordinates, end.coordinates] {
            let n = audits
                .shifts_at_point(
                    point,
                    shift.employee_id,
                    shift.site_id,
                    shift.started_at,
                    shift.id,
                )
                .await?;
            identical_earlier = identical_earlier.max(n);
        }
        let previous = audits
            .previous_shift(shift.employee_id, shift.started_at, shift.id)
            .await?
            .and_then(|p| {
                Some(PreviousEnd {
                    location: p.end_location?,
                    ended_at: p.ended_at?,
                })
            });
        let facts = AuditFacts {
            site_point: site.settings.location,
            radius: site.settings.radius,
            started_at: shift.started_at,
            start,
            end,
            identical_earlier,
            previous,
        };
        let findings = audit(&facts, rules);
        let Some(reason) = findings.first().map(AuditFinding::reason) else {
            return Ok(None);
        };
        let flagged = audits.flag_for_review(shift.id, reason).await?;
        let Some(shift) = store.shift(id).await? else {
            return Ok(None);
        };
        // Not flagged by this call: tell people only if an earlier run of this audit flagged it
        // (it died before the notice); a shift flagged otherwise or reviewed is left alone.
        let ours = shift.needs_review && shift.review_reason == Some(reason);
        if !(flagged || ours) {
            return Ok(None);
        }
        if flagged {
            tracing::info!(
                shift = id.0,
                reason = reason.as_str(),
                "shift flagged by the audit"
            );
        }
        let mut ids = vec![shift.employee_id, site.owner_id];
        ids.extend(store.managers_of(site.id).await?.iter().map(|m| m.id));
        let people = store.users(&ids).await?;
        let Some(employee) = people.iter().find(|u| u.id == shift.employee_id).cloned() else {
            return Ok(None);
        };
        let mut reviewers: Vec<User> = Vec::new();
        for id in ids.iter().skip(1) {
            if *id != employee.id
                && !reviewers.iter().any(|r| r.id == *id)
                && let Some(u) = people.iter().find(|u| u.id == *id)
            {
                reviewers.push(u.clone());
            }
        }
        Ok(Some(AuditNotice {
            shift,
            site,
            employee,
            reviewers,
            findings,
        }))
    }
}
