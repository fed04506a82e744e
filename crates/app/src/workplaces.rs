//! What an employee may see of the sites they work at: every site they have access to, their
//! running shift with its site, whether they may plan at a site now, and the site of a plan.
//! Also who is involved in a shift (for notices) and marking a person who blocked the bot.

use crate::status::RunningShift;
use crate::{AppError, PlanShiftError, StaffPro};
use domain::{PlannedShift, Shift, ShiftId, Site, SiteId, User, UserId};

/// A shift with everyone a notice about it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftParties {
    pub shift: Shift,
    pub site: Site,
    pub employee: User,
    pub owner: User,
}

impl StaffPro {
    /// Every site the employee has access to, active or not, by id.
    pub async fn employee_sites(&self, employee: &User) -> Result<Vec<Site>, AppError> {
        Ok(self.store().sites_of_employee(employee.id).await?)
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
        if actor.id != employee_id && store.user(employee_id).await?.is_none() {
            return Err(PlanShiftError::EmployeeNotFound);
        }
        if !store.has_access(site.id, employee_id).await? {
            return Err(if manages {
                PlanShiftError::NoAccess
            } else {
                PlanShiftError::SiteNotFound
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

    /// The shift, its site, its employee and the site's owner; None when any is gone.
    pub async fn shift_parties(&self, shift_id: ShiftId) -> Result<Option<ShiftParties>, AppError> {
        let store = self.store();
        let Some(shift) = store.shift(shift_id).await? else {
            return Ok(None);
        };
        let Some(site) = store.site(shift.site_id).await? else {
            return Ok(None);
        };
        let people = store.users(&[shift.employee_id, site.owner_id]).await?;
        let find = |id: UserId| people.iter().find(|u| u.id == id).cloned();
        let (Some(employee), Some(owner)) = (find(shift.employee_id), find(site.owner_id)) else {
            return Ok(None);
        };
        Ok(Some(ShiftParties {
            shift,
            site,
            employee,
            owner,
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
