//! What an employee may see of the sites they work at: every site they have access to, their
//! running shift with its site, whether they may plan at a site now, and the site of a plan.
//! Also who is told about a shift, and marking a person who blocked the bot.

use crate::status::RunningShift;
use crate::{AppError, PlanShiftError, StaffPro};
use domain::{PlannedShift, Shift, ShiftId, Site, SiteId, User, UserId};

/// A notice about a shift that opened or closed: the shift, its site and people, and who is to
/// be told.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCloseNotice {
    pub shift: Shift,
    pub site: Site,
    pub employee: User,
    pub owner: User,
    /// The site's owner (never about their own shift).
    pub tell_owner: bool,
    /// The employee (only when the shift was closed for them).
    pub tell_employee: bool,
}

impl StaffPro {
    /// Every site the employee has access to, active or not, by id.
    pub async fn employee_sites(&self, employee: &User) -> Result<Vec<Site>, AppError> {
        Ok(self.store().sites_of_employee(employee.id).await?)
    }

    /// Whether the employee has a shift running (one lookup, no site).
    pub async fn has_running_shift(&self, employee: &User) -> Result<bool, AppError> {
        Ok(self.store().active_shift(employee.id).await?.is_some())
    }

    /// The employee's running shift with its site, settled as if it ended now.
    pub async fn running_shift(&self, employee: &User) -> Result<Option<RunningShift>, AppError> {
        let Some(shift) = self.store().active_shift(employee.id).await? else {
            return Ok(None);
        };
        let site = self
            .store()
            .site(shift.site_id)
            .await?
            .ok_or(AppError::NotFound("site"))?;
        let (worked_minutes, earned_minor) = shift.settle_at(self.now());
        Ok(Some(RunningShift {
            shift,
            site,
            worked_minutes,
            earned_minor,
        }))
    }

    /// The site, if the employee may plan a shift of their own there now: they have access and
    /// the site is active. The same check `plan_shift` makes.
    pub async fn plannable_site(
        &self,
        employee: &User,
        site_id: SiteId,
    ) -> Result<Site, PlanShiftError> {
        self.plan_target(employee, site_id, employee.id).await
    }

    /// The site a plan of `employee_id` at `site_id` would be at, if `actor` may make it: the
    /// employee for themselves, or the owner or a manager of the site; the employee must have
    /// access to the site and the site must be active.
    pub(crate) async fn plan_target(
        &self,
        actor: &User,
        site_id: SiteId,
        employee_id: UserId,
    ) -> Result<Site, PlanShiftError> {
        let store = self.store();
        let site = store
            .site(site_id)
            .await?
            .ok_or(PlanShiftError::SiteNotFound)?;
        let manages = site.owner_id == actor.id || store.is_manager(site.id, actor.id).await?;
        if actor.id != employee_id && !manages {
            // Someone else's site and someone else's plan: reveal nothing.
            return Err(PlanShiftError::SiteNotFound);
        }
        if !store.has_access(site.id, employee_id).await? {
            if !manages {
                return Err(PlanShiftError::SiteNotFound);
            }
            // Whether a person without access here exists at all is told only about the
            // actor's own people (employees of their sites), so that a manager cannot probe
            // another owner's employee ids: anyone else is "not found", like an unknown id.
            let scope: Vec<SiteId> = store
                .sites_managed_by(actor.id)
                .await?
                .into_iter()
                .map(|s| s.id)
                .collect();
            let known = employee_id == actor.id
                || store
                    .employees_of(&scope)
                    .await?
                    .iter()
                    .any(|e| e.user.id == employee_id);
            return Err(if known {
                PlanShiftError::NoAccess
            } else {
                PlanShiftError::EmployeeNotFound
            });
        }
        if !site.active {
            return Err(PlanShiftError::SiteInactive);
        }
        Ok(site)
    }

    /// The site of a plan the actor may see: their own plan, or one at a site they own or
    /// manage. Anything else is "not found".
    pub async fn site_of_plan(&self, actor: &User, plan: &PlannedShift) -> Result<Site, AppError> {
        let site = self
            .store()
            .site(plan.site_id)
            .await?
            .ok_or(AppError::NotFound("site"))?;
        if plan.employee_id == actor.id
            || site.owner_id == actor.id
            || self.store().is_manager(site.id, actor.id).await?
        {
            Ok(site)
        } else {
            Err(AppError::NotFound("site"))
        }
    }

    /// Who is to be told that a shift at `site_id` opened (`closed_automatically: None`) or
    /// closed: the owner of a site that wants notifications hears of shifts opened and closed
    /// there; a shift closed automatically is told to its employee and to the owner whatever
    /// the site's setting; nobody hears of their own shift from the bot. None when nobody is to
    /// be told (checked before anything but the site is read) or something is gone.
    pub async fn open_close_notice(
        &self,
        shift_id: ShiftId,
        site_id: SiteId,
        closed_automatically: Option<bool>,
    ) -> Result<Option<OpenCloseNotice>, AppError> {
        let store = self.store();
        let automatic = closed_automatically == Some(true);
        let Some(site) = store.site(site_id).await? else {
            return Ok(None);
        };
        if !automatic && !site.notify_owner {
            return Ok(None);
        }
        let Some(shift) = store.shift(shift_id).await? else {
            return Ok(None);
        };
        if shift.site_id != site.id {
            return Ok(None);
        }
        let people = store.users(&[shift.employee_id, site.owner_id]).await?;
        let find = |id: UserId| people.iter().find(|u| u.id == id).cloned();
        let (Some(employee), Some(owner)) = (find(shift.employee_id), find(site.owner_id)) else {
            return Ok(None);
        };
        let tell_owner = owner.id != employee.id;
        if !tell_owner && !automatic {
            return Ok(None);
        }
        Ok(Some(OpenCloseNotice {
            shift,
            site,
            employee,
            owner,
            tell_owner,
            tell_employee: automatic,
        }))
    }

    /// Marks the person with this Telegram id as unreachable (Telegram said they blocked the
    /// bot); true if someone was marked. Writing to the bot again makes them reachable.
    pub async fn mark_unreachable(&self, telegram_id: i64) -> Result<bool, AppError> {
        match self.store().user_by_telegram_id(telegram_id).await? {
            Some(user) if user.reachable => {
                self.set_reachable(&user, false).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
